"""`caseload hubs`: the cases eligible for the post-assessment hub, and what each FCA
would shed if they all moved.

Main table: one row per counted worker with eligible cases counted, the load they
would shed, and load, utilisation and band before and after the move (the same
weighing as `caseload load`, before and after `engine.hubs.move_to_post_assessment_hub`).
Section `eligible_cases`: every eligible case with its worker, report date, next
hearing and weight (case IDs, since managers work with them; keyed pseudonyms with
`--pseudonymise`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from caseload_cli.contract.validate import ValidInputs
from caseload_cli.core.model import Report
from caseload_cli.core.pseudonym import pseudonymise
from caseload_cli.core.vocabulary import DECIMALS, DEFAULT_POPULATION
from caseload_cli.engine.bands import band_colours
from caseload_cli.engine.hubs import (
    HUB_STAGE,
    HUB_WEEKS,
    move_to_post_assessment_hub,
    post_assessment_eligible,
    report_filed_known,
    weeks_to_hearing,
)
from caseload_cli.engine.population import population_note, population_workers
from caseload_cli.engine.weighed import weigh
from caseload_cli.scheme.model import Scheme

WORKER_COLUMNS = ["worker_id", "name", "team", "role", "cases", "eligible"]
CASE_COLUMNS = ["worker_id", "name", "team", "case_id", "case_type", "stage", "children"]
CASE_COLUMNS += ["report_filed", "next_hearing", "weeks_to_hearing", "weight"]


def hubs_report(
    valid: ValidInputs,
    scheme: Scheme,
    population: str = DEFAULT_POPULATION,
    key: bytes | None = None,
) -> Report:
    """Who would shed what if every eligible case moved to the post-assessment hub."""
    eligible = post_assessment_eligible(valid)
    before = weigh(valid, scheme)
    moved_inputs, moved = move_to_post_assessment_hub(valid, scheme)
    after = weigh(moved_inputs, scheme).workers.set_index("worker_id")
    counted = population_workers(before.workers, population).reset_index(drop=True)
    rows = _worker_rows(counted, after, valid, eligible)
    cases = _eligible_cases(valid, before.parts["weight"], eligible, key)
    cases = cases[cases["worker_id"].isin(rows["worker_id"])].reset_index(drop=True)
    as_at = valid.snapshot.isoformat()
    scope = f" ({valid.scope})" if valid.scope else ""
    notes = [
        f"Eligible for the {HUB_STAGE} (as published): held by an FCA, report filed, and "
        f"the next hearing {HUB_WEEKS} or more weeks after {as_at} or not listed. "
        f"{moved:,} cases in all; load_shed is their weight under {scheme.model.name}.",
        population_note(population),
        *valid.notes,
    ]
    if not report_filed_known(valid):
        notes.insert(0, "The cases carry no report_filed column, so no case can be eligible.")
    return Report(
        title=f"Post-assessment hub: eligible cases{scope}, as at {as_at}",
        rows=rows,
        schemes=[scheme.stamp],
        accounting=dict(valid.accounting),
        sections={"eligible_cases": cases},
        band_column="band",
        band_colours=band_colours(scheme),
        notes=notes,
        metadata={
            **valid.snapshot_metadata(),
            "eligible": moved,
            "hub_weeks": HUB_WEEKS,
            "population": population,
            "pseudonymised": key is not None,
            "sheet": "hubs",
            **({"selection": valid.scope} if valid.scope else {}),
            **scheme.provenance,
        },
    )


def _worker_rows(
    counted: pd.DataFrame, after: pd.DataFrame, valid: ValidInputs, eligible: np.ndarray
) -> pd.DataFrame:
    position = valid.cases["_staff"].to_numpy()[eligible]
    per_staff = np.bincount(position, minlength=len(valid.staff)) if len(position) else None
    ids = valid.staff["worker_id"].to_numpy()
    by_id = dict(zip(ids, per_staff, strict=True)) if per_staff is not None else {}
    out = counted[[c for c in WORKER_COLUMNS if c in counted.columns]].copy()
    out["eligible"] = out["worker_id"].map(by_id).fillna(0).astype("int64")
    out["weighted_load"] = counted["weighted_load"].to_numpy()
    later = after.reindex(counted["worker_id"])
    out["load_shed"] = np.round(out["weighted_load"] - later["weighted_load"].to_numpy(), DECIMALS)
    out["load_after"] = later["weighted_load"].to_numpy()
    out["capacity"] = counted["capacity"].to_numpy()
    out["utilisation_pct"] = counted["utilisation_pct"].to_numpy()
    out["utilisation_after_pct"] = later["utilisation_pct"].to_numpy()
    out["band"] = counted["band"].to_numpy()
    out["band_after"] = later["band"].astype("str").to_numpy()
    return out.reset_index(drop=True)


def _eligible_cases(
    valid: ValidInputs, weights: pd.Series, eligible: np.ndarray, key: bytes | None
) -> pd.DataFrame:
    if not report_filed_known(valid):
        return pd.DataFrame({column: [] for column in CASE_COLUMNS})
    cases = valid.cases[eligible]
    staff = valid.staff
    holder = cases["_staff"].to_numpy()
    ids = cases["case_id"].astype("str")
    frame = pd.DataFrame(
        {
            "worker_id": staff["worker_id"].to_numpy()[holder],
            "name": staff["name"].to_numpy()[holder],
            "team": staff["team"].to_numpy()[holder],
            "case_id": (pseudonymise(ids, key) if key is not None else ids).to_numpy(),
            "case_type": cases["case_type"].astype("str").to_numpy(),
            "stage": cases["stage"].astype("str").to_numpy(),
            "children": cases["children"].to_numpy(),
            "report_filed": cases["report_filed"].dt.date.to_numpy(),
            "next_hearing": (
                cases["next_hearing"].dt.date.to_numpy()
                if "next_hearing" in cases.columns
                else [None] * len(cases)
            ),
            "weeks_to_hearing": weeks_to_hearing(valid).to_numpy()[eligible],
            "weight": np.round(weights.to_numpy(dtype="float64")[eligible], DECIMALS),
        }
    )
    return frame.sort_values(["worker_id", "case_id"], kind="stable")[CASE_COLUMNS]
