"""The open cases of a weekly series as parallel numpy arrays, and their changes.

A week changes thousands of cases; as columns of codes and dates (not a
DataFrame, not a loop) each change is one masked assignment. `WeeklySeries`
(in `weeks`) decides what happens; this module knows how a case's columns
move together (a first hearing fills `first_hearing` and lists the next one,
an allocation sets the worker and the stage) and turns the arrays back into
the same frame `generate()` makes.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from caseload_cli.synth.generate import CASE_TYPES, MAX_CASE_ID, PUBLIC_CASE_TYPES, STAGES

__all__ = ["CaseState"]

_TYPE = {name: code for code, name in enumerate(CASE_TYPES)}
_STAGE = {name: code for code, name in enumerate(STAGES)}
_NAT = np.datetime64("NaT", "D")
_ARRAYS = ("ids", "worker", "type", "stage", "children", "opened", "first", "next")
_ARRAYS += ("abuse", "interpreter", "pending", "allocated", "filed", "hub")
_TEAM_OF_TYPE = {"wafh": 0, "public_law": 1, "eit": 2}  # codes used by `pending`
_HUBS = [_STAGE["allocation_hub"], _STAGE["post_assessment_hub"]]


def _dates(series: pd.Series) -> np.ndarray:
    return series.to_numpy("datetime64[s]").astype("datetime64[D]")


class CaseState:
    """Open cases at `snapshot`; worker is an index into the staff table (-1: blank)."""

    def __init__(
        self, snapshot: np.datetime64, dates: np.random.Generator | None = None, **arrays
    ) -> None:
        self.start = self.snapshot = snapshot
        # The days within a week that allocations, reports and hub entries fall on come
        # from their own stream, so the series' other columns stay as they were.
        self.dates = dates if dates is not None else np.random.default_rng(0xDA7E5)
        for name in _ARRAYS:
            setattr(self, name, arrays[name])

    @classmethod
    def from_frame(
        cls, cases: pd.DataFrame, worker_ids: pd.Series, dates: np.random.Generator | None = None
    ) -> CaseState:
        """The state of `generate()`'s cases frame."""
        worker = pd.Index(worker_ids).get_indexer(cases["worker_id"].fillna(""))

        def optional(column: str) -> np.ndarray:
            if column in cases.columns:
                return _dates(cases[column])
            return np.full(len(cases), _NAT)

        return cls(
            _dates(cases["snapshot"])[0] if len(cases) else np.datetime64("2022-04-29"),
            dates,
            allocated=optional("allocated"),
            filed=optional("report_filed"),
            hub=optional("hub_entered"),
            ids=cases["case_id"].astype("int64").to_numpy(),
            worker=worker.astype(np.int64),
            type=pd.Index(CASE_TYPES).get_indexer(cases["case_type"]).astype(np.int8),
            stage=pd.Index(STAGES).get_indexer(cases["stage"]).astype(np.int8),
            children=cases["children"].to_numpy(np.int64),
            opened=_dates(cases["opened"]),
            first=_dates(cases["first_hearing"]),
            next=_dates(cases["next_hearing"]),
            abuse=cases["domestic_abuse"].to_numpy(bool),
            interpreter=cases["interpreter"].to_numpy(bool),
            pending=np.full(len(cases), -1, np.int8),
        )

    def copy(self) -> CaseState:
        twin = CaseState(
            self.start, self.dates, **{name: getattr(self, name).copy() for name in _ARRAYS}
        )
        twin.snapshot = self.snapshot
        return twin

    @property
    def size(self) -> int:
        return int(self.ids.size)

    def check_ids(self, expected_new: float) -> None:
        """ValueError if the new cases of the series may run out of 7-digit case ids."""
        last = int(self.ids.max()) if self.size else 0
        if last + 1.25 * expected_new + 1000 > MAX_CASE_ID:
            raise ValueError("too many new cases for 7-digit case ids; use fewer workers or weeks")

    def age_weeks(self) -> np.ndarray:
        return (self.snapshot - self.opened).astype(np.int64) / 7.0

    def loads(self, n_staff: int) -> np.ndarray:
        """Cases on each worker's caseload (not the duty cases managers hold on a rota)."""
        on = (self.worker >= 0) & (self.stage != _STAGE["duty"])
        return np.bincount(self.worker[on], minlength=n_staff)

    def duty_loads(self, n_staff: int) -> np.ndarray:
        """Duty cases each manager holds."""
        on = (self.worker >= 0) & (self.stage == _STAGE["duty"])
        return np.bincount(self.worker[on], minlength=n_staff)

    def snapshot_ids(self) -> tuple[np.ndarray, np.ndarray]:
        return self.ids.copy(), self.worker.copy()

    def keep(self, mask: np.ndarray) -> None:
        for name in _ARRAYS:
            setattr(self, name, getattr(self, name)[mask])

    def _later(self, rng: np.random.Generator, n: int, low: int, high: int, unlisted: float):
        days = rng.integers(low, high + 1, n)
        return np.where(rng.random(n) < unlisted, _NAT, self.snapshot + days)

    def hear(self, rng: np.random.Generator) -> np.ndarray:
        """Record the hearings that took place; return the WTFH cases that had their first."""
        passed = self.next <= self.snapshot  # NaT compares False
        fresh = np.isnat(self.first) & passed
        self.first[fresh] = self.next[fresh]
        first_heard = (self.type == _TYPE["wtfh"]) & (passed | ~np.isnat(self.first))
        relist = np.flatnonzero(passed & ~first_heard)
        post = self.stage[relist] == _STAGE["post_assessment_hub"]
        later = self._later(rng, relist.size, 7, 140, 0.08)
        self.next[relist] = np.where(post, self._later(rng, relist.size, 42, 180, 0.35), later)
        return first_heard

    def to_post_hub(self, rng: np.random.Generator, rate: float, exclude: np.ndarray) -> None:
        """Held s7 and addendum cases whose report is filed leave the FCA's caseload."""
        filed = (self.worker >= 0) & (self.stage == _STAGE["wafh"]) & ~exclude
        filed &= np.isin(self.type, [_TYPE["s7"], _TYPE["addendum"]])
        idx = np.flatnonzero(filed & (rng.random(self.size) < rate))
        self.worker[idx] = -1
        self.stage[idx] = _STAGE["post_assessment_hub"]
        self.filed[idx] = self.hub[idx] = self.this_week(idx)
        self.next[idx] = self._later(rng, idx.size, 42, 180, 0.35)

    def move_on(
        self, rng: np.random.Generator, mask: np.ndarray, hub_share: float, mix: Mapping
    ) -> None:
        """WTFH cases past their first hearing become WAFH work: allocated, or the hub."""
        idx = np.flatnonzero(mask)
        codes = np.array([_TYPE[t] for t in mix], np.int8)
        self.type[idx] = rng.choice(codes, size=idx.size, p=list(mix.values()))
        self.stage[idx] = _STAGE["wafh"]
        self.next[idx] = self._later(rng, idx.size, 7, 140, 0.08)
        hub = rng.random(idx.size) < hub_share
        self.worker[idx[hub]] = -1
        self.stage[idx[hub]] = _STAGE["allocation_hub"]
        self.hub[idx[hub]] = self.this_week(idx[hub])
        self.pending[idx[~hub]] = _TEAM_OF_TYPE["wafh"]

    def open_new(
        self,
        rng: np.random.Generator,
        rates: Mapping[str, float],
        mixes: Mapping[str, Mapping[str, float]],
        children_per_case: float,
    ) -> int:
        """Append this week's new cases (ids after every earlier id); return how many."""
        n = {key: int(rng.poisson(rates[f"{key}_new"])) for key in mixes}
        total = sum(n.values())
        kinds = np.repeat(np.arange(len(n)), list(n.values()))
        type_code = np.zeros(total, np.int8)
        for k, mix in enumerate(mixes.values()):
            codes = np.array([_TYPE[t] for t in mix], np.int8)
            type_code[kinds == k] = rng.choice(codes, size=n[list(mixes)[k]], p=list(mix.values()))
        kind_name = np.array(list(mixes), dtype=object)[kinds]
        public = type_code < len(PUBLIC_CASE_TYPES)
        opened = self.snapshot - rng.integers(0, 7, total)
        since = (self.snapshot - opened).astype(np.int64)
        heard = public & (kind_name != "duty")
        lag = np.where(public, rng.integers(7, 22, total), rng.integers(35, 71, total))
        first = np.where(heard, opened + rng.integers(0, since + 1), _NAT)
        later = self._later(rng, total, 7, 140, 0.08)
        team = {"private": _TEAM_OF_TYPE["eit"], "public": _TEAM_OF_TYPE["public_law"]}
        last = int(self.ids.max()) if self.size else 0
        if last + total > MAX_CASE_ID:
            raise ValueError("the series ran out of 7-digit case ids; use fewer workers or weeks")
        stage_of = {"private": "wtfh", "public": "wafh", "unallocated": "wafh", "duty": "duty"}
        new = {
            "ids": last + np.arange(1, total + 1, dtype=np.int64),
            "worker": np.full(total, -1, np.int64),
            "type": type_code,
            "stage": np.array([_STAGE[stage_of[k]] for k in mixes], np.int8)[kinds],
            "children": 1 + np.minimum(rng.poisson(children_per_case - 1, total), 8),
            "opened": opened,
            "first": first.astype("datetime64[D]"),
            "next": np.where(heard, later, opened + lag),
            "abuse": rng.random(total) < np.where(public, 0.35, 0.55),
            "interpreter": rng.random(total) < 0.07,
            "pending": np.array([team.get(k, -1) for k in mixes], np.int8)[kinds],
            "allocated": np.full(total, _NAT),
            "filed": np.full(total, _NAT),
            "hub": np.full(total, _NAT),
        }
        for name in _ARRAYS:
            setattr(self, name, np.concatenate([getattr(self, name), new[name]]))
        return total

    def allocation_needs(
        self, rng: np.random.Generator, opened: int, hub: float, duty: float, unallocated: float
    ) -> np.ndarray:
        """Team type (see `pending`) each case is allocated to this week, -1 for none."""
        need = self.pending.astype(np.int64)
        old = np.arange(self.size) < self.size - opened
        draw = rng.random(self.size)
        blank = old & (self.worker < 0)
        from_hub = blank & (self.stage == _STAGE["allocation_hub"]) & (draw < 1 / hub)
        need[from_hub] = _TEAM_OF_TYPE["wafh"]
        # Duty cases (held by a manager, or not yet) go to an FCA after `duty` weeks on average.
        from_duty = old & (self.stage == _STAGE["duty"]) & (draw < 1 / duty)
        team = np.where(self.type < len(PUBLIC_CASE_TYPES), 1, 0)
        team = np.where(self.type == _TYPE["wtfh"], _TEAM_OF_TYPE["eit"], team)
        need[from_duty] = team[from_duty]
        waiting = blank & (self.stage == _STAGE["wafh"]) & (draw < 1 / unallocated)
        need[waiting] = _TEAM_OF_TYPE["public_law"]
        self.pending[:] = -1
        return need

    def allocate(self, idx: np.ndarray, to: np.ndarray) -> None:
        """Give cases `idx` to workers `to`; a case nobody can take waits unallocated."""
        got, lost = idx[to >= 0], idx[to < 0]
        self.worker[got] = to[to >= 0]
        self.allocated[got] = self.this_week(got)
        self.hub[got] = _NAT
        wtfh = self.type == _TYPE["wtfh"]
        self.stage[got] = np.where(wtfh[got], _STAGE["wtfh"], _STAGE["wafh"])
        private = self.type[lost] >= len(PUBLIC_CASE_TYPES)
        waiting = np.where(private, _STAGE["allocation_hub"], self.stage[lost])
        self.stage[lost] = np.where(wtfh[lost], _STAGE["duty"], waiting)
        # A duty case nobody can take stays with its duty manager.
        on_duty = self.stage[lost] == _STAGE["duty"]
        self.worker[lost] = np.where(on_duty, self.worker[lost], -1)
        entering = lost[(self.stage[lost] == _STAGE["allocation_hub"]) & np.isnat(self.hub[lost])]
        self.hub[entering] = self.this_week(entering)

    def this_week(self, idx: np.ndarray) -> np.ndarray:
        """A day of the week ending at the snapshot for each case in `idx` (not before it
        opened): when it was allocated, filed or put in a hub."""
        day = self.snapshot - self.dates.integers(0, 7, idx.size)
        return np.maximum(day, self.opened[idx])

    def frame(self, worker_ids: pd.Series) -> pd.DataFrame:
        """The cases as `generate()` returns them (same columns and dtypes)."""
        ids = pc.utf8_lpad(pa.array(self.ids).cast(pa.string()), 7, "0")
        wid = pa.array(worker_ids.astype(object).to_numpy(), pa.string())
        blank = self.worker < 0
        held_by = wid.take(pa.array(np.where(blank, 0, self.worker), mask=blank))
        public = self.type < len(PUBLIC_CASE_TYPES)
        return pd.DataFrame(
            {
                "case_id": pd.Series(ids, dtype="str"),
                "worker_id": pd.Series(held_by, dtype="str"),
                "law": pd.Series(np.where(public, "public", "private"), dtype="str"),
                "case_type": pd.Series(np.array(CASE_TYPES, object)[self.type], dtype="str"),
                "stage": pd.Series(np.array(STAGES, object)[self.stage], dtype="str"),
                "children": self.children.astype(np.int64),
                "opened": self.opened,
                "first_hearing": self.first,
                "next_hearing": self.next,
                "snapshot": np.full(self.size, self.snapshot),
                "domestic_abuse": self.abuse,
                "interpreter": self.interpreter,
                "allocated": np.where(blank, _NAT, self.allocated),
                "report_filed": self.filed,
                "hub_entered": np.where(np.isin(self.stage, _HUBS), self.hub, _NAT),
            }
        )
