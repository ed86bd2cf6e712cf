"""`caseload week`: the weekly table reconciles with last week, from files or a store."""

from __future__ import annotations

import pytest
from helpers import ROOT, as_json

WEEKS = ROOT / "sample_data" / "weeks"
DATES = sorted(p.name for p in WEEKS.iterdir() if p.is_dir())
TEAM = "Greater Manchester WAFH 1"


def files(date: str) -> dict[str, str]:
    return {
        kind: str(WEEKS / date / f"{kind}.parquet") for kind in ("cases", "staff", "reductions")
    }


def week_args(now: str, before: str, *extra: str) -> list[str]:
    a, b = files(now), files(before)
    return [
        "week", a["cases"], "--staff", a["staff"], "--reductions", a["reductions"],
        "--previous", b["cases"], "--previous-staff", b["staff"],
        "--previous-reductions", b["reductions"], *extra,
    ]  # fmt: skip


@pytest.mark.parametrize("index", [1, 5])  # an ordinary week, and the week a worker leaves
def test_changes_reconcile_with_last_week(run, index):
    data = as_json(run(*week_args(DATES[index], DATES[index - 1], "--format", "json")))
    rows = data["rows"]
    changes = data["sections"]["case_changes"]
    assert (
        data["metadata"]["as_at"] == DATES[index]
        and data["metadata"]["previous"] == DATES[index - 1]
    )
    for row in rows:
        if row["cases_previous"] is None:
            continue  # a joiner: no row last week
        assert row["cases_previous"] + row["cases_change"] == row["cases"]
        gained = sum(c["to_worker"] == row["worker_id"] for c in changes)
        lost = sum(c["from_worker"] == row["worker_id"] for c in changes)
        assert gained - lost == row["cases_change"], row["worker_id"]
        assert row["weighted_load_previous"] + row["load_change"] == pytest.approx(
            row["weighted_load"]
        )
        assert sum(v for k, v in row.items() if k.startswith("cases_") and k not in (
            "cases_previous", "cases_change")) == row["cases"]  # fmt: skip


def test_team_filter_totals_and_leaver(run):
    data = as_json(run(*week_args(DATES[5], DATES[4], "--team", TEAM, "--format", "json")))
    assert {r["team"] for r in data["rows"]} == {TEAM}
    assert TEAM in data["title"] and DATES[5] in data["title"] and DATES[4] in data["title"]
    (total,) = data["sections"]["team_totals"]
    assert total["cases"] == sum(r["cases"] for r in data["rows"])
    everyone = as_json(run(*week_args(DATES[5], DATES[4], "--format", "json")))
    assert [s["change"] for s in everyone["sections"]["staff_changes"]] == ["left"]


def test_from_a_store(run, tmp_path):
    store = tmp_path / "history"
    for date in DATES[:3]:
        f = files(date)
        added = run("history", "add", f["cases"], "--staff", f["staff"], "--reductions",
                    f["reductions"], "--store", store, "-q")  # fmt: skip
        assert added.exit_code == 0, added.stderr
    latest = as_json(run("week", "--store", store, "--team", TEAM, "--format", "json"))
    assert latest["metadata"]["as_at"] == DATES[2] and latest["metadata"]["previous"] == DATES[1]
    by_files = as_json(run(*week_args(DATES[2], DATES[1], "--team", TEAM, "--format", "json")))
    assert latest["rows"] == [
        {**row, "weeks_over": latest_row["weeks_over"]}
        for row, latest_row in zip(by_files["rows"], latest["rows"], strict=True)
    ]
    assert max(r["weeks_over"] for r in latest["rows"]) == 3  # red in all three snapshots
    everyone = as_json(run("week", "--store", store, "--format", "json"))["rows"]
    team_runs = {r["worker_id"]: r["weeks_over"] for r in everyone if r["team"] == TEAM}
    assert {r["worker_id"]: r["weeks_over"] for r in latest["rows"]} == team_runs  # read apart
    earlier = as_json(run("week", "--store", store, "--as-at", DATES[1], "--format", "json"))
    assert earlier["metadata"]["previous"] == DATES[0]
    first = run("week", "--store", store, "--as-at", DATES[0])
    assert first.exit_code == 2 and "no snapshot before" in first.stderr


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--team", "Greater Manchester WAFH1"), "did you mean 'Greater Manchester WAFH 1'"),
        (("--as-at", "2022-05-06"), "--as-at picks a week from --store"),
    ],
)
def test_errors(run, extra, message):
    result = run(*week_args(DATES[1], DATES[0], *extra))
    assert result.exit_code == 2
    assert message in result.stderr


def test_previous_must_be_earlier_and_files_or_store(run, tmp_path):
    swapped = run(*week_args(DATES[0], DATES[1]))
    assert swapped.exit_code == 2 and "not before" in swapped.stderr
    f = files(DATES[1])
    alone = run("week", f["cases"], "--staff", f["staff"])
    assert alone.exit_code == 2 and "--previous" in alone.stderr
    both = run("week", files(DATES[1])["cases"], "--store", tmp_path)
    assert both.exit_code == 2 and "leave out CASES" in both.stderr
    (tmp_path / "not-a-store").mkdir()
    (tmp_path / "not-a-store" / "x.txt").write_text("x")
    result = run("week", "--store", tmp_path / "not-a-store")
    assert result.exit_code != 0 and "store" in result.stderr


def test_bundled_series_works_straight_after_install(run):
    data = as_json(run("week", "--team", TEAM, "--format", "json"))
    assert data["metadata"]["as_at"] == DATES[-1] and data["metadata"]["previous"] == DATES[-2]
    assert f"({len(DATES)} snapshots available)" in data["notes"][0]
    assert max(r["weeks_over"] for r in data["rows"]) == len(DATES)  # red all eight weeks


def test_html_charts_each_workers_load_against_capacity_team_by_team(run, tmp_path):
    page = tmp_path / "week.html"
    result = run("week", "--service-area", "A3 Greater Manchester", "--output", page)
    assert result.exit_code == 0, result.stderr
    text = page.read_text(encoding="utf-8")
    teams = sorted(
        {
            r["team"]
            for r in as_json(
                run("week", "--format", "json", "--service-area", "A3 Greater Manchester")
            )["rows"]
        }
    )
    assert len(teams) > 1
    for team in teams:  # a page per team: heading, table, then its chart
        heading = f">{team}</h2>"
        part = text[text.index(heading) + len(heading) :]
        assert part.index("<table") < part.index('<figure class="chart">') < part.index("<h2")
    assert text.count('<figure class="chart">') == len(teams)
    assert "Weighted load against capacity" in text and ">capacity<" in text
    assert ">40 (EIT)<" in text and ">25<" in text and ">20<" in text  # the published levels


def test_xlsx_has_a_sheet_and_a_native_chart_per_team(run, tmp_path):
    import openpyxl

    book_path = tmp_path / "week.xlsx"
    result = run("week", "--service-area", "A3 Greater Manchester", "--output", book_path)
    assert result.exit_code == 0, result.stderr
    book = openpyxl.load_workbook(book_path)
    teams = [n for n in book.sheetnames if n.startswith("Greater Manchester")]
    assert len(teams) == 4 and book.sheetnames[len(teams)] == "Team totals"
    for name in teams:
        sheet = book[name]
        assert {c.value for c in sheet["C"][1:]} == {name}  # the team column: that team only
        (chart,) = sheet._charts
        assert type(chart).__name__ == "BarChart" and chart.type == "bar"


def test_team_only_staff_files_give_the_same_week(run, tmp_path):
    import pandas as pd

    def team_staff(date: str) -> str:
        staff = pd.read_parquet(files(date)["staff"])
        out = tmp_path / f"staff_{date}.parquet"
        staff[staff["team"] == TEAM].to_parquet(out)
        return str(out)

    now, before = files(DATES[2]), files(DATES[1])
    result = run(
        "week", now["cases"], "--staff", team_staff(DATES[2]), "--previous", before["cases"],
        "--previous-staff", team_staff(DATES[1]), "--team", TEAM, "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    narrowed = as_json(result)
    national = as_json(
        run("week", now["cases"], "--staff", now["staff"], "--previous", before["cases"],
            "--previous-staff", before["staff"], "--team", TEAM, "--format", "json")
    )  # fmt: skip
    assert narrowed["rows"] == national["rows"]
    assert narrowed["accounting"]["rejected"] == 0 and "rejected:" not in result.stderr
