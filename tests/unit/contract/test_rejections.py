"""Tests for caseload_cli.contract.rejections: the rejection list and the shared checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from caseload_cli.contract.rejections import (
    REJECT_COLUMNS,
    Rejections,
    check_codes,
    first_rows,
    reader_problems,
    require_columns,
    without_rows,
)
from caseload_cli.core.errors import InputError
from caseload_cli.core.model import Table

CASE_TYPES = ("addendum", "adoption", "dols", "epo", "r16_4", "s31", "s7", "wtfh")


def table(frame: pd.DataFrame, source: str = "cases.csv", **extra: object) -> Table:
    return Table(frame, source, np.arange(2, len(frame) + 2), **extra)


def reasons(rejections: Rejections) -> list[tuple[int, str, str, str]]:
    frame = rejections.frame()
    return list(zip(frame["row"], frame["column"], frame["value"], frame["reason"], strict=True))


def test_empty_rejections_have_the_reject_columns():
    frame = Rejections().frame()
    assert list(frame.columns) == REJECT_COLUMNS
    assert frame.empty


def test_rejections_sort_by_file_and_row_and_keep_reasons_in_order():
    cases = table(pd.DataFrame({"a": ["x", "y", "z"]}))
    staff = table(pd.DataFrame({"a": ["p"]}), source="a_staff.csv")
    rejections = Rejections()
    rejections.add(cases, pd.Series([False, False, True]), "a", "second")
    rejections.add(cases, pd.Series([True, False, True]), "a", "third")
    rejections.add(staff, pd.Series([True]), "a", "staff")
    frame = rejections.frame()
    assert list(frame["file"]) == ["a_staff.csv", "cases.csv", "cases.csv", "cases.csv"]
    assert list(zip(frame["row"], frame["reason"], strict=True)) == [
        (2, "staff"),
        (2, "third"),
        (4, "second"),
        (4, "third"),
    ]
    assert list(rejections.positions(cases)) == [0, 2]
    assert list(rejections.positions(staff)) == [0]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("s3", "case type 's3' is not known (did you mean s31 or s7?)"),
        ("S8", "case type 'S8' is not known (did you mean s7?)"),
        ("adopton", "case type 'adopton' is not known (did you mean adoption?)"),
    ],
)
def test_unknown_codes_suggest_close_ones_or_list_the_known(value, reason):
    frame = pd.DataFrame({"case_type": [value, "s7"]})
    rejections = Rejections()
    check_codes(table(frame), rejections, "case_type", frame["case_type"], CASE_TYPES, "case type")
    assert reasons(rejections) == [(2, "case_type", value, reason)]


def test_blank_codes_are_rejected_unless_blank_is_ok():
    frame = pd.DataFrame({"law": ["", "civil", "public"]})
    rejections = Rejections()
    check_codes(table(frame), rejections, "law", frame["law"], ("public", "private"))
    assert reasons(rejections) == [
        (2, "law", "", "law is blank"),
        (3, "law", "civil", "law 'civil' is not known (known: public, private)"),
    ]
    lenient = Rejections()
    check_codes(table(frame), lenient, "law", frame["law"], ("public", "private"), blank_ok=True)
    assert [r[0] for r in reasons(lenient)] == [3]


def test_unknown_code_wording_can_be_given():
    frame = pd.DataFrame({"stage": ["court"]})
    rejections = Rejections()
    check_codes(
        table(frame),
        rejections,
        "stage",
        frame["stage"],
        ("duty", "wafh"),
        unknown=lambda what, value, known: f"{what} {value!r}: no ({len(known)} known)",
    )
    assert reasons(rejections) == [(2, "stage", "court", "stage 'court': no (2 known)")]


def test_missing_headers_are_all_named_with_close_matches():
    frame = pd.DataFrame(columns=["workr_id", "name", "hours"])
    with pytest.raises(InputError) as err:
        require_columns(table(frame), ("worker_id", "team"), any_of=("contracted_hours", "fte"))
    assert str(err.value).splitlines() == [
        "cases.csv: missing required header 'worker_id'; close matches: workr_id "
        "(headers found: workr_id, name, hours; a --mapping file can rename headers)",
        "cases.csv: missing required header 'team' "
        "(headers found: workr_id, name, hours; a --mapping file can rename headers)",
        "cases.csv: missing required header 'contracted_hours or fte' "
        "(headers found: workr_id, name, hours; a --mapping file can rename headers)",
    ]


def test_reader_problems_become_rejections():
    frame = pd.DataFrame({"a": ["1", "2", "3"]})
    problems = [(0, "a", "not UTF-8"), (2, "a", "not UTF-8"), (1, "b", "ragged row")]
    rejections = Rejections()
    reader_problems(table(frame, cell_problems=problems), rejections)
    assert [(r[0], r[1], r[3]) for r in reasons(rejections)] == [
        (2, "a", "not UTF-8"),
        (3, "b", "ragged row"),
        (4, "a", "not UTF-8"),
    ]


def test_first_rows_and_without_rows():
    keys = pd.Series(["a", "b", "a", "b", "c"])
    assert list(first_rows(table(pd.DataFrame({"k": keys})), keys)) == [2, 3, 2, 3, 6]
    frame = pd.DataFrame({"k": keys.to_numpy()}, index=[10, 11, 12, 13, 14])
    assert list(without_rows(frame, np.array([1, 3]))["k"]) == ["a", "a", "c"]
    assert list(without_rows(frame, np.array([], dtype=int)).index) == [0, 1, 2, 3, 4]
