"""Work that is not a case, weighed: each activity row's load in the scheme's unit.

    load = quantity × weight per item, day or hour / weeks the quantity covers

A scheme that weighs per week turns a month of letters into a weekly load; a
row with no period is taken as it is. Kept per row, so explain can show each
row's arithmetic and the per-worker sums reconcile with it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from caseload_cli.core.vocabulary import DECIMALS
from caseload_cli.scheme.model import Scheme


def weigh_activities(activities: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """Per activity row: the weight of one item (day, hour) and the row's load."""
    table = {code: a.weight for code, a in scheme.model.activities.items()}
    weight = activities["activity"].map(table).astype("float64").fillna(0.0).to_numpy()
    quantity = activities["quantity"].to_numpy(dtype="float64")
    weeks = activities["weeks"].to_numpy(dtype="float64")
    load = np.round(quantity * weight / weeks, DECIMALS)
    return pd.DataFrame({"weight": weight, "load": load}, index=activities.index)


def activity_load_per_worker(
    activities: pd.DataFrame, loads: pd.Series, workers: int
) -> np.ndarray:
    """Each accepted staff row's activity load (positions as in the staff table)."""
    positions = activities["_staff"].to_numpy().astype("int64")
    summed = np.bincount(positions, weights=loads.to_numpy(dtype="float64"), minlength=workers)[
        :workers
    ]
    return np.round(summed, DECIMALS)
