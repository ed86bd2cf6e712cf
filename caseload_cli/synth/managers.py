"""What managers hold: the duty cases, and practice supervisors' own caseloads.

Published (Cafcass board paper, April 2022): 1,316 duty cases nationally, 7 of
the 19 service areas above 100; service managers held 15.6 duty cases on
average; practice supervisors averaged 15.9 sets of proceedings and 57.9% of
them held over 12. Duty cases are "held by managers on a duty system, not
allocated to an FCA": here each area's service manager holds about the
published 15.6 and its assistant service managers the rest of the area's duty.

Both steps run after every other value of a sample is drawn, from their own
random stream, and only choose who holds a case: calibrating them changed no
other column of the sample.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from caseload_cli.synth.loads import adjust_total, draw_loads
from caseload_cli.synth.organisation import apportion
from caseload_cli.synth.profiles import LoadShape, Profile

__all__ = ["duty_holders", "spread_supervisors"]

#: An area's duty cases per member of staff, relative to the national average: high
#: areas (the published 7 of 19 over 100) and the others. Assumed, not published.
HIGH_DUTY = (1.7, 2.1)
LOW_DUTY = (0.35, 0.75)
SERVICE_MANAGER_DUTY_SPREAD = 7  # each service manager holds the mean ± up to this many


def duty_holders(
    rng: np.random.Generator, prof: Profile, staff: pd.DataFrame, n: int
) -> np.ndarray:
    """Who holds each of `n` duty cases (a staff row; -1 when no area has a manager).

    Areas get duty cases in proportion to their staff, the profile's share of them
    at a high rate and the rest at a low one; in each area the service manager
    holds about `prof.duty_per_service_manager` of them and the assistant service
    managers the rest (the service manager all of them in an area without one).
    """
    area = pd.factorize(staff["service_area"])[0]
    role = staff["role"].to_numpy(object)
    service_manager = role == "service_manager"
    manager = service_manager | (role == "assistant_service_manager")
    n_areas = int(area.max()) + 1 if area.size else 0
    staffed = np.bincount(area[manager], minlength=n_areas) > 0
    if n == 0 or not staffed.any():
        return np.full(n, -1, np.int64)
    high = rng.permutation(n_areas) < round(prof.duty_high_area_share * n_areas)
    rate = np.where(high, rng.uniform(*HIGH_DUTY, n_areas), rng.uniform(*LOW_DUTY, n_areas))
    per_area = apportion(n, rate * np.bincount(area, minlength=n_areas) * staffed)

    managers = np.flatnonzero(service_manager)
    mean = prof.duty_per_service_manager
    spread = rng.integers(
        -SERVICE_MANAGER_DUTY_SPREAD, SERVICE_MANAGER_DUTY_SPREAD + 1, managers.size
    )
    wanted = adjust_total(rng, np.maximum(np.rint(mean + spread), 0).astype(np.int64),
                          round(mean * managers.size))  # fmt: skip
    holders = []
    for a in np.flatnonzero(per_area):  # at most 19 areas
        own = managers[area[managers] == a]
        # The area's service managers first, up to the area's duty; the rest by rota.
        take = np.minimum(wanted[area[managers] == a], per_area[a])
        take = np.minimum(take, np.maximum(per_area[a] - np.cumsum(take) + take, 0))
        held = np.repeat(own, take)
        rota = np.flatnonzero(manager & ~service_manager & (area == a))
        rota = rota if rota.size else own
        rest = per_area[a] - held.size
        holders += [held, rota[rng.integers(0, rota.size, rest)]]
    return rng.permutation(np.concatenate(holders)).astype(np.int64)


def spread_supervisors(
    rng: np.random.Generator,
    shape: LoadShape,
    worker: np.ndarray,
    role: np.ndarray,
    team_type: np.ndarray,
) -> np.ndarray:
    """`worker` (each case's staff row, -1: nobody) with cases moved between practice
    supervisors of the same team type, so that their caseloads follow `shape`.

    Each team type's total is kept (so are the case types its cases have), and each
    supervisor keeps their rank: the one who held most still holds most, and as few
    cases as possible move.
    """
    worker = worker.copy()
    load = np.bincount(worker[worker >= 0], minlength=role.size)
    supervisors = np.flatnonzero(role == "practice_supervisor")
    goal = load.copy()
    for kind in np.unique(team_type[supervisors]):  # at most three team types
        group = supervisors[team_type[supervisors] == kind]
        target = draw_loads(rng, np.ones(group.size), shape)
        target = adjust_total(rng, target, int(load[group].sum()))
        by_load = group[np.argsort(load[group], kind="stable")]
        goal[by_load] = np.sort(target)
    surplus = np.maximum(load - goal, 0)
    # Donors give away their surplus, chosen at random among their cases ...
    given = np.flatnonzero(surplus[np.maximum(worker, 0)] * (worker >= 0) > 0)
    given = given[np.lexsort((rng.random(given.size), worker[given]))]
    holder = worker[given]
    rank = np.arange(given.size) - np.searchsorted(holder, holder)
    given = given[rank < surplus[holder]]
    # ... to the supervisors below their goal, of the same team type.
    receivers = np.repeat(np.arange(role.size), np.maximum(goal - load, 0))
    for kind in np.unique(team_type[supervisors]):
        out = given[team_type[worker[given]] == kind]
        worker[out] = rng.permutation(receivers[team_type[receivers] == kind])
    return worker
