"""Synthetic safe-caseload survey responses that reproduce Napo's 2021 figures.

In 2021 Napo asked Cafcass members how many cases they could safely hold
within their contracted hours (published figures): average 17.4, 16.5 for
public-law FCAs, 86% answered between 14 and 20, and EIT workers not on court
duty said 1.6 safeguarding letters a day. `generate_responses()` builds a
fictional set of respondents whose answers give exactly those figures when
run through `caseload survey`, so the survey code can be demonstrated and
tested without anyone's real answers.

The figures are hit by construction, not by luck: each team type's answers
are drawn around its target and then nudged one case at a time until the
group total is exact, so any seed gives the published figures (within
rounding) once there are a few hundred respondents. A handful of deliberately
implausible rows (a zero, an answer above the ceiling, an impossible letters
rate) show the rejection path; they are not part of the figures.

Everything else (team and role mix, hours, service areas, the spread of the
answers) is an assumption, documented in docs/survey.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from caseload_cli.synth.limits import FORMATS, MAX_RESPONDENTS
from caseload_cli.synth.organisation import SERVICE_AREAS, apportion
from caseload_cli.synth.write import check_formats, make_dir, write_table

__all__ = [
    "IMPLAUSIBLE_ROWS",
    "MAX_RESPONDENTS",
    "PUBLISHED",
    "RESPONSE_SCHEMA",
    "generate_responses",
    "implausible_count",
    "write_responses",
]

# Published figures (Napo survey of Cafcass members, 2021).
PUBLISHED = {
    "mean": 17.4,
    "public_law_mean": 16.5,
    "in_range_share": 0.86,  # answered between 14 and 20 (inclusive)
    "letters_per_day": 1.6,  # EIT workers not on court duty
}
RANGE = (14, 20)

# Assumptions (not published), chosen to be consistent with the figures above.
TEAM_SHARES = {"wafh": 0.50, "public_law": 0.33, "eit": 0.17}
EIT_MEAN = 17.8  # the wafh mean is solved so that the overall mean is 17.4
BELOW_SHARE = {"wafh": 0.5, "public_law": 0.6, "eit": 0.4}  # of answers outside 14-20
_BELOW = (np.array([8, 10, 12, 13]), np.array([0.1, 0.3, 0.3, 0.3]))
_ABOVE = (np.array([22, 24, 25, 30]), np.array([0.35, 0.25, 0.3, 0.1]))
LETTERS_ANSWERED = 0.9  # share of EIT respondents who answer the letters question
ROLE_SHARES = {
    "fca": 0.78,
    "locum_fca": 0.06,
    "practice_supervisor": 0.11,
    "assistant_service_manager": 0.04,
    "service_manager": 0.01,
}
HOURS = (np.array([37.0, 30.0, 22.5, 18.5]), np.array([0.78, 0.08, 0.08, 0.06]))
SMALL_AREA_RESPONDENTS = 3  # one service area this small demonstrates suppression

# (column, value, what the rejection shows), cycled when more rows are asked for.
IMPLAUSIBLE_ROWS = (
    ("safe_cases", 0.0, "zero safe cases"),
    ("safe_cases", 75.0, "above the safe_cases ceiling of 60"),
    ("safe_letters_per_day", 25.0, "above the letters ceiling of 20"),
)

RESPONSE_SCHEMA = pa.schema(
    [
        ("respondent_id", pa.string()),
        ("role", pa.dictionary(pa.int32(), pa.string())),
        ("team_type", pa.dictionary(pa.int32(), pa.string())),
        ("law", pa.dictionary(pa.int32(), pa.string())),
        ("service_area", pa.dictionary(pa.int32(), pa.string())),
        ("contracted_hours", pa.float64()),
        ("safe_cases", pa.float64()),
        ("safe_letters_per_day", pa.float64()),
    ]
)


def implausible_count(respondents: int) -> int:
    """Rows with implausible answers: 0.5% of the file (3 in 600), none in tiny files."""
    return round(respondents * 0.005) if respondents >= 100 else 0


def generate_responses(respondents: int = 600, seed: int = 7) -> pd.DataFrame:
    """`respondents` rows (implausible ones included), deterministic for `seed`.

    With 600 rows: 597 usable answers (mean 17.4, public law 16.5, 86% in
    14-20, EIT letters 1.6 a day) and 3 rows the validator rejects.
    """
    if (
        isinstance(respondents, bool)
        or int(respondents) != respondents
        or not 1 <= respondents <= MAX_RESPONDENTS
    ):
        raise ValueError(f"respondents must be a whole number from 1 to {MAX_RESPONDENTS:,}")
    respondents = int(respondents)
    # A stream of its own, so adding the survey never changes the caseload files.
    rng = np.random.default_rng([seed, 2021])
    bad = implausible_count(respondents)
    usable = respondents - bad

    team_names = list(TEAM_SHARES)
    sizes = apportion(usable, np.array(list(TEAM_SHARES.values())))
    totals = _group_totals(dict(zip(team_names, sizes.tolist(), strict=True)))
    parts = []
    for name, size in zip(team_names, sizes.tolist(), strict=True):
        answers = _answers(rng, size, totals[name], BELOW_SHARE[name])
        parts.append(pd.DataFrame({"team_type": name, "safe_cases": answers}))
    frame = pd.concat(parts, ignore_index=True)
    frame["safe_letters_per_day"] = _letters(rng, frame["team_type"].to_numpy() == "eit")

    n = len(frame)
    roles = np.array(list(ROLE_SHARES), dtype=object)
    frame["role"] = roles[rng.choice(roles.size, n, p=list(ROLE_SHARES.values()))]
    frame["law"] = np.where(frame["team_type"] == "public_law", "public", "private")
    frame["contracted_hours"] = rng.choice(HOURS[0], n, p=HOURS[1])
    frame["service_area"] = _areas(rng, n)

    frame = frame.iloc[rng.permutation(n)].reset_index(drop=True)
    frame = _add_implausible(rng, frame, bad)
    width = max(4, len(str(respondents)))
    frame.insert(0, "respondent_id", [f"R{i:0{width}d}" for i in range(1, len(frame) + 1)])
    columns = [field.name for field in RESPONSE_SCHEMA]
    return frame[columns]


def _group_totals(sizes: dict[str, int]) -> dict[str, int]:
    """Whole-case totals per team type: public law and EIT at their means, WAFH the rest."""
    usable = sum(sizes.values())
    total = round(PUBLISHED["mean"] * usable)
    out = {
        "public_law": round(PUBLISHED["public_law_mean"] * sizes["public_law"]),
        "eit": round(EIT_MEAN * sizes["eit"]),
    }
    out["wafh"] = total - out["public_law"] - out["eit"]
    return out


def _answers(rng: np.random.Generator, n: int, total: int, below_share: float) -> np.ndarray:
    """`n` whole-number answers summing to `total`, 86% of them within 14-20."""
    if n == 0:
        return np.zeros(0)
    lo, hi = RANGE
    inside = round(PUBLISHED["in_range_share"] * n)
    outside = n - inside
    below = round(below_share * outside)
    outs = np.concatenate(
        [
            rng.choice(_BELOW[0], below, p=_BELOW[1]),
            rng.choice(_ABOVE[0], outside - below, p=_ABOVE[1]),
        ]
    )
    if inside == 0:
        return rng.permutation(outs).astype(float)
    wanted = int(np.clip(total - outs.sum(), lo * inside, hi * inside))
    centre = wanted / inside
    values = np.arange(lo, hi + 1)
    weights = np.exp(-0.5 * ((values - centre) / 1.6) ** 2)
    ins = rng.choice(values, inside, p=weights / weights.sum())
    ins = _nudge(rng, ins, wanted, lo, hi)
    return rng.permutation(np.concatenate([ins, outs])).astype(float)


def _nudge(
    rng: np.random.Generator, values: np.ndarray, total: int, lo: int, hi: int
) -> np.ndarray:
    """Move values one unit at a time (staying in [lo, hi]) until they sum to `total`."""
    values = values.astype(np.int64).copy()
    gap = int(total - values.sum())
    while gap:
        step = 1 if gap > 0 else -1
        movable = np.flatnonzero(values < hi if step > 0 else values > lo)
        if movable.size == 0:
            break
        chosen = rng.choice(movable, min(abs(gap), movable.size), replace=False)
        values[chosen] += step
        gap -= step * chosen.size
    return values


def _letters(rng: np.random.Generator, eit: np.ndarray) -> np.ndarray:
    """Letters a day for EIT respondents who answer (half-letter steps, mean 1.6)."""
    out = np.full(eit.size, np.nan)
    who = np.flatnonzero(eit & (rng.random(eit.size) < LETTERS_ANSWERED))
    if who.size == 0:
        return out
    # Work in half letters (1 = 0.5 a day, 8 = 4 a day) so the nudging stays whole.
    halves = np.arange(1, 9)
    centre = 2 * PUBLISHED["letters_per_day"]
    weights = np.exp(-0.5 * ((halves - centre) / 1.0) ** 2)
    drawn = rng.choice(halves, who.size, p=weights / weights.sum())
    target = round(2 * PUBLISHED["letters_per_day"] * who.size)
    out[who] = _nudge(rng, drawn, target, 1, 8) / 2
    return out


def _areas(rng: np.random.Generator, n: int) -> np.ndarray:
    """Spread over the 19 service areas; the last gets 3 respondents (a small group)."""
    areas = np.array(SERVICE_AREAS, dtype=object)
    small = SMALL_AREA_RESPONDENTS if n >= 100 else 0
    counts = apportion(n - small, rng.uniform(0.6, 1.4, areas.size - 1))
    labels = np.concatenate([np.repeat(areas[:-1], counts), np.repeat(areas[-1:], small)])
    return rng.permutation(labels)


def _add_implausible(rng: np.random.Generator, frame: pd.DataFrame, count: int) -> pd.DataFrame:
    """Insert `count` copies of random rows, each with one implausible answer, at random places."""
    if count == 0:
        return frame
    bad = frame.iloc[rng.choice(len(frame), count)].reset_index(drop=True)
    kinds = [IMPLAUSIBLE_ROWS[i % len(IMPLAUSIBLE_ROWS)] for i in range(count)]
    for position, (column, value, _why) in enumerate(kinds):
        bad.loc[position, column] = value
    rows = len(frame) + count
    is_bad = np.zeros(rows, dtype=bool)
    is_bad[rng.choice(rows, count, replace=False)] = True
    order = np.empty(rows, dtype=np.int64)
    order[~is_bad] = np.arange(len(frame))
    order[is_bad] = len(frame) + np.arange(count)
    combined = pd.concat([frame, bad], ignore_index=True)
    return combined.iloc[order].reset_index(drop=True)


def to_arrow(frame: pd.DataFrame) -> pa.Table:
    """The responses as an Arrow table: codes dictionary-encoded, answers as float64."""
    arrays = []
    for field in RESPONSE_SCHEMA:
        series = frame[field.name]
        if pa.types.is_dictionary(field.type):
            arrays.append(pa.array(series.astype("str"), pa.string()).dictionary_encode())
        else:
            arrays.append(pa.Array.from_pandas(series, type=field.type))
    return pa.Table.from_arrays(arrays, schema=RESPONSE_SCHEMA)


def write_responses(
    frame: pd.DataFrame, out_dir: str | Path, formats: Sequence[str] = FORMATS
) -> list[Path]:
    """Write `responses.<fmt>` for each format asked for; same frame, same bytes."""
    check_formats(formats)
    out = make_dir(Path(out_dir))
    return write_table(to_arrow(frame), out, "responses", formats, notes=[])
