"""Adding, replacing and removing a snapshot is all or nothing, even when interrupted."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from caseload_cli.core.errors import UsageError
from caseload_cli.reports.history import add_to_store
from caseload_cli.reports.inputs import Inputs
from caseload_cli.scheme.model import load_scheme
from caseload_cli.store import commit, load_snapshot, open_store, snapshots, stored_dates

FLAT = [load_scheme("flat")]


def inputs(tiny, cases=None) -> Inputs:
    return Inputs(str(cases or tiny["cases"]), str(tiny["staff"]), str(tiny["reductions"]))


def fewer_cases(tiny, tmp_path):
    """The tiny caseload with two cases closed: a different week for the same date."""
    lines = tiny["cases"].read_text(encoding="utf-8").splitlines()
    path = tmp_path / "fewer.csv"
    path.write_text("\n".join(lines[:-2]) + "\n", encoding="utf-8")
    return path


def test_adding_a_date_again_replaces_it_whole(tmp_path, tiny):
    store = tmp_path / "s"
    first = add_to_store(inputs(tiny), store, FLAT)
    assert first[0].replaced is None
    again = add_to_store(inputs(tiny, fewer_cases(tiny, tmp_path)), store, FLAT)
    assert again[0].replaced["rows"]["cases"] == 10
    assert len(load_snapshot(open_store(store), "2022-04-30").cases) == 8
    assert not list(store.glob(".pending-*"))


@pytest.mark.parametrize("interrupt", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_a_crash_mid_write_leaves_the_old_snapshot(tmp_path, tiny, monkeypatch, interrupt):
    store = tmp_path / "s"
    add_to_store(inputs(tiny), store, FLAT)
    before = load_snapshot(open_store(store), "2022-04-30")
    real = snapshots.pq.write_table
    calls = []

    def dies_on_third_table(table, where, **options):
        calls.append(where)
        if len(calls) == 3:
            raise interrupt
        real(table, where, **options)

    monkeypatch.setattr(snapshots.pq, "write_table", dies_on_third_table)
    with pytest.raises(type(interrupt)):
        add_to_store(inputs(tiny, fewer_cases(tiny, tmp_path)), store, FLAT)
    after = load_snapshot(open_store(store), "2022-04-30")
    pd.testing.assert_frame_equal(after.cases, before.cases)
    assert not list(store.glob(".pending-*"))


def test_a_crash_after_the_commit_point_is_finished_on_next_open(tmp_path, tiny, monkeypatch):
    store = tmp_path / "s"
    add_to_store(inputs(tiny), store, FLAT)
    real = os.replace
    moves = []

    def dies_mid_swap(source, target):
        moves.append(target)
        if len(moves) == 4:  # journal written, old cases retired, new cases moved in
            raise KeyboardInterrupt
        real(source, target)

    monkeypatch.setattr(commit.os, "replace", dies_mid_swap)
    with pytest.raises(KeyboardInterrupt):
        add_to_store(inputs(tiny, fewer_cases(tiny, tmp_path)), store, FLAT)
    monkeypatch.setattr(commit.os, "replace", real)
    assert list(store.glob(".pending-*/journal.json"))
    recovered = load_snapshot(open_store(store), "2022-04-30")
    assert len(recovered.cases) == 8 and len(recovered.staff) == 5
    assert not list(store.glob(".pending-*"))


def test_strict_failure_hook_stores_nothing(tmp_path, tiny):
    def refuse(_valid):
        raise UsageError("refused")

    with pytest.raises(UsageError):
        add_to_store(inputs(tiny), tmp_path / "s", FLAT, on_validated=refuse)
    assert not (tmp_path / "s").exists()


def several_weeks(tiny, tmp_path):
    text = tiny["cases"].read_text(encoding="utf-8")
    earlier = text.replace("2022-04-30", "2022-04-23").splitlines()[1:4]
    path = tmp_path / "weeks.csv"
    path.write_text(text + "\n".join(earlier) + "\n", encoding="utf-8")
    return path


def test_a_file_of_several_weeks_is_refused_with_its_dates(tmp_path, tiny):
    with pytest.raises(UsageError, match=r"2 snapshot dates: 2022-04-23 \(3 rows\), 2022-04-30"):
        add_to_store(inputs(tiny, several_weeks(tiny, tmp_path)), tmp_path / "s", FLAT)
    assert not (tmp_path / "s").exists()


def test_split_stores_each_week_validated_on_its_own(tmp_path, tiny):
    added = add_to_store(inputs(tiny, several_weeks(tiny, tmp_path)), tmp_path / "s", FLAT, True)
    store = open_store(tmp_path / "s")
    assert [str(d) for d in stored_dates(store)] == ["2022-04-23", "2022-04-30"]
    assert [a.manifest["rows"]["cases"] for a in added] == [3, 10]
    early = load_snapshot(store, "2022-04-23")
    assert early.cases["_row"].tolist() == [12, 13, 14]  # rows named as in the file
    assert early.accounting["rows_read"] == 3 and early.snapshot.isoformat() == "2022-04-23"
    # a case ID in both weeks is not a duplicate: each week is its own snapshot
    assert early.accounting["rejected"] == 0
