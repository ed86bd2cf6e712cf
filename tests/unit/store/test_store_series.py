"""`trend` over a store weighs every snapshot at once (`store.series`): it must give
exactly what weighing one snapshot at a time gives, on stores built to be awkward."""

from __future__ import annotations

import dataclasses
import tomllib

import numpy as np
import pandas as pd
import pytest

from caseload_cli.core.vocabulary import LEVELS
from caseload_cli.engine.aggregate import roll_up
from caseload_cli.engine.selection import Selection
from caseload_cli.render.report import render
from caseload_cli.reports import trend
from caseload_cli.reports.inputs import bundled_weeks
from caseload_cli.scheme.model import builtin_schemes_dir, load_scheme, scheme_from_dict
from caseload_cli.store import add_snapshot, open_store, stored_dates
from caseload_cli.store.series import load_series


def awkward_scheme():
    """weighted-example with a cross table, restricted modifiers, grades, allowances,
    truncated capacity, half-up utilisation, Napo levels and stage factors."""
    raw = tomllib.loads((builtin_schemes_dir() / "weighted-example.toml").read_text("utf-8"))
    raw["name"] = "awkward"
    raw["weights"]["cross"] = {"s7": {"wafh": 1.2}, "r16_4": {"post_assessment_hub": 0.4}}
    raw["weights"]["stage"]["duty"] = 0.35
    raw["modifiers"][0]["case_types"] = ["s7", "r16_4"]
    raw["modifiers"][1]["stages"] = ["wafh"]
    capacity = raw["capacity"]
    capacity["allowances"] = {"admin": {"hours": 3.7}}
    capacity["allowance_percent"] = 5.0
    capacity["rounding"] = {
        "capacity": "truncate",
        "utilisation_decimals": 1,
        "utilisation_method": "half_up",
        "no_capacity_utilisation": "zero",
    }
    raw["grades"] = {"b": {"full_time_hours": 36.0, "target": 20.0}, "c": {"target": 18.0}}
    raw["napo"] = {"safe_cases": 22.0, "by_team_type": {"eit": 30.0}}
    return scheme_from_dict(raw, "awkward.toml")


SCHEMES = ["flat", "per-child", "weighted-example", "hours-example"]


def _with_staff(valid, staff: pd.DataFrame, holder: np.ndarray):
    """`valid` with `staff` and each case's new worker position (`holder`, -1: no one)."""
    cases = valid.cases.assign(_staff=holder.astype(valid.cases["_staff"].dtype))
    reductions = valid.reductions[valid.reductions["worker_id"].isin(staff["worker_id"])]
    return dataclasses.replace(
        valid, cases=cases, staff=staff.reset_index(drop=True), reductions=reductions
    )


def leaver(valid, worker_id: str):
    """Without `worker_id`: their cases are held by no one, the others keep theirs."""
    staff = valid.staff
    keep = (staff["worker_id"] != worker_id).to_numpy()
    position = np.full(len(staff) + 1, -1)
    position[np.flatnonzero(keep)] = np.arange(int(keep.sum()))
    holder = valid.cases["_staff"].to_numpy().astype("int64")
    return _with_staff(valid, staff[keep], position[np.where(holder >= 0, holder, len(staff))])


def joiner(valid, worker_id: str, like: int):
    """With a new worker (at the end of the staff, like staff row `like`) holding the
    first ten unallocated cases."""
    staff = valid.staff
    new = staff.iloc[[like]].assign(worker_id=worker_id, name="New Joiner")
    holder = valid.cases["_staff"].to_numpy().astype("int64").copy()
    holder[np.flatnonzero(holder < 0)[:10]] = len(staff)
    return _with_staff(valid, pd.concat([staff, new], ignore_index=True), holder)


def mover(valid, worker_id: str, team: str, area: str):
    staff = valid.staff.copy()
    at = staff["worker_id"] == worker_id
    staff.loc[at, "team"] = team
    staff.loc[at, "service_area"] = area
    return dataclasses.replace(valid, staff=staff)


def more_reductions(valid):
    """Two more reductions for one worker (whose hours add up) and one for another."""
    first = valid.reductions.iloc[[0, 0, 1]].copy()
    first["hours"] = [1.85, 0.37, 2.2]
    reductions = pd.concat([valid.reductions, first], ignore_index=True)
    return dataclasses.replace(valid, reductions=reductions)


def no_cases(valid):
    return dataclasses.replace(valid, cases=valid.cases.iloc[:0].reset_index(drop=True))


def managers_only(valid):
    """A week whose staff are the managers (no FCA at all), holding no cases."""
    staff = valid.staff
    managers = ~staff["role"].isin(["fca", "locum_fca"]).to_numpy()
    valid = leaver(valid, "nobody")
    holder = np.full(len(valid.cases), -1)
    return _with_staff(valid, staff[managers], holder)


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """Two stores of the bundled weeks, with the awkward weeks above: one stored for the
    built-in schemes and one for the awkward scheme (with grades on the staff)."""
    builtin = [load_scheme(name) for name in SCHEMES]
    awkward = awkward_scheme()
    folders = {}
    for name, schemes in (("builtin", builtin), ("awkward", [awkward, *builtin])):
        weeks = bundled_weeks(schemes)
        moved = weeks[1].staff["worker_id"].iloc[3]
        grades = np.array(["b", "c", "", "a"], dtype=object)
        changed = [
            weeks[0],
            more_reductions(mover(weeks[1], moved, "Moved Team", "A99 Elsewhere")),
            leaver(weeks[2], weeks[2].staff["worker_id"].iloc[5]),
            no_cases(weeks[3]),
            joiner(weeks[4], "W9999", like=7),
            managers_only(weeks[5]),
            *weeks[6:],
        ]
        if name == "awkward":
            changed = [
                dataclasses.replace(
                    week,
                    staff=week.staff.assign(grade=np.resize(grades, len(week.staff))),
                )
                for week in changed
            ]
        folder = tmp_path_factory.mktemp(name) / "store"
        store = open_store(folder, create=True)
        for week in changed:
            add_snapshot(store, week, {}, schemes)
        folders[name] = (folder, schemes)
    return folders


def both_ways(monkeypatch, store, scheme, **options):
    """The report with every snapshot at once (checked to be taken) and one at a time."""
    taken = []

    def spy(*args, **kwargs):
        series = load_series(*args, **kwargs)
        taken.append(series is not None)
        return series

    monkeypatch.setattr(trend, "load_series", spy)
    fast = trend.run_trend(str(store), scheme, **options)
    monkeypatch.setattr(trend, "load_series", lambda *args, **kwargs: None)
    slow = trend.run_trend(str(store), scheme, **options)
    return fast, slow, taken


def assert_same(fast, slow):
    for fmt in ("json", "csv"):
        assert render(fast, fmt) == render(slow, fmt)
    for name in ("overall", "runs"):
        pd.testing.assert_frame_equal(fast.sections[name], slow.sections[name], check_exact=True)
    pd.testing.assert_frame_equal(fast.rows, slow.rows, check_exact=True)
    assert fast.notes == slow.notes and fast.metadata == slow.metadata


#: Every scheme and every level at least once (the awkward scheme at two levels): each
#: pair is two whole trend runs, so the full cross product would cost the suite 40 s.
PAIRS = [
    ("flat", "worker"),
    ("weighted-example", "team"),
    ("hours-example", "service_area"),
    ("awkward", "national"),
    ("awkward", "worker"),
]


def test_the_pairs_cover_every_level():
    assert {by for _, by in PAIRS} == set(LEVELS)


@pytest.mark.parametrize(("scheme", "by"), PAIRS)
def test_all_at_once_equals_one_at_a_time(stores, monkeypatch, scheme, by):
    folder, schemes = stores["awkward" if scheme == "awkward" else "builtin"]
    chosen = schemes[0] if scheme == "awkward" else load_scheme(scheme)
    for population in ("fca", "all"):
        fast, slow, taken = both_ways(monkeypatch, folder, chosen, by=by, population=population)
        assert taken == [True]
        assert_same(fast, slow)


def test_dates_and_min_group(stores, monkeypatch):
    folder, _ = stores["builtin"]
    days = [d.isoformat() for d in stored_dates(open_store(folder))]
    scheme = load_scheme("weighted-example")
    fast, slow, taken = both_ways(
        monkeypatch, folder, scheme, by="team", start=days[1], end=days[5], min_group=3
    )
    assert taken == [True] and fast.metadata["snapshots"] == days[1:6]
    assert_same(fast, slow)


def test_a_selection_is_weighed_one_snapshot_at_a_time(stores, monkeypatch):
    folder, _ = stores["builtin"]
    team = "Greater Manchester WAFH 1"
    _, _, taken = both_ways(
        monkeypatch, folder, load_scheme("flat"), by="worker", selection=Selection(teams=(team,))
    )
    assert taken == []


def test_a_scheme_the_store_cannot_weigh_falls_back_and_says_why(stores, monkeypatch):
    folder, _ = stores["builtin"]
    unknown = load_scheme("flat", ["weights.case_type.s7=2"])  # weighable: same codes
    assert load_series(open_store(folder), stored_dates(open_store(folder)), unknown)
    strict = load_scheme("weighted-example", ["reductions.other_duties.max_percent=5"])
    assert load_series(open_store(folder), stored_dates(open_store(folder)), strict) is None
    with pytest.raises(Exception, match="lower reduction caps"):
        trend.run_trend(str(folder), strict)


def test_national_sums_per_snapshot_have_the_bits_of_one_snapshots_sum():
    """`roll_up` of many snapshots: each national total is numpy's sum over that
    snapshot's rows, as one snapshot's `DataFrame.sum` is (not a group-by's sum)."""
    rng = np.random.default_rng(12)
    scheme = load_scheme("flat")
    sizes = [0, 1, 7, 300, 1700, 0, 55]
    frames = []
    for at, size in enumerate(sizes):
        load = rng.random(size) * 40
        capacity = rng.random(size) * 30
        frames.append(
            pd.DataFrame(
                {
                    "_snapshot": at,
                    "service_area": "A",
                    "team": "T",
                    "fte": rng.random(size),
                    "available_fte": rng.random(size),
                    "cases": rng.integers(0, 40, size),
                    "children": rng.integers(0, 80, size),
                    "weighted_load": load,
                    "capacity": np.where(rng.random(size) < 0.1, np.nan, capacity),
                    "napo_safe_load": capacity,
                    "over_napo": load > capacity,
                    "band": pd.Categorical.from_codes(
                        rng.integers(0, 3, size), ["green", "amber", "red"], ordered=True
                    ),
                }
            )
        )
    stacked = pd.concat(frames, ignore_index=True)
    together = roll_up(stacked, "national", scheme, snapshots=len(sizes))
    for at, frame in enumerate(frames):
        alone = roll_up(frame.drop(columns="_snapshot"), "national", scheme)
        mine = together[together["_snapshot"] == at].drop(columns="_snapshot")
        pd.testing.assert_frame_equal(mine.reset_index(drop=True), alone, check_exact=True)


def test_a_week_without_a_modifiers_flag_falls_back_and_says_why(tmp_path):
    """The newest week stored for flat alone has no flag columns: weighted-example cannot
    weigh it, and `trend` says so as it does one week at a time."""
    weighted, flat = load_scheme("weighted-example"), load_scheme("flat")
    store = open_store(tmp_path / "store", create=True)
    add_snapshot(store, bundled_weeks([weighted])[0], {}, [weighted])
    add_snapshot(store, bundled_weeks([flat])[1], {}, [flat])
    days = stored_dates(store)
    assert load_series(store, days, flat) is not None
    assert load_series(store, days, weighted) is None
    with pytest.raises(Exception, match="no stored 'domestic_abuse, interpreter' column"):
        trend.run_trend(str(tmp_path / "store"), weighted)
