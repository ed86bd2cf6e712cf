"""Synthetic, calibrated caseload exports (cases, staff, reductions).

`generate()` builds a fictional organisation shaped like Cafcass: service areas of
teams (EIT, WAFH and public-law teams of about 12 workers each, with practice
supervisors and an assistant service manager), and a caseload whose headline
figures reproduce the published Cafcass snapshots chosen by a *profile*
(see `PROFILES` and docs/sample-data.md). Everything is vectorised with numpy
and pyarrow: 50,000 workers (about 1.1 million cases) take a few seconds.

Every name is synthetic ("Alex Example", "Priya Specimen"); no real person is
described. Service-area codes follow the Cafcass pattern ("A3 Greater
Manchester", "A12 Birmingham"); beyond those two the area names are
illustrative placeholders.

`write_sample()` writes the frames as CSV, xlsx and Parquet with fixed settings,
so that the same seed gives byte-identical files, plus optional
header-mapped and deliberately dirty variants for demos of mapping and
validation.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

__all__ = [
    "DIRTY_DEFECTS",
    "MAPPING",
    "PROFILES",
    "LoadShape",
    "Profile",
    "Target",
    "calibration_stats",
    "generate",
    "get_profile",
    "mapping_toml",
    "write_sample",
]

# --------------------------------------------------------------------------- vocabulary

FULL_TIME_HOURS = 37.0
PUBLIC_CASE_TYPES = ("s31", "adoption", "epo", "dols")
PRIVATE_CASE_TYPES = ("s7", "r16_4", "wtfh", "addendum")
CASE_TYPES = PUBLIC_CASE_TYPES + PRIVATE_CASE_TYPES
STAGES = ("wtfh", "wafh", "post_assessment_hub", "allocation_hub", "duty")
ROLES = ("fca", "locum_fca", "practice_supervisor", "assistant_service_manager", "service_manager")
FCA_ROLES = ("fca", "locum_fca")
TEAM_TYPES = ("wafh", "eit", "public_law")
TEAM_LABELS = {"wafh": "WAFH", "eit": "EIT", "public_law": "Public Law"}
# Cafcass ceilings (published): 25 sets of proceedings after first hearing, 40 before.
CAPACITY_TARGETS = {"wafh": 25.0, "public_law": 25.0, "eit": 40.0}
# Largest reduction allowed per reason, in percent of contracted hours.
REDUCTION_CAPS = {
    "union_facility_time": 50.0,
    "newly_qualified": 20.0,
    "phased_return": 50.0,
    "reasonable_adjustment": 30.0,
    "other_duties": 20.0,
}
XLSX_MAX_ROWS = 1_048_575  # data rows under one header row
MAX_CASE_ID = 9_999_999  # case ids are 7 digits
MAX_WORKERS = 250_000

# Service areas: Cafcass has 19. Only A3 and A12 come from the domain brief; the
# other names are illustrative placeholders. Listed in the order they are used.
SERVICE_AREAS = (
    "A3 Greater Manchester",
    "A12 Birmingham",
    "A5 West Yorkshire",
    "A1 Northumbria and Durham",
    "A2 Cumbria and Lancashire",
    "A4 Merseyside and Cheshire",
    "A6 South Yorkshire and Humberside",
    "A7 Lincolnshire and Nottinghamshire",
    "A8 Derbyshire and Leicestershire",
    "A9 Staffordshire and Shropshire",
    "A10 Coventry and Warwickshire",
    "A11 Black Country",
    "A13 East Anglia",
    "A14 Essex and Hertfordshire",
    "A15 Thames Valley",
    "A16 North and East London",
    "A17 South London",
    "A18 Kent and Sussex",
    "A19 South West",
)
TEAM_SIZE = 12.5  # workers per team on average (150 workers -> 12 teams)
TEAMS_PER_AREA = 4  # 12 teams -> 3 service areas
# Team types repeat in this order and areas take consecutive teams, so every
# area gets a mix; half the teams are WAFH, a third public law, a sixth EIT.
_TEAM_PATTERN = (
    *("wafh", "public_law", "eit", "wafh"),
    *("public_law", "wafh", "wafh", "public_law"),
    *("eit", "wafh", "public_law", "wafh"),
)

_FIRST_NAMES = (
    "Alex", "Sam", "Jordan", "Priya", "Amir", "Chloe", "Daniel", "Fatima", "Grace", "Hassan",
    "Isla", "Jack", "Kemi", "Leah", "Mohammed", "Nadia", "Oliver", "Olu", "Ruby", "Sean",
    "Tom", "Yusuf", "Zara", "Aisha", "Ben", "Cara", "Dev", "Ellie", "Femi", "Gemma",
    "Harpreet", "Imran", "Jasmine", "Kieran", "Laura", "Maya", "Niamh", "Owen", "Rosa", "Tariq",
)  # fmt: skip
_SURNAMES = (
    "Example", "Sample", "Specimen", "Placeholder", "Fictional", "Synthetic",
    "Madeup", "Notreal", "Pretend", "Testcase", "Imaginary", "Dummy",
)  # fmt: skip

# --------------------------------------------------------------------------- profiles


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
    practice_supervisor_mean: float  # cases held per practice supervisor
    children_per_case: float
    allocation_hub_rate: float  # hub cases per private WAFH case held by staff
    post_assessment_hub_rate: float  # per WAFH case (private and public) held
    duty_rate: float  # per case held by staff
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
    practice_supervisor_mean=15.9,
    children_per_case=1.6,
    allocation_hub_rate=0.15,
    post_assessment_hub_rate=0.08,
    duty_rate=0.02,
    targets=(
        Target("wafh_average", 21.7, _APRIL),
        Target("wafh_share_above_20", 0.654, _APRIL),
        Target("wafh_share_above_25", 0.235, _APRIL),
        Target("eit_average", 45.5, _APRIL),
        Target("eit_share_above_40", 0.5, _APRIL, kind="above"),
        Target("children_per_case", 1.6, "published figure, 35,211 cases ~ 56,000 children"),
        Target("saturation", 0.862, _APRIL),
        Target("practice_supervisor_average", 15.9, _APRIL),
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
    practice_supervisor_mean=12.0,  # assumed
    children_per_case=1.6,  # the April 2022 published ratio, carried forward
    allocation_hub_rate=0.08,
    post_assessment_hub_rate=0.08,
    duty_rate=0.02,
    targets=(
        Target("wafh_average", 20.3, _SUMMER),
        Target("wafh_share_above_20", 0.55, _SUMMER),
        Target("eit_average", 37.7, _SUMMER),
    ),
)

PROFILES: dict[str, Profile] = {
    "april-2022": APRIL_2022,
    "summer-2023": SUMMER_2023,
    "default": APRIL_2022,
}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(PROFILES)
        raise ValueError(f"unknown profile {name!r} (known: {known})") from None


# --------------------------------------------------------------------------- case model

# Where a case sits; each kind fixes the stage and the case-type mix.
K_WTFH, K_PRIVATE, K_PUBLIC, K_ALLOCATION, K_POST_ASSESSMENT, K_DUTY, K_UNALLOCATED = range(7)
_KIND_BY_TEAM_TYPE = {"eit": K_WTFH, "wafh": K_PRIVATE, "public_law": K_PUBLIC}
_KIND_STAGE = {
    K_WTFH: "wtfh",
    K_PRIVATE: "wafh",
    K_PUBLIC: "wafh",
    K_ALLOCATION: "allocation_hub",
    K_POST_ASSESSMENT: "post_assessment_hub",
    K_DUTY: "duty",
    K_UNALLOCATED: "wafh",
}
_KIND_TYPES: dict[int, dict[str, float]] = {
    K_WTFH: {"wtfh": 1.0},
    K_PRIVATE: {"s7": 0.78, "addendum": 0.12, "r16_4": 0.10},
    K_PUBLIC: {"s31": 0.85, "adoption": 0.06, "epo": 0.05, "dols": 0.04},
    K_ALLOCATION: {"s7": 0.92, "addendum": 0.08},
    K_POST_ASSESSMENT: {"s7": 0.85, "addendum": 0.15},
    K_DUTY: {"wtfh": 0.6, "s7": 0.2, "s31": 0.1, "epo": 0.1},
    K_UNALLOCATED: {"s31": 0.9, "epo": 0.1},
}
# Age of open cases at the snapshot, in weeks: ("gamma", shape, mean),
# ("uniform", low, high) or ("bands", edges, probabilities). Means follow the
# published durations: public law 44-45 weeks, private WAFH 54-61, R16.4 96
# (39% over 100 weeks), allocation hub 6.1.
_AGE_BY_KIND: dict[int, tuple] = {
    K_WTFH: ("uniform", 0.15, 8.0),
    K_ALLOCATION: ("gamma", 2.0, 6.1),
    K_POST_ASSESSMENT: ("gamma", 3.0, 50.0),
    K_DUTY: ("gamma", 2.0, 3.0),
    K_UNALLOCATED: ("gamma", 2.0, 2.0),
}
_AGE_BY_TYPE: dict[str, tuple] = {
    "s7": ("gamma", 3.0, 55.0),
    "addendum": ("gamma", 3.0, 66.0),
    "r16_4": ("bands", (40.0, 100.0, 174.0), (0.61, 0.39)),
    "s31": ("gamma", 3.0, 48.5),
    "adoption": ("gamma", 3.0, 35.0),
    "epo": ("gamma", 2.0, 3.0),
    "dols": ("gamma", 3.0, 35.0),
}

# --------------------------------------------------------------------------- generate


def generate(workers: int, seed: int, profile: str = "april-2022") -> dict[str, pd.DataFrame]:
    """Generate cases, staff and reductions for `workers` staff, deterministic for `seed`."""
    if isinstance(workers, bool) or int(workers) != workers or not 1 <= workers <= MAX_WORKERS:
        raise ValueError(f"workers must be a whole number from 1 to {MAX_WORKERS:,}")
    workers = int(workers)
    prof = get_profile(profile)
    rng = np.random.default_rng(seed)

    staff, team_type = _make_staff(rng, workers)
    fte = staff["contracted_hours"].to_numpy(float) / FULL_TIME_HOURS
    role = staff["role"].to_numpy(object)
    counts = _caseloads(rng, prof, role, team_type, fte)
    cases = _make_cases(rng, prof, counts, team_type, staff["worker_id"])
    reductions = _make_reductions(rng, prof, staff)
    return {"cases": cases, "staff": staff, "reductions": reductions}


def _apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Split `total` into integers proportional to `weights` (largest remainder)."""
    quotas = total * weights / weights.sum()
    base = np.floor(quotas).astype(np.int64)
    order = np.argsort(-(quotas - base), kind="stable")[: total - base.sum()]
    base[order] += 1
    return base


def _make_staff(rng: np.random.Generator, workers: int) -> tuple[pd.DataFrame, np.ndarray]:
    n_teams = max(1, round(workers / TEAM_SIZE))
    n_areas = min(len(SERVICE_AREAS), max(1, round(n_teams / TEAMS_PER_AREA)))
    sizes = 1 + _apportion(workers - n_teams, rng.uniform(0.8, 1.2, n_teams))
    pattern = np.array(_TEAM_PATTERN, dtype=object)
    team_types = pattern[np.arange(n_teams) % pattern.size]
    team_area = np.arange(n_teams) * n_areas // n_teams
    areas = np.array(SERVICE_AREAS, dtype=object)
    # Team names number teams of the same type within their area: "Birmingham EIT 1".
    numbers = pd.DataFrame({"a": team_area, "t": team_types}).groupby(["a", "t"]).cumcount() + 1
    team_names = np.array(
        [
            f"{areas[a].split(' ', 1)[1]} {TEAM_LABELS[t]} {k}"
            for a, t, k in zip(team_area, team_types, numbers, strict=True)
        ],
        dtype=object,
    )

    team = np.repeat(np.arange(n_teams), sizes)
    size = sizes[team]
    pos = np.arange(workers) - (np.cumsum(sizes) - sizes)[team]
    has_asm = size >= 5
    n_ps = np.where(size >= 14, 2, np.where(size >= 3, 1, 0))
    first = has_asm.astype(np.int64)
    role = np.full(workers, "fca", dtype=object)
    role[(pos >= first) & (pos < first + n_ps)] = "practice_supervisor"
    role[has_asm & (pos == 0)] = "assistant_service_manager"
    first_team_of_area = np.r_[True, team_area[1:] != team_area[:-1]]
    role[first_team_of_area[team] & (pos == size - 1) & (size >= 8)] = "service_manager"
    locum = (role == "fca") & (rng.random(workers) < 0.07)
    role[locum] = "locum_fca"

    hours = rng.choice(
        np.array([37.0, 30.0, 22.5, 18.5, 15.0]), size=workers, p=[0.72, 0.10, 0.08, 0.07, 0.03]
    )
    manager = ~np.isin(role, FCA_ROLES)
    hours = np.where(manager, np.where(rng.random(workers) < 0.9, 37.0, 30.0), hours)
    hours = np.where(locum, 37.0, hours)

    first_names = np.array(_FIRST_NAMES, dtype=object)[rng.integers(0, len(_FIRST_NAMES), workers)]
    surnames = np.array(_SURNAMES, dtype=object)[rng.integers(0, len(_SURNAMES), workers)]
    width = max(4, len(str(workers)))
    ids = pc.utf8_lpad(pa.array(np.arange(1, workers + 1)).cast(pa.string()), width, "0")
    staff = pd.DataFrame(
        {
            "worker_id": pd.Series(pc.binary_join_element_wise("W", ids, ""), dtype="str"),
            "name": pd.Series(first_names + " " + surnames, dtype="str"),
            "team": pd.Series(team_names[team], dtype="str"),
            "service_area": pd.Series(areas[team_area[team]], dtype="str"),
            "role": pd.Series(role, dtype="str"),
            "team_type": pd.Series(team_types[team], dtype="str"),
            "contracted_hours": hours,
        }
    )
    return staff, team_types[team]


def _draw_loads(rng: np.random.Generator, fte: np.ndarray, shape: LoadShape) -> np.ndarray:
    """Whole-case caseloads whose per-FTE values follow `shape` (bands in exact shares)."""
    n = fte.size
    if n == 0:
        return np.zeros(0, np.int64)
    band = np.zeros(n, np.int8)
    band[: round(shape.share_above_lower * n)] = 1
    band[: round(shape.share_above_upper * n)] = 2
    band = rng.permutation(band)
    eps = 1e-9
    at_lower = np.floor(shape.lower * fte + eps)  # most cases still "not above lower"
    at_upper = np.floor(shape.upper * fte + eps)
    top = np.maximum(at_upper + 1, np.floor(shape.ceiling * fte + eps))
    bottom = np.minimum(np.ceil(shape.floor * fte - eps), at_lower)
    mid = rng.integers(at_lower + 1, np.maximum(at_lower + 1, at_upper) + 1)
    high = rng.integers(at_upper + 1, top + 1)
    x_mean = (shape.lower - shape.low_band_mean()) / (shape.lower - shape.floor)
    x = rng.beta(shape.concentration * x_mean, shape.concentration * (1 - x_mean), n)
    low = np.clip(np.rint((shape.lower - (shape.lower - shape.floor) * x) * fte), bottom, at_lower)
    return np.select([band == 2, band == 1], [high, mid], low).astype(np.int64)


def _adjust_total(
    rng: np.random.Generator, counts: np.ndarray, total: int, minimum: int = 0
) -> np.ndarray:
    """Add or remove single cases at random until `counts` sums to `total`."""
    counts = counts.copy()
    if counts.size == 0:
        return counts
    diff = int(total - counts.sum())
    if diff > 0:
        np.add.at(counts, rng.integers(0, counts.size, diff), 1)
    while diff < 0:
        eligible = np.flatnonzero(counts > minimum)
        if eligible.size == 0:
            break
        take = rng.choice(eligible, size=min(-diff, eligible.size), replace=False)
        counts[take] -= 1
        diff += take.size
    return counts


def _caseloads(
    rng: np.random.Generator,
    prof: Profile,
    role: np.ndarray,
    team_type: np.ndarray,
    fte: np.ndarray,
) -> np.ndarray:
    counts = np.zeros(role.size, np.int64)
    fca = np.isin(role, FCA_ROLES)
    wafh, eit, public = (fca & (team_type == t) for t in ("wafh", "eit", "public_law"))
    counts[wafh] = _draw_loads(rng, fte[wafh], prof.wafh)
    counts[eit] = _draw_loads(rng, fte[eit], prof.eit)
    # Public-law load: whatever brings FCA cases / FCA capacity to the saturation target.
    targets = pd.Series(team_type).map(CAPACITY_TARGETS).to_numpy(float)
    capacity = float((targets * fte)[fca].sum())
    needed = max(0, round(prof.saturation * capacity) - int(counts[wafh | eit].sum()))
    if public.any():
        per_fte = needed / fte[public].sum()
        load = np.clip(rng.normal(per_fte, 0.25 * per_fte, public.sum()), 1, 2 * per_fte + 1)
        counts[public] = _adjust_total(rng, np.rint(load * fte[public]).astype(np.int64), needed)
    ps = role == "practice_supervisor"
    ps_counts = np.clip(np.rint(rng.normal(prof.practice_supervisor_mean, 4.0, ps.sum())), 0, 35)
    total_ps = round(prof.practice_supervisor_mean * ps.sum())
    counts[ps] = _adjust_total(rng, ps_counts.astype(np.int64), total_ps)
    asm = role == "assistant_service_manager"
    counts[asm] = rng.integers(0, 4, asm.sum())
    return counts


def _draw_ages(rng: np.random.Generator, rule: tuple, n: int) -> np.ndarray:
    """Ages in weeks."""
    kind = rule[0]
    if kind == "gamma":
        _, shape, mean = rule
        return rng.gamma(shape, mean / shape, n)
    if kind == "uniform":
        return rng.uniform(rule[1], rule[2], n)
    edges, probs = np.asarray(rule[1]), np.asarray(rule[2])
    band = rng.choice(probs.size, size=n, p=probs)
    return rng.uniform(edges[band], edges[band + 1])


def _make_cases(
    rng: np.random.Generator,
    prof: Profile,
    counts: np.ndarray,
    team_type: np.ndarray,
    worker_ids: pd.Series,
) -> pd.DataFrame:
    holder = np.repeat(np.arange(counts.size), counts)
    kind_of_team = pd.Series(team_type).map(_KIND_BY_TEAM_TYPE).to_numpy(np.int8)
    held_kind = kind_of_team[holder] if holder.size else np.zeros(0, np.int8)
    n_private = int((held_kind == K_PRIVATE).sum())
    n_public = int((held_kind == K_PUBLIC).sum())
    extra = {
        K_ALLOCATION: round(prof.allocation_hub_rate * n_private),
        K_POST_ASSESSMENT: round(prof.post_assessment_hub_rate * (n_private + n_public)),
        K_DUTY: round(prof.duty_rate * holder.size),
        K_UNALLOCATED: round(0.003 * n_public) + (1 if n_public >= 100 else 0),
    }
    kind = np.concatenate([held_kind] + [np.full(k, kd, np.int8) for kd, k in extra.items()])
    worker = np.concatenate([holder, np.full(kind.size - holder.size, -1, np.int64)])
    n = kind.size
    if n > MAX_CASE_ID:
        raise ValueError("too many cases for 7-digit case ids; use fewer workers")
    order = rng.permutation(n)
    kind, worker = kind[order], worker[order]

    # Case type by kind (a handful of vectorised draws, not a loop over cases).
    type_code = np.zeros(n, np.int8)
    for kd, mix in _KIND_TYPES.items():
        sel = np.flatnonzero(kind == kd)
        codes = np.array([CASE_TYPES.index(t) for t in mix], np.int8)
        type_code[sel] = rng.choice(codes, size=sel.size, p=list(mix.values()))
    public_law = type_code < len(PUBLIC_CASE_TYPES)

    # Ages, then dates.
    age_weeks = np.zeros(n)
    for kd in range(7):
        sel_kind = kind == kd
        if kd in _AGE_BY_KIND:
            sel = np.flatnonzero(sel_kind)
            age_weeks[sel] = _draw_ages(rng, _AGE_BY_KIND[kd], sel.size)
            continue
        for code, case_type in enumerate(CASE_TYPES):
            if case_type in _AGE_BY_TYPE:
                sel = np.flatnonzero(sel_kind & (type_code == code))
                age_weeks[sel] = _draw_ages(rng, _AGE_BY_TYPE[case_type], sel.size)
    age = np.floor(age_weeks * 7).astype(np.int64)
    if kind.size:
        age[kind == K_ALLOCATION] = np.minimum(age[kind == K_ALLOCATION], 30 * 7)
    snapshot = np.datetime64(prof.snapshot, "D")
    opened = snapshot - age

    # First hearing: about 5-10 weeks after issue in private law, 1-3 in public law
    # (EPOs within days). WAFH work starts after it, WTFH work ends at it.
    lag = np.where(public_law, rng.integers(7, 22, n), rng.integers(35, 71, n))
    lag = np.where(type_code == CASE_TYPES.index("epo"), rng.integers(0, 4, n), lag)
    after_first = np.isin(kind, (K_PRIVATE, K_PUBLIC, K_POST_ASSESSMENT))
    lag = np.where(after_first, np.minimum(lag, age), lag)
    lag = np.where(kind == K_WTFH, np.maximum(lag, age + rng.integers(1, 15, n)), lag)
    heard = lag <= age
    hearing = opened + lag
    nat = np.datetime64("NaT", "D")
    first_hearing = np.where(heard, hearing, nat)
    later = snapshot + rng.integers(7, 141, n)
    later = np.where(kind == K_POST_ASSESSMENT, snapshot + rng.integers(42, 181, n), later)
    unlisted = rng.random(n) < np.where(kind == K_POST_ASSESSMENT, 0.35, 0.08)
    next_hearing = np.where(heard, np.where(unlisted, nat, later), hearing)

    children = 1 + np.minimum(rng.poisson(prof.children_per_case - 1, n), 8)
    domestic_abuse = rng.random(n) < np.where(public_law, 0.35, 0.55)
    interpreter = rng.random(n) < 0.07

    # 7-digit ids in increasing order with random gaps; leading zeros kept.
    start = int(rng.integers(0, 1000))
    gap = max(1, min(25, (MAX_CASE_ID - start) // max(n, 1)))
    ids = start + np.cumsum(rng.integers(1, gap + 1, n))
    case_id = pc.utf8_lpad(pa.array(ids).cast(pa.string()), 7, "0")
    wid = pa.array(worker_ids.astype(object).to_numpy(), pa.string())
    held_by = wid.take(pa.array(np.where(worker < 0, 0, worker), mask=worker < 0))

    stage_of_kind = np.array([_KIND_STAGE[k] for k in range(7)], dtype=object)
    case_types = np.array(CASE_TYPES, dtype=object)
    return pd.DataFrame(
        {
            "case_id": pd.Series(case_id, dtype="str"),
            "worker_id": pd.Series(held_by, dtype="str"),
            "law": pd.Series(np.where(public_law, "public", "private"), dtype="str"),
            "case_type": pd.Series(case_types[type_code], dtype="str"),
            "stage": pd.Series(stage_of_kind[kind], dtype="str"),
            "children": children.astype(np.int64),
            "opened": opened,
            "first_hearing": first_hearing,
            "next_hearing": next_hearing,
            "snapshot": np.full(n, snapshot),
            "domestic_abuse": domestic_abuse,
            "interpreter": interpreter,
        }
    )


_REDUCTION_MENU = {  # percent values offered per reason (all within REDUCTION_CAPS)
    "union_facility_time": (10.0, 20.0, 25.0, 50.0),
    "newly_qualified": (20.0,),
    "phased_return": (20.0, 30.0, 40.0, 50.0),
    "reasonable_adjustment": (10.0, 15.0, 20.0, 30.0),
    "other_duties": (5.0, 10.0, 20.0),
}
_REDUCTION_P = (0.15, 0.25, 0.2, 0.25, 0.15)


def _make_reductions(rng: np.random.Generator, prof: Profile, staff: pd.DataFrame) -> pd.DataFrame:
    eligible = np.flatnonzero(staff["role"].isin(["fca", "practice_supervisor"]).to_numpy())
    n = min(eligible.size, max(1, round(0.08 * eligible.size)))
    who = np.sort(rng.choice(eligible, size=n, replace=False))
    reasons = np.array(list(_REDUCTION_MENU), dtype=object)
    reason_code = rng.choice(reasons.size, size=n, p=_REDUCTION_P)
    reason_code[: min(n, reasons.size)] = np.arange(min(n, reasons.size))  # every reason shows
    reason_code = rng.permutation(reason_code)
    menu = np.full((reasons.size, 4), np.nan)
    for i, values in enumerate(_REDUCTION_MENU.values()):
        menu[i, : len(values)] = values
    sizes = np.array([len(v) for v in _REDUCTION_MENU.values()])
    percent = menu[reason_code, (rng.random(n) * sizes[reason_code]).astype(int)]
    contracted = staff["contracted_hours"].to_numpy(float)[who]
    hours = np.floor(percent * contracted / 100 * 10) / 10  # floor keeps under the cap
    as_hours = rng.random(n) < 0.5

    snapshot = np.datetime64(prof.snapshot, "D")
    nat = np.datetime64("NaT", "D")
    start = snapshot - rng.integers(14, 400, n)
    end = start + rng.integers(180, 731, n)
    reason = reasons[reason_code]
    nq, phased = reason == "newly_qualified", reason == "phased_return"
    start = np.where(nq, snapshot - rng.integers(14, 300, n), start)
    end = np.where(nq, start + 365, end)
    start = np.where(phased, snapshot - rng.integers(7, 43, n), start)
    end = np.where(phased, snapshot + rng.integers(7, 57, n), end)
    end = np.where(end <= snapshot, snapshot + rng.integers(7, 181, n), end)
    open_ended = np.isin(reason, ("union_facility_time", "reasonable_adjustment"))
    end = np.where(open_ended & (rng.random(n) < 0.5), nat, end)
    start = np.where((reason == "union_facility_time") & (rng.random(n) < 0.5), nat, start)
    # One or two agreements that have already ended (they must not count).
    expired = np.zeros(n, bool)
    expired[: 2 if n >= 6 else (1 if n >= 3 else 0)] = True
    expired = rng.permutation(expired)
    start = np.where(expired, snapshot - rng.integers(200, 400, n), start)
    end = np.where(expired, snapshot - rng.integers(1, 60, n), end)

    return pd.DataFrame(
        {
            "worker_id": pd.Series(staff["worker_id"].to_numpy(object)[who], dtype="str"),
            "reason": pd.Series(reason, dtype="str"),
            "hours": np.where(as_hours, hours, np.nan),
            "percent": np.where(as_hours, np.nan, percent),
            "start": start,
            "end": end,
        }
    )


# --------------------------------------------------------------------------- calibration


def calibration_stats(cases: pd.DataFrame, staff: pd.DataFrame) -> dict[str, float]:
    """The published headline figures, computed from data of the contract's shape.

    Flat scheme: every set of proceedings counts 1. Per-FTE caseload =
    cases held / (contracted_hours / 37). FCAs = roles fca and locum_fca.
    Shares are fractions (0.654 = 65.4%). See docs/sample-data.md.
    """
    held = cases["worker_id"].value_counts()
    worker = staff["worker_id"].astype(str)
    n_held = worker.map(held).fillna(0).to_numpy(float)
    fte = staff["contracted_hours"].to_numpy(float) / FULL_TIME_HOURS
    role = staff["role"].astype(str).to_numpy(object)
    team_type = staff["team_type"].astype(str).to_numpy(object)
    fca = np.isin(role, FCA_ROLES) & (fte > 0)
    per_fte = np.divide(n_held, fte, out=np.full(n_held.size, np.nan), where=fte > 0)

    def mean(mask: np.ndarray, values: np.ndarray) -> float:
        return float(values[mask].mean()) if mask.any() else float("nan")

    wafh, eit, public = (fca & (team_type == t) for t in ("wafh", "eit", "public_law"))
    # Capacity counts FCAs in teams of a known type (targets 25 WAFH/public law, 40 EIT).
    target = pd.Series(team_type).map(CAPACITY_TARGETS).to_numpy(float)
    counted = fca & ~np.isnan(target)
    capacity = float((target * fte)[counted].sum())

    opened = pd.to_datetime(cases["opened"], errors="coerce").to_numpy("datetime64[D]")
    snap = pd.to_datetime(cases["snapshot"], errors="coerce").to_numpy("datetime64[D]")
    age = (snap - opened).astype("timedelta64[D]").astype(float) / 7
    case_type = cases["case_type"].astype(str).to_numpy(object)
    stage = cases["stage"].astype(str).to_numpy(object)
    allocated_wafh = (stage == "wafh") & cases["worker_id"].notna().to_numpy()
    public_case = allocated_wafh & np.isin(case_type, PUBLIC_CASE_TYPES)
    private_case = allocated_wafh & np.isin(case_type, ("s7", "addendum"))
    r16 = allocated_wafh & (case_type == "r16_4")
    return {
        "wafh_average": mean(wafh, per_fte),
        "wafh_share_above_20": mean(wafh, per_fte > 20),
        "wafh_share_above_25": mean(wafh, per_fte > 25),
        "eit_average": mean(eit, per_fte),
        "eit_share_above_40": mean(eit, per_fte > 40),
        "public_law_average": mean(public, per_fte),
        "children_per_case": float(cases["children"].astype(float).mean()),
        "saturation": float(n_held[counted].sum() / capacity) if capacity else float("nan"),
        "practice_supervisor_average": mean(role == "practice_supervisor", n_held),
        "public_law_age_weeks": mean(public_case, age),
        "private_wafh_age_weeks": mean(private_case, age),
        "r16_4_age_weeks": mean(r16, age),
        "r16_4_share_over_100_weeks": mean(r16, age > 100),
        "allocation_hub_age_weeks": mean(stage == "allocation_hub", age),
        "fcas": float(fca.sum()),
        "cases": float(len(cases)),
    }


# --------------------------------------------------------------------------- writing

_DICT = pa.dictionary(pa.int32(), pa.string())
SCHEMAS: dict[str, pa.Schema] = {
    "cases": pa.schema(
        [
            ("case_id", pa.string()),
            ("worker_id", pa.string()),
            ("law", _DICT),
            ("case_type", _DICT),
            ("stage", _DICT),
            ("children", pa.int32()),
            ("opened", pa.date32()),
            ("first_hearing", pa.date32()),
            ("next_hearing", pa.date32()),
            ("snapshot", pa.date32()),
            ("domestic_abuse", pa.bool_()),
            ("interpreter", pa.bool_()),
        ]
    ),
    "staff": pa.schema(
        [
            ("worker_id", pa.string()),
            ("name", pa.string()),
            ("team", _DICT),
            ("service_area", _DICT),
            ("role", _DICT),
            ("team_type", _DICT),
            ("contracted_hours", pa.float64()),
        ]
    ),
    "reductions": pa.schema(
        [
            ("worker_id", pa.string()),
            ("reason", _DICT),
            ("hours", pa.float64()),
            ("percent", pa.float64()),
            ("start", pa.date32()),
            ("end", pa.date32()),
        ]
    ),
}
TABLES = tuple(SCHEMAS)
FORMATS = ("csv", "xlsx", "parquet")

# The organisation's own export headers (their header -> our column), in the
# order their files use, and their codes (their value -> our value).
MAPPING: dict[str, dict] = {
    "cases": {
        "columns": {
            "Case Reference": "case_id",
            "Date Opened": "opened",
            "Law Type": "law",
            "Case Type": "case_type",
            "Stage": "stage",
            "FCA ID": "worker_id",
            "No. of Children": "children",
            "First Hearing Date": "first_hearing",
            "Next Hearing Date": "next_hearing",
            "Domestic Abuse": "domestic_abuse",
            "Interpreter Required": "interpreter",
            "Snapshot Date": "snapshot",
        },
        "values": {
            "law": {"Public Law": "public", "Private Law": "private"},
            "case_type": {
                "S31 Care/Supervision": "s31",
                "Adoption": "adoption",
                "Emergency Protection Order": "epo",
                "Deprivation of Liberty": "dols",
                "Section 7 Report": "s7",
                "Rule 16.4 Guardian": "r16_4",
                "Work to First Hearing": "wtfh",
                "Addendum Report": "addendum",
            },
            "stage": {
                "WTFH": "wtfh",
                "WAFH": "wafh",
                "Post-Assessment Hub": "post_assessment_hub",
                "Allocation Hub": "allocation_hub",
                "Duty": "duty",
            },
            "domestic_abuse": {"Yes": "true", "No": "false"},
            "interpreter": {"Yes": "true", "No": "false"},
        },
    },
    "staff": {
        "columns": {
            "Employee No": "worker_id",
            "Full Name": "name",
            "Job Role": "role",
            "Team": "team",
            "Team Type": "team_type",
            "Service Area": "service_area",
            "Contracted Hours": "contracted_hours",
        },
        "values": {
            "role": {
                "Family Court Adviser": "fca",
                "Locum FCA": "locum_fca",
                "Practice Supervisor": "practice_supervisor",
                "Assistant Service Manager": "assistant_service_manager",
                "Service Manager": "service_manager",
            },
            "team_type": {"WAFH": "wafh", "EIT": "eit", "Public Law": "public_law"},
        },
    },
}

# What `dirty=True` puts into dirty/cases_dirty.csv: (record index, column, value, defect).
# Row numbers as a spreadsheet shows them: header is row 1, record 0 is row 2.
DIRTY_DEFECTS = (
    (5, "case_id", None, "duplicate case_id (same as the row above)"),
    (10, "worker_id", None, "allocated to an unknown worker"),
    (15, "case_type", "enforcement", "unknown case_type"),
    (20, "children", "0", "children must be at least 1"),
    (25, "opened", "2022-02-30", "unparseable date"),
)

_FIXED_TIME = dt.datetime(2000, 1, 1)  # xlsx document properties
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def mapping_toml() -> str:
    """MAPPING as TOML, in the format the header-mapping loader reads."""
    lines = [
        "# Header mapping for the synthetic organisation export",
        "# (cases_mapped.csv, staff_mapped.csv) written by `caseload sample --mapped`.",
        "# [<table>.columns]: their header = our column",
        "# [<table>.values.<our column>]: their value = our value",
    ]
    for table, spec in MAPPING.items():
        lines += ["", f"[{table}.columns]"]
        lines += [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in spec["columns"].items()]
        for column, values in spec["values"].items():
            lines += ["", f"[{table}.values.{column}]"]
            lines += [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"


def to_arrow(frame: pd.DataFrame, table: str) -> pa.Table:
    """One frame as an Arrow table with the contract's types (dates as date32 etc.)."""
    schema = SCHEMAS[table]
    arrays = []
    for field in schema:
        series = frame[field.name]
        if field.type == pa.date32():
            values = pd.to_datetime(series).to_numpy("datetime64[s]").astype("datetime64[D]")
            arrays.append(pa.array(values, pa.date32()))
        elif field.type == _DICT:
            strings = pa.Array.from_pandas(series.astype("str"), type=pa.string())
            arrays.append(strings.dictionary_encode())
        else:
            arrays.append(pa.Array.from_pandas(series, type=field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


@contextlib.contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """Write to a temporary file next to `path`, then rename it into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the usual permissions
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _csv_bytes(table: pa.Table, delimiter: str = ",", decimal: str = ".") -> bytes:
    """CSV with an unquoted header, ISO dates, true/false, blanks for missing."""
    if decimal != ".":
        columns = [
            pc.replace_substring(c.cast(pa.string()), ".", decimal)
            if pa.types.is_floating(c.type)
            else c
            for c in table.columns
        ]
        table = pa.Table.from_arrays(columns, names=table.column_names)
    sink = io.BytesIO()
    sink.write((delimiter.join(table.column_names) + "\n").encode())
    if table.num_rows:
        options = pacsv.WriteOptions(
            include_header=False, delimiter=delimiter, quoting_style="none"
        )
        pacsv.write_csv(table, sink, options)
    return sink.getvalue()


def _write_bytes(path: Path, data: bytes) -> Path:
    with _atomic(path) as tmp:
        tmp.write_bytes(data)
    return path


def _write_parquet(table: pa.Table, path: Path) -> Path:
    with _atomic(path) as tmp:
        pq.write_table(
            table,
            tmp,
            compression="zstd",
            compression_level=3,
            use_dictionary=True,
            write_statistics=True,
            version="2.6",
            data_page_version="1.0",
            row_group_size=1_000_000,
        )
    return path


def _write_xlsx(table: pa.Table, path: Path, sheet: str) -> Path:
    """One sheet; ids as text cells, dates as Excel dates; byte-identical for equal data."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter
    from openpyxl.xml.functions import tostring

    def _text_cell(ws, value):
        if value is None:
            return None
        cell = WriteOnlyCell(ws, value)
        cell.number_format = "@"
        return cell

    wb = Workbook(write_only=True)
    wb.properties.creator = "caseload_cli"
    wb.properties.created = _FIXED_TIME
    wb.properties.modified = _FIXED_TIME
    ws = wb.create_sheet(sheet)
    ws.freeze_panes = "A2"
    for i, field in enumerate(table.schema):
        width = 12 if field.type in (pa.date32(), pa.bool_()) else max(10, len(field.name) + 2)
        ws.column_dimensions[get_column_letter(i + 1)].width = width
    ws.append(table.column_names)
    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type):
            column = column.cast(pa.string())
        values = column.to_pylist()
        if column.type == pa.string() and table.column_names[len(columns)].endswith("_id"):
            # Identifiers as text-formatted cells: "0012345" stays "0012345" on editing.
            values = [_text_cell(ws, v) for v in values]
        columns.append(values)
    for row in zip(*columns, strict=True):
        ws.append(row)
    raw = io.BytesIO()
    wb.save(raw)
    # openpyxl stamps the save time into docProps/core.xml and into every zip
    # entry: rewrite both with fixed values so equal data gives equal bytes.
    wb.properties.modified = _FIXED_TIME
    core = tostring(wb.properties.to_tree())
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 0
            entry.external_attr = 0o644 << 16
            data = core if info.filename == "docProps/core.xml" else zin.read(info.filename)
            zout.writestr(entry, data)
    return _write_bytes(path, out.getvalue())


def _mapped_table(table: pa.Table, name: str) -> pa.Table:
    spec = MAPPING[name]
    arrays, names = [], []
    for theirs, ours in spec["columns"].items():
        column = table.column(ours)
        if ours in spec["values"]:
            inverse = {v: k for k, v in spec["values"][ours].items()}
            index = pc.index_in(column.cast(pa.string()), value_set=pa.array(list(inverse)))
            column = pa.array(list(inverse.values()), pa.string()).take(index)
        arrays.append(column)
        names.append(theirs)
    return pa.Table.from_arrays(arrays, names=names)


def _unknown_worker(staff_ids: pd.Series) -> str:
    width = len(str(staff_ids.iloc[-1])) - 1 if len(staff_ids) else 4
    candidate = "W" + "9" * max(4, width)
    while (staff_ids == candidate).any():
        candidate += "9"
    return candidate


def dirty_cases(frames: Mapping[str, pd.DataFrame]) -> tuple[pa.Table, list[dict[str, object]]]:
    """The cases table as text with one of each DIRTY_DEFECTS, and where each one is."""
    table = to_arrow(frames["cases"], "cases")
    text = pa.Table.from_arrays(
        [c.cast(pa.string()) for c in table.columns], names=table.column_names
    )
    df = text.to_pandas(types_mapper=lambda _t: pd.StringDtype("pyarrow"))
    if len(df) < 30:
        raise ValueError("dirty variants need at least 30 cases")
    unknown = _unknown_worker(frames["staff"]["worker_id"])
    used = {index for index, *_ in DIRTY_DEFECTS}
    defects = []
    for index, column, value, defect in DIRTY_DEFECTS:
        if column == "case_id":
            value = df.at[index - 1, "case_id"]
        elif column == "worker_id":
            allocated = np.flatnonzero(df["worker_id"].notna().to_numpy())
            candidates = [i for i in allocated if i >= index and i not in used]
            index = int(candidates[0]) if candidates else index
            value = unknown
        df.loc[index, column] = value
        defects.append(
            {"file": "cases_dirty.csv", "row": index + 2, "column": column, "value": value}
            | {"defect": defect}
        )
    out = pa.Table.from_pandas(df, preserve_index=False)
    return out, defects


def write_table(
    table: pa.Table, out: Path, name: str, formats: Sequence[str], notes: list[str]
) -> list[Path]:
    """`<name>.<fmt>` for each format asked for, in FORMATS order, byte-identical per seed."""
    written: list[Path] = []
    for fmt in FORMATS:
        if fmt not in formats:
            continue
        path = out / f"{name}.{fmt}"
        if fmt == "csv":
            written.append(_write_bytes(path, _csv_bytes(table)))
        elif fmt == "parquet":
            written.append(_write_parquet(table, path))
        elif table.num_rows > XLSX_MAX_ROWS:
            notes.append(
                f"{path.name} skipped: {table.num_rows:,} rows exceed the xlsx limit "
                f"of {XLSX_MAX_ROWS:,}; use csv or parquet"
            )
        else:
            written.append(_write_xlsx(table, path, name))
    return written


def write_sample(
    frames: Mapping[str, pd.DataFrame],
    out_dir: str | os.PathLike[str],
    formats: Sequence[str] = FORMATS,
    *,
    mapped: bool = False,
    dirty: bool = False,
    notes: list[str] | None = None,
) -> list[Path]:
    """Write the frames as files in `out_dir`; return the paths written, in order.

    Per table: `<table>.csv`, `<table>.xlsx` (one sheet), `<table>.parquet`.
    A table too long for a worksheet (over 1,048,575 rows) gets no xlsx file;
    a line saying so is appended to `notes`.
    """
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown format(s): {', '.join(sorted(unknown))}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    notes = notes if notes is not None else []
    tables = {name: to_arrow(frames[name], name) for name in TABLES}
    written: list[Path] = []
    for name, table in tables.items():
        written += write_table(table, out, name, formats, notes)
    if mapped:
        written.append(_write_bytes(out / "mapping.toml", mapping_toml().encode()))
        for name in ("cases", "staff"):
            data = _csv_bytes(_mapped_table(tables[name], name))
            written.append(_write_bytes(out / f"{name}_mapped.csv", data))
    if dirty:
        written += _write_dirty(frames, tables, out / "dirty")
    return written


def _write_dirty(
    frames: Mapping[str, pd.DataFrame], tables: Mapping[str, pa.Table], out: Path
) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    cases_csv = _csv_bytes(tables["cases"])
    written = [
        _write_bytes(out / "cases_bom.csv", b"\xef\xbb\xbf" + cases_csv),
        _write_bytes(out / "cases_semicolon.csv", _csv_bytes(tables["cases"], ";", ",")),
        _write_bytes(out / "staff_semicolon.csv", _csv_bytes(tables["staff"], ";", ",")),
    ]
    staff = tables["staff"]
    names = staff.column("name").to_pylist()
    names[0] = "Zoë Example"
    staff = staff.set_column(staff.schema.get_field_index("name"), "name", pa.array(names))
    written.append(
        _write_bytes(out / "staff_cp1252.csv", _csv_bytes(staff).decode().encode("cp1252"))
    )
    table, defects = dirty_cases(frames)
    written.append(_write_bytes(out / "cases_dirty.csv", _csv_bytes(table)))
    listing = pa.Table.from_pylist(defects)
    written.append(_write_bytes(out / "defects.csv", _csv_bytes(listing)))
    return written
