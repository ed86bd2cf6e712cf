"""Generate synthetic, calibrated caseload exports: cases, staff and reductions.

`generate()` builds a fictional organisation shaped like Cafcass (see
`organisation`) and gives it a caseload whose headline figures reproduce the
published snapshot chosen by a *profile* (see `profiles` and
docs/sample-data.md). This module holds the case model: how many cases each
worker holds, and each case's type, stage, dates and flags. Everything is
vectorised with numpy and pyarrow: 50,000 workers (about 1.1 million cases)
take a few seconds. The same seed always gives the same frames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from caseload_cli.core.vocabulary import CAFCASS_CEILINGS, CASE_HOLDING_ROLES
from caseload_cli.synth import managers
from caseload_cli.synth.limits import DEFAULT_PROFILE, MAX_WORKERS
from caseload_cli.synth.loads import adjust_total, draw_loads
from caseload_cli.synth.organisation import FULL_TIME_HOURS, make_staff
from caseload_cli.synth.profiles import Profile, get_profile
from caseload_cli.synth.reductions import make_reductions

__all__ = [
    "CAPACITY_TARGETS",
    "CASE_TYPES",
    "PRIVATE_CASE_TYPES",
    "PUBLIC_CASE_TYPES",
    "STAGES",
    "generate",
]

PUBLIC_CASE_TYPES = ("s31", "adoption", "epo", "dols")
PRIVATE_CASE_TYPES = ("s7", "r16_4", "wtfh", "addendum")
CASE_TYPES = PUBLIC_CASE_TYPES + PRIVATE_CASE_TYPES
STAGES = ("wtfh", "wafh", "post_assessment_hub", "allocation_hub", "duty")
# Cafcass ceilings (published): 25 sets of proceedings after first hearing, 40 before.
CAPACITY_TARGETS = CAFCASS_CEILINGS
MAX_CASE_ID = 9_999_999  # case ids are 7 digits

# Where a case sits; each kind fixes the stage and the case-type mix.
K_WTFH, K_PRIVATE, K_PUBLIC, K_ALLOCATION, K_POST_ASSESSMENT, K_DUTY, K_UNALLOCATED = range(7)
_KIND_BY_TEAM_TYPE = {"eit": K_WTFH, "wafh": K_PRIVATE, "public_law": K_PUBLIC}
_KIND_STAGE = {
    K_WTFH: "wtfh",
    K_PRIVATE: "wafh",
    K_PUBLIC: "wafh",
    K_ALLOCATION: "allocation_hub",
    K_POST_ASSESSMENT: "post_assessment_hub",
    K_DUTY: "duty",
    K_UNALLOCATED: "wafh",
}
_KIND_TYPES: dict[int, dict[str, float]] = {
    K_WTFH: {"wtfh": 1.0},
    K_PRIVATE: {"s7": 0.78, "addendum": 0.12, "r16_4": 0.10},
    K_PUBLIC: {"s31": 0.85, "adoption": 0.06, "epo": 0.05, "dols": 0.04},
    K_ALLOCATION: {"s7": 0.92, "addendum": 0.08},
    K_POST_ASSESSMENT: {"s7": 0.85, "addendum": 0.15},
    K_DUTY: {"wtfh": 0.6, "s7": 0.2, "s31": 0.1, "epo": 0.1},
    K_UNALLOCATED: {"s31": 0.9, "epo": 0.1},
}
# Age of open cases at the snapshot, in weeks: ("gamma", shape, mean),
# ("uniform", low, high) or ("bands", edges, probabilities). Means follow the
# published durations: public law 44-45 weeks, private WAFH 54-61, R16.4 96
# (39% over 100 weeks), allocation hub 6.1.
_AGE_BY_KIND: dict[int, tuple] = {
    K_WTFH: ("uniform", 0.15, 8.0),
    K_ALLOCATION: ("gamma", 2.0, 6.1),
    K_POST_ASSESSMENT: ("gamma", 3.0, 50.0),
    K_DUTY: ("gamma", 2.0, 3.0),
    K_UNALLOCATED: ("gamma", 2.0, 2.0),
}
_AGE_BY_TYPE: dict[str, tuple] = {
    "s7": ("gamma", 3.0, 55.0),
    "addendum": ("gamma", 3.0, 66.0),
    "r16_4": ("bands", (40.0, 100.0, 174.0), (0.61, 0.39)),
    "s31": ("gamma", 3.0, 48.5),
    "adoption": ("gamma", 3.0, 35.0),
    "epo": ("gamma", 2.0, 3.0),
    "dols": ("gamma", 3.0, 35.0),
}


def generate(workers: int, seed: int, profile: str = DEFAULT_PROFILE) -> dict[str, pd.DataFrame]:
    """Generate cases, staff and reductions for `workers` staff, deterministic for `seed`."""
    if isinstance(workers, bool) or int(workers) != workers or not 1 <= workers <= MAX_WORKERS:
        raise ValueError(f"workers must be a whole number from 1 to {MAX_WORKERS:,}")
    workers = int(workers)
    prof = get_profile(profile)
    rng = np.random.default_rng(seed)

    staff, team_type = make_staff(rng, workers)
    fte = staff["contracted_hours"].to_numpy(float) / FULL_TIME_HOURS
    role = staff["role"].to_numpy(object)
    counts = _caseloads(rng, prof, role, team_type, fte)
    cases = _make_cases(rng, prof, counts, staff, team_type)
    reductions = make_reductions(rng, prof, staff)
    return {"cases": cases, "staff": staff, "reductions": reductions}


def _caseloads(
    rng: np.random.Generator,
    prof: Profile,
    role: np.ndarray,
    team_type: np.ndarray,
    fte: np.ndarray,
) -> np.ndarray:
    """Cases held by each worker: FCAs by their team's load shape, managers a few."""
    counts = np.zeros(role.size, np.int64)
    fca = np.isin(role, CASE_HOLDING_ROLES)
    wafh, eit, public = (fca & (team_type == t) for t in ("wafh", "eit", "public_law"))
    counts[wafh] = draw_loads(rng, fte[wafh], prof.wafh)
    counts[eit] = draw_loads(rng, fte[eit], prof.eit)
    # Public-law load: whatever brings FCA cases / FCA capacity to the saturation target.
    targets = pd.Series(team_type).map(CAPACITY_TARGETS).to_numpy(float)
    capacity = float((targets * fte)[fca].sum())
    needed = max(0, round(prof.saturation * capacity) - int(counts[wafh | eit].sum()))
    if public.any():
        per_fte = needed / fte[public].sum()
        load = np.clip(rng.normal(per_fte, 0.25 * per_fte, public.sum()), 1, 2 * per_fte + 1)
        counts[public] = adjust_total(rng, np.rint(load * fte[public]).astype(np.int64), needed)
    ps = role == "practice_supervisor"
    # A first spread, which `managers.spread_supervisors` reshapes (from its own stream).
    mean = prof.practice_supervisors.mean
    ps_counts = np.clip(np.rint(rng.normal(mean, 4.0, ps.sum())), 0, 35)
    total_ps = round(mean * ps.sum())
    counts[ps] = adjust_total(rng, ps_counts.astype(np.int64), total_ps)
    asm = role == "assistant_service_manager"
    counts[asm] = rng.integers(0, 4, asm.sum())
    return counts


def _draw_ages(rng: np.random.Generator, rule: tuple, n: int) -> np.ndarray:
    """Ages in weeks."""
    kind = rule[0]
    if kind == "gamma":
        _, shape, mean = rule
        return rng.gamma(shape, mean / shape, n)
    if kind == "uniform":
        return rng.uniform(rule[1], rule[2], n)
    edges, probs = np.asarray(rule[1]), np.asarray(rule[2])
    band = rng.choice(probs.size, size=n, p=probs)
    return rng.uniform(edges[band], edges[band + 1])


#: Duty cases drawn with the other cases, per case held. The rest of the profile's
#: `duty_rate` is added from the managers' own random stream (`managers`), so calibrating
#: duty changed no other case of the sample.
FIRST_DUTY_RATE = 0.02


def _make_cases(
    rng: np.random.Generator,
    prof: Profile,
    counts: np.ndarray,
    staff: pd.DataFrame,
    team_type: np.ndarray,
) -> pd.DataFrame:
    """The cases table: the held cases in `counts`, plus hubs, duty and unallocated."""
    holder = np.repeat(np.arange(counts.size), counts)
    kind_of_team = pd.Series(team_type).map(_KIND_BY_TEAM_TYPE).to_numpy(np.int8)
    held_kind = kind_of_team[holder] if holder.size else np.zeros(0, np.int8)
    n_private = int((held_kind == K_PRIVATE).sum())
    n_public = int((held_kind == K_PUBLIC).sum())
    extra = {
        K_ALLOCATION: round(prof.allocation_hub_rate * n_private),
        K_POST_ASSESSMENT: round(prof.post_assessment_hub_rate * (n_private + n_public)),
        K_DUTY: round(FIRST_DUTY_RATE * holder.size),
        K_UNALLOCATED: round(0.003 * n_public) + (1 if n_public >= 100 else 0),
    }
    kind = np.concatenate([held_kind] + [np.full(k, kd, np.int8) for kd, k in extra.items()])
    worker = np.concatenate([holder, np.full(kind.size - holder.size, -1, np.int64)])
    more_duty = max(0, round(prof.duty_rate * holder.size) - extra[K_DUTY])
    if kind.size + more_duty > MAX_CASE_ID:
        raise ValueError("too many cases for 7-digit case ids; use fewer workers")
    order = rng.permutation(kind.size)
    kind, worker = kind[order], worker[order]
    snapshot = np.datetime64(prof.snapshot, "D")
    cases = _case_columns(rng, prof, kind, snapshot)
    # 7-digit ids in increasing order with random gaps; leading zeros kept.
    start = int(rng.integers(0, 1000))
    gap = max(1, min(25, (MAX_CASE_ID - start) // max(kind.size + more_duty, 1)))
    cases["id"] = start + np.cumsum(rng.integers(1, gap + 1, kind.size))
    cases |= _history_dates(
        rng.spawn(1)[0], kind, cases["type"], worker, cases["opened"], cases["first_hearing"],
        snapshot,
    )  # fmt: skip
    # Managers' work, from its own stream (so every value above stays as it was): the rest
    # of the duty cases, with ids after the last, every duty case held by a manager, and
    # practice supervisors' caseloads spread as published.
    own = rng.spawn(1)[0]
    duty = _case_columns(own, prof, np.full(more_duty, K_DUTY, np.int8), snapshot)
    last = int(cases["id"][-1]) if kind.size else start
    duty["id"] = last + np.cumsum(own.integers(1, gap + 1, more_duty))
    for column in ("allocated", "report_filed", "hub_entered"):  # waiting for allocation
        duty[column] = np.full(more_duty, np.datetime64("NaT", "D"))
    cases = {name: np.concatenate([cases[name], duty[name]]) for name in cases}
    kind = np.concatenate([kind, np.full(more_duty, K_DUTY, np.int8)])
    worker = np.concatenate([worker, np.full(more_duty, -1, np.int64)])
    on_duty = kind == K_DUTY
    worker[on_duty] = managers.duty_holders(own, prof, staff, int(on_duty.sum()))
    role = staff["role"].to_numpy(object)
    worker = managers.spread_supervisors(own, prof.practice_supervisors, worker, role, team_type)
    return _frame(cases, kind, worker, staff["worker_id"], snapshot)


def _case_columns(
    rng: np.random.Generator, prof: Profile, kind: np.ndarray, snapshot: np.datetime64
) -> dict[str, np.ndarray]:
    """Each case's type, children, flags and dates, drawn for its kind."""
    n = kind.size
    # Case type by kind (a handful of vectorised draws, not a loop over cases).
    type_code = np.zeros(n, np.int8)
    for kd, mix in _KIND_TYPES.items():
        sel = np.flatnonzero(kind == kd)
        codes = np.array([CASE_TYPES.index(t) for t in mix], np.int8)
        type_code[sel] = rng.choice(codes, size=sel.size, p=list(mix.values()))
    public_law = type_code < len(PUBLIC_CASE_TYPES)

    # Ages, then dates.
    age_weeks = np.zeros(n)
    for kd in range(7):
        sel_kind = kind == kd
        if kd in _AGE_BY_KIND:
            sel = np.flatnonzero(sel_kind)
            age_weeks[sel] = _draw_ages(rng, _AGE_BY_KIND[kd], sel.size)
            continue
        for code, case_type in enumerate(CASE_TYPES):
            if case_type in _AGE_BY_TYPE:
                sel = np.flatnonzero(sel_kind & (type_code == code))
                age_weeks[sel] = _draw_ages(rng, _AGE_BY_TYPE[case_type], sel.size)
    age = np.floor(age_weeks * 7).astype(np.int64)
    if kind.size:
        age[kind == K_ALLOCATION] = np.minimum(age[kind == K_ALLOCATION], 30 * 7)
    opened = snapshot - age

    # First hearing: about 5-10 weeks after issue in private law, 1-3 in public law
    # (EPOs within days). WAFH work starts after it, WTFH work ends at it.
    lag = np.where(public_law, rng.integers(7, 22, n), rng.integers(35, 71, n))
    lag = np.where(type_code == CASE_TYPES.index("epo"), rng.integers(0, 4, n), lag)
    after_first = np.isin(kind, (K_PRIVATE, K_PUBLIC, K_POST_ASSESSMENT))
    lag = np.where(after_first, np.minimum(lag, age), lag)
    lag = np.where(kind == K_WTFH, np.maximum(lag, age + rng.integers(1, 15, n)), lag)
    heard = lag <= age
    hearing = opened + lag
    nat = np.datetime64("NaT", "D")
    first_hearing = np.where(heard, hearing, nat)
    later = snapshot + rng.integers(7, 141, n)
    later = np.where(kind == K_POST_ASSESSMENT, snapshot + rng.integers(42, 181, n), later)
    unlisted = rng.random(n) < np.where(kind == K_POST_ASSESSMENT, 0.35, 0.08)
    return {
        "type": type_code,
        "opened": opened,
        "first_hearing": first_hearing,
        "next_hearing": np.where(heard, np.where(unlisted, nat, later), hearing),
        "children": 1 + np.minimum(rng.poisson(prof.children_per_case - 1, n), 8),
        "domestic_abuse": rng.random(n) < np.where(public_law, 0.35, 0.55),
        "interpreter": rng.random(n) < 0.07,
    }


def _frame(
    cases: dict[str, np.ndarray],
    kind: np.ndarray,
    worker: np.ndarray,
    worker_ids: pd.Series,
    snapshot: np.datetime64,
) -> pd.DataFrame:
    case_id = pc.utf8_lpad(pa.array(cases["id"]).cast(pa.string()), 7, "0")
    wid = pa.array(worker_ids.astype(object).to_numpy(), pa.string())
    held_by = wid.take(pa.array(np.where(worker < 0, 0, worker), mask=worker < 0))
    stage_of_kind = np.array([_KIND_STAGE[k] for k in range(7)], dtype=object)
    case_types = np.array(CASE_TYPES, dtype=object)
    public_law = cases["type"] < len(PUBLIC_CASE_TYPES)
    return pd.DataFrame(
        {
            "case_id": pd.Series(case_id, dtype="str"),
            "worker_id": pd.Series(held_by, dtype="str"),
            "law": pd.Series(np.where(public_law, "public", "private"), dtype="str"),
            "case_type": pd.Series(case_types[cases["type"]], dtype="str"),
            "stage": pd.Series(stage_of_kind[kind], dtype="str"),
            "children": cases["children"].astype(np.int64),
            "opened": cases["opened"],
            "first_hearing": cases["first_hearing"],
            "next_hearing": cases["next_hearing"],
            "snapshot": np.full(kind.size, snapshot),
            "domestic_abuse": cases["domestic_abuse"],
            "interpreter": cases["interpreter"],
            "allocated": cases["allocated"],
            "report_filed": cases["report_filed"],
            "hub_entered": cases["hub_entered"],
        }
    )


#: Days from opening to allocation: a gamma, so that the mean lands on the published 20.8.
DAYS_TO_ALLOCATION = (2.0, 11.6)  # mean 23.2 before the young cases are clipped: 20.8 after
FILED_SHARE = 0.2  # held s7 / addendum / R16.4 cases whose report is already filed


def _history_dates(
    rng: np.random.Generator,
    kind: np.ndarray,
    type_code: np.ndarray,
    worker: np.ndarray,
    opened: np.ndarray,
    first_hearing: np.ndarray,
    snapshot: np.datetime64,
) -> dict[str, np.ndarray]:
    """allocated, report_filed and hub_entered, from their own random stream (`rng`, so
    every other column stays as it was), each between `opened` and the snapshot."""
    n = kind.size
    nat = np.full(n, np.datetime64("NaT", "D"))
    age = (snapshot - opened).astype(np.int64)
    held = worker >= 0
    lag = np.rint(rng.gamma(*DAYS_TO_ALLOCATION, n)).astype(np.int64)
    allocated = np.where(held, opened + np.minimum(lag, age), nat)
    # Allocation hub cases' ages are calibrated to the published 6.1 weeks' wait: they
    # entered the hub within days of opening.
    hub_entered = np.where(
        kind == K_ALLOCATION, opened + np.minimum(rng.integers(0, 4, n), age), nat
    )
    heard = np.where(np.isnat(first_hearing), opened, first_hearing)
    since_heard = (snapshot - heard).astype(np.int64)
    filed_ago = np.minimum(rng.integers(0, 85, n), since_heard)
    reports = np.isin(type_code, [CASE_TYPES.index(t) for t in ("s7", "addendum", "r16_4")])
    filed = (kind == K_POST_ASSESSMENT) | (held & reports & (rng.random(n) < FILED_SHARE))
    report_filed = np.where(filed, snapshot - filed_ago, nat)
    hub_entered = np.where(kind == K_POST_ASSESSMENT, report_filed, hub_entered)
    return {"allocated": allocated, "report_filed": report_filed, "hub_entered": hub_entered}
