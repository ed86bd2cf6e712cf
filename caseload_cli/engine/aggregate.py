"""From weighed cases to per-worker loads and roll-ups.

Roll-ups sum loads and capacities first and divide last, so a team's
utilisation is its total load over its total capacity (never a mean of
percentages), and every level reconciles with the one below it.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd

from caseload_cli.contract.staff import STAFF_READ
from caseload_cli.core.vocabulary import (
    CASE_HOLDING_ROLES,
    DECIMALS,
    GROUP_KEYS,
    SNAPSHOT_POSITION,
    TOLERANCE,
)
from caseload_cli.engine.bands import assign_bands, band_names
from caseload_cli.engine.capacity import staff_capacity
from caseload_cli.scheme.model import Scheme

WORKER_COLUMNS = [
    *STAFF_READ,
    "reduction_hours",
    "available_fte",
    "cases",
    "children",
    "case_load",
    "activity_load",
    "weighted_load",
    "target",
    "capacity",
    "utilisation_pct",
    "band",
    "napo_level",
    "napo_safe_load",
    "over_napo",
]
#: The parts of `weighted_load` (cases and activities), shown when a scheme has activities.
LOAD_PARTS = ("case_load", "activity_load")
NOT_HELD_CATEGORIES = (
    "unallocated",
    "duty",
    "allocation_hub",
    "post_assessment_hub",
    "manager_held",
)


def per_worker(
    cases: pd.DataFrame,
    weights: pd.Series,
    staff: pd.DataFrame,
    reductions: pd.DataFrame,
    scheme: Scheme,
    activity_load: np.ndarray | None = None,
    snapshots: bool = False,
) -> pd.DataFrame:
    """One row per staff member (including those holding no cases).

    Cases carry `_staff`, their worker's position in `staff`, so the sums are
    integer bin counts: no string group-by over millions of cases. The load is
    the cases' weights plus `activity_load` (each worker's work that is not a case).
    With `snapshots`, `staff` holds many snapshots' staff (`SNAPSHOT_POSITION`, first
    in the result) and the rows are sorted within each snapshot as for one.
    """
    # Bin 0 collects cases held by no one, so no masked copies of case columns are made.
    bins = cases["_staff"].to_numpy().astype("int64")
    bins += 1
    size = len(staff) + 1
    out = staff_capacity(staff, reductions, scheme, snapshots)
    out["cases"] = np.bincount(bins, minlength=size)[1:].astype("int64")
    children = cases["children"].to_numpy(dtype="float64")
    out["children"] = np.bincount(bins, weights=children, minlength=size)[1:].astype("int64")
    load = np.bincount(bins, weights=np.asarray(weights, dtype="float64"), minlength=size)
    out["case_load"] = np.round(load[1:], DECIMALS)
    out["activity_load"] = 0.0 if activity_load is None else activity_load
    out["weighted_load"] = np.round(out["case_load"] + out["activity_load"], DECIMALS)
    out = _ratios(out, scheme)
    out["over_napo"] = out["weighted_load"] > out["napo_safe_load"] + TOLERANCE
    within = [SNAPSHOT_POSITION] if snapshots else []
    out = out[[*within, *worker_columns(scheme)]]
    keys = [*within, "service_area", "team", "worker_id"]
    return out.sort_values(keys, kind="stable", ignore_index=True)


def worker_columns(scheme: Scheme) -> list[str]:
    """The per-worker columns: the load's two parts only for a scheme that weighs
    activities (for any other, the load is all cases and the parts say nothing more)."""
    columns = (
        WORKER_COLUMNS
        if scheme.model.activities
        else [c for c in WORKER_COLUMNS if c not in LOAD_PARTS]
    )
    if scheme.model.grades:
        at = columns.index("role") + 1
        columns = [*columns[:at], "grade", *columns[at:]]
    return columns


def _ratios(frame: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    frame["utilisation_pct"] = utilisation_pct(frame["weighted_load"], frame["capacity"], scheme)
    frame["band"] = assign_bands(frame["weighted_load"], frame["capacity"], scheme)
    return frame


def utilisation_pct(load: pd.Series, capacity: pd.Series, scheme: Scheme) -> np.ndarray:
    """load / capacity × 100, rounded as the scheme says (2 decimals unless an official
    figure needs another rule); with no capacity, blank or 0 as the scheme states."""
    rounding = scheme.model.capacity.rounding
    load_values = load.to_numpy(dtype="float64")
    capacity_values = capacity.to_numpy(dtype="float64")
    none = 0.0 if rounding.no_capacity_utilisation == "zero" else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(capacity_values > 0, load_values / capacity_values * 100, none)
    scale = 10.0**rounding.utilisation_decimals
    if rounding.utilisation_method == "half_up":
        # Rounded to 9 places first so 12.345 stored as 12.34499999 still goes up.
        return np.sign(pct) * np.floor(np.round(np.abs(pct) * scale, 9) + 0.5) / scale
    return np.round(pct, rounding.utilisation_decimals)


def roll_up(
    workers: pd.DataFrame, by: str, scheme: Scheme, snapshots: int | None = None
) -> pd.DataFrame:
    """Sum workers into teams, service areas or one national row.

    With `snapshots` (how many), the workers of that many snapshots (`SNAPSHOT_POSITION`
    0, 1, …, rows sorted by it as `per_worker` leaves them) are summed within each
    snapshot, with the position first: the rows one roll-up per snapshot would give,
    one after the other (the national level has a row for a snapshot with no workers)."""
    if by == "worker":
        return workers
    within = [] if snapshots is None else [SNAPSHOT_POSITION]
    keys = [*within, *GROUP_KEYS[by]]
    band_counts = [f"band_{name}" for name in band_names(scheme)]
    frame = workers.assign(
        workers=1,
        workers_over_napo=workers["over_napo"].astype("int64"),
        **{
            f"band_{name}": (workers["band"] == name).astype("int64") for name in band_names(scheme)
        },
    )
    counts = ["workers", "cases", "children", "workers_over_napo", *band_counts]
    parts = [c for c in LOAD_PARTS if c in workers.columns]
    amounts = ["fte", "available_fte", *parts, "weighted_load", "capacity", "napo_safe_load"]
    if GROUP_KEYS[by]:
        grouped = (
            frame.groupby(keys, sort=True, observed=True)[counts + amounts].sum().reset_index()
        )
    else:
        grouped = _totals(frame, counts + amounts, snapshots)
        grouped.insert(len(within), "level", "national")
    grouped[counts] = grouped[counts].astype("int64")
    grouped[amounts] = np.round(grouped[amounts].astype("float64"), DECIMALS)
    grouped = _ratios(grouped, scheme)
    order = [
        *within,
        *(GROUP_KEYS[by] or ["level"]),
        "workers",
        "fte",
        "available_fte",
        "cases",
        "children",
        *parts,
        "weighted_load",
        "capacity",
        "utilisation_pct",
        "band",
        "napo_safe_load",
        "workers_over_napo",
        *band_counts,
    ]
    return grouped[order].reset_index(drop=True)


def _totals(frame: pd.DataFrame, columns: list[str], snapshots: int | None) -> pd.DataFrame:
    """The columns' sums over all rows, or (with `snapshots`) one row of sums per snapshot
    position, each from that snapshot's rows alone. A sum is numpy's over one column's
    contiguous values, as `DataFrame.sum` does, so many snapshots at once give the very
    bits one snapshot at a time does."""
    if snapshots is None:
        bounds = np.array([0, len(frame)])
    else:
        position = frame[SNAPSHOT_POSITION].to_numpy()
        bounds = np.searchsorted(position, np.arange(snapshots + 1), side="left")
    totals = {} if snapshots is None else {SNAPSHOT_POSITION: np.arange(snapshots)}
    for column in columns:
        values = frame[column].to_numpy()
        if values.dtype.kind == "f" and np.isnan(values).any():
            values = np.where(np.isnan(values), 0.0, values)  # skipped, as `DataFrame.sum`
        # One numpy sum per snapshot and column: a few hundred calls, none per row.
        totals[column] = [values[start:end].sum() for start, end in pairwise(bounds)]
    return pd.DataFrame(totals)


def holder_category(cases: pd.DataFrame, staff: pd.DataFrame) -> pd.Categorical:
    """Why a case is not on an FCA's caseload (NaN when it is), without per-case strings."""
    position = cases["_staff"].to_numpy()
    fca = np.append(staff["role"].isin(CASE_HOLDING_ROLES).to_numpy(), False)
    unallocated = position < 0
    held_by_fca = fca[np.where(unallocated, len(staff), position)]
    codes = np.full(len(cases), -1, dtype="int8")
    codes[~unallocated & ~held_by_fca] = NOT_HELD_CATEGORIES.index("manager_held")
    codes[unallocated] = NOT_HELD_CATEGORIES.index("unallocated")
    stage = cases["stage"]
    for category in ("duty", "allocation_hub", "post_assessment_hub"):
        codes[(stage == category).to_numpy()] = NOT_HELD_CATEGORIES.index(category)
    return pd.Categorical.from_codes(codes, categories=list(NOT_HELD_CATEGORIES))


def not_held_by_fca(cases: pd.DataFrame, weights: pd.Series, staff: pd.DataFrame) -> pd.DataFrame:
    """Work outside FCA caseloads, by category, so none of it disappears from view."""
    codes = holder_category(cases, staff).codes.astype("int64") + 1  # bin 0: held by an FCA
    size = len(NOT_HELD_CATEGORIES) + 1

    def total(values: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(codes, weights=values, minlength=size)[1:]

    return pd.DataFrame(
        {
            "category": list(NOT_HELD_CATEGORIES),
            "cases": total().astype("int64"),
            "children": total(cases["children"].to_numpy(dtype="float64")).astype("int64"),
            "weighted_load": np.round(total(np.asarray(weights, dtype="float64")), DECIMALS),
            "cases_in_worker_loads": total(
                (cases["_staff"].to_numpy() >= 0).astype("float64")
            ).astype("int64"),
        }
    )
