"""A weekly series of snapshots: the same organisation, seven days at a time.

A team manager's report is about change ("this week vs last week"), which a
single snapshot cannot show. `WeeklySeries` starts from `generate()`'s
snapshot (week 0, unchanged) and moves it on a week at a time: cases close at
the rates the published average durations imply, WTFH cases reach their
first hearing and close or move on to WAFH, hub and duty cases get
allocated, new cases arrive at the rate that keeps each pool steady, 1.5% of
held cases move to a colleague, and one FCA joins and one leaves. Each week
is a handful of vectorised numpy steps over all cases; the same seed gives
the same series.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from caseload_cli.synth import allocate
from caseload_cli.synth.cases_state import CaseState
from caseload_cli.synth.generate import CASE_TYPES, PUBLIC_CASE_TYPES, STAGES
from caseload_cli.synth.limits import DEFAULT_PROFILE
from caseload_cli.synth.profiles import get_profile

__all__ = ["CLOSE_WEEKS", "PUBLISHED_DURATIONS", "Week", "WeeklySeries"]

#: Published average durations in weeks (domain brief): what the series is calibrated to.
PUBLISHED_DURATIONS = {"s31": 45.0, "private_wafh": 54.0, "r16_4": 96.0}
#: Mean weeks a case stays after its first hearing (a constant weekly closing
#: chance of 1/weeks). With the ~8 weeks to first hearing and the
#: post-assessment hub, closed cases average the published durations.
CLOSE_WEEKS = {
    "s31": 45.0,
    "adoption": 35.0,
    "epo": 3.0,
    "dols": 35.0,
    "s7": 62.0,
    "addendum": 72.0,
    "r16_4": 80.0,
}
WTFH_WEEKS = 7.5  # issue to first hearing for new private cases: 35-70 days
HUB_WEEKS = 6.1  # allocation hub (published average)
POST_HUB_WEEKS = 12.0  # post-assessment hub (next hearing 6+ weeks away) until closing
DUTY_WEEKS = 3.0
UNALLOCATED_WEEKS = 2.0
MOVE_RATE = 0.015  # share of held cases moved to a colleague each week
JOINER_RAMP = 5  # cases a week a joiner's caseload grows by

_TYPE = {name: code for code, name in enumerate(CASE_TYPES)}
_STAGE = {name: code for code, name in enumerate(STAGES)}
_TEAM_TYPES = ("wafh", "public_law", "eit")
_DUTY_MIX = {"wtfh": 0.6, "s7": 0.2, "s31": 0.1, "epo": 0.1}  # as generate's duty cases
_CLOSE_BY_TYPE = np.array([1 / CLOSE_WEEKS.get(t, np.inf) for t in CASE_TYPES])


@dataclass(frozen=True)
class Week:
    """One snapshot of the series, with what changed since the week before."""

    index: int
    snapshot: np.datetime64
    make_frames: Callable[[], dict[str, pd.DataFrame]]  # on demand: tests skip most
    counts: dict[str, int]  # cases, staff, reductions, opened, closed, moved, joiners, leavers
    joined: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    closed_type: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    closed_weeks: np.ndarray = field(default_factory=lambda: np.zeros(0))  # opened -> closed

    @cached_property
    def frames(self) -> dict[str, pd.DataFrame]:
        """cases, staff and reductions as `generate()` returns them."""
        return self.make_frames()

    @property
    def date(self) -> str:
        """The snapshot as YYYY-MM-DD (the week's folder name)."""
        return str(self.snapshot)


class WeeklySeries:
    """`weeks` snapshots from `frames` (week 0), deterministic for `seed`."""

    def __init__(
        self, frames: dict[str, pd.DataFrame], seed: int, weeks: int, profile: str = DEFAULT_PROFILE
    ) -> None:
        self.first = frames
        self.seed, self.profile = seed, get_profile(profile).name
        self.children_per_case = get_profile(profile).children_per_case
        self.weeks = weeks
        self.rng = np.random.default_rng((seed, 0x7EEC5))
        self.staff = frames["staff"].reset_index(drop=True)
        self.state = CaseState.from_frame(
            frames["cases"], self.staff["worker_id"], np.random.default_rng((seed, 0xDA7E5))
        )
        n = len(self.staff)
        self.active = np.ones(n, bool)
        self.usual = self.state.loads(n).astype(float)
        # Duty managers take new duty cases in proportion to what they held at week 0,
        # drawn from their own stream.
        self.duty_usual = self.state.duty_loads(n).astype(float)
        self.duty_rng = np.random.default_rng((seed, 0xD07))
        self.ramp: dict[int, tuple[int, float]] = {}  # joiner -> (start week, full load)
        self.joiner_week = max(1, weeks // 3) if weeks >= 2 else -1
        self.leaver_week = max(1, 2 * weeks // 3) if weeks >= 2 else -1
        self.rates = self._rates()
        self.state.check_ids(self.rates["new"] * max(weeks - 1, 0))

    def _rates(self) -> dict[str, float]:
        """Weekly inflows and shares that keep every pool at its week-0 size.

        Sets `mixes`: the case types of new public cases and of private cases
        moving on to WAFH, in proportion to each type's weekly closures (a
        flow), not its share of open cases (a stock): EPOs are 5% of open
        public cases but, closing within weeks, a third of new ones.
        """
        s = self.state
        held = s.worker >= 0
        stage_is = {name: s.stage == code for name, code in _STAGE.items()}
        close = _close_chance(s)
        wtfh = int((stage_is["wtfh"] & held).sum())
        duty = int(stage_is["duty"].sum())
        unallocated = int((stage_is["wafh"] & ~held).sum())
        public = np.isin(s.type, [_TYPE[t] for t in PUBLIC_CASE_TYPES])
        duty_rate = duty / DUTY_WEEKS
        hearings = wtfh / WTFH_WEEKS
        private_exits = float(close[~public & (s.type != _TYPE["wtfh"])].sum())
        move_on = private_exits - _DUTY_MIX["s7"] * duty_rate
        move_on_share = float(np.clip(move_on / max(hearings, 1e-9), 0.05, 0.6))
        hub = int(stage_is["allocation_hub"].sum())
        flow = max(move_on_share * hearings, 1e-9)
        hub_share = float(np.clip(hub / HUB_WEEKS / flow, 0, 0.9))
        hub_weeks = max(HUB_WEEKS, hub / max(hub_share * flow, 1e-9))  # longer if too few arrive
        exits = np.bincount(s.type, weights=close, minlength=len(CASE_TYPES))
        private_types, public_types = ("s7", "addendum", "r16_4"), PUBLIC_CASE_TYPES
        self.mixes = {
            "private": {"wtfh": 1.0},
            "public": _flow_mix(exits, public_types, {"s31": 1.0}),
            "unallocated": {"s31": 0.9, "epo": 0.1},
            "duty": _DUTY_MIX,
            "move_on": _flow_mix(exits, private_types, {"s7": 1.0}),
        }
        wafh_private = stage_is["wafh"] & held & np.isin(s.type, [_TYPE["s7"], _TYPE["addendum"]])
        post = int(stage_is["post_assessment_hub"].sum())
        public_new = float(close[public].sum()) - 0.2 * duty_rate - unallocated / UNALLOCATED_WEEKS
        rates = {
            "private_new": max(0.0, hearings - _DUTY_MIX["wtfh"] * duty_rate),
            "public_new": max(0.0, public_new),
            "unallocated_new": unallocated / UNALLOCATED_WEEKS,
            "duty_new": duty_rate,
            "move_on_share": move_on_share,
            "hub_share": hub_share,
            "hub_weeks": hub_weeks,
            "to_post_hub": post / POST_HUB_WEEKS / max(int(wafh_private.sum()), 1),
        }
        rates["new"] = sum(v for k, v in rates.items() if k.endswith("_new"))
        return rates

    def __iter__(self) -> Iterator[Week]:
        counts = {name: len(frame) for name, frame in self.first.items()}
        zero = dict.fromkeys(("opened", "closed", "moved", "joiners", "leavers"), 0)
        yield Week(0, self.state.snapshot, lambda: self.first, counts | zero)
        for index in range(1, self.weeks):
            yield self._step(index)

    def _step(self, index: int) -> Week:
        rng, s, rates = self.rng, self.state, self.rates
        s.snapshot = snapshot = s.start + np.timedelta64(7 * index, "D")
        before = s.snapshot_ids()
        joined, left = self._staff_changes(index)

        # 1. First hearings: WTFH cases close there or move on to WAFH.
        heard = s.hear(rng)
        closes_at_hearing = heard & (rng.random(s.size) >= rates["move_on_share"])
        moving_on = heard & ~closes_at_hearing
        # 2. Other closures, at a constant weekly chance per case type.
        closing = closes_at_hearing | (~heard & (rng.random(s.size) < _close_chance(s)))
        closed_type, closed_weeks = s.type[closing], s.age_weeks()[closing]
        s.keep(~closing)
        moving_on = moving_on[~closing]

        # 3. Moves within the team, the leaver's cases, post-assessment hub.
        s.to_post_hub(rng, rates["to_post_hub"], exclude=moving_on)
        team_code = pd.factorize(self.staff["team"])[0]
        load = s.loads(len(self.staff))
        weight = allocate.deficit_weights(self._usual(index), load, self.active)
        held = s.worker >= 0
        mover = held & (~self.active[np.maximum(s.worker, 0)] | (rng.random(s.size) < MOVE_RATE))
        mover &= ~moving_on & (s.stage != _STAGE["duty"])  # duty stays on the rota
        to = allocate.choose(rng, team_code[s.worker[mover]], weight, team_code)
        moved = np.flatnonzero(mover)[to >= 0]
        s.worker[moved] = to[to >= 0]
        s.worker[held & ~self.active[np.maximum(s.worker, 0)]] = -1  # nobody left to take it
        # 4. Allocations by team type: moved on, hubs, duty, unallocated; then new cases.
        mixes = {k: v for k, v in self.mixes.items() if k != "move_on"}
        opened = s.open_new(rng, rates, mixes, self.children_per_case)
        self._give_duty(opened)
        moving_on = np.concatenate([moving_on, np.zeros(opened, bool)])
        s.move_on(rng, moving_on, rates["hub_share"], self.mixes["move_on"])
        need = s.allocation_needs(rng, opened, rates["hub_weeks"], DUTY_WEEKS, UNALLOCATED_WEEKS)
        weight = allocate.deficit_weights(self._usual(index), s.loads(len(self.staff)), self.active)
        type_code = pd.Index(_TEAM_TYPES).get_indexer(self.staff["team_type"])
        sel = np.flatnonzero(need >= 0)
        to = allocate.choose(rng, need[sel], weight, type_code)
        lost = to < 0
        to[lost] = allocate.choose(rng, np.zeros(int(lost.sum()), np.int64), weight, type_code * 0)
        s.allocate(sel, to)

        tables = {
            "staff": self.staff[self.active].reset_index(drop=True),
            "reductions": self._reductions(),
        }
        frozen, worker_ids = s.copy(), self.staff["worker_id"]
        after = s.snapshot_ids()
        counts = (
            {"cases": s.size}
            | {name: len(frame) for name, frame in tables.items()}
            | {
                "opened": opened,
                "closed": int(closing.sum()),
                "moved": _moved(before, after),
                "joiners": len(joined),
                "leavers": len(left),
            }
        )
        return Week(
            index,
            snapshot,
            lambda: {"cases": frozen.frame(worker_ids)} | tables,
            counts,
            joined,
            left,
            closed_type,
            closed_weeks,
        )

    def _give_duty(self, opened: int) -> None:
        """This week's new duty cases join the duty managers' caseloads."""
        s = self.state
        new = np.arange(s.size - opened, s.size)
        duty = new[s.stage[new] == _STAGE["duty"]]
        n_staff = len(self.staff)
        weight = allocate.deficit_weights(self.duty_usual, s.duty_loads(n_staff), self.active)
        no_group = np.zeros(n_staff, np.int64)
        s.worker[duty] = allocate.choose(
            self.duty_rng, np.zeros(duty.size, np.int64), weight, no_group
        )

    def _usual(self, index: int) -> np.ndarray:
        usual = self.usual.copy()
        for worker, (start, full) in self.ramp.items():
            usual[worker] = min(full, JOINER_RAMP * (index - start + 1))
        return usual

    def _staff_changes(self, index: int) -> tuple[list[str], list[str]]:
        joined: list[str] = []
        left: list[str] = []
        if index == self.joiner_week:
            row, full = allocate.joiner_row(self.rng, self.staff, self.active, self.usual)
            self.staff = pd.concat([self.staff, pd.DataFrame([row])], ignore_index=True)
            self.staff = self.staff.astype(self.first["staff"].dtypes.to_dict())
            self.active = np.append(self.active, True)
            self.usual = np.append(self.usual, 0.0)
            self.duty_usual = np.append(self.duty_usual, 0.0)
            self.ramp[len(self.staff) - 1] = (index, full)
            joined.append(str(row["worker_id"]))
        if index == self.leaver_week:
            leaver = allocate.pick_leaver(self.rng, self.staff, self.active, self._usual(index))
            if leaver >= 0:
                self.active[leaver] = False
                left.append(str(self.staff["worker_id"].iloc[leaver]))
        return joined, left

    def _reductions(self) -> pd.DataFrame:
        reductions = self.first["reductions"]
        gone = ~self.active[: len(self.first["staff"])]
        left = self.first["staff"]["worker_id"][gone]
        return reductions[~reductions["worker_id"].isin(left)].reset_index(drop=True)


def _flow_mix(exits: np.ndarray, types: tuple[str, ...], empty: dict) -> dict[str, float]:
    flows = {t: float(exits[_TYPE[t]]) for t in types}
    total = sum(flows.values())
    return {t: f / total for t, f in flows.items()} if total > 0 else empty


def _close_chance(s: CaseState) -> np.ndarray:
    """Weekly chance of closing: by case type after the first hearing, flat in the post hub."""
    chance = np.where(s.stage == _STAGE["wafh"], _CLOSE_BY_TYPE[s.type], 0.0)
    return np.where(s.stage == _STAGE["post_assessment_hub"], 1 / POST_HUB_WEEKS, chance)


def _moved(before: tuple[np.ndarray, np.ndarray], after: tuple[np.ndarray, np.ndarray]) -> int:
    """Cases in both snapshots whose worker changed (blank counts as a worker).

    Both id arrays are sorted (new cases get higher ids), so one search matches them.
    """
    ids0, worker0 = before
    ids1, worker1 = after
    pos = np.minimum(np.searchsorted(ids1, ids0), max(ids1.size - 1, 0))
    if ids1.size == 0:
        return 0
    both = ids1[pos] == ids0
    return int((worker0[both] != worker1[pos[both]]).sum())
