"""The service-area scorecard: the pressure measures Cafcass publishes (board paper,
20 April 2022), computed from one snapshot's cases and staff.

Each `Measure` says how it is computed (`definition`), the published figure it
mirrors, and illustrative triggers for a RAG rating (amber from `amber`, red from
`red`; for `lower_is_worse` measures, at or below). The triggers are this tool's
defaults, taken from the published figures, not Cafcass policy; a settings file
can change them (`triggers_from`). `measures` computes every measure for each
group (service area or team) and one national row, from the per-worker table of
`engine.weighed` and the validated cases, with no per-row Python.

A case's group is its holder's; cases held by no one (unallocated, or a hub or
duty case with no manager named) count in the national row only. Under a selection
the total row is the selection's (named for it, `total_label`), without them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from caseload_cli.contract.validate import ValidInputs
from caseload_cli.core.errors import CaseloadError
from caseload_cli.core.vocabulary import CASE_HOLDING_ROLES, DECIMALS

#: Published case-type durations in weeks (domain: public law s31 ~45, private after
#: first hearing ~54, Rule 16.4 ~96).
PUBLISHED_WEEKS = {"public_law": 45.0, "private_wafh": 54.0, "r16_4": 96.0}
PS_CASES = 12  # practice supervisors "holding over 12 children's cases"
ALLOCATION_DAYS = 20  # days to allocation: the published average 20.8, 7 areas over 20
HUB_WEEKS_WITHIN = 20  # "98% allocated within 20 weeks"


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    definition: str
    published: float | None  # the national figure it mirrors, where one was published
    amber: float | None
    red: float | None
    lower_is_worse: bool = False


MEASURES: tuple[Measure, ...] = (
    Measure(
        "fca_saturation_pct",
        "FCA saturation %",
        "100 × Σ weighted load / Σ capacity of FCAs and locum FCAs",
        86.2,
        85.0,
        90.0,
    ),
    Measure(
        "wafh_cases_per_fte",
        "cases per FTE after first hearing",
        "mean over FCAs in WAFH teams of cases / FTE (contracted hours / full-time hours)",
        21.7,
        20.0,
        25.0,
    ),
    Measure(
        "wafh_above_20_pct",
        "% FCAs above 20 (after first hearing)",
        "share of FCAs in WAFH teams whose cases per FTE exceed 20",
        65.4,
        50.0,
        65.0,
    ),
    Measure(
        "wafh_above_25_pct",
        "% FCAs above 25 (after first hearing)",
        "share of FCAs in WAFH teams whose cases per FTE exceed 25",
        23.5,
        15.0,
        25.0,
    ),
    Measure(
        "eit_cases_per_fte",
        "cases per FTE in EIT",
        "mean over FCAs in EIT teams of cases / FTE",
        45.5,
        35.0,
        40.0,
    ),
    Measure(
        "eit_above_40_pct",
        "% EIT FCAs above 40",
        "share of FCAs in EIT teams whose cases per FTE exceed 40",
        50.0,
        25.0,
        50.0,
    ),
    Measure(
        "duty_cases",
        "duty cases",
        "cases in the duty stage (an area's: held by its managers)",
        1316.0,
        75.0,
        100.0,
    ),
    Measure(
        "duty_children", "children in duty cases", "children in duty-stage cases", None, None, None
    ),
    Measure(
        "duty_cases_per_service_manager",
        "duty cases per service manager",
        "duty cases held by service managers / service managers",
        15.6,
        10.0,
        15.0,
    ),
    Measure(
        "manager_held_cases",
        "cases held by managers",
        "cases held by anyone who is not an FCA (practice supervisors, managers)",
        None,
        None,
        None,
    ),
    Measure(
        "allocation_hub_cases",
        "allocation hub cases",
        "cases in the allocation_hub stage",
        None,
        None,
        None,
    ),
    Measure(
        "allocation_hub_children",
        "allocation hub children",
        "children in allocation hub cases",
        None,
        None,
        None,
    ),
    Measure(
        "post_assessment_hub_cases",
        "post-assessment hub cases",
        "cases in the post_assessment_hub stage",
        None,
        None,
        None,
    ),
    Measure(
        "post_assessment_hub_children",
        "post-assessment hub children",
        "children in post-assessment hub cases",
        None,
        None,
        None,
    ),
    Measure(
        "allocation_hub_weeks",
        "weeks waiting in the allocation hub",
        "mean (snapshot − hub_entered) in weeks over allocation hub cases with hub_entered",
        6.1,
        6.0,
        10.0,
    ),
    Measure(
        "allocation_hub_within_20_weeks_pct",
        "% of hub waits within 20 weeks",
        "share of allocation hub cases with hub_entered waiting 20 weeks or less",
        98.0,
        95.0,
        90.0,
        lower_is_worse=True,
    ),
    Measure(
        "days_to_allocation",
        "days to allocation",
        "mean (allocated − opened) in days over held cases with both dates",
        20.8,
        15.0,
        20.0,
    ),
    Measure(
        "days_to_allocation_over_20_pct",
        "% allocated after 20 days",
        "share of those cases allocated more than 20 days after opening",
        None,
        None,
        None,
    ),
    Measure(
        "ps_cases",
        "cases per practice supervisor",
        "Σ cases held by practice supervisors / practice supervisors",
        15.9,
        10.0,
        12.0,
    ),
    Measure(
        "ps_over_12_pct",
        "% practice supervisors holding over 12",
        "share of practice supervisors holding more than 12 cases",
        57.9,
        40.0,
        57.9,
    ),
    Measure("children_per_case", "children per case", "Σ children / cases", None, None, None),
    Measure(
        "public_law_weeks_open",
        "weeks open: public law",
        "mean weeks from opened to the snapshot, public law cases",
        45.0,
        None,
        None,
    ),
    Measure(
        "private_wafh_weeks_open",
        "weeks open: private after first hearing",
        "mean weeks from opened to the snapshot, private law cases after first hearing (not R16.4)",
        54.0,
        None,
        None,
    ),
    Measure(
        "r16_4_weeks_open",
        "weeks open: Rule 16.4",
        "mean weeks from opened to the snapshot, Rule 16.4 cases",
        96.0,
        None,
        None,
    ),
)
MEASURE_KEYS = tuple(m.key for m in MEASURES)
GROUPS = {"service_area": "service_area", "team": "team"}
NATIONAL = "national"


def total_label(valid: ValidInputs) -> str:
    """The name of the row over every group: `national`, or under `--team`,
    `--service-area` or `--worker` what was selected ("service area A3 Greater
    Manchester"), for that row holds only the selection's staff and cases."""
    return valid.scope or NATIONAL


def measures(valid: ValidInputs, workers: pd.DataFrame, by: str = "service_area") -> pd.DataFrame:
    """One row per group (`by`: service_area or team) then the total row (`total_label`),
    one column per measure (blank where a group has nothing to measure or the data lacks
    the dates)."""
    key = GROUPS[by]
    cases = _case_frame(valid, key)
    parts = [
        _group_measures(cases, workers, key, g) for g in sorted(workers[key].dropna().unique())
    ]
    parts.append(_group_measures(cases, workers, key, None))
    frame = pd.DataFrame(parts)
    frame.insert(0, by, [*sorted(workers[key].dropna().unique()), total_label(valid)])
    return frame


WORKER_INPUTS = ["worker_id", "name", "service_area", "team", "role", "team_type", "fte"]
WORKER_INPUTS += ["available_fte", "cases", "children", "weighted_load", "capacity"]


def worker_inputs(valid: ValidInputs, workers: pd.DataFrame) -> pd.DataFrame:
    """The per-worker inputs behind the area figures: each worker's cases per FTE, and
    the duty and hub cases, days to allocation and children they hold."""
    cases = _case_frame(valid, "worker_id")
    out = workers[WORKER_INPUTS].copy()
    fte = out["fte"].where(out["fte"] > 0)
    out["cases_per_fte"] = (out["cases"] / fte).round(DECIMALS)
    held = cases[cases["held"]]
    by_worker = held.groupby("group", sort=False)
    out["duty_cases"] = (
        out["worker_id"]
        .map(held[held["stage"] == "duty"].groupby("group").size())
        .fillna(0)
        .astype("int64")
    )
    if "days_to_allocation" in held:
        out["days_to_allocation"] = out["worker_id"].map(
            by_worker["days_to_allocation"].mean().round(DECIMALS)
        )
    out["weeks_open"] = out["worker_id"].map(by_worker["weeks_open"].mean().round(DECIMALS))
    return out.reset_index(drop=True)


def _case_frame(valid: ValidInputs, key: str) -> pd.DataFrame:
    cases = valid.cases
    staff = valid.staff
    position = cases["_staff"].to_numpy()
    held = position >= 0
    at = np.where(held, position, 0)
    group = np.where(held, staff[key].to_numpy(dtype=object)[at], None)
    role = np.where(held, staff["role"].to_numpy(dtype=object)[at], None)
    snapshot = pd.Timestamp(valid.snapshot)
    frame = pd.DataFrame(
        {
            "group": group,
            "role": role,
            "held": held,
            "stage": cases["stage"].astype("str").to_numpy(),
            "law": cases["law"].astype("str").to_numpy(),
            "case_type": cases["case_type"].astype("str").to_numpy(),
            "children": cases["children"].to_numpy(dtype="float64"),
            "weeks_open": ((snapshot - cases["opened"]).dt.days / 7).to_numpy(dtype="float64"),
        }
    )
    for column in ("allocated", "hub_entered"):
        if column in cases.columns:
            frame[column] = cases[column].to_numpy()
    if "allocated" in frame:
        frame["days_to_allocation"] = (cases["allocated"] - cases["opened"]).dt.days.to_numpy(
            dtype="float64", na_value=np.nan
        )
    if "hub_entered" in frame:
        frame["hub_weeks"] = ((snapshot - cases["hub_entered"]).dt.days / 7).to_numpy(
            dtype="float64", na_value=np.nan
        )
    return frame


def _mean(values: pd.Series) -> float | None:
    values = values.dropna()
    return round(float(values.mean()), DECIMALS) if len(values) else None


def _share(mask: pd.Series, of: pd.Series) -> float | None:
    n = int(of.sum())
    return round(100.0 * int((mask & of).sum()) / n, DECIMALS) if n else None


def _ratio(top: float, bottom: float) -> float | None:
    return round(top / bottom, DECIMALS) if bottom > 0 else None


def _group_measures(
    cases: pd.DataFrame, workers: pd.DataFrame, key: str, group: Any
) -> dict[str, float | None]:
    if group is not None:
        cases = cases[cases["group"] == group]
        workers = workers[workers[key] == group]
    fca = workers[workers["role"].isin(CASE_HOLDING_ROLES) & (workers["fte"] > 0)]
    # As published (and as the sample is calibrated): per FCA, cases per contracted FTE.
    per_fte = fca["cases"] / fca["fte"]
    wafh, eit = fca["team_type"] == "wafh", fca["team_type"] == "eit"
    out: dict[str, float | None] = {
        "fca_saturation_pct": _ratio(100 * fca["weighted_load"].sum(), fca["capacity"].sum()),
        "wafh_cases_per_fte": _mean(per_fte[wafh]),
        "wafh_above_20_pct": _share(per_fte > 20, wafh),
        "wafh_above_25_pct": _share(per_fte > 25, wafh),
        "eit_cases_per_fte": _mean(per_fte[eit]),
        "eit_above_40_pct": _share(per_fte > 40, eit),
    }
    stage = cases["stage"]
    duty = stage == "duty"
    service_managers = int((workers["role"] == "service_manager").sum())
    by_sm = duty & (cases["role"] == "service_manager")
    out |= {
        "duty_cases": float(duty.sum()),
        "duty_children": float(cases["children"][duty].sum()),
        "duty_cases_per_service_manager": _ratio(float(by_sm.sum()), service_managers),
        "manager_held_cases": float(
            (cases["held"] & ~cases["role"].isin(CASE_HOLDING_ROLES)).sum()
        ),
    }
    for hub in ("allocation_hub", "post_assessment_hub"):
        inside = stage == hub
        out[f"{hub}_cases"] = float(inside.sum())
        out[f"{hub}_children"] = float(cases["children"][inside].sum())
    in_hub = stage == "allocation_hub"
    if "hub_weeks" in cases:
        waits = cases["hub_weeks"].where(in_hub)
        out["allocation_hub_weeks"] = _mean(waits)
        out["allocation_hub_within_20_weeks_pct"] = _share(waits <= HUB_WEEKS_WITHIN, waits.notna())
    else:
        out["allocation_hub_weeks"] = out["allocation_hub_within_20_weeks_pct"] = None
    if "days_to_allocation" in cases:
        days = cases["days_to_allocation"].where(cases["held"])
        out["days_to_allocation"] = _mean(days)
        out["days_to_allocation_over_20_pct"] = _share(days > ALLOCATION_DAYS, days.notna())
    else:
        out["days_to_allocation"] = out["days_to_allocation_over_20_pct"] = None
    ps = workers[workers["role"] == "practice_supervisor"]
    out["ps_cases"] = _ratio(float(ps["cases"].sum()), len(ps))
    out["ps_over_12_pct"] = _share(ps["cases"] > PS_CASES, pd.Series(True, index=ps.index))
    out["children_per_case"] = _ratio(float(cases["children"].sum()), len(cases))
    public = cases["law"] == "public"
    private_wafh = (cases["law"] == "private") & (stage == "wafh") & (cases["case_type"] != "r16_4")
    out["public_law_weeks_open"] = _mean(cases["weeks_open"][public])
    out["private_wafh_weeks_open"] = _mean(cases["weeks_open"][private_wafh])
    out["r16_4_weeks_open"] = _mean(cases["weeks_open"][cases["case_type"] == "r16_4"])
    return {m: out[m] for m in MEASURE_KEYS}


def rag(value: float | None, measure: Measure) -> str | None:
    """green, amber or red against the measure's triggers (None: no value or no trigger)."""
    if value is None or (measure.amber is None and measure.red is None):
        return None
    worse = (lambda v, t: v <= t) if measure.lower_is_worse else (lambda v, t: v > t)
    if measure.red is not None and worse(value, measure.red):
        return "red"
    if measure.amber is not None and worse(value, measure.amber):
        return "amber"
    return "green"


def triggers_from(settings: dict[str, Any], source: str) -> tuple[Measure, ...]:
    """The measures with `[triggers.<measure>] amber = …, red = …` from a settings file."""
    table = settings.get("triggers", {})
    if not isinstance(table, dict):
        raise CaseloadError(f"{source}: [triggers] must be a table")
    by_key = {m.key: m for m in MEASURES}
    out = dict(by_key)
    for name, values in table.items():
        if name not in by_key:
            raise CaseloadError(
                f"{source}: triggers.{name}: no such measure (measures: {', '.join(MEASURE_KEYS)})"
            )
        if not isinstance(values, dict) or set(values) - {"amber", "red"}:
            raise CaseloadError(f"{source}: triggers.{name}: give amber and/or red numbers")
        for level, number in values.items():
            if isinstance(number, bool) or not isinstance(number, int | float):
                raise CaseloadError(f"{source}: triggers.{name}.{level}: must be a number")
        out[name] = replace(by_key[name], **{k: float(v) for k, v in values.items()})
    return tuple(out[m.key] for m in MEASURES)
