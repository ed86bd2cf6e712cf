"""The published headline figures, computed from data of the contract's shape.

One definition, used by the tests that check each profile hits its targets
and by anyone checking a generated (or real) export against the published
numbers; docs/sample-data.md spells the definitions out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from caseload_cli.core.vocabulary import CASE_HOLDING_ROLES, PUBLISHED_THRESHOLDS
from caseload_cli.synth.generate import CAPACITY_TARGETS, PUBLIC_CASE_TYPES
from caseload_cli.synth.organisation import FULL_TIME_HOURS

__all__ = ["calibration_stats"]


ABOVE = {key: level for key, level, _ in PUBLISHED_THRESHOLDS}


def calibration_stats(cases: pd.DataFrame, staff: pd.DataFrame) -> dict[str, float]:
    """The published headline figures, computed from data of the contract's shape.

    Flat scheme: every set of proceedings counts 1. Per-FTE caseload =
    cases held / (contracted_hours / 37). FCAs = roles fca and locum_fca.
    Shares are fractions (0.654 = 65.4%). See docs/sample-data.md.
    """
    held = cases["worker_id"].value_counts()
    worker = staff["worker_id"].astype(str)
    n_held = worker.map(held).fillna(0).to_numpy(float)
    duty_held = cases.loc[cases["stage"].astype(str) == "duty", "worker_id"].value_counts()
    n_duty = worker.map(duty_held).fillna(0).to_numpy(float)
    fte = staff["contracted_hours"].to_numpy(float) / FULL_TIME_HOURS
    role = staff["role"].astype(str).to_numpy(object)
    team_type = staff["team_type"].astype(str).to_numpy(object)
    fca = np.isin(role, CASE_HOLDING_ROLES) & (fte > 0)
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
        "wafh_share_above_20": mean(wafh, per_fte > ABOVE["above_20"]),
        "wafh_share_above_25": mean(wafh, per_fte > ABOVE["above_25"]),
        "eit_average": mean(eit, per_fte),
        "eit_share_above_40": mean(eit, per_fte > ABOVE["above_40_eit"]),
        "public_law_average": mean(public, per_fte),
        "children_per_case": float(cases["children"].astype(float).mean()),
        "saturation": float(n_held[counted].sum() / capacity) if capacity else float("nan"),
        "practice_supervisor_average": mean(role == "practice_supervisor", n_held),
        "practice_supervisor_share_over_12": mean(role == "practice_supervisor", n_held > 12),
        "duty_cases": float((stage == "duty").sum()),
        "duty_per_service_manager": mean(role == "service_manager", n_duty),
        "public_law_age_weeks": mean(public_case, age),
        "private_wafh_age_weeks": mean(private_case, age),
        "r16_4_age_weeks": mean(r16, age),
        "r16_4_share_over_100_weeks": mean(r16, age > 100),
        "allocation_hub_age_weeks": mean(stage == "allocation_hub", age),
        "fcas": float(fca.sum()),
        "cases": float(len(cases)),
    }
