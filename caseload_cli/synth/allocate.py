"""Who gets a case: weighted draws within groups, and the weekly staff changes.

A weekly series hands out thousands of cases a week (new cases, hub and duty
allocations, moves, a leaver's caseload). Each goes to someone in a group (a
team, or every team of one type) with a chance proportional to how far they
are below their usual caseload, so loads, and with them the published figures
the sample is calibrated to, stay steady week after week. One vectorised draw
serves every case at once: no loop over cases.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from caseload_cli.synth.organisation import FIRST_NAMES, FULL_TIME_HOURS, SURNAMES

__all__ = ["choose", "deficit_weights", "joiner_row", "pick_leaver"]

_FALLBACK = 0.02  # share of the usual load that still attracts cases when nobody is short


def deficit_weights(usual: np.ndarray, load: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Chance weights: cases short of the usual load, plus a little for everyone who holds cases."""
    weight = np.maximum(usual - load, 0.0) + _FALLBACK * usual
    return np.where(active & (usual > 0), weight, 0.0)


def choose(
    rng: np.random.Generator,
    wanted: np.ndarray,
    weight: np.ndarray,
    group_of: np.ndarray,
) -> np.ndarray:
    """For each entry of `wanted` (a group code), a worker of that group drawn by `weight`.

    `group_of` gives each worker's group (-1: none). Returns worker indices,
    or -1 where the group has nobody with a positive weight.
    """
    out = np.full(wanted.size, -1, np.int64)
    ok = np.flatnonzero((group_of >= 0) & (weight > 0))
    if wanted.size == 0 or ok.size == 0:
        return out
    order = ok[np.argsort(group_of[ok], kind="stable")]
    groups = group_of[order]
    n_groups = int(max(groups.max(), wanted.max())) + 1
    totals = np.bincount(groups, weights=weight[order], minlength=n_groups)
    last = np.cumsum(np.bincount(groups, minlength=n_groups)) - 1
    start = np.cumsum(totals) - totals
    cum = np.cumsum(weight[order])
    valid = (wanted >= 0) & (totals[np.maximum(wanted, 0)] > 0)
    g = wanted[valid]
    pos = np.searchsorted(cum, start[g] + rng.random(g.size) * totals[g], side="right")
    out[valid] = order[np.minimum(pos, last[g])]
    return out


def pick_leaver(
    rng: np.random.Generator, staff: pd.DataFrame, active: np.ndarray, usual: np.ndarray
) -> int:
    """An FCA whose team keeps at least two other case holders (-1 if there is none)."""
    team = staff["team"].to_numpy(object)
    holders = active & (usual > 0)
    fca = np.flatnonzero(holders & (staff["role"].to_numpy(object) == "fca"))
    team_holders = pd.Series(team[holders]).value_counts()
    fca = fca[pd.Series(team[fca]).map(team_holders).to_numpy() >= 3]
    return int(rng.choice(fca)) if fca.size else -1


def joiner_row(
    rng: np.random.Generator, staff: pd.DataFrame, active: np.ndarray, usual: np.ndarray
) -> tuple[dict[str, object], float]:
    """A new full-time FCA in a WAFH team (any team if there is none), and their usual load.

    The usual load is the team's average FCA load per FTE: the caseload the
    newcomer is built up to.
    """
    role = staff["role"].to_numpy(object)
    fca = active & (role == "fca")
    wafh = fca & (staff["team_type"].to_numpy(object) == "wafh")
    pool = np.flatnonzero(wafh if wafh.any() else (fca if fca.any() else active))
    colleague = staff.iloc[int(rng.choice(pool))]
    same = fca & (staff["team"].to_numpy(object) == colleague["team"])
    fte = staff["contracted_hours"].to_numpy(float) / FULL_TIME_HOURS
    target = float(usual[same].sum() / fte[same].sum()) if same.any() else 10.0
    width = len(str(staff["worker_id"].iloc[0])) - 1
    number = int(staff["worker_id"].str[1:].astype(int).max()) + 1
    row = {
        "worker_id": f"W{number:0{width}d}",
        "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}",
        "team": colleague["team"],
        "service_area": colleague["service_area"],
        "role": "fca",
        "team_type": colleague["team_type"],
        "contracted_hours": FULL_TIME_HOURS,
    }
    return row, round(target)
