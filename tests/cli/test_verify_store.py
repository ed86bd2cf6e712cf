"""A history store is an input too: week, trend, scorecard --store and history list record
it (kind `store`, a digest of its snapshots up to the report's date), and `verify` tells
a changed store from one that has only grown since."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from conftest import CASES_CSV, STAFF_CSV

from caseload_cli.cli import cli
from caseload_cli.reports.provenance import describe_store, store_sha256

DATES = ("2022-04-16", "2022-04-23", "2022-04-30")


def add(store, folder, date: str) -> None:
    cases = folder / f"cases_{date}.csv"
    cases.write_text(CASES_CSV.replace("2022-04-30", date), encoding="utf-8")
    args = ["history", "add", str(cases), "--staff", str(folder / "staff.csv"), "--store",
            str(store), "--scheme", "flat", "-q"]  # fmt: skip
    added = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert added.exit_code == 0, added.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Three weekly snapshots of the tiny caseload (added once for the module)."""
    folder = tmp_path_factory.mktemp("stores")
    (folder / "staff.csv").write_text(STAFF_CSV, encoding="utf-8")
    for date in DATES:
        add(folder / "history", folder, date)
    return folder


@pytest.fixture
def store(built, tmp_path):
    """A copy of the built store this test may change (same bytes, same digest)."""
    shutil.copy(built / "staff.csv", tmp_path / "staff.csv")
    shutil.copytree(built / "history", tmp_path / "history")
    return tmp_path / "history"


COMMANDS = [
    ("week", "--store"),
    ("trend", "--by", "team", "--store"),
    ("scorecard", "--by", "team", "--store"),
    ("history", "list", "--store"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_store_commands_record_the_store(run, store, command):
    document = json.loads(run(*command, store, "--format", "json").stdout)
    (entry,) = document["provenance"]["inputs"]
    assert entry == {
        "kind": "store",
        "path": str(store),
        "bundled": False,
        "sha256": store_sha256(str(store), 3),
        "rows": 3,
    }
    assert document["provenance"]["argv"] == ["caseload", *command, str(store), "--format", "json"]


def test_the_digest_covers_the_snapshots_up_to_the_reports_date(run, store):
    document = json.loads(
        run("week", "--store", store, "--as-at", DATES[1], "--format", "json").stdout
    )
    (entry,) = document["provenance"]["inputs"]
    assert entry["rows"] == 2
    assert entry["sha256"] == store_sha256(str(store), 2) != store_sha256(str(store), 3)
    page = run("week", "--store", store, "--as-at", DATES[1], "--format", "markdown").stdout
    assert f"- Input store: {store}, 2 snapshots, sha256:{entry['sha256']}" in page


def test_the_digest_is_the_same_for_a_copy_and_changes_with_a_snapshot(built, store, tmp_path):
    assert store_sha256(str(store), 3) == store_sha256(str(built / "history"), 3)
    before = describe_store(str(store), DATES[1])["sha256"]
    add(store, tmp_path, "2022-05-07")  # a later week: the earlier digests stand
    assert describe_store(str(store), DATES[1])["sha256"] == before
    add(store, tmp_path, DATES[0])  # the same week again, later and from another folder
    assert describe_store(str(store), DATES[1])["sha256"] == before
    (tmp_path / "staff.csv").write_text(STAFF_CSV.replace(",37\n", ",30\n", 1), "utf-8")
    add(store, tmp_path, DATES[0])  # the first week with other hours: another digest
    assert describe_store(str(store), DATES[1])["sha256"] != before


@pytest.mark.parametrize(
    ("command", "fmt"),
    [(COMMANDS[0], "xlsx"), (COMMANDS[1], "parquet"), (COMMANDS[2], "json")],
    ids=["week", "trend", "scorecard"],
)
def test_verify_reads_the_store_as_the_output_saw_it(run, store, tmp_path, command, fmt):
    out = tmp_path / f"out.{fmt}"
    assert run(*command, store, "-o", out, "-q").exit_code == 0
    assert run("verify", out).stdout == f"identical: {out}\n"
    add(store, tmp_path, "2022-05-07")  # the store has grown: the output's weeks are unchanged
    grown = run("verify", out)
    assert grown.exit_code == 0, grown.output
    assert grown.stdout == f"identical: {out}\n"


def test_verify_names_a_changed_store(run, store, tmp_path):
    out = tmp_path / "week.json"
    assert run("week", "--store", store, "-o", out, "-q").exit_code == 0
    recorded = store_sha256(str(store), 3)
    changed = tmp_path / "cases_changed.csv"
    cases = CASES_CSV.replace("2022-04-30", DATES[2]).replace(",W002,", ",W001,", 1)
    changed.write_text(cases, encoding="utf-8")
    args = ["history", "add", changed, "--staff", tmp_path / "staff.csv", "--store", store]
    assert run(*args, "--scheme", "flat", "-q").exit_code == 0
    now = store_sha256(str(store), 3)
    result = run("verify", out)
    assert result.exit_code == 5
    shown = result.stdout.splitlines()
    assert shown[:2] == [
        f"differs: {out}",
        f"  input store {store}: sha256 of its first 3 snapshots differs "
        f"(recorded {recorded[:12]}…, now {now[:12]}…)",
    ]
    assert shown[2].startswith("  table rows row 2 (worker_id W001): cases 3 → 4;")


def test_verify_finds_a_moved_store_when_given(run, store, tmp_path):
    out = tmp_path / "trend.json"
    assert run("trend", "--store", store, "-o", out, "-q").exit_code == 0
    moved = tmp_path / "moved"
    store.rename(moved)
    result = run("verify", out)
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: input store ({store}) cannot be read again: give it with --input store=DIR\n"
    )
    given = run("verify", out, "--input", f"store={moved}")
    assert given.stdout == f"identical: {out}\n", given.output
