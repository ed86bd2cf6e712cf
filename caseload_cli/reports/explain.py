"""Explain one worker's numbers: every case's weight in parts, and capacity step by step.

A negotiator who is told "W0042 is at 112%" must be able to check it by hand.
The case parts come from the weighing itself (`Weighed.parts`, additive steps
that sum to each weight); the capacity steps are worked out again here from
the engine's own capacity figures (`engine.capacity.capacity_steps`), in the
order the scheme reference gives them, so they are what `load` reports.
This is the only output that lists cases, so it is the only one that shows
case identifiers, and `--pseudonymise` replaces them with keyed pseudonyms.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from caseload_cli.contract.validate import ValidInputs
from caseload_cli.core.errors import CaseloadError
from caseload_cli.core.model import Report
from caseload_cli.core.pseudonym import KEY_VARIABLE, pseudonymise
from caseload_cli.core.suggest import close_matches
from caseload_cli.core.vocabulary import DECIMALS, TOLERANCE
from caseload_cli.engine.bands import assign_bands, band_names
from caseload_cli.engine.capacity import capacity_steps
from caseload_cli.engine.capacity import shown as _g
from caseload_cli.engine.weigh import modifier_column
from caseload_cli.engine.weighed import Weighed
from caseload_cli.scheme.model import Scheme


def find_worker(staff: pd.DataFrame, worker_id: str, scope: str = "") -> pd.Series:
    """The accepted staff row for `worker_id` (within the selection `scope`, if any); an
    unknown ID is an error naming close matches."""
    found = staff[staff["worker_id"] == worker_id]
    if len(found):
        return found.iloc[0]
    ids = staff["worker_id"].astype("str").tolist()
    names = dict(zip(staff["name"].astype("str").str.casefold(), ids, strict=False))
    close = close_matches(worker_id, ids, n=3)
    close += [names[n] for n in close_matches(worker_id.casefold(), names, n=2)]
    close += [i for i in ids if i.casefold() == worker_id.casefold()]
    close = list(dict.fromkeys(close))[:3]
    shown = ", ".join(f"{i} ({staff.loc[staff['worker_id'] == i, 'name'].iat[0]})" for i in close)
    hint = f"; did you mean {shown}?" if close else ""
    raise CaseloadError(
        f"worker {worker_id!r} is not among the {len(staff):,} accepted staff"
        + (f" of {scope}" if scope else "")
        + f" (check the ID, or whether the staff row was rejected){hint}"
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
    sources = base_sources(scheme, out["case_type"], out["stage"])
    if sources is not None:
        out["base_source"] = sources
    out["child_uplift"] = parts["child_uplift"]
    for flag in flags:
        out[modifier_column(flag)] = parts[modifier_column(flag)]
    out["stage_factor"] = parts["stage_factor"]
    out["stage_adjustment"] = parts["stage_adjustment"]
    out["weight"] = parts["weight"]
    return out.reset_index(drop=True)


def base_sources(scheme: Scheme, case_types: pd.Series, stages: pd.Series) -> pd.Series | None:
    """Where each case's base weight comes from, for a scheme that has a case type × stage
    table or time standards (`weights.cross.s31.wafh`, `weights.case_type.s7: 30 over 26
    weeks = 1.153846 a week`); None when every base is simply its case type's weight."""
    weights = scheme.model.weights
    if not weights.cross and not weights.stated:
        return None
    pairs = pd.DataFrame({"case_type": case_types, "stage": stages}).drop_duplicates()
    lookup = {}
    for case_type, stage in zip(pairs["case_type"], pairs["stage"], strict=True):
        crossed = weights.cross.get(case_type, {})
        path = (
            f"weights.cross.{case_type}.{stage}"
            if stage in crossed
            else f"weights.case_type.{case_type}"
        )
        value = crossed.get(stage, weights.case_type.get(case_type, 0.0))
        stated = weights.stated.get(path)
        lookup[(case_type, stage)] = (
            f"{path}: {stated} = {round(value, DECIMALS)!r} a week" if stated else path
        )
    keys = pd.MultiIndex.from_arrays([case_types, stages])
    return pd.Series(keys.map(lookup), index=case_types.index, dtype="str")


def activity_table(valid: ValidInputs, weighed: Weighed, worker_id: str) -> pd.DataFrame:
    """The worker's activity rows (work that is not a case), each with its arithmetic."""
    scheme = weighed.scheme
    mine = (valid.activities["worker_id"] == worker_id).to_numpy()
    rows = valid.activities.loc[mine]
    parts = weighed.activity_parts.loc[mine] if weighed.activity_parts is not None else None
    settings = scheme.model.activities
    per = rows["activity"].map({code: a.per for code, a in settings.items()}).fillna("")
    explanation = [
        f"{_g(q)} {p}{'s' if q != 1 else ''} × {_g(w)} {scheme.unit} per {p} / {_g(k)} week"
        f"{'s' if k != 1 else ''} = {_g(load)}; activities file row {int(r)}"
        for q, p, w, k, load, r in zip(
            rows["quantity"],
            per,
            parts["weight"],
            rows["weeks"],
            parts["load"],
            rows["_row"],
            strict=True,
        )
    ]  # one worker's few activity rows, not cases
    return pd.DataFrame(
        {
            "activity": rows["activity"].astype("str").to_numpy(),
            "quantity": rows["quantity"].to_numpy(),
            "per": per.to_numpy(),
            "weeks": rows["weeks"].to_numpy(),
            "weight": parts["weight"].to_numpy(),
            "load": parts["load"].to_numpy(),
            "explanation": explanation,
        }
    )


def summary_items(
    worker: pd.Series,
    cases: pd.DataFrame,
    figures: dict[str, float],
    scheme: Scheme,
    activities: pd.DataFrame | None = None,
) -> list[dict[str, Any]]:
    """Load total, utilisation, band and the Napo comparison, each with how it was reached."""
    case_load = round(float(cases["weight"].sum()), DECIMALS)
    activity_load = (
        round(float(activities["load"].sum()), DECIMALS) if activities is not None else 0.0
    )
    load = round(case_load + activity_load, DECIMALS)
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
        *(
            [
                {
                    "item": "case_load",
                    "value": case_load,
                    "explanation": f"sum of the {len(cases)} case weights above",
                },
                {
                    "item": "activity_load",
                    "value": activity_load,
                    "explanation": f"sum of the {len(activities)} activity rows' loads",
                },
                {
                    "item": "weighted_load",
                    "value": load,
                    "explanation": f"case_load + activity_load = {_g(case_load)} + "
                    f"{_g(activity_load)} ({scheme.unit})",
                },
            ]
            if activities is not None
            else [
                {
                    "item": "weighted_load",
                    "value": load,
                    "explanation": f"sum of the {len(cases)} case weights above",
                }
            ]
        ),
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
    worker = find_worker(valid.staff, worker_id, valid.scope)
    cases = case_table(valid, weighed, worker_id, key)
    computed = weighed.workers.loc[weighed.workers["worker_id"] == worker["worker_id"]].iloc[0]
    steps, figures = capacity_steps(worker, computed, valid.reductions, scheme)
    activities = activity_table(valid, weighed, worker_id) if scheme.model.activities else None
    summary = summary_items(worker, cases, figures, scheme, activities)
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
            **({"activities": activities} if activities is not None else {}),
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
            **valid.snapshot_metadata(),
            "sheet": "cases",
            **({"selection": valid.scope} if valid.scope else {}),
            **scheme.provenance,
        },
    )
