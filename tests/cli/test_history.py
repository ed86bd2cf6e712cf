"""`caseload history add|list|remove` through the CLI: output, errors and exit codes."""

from __future__ import annotations

import json

import pandas as pd
from conftest import STAFF_CSV
from helpers import tiny_args

from caseload_cli.render.report import render
from caseload_cli.reports.history import load_from_store
from caseload_cli.scheme.model import load_scheme


def add(tiny, store, *extra):
    return ["history", *tiny_args("add", tiny, "--store", store, *extra)]


def test_add_validates_like_load_and_says_what_it_stored(run, tiny, tmp_path):
    result = run(*add(tiny, tmp_path / "s"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert "10 rows read: 10 weighed, 0 rejected" in lines
    assert (
        lines[-1]
        == f"history: stored snapshot 2022-04-30 (10 cases, 5 staff, 2 reductions) in {tmp_path / 's'}"
    )


def test_adding_a_date_again_says_it_replaces_it(run, tiny, tmp_path):
    run(*add(tiny, tmp_path / "s"))
    result = run(*add(tiny, tmp_path / "s", "-q"))
    assert result.exit_code == 0
    assert "history: replaced snapshot 2022-04-30 (was 10 cases, added " in result.stderr


def test_stored_week_gives_the_same_load_rows_as_the_files(run, tmp_path):
    store = tmp_path / "s"
    assert run("history", "add", "--store", store, "-q").exit_code == 0
    for scheme in ("flat", "weighted-example"):
        for fmt in ("csv", "json"):
            files = run("load", "--scheme", scheme, "--format", fmt)
            stored = load_from_store(store, "2022-04-29", load_scheme(scheme))
            if fmt == "csv":
                assert render(stored.report, fmt) == files.stdout
                continue
            # the same document but for what only the run knows: its files and command line
            by_cli, by_store = json.loads(files.stdout), json.loads(render(stored.report, fmt))
            assert by_cli.pop("provenance")["inputs"] and not by_store.pop("provenance")["inputs"]
            assert by_cli == by_store


def test_strict_with_a_rejected_row_exits_3_and_stores_nothing(run, tiny, tmp_path):
    tiny["staff"].write_text(STAFF_CSV.replace("W002,Ben Example", "W002,"), encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    result = run(*add(tiny, tmp_path / "s", "--strict", "--rejects", rejects))
    assert result.exit_code == 3
    assert "rejected: " in result.stderr and "--strict: " in result.stderr
    assert not (tmp_path / "s").exists()
    assert "name is blank" in rejects.read_text(encoding="utf-8")


def test_without_strict_rejections_are_listed_and_the_rest_stored(run, tiny, tmp_path):
    tiny["staff"].write_text(STAFF_CSV.replace("W002,Ben Example", "W002,"), encoding="utf-8")
    result = run(*add(tiny, tmp_path / "s"))
    assert result.exit_code == 0
    assert "10 rows read: 8 weighed, 2 rejected (see --rejects FILE)" in result.stderr
    listed = json.loads(
        run("history", "list", "--store", tmp_path / "s", "--format", "json").stdout
    )
    assert listed["rows"][0]["rejected"] == 2


def several_weeks(tiny):
    text = tiny["cases"].read_text(encoding="utf-8")
    earlier = text.replace("2022-04-30", "2022-04-23").splitlines()[1:3]
    tiny["cases"].write_text(text + "\n".join(earlier) + "\n", encoding="utf-8")


def test_several_snapshot_dates_are_refused_with_exit_2(run, tiny, tmp_path):
    several_weeks(tiny)
    result = run(*add(tiny, tmp_path / "s"))
    assert result.exit_code == 2
    assert "2 snapshot dates: 2022-04-23 (2 rows), 2022-04-30 (10 rows)" in result.stderr
    assert "--split" in result.stderr


def test_split_stores_one_snapshot_per_date(run, tiny, tmp_path):
    several_weeks(tiny)
    result = run(*add(tiny, tmp_path / "s", "--split"))
    assert result.exit_code == 0, result.stderr
    assert "snapshot 2022-04-23:" in result.stderr and "snapshot 2022-04-30:" in result.stderr
    listed = run("history", "list", "--store", tmp_path / "s", "--format", "csv")
    frame = pd.read_csv(pd.io.common.StringIO(listed.stdout))
    assert frame["snapshot"].tolist() == ["2022-04-23", "2022-04-30"]
    assert frame["cases"].tolist() == [2, 10]
    assert run(*add(tiny, tmp_path / "t", "--split", "--snapshot", "2022-05-01")).exit_code == 2


def test_list_shows_dates_counts_and_source_hashes(run, tiny, tmp_path):
    run(*add(tiny, tmp_path / "s"))
    result = run("history", "list", "--store", tmp_path / "s")
    assert result.exit_code == 0
    assert "2022-04-30" in result.stdout
    import hashlib

    digest = hashlib.sha256(tiny["cases"].read_bytes()).hexdigest()
    assert digest in result.stdout


def test_list_of_an_empty_store_says_so(run, tiny, tmp_path):
    run(*add(tiny, tmp_path / "s"))
    run("history", "remove", "2022-04-30", "--store", tmp_path / "s")
    result = run("history", "list", "--store", tmp_path / "s", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["rows"] == []
    assert "holds no snapshots yet" in result.stderr


def test_a_folder_that_is_not_a_store_exits_1(run, tiny, tmp_path):
    result = run(*add(tiny, tmp_path))  # holds the tiny files, no store marker
    assert result.exit_code == 1
    assert "is not a caseload store" in result.stderr
    assert run("history", "list", "--store", tmp_path / "nowhere").exit_code == 1


def test_remove_deletes_every_table_of_the_date(run, tiny, tmp_path):
    run(*add(tiny, tmp_path / "s"))
    result = run("history", "remove", "2022-04-30", "--store", tmp_path / "s")
    assert result.exit_code == 0
    assert "history: removed snapshot 2022-04-30 (10 cases" in result.stderr
    assert not list((tmp_path / "s").glob("*/snapshot=2022-04-30"))


def test_remove_errors_name_close_dates_and_exit_codes(run, tiny, tmp_path):
    store = tmp_path / "s"
    run(*add(tiny, store))
    unknown = run("history", "remove", "2022-04-03", "--store", store)
    assert unknown.exit_code == 1
    assert (
        "no snapshot 2022-04-03" in unknown.stderr and "did you mean 2022-04-30?" in unknown.stderr
    )
    assert run("history", "remove", "30/04/2022", "--store", store).exit_code == 2
    run("history", "remove", "2022-04-30", "--store", store)
    empty = run("history", "remove", "2022-04-30", "--store", store)
    assert empty.exit_code == 1 and "holds no snapshots yet" in empty.stderr


def test_missing_staff_is_a_usage_error(run, tiny, tmp_path):
    result = run("history", "add", tiny["cases"], "--store", tmp_path / "s")
    assert result.exit_code == 2
