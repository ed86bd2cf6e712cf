"""Explain one worker's numbers: every case's weight in parts, and capacity step by step.

A negotiator who is told "W0042 is at 112%" must be able to check it by hand.
The case parts come from the weighing itself (`Weighed.parts`, additive steps
that sum to each weight); the capacity steps are worked out again here from
the staff row, the reductions and the scheme, in the order the scheme
reference gives them, so a test can hold both against what `load` reports.
This is the only output that lists cases, so it is the only one that shows
case identifiers, and `--pseudonymise` replaces them with keyed pseudonyms.
"""

from __future__ import annotations

import difflib
from typing import Any

import pandas as pd

from caseload_cli.contract.validate import ValidInputs
from caseload_cli.core.errors import CaseloadError
from caseload_cli.core.model import Report
from caseload_cli.core.pseudonym import KEY_VARIABLE, pseudonymise
from caseload_cli.engine.bands import assign_bands, band_names
from caseload_cli.engine.weigh import DECIMALS, modifier_column
from caseload_cli.reports.pipeline import Weighed
from caseload_cli.scheme.model import Scheme

TOLERANCE = 1e-9


def _r(value: float) -> float:
    return round(float(value), DECIMALS)


def _g(value: float) -> str:
    """A number as people write it: 25, 0.9, 15.66."""
    return f"{round(float(value), DECIMALS):g}" if abs(value) < 1e15 else repr(float(value))


def find_worker(staff: pd.DataFrame, worker_id: str) -> pd.Series:
    """The accepted staff row for `worker_id`; an unknown ID is an error naming close matches."""
    found = staff[staff["worker_id"] == worker_id]
    if len(found):
        return found.iloc[0]
    ids = staff["worker_id"].astype("str").tolist()
    names = dict(zip(staff["name"].astype("str").str.casefold(), ids, strict=False))
    close = difflib.get_close_matches(worker_id, ids, n=3, cutoff=0.6)
    close += [names[n] for n in difflib.get_close_matches(worker_id.casefold(), list(names), n=2)]
    close += [i for i in ids if i.casefold() == worker_id.casefold()]
    close = list(dict.fromkeys(close))[:3]
    shown = ", ".join(f"{i} ({staff.loc[staff['worker_id'] == i, 'name'].iat[0]})" for i in close)
    hint = f"; did you mean {shown}?" if close else ""
    raise CaseloadError(
        f"worker {worker_id!r} is not among the {len(staff):,} accepted staff "
        f"(check the ID, or whether the staff row was rejected){hint}"
    )


def case_table(
    valid: ValidInputs, weighed: Weighed, worker_id: str, key: bytes | None
) -> pd.DataFrame:
    """The worker's cases with every additive part of each weight."""
    scheme = weighed.scheme
    mine = (valid.cases["worker_id"] == worker_id).to_numpy()
    cases = valid.cases.loc[mine]
    parts = weighed.parts.loc[mine]
    ids = cases["case_id"].astype("str")
    out = pd.DataFrame(
        {
            "case_id": pseudonymise(ids, key) if key is not None else ids,
            "law": cases["law"].astype("str"),
            "case_type": cases["case_type"].astype("str"),
            "stage": cases["stage"].astype("str"),
            "children": cases["children"].astype("int64"),
        }
    )
    flags = [m.flag for m in scheme.model.modifiers]
    for flag in flags:
        out[flag] = cases[flag].astype(bool)
    out["base"] = parts["base"]
    out["child_uplift"] = parts["child_uplift"]
    for flag in flags:
        out[modifier_column(flag)] = parts[modifier_column(flag)]
    out["stage_factor"] = parts["stage_factor"]
    out["stage_adjustment"] = parts["stage_adjustment"]
    out["weight"] = parts["weight"]
    return out.reset_index(drop=True)


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
            f"napo.letters: {_g(napo.letters.per_day)} letters a day × "
            f"{_g(napo.letters.working_days_per_case)} working days per case"
        )
    return "napo.safe_cases" + (f" ({napo.source})" if napo.source else "")


def capacity_steps(
    worker: pd.Series, reductions: pd.DataFrame, scheme: Scheme
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Capacity and Napo safe load worked out step by step, and the final figures.

    Mirrors `capacity.staff_capacity` (same order of operations, same
    rounding) but for one worker and with a reason for every number.
    """
    full_time = float(scheme.model.capacity.full_time_hours)
    contracted = float(worker["contracted_hours"])
    role, team_type = str(worker["role"]), str(worker["team_type"])
    steps: list[dict[str, Any]] = [
        {
            "step": "contracted_hours",
            "value": _r(contracted),
            "explanation": f"staff file row {int(worker['_row'])}",
        },
        {
            "step": "full_time_hours",
            "value": _r(full_time),
            "explanation": "capacity.full_time_hours: the hours that make 1 FTE",
        },
        {
            "step": "fte",
            "value": _r(contracted / full_time),
            "explanation": "contracted_hours / full_time_hours = "
            f"{_g(contracted)} / {_g(full_time)}",
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
            cap = f"; cap {_g(setting.max_percent)}% = {_g(cap_hours)} h (reductions.{reason})"
        steps.append(
            {
                "step": f"reduction: {reason}",
                "value": _r(hours),
                "explanation": f"{label}: {_g(hours)} h = {share:.1f}% of contracted hours"
                f"{cap}; reductions file row {int(row)}",
            }
        )
    reduction_hours = float(mine["hours"].sum()) if len(mine) else 0.0
    steps.append(
        {
            "step": "reduction_hours",
            "value": _r(reduction_hours),
            "explanation": f"sum of {len(mine)} active reduction(s) on the snapshot date"
            if len(mine)
            else "no active reductions on the snapshot date",
        }
    )
    available_hours = max(contracted - reduction_hours, 0.0)
    available_fte = available_hours / full_time
    steps.append(
        {
            "step": "available_fte",
            "value": _r(available_fte),
            "explanation": f"(contracted_hours − reduction_hours) / full_time_hours = "
            f"({_g(contracted)} − {_g(reduction_hours)}) / {_g(full_time)}",
        }
    )
    target = float(scheme.target_for(role, team_type))
    steps.append(
        {
            "step": "target",
            "value": _r(target),
            "explanation": _target_source(scheme, role, team_type),
        }
    )
    capacity = round(target * available_fte, DECIMALS)
    steps.append(
        {
            "step": "capacity",
            "value": capacity,
            "explanation": f"target × available_fte = {_g(target)} × {_g(available_fte)}",
        }
    )
    napo_level = float(scheme.napo_level_for(team_type))
    steps.append(
        {
            "step": "napo_level",
            "value": _r(napo_level),
            "explanation": _napo_source(scheme, team_type),
        }
    )
    napo_safe_load = round(napo_level * available_fte, DECIMALS)
    steps.append(
        {
            "step": "napo_safe_load",
            "value": napo_safe_load,
            "explanation": f"napo_level × available_fte = {_g(napo_level)} × {_g(available_fte)}",
        }
    )
    figures = {
        "fte": contracted / full_time,
        "reduction_hours": reduction_hours,
        "available_fte": available_fte,
        "target": target,
        "capacity": capacity,
        "napo_level": napo_level,
        "napo_safe_load": napo_safe_load,
    }
    return steps, figures


def summary_items(
    worker: pd.Series, cases: pd.DataFrame, figures: dict[str, float], scheme: Scheme
) -> list[dict[str, Any]]:
    """Load total, utilisation, band and the Napo comparison, each with how it was reached."""
    load = round(float(cases["weight"].sum()), DECIMALS)
    capacity = figures["capacity"]
    reference = scheme.model.banding.reference_target
    band = str(assign_bands(pd.Series([load]), pd.Series([capacity]), scheme).iat[0])
    bands = scheme.model.banding.bands
    limit = next((b.up_to for b in bands if b.name == band), None)
    if capacity > 0:
        utilisation: float | None = round(load / capacity * 100, 2)
        position = load / capacity * reference
        band_reason = (
            f"position on the {_g(reference)}-per-FTE scale = load / capacity × {_g(reference)} = "
            f"{position:.2f}; {band} is "
            + (
                f"up to {_g(limit)}"
                if limit is not None
                else f"above {_g(bands[-2].up_to)}"
                if len(bands) > 1
                else "the only band"
            )
        )
        utilisation_reason = f"100 × weighted_load / capacity = 100 × {_g(load)} / {_g(capacity)}"
    else:
        utilisation = None
        band_reason = (
            "no capacity: any load is in the last band" if load > 0 else "no load, no capacity"
        )
        utilisation_reason = "no capacity (available FTE is 0)"
    safe = figures["napo_safe_load"]
    over = load > safe + TOLERANCE
    margin = load - safe
    return [
        {
            "item": "worker",
            "value": f"{worker['worker_id']} {worker['name']}",
            "explanation": f"{worker['role']} in {worker['team']} ({worker['team_type']}), "
            f"{worker['service_area']}",
        },
        {"item": "cases", "value": len(cases), "explanation": "cases allocated to this worker"},
        {
            "item": "children",
            "value": int(cases["children"].sum()),
            "explanation": "children in those cases",
        },
        {
            "item": "weighted_load",
            "value": load,
            "explanation": f"sum of the {len(cases)} case weights above",
        },
        {"item": "capacity", "value": capacity, "explanation": "from the capacity steps"},
        {"item": "utilisation_pct", "value": utilisation, "explanation": utilisation_reason},
        {"item": "band", "value": band, "explanation": band_reason},
        {"item": "napo_safe_load", "value": safe, "explanation": "from the capacity steps"},
        {
            "item": "over_napo",
            "value": bool(over),
            "explanation": f"weighted_load {_g(load)} is "
            + (
                f"{_g(margin)} above"
                if over
                else f"{_g(-margin)} below"
                if margin < -TOLERANCE
                else "at"
            )
            + f" the Napo safe load {_g(safe)}",
        },
    ]


def explain_report(
    valid: ValidInputs, weighed: Weighed, worker_id: str, key: bytes | None = None
) -> Report:
    """`caseload explain`: the case table, the capacity steps and a summary for one worker."""
    scheme = weighed.scheme
    worker = find_worker(valid.staff, worker_id)
    cases = case_table(valid, weighed, worker_id, key)
    steps, figures = capacity_steps(worker, valid.reductions, scheme)
    summary = summary_items(worker, cases, figures, scheme)
    identifiers = (
        f"case_id values are keyed pseudonyms (HMAC-SHA256 with the key in {KEY_VARIABLE}); "
        "the same key gives the same pseudonyms"
        if key is not None
        else "case_id values are as in the cases file: this output identifies cases"
    )
    return Report(
        title=f"How {worker_id}'s load and capacity are made up ({scheme.model.name})",
        rows=cases,
        schemes=[scheme.stamp],
        accounting=dict(valid.accounting),
        sections={
            "capacity": pd.DataFrame(steps, columns=["step", "value", "explanation"]),
            "summary": pd.DataFrame(summary, columns=["item", "value", "explanation"]),
        },
        band_column=None,
        band_colours={},
        decimals=4,
        notes=[
            "weight = base + child_uplift + each mod_ column + stage_adjustment "
            "(= ((base + child uplift) × multipliers + additions) × stage_factor)",
            identifiers,
            *valid.notes,
        ],
        metadata={
            "worker_id": worker_id,
            "bands": band_names(scheme),
            "pseudonymised": key is not None,
            "snapshot": valid.snapshot.isoformat(),
            "sheet": "cases",
            "scheme_origin": scheme.origin,
            "scheme_overrides": list(scheme.overrides),
        },
    )
