"""Golden outputs per command on the bundled sample: any change to what a user
or a script sees shows up here as a diff.

Regenerate after an intended change with
    CASELOAD_UPDATE_GOLDEN=1 python3 -m pytest tests/system/test_golden.py
and review the diff before committing it.
"""

from __future__ import annotations

import os

import pytest
from helpers import GOLDEN, ROOT

FOLDER = GOLDEN / "commands"
SAMPLE = ROOT / "sample_data"
W = "W0003"  # a sample FCA with reductions

CASES = {
    "load_worker.csv": ("load", "--format", "csv"),
    "load_team.csv": ("load", "--by", "team", "--format", "csv"),
    "load_national.json": ("load", "--by", "national", "--format", "json"),
    "load_national_all.json": (
        "load",
        "--by",
        "national",
        "--population",
        "all",
        "--format",
        "json",
    ),
    "load_managers.csv": ("load", "--view", "managers_holding_cases", "--format", "csv"),
    "load_not_held.csv": ("load", "--view", "not_held_by_fca", "--format", "csv"),
    "validate.txt": ("validate",),
    "schemes_list.json": ("schemes", "list", "--format", "json"),
    "schemes_diff.csv": ("schemes", "diff", "flat", "weighted-example", "--format", "csv"),
    "compare.csv": (
        "compare",
        "--scheme",
        "flat",
        "--scheme",
        "weighted-example",
        "--format",
        "csv",
    ),
    "compare_area.csv": (
        "compare",
        "--scheme",
        "flat",
        "--scheme",
        "per-child",
        "--by",
        "service_area",
        "--format",
        "csv",
    ),
    "explain.json": ("explain", W, "--format", "json"),
    "sweep.csv": ("sweep", "--vary", "weights.case_type.r16_4=1:2:0.5", "--format", "csv"),
    "gap_service_area.csv": ("gap", "--by", "service_area", "--target", "napo", "--format", "csv"),
    "gap_not_held.csv": ("gap", "--count-not-held", "all", "--format", "csv"),
    "sensitivity.csv": ("sensitivity", "--format", "csv"),
    "sensitivity_area.json": (
        "sensitivity",
        "--vary",
        "weights.case_type.r16_4=1:2",
        "--by",
        "service_area",
        "--format",
        "json",
    ),
    "survey.csv": ("survey", "--format", "csv"),
    "survey_against.csv": (
        "survey",
        "--against",
        SAMPLE / "cases.csv",
        "--staff",
        SAMPLE / "staff.csv",
        "--reductions",
        SAMPLE / "reductions.csv",
        "--format",
        "csv",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_command_output_matches_golden(run, name):
    result = run(*CASES[name])
    assert result.exit_code == 0, result.stderr
    path = FOLDER / name
    if os.environ.get("CASELOAD_UPDATE_GOLDEN"):
        path.write_text(result.stdout, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: set CASELOAD_UPDATE_GOLDEN=1 once"
    assert result.stdout == path.read_text(encoding="utf-8")
