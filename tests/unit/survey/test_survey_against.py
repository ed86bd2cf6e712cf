"""Survey-derived safe levels (caseload_cli/survey/levels.py): `survey --against` and
`load --safe-levels-from`."""

from __future__ import annotations

import hashlib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from helpers import ROOT, as_json
from survey_data import BUNDLED, by_label, group_rows, responses_csv, responses_table, write

from caseload_cli.contract.responses import read_responses, validate_responses
from caseload_cli.core.vocabulary import AGAINST_BY
from caseload_cli.scheme.model import load_scheme
from caseload_cli.survey.levels import derive_levels


@pytest.fixture
def small_survey(tmp_path: Path) -> Path:
    """Levels chosen for the tiny caseload: wafh 2, public_law 1, EIT 0.02 letters a day."""
    rows = (
        group_rows("wafh", [2] * 5, start=1)
        + group_rows("public_law", [1] * 5, start=6)
        + group_rows("eit", [3] * 5, [0.02] * 5, start=11)
    )
    return write(tmp_path / "responses.csv", responses_csv(rows))


# --------------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    "extra,message",
    [
        (["--staff", "s.csv"], "--staff only apply with --against"),
        (["--scheme", "weighted-example"], "--scheme only apply with --against"),
        (["--set", "napo.safe_cases=3"], "--set only apply with --against"),
        (["--statistic", "median"], "--statistic only apply with --against"),
        (["--population", "all"], "--population only apply with --against"),
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
    # W005 (locum) 1 public-law case at level 1: not over. W004, a practice supervisor, is not
    # counted by default (docs/population.md).
    assert row["workers"] == 4
    assert row["workers_over_survey"] == 3 and row["pct_over_survey"] == 75.0
    assert row["excess_over_survey"] == pytest.approx(2.8)
    assert row["fte_to_survey_level"] == pytest.approx(2.3)
    assert (row["workers_over_ceiling"], row["excess_over_ceiling"], row["fte_to_ceiling"]) == (
        0,
        0,
        0,
    )
    levels = by_label(data["sections"]["safe_levels"], "team_type")
    assert levels["wafh"]["survey_safe_level"] == 2.0 and levels["wafh"]["ceiling"] == 25.0
    assert levels["eit"]["workers"] == 1  # W003; W004 is not counted
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


@pytest.mark.parametrize("by", AGAINST_BY)
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
    # Without reductions: W001 1 over (0.5 FTE), W002 1 (0.5), W003 0.5 (1.0); W004 (a
    # practice supervisor, 0.5 over) is not counted by default.
    assert sum(r["workers"] for r in data["rows"]) == 4
    assert sum(r["excess_over_survey"] for r in data["rows"]) == pytest.approx(2.5)
    assert sum(r["fte_to_survey_level"] for r in data["rows"]) == pytest.approx(2.0)
    assert data["metadata"]["by"] == by and data["metadata"]["population"] == "fca"


def test_against_population_all_counts_every_member_of_staff(run, tiny, small_survey):
    args = [
        "survey",
        small_survey,
        "--against",
        tiny["cases"],
        "--staff",
        tiny["staff"],
        "--reductions",
        tiny["reductions"],
        "--format",
        "json",
    ]
    everyone = as_json(run(*args, "--by", "national", "--population", "all"))
    (row,) = everyone["rows"]
    # The numbers from before the population rule: W004 (practice supervisor) counted too.
    assert (row["workers"], row["workers_over_survey"], row["pct_over_survey"]) == (5, 4, 80.0)
    assert row["excess_over_survey"] == pytest.approx(3.3)
    assert row["fte_to_survey_level"] == pytest.approx(3.3)
    assert everyone["metadata"]["population"] == "all"
    assert "Workers counted: all staff, managers included (--population all)." in everyone["notes"]

    by_role = as_json(run(*args, "--by", "role"))
    assert {r["role"]: r["workers"] for r in by_role["rows"]} == {"fca": 3, "locum_fca": 1}
    assert by_role["notes"][0].startswith("Workers counted: FCAs and locum FCAs (--population fca)")
    all_roles = as_json(run(*args, "--by", "role", "--population", "all"))["rows"]
    assert {r["role"]: r["workers"] for r in all_roles} == {
        "fca": 3,
        "locum_fca": 1,
        "practice_supervisor": 1,
    }


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
    responses = validate_responses(responses_table(responses_csv(rows)), "abc")
    levels = derive_levels(responses, "flat")
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


def test_letters_override_a_by_team_type_entry_for_the_letters_team(small_survey):
    responses = read_responses(str(small_survey))
    levels = derive_levels(responses, "flat", ["napo.by_team_type.eit=30"])
    assert levels.scheme.napo_level_for("eit") == pytest.approx(0.02 * 25)
    assert "napo.by_team_type.eit=0.5" in levels.overrides
    assert levels.scheme.model.napo.letters.per_day == 0.02
    assert responses.sha256 in levels.scheme.model.napo.source
    plain = derive_levels(responses, "flat")
    assert not any(o.startswith("napo.by_team_type.eit") for o in plain.overrides)
    assert plain.scheme.napo_level_for("eit") == pytest.approx(0.5)


def test_levels_reflect_the_file_contents_in_the_fingerprint(tmp_path):
    one = write(tmp_path / "a.csv", responses_csv(group_rows("wafh", [18] * 5)))
    two = write(
        tmp_path / "b.csv",
        responses_csv(group_rows("wafh", [18] * 4 + [18.0])).replace(",18,\n", ",18.0,\n"),
    )
    first = derive_levels(read_responses(str(one)), "flat")
    second = derive_levels(read_responses(str(two)), "flat")
    assert first.scheme.napo_level_for("wafh") == second.scheme.napo_level_for("wafh")
    assert first.scheme.fingerprint != second.scheme.fingerprint  # a different file is cited


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
        == derive_levels(read_responses(str(small_survey)), "flat").scheme.fingerprint
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
    assert ok.stderr.splitlines() == [  # under -q: the rejection alone, no accounting
        f"rejected: {path} row 7, safe_cases: safe_cases must be more than 0 and at most 60 "
        "(value '0')"
    ]


def test_load_safe_levels_from_a_missing_file_exits_1(run, tiny, tmp_path):
    result = run(*load_args(tiny, "--safe-levels-from", tmp_path / "none.csv"))
    assert result.exit_code == 1 and "file not found" in result.stderr
