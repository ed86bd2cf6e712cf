"""Capacity in the same points as the load, the way probation's WMT does it.

    fte            = contracted_hours / full_time_hours
    available_fte  = (contracted_hours - reduction_hours) / full_time_hours
    target         = base target × (1 − Σ allowance hours / full_time_hours)
                                 × (1 − allowance_percent / 100)
    capacity       = target × available_fte        (truncated if the scheme says so)
    napo_safe_load = Napo safe level × available_fte

The base target comes from the worker's role if the scheme sets one, else their
team type, else the scheme's default (or its available working time). The same
formula serves cases, points and hours: only the scheme's numbers change.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from caseload_cli.core.vocabulary import DECIMALS, SNAPSHOT_POSITION
from caseload_cli.scheme.model import Scheme


def staff_capacity(
    staff: pd.DataFrame, reductions: pd.DataFrame, scheme: Scheme, snapshots: bool = False
) -> pd.DataFrame:
    """Per worker: fte, reduction_hours, available_fte, target, capacity, napo level.

    With `snapshots`, staff and reductions hold many snapshots (`SNAPSHOT_POSITION`):
    a worker's reductions are those of the same snapshot."""
    out = staff.copy()
    out["reduction_hours"] = _reduction_hours(staff, reductions, snapshots)
    grade = out["grade"] if "grade" in out.columns else pd.Series("", index=out.index)
    full_time = _per_group(grade.astype("str"), scheme.full_time_hours_for)
    given = out["fte_given"].notna() if "fte_given" in out.columns else None
    if given is not None and given.any():
        out.loc[given, "contracted_hours"] = out.loc[given, "fte_given"] * full_time[given]
    out["fte"] = out["contracted_hours"] / full_time
    available = (out["contracted_hours"] - out["reduction_hours"]).clip(lower=0.0)
    out["available_fte"] = available / full_time
    settings = scheme.model.capacity
    targets = {code: g.target for code, g in scheme.model.grades.items() if g.target is not None}
    by_grade = _per_group(grade.astype("str"), targets.get)
    by_team_type = _per_group(out["team_type"], settings.target_by_team_type.get)
    by_role = _per_group(out["role"], settings.target_by_role.get)
    base = (
        by_grade.astype("float64")
        .fillna(by_role)
        .fillna(by_team_type)
        .fillna(scheme.default_target)
    )
    out["target"] = np.round(base * scheme.allowance_factor, DECIMALS)
    capacity = out["target"] * out["available_fte"]
    if settings.rounding.capacity == "truncate":
        capacity = np.floor(np.round(capacity, DECIMALS))
    out["capacity"] = np.round(capacity, DECIMALS)
    if scheme.model.napo is None:
        out["napo_level"] = out["target"]
    else:
        out["napo_level"] = _per_group(out["team_type"], scheme.napo_level_for)
    out["napo_safe_load"] = np.round(out["napo_level"] * out["available_fte"], DECIMALS)
    return out


def _reduction_hours(staff: pd.DataFrame, reductions: pd.DataFrame, snapshots: bool) -> np.ndarray:
    """Each staff row's active reduction hours: the sum of their reduction rows."""
    if not snapshots:
        reduced = reductions.groupby("worker_id", sort=False)["hours"].sum()
        return staff["worker_id"].map(reduced).fillna(0.0).astype("float64").to_numpy()
    keys = [SNAPSHOT_POSITION, "worker_id"]
    reduced = reductions.groupby(keys, sort=False)["hours"].sum()
    found = reduced.index.get_indexer(pd.MultiIndex.from_frame(staff[keys]))
    hours = np.append(reduced.to_numpy(dtype="float64"), 0.0)  # the last slot: none
    return hours[found]


def _per_group(values: pd.Series, level_for) -> pd.Series:
    """`level_for` of each row's value (NaN for None), asked once per distinct value."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    levels = np.array([level_for(value) for value in uniques], dtype="float64")
    return pd.Series(levels[codes], index=values.index)


# --------------------------------------------------------------------------- explained


def exact(value: float) -> float:
    """A value at the precision loads are kept to."""
    return round(float(value), DECIMALS)


def shown(value: float) -> str:
    """A number as people write it: 25, 0.9, 15.66."""
    return f"{round(float(value), DECIMALS):g}" if abs(value) < 1e15 else repr(float(value))


def _target_source(scheme: Scheme, role: str, team_type: str, grade: str = "") -> str:
    capacity = scheme.model.capacity
    setting = scheme.model.grades.get(grade)
    if setting is not None and setting.target is not None:
        return f"grades.{grade}.target (grade {grade})"
    if role in capacity.target_by_role:
        return f"capacity.target_by_role.{role} (role {role})"
    if team_type in capacity.target_by_team_type:
        return f"capacity.target_by_team_type.{team_type} (team type {team_type})"
    return f"capacity.default_target (no target for role {role} or team type {team_type})"


def _napo_source(scheme: Scheme, team_type: str) -> str:
    napo = scheme.model.napo
    if napo is None:
        return f"no Napo levels in this {scheme.unit} scheme: the target"
    if team_type in napo.by_team_type:
        return f"napo.by_team_type.{team_type}"
    if napo.letters is not None and napo.letters.team_type == team_type:
        return (
            f"napo.letters: {shown(napo.letters.per_day)} letters a day × "
            f"{shown(napo.letters.working_days_per_case)} working days per case"
        )
    return "napo.safe_cases" + (f" ({napo.source})" if napo.source else "")


def _target_steps(
    scheme: Scheme, role: str, team_type: str, target: float, grade: str = ""
) -> list[dict[str, Any]]:
    """The target per FTE, and (when the scheme has allowances) how they take it down."""
    settings = scheme.model.capacity
    source = _target_source(scheme, role, team_type, grade)
    working_time = settings.working_time
    if working_time is not None and settings.default_target is None and "default" in source:
        days_off = working_time.days - working_time.days_at_work
        source = (
            f"capacity.working_time: ({shown(working_time.days)} − {shown(days_off)} days off) × "
            f"{shown(working_time.hours_per_day)} h a day"
            + (
                f" / {shown(working_time.weeks_per_year)} weeks"
                if working_time.per == "week"
                else ""
            )
            + f", per {working_time.per}"
        )
    if scheme.allowance_factor == 1.0:
        return [{"step": "target", "value": exact(target), "explanation": source}]
    base = scheme.base_target_for(role, team_type, grade)
    steps = [{"step": "base_target", "value": exact(base), "explanation": source}]
    full_time = settings.full_time_hours
    for code, allowance in settings.allowances.items():
        steps.append(
            {
                "step": f"allowance: {code}",
                "value": exact(allowance.hours),
                "explanation": f"{allowance.label or code}: {shown(allowance.hours)} h of a "
                f"{shown(full_time)} h week (capacity.allowances.{code})",
            }
        )
    hours = sum(a.hours for a in settings.allowances.values())
    percent = settings.allowance_percent
    parts = []
    if hours:
        parts.append(f"(1 − {shown(hours)} / {shown(full_time)})")
    if percent:
        factor = shown(1 / (1 - percent / 100))
        parts.append(f"(1 − {shown(percent)}%) (capacity.allowance_percent, CAF {factor})")
    steps.append(
        {
            "step": "target",
            "value": exact(target),
            "explanation": f"base_target × {' × '.join(parts)} = {shown(base)} × "
            f"{shown(scheme.allowance_factor)}",
        }
    )
    return steps


def capacity_steps(
    worker: pd.Series, computed: pd.Series, reductions: pd.DataFrame, scheme: Scheme
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """One worker's capacity and Napo safe load as steps, each with its reason.

    `worker` is the validated staff row (for its file row number); `computed`
    is that worker's row from `staff_capacity` (via the per-worker table), so
    every value shown is the one the loads were divided by: the formula lives
    only in `staff_capacity`, and this only says where each number came from.
    """
    grade = str(worker.get("grade", "") or "")
    full_time = float(scheme.full_time_hours_for(grade))
    contracted = float(computed["contracted_hours"])
    role, team_type = str(worker["role"]), str(worker["team_type"])
    grade_hours = grade in scheme.model.grades and (
        scheme.model.grades[grade].full_time_hours is not None
    )
    steps: list[dict[str, Any]] = [
        {
            "step": "contracted_hours",
            "value": exact(contracted),
            "explanation": f"staff file row {int(worker['_row'])}",
        },
        {
            "step": "full_time_hours",
            "value": exact(full_time),
            "explanation": (
                f"grades.{grade}.full_time_hours" if grade_hours else "capacity.full_time_hours"
            )
            + ": the hours that make 1 FTE",
        },
        {
            "step": "fte",
            "value": exact(computed["fte"]),
            "explanation": "contracted_hours / full_time_hours = "
            f"{shown(contracted)} / {shown(full_time)}",
        },
    ]
    mine = reductions[reductions["worker_id"] == worker["worker_id"]]
    # One worker's few reductions, not cases.
    for reason, hours, row in zip(mine["reason"], mine["hours"], mine["_row"], strict=True):
        setting = scheme.model.reductions.get(reason)
        label = setting.label if setting and setting.label else reason
        share = 100 * hours / contracted if contracted > 0 else 0.0
        cap = ""
        if setting is not None:
            cap_hours = setting.max_percent / 100 * contracted
            cap = (
                f"; cap {shown(setting.max_percent)}% = {shown(cap_hours)} h (reductions.{reason})"
            )
        steps.append(
            {
                "step": f"reduction: {reason}",
                "value": exact(hours),
                "explanation": f"{label}: {shown(hours)} h = {share:.1f}% of contracted hours"
                f"{cap}; reductions file row {int(row)}",
            }
        )
    reduction_hours = float(computed["reduction_hours"])
    steps.append(
        {
            "step": "reduction_hours",
            "value": exact(reduction_hours),
            "explanation": f"sum of {len(mine)} active reduction(s) on the snapshot date"
            if len(mine)
            else "no active reductions on the snapshot date",
        }
    )
    available_fte = float(computed["available_fte"])
    steps.append(
        {
            "step": "available_fte",
            "value": exact(available_fte),
            "explanation": f"(contracted_hours − reduction_hours) / full_time_hours = "
            f"({shown(contracted)} − {shown(reduction_hours)}) / {shown(full_time)}",
        }
    )
    target = float(computed["target"])
    steps.extend(_target_steps(scheme, role, team_type, target, grade))
    capacity = float(computed["capacity"])
    truncated = scheme.model.capacity.rounding.capacity == "truncate"
    steps.append(
        {
            "step": "capacity",
            "value": capacity,
            "explanation": ("whole part of " if truncated else "")
            + f"target × available_fte = {shown(target)} × {shown(available_fte)}"
            + (" (capacity.rounding.capacity = truncate)" if truncated else ""),
        }
    )
    napo_level = float(computed["napo_level"])
    steps.append(
        {
            "step": "napo_level",
            "value": exact(napo_level),
            "explanation": _napo_source(scheme, team_type),
        }
    )
    napo_safe_load = float(computed["napo_safe_load"])
    steps.append(
        {
            "step": "napo_safe_load",
            "value": napo_safe_load,
            "explanation": "napo_level × available_fte = "
            f"{shown(napo_level)} × {shown(available_fte)}",
        }
    )
    figures = {
        "fte": float(computed["fte"]),
        "reduction_hours": reduction_hours,
        "available_fte": available_fte,
        "target": target,
        "capacity": capacity,
        "napo_level": napo_level,
        "napo_safe_load": napo_safe_load,
    }
    return steps, figures
