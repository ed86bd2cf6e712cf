"""`caseload trend`: weekly series from a history store equal `load` on each week's files."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from helpers import ROOT, as_json

from caseload_cli.cli import cli

WEEKS = ROOT / "sample_data" / "weeks"
DATES = sorted(p.name for p in WEEKS.iterdir() if p.is_dir())[:4]
TEAM = "Greater Manchester WAFH 1"


def files(date: str) -> list[str]:
    week = WEEKS / date
    return [
        str(week / "cases.parquet"),
        "--staff", str(week / "staff.parquet"),
        "--reductions", str(week / "reductions.parquet"),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """Four weekly snapshots, added with `caseload history add` (once for the module)."""
    folder = tmp_path_factory.mktemp("trend") / "history"
    for date in DATES:
        added = CliRunner().invoke(cli, ["history", "add", *files(date), "--store", str(folder),
                                         "-q"], catch_exceptions=False)  # fmt: skip
        assert added.exit_code == 0, added.stderr
    return folder


def test_national_series_equals_load_on_each_weeks_files(run, store):
    trend = as_json(run("trend", "--store", store, "--by", "national", "--format", "json"))
    assert [r["snapshot"] for r in trend["rows"]] == DATES
    assert trend["metadata"]["snapshots"] == DATES
    assert trend["sections"]["overall"] == [
        {k: v for k, v in r.items() if k != "level"} for r in trend["rows"]
    ]
    for row, date in zip(trend["rows"], DATES, strict=True):
        (load,) = as_json(run("load", *files(date), "--by", "national", "--format", "json"))["rows"]
        for column in ("workers", "cases", "weighted_load", "capacity", "utilisation_pct", "band"):
            assert row[column] == load[column], (date, column)


def test_team_rows_sum_to_national_under_any_scheme(run, store):
    args = ("--scheme", "weighted-example", "--format", "json")
    teams = as_json(run("trend", "--store", store, *args))
    national = as_json(run("trend", "--store", store, "--by", "national", *args))
    assert teams["scheme"] == national["scheme"] and teams["scheme"]["name"] == "weighted-example"
    for total in national["rows"]:
        mine = [r for r in teams["rows"] if r["snapshot"] == total["snapshot"]]
        assert len(mine) == 12
        for column in ("workers", "cases"):
            assert sum(r[column] for r in mine) == total[column]
        for column in ("weighted_load", "capacity"):
            assert sum(r[column] for r in mine) == pytest.approx(total[column])


def test_runs_on_a_hand_checked_worker(run, store):
    data = as_json(run("trend", "--store", store, "--by", "worker", "--format", "json"))
    bands = [r["band"] for r in data["rows"] if r["worker_id"] == "W0069"]
    assert bands == ["red", "red", "amber", "red"]
    runs = {r["at_or_above"]: r for r in data["sections"]["runs"] if r["worker_id"] == "W0069"}
    assert set(runs) == {"amber", "red"}
    expected = {
        "amber": (4, DATES[0], DATES[3], 4, DATES[0]),
        "red": (2, DATES[0], DATES[1], 1, DATES[3]),
    }
    for band, (longest, start, end, current, since) in expected.items():
        got = runs[band]
        assert (got["longest_run"], got["longest_from"], got["longest_to"]) == (longest, start, end)
        assert (got["current_run"], got["current_from"]) == (current, since)
    joiner = [r for r in data["sections"]["runs"] if r["worker_id"] == "W0151"]
    assert joiner and all(r["longest_run"] == 0 and r["current_from"] is None for r in joiner)


def test_from_to_and_selection(run, store):
    data = as_json(run("trend", "--store", store, "--by", "worker", "--team", TEAM,
                       "--from", DATES[1], "--to", DATES[2], "--format", "json"))  # fmt: skip
    assert sorted({r["snapshot"] for r in data["rows"]}) == DATES[1:3]
    assert {r["team"] for r in data["rows"]} == {TEAM}
    assert TEAM in data["title"] and data["metadata"]["from"] == DATES[1]
    overall = data["sections"]["overall"]
    for total in overall:
        mine = [r for r in data["rows"] if r["snapshot"] == total["snapshot"]]
        assert total["cases"] == sum(r["cases"] for r in mine)
    later = as_json(run("trend", "--store", store, "--from", DATES[3], "--format", "json"))
    assert {r["snapshot"] for r in later["rows"]} == {DATES[3]}


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown", "html", "xlsx", "table"])
def test_every_format_renders(run, store, tmp_path, fmt):
    out = tmp_path / f"trend.{fmt}"
    result = run("trend", "--store", store, "--format", fmt, "--output", out)
    assert result.exit_code == 0, result.stderr
    assert out.stat().st_size > 0
    if fmt == "markdown":
        assert "█" in out.read_text(encoding="utf-8")  # the overall chart, as text bars
    if fmt == "html":
        text = out.read_text(encoding="utf-8")
        assert "Utilisation by snapshot" in text  # the overall bars
        assert "Utilisation by team" in text and "amber above 80%" in text  # a line per team
        assert text.count('<figure class="chart">') == 2
    if fmt == "xlsx":
        import openpyxl

        book = openpyxl.load_workbook(out)
        assert "trend chart" in book.sheetnames  # the series pivoted, one column per team
        (chart,) = book["trend chart"]._charts
        assert type(chart).__name__ == "LineChart" and len(chart.series) == 12
    if fmt == "csv":
        assert out.read_text(encoding="utf-8").count(DATES[0]) == 12  # long: one per team


def test_view_runs_as_csv(run, store):
    result = run("trend", "--store", store, "--view", "runs", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("service_area,team,at_or_above,longest_run")


def test_errors(run, store, tmp_path):
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "x.txt").write_text("x")
    not_a_store = run("trend", "--store", tmp_path / "other")
    assert not_a_store.exit_code == 1 and "store" in not_a_store.stderr
    emptied = tmp_path / "emptied"
    assert run("history", "add", *files(DATES[0]), "--store", emptied, "-q").exit_code == 0
    assert run("history", "remove", DATES[0], "--store", emptied).exit_code == 0
    empty = run("trend", "--store", emptied)
    assert empty.exit_code == 1 and "no snapshots" in empty.stderr
    backwards = run("trend", "--store", store, "--from", DATES[2], "--to", DATES[1])
    assert backwards.exit_code == 2 and "is after --to" in backwards.stderr
    nothing = run("trend", "--store", store, "--from", "2023-01-01")
    assert nothing.exit_code == 1 and f"{DATES[0]} to {DATES[-1]}" in nothing.stderr
    malformed = run("trend", "--store", store, "--to", "May")
    assert malformed.exit_code == 2 and "not a date" in malformed.stderr
    typo = run("trend", "--store", store, "--team", "Greater Manchester WAFH1")
    assert typo.exit_code == 2 and f"did you mean '{TEAM}'" in typo.stderr
    reading = run("trend", "--store", store, "--mapping", __file__, "--strict")
    assert reading.exit_code == 2 and "--mapping, --strict apply only to input files" in (
        reading.stderr
    )
    staff = run("trend", "--store", store, "--staff", "staff.csv")
    assert staff.exit_code == 2
    assert json.loads(run("trend", "--store", store, "--format", "json").stdout)["rows"]


def test_without_a_store_the_bundled_series_is_used(run, store):
    bundled = as_json(run("trend", "--to", DATES[-1], "--format", "json"))
    stored = as_json(run("trend", "--store", store, "--format", "json"))
    assert bundled["rows"] == stored["rows"]  # the same four weeks, the same numbers
    assert any("bundled synthetic weekly series" in note for note in bundled["notes"])
    everything = as_json(run("trend", "--by", "national", "--format", "json"))
    assert [r["snapshot"] for r in everything["rows"]] == sorted(
        p.name for p in WEEKS.iterdir() if p.is_dir()
    )
