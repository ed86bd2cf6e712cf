"""The post-assessment hub, as published: a case whose report is filed and whose next
hearing is 6 or more weeks after the snapshot (or not listed) leaves the FCA's
caseload and waits in the hub, overseen by a manager.

`post_assessment_eligible` says which cases qualify; `move_to_post_assessment_hub`
is the what-if: every eligible case put in the hub stage and held by no one, so
it is weighed by the scheme's hub stage weight among the work not held by an FCA.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from caseload_cli.contract.validate import ValidInputs
from caseload_cli.core.errors import CaseloadError
from caseload_cli.core.vocabulary import WHAT_IFS
from caseload_cli.engine.aggregate import holder_category
from caseload_cli.scheme.model import Scheme

HUB_STAGE = "post_assessment_hub"
#: Weeks from the snapshot to the next hearing from which a filed case may go to the hub.
HUB_WEEKS = 6


def post_assessment_eligible(valid: ValidInputs) -> np.ndarray:
    """Per case: held by an FCA, not in a hub or on duty, report filed, and the next
    hearing at least HUB_WEEKS after the snapshot or not listed. Without a
    `report_filed` column no case qualifies (`report_filed_known` says so)."""
    cases = valid.cases
    if not report_filed_known(valid):
        return np.zeros(len(cases), dtype=bool)
    on_fca_caseload = pd.isna(holder_category(cases, valid.staff))  # not in a hub or on duty
    filed = cases["report_filed"].notna().to_numpy()
    limit = pd.Timestamp(valid.snapshot) + pd.Timedelta(weeks=HUB_WEEKS)
    if "next_hearing" in cases.columns:
        hearing = cases["next_hearing"]
        far = (hearing.isna() | (hearing >= limit)).to_numpy()
    else:
        far = np.ones(len(cases), dtype=bool)
    return on_fca_caseload & filed & far


def report_filed_known(valid: ValidInputs) -> bool:
    return "report_filed" in valid.cases.columns


def move_to_post_assessment_hub(valid: ValidInputs, scheme: Scheme) -> tuple[ValidInputs, int]:
    """The inputs with every eligible case in the hub stage and held by no one, and how
    many moved. The scheme must weigh the hub stage."""
    check_hub_stage(scheme)
    eligible = post_assessment_eligible(valid)
    moved = int(eligible.sum())
    if not moved:
        return valid, 0
    cases = valid.cases.copy()
    cases.loc[eligible, "stage"] = HUB_STAGE
    cases.loc[eligible, "_staff"] = -1
    note = (
        f"What-if post-assessment hub: {moved:,} cases with a filed report and no hearing "
        f"within {HUB_WEEKS} weeks of {valid.snapshot.isoformat()} moved off FCAs' caseloads "
        f"to the {HUB_STAGE} stage."
    )
    return dataclasses.replace(valid, cases=cases, notes=[note, *valid.notes]), moved


def check_hub_stage(scheme: Scheme) -> None:
    if HUB_STAGE not in scheme.model.weights.stage:
        raise CaseloadError(
            f"scheme {scheme.model.name!r} has no weight for the {HUB_STAGE} stage "
            f"(weights.stage.{HUB_STAGE}); the what-if cannot weigh the moved cases"
        )


def weeks_to_hearing(valid: ValidInputs) -> pd.Series:
    """Whole weeks from the snapshot to each case's next hearing (blank: not listed)."""
    if "next_hearing" not in valid.cases.columns:
        return pd.Series(pd.NA, index=valid.cases.index, dtype="Int64")
    days = (valid.cases["next_hearing"] - pd.Timestamp(valid.snapshot)).dt.days
    return (days // 7).astype("Int64")


def apply_what_if(valid: ValidInputs, what_if: str | None, schemes: list[Scheme]) -> ValidInputs:
    """The inputs as the what-if would leave them (unchanged for None); every scheme
    must weigh the hub stage, so side-by-side schemes weigh the very same move."""
    if what_if is None:
        return valid
    if what_if not in WHAT_IFS:
        from caseload_cli.core.errors import UsageError

        raise UsageError(f"--what-if must be one of {', '.join(WHAT_IFS)}")
    for scheme in schemes:
        check_hub_stage(scheme)
    moved, _ = move_to_post_assessment_hub(valid, schemes[0])
    return moved
