"""The history store: round trip, typed columns, refusals, and what other readers see."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from caseload_cli.render.report import render
from caseload_cli.reports.history import add_to_store, default_schemes
from caseload_cli.reports.inputs import Inputs, bundled_inputs, prepare
from caseload_cli.reports.load import build_load
from caseload_cli.scheme.model import load_scheme
from caseload_cli.store import (
    StoreError,
    list_snapshots,
    load_snapshot,
    open_store,
    read_manifest,
    remove_snapshot,
    stored_dates,
)
from caseload_cli.store.layout import MARKER


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    store = tmp_path_factory.mktemp("history") / "store"
    add_to_store(bundled_inputs(), store, default_schemes())
    return store


def tiny_inputs(tiny) -> Inputs:
    return Inputs(str(tiny["cases"]), str(tiny["staff"]), str(tiny["reductions"]))


@pytest.mark.parametrize("scheme", ["flat", "weighted-example"])
def test_a_stored_week_weighs_exactly_like_its_files(sample_store, scheme):
    chosen = load_scheme(scheme)
    from_files = prepare(bundled_inputs(), [chosen])
    stored = load_snapshot(open_store(sample_store), "2022-04-29", [chosen])
    for name in ("cases", "staff", "reductions"):
        expected = getattr(from_files, name)
        # stored for every built-in scheme: flat's inputs lack only the modifiers' flags
        pd.testing.assert_frame_equal(getattr(stored, name)[expected.columns], expected)
    assert stored.accounting == from_files.accounting and stored.notes == from_files.notes
    for by in ("worker", "national"):
        for fmt in ("csv", "json"):
            expected = render(build_load(from_files, chosen, by).report, fmt)
            assert render(build_load(stored, chosen, by).report, fmt) == expected


def test_columns_are_typed_for_other_readers(sample_store):
    schema = pq.read_schema(sample_store / "cases" / "snapshot=2022-04-29" / "part-0.parquet")
    assert str(schema.field("opened").type) == "date32[day]"
    assert str(schema.field("snapshot_in_file").type) == "date32[day]"
    assert (
        str(schema.field("case_type").type) == "dictionary<values=string, indices=int32, ordered=0>"
    )
    assert str(schema.field("case_id").type) == "string"
    assert str(schema.field("children").type) == "int64"
    staff = pq.read_schema(sample_store / "staff" / "snapshot=2022-04-29" / "part-0.parquet")
    assert str(staff.field("contracted_hours").type) == "double"
    cases = pd.read_parquet(sample_store / "cases")  # hive partitions, no clash with a column
    assert len(cases) == 3308 and set(cases["snapshot"].astype(str)) == {"2022-04-29"}


def test_manifest_cites_sources_and_accounting(sample_store):
    store = open_store(sample_store)
    manifest = read_manifest(store, stored_dates(store)[0])
    assert manifest["rows"] == {"cases": 3308, "staff": 150, "reductions": 8, "rejects": 0}
    assert len(manifest["sources"]["cases"]["sha256"]) == 64
    assert manifest["accounting"]["rows_read"] == 3308
    assert [s["name"] for s in manifest["validated_with"]] == [
        "flat",
        "hours-example",
        "per-child",
        "points-example",
        "weighted-example",
    ]
    listed = list_snapshots(store)
    assert listed.loc[0, "cases_sha256"] == manifest["sources"]["cases"]["sha256"]


def test_a_folder_that_is_not_a_store_is_refused(tmp_path, tiny):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(StoreError, match="is not a caseload store"):
        add_to_store(tiny_inputs(tiny), mine, [load_scheme("flat")])
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]
    with pytest.raises(StoreError, match="no caseload store"):
        open_store(tmp_path / "missing")


def test_a_newer_store_format_is_refused(tmp_path):
    (tmp_path / MARKER).write_text(json.dumps({"format": "caseload-store", "format_version": 2}))
    with pytest.raises(StoreError, match="format version 2"):
        open_store(tmp_path)


def test_unknown_date_suggests_close_ones(tmp_path, tiny):
    add_to_store(tiny_inputs(tiny), tmp_path / "s", [load_scheme("flat")])
    store = open_store(tmp_path / "s")
    with pytest.raises(StoreError, match="did you mean 2022-04-30"):
        load_snapshot(store, "2022-04-03")
    remove_snapshot(store, "2022-04-30")
    with pytest.raises(StoreError, match="holds no snapshots"):
        load_snapshot(store, "2022-04-30")


def test_a_scheme_the_week_was_not_stored_for_is_refused(tmp_path, tiny):
    add_to_store(tiny_inputs(tiny), tmp_path / "s", [load_scheme("flat")])
    store = open_store(tmp_path / "s")
    with pytest.raises(StoreError, match="no stored 'domestic_abuse, interpreter' column"):
        load_snapshot(store, "2022-04-30", [load_scheme("weighted-example")])
    assert len(load_snapshot(store, "2022-04-30", [load_scheme("per-child")]).cases) == 10


def test_load_snapshot_of_some_workers_reads_only_their_cases(tmp_path):
    from helpers import ROOT

    from caseload_cli.reports.inputs import Inputs, prepare
    from caseload_cli.scheme.model import load_scheme
    from caseload_cli.store import add_snapshot, load_snapshot, load_staff, open_store

    week = ROOT / "sample_data" / "weeks" / "2022-04-29"
    scheme = load_scheme("flat")
    valid = prepare(
        Inputs(*(str(week / f"{k}.parquet") for k in ("cases", "staff", "reductions"))), [scheme]
    )
    store = open_store(tmp_path / "store", create=True)
    add_snapshot(store, valid, {"cases": None, "staff": None, "reductions": None}, [scheme])
    staff = load_staff(store, valid.snapshot)
    assert staff["worker_id"].tolist() == valid.staff["worker_id"].tolist()
    two = staff["worker_id"].tolist()[:2]
    some = load_snapshot(store, valid.snapshot, [scheme], workers=two)
    assert set(some.cases["worker_id"].astype(str)) == set(two)
    whole = valid.cases[valid.cases["worker_id"].astype(str).isin(two)]
    assert len(some.cases) == len(whole) > 0
    assert len(some.staff) == len(valid.staff)  # staff whole: cases point at its rows
    assert load_snapshot(store, valid.snapshot, [scheme], workers=[]).cases.empty
