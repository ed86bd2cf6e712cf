"""Profiles: the published Cafcass figures a synthetic sample is calibrated to.

Kept apart from the generator so that what is *published* (each profile's
`targets`, cited in docs/sample-data.md) and what is *assumed* (the other
fields) can be read and reviewed without the numpy that draws the data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from caseload_cli.synth.limits import DEFAULT_PROFILE, PROFILE_NAMES

__all__ = [
    "APRIL_2022",
    "PROFILES",
    "SUMMER_2023",
    "LoadShape",
    "Profile",
    "Target",
    "get_profile",
]


@dataclass(frozen=True)
class Target:
    """One published figure a profile reproduces: `calibration_stats()[metric]`.

    kind "approx": the generated value should be close to `value`;
    kind "above": the published statement is "more than `value`".
    """

    metric: str
    value: float
    source: str
    kind: str = "approx"


@dataclass(frozen=True)
class LoadShape:
    """Distribution of per-FTE caseloads for FCAs of one team type.

    FCAs are split into three bands in fixed proportions: above `upper`,
    between `lower` (exclusive) and `upper`, and at or below `lower`.
    The upper two bands are uniform over whole cases; the lowest band is a
    skewed (beta) spread between `floor` and `lower` whose mean is solved so
    that the overall mean equals `mean`.
    """

    mean: float
    lower: float
    upper: float
    share_above_lower: float
    share_above_upper: float
    floor: float
    ceiling: float
    concentration: float = 3.0

    def __post_init__(self) -> None:
        if not 0 <= self.share_above_upper <= self.share_above_lower < 1:
            raise ValueError("shares must satisfy 0 <= above upper <= above lower < 1")
        if not self.floor < self.low_band_mean() < self.lower:
            raise ValueError(f"mean {self.mean} is unreachable with these bands")

    def band_means(self) -> tuple[float, float]:
        """Means of the middle and top bands (whole cases, full-time)."""
        return (self.lower + 1 + self.upper) / 2, (self.upper + 1 + self.ceiling) / 2

    def low_band_mean(self) -> float:
        """Mean of the lowest band that makes the overall mean equal `mean`."""
        mid, top = self.band_means()
        s_top = self.share_above_upper
        s_mid = self.share_above_lower - s_top
        return (self.mean - s_mid * mid - s_top * top) / (1 - self.share_above_lower)


@dataclass(frozen=True)
class Profile:
    """Parameters for one published snapshot.

    `targets` are the published figures (cited in docs/sample-data.md); the
    other fields are modelling assumptions chosen to be consistent with them.
    """

    name: str
    title: str
    snapshot: dt.date
    wafh: LoadShape
    eit: LoadShape
    saturation: float  # FCA cases / FCA capacity; sets the public-law load
    practice_supervisors: LoadShape  # cases each practice supervisor holds (per head)
    children_per_case: float
    allocation_hub_rate: float  # hub cases per private WAFH case held by staff
    post_assessment_hub_rate: float  # per WAFH case (private and public) held
    duty_rate: float  # duty cases per case held by staff
    duty_per_service_manager: float  # duty cases each service manager holds, on average
    duty_high_area_share: float  # share of areas whose duty runs high (over 100 at full size)
    targets: tuple[Target, ...]


_APRIL = "published figure, Cafcass board papers, April 2022"
_SUMMER = "published figure, Cafcass board papers, summer 2023"

APRIL_2022 = Profile(
    name="april-2022",
    title="Cafcass snapshot, April 2022",
    snapshot=dt.date(2022, 4, 29),
    # 65.4% above 20 and 23.5% above 25 are published; 32 as the top is assumed.
    wafh=LoadShape(21.7, 20, 25, 0.654, 0.235, floor=5, ceiling=32),
    # "More than half above 40" is published; 60% above 40 and 30% above 50 assumed.
    eit=LoadShape(45.5, 40, 50, 0.60, 0.30, floor=20, ceiling=65),
    saturation=0.862,
    # 15.9 on average and 57.9% over 12 are published; 28% over 20 and a top of 30 assumed.
    practice_supervisors=LoadShape(15.9, 12, 20, 0.579, 0.28, floor=3, ceiling=30),
    children_per_case=1.6,
    allocation_hub_rate=0.15,
    post_assessment_hub_rate=0.08,
    # 1,316 duty cases at national size (~32,000 cases held), 7 of 19 areas over 100, and
    # 15.6 per service manager are published; managers hold every duty case.
    duty_rate=0.041,
    duty_per_service_manager=15.6,
    duty_high_area_share=7 / 19,
    targets=(
        Target("wafh_average", 21.7, _APRIL),
        Target("wafh_share_above_20", 0.654, _APRIL),
        Target("wafh_share_above_25", 0.235, _APRIL),
        Target("eit_average", 45.5, _APRIL),
        Target("eit_share_above_40", 0.5, _APRIL, kind="above"),
        Target("children_per_case", 1.6, "published figure, 35,211 cases ~ 56,000 children"),
        Target("saturation", 0.862, _APRIL),
        Target("practice_supervisor_average", 15.9, _APRIL),
        Target("practice_supervisor_share_over_12", 0.579, _APRIL),
        Target("duty_cases", 1316, _APRIL),
        Target("duty_per_service_manager", 15.6, _APRIL),
    ),
)

SUMMER_2023 = Profile(
    name="summer-2023",
    title="Cafcass snapshot, summer 2023",
    snapshot=dt.date(2023, 7, 31),
    # 55% above 20 is published; 15% above 25 is assumed.
    wafh=LoadShape(20.3, 20, 25, 0.55, 0.15, floor=5, ceiling=31),
    # Only the EIT average is published; 40% above 40 and 10% above 50 assumed.
    eit=LoadShape(37.7, 40, 50, 0.40, 0.10, floor=15, ceiling=60),
    saturation=0.80,  # assumed: not published for 2023
    practice_supervisors=LoadShape(12.0, 12, 20, 0.45, 0.10, floor=3, ceiling=26),  # assumed
    children_per_case=1.6,  # the April 2022 published ratio, carried forward
    allocation_hub_rate=0.08,
    post_assessment_hub_rate=0.08,
    # Duty: April 2022's published figures carried forward.
    duty_rate=0.041,
    duty_per_service_manager=15.6,
    duty_high_area_share=7 / 19,
    targets=(
        Target("wafh_average", 20.3, _SUMMER),
        Target("wafh_share_above_20", 0.55, _SUMMER),
        Target("eit_average", 37.7, _SUMMER),
    ),
)

_BY_NAME = {p.name: p for p in (APRIL_2022, SUMMER_2023)}
#: Every name in `limits.PROFILE_NAMES` (the command's choices), "default" included.
PROFILES: dict[str, Profile] = {
    name: _BY_NAME[DEFAULT_PROFILE if name == "default" else name] for name in PROFILE_NAMES
}


def get_profile(name: str) -> Profile:
    """The profile called `name`; ValueError listing the known names otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(PROFILES)
        raise ValueError(f"unknown profile {name!r} (known: {known})") from None
