"""The weekly series (`caseload sample --weeks`): reconciliation, stable ids, staff
changes, determinism, and closed-case durations against the published averages."""

from __future__ import annotations

from functools import cache
from itertools import pairwise

import numpy as np
import pandas as pd
import pytest

from caseload_cli.synth.generate import CASE_TYPES, generate
from caseload_cli.synth.weeks import PUBLISHED_DURATIONS, WeeklySeries

TABLES = ("cases", "staff", "reductions")


@cache
def bundled_series(weeks: int = 8) -> list:
    series = WeeklySeries(generate(150, 7), 7, weeks)
    return [(week, week.frames) for week in series]


def test_week_0_is_the_single_snapshot():
    week, frames = bundled_series()[0]
    for table in TABLES:
        pd.testing.assert_frame_equal(frames[table], generate(150, 7)[table])
    assert week.counts["opened"] == week.counts["closed"] == week.counts["moved"] == 0


def test_each_week_reconciles_with_the_week_before():
    weeks = bundled_series()
    for (_, before), (week, after) in pairwise(weeks):
        old, new = before["cases"], after["cases"]
        c = week.counts
        assert len(old) + c["opened"] - c["closed"] == len(new) == c["cases"]
        kept = old.merge(new, on="case_id", suffixes=("_0", "_1"))
        assert len(old) - len(kept) == c["closed"]
        assert len(new) - len(kept) == c["opened"]
        changed = kept["worker_id_0"].fillna("") != kept["worker_id_1"].fillna("")
        assert int(changed.sum()) == c["moved"]
        assert (kept["opened_0"] == kept["opened_1"]).all()  # ids stay with their case
        fresh = new[~new["case_id"].isin(old["case_id"])]
        assert (fresh["case_id"] > old["case_id"].max()).all()  # new ids, never reused
        assert new["case_id"].is_monotonic_increasing and new["case_id"].is_unique
        assert (new["snapshot"] == pd.Timestamp(week.date)).all()
        assert (new["opened"] <= new["snapshot"]).all()
        assert (fresh["opened"] > old["snapshot"].iloc[0]).all()
        assert (new["next_hearing"].dropna() > new["snapshot"].iloc[0]).all()
        heard = new["first_hearing"].notna()
        assert (new["opened"][heard] <= new["first_hearing"][heard]).all()
        assert new.loc[heard, "first_hearing"].le(new.loc[heard, "snapshot"]).all()
        assert set(new["worker_id"].dropna()) <= set(after["staff"]["worker_id"])
        assert 0.01 < c["moved"] / len(old) < 0.08 and abs(len(new) / len(old) - 1) < 0.05


def test_one_joiner_and_one_leaver_whose_cases_go_to_colleagues():
    weeks = bundled_series()
    joined = [w for w, _ in weeks if w.joined]
    left = [w for w, _ in weeks if w.left]
    assert len(joined) == len(left) == 1
    assert sum(w.counts["joiners"] for w, _ in weeks) == 1
    assert sum(w.counts["leavers"] for w, _ in weeks) == 1
    leaver, week = left[0].left[0], left[0]
    before, after = weeks[week.index - 1][1], weeks[week.index][1]
    assert leaver in set(before["staff"]["worker_id"]) - set(after["staff"]["worker_id"])
    assert leaver not in set(after["cases"]["worker_id"].dropna())
    assert leaver not in set(after["reductions"]["worker_id"])
    team = before["staff"].set_index("worker_id")["team"]
    theirs = before["cases"].loc[before["cases"]["worker_id"] == leaver, "case_id"]
    now = after["cases"].set_index("case_id")["worker_id"].reindex(theirs).dropna()
    assert len(now) and (team.reindex(now).to_numpy() == team[leaver]).all()
    joiner = joined[0].joined[0]
    last = weeks[-1][1]
    assert joiner in set(last["staff"]["worker_id"])
    assert (last["cases"]["worker_id"] == joiner).sum() >= 5  # built up a caseload


def test_same_seed_same_series_and_another_seed_differs():
    one = [w.frames["cases"] for w in WeeklySeries(generate(60, 3), 3, 4)]
    two = [w.frames["cases"] for w in WeeklySeries(generate(60, 3), 3, 4)]
    other = [w.frames["cases"] for w in WeeklySeries(generate(60, 3), 4, 4)]
    for a, b in zip(one, two, strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert not one[-1].equals(other[-1])


def test_a_single_week_and_tiny_organisations_work():
    assert [w.index for w in WeeklySeries(generate(5, 1), 1, 1)] == [0]
    for workers in (1, 2, 5, 20):
        for week in WeeklySeries(generate(workers, 2), 2, 4):
            assert len(week.frames["cases"]) == week.counts["cases"]


def test_durations_of_closed_cases_match_the_published_averages():
    """Four years of a national-size organisation (about 36,000 open cases)."""
    frames = generate(1700, 7)
    types, weeks, totals = [], [], []
    for week in WeeklySeries(frames, 7, 208):
        types.append(week.closed_type)
        weeks.append(week.closed_weeks)
        totals.append(week.counts["cases"])
    closed_type, closed_weeks = np.concatenate(types), np.concatenate(weeks)

    def mean(*names: str) -> float:
        return float(
            closed_weeks[np.isin(closed_type, [CASE_TYPES.index(n) for n in names])].mean()
        )

    assert mean("s31") == pytest.approx(PUBLISHED_DURATIONS["s31"], rel=0.08)
    assert mean("s7", "addendum") == pytest.approx(PUBLISHED_DURATIONS["private_wafh"], rel=0.08)
    assert mean("r16_4") == pytest.approx(PUBLISHED_DURATIONS["r16_4"], rel=0.08)
    assert mean("wtfh") < 10  # work to first hearing is short
    assert max(totals) / min(totals) < 1.08  # the totals stay roughly stable


def test_days_to_allocation_stay_near_the_published_average_every_week():
    """A case moved between colleagues keeps the day it was first allocated, so days to
    allocation (allocated − opened over held cases; published 20.8) does not climb as
    weeks pass (it did, from 21 to 47 days in eight weeks, when a move reset it)."""
    for week, frames in bundled_series():
        cases = frames["cases"]
        held = cases[cases["worker_id"].notna() & cases["allocated"].notna()]
        days = (held["allocated"] - held["opened"]).dt.days.mean()
        assert 15 <= days <= 25, (week.date, days)


def test_a_move_keeps_the_allocation_date():
    weeks = bundled_series()
    for (_, before), (_, after) in pairwise(weeks):
        kept = before["cases"].merge(after["cases"], on="case_id", suffixes=("_0", "_1"))
        moved = kept["worker_id_0"].notna() & kept["worker_id_1"].notna()
        moved &= kept["worker_id_0"] != kept["worker_id_1"]
        moved &= kept["stage_0"] == kept["stage_1"]
        assert moved.any()
        assert (kept.loc[moved, "allocated_0"] == kept.loc[moved, "allocated_1"]).all()
