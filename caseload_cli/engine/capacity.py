"""Capacity in the same points as the load, the way probation's WMT does it.

    fte            = contracted_hours / full_time_hours
    available_fte  = (contracted_hours - reduction_hours) / full_time_hours
    capacity       = target × available_fte
    napo_safe_load = Napo safe level × available_fte

The target comes from the worker's role if the scheme sets one, else their
team type, else the scheme's default.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from caseload_cli.core.vocabulary import DECIMALS
from caseload_cli.scheme.model import Scheme


def staff_capacity(staff: pd.DataFrame, reductions: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """Per worker: fte, reduction_hours, available_fte, target, capacity, napo level."""
    full_time = scheme.model.capacity.full_time_hours
    reduced = reductions.groupby("worker_id", sort=False)["hours"].sum()
    out = staff.copy()
    given = out["fte_given"].notna() if "fte_given" in out.columns else None
    if given is not None and given.any():
        out.loc[given, "contracted_hours"] = out.loc[given, "fte_given"] * full_time
    out["reduction_hours"] = out["worker_id"].map(reduced).fillna(0.0).astype("float64")
    out["fte"] = out["contracted_hours"] / full_time
    available = (out["contracted_hours"] - out["reduction_hours"]).clip(lower=0.0)
    out["available_fte"] = available / full_time
    settings = scheme.model.capacity
    by_team_type = out["team_type"].map(settings.target_by_team_type).astype("float64")
    by_role = out["role"].map(settings.target_by_role).astype("float64")
    out["target"] = by_role.fillna(by_team_type).fillna(settings.default_target)
    out["capacity"] = np.round(out["target"] * out["available_fte"], DECIMALS)
    out["napo_level"] = _per_group(out["team_type"], scheme.napo_level_for)
    out["napo_safe_load"] = np.round(out["napo_level"] * out["available_fte"], DECIMALS)
    return out


def _per_group(values: pd.Series, level_for) -> pd.Series:
    lookup = {value: level_for(value) for value in values.unique()}
    return values.map(lookup).astype("float64")


# --------------------------------------------------------------------------- explained


def exact(value: float) -> float:
    """A value at the precision loads are kept to."""
    return round(float(value), DECIMALS)


def shown(value: float) -> str:
    """A number as people write it: 25, 0.9, 15.66."""
    return f"{round(float(value), DECIMALS):g}" if abs(value) < 1e15 else repr(float(value))


def _target_source(scheme: Scheme, role: str, team_type: str) -> str:
    capacity = scheme.model.capacity
    if role in capacity.target_by_role:
        return f"capacity.target_by_role.{role} (role {role})"
    if team_type in capacity.target_by_team_type:
        return f"capacity.target_by_team_type.{team_type} (team type {team_type})"
    return f"capacity.default_target (no target for role {role} or team type {team_type})"


def _napo_source(scheme: Scheme, team_type: str) -> str:
    napo = scheme.model.napo
    if team_type in napo.by_team_type:
        return f"napo.by_team_type.{team_type}"
    if napo.letters is not None and napo.letters.team_type == team_type:
        return (
            f"napo.letters: {shown(napo.letters.per_day)} letters a day × "
            f"{shown(napo.letters.working_days_per_case)} working days per case"
        )
    return "napo.safe_cases" + (f" ({napo.source})" if napo.source else "")


def capacity_steps(
    worker: pd.Series, computed: pd.Series, reductions: pd.DataFrame, scheme: Scheme
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """One worker's capacity and Napo safe load as steps, each with its reason.

    `worker` is the validated staff row (for its file row number); `computed`
    is that worker's row from `staff_capacity` (via the per-worker table), so
    every value shown is the one the loads were divided by: the formula lives
    only in `staff_capacity`, and this only says where each number came from.
    """
    full_time = float(scheme.model.capacity.full_time_hours)
    contracted = float(computed["contracted_hours"])
    role, team_type = str(worker["role"]), str(worker["team_type"])
    steps: list[dict[str, Any]] = [
        {
            "step": "contracted_hours",
            "value": exact(contracted),
            "explanation": f"staff file row {int(worker['_row'])}",
        },
        {
            "step": "full_time_hours",
            "value": exact(full_time),
            "explanation": "capacity.full_time_hours: the hours that make 1 FTE",
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
    steps.append(
        {
            "step": "target",
            "value": exact(target),
            "explanation": _target_source(scheme, role, team_type),
        }
    )
    capacity = float(computed["capacity"])
    steps.append(
        {
            "step": "capacity",
            "value": capacity,
            "explanation": f"target × available_fte = {shown(target)} × {shown(available_fte)}",
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
