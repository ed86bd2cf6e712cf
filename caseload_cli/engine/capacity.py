"""Capacity in the same points as the load, the way probation's WMT does it.

    fte            = contracted_hours / full_time_hours
    available_fte  = (contracted_hours - reduction_hours) / full_time_hours
    capacity       = target × available_fte
    napo_safe_load = Napo safe level × available_fte

The target comes from the worker's role if the scheme sets one, else their
team type, else the scheme's default.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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
    out["capacity"] = np.round(out["target"] * out["available_fte"], 6)
    out["napo_level"] = _per_group(out["team_type"], scheme.napo_level_for)
    out["napo_safe_load"] = np.round(out["napo_level"] * out["available_fte"], 6)
    return out


def _per_group(values: pd.Series, level_for) -> pd.Series:
    lookup = {value: level_for(value) for value in values.unique()}
    return values.map(lookup).astype("float64")
