"""The fast paths of parse_date, parse_int and parse_bool against the general parsers
beneath them: with the fast paths switched off (each distinct text once, ISO dates,
plain integers) every cell must parse to the same value and badness."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseload_cli.contract import parsing
from caseload_cli.contract.parsing import parse_bool, parse_date, parse_int

MESSY_DATES = [
    "2024-02-30", " 2024-01-05 ", "05/01/2024", "2024-01-05", "2024-1-5", "2024-13-01",
    "2024-00-10", "2024-01-00", "2024-01-32", "2023-02-29", "2024-02-29", "1900-02-29",
    "2000-02-29", "1677-09-21", "1677-09-22", "2262-04-11", "2262-04-12", "0000-01-01",
    "9999-12-31", "2024-01-05x", "2024-01-05 10:30", "2024-01-05T00:00:00", "45000",
    "45000.5", "05/01/24", "31/02/2024", "", "   ", "\u00a02024-01-05", "２０２４-01-05",
    "2024/01/05", "+2024-01-05", "2024-01-5 ", "20240105", "2024_01_05", "abcdefghij",
    "2024-01-05\t", "1999-12-31", "2024-12-31", "2024-11-31",
]  # fmt: skip
MESSY_INTS = [
    "3.0", "", " 7", "3.5", "three", "+2", "-1", "-0", "0x1F", "1e1", "1,000", "2 ", "00002",
    "21", "0", "99999999999999999999", "999999999999999999", "-999999999999999999",
    "1000000000000000000", "1.", ".5", "1_0", "٣", "2.00", " ", "１", "--1", "- 1", "10%",
]  # fmt: skip


def _off(patch: pytest.MonkeyPatch) -> None:
    patch.setattr(parsing, "_by_distinct", lambda text, parse: None)
    patch.setattr(
        parsing, "_iso_dates", lambda text: (np.full(len(text), np.datetime64("NaT"), "M8[ns]"),
                                              np.zeros(len(text), dtype=bool))
    )  # fmt: skip
    patch.setattr(
        parsing, "_plain_ints", lambda text: (np.zeros(len(text), np.int64),
                                               np.zeros(len(text), dtype=bool))
    )  # fmt: skip


def both(parse, series: pd.Series):
    fast = parse(series)
    with pytest.MonkeyPatch.context() as patch:
        _off(patch)
        slow = parse(series)
    return fast, slow


def assert_same(parse, values: list[str], index=None) -> None:
    series = pd.Series(values, dtype="str", index=index)
    (fast, fast_bad), (slow, slow_bad) = both(parse, series)
    pd.testing.assert_series_equal(fast, slow)
    pd.testing.assert_series_equal(fast_bad, slow_bad)


def test_messy_dates_parse_as_the_general_parser() -> None:
    assert_same(parse_date, MESSY_DATES)
    assert_same(parse_date, MESSY_DATES, index=[7] * len(MESSY_DATES))  # a repeated index
    assert_same(parse_date, [])
    values, bad = parse_date(pd.Series(["2024-02-29", "2024-02-30", " 2024-01-05 "], dtype="str"))
    assert values.tolist()[0] == pd.Timestamp("2024-02-29") and pd.isna(values[1])
    assert bad.tolist() == [False, True, False]


def test_long_columns_parse_each_distinct_text_as_the_general_parser() -> None:
    rows = 3 * parsing._DISTINCT_MIN_ROWS
    rng = np.random.default_rng(7)
    for parse, values in (
        (parse_date, MESSY_DATES),
        (parse_int, MESSY_INTS),
        (parse_bool, ["yes", " N ", "", "maybe", "TRUE", "0", "1.0", "t", "f ", "2"]),
    ):
        column = list(rng.choice(np.array(values, dtype=object), size=rows))
        assert_same(parse, column)
        assert_same(parse, column, index=[3] * rows)
    unique = [f"2024-01-{d:02d}" for d in range(1, 29)] + [str(n) for n in range(rows)]
    assert_same(parse_date, unique)  # mostly distinct: parsed directly


def test_messy_ints_parse_as_the_general_parser() -> None:
    assert_same(parse_int, MESSY_INTS)
    assert_same(parse_int, MESSY_INTS, index=list(range(100, 100 + len(MESSY_INTS)))[::-1])
    assert_same(parse_int, [])
    values, bad = parse_int(pd.Series(["3.0", "", " 7", "-4", "3.5"], dtype="str"))
    assert values.tolist() == [3, pd.NA, 7, -4, pd.NA]
    assert bad.tolist() == [False, False, False, False, True]


date_like = st.builds(
    "{}{:04d}{}{:02d}{}{:02d}{}".format,
    st.sampled_from(["", " ", "+"]),
    st.integers(0, 9999),
    st.sampled_from(["-", "/", "."]),
    st.integers(0, 14),
    st.sampled_from(["-", "/"]),
    st.integers(0, 33),
    st.sampled_from(["", " ", "x", " 00:00"]),
)


@settings(max_examples=60, deadline=None, database=None)
@given(values=st.lists(date_like | st.text(alphabet="0123456789-/ .", max_size=11), max_size=30))
def test_generated_dates_parse_as_the_general_parser(values: list[str]) -> None:
    assert_same(parse_date, values)


@settings(max_examples=60, deadline=None, database=None)
@given(
    values=st.lists(
        st.integers(-(10**19), 10**19).map(str) | st.text(alphabet="0123456789-+., e", max_size=21),
        max_size=30,
    )
)
def test_generated_ints_parse_as_the_general_parser(values: list[str]) -> None:
    assert_same(parse_int, values)
