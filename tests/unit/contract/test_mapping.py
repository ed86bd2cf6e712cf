"""Tests for caseload_cli.contract.mapping: strict TOML validation, renaming and recoding."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from caseload_cli.contract.mapping import Mapping, apply_mapping, load_mapping
from caseload_cli.core.errors import InputError
from caseload_cli.core.model import Table
from caseload_cli.read.text import normalise_header

GOOD = """
# sections: cases, staff, reductions, responses (any subset)
[cases.columns]
"Case Reference" = "case_id"
"FCA ID" = "worker_id"
[cases.values.law]
"Public Law" = "public"
"Private Law" = "private"
[staff.columns]
"Employee No" = "worker_id"
"""


def mapping_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def table(frame: pd.DataFrame, **extra: object) -> Table:
    return Table(frame, "cases.csv", np.arange(2, len(frame) + 2), **extra)


# --------------------------------------------------------------------------- normalise_header


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Worker ID", "worker_id"),
        ("Case-Type", "case_type"),
        ("  Case  Ref. No ", "case_ref_no"),
        ("already_fine", "already_fine"),
        ("\ufeffID", "id"),
    ],
)
def test_normalise_header(raw: str, expected: str) -> None:
    assert normalise_header(raw) == expected


# --------------------------------------------------------------------------- load_mapping


def test_load_good_mapping(tmp_path: Path) -> None:
    mapping = load_mapping(mapping_file(tmp_path, GOOD))
    assert isinstance(mapping, Mapping)
    cases = mapping.section("cases")
    assert cases.columns == {"Case Reference": "case_id", "FCA ID": "worker_id"}
    assert cases.values == {"law": {"Public Law": "public", "Private Law": "private"}}
    assert mapping.section("staff").columns == {"Employee No": "worker_id"}
    assert mapping.section("responses").columns == {}


def test_every_problem_is_listed_with_its_path(tmp_path: Path) -> None:
    path = mapping_file(
        tmp_path,
        """
[cases.colums]
"A" = "a"
[staff.columns]
"Employee No" = 7
"Team" = ""
[staff.values]
team = "x"
[casse]
x = 1
""",
    )
    with pytest.raises(InputError) as err:
        load_mapping(path)
    lines = str(err.value).splitlines()
    assert f"{path}: cases.colums: unknown section key (did you mean 'columns'?)" in lines
    assert f'{path}: staff.columns."Employee No": must be a string' in lines
    assert f"{path}: staff.columns.Team: must not be blank" in lines
    assert f"{path}: staff.values.team: must be a table of their value = our value" in lines
    assert any(line.startswith(f"{path}: casse: unknown section") for line in lines)
    assert "did you mean 'cases'?" in str(err.value)
    assert len(lines) == 5


def test_two_headers_to_same_column(tmp_path: Path) -> None:
    path = mapping_file(tmp_path, '[cases.columns]\n"Case Ref" = "case_id"\n"Ref" = "Case ID"\n')
    with pytest.raises(InputError, match=r"cases\.columns: \"Case Ref\" and Ref both map to"):
        load_mapping(path)


def test_same_header_twice_by_case(tmp_path: Path) -> None:
    path = mapping_file(tmp_path, '[cases.columns]\n"FCA ID" = "worker_id"\n"fca id" = "x"\n')
    with pytest.raises(InputError, match="are the same"):
        load_mapping(path)


def test_toml_syntax_error_has_line(tmp_path: Path) -> None:
    path = mapping_file(tmp_path, '[cases.columns]\n"A" = "a"\n"B" "b"\n')
    with pytest.raises(InputError, match=r"mapping\.toml: invalid TOML: .*line 3"):
        load_mapping(path)


def test_missing_mapping_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_mapping(str(tmp_path / "nope.toml"))


def test_section_must_be_a_table(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"mapping\.toml: cases: must be a table"):
        load_mapping(mapping_file(tmp_path, 'cases = "x"\n'))


# --------------------------------------------------------------------------- apply_mapping


def test_apply_renames_normalises_and_recodes(tmp_path: Path) -> None:
    mapping = load_mapping(mapping_file(tmp_path, GOOD))
    frame = pd.DataFrame(
        {
            " case reference ": ["1", "2", "3", "4"],
            "FCA ID": ["W1", "W2", "", "W3"],
            "Law": [" public law", "PRIVATE LAW", "other", ""],
            "Case-Type": ["s7", "s7", "s31", "s7"],
        },
        dtype="str",
    )
    before = frame.copy()
    original = table(frame, cell_problems=[(1, "FCA ID", "formula")], notes=["n"])
    mapped = apply_mapping(original, mapping, "cases")
    assert list(mapped.frame.columns) == ["case_id", "worker_id", "law", "case_type"]
    assert mapped.frame["law"].tolist() == ["public", "private", "other", ""]
    assert mapped.cell_problems == [(1, "worker_id", "formula")]
    assert mapped.notes == ["n"] and mapped.notes is not original.notes
    assert mapped.source == "cases.csv"
    assert mapped.row_numbers.tolist() == [2, 3, 4, 5]
    # the input table is untouched
    pd.testing.assert_frame_equal(original.frame, before)
    assert original.cell_problems == [(1, "FCA ID", "formula")]


def test_apply_without_mapping_only_normalises() -> None:
    mapped = apply_mapping(table(pd.DataFrame({"Worker ID": ["W1"]})), None, "staff")
    assert list(mapped.frame.columns) == ["worker_id"]


def test_apply_collision_names_both_headers(tmp_path: Path) -> None:
    mapping = load_mapping(mapping_file(tmp_path, GOOD))
    frame = pd.DataFrame({"FCA ID": ["W1"], "worker_id": ["W2"]})
    with pytest.raises(InputError) as err:
        apply_mapping(table(frame), mapping, "cases")
    message = str(err.value)
    assert message.startswith("cases.csv: columns 'FCA ID' and 'worker_id' both become")
    with pytest.raises(InputError, match="'Worker ID' and 'worker-id' both become 'worker_id'"):
        apply_mapping(table(pd.DataFrame({"Worker ID": [1], "worker-id": [2]})), None, "cases")


def test_apply_recodes_categorical_and_typed_columns(tmp_path: Path) -> None:
    path = mapping_file(
        tmp_path,
        '[cases.values.law]\n"Public Law" = "public"\n"Private Law" = "private"\n'
        '[cases.values.stage]\n"1" = "wafh"\n',
    )
    mapping = load_mapping(path)
    frame = pd.DataFrame(
        {
            "law": pd.Series(["Public Law", None, "private law", "x"], dtype="category"),
            "stage": pd.Series([1, 2, None, 1], dtype="Int64"),
            "other": pd.Series([1, 2, 3, 4], dtype="Int64"),
        }
    )
    mapped = apply_mapping(table(frame), mapping, "cases").frame
    assert isinstance(mapped["law"].dtype, pd.CategoricalDtype)
    assert mapped["law"].astype(object).where(mapped["law"].notna(), None).tolist() == [
        "public",
        None,
        "private",
        "x",
    ]
    assert mapped["stage"].tolist() == ["wafh", "2", "", "wafh"]
    assert mapped["other"].dtype == "Int64"
    assert frame["stage"].dtype == "Int64"  # input untouched


def test_apply_unknown_kind() -> None:
    with pytest.raises(ValueError):
        apply_mapping(table(pd.DataFrame({"a": [1]})), None, "nonsense")
