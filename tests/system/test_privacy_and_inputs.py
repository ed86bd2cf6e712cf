"""Two promises: inputs are never modified, and aggregate outputs carry no case IDs."""

from __future__ import annotations

import hashlib
import io

import pandas as pd
import pytest

from caseload_cli.core.files import sample_data_dir

SAMPLE = sample_data_dir()


def digests() -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(SAMPLE.iterdir())
        if p.is_file()
    }


def test_runs_leave_every_input_untouched(run, tmp_path):
    before = digests()
    for args in (
        ["load", "--rejects", tmp_path / "r.csv", "--output", tmp_path / "o.xlsx"],
        [
            "load",
            SAMPLE / "cases_mapped.csv",
            "--staff",
            SAMPLE / "staff_mapped.csv",
            "--mapping",
            SAMPLE / "mapping.toml",
        ],
        ["validate", SAMPLE / "cases.xlsx", "--staff", SAMPLE / "staff.parquet"],
        ["compare", "--scheme", "flat", "--scheme", "weighted-example"],
        ["survey", "--against", SAMPLE / "cases.csv", "--staff", SAMPLE / "staff.csv"],
    ):
        assert run(*args).exit_code == 0, args
    assert digests() == before


AGGREGATE_COMMANDS = [
    ["load"],
    ["load", "--by", "team"],
    ["load", "--view", "not_held_by_fca"],
    ["compare", "--scheme", "flat", "--scheme", "weighted-example", "--view", "workers"],
    ["sweep", "--scheme", "flat", "--vary", "weights.case_type.r16_4=1,2"],
    ["gap", "--by", "team"],
    ["survey", "--against", SAMPLE / "cases.csv", "--staff", SAMPLE / "staff.csv"],
]


@pytest.mark.parametrize("args", AGGREGATE_COMMANDS, ids=lambda a: " ".join(map(str, a)))
@pytest.mark.parametrize("fmt", ["json", "csv", "html"])
def test_aggregate_outputs_never_contain_case_ids(run, args, fmt):
    case_ids = set(pd.read_csv(SAMPLE / "cases.csv", dtype=str)["case_id"])
    result = run(*args, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    tokens = set(
        result.stdout.replace('"', " ")
        .replace(",", " ")
        .replace("<", " ")
        .replace(">", " ")
        .split()
    )
    assert not (tokens & case_ids)


def test_explain_is_the_only_place_case_ids_appear(run):
    case_ids = set(pd.read_csv(SAMPLE / "cases.csv", dtype=str)["case_id"])
    result = run("explain", "W0057", "--format", "csv")
    shown = set(pd.read_csv(io.StringIO(result.stdout), dtype=str)["case_id"])
    assert shown and shown <= case_ids  # the same token check would catch them elsewhere
