"""Tests for caseload_cli.contract.parsing: typed coercion that reports bad cells."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseload_cli.contract.parsing import (
    SERIAL_MAX,
    SERIAL_MIN,
    clean_text,
    parse_bool,
    parse_date,
    parse_int,
    parse_number,
)

FAST = settings(max_examples=60, deadline=None, database=None)


def text(*values: object) -> pd.Series:
    return pd.Series(list(values), dtype="str")


# --------------------------------------------------------------------------- clean_text


def test_clean_text_strips_and_blanks_missing() -> None:
    out = clean_text(pd.Series([" a ", None, "", "007"], dtype="str"))
    assert out.tolist() == ["a", "", "", "007"]
    assert out.dtype == "str"


def test_clean_text_typed_numbers_have_no_trailing_zero() -> None:
    out = clean_text(pd.Series([12.0, 2.5, np.nan, 1e-7, 1e20]))
    assert out.tolist() == ["12", "2.5", "", "0.0000001", "100000000000000000000"]
    assert clean_text(pd.Series([1, None], dtype="Int64")).tolist() == ["1", ""]
    assert clean_text(pd.Series([True, None], dtype="boolean")).tolist() == ["true", ""]


def test_clean_text_dates_and_categories() -> None:
    stamps = pd.Series(pd.to_datetime(["2024-01-01", "2024-01-01 10:30:00", None], format="mixed"))
    assert clean_text(stamps).tolist() == ["2024-01-01", "2024-01-01 10:30:00", ""]
    cats = pd.Series(["a", None, " b "], dtype="category")
    assert clean_text(cats).tolist() == ["a", "", "b"]


def test_clean_text_keeps_index() -> None:
    series = pd.Series(["x", "y"], index=[10, 20], dtype="str")
    assert clean_text(series).index.tolist() == [10, 20]


# --------------------------------------------------------------------------- parse_int


def test_parse_int_text() -> None:
    values, bad = parse_int(text("3", " 3 ", "3.0", "3.5", "three", "", None, "-7", "1,234"))
    assert values.dtype == "Int64"
    assert values.tolist()[:3] == [3, 3, 3]
    assert values.isna().tolist() == [False] * 3 + [True] * 4 + [False, False]
    assert values.iloc[7] == -7 and values.iloc[8] == 1234
    assert bad.tolist() == [False, False, False, True, True, False, False, False, False]


def test_parse_int_typed() -> None:
    values, bad = parse_int(pd.Series([1.0, 2.5, np.nan]))
    assert values.tolist()[0] == 1 and values.isna().tolist() == [False, True, True]
    assert bad.tolist() == [False, True, False]
    values, bad = parse_int(pd.Series([4, None], dtype="Int64"))
    assert values.tolist()[0] == 4 and not bad.any()
    values, bad = parse_int(pd.Series(["1", "x", None], dtype="category"))
    assert values.tolist()[0] == 1 and bad.tolist() == [False, True, False]


def test_parse_int_duplicate_index() -> None:
    values, bad = parse_int(pd.Series(["1", "x", "2"], index=[0, 0, 1], dtype="str"))
    assert bad.tolist() == [False, True, False]
    assert values.index.tolist() == [0, 0, 1]


@FAST
@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_parse_int_round_trips(number: int) -> None:
    values, bad = parse_int(text(str(number), f" {number} ", f"{number}.0"))
    assert not bad.any()
    assert values.tolist() == [number] * 3


# --------------------------------------------------------------------------- parse_number


def test_parse_number_decimal_comma() -> None:
    values, bad = parse_number(text("1,5", "1.234,5", "1.5", "", "x", "2"), decimal=",")
    assert values.dtype == "Float64"
    assert values.iloc[0] == 1.5 and values.iloc[1] == 1234.5 and values.iloc[5] == 2
    assert bad.tolist() == [False, False, True, False, True, False]


def test_parse_number_decimal_point() -> None:
    values, bad = parse_number(text("1,234.5", "1,5", "0.25", "-3", "NA"))
    assert values.iloc[0] == 1234.5 and values.iloc[2] == 0.25 and values.iloc[3] == -3
    assert bad.tolist() == [False, True, False, False, True]


def test_parse_number_typed_and_infinite() -> None:
    values, bad = parse_number(pd.Series([1.5, np.inf, np.nan]))
    assert values.iloc[0] == 1.5 and values.isna().tolist() == [False, True, True]
    assert bad.tolist() == [False, True, False]


def test_parse_number_rejects_bad_decimal() -> None:
    with pytest.raises(ValueError):
        parse_number(text("1"), decimal=";")


@FAST
@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False).map(lambda f: round(f, 4)))
def test_parse_number_round_trips(number: float) -> None:
    dotted = repr(number)
    values, bad = parse_number(text(dotted, dotted.replace(".", ",")), decimal=".")
    assert not bad.iloc[0] and values.iloc[0] == number
    values, bad = parse_number(text(dotted.replace(".", ",")), decimal=",")
    assert not bad.any() and values.iloc[0] == number


# --------------------------------------------------------------------------- parse_date


def test_parse_date_formats_day_first() -> None:
    values, bad = parse_date(
        text(
            "2024-01-05",
            "05/01/2024",
            "5/1/2024",
            "05-01-2024",
            "05.01.2024",
            "05/01/24",
            "2024-01-05 13:45:00",
        )
    )
    assert values.dtype == "datetime64[ns]"
    assert (values == pd.Timestamp("2024-01-05")).all()
    assert not bad.any()


def test_parse_date_never_month_first_and_impossible_dates() -> None:
    values, bad = parse_date(text("01/13/2024", "31/02/2024", "29/02/2023", "29/02/2024", "x"))
    assert bad.tolist() == [True, True, True, False, True]
    assert values.iloc[3] == pd.Timestamp("2024-02-29")


def test_parse_date_blank_is_missing_not_bad() -> None:
    values, bad = parse_date(pd.Series(["", "  ", None], dtype="str"))
    assert values.isna().all() and not bad.any()


def test_parse_date_excel_serials() -> None:
    values, bad = parse_date(text("45123", "45123.75", "100", "99999"))
    assert values.iloc[0] == pd.Timestamp("2023-07-16") == values.iloc[1]
    assert bad.tolist() == [False, False, True, True]
    values, bad = parse_date(pd.Series([45123, 5, None], dtype="Int64"))
    assert values.iloc[0] == pd.Timestamp("2023-07-16")
    assert bad.tolist() == [False, True, False]


def test_parse_date_typed_datetimes_pass_through_normalised() -> None:
    stamps = pd.Series(pd.to_datetime(["2024-03-01 10:00", None], format="mixed"))
    values, bad = parse_date(stamps.dt.tz_localize("UTC"))
    assert values.iloc[0] == pd.Timestamp("2024-03-01") and pd.isna(values.iloc[1])
    assert values.dtype.kind == "M" and not bad.any()  # unit kept: no 10M-row cast


def test_parse_date_out_of_range_is_bad() -> None:
    _, bad = parse_date(text("9999-01-01", "0001-01-01"))
    assert bad.all()


dates = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2150, 12, 31))


@FAST
@given(dates)
def test_parse_date_round_trips(day: dt.date) -> None:
    values, bad = parse_date(
        text(day.isoformat(), day.strftime("%d/%m/%Y"), day.strftime("%d.%m.%Y"))
    )
    assert not bad.any()
    assert (values == pd.Timestamp(day)).all()


@FAST
@given(st.integers(min_value=SERIAL_MIN, max_value=SERIAL_MAX))
def test_parse_date_serials_round_trip(serial: int) -> None:
    expected = pd.Timestamp("1899-12-30") + pd.Timedelta(days=serial)
    values, bad = parse_date(text(str(serial)))
    assert not bad.any() and values.iloc[0] == expected
    values, bad = parse_date(pd.Series([float(serial)]))
    assert not bad.any() and values.iloc[0] == expected


# --------------------------------------------------------------------------- parse_bool


def test_parse_bool_words() -> None:
    values, bad = parse_bool(text("Yes", "n", "T", "0", "TRUE", "maybe", ""))
    assert values.dtype == "boolean"
    assert values.tolist()[:5] == [True, False, True, False, True]
    assert values.isna().tolist()[5:] == [True, True]
    assert bad.tolist() == [False] * 5 + [True, False]


def test_parse_bool_typed() -> None:
    values, bad = parse_bool(pd.Series([1, 0, 2, None], dtype="Int64"))
    assert values.tolist()[:2] == [True, False] and bad.tolist() == [False, False, True, False]
    values, bad = parse_bool(pd.Series([True, None], dtype="boolean"))
    assert values.iloc[0] and not bad.any()
