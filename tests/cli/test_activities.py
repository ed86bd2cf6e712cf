"""Work that is not a case: the activities input, weighed by the scheme's [activities],
accounted for row by row, explained, and named in every output by the scheme's unit."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from helpers import as_json

HEADER = "worker_id,activity,count,hours,weeks,from,to"


def activities_file(tmp_path, rows: list[str], name: str = "activities.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def hours_args(tiny, activities) -> list:
    return [
        tiny["cases"],
        "--staff",
        tiny["staff"],
        "--reductions",
        tiny["reductions"],
        "--activities",
        activities,
        "--scheme",
        "hours-example",
    ]


def test_every_activity_row_is_weighed_or_rejected_with_its_reason(run, tiny, tmp_path):
    rows = [
        "W001,safeguarding_letter,8,,4,,",  # fine: 8 letters over 4 weeks
        "W001,training,,3,,,",  # fine: hours for an activity measured per hour
        "W002,court_duty,2,,,2022-04-04,2022-04-17",  # fine: 2 days over 2 weeks
        "W002,safeguarding_letter,,2,,,",  # letters are counted, not timed
        "W002,safeguarding_leter,1,,,,",  # a typo
        "W003,court_duty,1,1,,,",  # both count and hours
        "W003,court_duty,,,,,",  # neither
        "W003,court_duty,-1,,,,",
        "W009,court_duty,1,,,,",  # not in the staff file
        "W003,court_duty,1,,0,,",
        "W003,court_duty,1,,,2022-04-01,2022-05-03",  # ends after the snapshot
        "W003,court_duty,1,,,2022-04-10,2022-04-01",  # backwards
        "W003,court_duty,1,,2,2022-04-01,2022-04-07",  # weeks and dates
        "W003,court_duty,1,,,2022-04-01,",  # one date
    ]
    activities = activities_file(tmp_path, rows)
    result = run("validate", *hours_args(tiny, activities), "--format", "json")
    found = sorted(
        (r["row"], r["column"], r["reason"])
        for r in as_json(result)["rows"]
        if r["file"].endswith("activities.csv")
    )
    assert found == [
        (5, "hours", "activity safeguarding_letter is counted per item: give count"),
        (
            6,
            "activity",
            "activity 'safeguarding_leter' is not known (did you mean safeguarding_letter?)",
        ),
        (7, "count", "give count or hours, not both"),
        (8, "count", "give count or hours"),
        (9, "count", "count must be ≥ 0"),
        (10, "worker_id", "worker_id is not in the staff file (or was rejected there)"),
        (11, "weeks", "weeks must be > 0"),
        (12, "to", "to 2022-05-03 is after the snapshot date (2022-04-30)"),
        (13, "to", "to is before from"),
        (14, "weeks", "give weeks or from and to, not both"),
        (15, "to", "give both from and to, or neither"),
    ]
    assert result.exit_code == 0
    assert "activities: 14 rows read: 3 weighed, 11 rejected" in result.stderr


def test_loads_add_activities_to_cases_in_the_schemes_unit(run, tiny, tmp_path):
    activities = activities_file(
        tmp_path,
        [
            "W001,safeguarding_letter,8,,4,,",  # 8 × 3 h / 4 weeks = 6
            "W001,training,,3,,,",  # 3 × 1 h = 3
            "W002,court_duty,2,,,2022-04-04,2022-04-17",  # 2 × 7.4 h / 2 weeks = 7.4
        ],
    )
    result = run("load", *hours_args(tiny, activities), "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = as_json(result)
    rows = {row["worker_id"]: row for row in document["rows"]}
    assert rows["W001"]["activity_load"] == 9.0
    assert rows["W002"]["activity_load"] == 7.4
    assert rows["W003"]["activity_load"] == 0.0
    for row in rows.values():
        assert row["case_load"] + row["activity_load"] == pytest.approx(row["weighted_load"])
    assert document["scheme"]["unit"] == "hours"
    assert document["title"].startswith("Weighted load in hours by worker")
    national = run("load", *hours_args(tiny, activities), "--by", "national", "--format", "json")
    total = as_json(national)["rows"][0]
    counted = [r for r in rows.values() if r["role"] in ("fca", "locum_fca")]
    assert total["activity_load"] == pytest.approx(sum(r["activity_load"] for r in counted))


def test_every_format_names_the_unit(run, tiny, tmp_path):
    activities = activities_file(tmp_path, ["W001,training,,3,,,"])
    args = hours_args(tiny, activities)
    csv = run("load", *args, "--format", "csv")
    header, first = csv.stdout.splitlines()[:2]
    assert dict(zip(header.split(","), first.split(","), strict=True))["unit"] == "hours"
    assert ", loads in hours sha256:" in run("load", *args).stdout
    assert ", loads in hours sha256:" in run("load", *args, "--format", "markdown").stdout
    assert ", loads in hours" in run("load", *args, "--format", "html").stdout
    assert (
        json.loads(run("load", *args, "--format", "ndjson").stdout.splitlines()[0])["unit"]
        == "hours"
    )
    parquet = tmp_path / "loads.parquet"
    run("load", *args, "--format", "parquet", "--output", parquet)
    assert set(pd.read_parquet(parquet)["unit"]) == {"hours"}
    flat = run("load", tiny["cases"], "--staff", tiny["staff"], "--format", "csv")
    assert "activity_load" not in flat.stdout.splitlines()[0]  # a scheme without activities
    assert ", loads in cases sha256:" in run("load", tiny["cases"], "--staff", tiny["staff"]).stdout


def test_explain_shows_each_activity_and_each_time_standard(run, tiny, tmp_path):
    activities = activities_file(tmp_path, ["W001,safeguarding_letter,8,,4,,"])
    result = run("explain", "W001", *hours_args(tiny, activities), "--format", "json")
    document = as_json(result)
    (activity,) = document["sections"]["activities"]
    assert activity["load"] == 6.0
    assert activity["explanation"] == (
        "8 items × 3 hours per item / 4 weeks = 6; activities file row 2"
    )
    sources = {row["case_type"]: row["base_source"] for row in document["rows"]}
    assert sources["s7"] == "weights.case_type.s7: 30 over 26 weeks = 1.153846 a week"
    steps = {row["step"]: row for row in document["sections"]["capacity"]}
    assert steps["allowance: travel"]["value"] == 2.5
    assert steps["target"]["value"] == 30.36
    summary = {row["item"]: row for row in document["sections"]["summary"]}
    assert summary["weighted_load"]["value"] == pytest.approx(
        summary["case_load"]["value"] + summary["activity_load"]["value"]
    )


def test_activities_read_alike_from_csv_xlsx_and_parquet(run, tiny, tmp_path):
    csv = activities_file(tmp_path, ["W001,safeguarding_letter,8,,4,,", "W002,court_duty,1,,,,"])
    frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
    xlsx, parquet = tmp_path / "a.xlsx", tmp_path / "a.parquet"
    frame.to_excel(xlsx, index=False)
    frame.to_parquet(parquet, index=False)
    loads = [
        as_json(run("load", *hours_args(tiny, path), "--format", "json"))["rows"]
        for path in (csv, xlsx, parquet)
    ]
    picked = [[(r["worker_id"], r["activity_load"]) for r in rows] for rows in loads]
    assert picked[0] == picked[1] == picked[2]


def test_a_selection_keeps_its_workers_activities(run, tiny, tmp_path):
    activities = activities_file(tmp_path, ["W001,training,,3,,,", "W005,training,,2,,,"])
    result = run("load", *hours_args(tiny, activities), "--team", "Team C", "--format", "json")
    (row,) = as_json(result)["rows"]
    assert (row["worker_id"], row["activity_load"]) == ("W005", 2.0)


def test_compare_leaves_case_thresholds_off_an_hours_scheme(run, tiny):
    args = [tiny["cases"], "--staff", tiny["staff"], "--format", "json"]
    result = run("compare", *args, "--scheme", "flat", "--scheme", "hours-example")
    metrics = {row["metric"]: row for row in as_json(result)["rows"]}
    assert metrics["above_25"]["flat"] is not None
    assert metrics["above_25"]["hours-example"] is None
    assert metrics["over_capacity"]["hours-example"] is not None
    assert any("different units" in note for note in as_json(result)["notes"])
    workers = run(
        "compare", *args, "--scheme", "flat", "--scheme", "hours-example", "--view", "workers"
    )
    assert "hours-example change" not in as_json(workers)["rows"][0]


def test_only_schemes_that_weigh_activities_judge_them(run, tiny, tmp_path):
    activities = activities_file(tmp_path, ["W001,training,,3,,,"])
    args = [tiny["cases"], "--staff", tiny["staff"], "--activities", activities]
    both = run(
        "compare", *args, "--scheme", "flat", "--scheme", "hours-example", "--format", "json"
    )
    assert "activities: 1 rows read: 1 weighed, 0 rejected" in both.stderr
    alone = run("load", *args, "--format", "json")  # flat weighs no activities
    (reject,) = [r for r in as_json(run("validate", *args, "--format", "json"))["rows"]]
    assert reject["reason"] == "no scheme given weighs activities (flat has no [activities])"
    assert "activities: 1 rows read: 0 weighed, 1 rejected" in alone.stderr


NO_ACTIVITIES = (
    "Scheme hours-example weighs activities (court_duty, report_written, safeguarding_letter, "
    "training) but no --activities file was given: its loads count cases only."
)


def test_a_scheme_that_weighs_activities_says_when_there_are_none(run, tiny, tmp_path):
    without = [*hours_args(tiny, "x")[:-4], "--scheme", "hours-example"]
    notes = as_json(run("load", *without, "--format", "json"))["notes"]
    assert NO_ACTIVITIES in notes
    given = activities_file(tmp_path, ["W001,training,,3,,,"])
    assert (
        NO_ACTIVITIES
        not in as_json(run("load", *hours_args(tiny, given), "--format", "json"))["notes"]
    )
    assert not any(
        "weighs activities" in n
        for n in as_json(run("load", *without[:-2], "--scheme", "flat", "--format", "json"))[
            "notes"
        ]
    )


def test_trend_says_once_that_the_series_has_no_activities(run):
    """The bundled weekly series has no activities file: one note, not one a week."""
    notes = as_json(run("trend", "--scheme", "hours-example", "--format", "json"))["notes"]
    assert notes.count(NO_ACTIVITIES) == 1
    assert not any(n.endswith(NO_ACTIVITIES) and n != NO_ACTIVITIES for n in notes)
