"""One scheme's view of validated inputs: every case's weight in parts, and the
per-worker table (load, capacity, band) that every report starts from.

Validation happens once; weighing is cheap, so compare and sweep weigh the
same `ValidInputs` under many schemes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from caseload_cli.contract.validate import ValidInputs
from caseload_cli.engine.activities import activity_load_per_worker, weigh_activities
from caseload_cli.engine.aggregate import per_worker
from caseload_cli.engine.weigh import case_weights, weigh_cases
from caseload_cli.scheme.model import Scheme


@dataclass
class Weighed:
    """One scheme's view of the validated inputs."""

    scheme: Scheme
    parts: (
        pd.DataFrame
    )  # per case: base, child_uplift, mod_*, stage_factor, stage_adjustment, weight
    workers: pd.DataFrame
    #: Per accepted activity row (`ValidInputs.activities`): weight per item and load.
    activity_parts: pd.DataFrame | None = None


def weigh(valid: ValidInputs, scheme: Scheme) -> Weighed:
    """`valid` weighed with `scheme`: every case's parts and the per-worker table."""
    parts = weigh_cases(valid.cases, scheme)
    activity_parts, workers = _per_worker(valid, scheme, parts["weight"].to_numpy())
    return Weighed(scheme, parts, workers, activity_parts)


def weigh_workers(valid: ValidInputs, scheme: Scheme, snapshots: bool = False) -> pd.DataFrame:
    """The per-worker table `weigh` gives, without every case's parts (each kind of case
    weighed once: `case_weights`), for a report that shows none (`trend`). With
    `snapshots`, `valid` holds many snapshots (`store.series`: staff and reductions with
    `SNAPSHOT_POSITION`, cases' `_staff` positions in all of their staff) and the rows
    are per snapshot."""
    return _per_worker(valid, scheme, case_weights(valid.cases, scheme), snapshots)[1]


def _per_worker(valid: ValidInputs, scheme: Scheme, weights: np.ndarray, snapshots: bool = False):
    activity_parts = weigh_activities(valid.activities, scheme)
    activity_load = activity_load_per_worker(
        valid.activities, activity_parts["load"], len(valid.staff)
    )
    workers = per_worker(
        valid.cases,
        weights,
        valid.staff,
        valid.reductions,
        scheme,
        activity_load,
        snapshots,
    )
    return activity_parts, workers
