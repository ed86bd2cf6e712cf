"""`caseload survey`: the survey's own figures, suppression, the histogram and every format
(caseload_cli/survey/figures.py, reports/survey.py), and the synthetic survey (issue #5)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import numpy as np
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
from helpers import ROOT, as_json
from hypothesis import given, settings
from hypothesis import strategies as st
from survey_data import BUNDLED, by_label, group_rows, responses_csv, write

from caseload_cli.contract.responses import read_responses, validate_responses
from caseload_cli.core.vocabulary import SURVEY_BY
from caseload_cli.reports.survey import survey_report
from caseload_cli.survey.figures import SECONDARY, SurveySettings, figures, histogram
from caseload_cli.synth import responses as synth_survey

# --------------------------------------------------------------------------- published figures


def test_bundled_responses_reproduce_the_published_figures(run):
    result = run("survey", "--format", "json")
    data = as_json(result)
    rows = by_label(data["rows"], "team_type")
    assert rows["all"]["mean"] == pytest.approx(17.4, abs=0.1)
    assert rows["public_law"]["mean"] == pytest.approx(16.5, abs=0.1)
    assert rows["all"]["in_range_pct"] == pytest.approx(86, abs=1)
    assert rows["eit"]["letters_mean"] == pytest.approx(1.6, abs=0.05)
    assert data["accounting"] == {
        "responses_read": 600,
        "responses_used": 597,
        "responses_rejected": 3,
    }
    assert data["schemes"] == []
    assert data["metadata"]["responses_sha256"] == hashlib.sha256(BUNDLED.read_bytes()).hexdigest()
    assert data["metadata"]["range"] == [14.0, 20.0] and data["metadata"]["min_group"] == 5
    assert "linear interpolation" in data["metadata"]["quartile_method"]
    assert "bundled synthetic survey" in result.stderr
    assert (
        result.stderr.strip().splitlines()[-1]
        == "600 rows read: 597 used, 3 rejected (see --rejects FILE)"
    )


@pytest.mark.parametrize("name", ["responses.xlsx", "responses.parquet"])
def test_bundled_xlsx_and_parquet_give_the_same_figures(run, name):
    csv_rows = as_json(run("survey", BUNDLED, "--format", "json", "--by", "role"))["rows"]
    other = as_json(run("survey", ROOT / "sample_data" / name, "--format", "json", "--by", "role"))
    assert other["rows"] == csv_rows


def test_bundled_file_is_what_the_documented_sample_command_writes(tmp_path):
    written = synth_survey.write_responses(
        synth_survey.generate_responses(600, 7), tmp_path, ["csv"]
    )
    assert [p.name for p in written] == ["responses.csv"]
    assert written[0].read_bytes() == BUNDLED.read_bytes()
    assert "--survey" in (ROOT / "docs" / "survey.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("respondents,seed", [(600, 1), (400, 11), (3000, 5)])
def test_generator_hits_the_published_figures_for_any_seed(respondents, seed):
    frame = synth_survey.generate_responses(respondents, seed)
    table = validate_responses(_table(frame))
    by_type = figures(table.frame, "team_type", SurveySettings()).set_index("team_type")
    assert table.rejected == synth_survey.implausible_count(respondents)
    assert by_type.at["all", "mean"] == pytest.approx(17.4, abs=0.1)
    assert by_type.at["public_law", "mean"] == pytest.approx(16.5, abs=0.1)
    assert by_type.at["all", "in_range_pct"] == pytest.approx(86, abs=1)
    assert by_type.at["eit", "letters_mean"] == pytest.approx(1.6, abs=0.05)


def _table(frame: pd.DataFrame):
    from caseload_cli.core.model import Table

    return Table(
        frame.astype(object).where(frame.notna(), ""), "generated", np.arange(2, len(frame) + 2)
    )


def test_generator_is_deterministic_and_checks_its_arguments():
    pd.testing.assert_frame_equal(
        synth_survey.generate_responses(300, 4), synth_survey.generate_responses(300, 4)
    )
    assert not synth_survey.generate_responses(300, 4).equals(
        synth_survey.generate_responses(300, 5)
    )
    for bad in (0, -1, 1.5, True, synth_survey.MAX_RESPONDENTS + 1):
        with pytest.raises(ValueError):
            synth_survey.generate_responses(bad, 1)
    with pytest.raises(ValueError):
        synth_survey.write_responses(synth_survey.generate_responses(10, 1), "/tmp", ["pdf"])


def test_sample_survey_option_writes_responses_in_each_format(run, tmp_path):
    result = run(
        "sample", "--out", tmp_path / "a", "--workers", "20", "--survey", "--respondents", "200"
    )
    assert result.exit_code == 0, result.output
    names = {p.name for p in (tmp_path / "a").iterdir()}
    assert {"responses.csv", "responses.xlsx", "responses.parquet"} <= names
    assert "200 survey responses" in result.stderr
    again = run(
        "sample",
        "--out",
        tmp_path / "b",
        "--workers",
        "20",
        "--survey",
        "--respondents",
        "200",
        "--format",
        "csv",
    )
    assert again.exit_code == 0
    assert (tmp_path / "a" / "responses.csv").read_bytes() == (
        tmp_path / "b" / "responses.csv"
    ).read_bytes()
    assert not (tmp_path / "b" / "responses.xlsx").exists()
    assert pd.read_csv(tmp_path / "b" / "responses.csv").shape == (200, 8)
    plain = run("sample", "--out", tmp_path / "c", "--workers", "20")
    assert not (tmp_path / "c" / "responses.csv").exists() and plain.exit_code == 0
    assert run("sample", "--out", tmp_path / "d", "--survey", "--respondents", "0").exit_code == 2


# --------------------------------------------------------------------------- command basics


def test_command_module_does_not_import_pandas():
    code = (
        "import sys, caseload_cli.cli.survey; "
        "assert 'pandas' not in sys.modules and 'numpy' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("command", [["survey"], ["load"], ["sample"]])
def test_help_has_examples(run, command):
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout
    if command != ["sample"]:
        assert "survey" in result.stdout.lower()


def test_load_help_lists_the_survey_options(run):
    text = run("load", "--help").stdout
    assert "--safe-levels-from" in text and "--statistic" in text


# --------------------------------------------------------------------------- statistics


def test_statistics_match_pandas_linear_quartiles_and_inclusive_range(run, tmp_path):
    answers = [10, 14, 15, 16, 20, 21, 30]
    path = write(tmp_path / "r.csv", responses_csv(group_rows("wafh", answers)))
    row = as_json(run("survey", path, "--format", "json", "--by", "national"))["rows"][0]
    series = pd.Series(answers, dtype=float)
    assert row["level"] == "all" and row["respondents"] == 7
    assert row["mean"] == pytest.approx(series.mean())
    assert row["median"] == 16.0
    assert (row["q1"], row["q3"]) == (14.5, 20.5)  # linear interpolation, not nearest rank
    assert row["in_range_pct"] == pytest.approx(400 / 7)  # 14, 15, 16, 20: both ends count
    narrow = as_json(
        run("survey", path, "--format", "json", "--by", "national", "--range", "15:16")
    )
    assert narrow["rows"][0]["in_range_pct"] == pytest.approx(200 / 7)
    assert narrow["metadata"]["range"] == [15.0, 16.0]


@pytest.mark.parametrize("text", ["14-20", "20:14", "a:b", "14", "-1:5", "inf:inf"])
def test_bad_range_exits_2(run, text):
    result = run("survey", BUNDLED, "--range", text)
    assert result.exit_code == 2 and "--range" in result.stderr


@pytest.mark.parametrize("by", SURVEY_BY)
def test_every_survey_grouping(run, by):
    data = as_json(run("survey", BUNDLED, "--format", "json", "--by", by))
    label = "level" if by == "national" else by
    rows = data["rows"]
    assert rows[0][label] == "all" and rows[0]["respondents"] == 597
    assert (len(rows) == 1) == (by == "national")
    assert data["metadata"]["by"] == by


def test_histogram_counts_every_used_answer(run):
    data = as_json(run("survey", BUNDLED, "--format", "json"))
    hist = data["sections"]["histogram"]
    assert sum(b["respondents"] for b in hist) == 597
    assert all(b["to"] - b["from"] == 1 for b in hist)
    assert "bar" not in hist[0]
    table = run("survey", BUNDLED).stdout
    assert "Histogram" in table and "█" * 40 in table


def test_wide_answers_get_wider_bins(tmp_path):
    frame = pd.DataFrame(
        {"safe_cases": [1.0, 2.0, 59.5, 30.0, 31.0], "safe_letters_per_day": np.nan}
    )
    hist = histogram(frame, SurveySettings())
    assert hist["respondents"].sum() == 5
    assert (hist["to"] - hist["from"]).eq(2).all()
    assert hist["safe_cases"].iloc[0] == "1–2"


# --------------------------------------------------------------------------- suppression


def test_a_small_group_is_suppressed_and_so_is_the_next_smallest(run, tmp_path):
    rows = (
        group_rows("wafh", [18] * 20, start=1)
        + group_rows("public_law", [16] * 8, start=21)
        + group_rows("eit", [12, 30], start=31)
    )
    path = write(tmp_path / "r.csv", responses_csv(rows))
    data = as_json(run("survey", path, "--format", "json"))
    rows = by_label(data["rows"], "team_type")
    assert rows["eit"]["suppressed"] == "fewer than 5 respondents"
    assert rows["public_law"]["suppressed"] == SECONDARY
    for name in ("eit", "public_law"):
        assert all(
            rows[name][c] is None
            for c in ("respondents", "mean", "median", "q1", "q3", "in_range_pct")
        )
    assert rows["wafh"]["mean"] == 18.0 and rows["wafh"]["suppressed"] == ""
    assert rows["all"]["respondents"] == 30
    # Without the second suppression EIT's mean, 21, would follow from the total and wafh.
    assert [r["mean"] for r in data["rows"]] == [pytest.approx(530 / 30), None, None, 18.0]


def test_min_group_option_changes_what_is_suppressed(run, tmp_path):
    rows = group_rows("wafh", [18] * 6, start=1) + group_rows("public_law", [16] * 6, start=7)
    path = write(tmp_path / "r.csv", responses_csv(rows))
    shown = by_label(as_json(run("survey", path, "--format", "json"))["rows"], "team_type")
    assert shown["wafh"]["mean"] == 18.0
    hidden = as_json(run("survey", path, "--format", "json", "--min-group", "7"))
    rows = by_label(hidden["rows"], "team_type")
    assert rows["wafh"]["mean"] is None and rows["public_law"]["mean"] is None
    assert rows["all"]["mean"] == 17.0 and hidden["metadata"]["min_group"] == 7
    assert run("survey", path, "--min-group", "2").exit_code == 2


def test_too_few_respondents_hides_everything_including_the_histogram(run, tmp_path):
    path = write(tmp_path / "r.csv", responses_csv(group_rows("wafh", [18, 19, 20])))
    data = as_json(run("survey", path, "--format", "json"))
    assert all(row["mean"] is None for row in data["rows"])
    assert data["sections"]["histogram"] == []
    assert any("histogram suppressed" in note for note in data["notes"])


def test_letters_figures_are_protected_on_their_own_counts(run, tmp_path):
    rows = (
        group_rows("eit", [18] * 10, [1.5] * 10, start=1)
        + group_rows("wafh", [18] * 10, [4, 4] + [None] * 8, start=11)
        + group_rows("public_law", [18] * 10, start=21)
    )
    data = as_json(
        run("survey", write(tmp_path / "r.csv", responses_csv(rows)), "--format", "json")
    )
    rows = by_label(data["rows"], "team_type")
    assert rows["wafh"]["mean"] == 18.0 and rows["wafh"]["letters_mean"] is None
    assert rows["wafh"]["suppressed"] == "letters: fewer than 5 respondents"
    assert (
        rows["eit"]["letters_mean"] is None and rows["eit"]["suppressed"] == f"letters: {SECONDARY}"
    )
    assert rows["all"]["letters_mean"] == pytest.approx((15 + 8) / 12)
    assert rows["public_law"]["letters_respondents"] == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=12), min_size=1, max_size=6), st.integers(3, 6))
def test_no_single_hidden_group_can_be_recovered_from_the_total(sizes, min_group):
    frame = pd.DataFrame(
        {
            "team_type": np.repeat([f"t{i}" for i in range(len(sizes))], sizes),
            "safe_cases": np.arange(sum(sizes), dtype=float) % 40 + 1,
            "safe_letters_per_day": np.nan,
        }
    )
    out = figures(frame, "team_type", SurveySettings(min_group=min_group))
    groups = out.iloc[1:]
    hidden = groups["mean"].isna()
    assert not (groups["respondents"].fillna(min_group) < min_group).any()
    if out["mean"].iat[0] == out["mean"].iat[0]:  # the total is shown
        assert hidden.sum() != 1
    else:
        assert hidden.all()
    assert (groups.loc[hidden, "suppressed"] != "").all()


def test_aggregate_outputs_never_contain_respondent_ids(run, tmp_path):
    ids = pd.read_csv(BUNDLED, dtype=str)["respondent_id"]
    for fmt in ("csv", "json", "ndjson", "markdown", "html", "table"):
        text = run("survey", BUNDLED, "--format", fmt, "--by", "service_area").stdout
        assert not any(i in text for i in ids.sample(50, random_state=1)), fmt
    assert "R0001" not in run("survey", BUNDLED, "--format", "json").stdout


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    "fmt", ["table", "csv", "json", "ndjson", "xlsx", "parquet", "markdown", "html"]
)
def test_every_format_for_the_survey(run, tmp_path, fmt):
    out = tmp_path / f"out.{fmt}"
    result = run("survey", BUNDLED, "--format", fmt, "--output", out)
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 100
    if fmt == "xlsx":
        book = openpyxl.load_workbook(out)
        assert book.sheetnames == ["survey", "Histogram", "about"]
        charts = book["Histogram"]._charts
        assert len(charts) == 1 and type(charts[0]).__name__ == "BarChart"
        about = dict(book["about"].iter_rows(min_row=2, values_only=True))
        assert (
            about["metadata.responses_sha256"] == hashlib.sha256(BUNDLED.read_bytes()).hexdigest()
        )
    if fmt == "html":
        text = out.read_text(encoding="utf-8")
        assert text.count("<svg") == 1 and text.index("<h2>Histogram</h2>") < text.index("<svg")
        assert ">respondents<" in text and "safe cases (green: 14 to 20)" in text
    if fmt == "parquet":
        metadata = json.loads(pq.read_schema(out).metadata[b"caseload.metadata"])
        assert metadata["min_group"] == 5 and len(metadata["responses_sha256"]) == 64
        assert pq.read_table(out).num_rows == 4


def test_xlsx_and_html_are_reproducible(run, tmp_path):
    for fmt in ("xlsx", "html"):
        one, two = tmp_path / f"1.{fmt}", tmp_path / f"2.{fmt}"
        run("survey", BUNDLED, "--output", one)
        run("survey", BUNDLED, "--output", two)
        assert one.read_bytes() == two.read_bytes(), fmt


def test_survey_report_carries_the_histogram_chart(tmp_path):
    report = survey_report(read_responses(str(BUNDLED)), SurveySettings())
    (chart,) = report.charts
    assert (chart.section, chart.highlight_range) == ("histogram", (14.0, 20.0))
    columns = set(report.sections["histogram"].columns)
    assert {chart.category, chart.value, chart.highlight_column} <= columns
    few = write(tmp_path / "few.csv", responses_csv(group_rows("wafh", [15, 16])))
    assert survey_report(read_responses(str(few)), SurveySettings()).charts == []


def test_the_report_does_not_depend_on_the_format(run):
    report = survey_report(read_responses(str(BUNDLED)), SurveySettings())
    hist = report.sections["histogram"]
    assert list(hist.columns) == ["safe_cases", "from", "to", "respondents", "share_pct"]
    peak = str(hist.loc[hist["respondents"].idxmax(), "safe_cases"])
    for fmt in ("table", "markdown"):  # the text bars are drawn from the chart
        lines = run("survey", BUNDLED, "--format", fmt).stdout.splitlines()
        tallest = [line for line in lines if "█" * 40 in line]
        assert len(tallest) == 1 and tallest[0].strip("| ").startswith(peak), fmt


def test_html_to_stdout_has_the_chart_and_binary_needs_output(run):
    assert "<svg" in run("survey", BUNDLED, "--format", "html").stdout
    result = run("survey", BUNDLED, "--format", "xlsx")
    assert result.exit_code == 2 and "needs --output" in result.stderr
    assert "rejected:" not in result.stderr  # refused before reading anything
