"""--pseudonymise (worker IDs) and --min-group (small-group suppression) on exports."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from caseload_cli.core.pseudonym import pseudonym
from caseload_cli.engine.suppress import complementary, suppress_groups

KEY = {"CASELOAD_PSEUDONYM_KEY": "a-key-long-enough-for-tests"}


def _json(result) -> dict:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_load_pseudonymises_worker_ids_and_names(run, tiny):
    out = _json(
        run(
            "load",
            tiny["cases"],
            "--staff",
            tiny["staff"],
            "--pseudonymise",
            "--format",
            "json",
            env=KEY,
        )
    )
    ids = [row["worker_id"] for row in out["rows"]]
    expected = pseudonym("W001", KEY["CASELOAD_PSEUDONYM_KEY"].encode(), "W-")
    assert expected in ids and all(i.startswith("W-") and len(i) == 14 for i in ids)
    assert [row["name"] for row in out["rows"]] == ids
    text = json.dumps(out)
    assert "W001" not in text and "Ada Example" not in text
    assert out["metadata"]["workers_pseudonymised"] is True


def test_same_key_same_pseudonym_across_commands(run, tiny):
    common = [tiny["cases"], "--staff", tiny["staff"], "--pseudonymise", "--format", "json"]
    load = _json(run("load", *common, env=KEY))
    compare = _json(run("compare", *common, "--scheme", "flat", "--view", "workers", env=KEY))
    assert {r["worker_id"] for r in compare["rows"]} <= {r["worker_id"] for r in load["rows"]}


def test_pseudonymise_without_a_key_is_an_error(run, tiny, monkeypatch):
    monkeypatch.delenv("CASELOAD_PSEUDONYM_KEY", raising=False)
    result = run("gap", tiny["cases"], "--staff", tiny["staff"], "--pseudonymise")
    assert result.exit_code == 1
    assert "--pseudonymise needs a secret key in the environment variable" in result.stderr


def test_min_group_blanks_small_teams_and_says_why(run, tiny):
    out = _json(
        run(
            "load",
            tiny["cases"],
            "--staff",
            tiny["staff"],
            "--by",
            "team",
            "--min-group",
            "3",
            "--population",
            "all",
            "--format",
            "json",
        )
    )
    rows = {row["team"]: row for row in out["rows"]}
    assert rows["Team A"]["weighted_load"] is None and rows["Team A"]["workers"] == 2
    assert rows["Team A"]["suppressed"] == "fewer than 3 workers"
    assert out["metadata"]["min_group"] == 3
    assert any(n.startswith("--min-group 3: figures of groups") for n in out["notes"])


def test_min_group_with_worker_rows_is_a_usage_error(run, tiny):
    result = run("load", tiny["cases"], "--staff", tiny["staff"], "--min-group", "5")
    assert result.exit_code == 2
    assert result.stderr.strip().endswith(
        "Error: --min-group applies to roll-ups (--by team, service_area, …): with --by worker "
        "each row is one person; use --pseudonymise to hide who they are"
    )
    result = run("gap", tiny["cases"], "--staff", tiny["staff"], "--min-group", "2")
    assert result.exit_code == 2
    assert "--min-group must be at least 3" in result.stderr


def test_complementary_rule_hides_the_next_smallest_in_the_same_parent():
    table = pd.DataFrame(
        {
            "service_area": ["A", "A", "A", "B", "B"],
            "team": ["a", "b", "c", "d", "e"],
            "workers": [2, 7, 6, 9, 12],
            "load": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    out, hide, small, extra = suppress_groups(
        table, 5, ["service_area", "team", "workers"], [(None, ["service_area"])]
    )
    assert hide.tolist() == [True, False, True, False, False]
    assert (small, extra) == (1, 1)
    assert out["suppressed"].tolist()[2] == (
        "suppressed so that a small group cannot be worked out from the total"
    )
    assert out["load"].isna().tolist() == [True, False, True, False, False]


def test_the_survey_uses_the_same_rule():
    hidden = np.array([False, True, False, False])
    assert complementary(np.array([4, 9, 5]), hidden[1:]).tolist() == [False, False, True]


def test_week_and_trend_pseudonymise_workers_the_same_way_every_week(run):
    week = _json(run("week", "--pseudonymise", "--format", "json", env=KEY))
    trend = _json(run("trend", "--by", "worker", "--pseudonymise", "--format", "json", env=KEY))
    week_ids = {row["worker_id"] for row in week["rows"]}
    assert all(i.startswith("W-") for i in week_ids)
    for change in week["sections"]["case_changes"]:
        assert change["case_id"].startswith("C-")
        for column in ("from_worker", "to_worker"):
            assert change[column] in (None, "") or change[column].startswith("W-")
    by_week: dict[str, set[str]] = {}
    for row in trend["rows"]:
        by_week.setdefault(row["snapshot"], set()).add(row["worker_id"])
    assert week_ids <= by_week[max(by_week)]
    assert "W0001" not in json.dumps(trend) and "W0001" not in json.dumps(week)


def test_gap_and_trend_suppress_small_groups(run):
    gap = _json(run("gap", "--by", "team", "--min-group", "10", "--format", "json"))
    small = [row for row in gap["rows"] if row["suppressed"] == "fewer than 10 workers"]
    assert small and all(row["workers"] < 10 and row["fte_needed"] is None for row in small)
    assert any(
        row["suppressed"].startswith("suppressed so that a small group") for row in gap["rows"]
    )
    national = gap["rows"][-1]
    assert national["team"] == "all" and national["fte_needed"] is not None
    trend = _json(run("trend", "--by", "team", "--min-group", "10", "--format", "json"))
    hidden = [row for row in trend["rows"] if row["suppressed"]]
    assert hidden and all(row["weighted_load"] is None for row in hidden)
    teams = {row["team"] for row in hidden}
    assert all(
        run_["longest_run"] is None for run_ in trend["sections"]["runs"] if run_["team"] in teams
    )
    assert trend["notes"][-1].startswith("--min-group 10: figures of groups with fewer than 10")


def test_min_group_with_counts_is_a_usage_error(run, tmp_path):
    counts = tmp_path / "counts.csv"
    counts.write_text("service_area,case_type,count\nA1,s7,10\n", encoding="utf-8")
    fte = tmp_path / "fte.csv"
    fte.write_text("service_area,fte\nA1,2\n", encoding="utf-8")
    result = run("gap", "--counts", counts, "--fte", fte, "--min-group", "5")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: --min-group needs case-level data: counts have no workers to count\n"
    )
