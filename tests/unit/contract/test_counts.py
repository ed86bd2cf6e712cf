"""Tests for caseload_cli.contract.counts: the aggregate counts and FTE contract."""

from __future__ import annotations

import pandas as pd
import pytest

from caseload_cli.contract.counts import check_count_options, read_counts
from caseload_cli.core.errors import InputError, UsageError
from caseload_cli.core.model import InputOptions, ReadOptions
from caseload_cli.scheme.model import load_scheme

COUNTS = """service_area,case_type,stage,count
A3 Greater Manchester,s7,wafh,10
A3 Greater Manchester,s3,wafh,1
A3 Greater Manchester,s8,wafh,1
A3 Greater Manchester,S7,courtt,2
A12 Birmingham,s31,wafh,20
,s7,wafh,1
"""
FTE = """service_area,fte
A3 Greater Manchester,0.5
A3 Greater Manchester,1
A12 Birmingham,x
"""
KNOWN_CASE_TYPES = "addendum, adoption, dols, epo, r16_4, s31, s7, wtfh"
KNOWN_STAGES = "allocation_hub, duty, post_assessment_hub, wafh, wtfh"


def files(tmp_path, counts=COUNTS, fte=FTE):
    (tmp_path / "counts.csv").write_text(counts, encoding="utf-8")
    (tmp_path / "fte.csv").write_text(fte, encoding="utf-8")
    return str(tmp_path / "counts.csv"), str(tmp_path / "fte.csv")


def test_counts_reject_rows_with_reasons(tmp_path):
    inputs = read_counts(*files(tmp_path), ReadOptions(), load_scheme("weighted-example"))
    rejects = inputs.rejects
    assert list(zip(rejects["file"].str.rsplit("/", n=1).str[-1], rejects["row"], strict=True)) == [
        ("counts.csv", 3),
        ("counts.csv", 4),
        ("counts.csv", 5),
        ("counts.csv", 7),
        ("fte.csv", 3),
        ("fte.csv", 4),
    ]
    assert list(rejects["reason"]) == [
        f"case type 's3' is not in the scheme (did you mean s31 or s7? known: {KNOWN_CASE_TYPES})",
        f"case type 's8' is not in the scheme (did you mean s7? known: {KNOWN_CASE_TYPES})",
        f"stage 'courtt' is not in the scheme (known: {KNOWN_STAGES})",
        "service_area is blank",
        "duplicate service_area (first at row 2)",
        "fte is not a number",
    ]
    assert inputs.accounting == {"rows_read": 6, "weighed": 2, "rejected": 4}
    assert list(inputs.counts["case_type"]) == ["s7", "s31"]
    pd.testing.assert_index_equal(inputs.counts.index, pd.RangeIndex(2))
    assert list(inputs.fte["service_area"]) == ["A3 Greater Manchester"]


def test_fte_needs_team_type_when_counts_have_one(tmp_path):
    counts = "service_area,team_type,case_type,count\nA1,wafh,s7,1\n"
    with pytest.raises(InputError, match="the FTE file needs a team_type column too"):
        read_counts(*files(tmp_path, counts=counts), ReadOptions(), load_scheme("weighted-example"))


@pytest.mark.parametrize(
    ("counts", "fte", "cases", "by", "options", "message"),
    [
        ("c.csv", None, None, "national", {}, "--counts FILE and --fte FILE go together"),
        (
            "c.csv",
            "f.csv",
            "cases.csv",
            "national",
            {"staff": "s.csv", "mapping": "m.toml"},
            "leave out CASES, --staff, --mapping",
        ),
        ("c.csv", "f.csv", None, "team", {}, "--by must be national or service_area"),
    ],
)
def test_count_options(counts, fte, cases, by, options, message):
    with pytest.raises(UsageError, match=message):
        check_count_options(counts, fte, cases, by, InputOptions(**options))
