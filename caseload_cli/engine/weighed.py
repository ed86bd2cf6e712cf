"""One scheme's view of validated inputs: every case's weight in parts, and the
per-worker table (load, capacity, band) that every report starts from.

Validation happens once; weighing is cheap, so compare and sweep weigh the
same `ValidInputs` under many schemes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from caseload_cli.contract.validate import ValidInputs
from caseload_cli.engine.aggregate import per_worker
from caseload_cli.engine.weigh import weigh_cases
from caseload_cli.scheme.model import Scheme


@dataclass
class Weighed:
    """One scheme's view of the validated inputs."""

    scheme: Scheme
    parts: (
        pd.DataFrame
    )  # per case: base, child_uplift, mod_*, stage_factor, stage_adjustment, weight
    workers: pd.DataFrame


def weigh(valid: ValidInputs, scheme: Scheme) -> Weighed:
    parts = weigh_cases(valid.cases, scheme)
    workers = per_worker(valid.cases, parts["weight"], valid.staff, valid.reductions, scheme)
    return Weighed(scheme, parts, workers)
