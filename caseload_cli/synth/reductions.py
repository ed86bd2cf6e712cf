"""Reduction agreements: hours or a percentage off a worker's contracted hours.

A separate, small table with its own rules (a cap per reason, open starts
and ends, one or two already expired), so it is drawn apart from the cases.
It is drawn last from the same random stream, after staff and cases.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from caseload_cli.synth.profiles import Profile

__all__ = ["REDUCTION_CAPS", "make_reductions"]

# Largest reduction allowed per reason, in percent of contracted hours.
REDUCTION_CAPS = {
    "union_facility_time": 50.0,
    "newly_qualified": 20.0,
    "phased_return": 50.0,
    "reasonable_adjustment": 30.0,
    "other_duties": 20.0,
}
_REDUCTION_MENU = {  # percent values offered per reason (all within REDUCTION_CAPS)
    "union_facility_time": (10.0, 20.0, 25.0, 50.0),
    "newly_qualified": (20.0,),
    "phased_return": (20.0, 30.0, 40.0, 50.0),
    "reasonable_adjustment": (10.0, 15.0, 20.0, 30.0),
    "other_duties": (5.0, 10.0, 20.0),
}
_REDUCTION_P = (0.15, 0.25, 0.2, 0.25, 0.15)


def make_reductions(rng: np.random.Generator, prof: Profile, staff: pd.DataFrame) -> pd.DataFrame:
    """About 8% of FCAs and practice supervisors get one agreement; every reason shows."""
    eligible = np.flatnonzero(staff["role"].isin(["fca", "practice_supervisor"]).to_numpy())
    n = min(eligible.size, max(1, round(0.08 * eligible.size)))
    who = np.sort(rng.choice(eligible, size=n, replace=False))
    reasons = np.array(list(_REDUCTION_MENU), dtype=object)
    reason_code = rng.choice(reasons.size, size=n, p=_REDUCTION_P)
    reason_code[: min(n, reasons.size)] = np.arange(min(n, reasons.size))  # every reason shows
    reason_code = rng.permutation(reason_code)
    menu = np.full((reasons.size, 4), np.nan)
    for i, values in enumerate(_REDUCTION_MENU.values()):
        menu[i, : len(values)] = values
    sizes = np.array([len(v) for v in _REDUCTION_MENU.values()])
    percent = menu[reason_code, (rng.random(n) * sizes[reason_code]).astype(int)]
    contracted = staff["contracted_hours"].to_numpy(float)[who]
    hours = np.floor(percent * contracted / 100 * 10) / 10  # floor keeps under the cap
    as_hours = rng.random(n) < 0.5

    snapshot = np.datetime64(prof.snapshot, "D")
    nat = np.datetime64("NaT", "D")
    start = snapshot - rng.integers(14, 400, n)
    end = start + rng.integers(180, 731, n)
    reason = reasons[reason_code]
    nq, phased = reason == "newly_qualified", reason == "phased_return"
    start = np.where(nq, snapshot - rng.integers(14, 300, n), start)
    end = np.where(nq, start + 365, end)
    start = np.where(phased, snapshot - rng.integers(7, 43, n), start)
    end = np.where(phased, snapshot + rng.integers(7, 57, n), end)
    end = np.where(end <= snapshot, snapshot + rng.integers(7, 181, n), end)
    open_ended = np.isin(reason, ("union_facility_time", "reasonable_adjustment"))
    end = np.where(open_ended & (rng.random(n) < 0.5), nat, end)
    start = np.where((reason == "union_facility_time") & (rng.random(n) < 0.5), nat, start)
    # One or two agreements that have already ended (they must not count).
    expired = np.zeros(n, bool)
    expired[: 2 if n >= 6 else (1 if n >= 3 else 0)] = True
    expired = rng.permutation(expired)
    start = np.where(expired, snapshot - rng.integers(200, 400, n), start)
    end = np.where(expired, snapshot - rng.integers(1, 60, n), end)

    return pd.DataFrame(
        {
            "worker_id": pd.Series(staff["worker_id"].to_numpy(object)[who], dtype="str"),
            "reason": pd.Series(reason, dtype="str"),
            "hours": np.where(as_hours, hours, np.nan),
            "percent": np.where(as_hours, np.nan, percent),
            "start": start,
            "end": end,
        }
    )
