"""`caseload survey`, `load --safe-levels-from` and the synthetic survey (issue #5)."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
from helpers import ROOT, as_json
from hypothesis import given, settings
from hypothesis import strategies as st

from caseload_cli.cli import sample as sample_command
from caseload_cli.cli import survey as survey_command
from caseload_cli.scheme.model import load_scheme
from caseload_cli.survey import survey as core
from caseload_cli.synth import responses as synth_survey

BUNDLED = ROOT / "sample_data" / "responses.csv"
HEADER = "respondent_id,role,team_type,law,service_area,contracted_hours,safe_cases,safe_letters_per_day\n"


def responses_csv(rows: list[str]) -> str:
    return HEADER + "".join(row + "\n" for row in rows)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def group_rows(
    team_type: str,
    answers: list[float],
    letters: list[float] | None = None,
    start: int = 1,
    area: str = "A3 Greater Manchester",
) -> list[str]:
    letters = letters or [None] * len(answers)
    law = "public" if team_type == "public_law" else "private"
    return [
        f"R{start + i:04d},fca,{team_type},{law},{area},37,{a:g},{'' if per_day is None else f'{per_day:g}'}"
        for i, (a, per_day) in enumerate(zip(answers, letters, strict=True))
    ]


@pytest.fixture
def small_survey(tmp_path: Path) -> Path:
    """Levels chosen for the tiny caseload: wafh 2, public_law 1, EIT 0.02 letters a day."""
    rows = (
        group_rows("wafh", [2] * 5, start=1)
        + group_rows("public_law", [1] * 5, start=6)
        + group_rows("eit", [3] * 5, [0.02] * 5, start=11)
    )
    return write(tmp_path / "responses.csv", responses_csv(rows))


def by_label(rows: list[dict], column: str) -> dict[str, dict]:
    return {row[column]: row for row in rows}


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
    table = core.validate_responses(_table(frame))
    figures = core.figures(table.frame, "team_type", core.SurveySettings()).set_index("team_type")
    assert table.rejected == synth_survey.implausible_count(respondents)
    assert figures.at["all", "mean"] == pytest.approx(17.4, abs=0.1)
    assert figures.at["public_law", "mean"] == pytest.approx(16.5, abs=0.1)
    assert figures.at["all", "in_range_pct"] == pytest.approx(86, abs=1)
    assert figures.at["eit", "letters_mean"] == pytest.approx(1.6, abs=0.05)


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


def test_constants_shared_with_the_command_modules_agree():
    assert set(survey_command.BY_CHOICES) == set(core.SURVEY_BY) | set(core.AGAINST_BY)
    assert survey_command.MIN_GROUP_FLOOR == core.MIN_GROUP_FLOOR
    assert survey_command.STATISTICS == core.STATISTICS
    assert sample_command.MAX_RESPONDENTS == synth_survey.MAX_RESPONDENTS


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


# --------------------------------------------------------------------------- rejections


DEFECTS = [
    ("R0001,fca,wafh,private,A3,37,18,", None),
    (",fca,wafh,private,A3,37,18,", ("respondent_id", "respondent_id is blank")),
    (
        "R0001,fca,wafh,private,A3,37,18,",
        ("respondent_id", "duplicate respondent_id (first at row 2)"),
    ),
    ("R0004,fcaa,wafh,private,A3,37,18,", ("role", "role 'fcaa' is not known (did you mean fca?)")),
    ("R0005,fca,,private,A3,37,18,", ("team_type", "team_type is blank")),
    ("R0006,fca,wafh,private,A3,37,lots,", ("safe_cases", "safe_cases is not a number")),
    ("R0007,fca,wafh,private,A3,37,,", ("safe_cases", "safe_cases is blank")),
    (
        "R0008,fca,wafh,private,A3,37,0,",
        ("safe_cases", "safe_cases must be more than 0 and at most 60"),
    ),
    (
        "R0009,fca,wafh,private,A3,37,-3,",
        ("safe_cases", "safe_cases must be more than 0 and at most 60"),
    ),
    (
        "R0010,fca,wafh,private,A3,37,61,",
        ("safe_cases", "safe_cases must be more than 0 and at most 60"),
    ),
    (
        "R0011,fca,eit,private,A3,37,18,21",
        ("safe_letters_per_day", "safe_letters_per_day must be more than 0 and at most 20"),
    ),
    (
        "R0012,fca,eit,private,A3,37,18,two",
        ("safe_letters_per_day", "safe_letters_per_day is not a number"),
    ),
    (
        "R0013,fca,wafh,private,A3,40,18,",
        ("contracted_hours", "contracted_hours must be between 0 and 37.5"),
    ),
    (
        "R0014,fca,wafh,civil,A3,37,18,",
        ("law", "law 'civil' is not known (known: public, private)"),
    ),
    ("R0015,FCA,WAFH,Public,A3,37.0,60,20", None),
]


def test_every_implausible_answer_is_rejected_with_its_reason(run, tmp_path):
    path = write(tmp_path / "r.csv", responses_csv([row for row, _ in DEFECTS]))
    rejects = tmp_path / "rejects.csv"
    result = run("survey", path, "--format", "json", "--rejects", rejects)
    data = as_json(result)
    found = pd.read_csv(rejects, dtype=str, keep_default_na=False)
    expected = [(str(i + 2), *problem) for i, (_, problem) in enumerate(DEFECTS) if problem]
    assert list(found[["row", "column", "reason"]].itertuples(index=False, name=None)) == expected
    assert data["accounting"] == {
        "responses_read": 15,
        "responses_used": 2,
        "responses_rejected": 13,
    }
    assert (
        result.stderr.strip().splitlines()[-1]
        == f"15 rows read: 2 used, 13 rejected (written to {rejects})"
    )
    assert "rejected: " in result.stderr and "... and 3 more problems" in result.stderr


def test_strict_exits_3_and_writes_nothing(run, tmp_path):
    path = write(tmp_path / "r.csv", responses_csv(group_rows("wafh", [18] * 5 + [0])))
    out = tmp_path / "out.json"
    result = run("survey", path, "--strict", "--output", out)
    assert result.exit_code == 3
    assert "--strict: 1 rows rejected" in result.stderr
    assert not out.exists()
    clean = write(tmp_path / "clean.csv", responses_csv(group_rows("wafh", [18] * 5)))
    assert run("survey", clean, "--strict", "--output", out).exit_code == 0 and out.exists()


def test_missing_required_header_is_an_input_error(run, tmp_path):
    path = write(tmp_path / "r.csv", "respondent_id,role,team_type,how_many\nR1,fca,wafh,18\n")
    result = run("survey", path)
    assert result.exit_code == 1
    assert (
        "missing required header 'safe_cases'" in result.stderr and "Traceback" not in result.output
    )


def test_missing_file_is_an_input_error(run, tmp_path):
    result = run("survey", tmp_path / "nope.csv")
    assert result.exit_code == 1 and "file not found" in result.stderr


def test_mapping_file_responses_section_renames_and_recodes(run, tmp_path):
    path = write(
        tmp_path / "theirs.csv",
        "Resp No,Job,Team Kind,How Many Cases\n"
        + "".join(f"X{i},FCA,Public Law,{15 + i}\n" for i in range(5)),
    )
    mapping = write(
        tmp_path / "map.toml",
        '[responses.columns]\n"Resp No" = "respondent_id"\n"Job" = "role"\n"Team Kind" = "team_type"\n'
        '"How Many Cases" = "safe_cases"\n[responses.values.team_type]\n"Public Law" = "public_law"\n',
    )
    rows = by_label(
        as_json(run("survey", path, "--mapping", mapping, "--format", "json"))["rows"], "team_type"
    )
    assert rows["public_law"]["respondents"] == 5 and rows["public_law"]["mean"] == 17.0


def test_standard_input_is_read_and_hashed(run):
    data = BUNDLED.read_bytes()
    result = run("survey", "-", "--format", "json", input=data)
    assert as_json(result)["metadata"]["responses_sha256"] == hashlib.sha256(data).hexdigest()
    assert as_json(result)["metadata"]["responses"] == "<stdin>"


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


@pytest.mark.parametrize("by", core.SURVEY_BY)
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
    hist = core.histogram(frame, core.SurveySettings(), bars=False)
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
    assert rows["public_law"]["suppressed"] == core.SECONDARY
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
        rows["eit"]["letters_mean"] is None
        and rows["eit"]["suppressed"] == f"letters: {core.SECONDARY}"
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
    out = core.figures(frame, "team_type", core.SurveySettings(min_group=min_group))
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
        assert "<rect" in text and "respondents</title>" in text
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


def test_html_to_stdout_has_the_chart_and_binary_needs_output(run):
    assert "<svg" in run("survey", BUNDLED, "--format", "html").stdout
    result = run("survey", BUNDLED, "--format", "xlsx")
    assert result.exit_code == 2 and "needs --output" in result.stderr
    assert "rejected:" not in result.stderr  # refused before reading anything


# --------------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    "extra,message",
    [
        (["--staff", "s.csv"], "--staff only apply with --against"),
        (["--scheme", "weighted-example"], "--scheme only apply with --against"),
        (["--set", "napo.safe_cases=3"], "--set only apply with --against"),
        (["--statistic", "median"], "--statistic only apply with --against"),
        (["--by", "team"], "--by team needs --against"),
    ],
)
def test_options_that_need_against_exit_2(run, extra, message):
    result = run("survey", BUNDLED, *extra)
    assert result.exit_code == 2 and message in result.stderr


def test_against_usage_errors(run, tiny, small_survey):
    base = ["survey", small_survey, "--against", tiny["cases"]]
    assert "--staff FILE is required" in run(*base).stderr
    result = run(*base, "--staff", tiny["staff"], "--by", "law")
    assert result.exit_code == 2 and "workers have no law" in result.stderr
    result = run("survey", "-", "--against", "-", "--staff", tiny["staff"], input="x")
    assert result.exit_code == 2 and "standard input" in result.stderr


# --------------------------------------------------------------------------- against


def test_against_counts_excess_and_fte_for_both_levels(run, tiny, small_survey):
    result = run(
        "survey",
        small_survey,
        "--against",
        tiny["cases"],
        "--staff",
        tiny["staff"],
        "--reductions",
        tiny["reductions"],
        "--by",
        "national",
        "--format",
        "json",
    )
    data = as_json(result)
    (row,) = data["rows"]
    # W001 3 cases on 0.9 FTE at wafh level 2 (1.8): 1.2 over, 0.6 FTE; W002 2 on 0.5 FTE: 1 over,
    # 0.5 FTE; W003 1 case on 0.8 FTE at EIT 0.02 x 25 = 0.5 (0.4): 0.6 over, 1.2 FTE;
    # W004 (PS, EIT) 1 on 1.0: 0.5 over, 1 FTE; W005 1 public-law case at level 1: not over.
    assert row["workers"] == 5
    assert row["workers_over_survey"] == 4 and row["pct_over_survey"] == 80.0
    assert row["excess_over_survey"] == pytest.approx(3.3)
    assert row["fte_to_survey_level"] == pytest.approx(3.3)
    assert (row["workers_over_ceiling"], row["excess_over_ceiling"], row["fte_to_ceiling"]) == (
        0,
        0,
        0,
    )
    levels = by_label(data["sections"]["safe_levels"], "team_type")
    assert levels["wafh"]["survey_safe_level"] == 2.0 and levels["wafh"]["ceiling"] == 25.0
    assert (
        levels["eit"]["survey_safe_level"] == pytest.approx(0.5)
        and levels["eit"]["ceiling"] == 40.0
    )
    assert levels["public_law"]["respondents"] == 5
    assert data["scheme"]["fingerprint"] != load_scheme("flat").fingerprint
    assert any(o.startswith("napo.safe_cases=") for o in data["metadata"]["scheme_overrides"])
    assert "responses: 15 rows read: 15 used, 0 rejected" in result.stderr
    assert "  wafh: 2.00 cases per FTE (mean of wafh respondents, 5 respondents)" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == "10 rows read: 10 weighed, 0 rejected"


def test_against_the_ceiling_uses_the_schemes_targets(run, tiny, small_survey):
    data = as_json(
        run(
            "survey",
            small_survey,
            "--against",
            tiny["cases"],
            "--staff",
            tiny["staff"],
            "--reductions",
            tiny["reductions"],
            "--set",
            "capacity.target_by_team_type.wafh=2",
            "--by",
            "team",
            "--format",
            "json",
        )
    )
    team_a = by_label(data["rows"], "team")["Team A"]
    assert team_a["workers_over_ceiling"] == 2
    assert team_a["excess_over_ceiling"] == pytest.approx(2.2)
    assert team_a["fte_to_ceiling"] == pytest.approx(1.1)
    assert team_a["service_area"] == "A3 Greater Manchester"


@pytest.mark.parametrize("by", core.AGAINST_BY)
def test_against_groupings_reconcile(run, tiny, small_survey, by):
    data = as_json(
        run(
            "survey",
            small_survey,
            "--against",
            tiny["cases"],
            "--staff",
            tiny["staff"],
            "--by",
            by,
            "--format",
            "json",
        )
    )
    # Without reductions: W001 1 over (0.5 FTE), W002 1 (0.5), W003 0.5 (1.0), W004 0.5 (1.0).
    assert sum(r["workers"] for r in data["rows"]) == 5
    assert sum(r["excess_over_survey"] for r in data["rows"]) == pytest.approx(3.0)
    assert sum(r["fte_to_survey_level"] for r in data["rows"]) == pytest.approx(3.0)
    assert data["metadata"]["by"] == by


def test_against_statistic_median_and_bundled_data(run):
    sample = ROOT / "sample_data"
    args = [
        "survey",
        "--against",
        sample / "cases.csv",
        "--staff",
        sample / "staff.csv",
        "--format",
        "json",
    ]
    mean = as_json(run(*args))
    median = as_json(run(*args, "--statistic", "median"))
    level = {r["team_type"]: r["survey_safe_level"] for r in mean["sections"]["safe_levels"]}
    assert level["public_law"] == pytest.approx(16.5, abs=0.1)
    assert level["eit"] == pytest.approx(1.6 * 25, abs=0.05 * 25)
    assert {r["team_type"]: r["survey_safe_level"] for r in median["sections"]["safe_levels"]}[
        "public_law"
    ] == 16.0
    assert median["metadata"]["statistic"] == "median"
    assert median["scheme"]["fingerprint"] != mean["scheme"]["fingerprint"]


@pytest.mark.parametrize(
    "fmt", ["table", "csv", "json", "ndjson", "xlsx", "parquet", "markdown", "html"]
)
def test_every_format_for_against(run, tiny, small_survey, tmp_path, fmt):
    out = tmp_path / f"against.{fmt}"
    result = run(
        "survey",
        small_survey,
        "--against",
        tiny["cases"],
        "--staff",
        tiny["staff"],
        "--format",
        fmt,
        "--output",
        out,
    )
    assert result.exit_code == 0, result.output
    if fmt in ("csv", "ndjson"):
        assert "scheme_fingerprint" in out.read_text(encoding="utf-8")
    if fmt == "xlsx":
        assert "safe_levels" in " ".join(openpyxl.load_workbook(out).sheetnames).lower().replace(
            " ", "_"
        )


def test_against_needs_enough_respondents(run, tiny, tmp_path):
    path = write(tmp_path / "r.csv", responses_csv(group_rows("wafh", [18, 19, 20])))
    result = run("survey", path, "--against", tiny["cases"], "--staff", tiny["staff"])
    assert result.exit_code == 1
    assert "at least 5 are needed to derive safe levels" in result.stderr


def test_against_strict_counts_response_rejections(run, tiny, tmp_path):
    rows = group_rows("wafh", [18] * 5 + [99])
    path = write(tmp_path / "r.csv", responses_csv(rows))
    rejects = tmp_path / "rej.csv"
    result = run(
        "survey",
        path,
        "--against",
        tiny["cases"],
        "--staff",
        tiny["staff"],
        "--strict",
        "--rejects",
        rejects,
    )
    assert result.exit_code == 3
    assert pd.read_csv(rejects)["reason"].tolist() == [
        "safe_cases must be more than 0 and at most 60"
    ]
    assert f"responses: 6 rows read: 5 used, 1 rejected (written to {rejects})" in result.stderr


# --------------------------------------------------------------------------- levels


def test_small_team_type_falls_back_to_the_overall_level(tiny):
    rows = (
        group_rows("wafh", [20] * 10)
        + group_rows("public_law", [10] * 3, start=11)
        + group_rows("other", [14] * 10, start=20)
    )
    responses = core.validate_responses(_csv_table(responses_csv(rows)), "abc")
    levels = core.derive_levels(responses, "flat")
    overall = (200 + 30 + 140) / 23
    scheme = levels.scheme
    # public_law (3) is suppressed, so "other" (the smallest remaining) is too; both use all.
    assert scheme.napo_level_for("public_law") == pytest.approx(overall, abs=1e-6)
    assert scheme.napo_level_for("other") == pytest.approx(overall, abs=1e-6)
    assert scheme.napo_level_for("wafh") == 20.0
    assert scheme.napo_level_for("unknown_type") == pytest.approx(overall, abs=1e-6)
    source, count = levels.source_of("public_law")
    assert "fewer than 5 respondents" in source and count == 23
    assert "suppressed so that" in levels.source_of("other")[0]
    assert scheme.napo_level_for("eit") == 40.0  # no letters answers: the scheme's own level
    assert "scheme's own level" in levels.source_of("eit")[0]


def _csv_table(text: str):
    from caseload_cli.contract.mapping import apply_mapping
    from caseload_cli.read.table import read_table

    return apply_mapping(read_table("-", stdin=io.BytesIO(text.encode())), None, "responses")


def test_letters_override_a_by_team_type_entry_for_the_letters_team(small_survey):
    responses = core.read_responses(str(small_survey))
    levels = core.derive_levels(responses, "flat", ["napo.by_team_type.eit=30"])
    assert levels.scheme.napo_level_for("eit") == pytest.approx(0.02 * 25)
    assert "napo.by_team_type.eit=0.5" in levels.overrides
    assert levels.scheme.model.napo.letters.per_day == 0.02
    assert responses.sha256 in levels.scheme.model.napo.source
    plain = core.derive_levels(responses, "flat")
    assert not any(o.startswith("napo.by_team_type.eit") for o in plain.overrides)
    assert plain.scheme.napo_level_for("eit") == pytest.approx(0.5)


def test_levels_reflect_the_file_contents_in_the_fingerprint(tmp_path):
    one = write(tmp_path / "a.csv", responses_csv(group_rows("wafh", [18] * 5)))
    two = write(
        tmp_path / "b.csv",
        responses_csv(group_rows("wafh", [18] * 4 + [18.0])).replace(",18,\n", ",18.0,\n"),
    )
    first = core.derive_levels(core.read_responses(str(one)), "flat")
    second = core.derive_levels(core.read_responses(str(two)), "flat")
    assert first.scheme.napo_level_for("wafh") == second.scheme.napo_level_for("wafh")
    assert first.scheme.fingerprint != second.scheme.fingerprint  # a different file is cited


def test_file_sha256_of_a_parquet_directory(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    (folder / "a.parquet").write_bytes(b"one")
    (folder / "_skip.parquet").write_bytes(b"ignored")
    first = core.file_sha256(str(folder))
    (folder / "b.parquet").write_bytes(b"two")
    assert core.file_sha256(str(folder)) != first


# --------------------------------------------------------------------------- load --safe-levels-from


def load_args(tiny, *extra):
    return [
        "load",
        tiny["cases"],
        "--staff",
        tiny["staff"],
        "--reductions",
        tiny["reductions"],
        *extra,
    ]


def test_load_with_safe_levels_from_uses_the_survey_levels(run, tiny, small_survey):
    plain = as_json(run(*load_args(tiny, "--format", "json")))
    result = run(*load_args(tiny, "--format", "json", "--safe-levels-from", small_survey))
    data = as_json(result)
    workers = by_label(data["rows"], "worker_id")
    assert workers["W001"]["napo_level"] == 2.0 and workers["W001"]["over_napo"] is True
    assert workers["W005"]["napo_level"] == 1.0
    assert workers["W003"]["napo_level"] == pytest.approx(0.5)
    assert by_label(plain["rows"], "worker_id")["W001"]["napo_level"] == 17.4
    assert (
        data["scheme"]["fingerprint"]
        == core.derive_levels(core.read_responses(str(small_survey)), "flat").scheme.fingerprint
    )
    assert data["scheme"]["fingerprint"] != plain["scheme"]["fingerprint"]
    assert (
        data["metadata"]["responses_sha256"]
        == hashlib.sha256(small_survey.read_bytes()).hexdigest()
    )
    assert any("Napo safe levels from survey responses.csv" in n for n in data["notes"])
    assert (
        "  public_law: 1.00 cases per FTE (mean of public_law respondents, 5 respondents)"
        in result.stderr
    )
    assert "responses: 15 rows read: 15 used, 0 rejected" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == "10 rows read: 10 weighed, 0 rejected"


def test_load_statistic_median_and_its_usage_error(run, tiny, tmp_path):
    path = write(tmp_path / "r.csv", responses_csv(group_rows("wafh", [10, 10, 10, 20, 30])))
    mean = as_json(run(*load_args(tiny, "--format", "json", "--safe-levels-from", path)))
    median = as_json(
        run(
            *load_args(
                tiny, "--format", "json", "--safe-levels-from", path, "--statistic", "median"
            )
        )
    )
    assert by_label(mean["rows"], "worker_id")["W001"]["napo_level"] == 16.0
    assert by_label(median["rows"], "worker_id")["W001"]["napo_level"] == 10.0
    assert median["metadata"]["safe_level_statistic"] == "median"
    result = run(*load_args(tiny, "--statistic", "median"))
    assert result.exit_code == 2 and "--safe-levels-from" in result.stderr


def test_load_counts_response_rejections_for_rejects_and_strict(run, tiny, tmp_path):
    path = write(tmp_path / "r.csv", responses_csv(group_rows("wafh", [18] * 5 + [0])))
    rejects = tmp_path / "rej.csv"
    out = tmp_path / "out.csv"
    result = run(
        *load_args(
            tiny, "--safe-levels-from", path, "--rejects", rejects, "--strict", "--output", out
        )
    )
    assert result.exit_code == 3 and not out.exists()
    assert pd.read_csv(rejects)["file"].tolist() == [str(path)]
    ok = run(*load_args(tiny, "--safe-levels-from", path, "--quiet", "--output", out))
    assert ok.exit_code == 0 and "Napo safe levels" not in ok.stderr
    assert "responses: 6 rows read: 5 used, 1 rejected (see --rejects FILE)" in ok.stderr


def test_load_safe_levels_from_a_missing_file_exits_1(run, tiny, tmp_path):
    result = run(*load_args(tiny, "--safe-levels-from", tmp_path / "none.csv"))
    assert result.exit_code == 1 and "file not found" in result.stderr
