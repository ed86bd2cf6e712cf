"""Vectorised typed coercion of input columns that reports which cells are bad.

This module is long because each parser keeps its fast paths beside its general
path (one home per mechanism), so the two can be tested against each other.

Every reader hands the validators either text (CSV, xlsx: blank is "") or
already typed columns (Parquet fast path). These functions accept both and
return `(values, bad)`: `values` holds the parsed values with missing for
blank *and* bad cells, and `bad` is True only where something was present but
could not be understood. Keeping the two apart lets the caller decide whether
a blank is allowed while still naming the exact cells that are wrong.

Nothing here loops over rows in Python: each function is a handful of pandas
passes (regex matches, `to_numeric`, `to_datetime(format=...)`) over the
cells that are still unparsed, so a 200k-row column costs milliseconds.

Text columns of millions of rows (CSV) take two fast paths, both on the
Arrow strings. A column with many repeats (dates, counts, flags) is
dictionary-encoded and each distinct text parsed once (`_by_distinct`, as
categoricals are). The cells left then take a fast path for the form nearly
every cell has, without regexes or Python objects: ISO dates `YYYY-MM-DD`
(`_iso_dates`) and plain integers (`_plain_ints`). A fast path only ever
accepts a cell whose value the general parser below it would give too;
every other non-blank cell goes on to the general parser, so the results
are the same cell for cell (tests/unit/contract/test_parsing_fast.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api import types as ptypes

from caseload_cli.read.text import arrow_strings, format_floats, string_buffers

__all__ = ["clean_text", "parse_bool", "parse_date", "parse_int", "parse_number"]

# Excel serial day numbers we accept as dates: 20000 = 1954-10-03, 80000 = 2119-01-10.
# Anything outside is far more likely a mistyped number than a date.
SERIAL_MIN = 20000
SERIAL_MAX = 80000
_EXCEL_ORIGIN = pd.Timestamp("1899-12-30")

# Day-first and ISO formats only: a month-first reading of "03/04/2024" would
# silently move a case by a month, so it is never attempted. Each family has a
# shape regex (cheap to match) so to_datetime only ever sees candidates: a
# failing to_datetime pass costs far more than a regex match.
_TIME = r"[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?"
_DATE_FAMILIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}", ("%Y-%m-%d",)),
    (r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}", ("%d/%m/%Y",)),
    (r"[0-9]{1,2}-[0-9]{1,2}-[0-9]{4}", ("%d-%m-%Y",)),
    (r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}", ("%d.%m.%Y",)),
    (r"[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}", ("%Y/%m/%d",)),
    (
        r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}" + _TIME,
        (
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%d %H:%M",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S.%f",
            "%Y-%m-%dT%H:%M:%S.%f",
        ),
    ),
    (r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}" + _TIME, ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M")),
)
_TWO_DIGIT_YEAR = r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{2})"
_SERIAL_SHAPE = r"[0-9]+(?:\.[0-9]+)?"

_TRUE = ("true", "yes", "y", "1", "t")
_FALSE = ("false", "no", "n", "0", "f")
_BOOL_WORDS = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}

_NS_MIN = pd.Timestamp.min.ceil("D")
_NS_MAX = pd.Timestamp.max.floor("D")
_NS_MIN_DAY = np.datetime64(_NS_MIN.strftime("%Y-%m-%d"), "D")
_NS_MAX_DAY = np.datetime64(_NS_MAX.strftime("%Y-%m-%d"), "D")

_Parsed = tuple[pd.Series, pd.Series]
_F = TypeVar("_F", bound=Callable[..., Any])


# --------------------------------------------------------------------------- helpers


def _kind(series: pd.Series) -> str:
    """Classify a column so each parser can take the fast path for typed data."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if ptypes.is_bool_dtype(dtype):
        return "bool"
    if ptypes.is_integer_dtype(dtype):
        return "int"
    if ptypes.is_float_dtype(dtype):
        return "float"
    if ptypes.is_datetime64_any_dtype(dtype):
        return "datetime"
    if ptypes.is_object_dtype(dtype):
        # Object columns come from odd sources (hand-built frames, Arrow types
        # pandas has no native dtype for); classify them by their contents.
        inferred = ptypes.infer_dtype(series, skipna=True)
        if inferred == "boolean":
            return "bool"
        if inferred == "integer":
            return "int"
        if inferred in ("floating", "mixed-integer-float", "decimal"):
            return "float"
        if inferred in ("datetime", "datetime64", "date"):
            return "datetime"
    return "text"


def _no_bad(series: pd.Series) -> pd.Series:
    return pd.Series(np.zeros(len(series), dtype=bool), index=series.index)


def _via_categories(series: pd.Series, parse: Callable[[pd.Series], _Parsed]) -> _Parsed:
    """Parse each distinct category once and spread the result by code.

    Dictionary-encoded Parquet columns have few distinct values; parsing the
    categories instead of every cell keeps the fast path fast.
    """
    codes = series.cat.codes.to_numpy()
    cat_values, cat_bad = parse(pd.Series(series.cat.categories.to_numpy(dtype=object)))
    missing = codes < 0
    take = np.where(missing, 0, codes)
    if len(cat_values) == 0:
        values = pd.Series(pd.array([pd.NA] * len(series), dtype=cat_values.dtype))
        bad = np.zeros(len(series), dtype=bool)
    else:
        values = cat_values.take(take).reset_index(drop=True)
        values[missing] = None
        bad = cat_bad.to_numpy()[take] & ~missing
    values.index = series.index
    return values, pd.Series(bad, index=series.index)


def _datetime_text(series: pd.Series) -> pd.Series:
    """ISO dates, with a time part only where it is not midnight."""
    if getattr(series.dt, "tz", None) is not None:
        series = series.dt.tz_localize(None)
    text = series.dt.strftime("%Y-%m-%d")
    has_time = series.notna() & (series != series.dt.normalize())
    if has_time.any():
        text[has_time] = series[has_time].dt.strftime("%Y-%m-%d %H:%M:%S")
    return text.where(series.notna(), "")


#: Below this many cells a column is parsed directly; above, each distinct text once
#: when at most half the cells are distinct.
_DISTINCT_MIN_ROWS = 4096


def _by_distinct(text: pd.Series, parse: Callable[[pd.Series], _Parsed]) -> _Parsed | None:
    """Parse each distinct cleaned text once and spread the results by code (one Arrow
    hash pass), or None when the column is short or mostly distinct."""
    if len(text) < _DISTINCT_MIN_ROWS:
        return None
    encoded = pc.dictionary_encode(arrow_strings(text).combine_chunks())
    if len(encoded.dictionary) > len(text) // 2:
        return None
    codes = encoded.indices.to_numpy()
    values, bad = parse(pd.Series(encoded.dictionary, dtype="str"))
    spread = pd.Series(values.array.take(codes), index=text.index)
    return spread, pd.Series(bad.to_numpy()[codes], index=text.index)


def _missing_ints(size: int, index: pd.Index) -> pd.Series:
    """An all-missing "Int64" column (without a Python list of NA)."""
    values = pd.arrays.IntegerArray(np.zeros(size, dtype=np.int64), np.ones(size, dtype=bool))
    return pd.Series(values, index=index)


def _fixed_width_bytes(array: pa.ChunkedArray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows whose text is exactly `width` bytes, and those bytes as an (n, width)
    uint8 array."""
    offsets, data = string_buffers(array.combine_chunks())
    rows = np.flatnonzero(np.diff(offsets) == width)
    chars = data[offsets[rows][:, None] + np.arange(width)]
    return rows, chars


def _iso_dates(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The fast path of `parse_date` for cleaned text: cells that are a valid date
    written exactly `YYYY-MM-DD` within pandas' range. Returns datetime64[ns]
    values (NaT elsewhere) and the mask of the cells it parsed; the general
    parser would read each of them as the same date (`%Y-%m-%d`)."""
    size = len(text)
    values = np.full(size, np.datetime64("NaT"), dtype="datetime64[ns]")
    done = np.zeros(size, dtype=bool)
    if size == 0:
        return values, done
    rows, chars = _fixed_width_bytes(arrow_strings(text), 10)
    digit = (chars >= ord("0")) & (chars <= ord("9"))
    shaped = digit[:, [0, 1, 2, 3, 5, 6, 8, 9]].all(axis=1)
    shaped &= (chars[:, 4] == ord("-")) & (chars[:, 7] == ord("-"))
    rows, chars = rows[shaped], chars[shaped].astype(np.int64) - ord("0")
    year = chars[:, 0] * 1000 + chars[:, 1] * 100 + chars[:, 2] * 10 + chars[:, 3]
    month = chars[:, 5] * 10 + chars[:, 6]
    day = chars[:, 8] * 10 + chars[:, 9]
    months = (year - 1970) * 12 + np.clip(month, 1, 12) - 1
    first = months.astype("datetime64[M]").astype("datetime64[D]")
    length = ((months + 1).astype("datetime64[M]").astype("datetime64[D]") - first).astype(np.int64)
    dates = first + (day - 1).astype("timedelta64[D]")
    ok = (month >= 1) & (month <= 12) & (day >= 1) & (day <= length)
    ok &= (dates >= _NS_MIN_DAY) & (dates <= _NS_MAX_DAY)
    values[rows[ok]] = dates[ok].astype("datetime64[ns]")
    done[rows[ok]] = True
    return values, done


def _plain_ints(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The fast path of `parse_int` for cleaned text: cells that are an optional minus
    and 1-18 digits, cast by Arrow. Returns int64 values (0 elsewhere) and the mask
    of the cells it parsed; the general parser gives each of them the same value."""
    arrow = arrow_strings(text)
    plain = pc.match_substring_regex(arrow, r"^-?[0-9]{1,18}$")
    done = plain.to_numpy(zero_copy_only=False).astype(bool, copy=False)
    values = np.zeros(len(text), dtype=np.int64)
    if done.any():
        values[done] = pc.cast(pc.filter(arrow, plain), pa.int64()).to_numpy()
    return values, done


def _as_str(values: pd.Series | np.ndarray, index: pd.Index) -> pd.Series:
    return pd.Series(values, index=index, dtype="str")


def _any_index(function: _F) -> _F:
    """Let the parsers rely on a unique index internally whatever the caller's index."""

    @functools.wraps(function)
    def wrapper(series: pd.Series, *args: Any, **kwargs: Any) -> Any:
        if series.index.is_unique:
            return function(series, *args, **kwargs)
        result = function(series.reset_index(drop=True), *args, **kwargs)
        if isinstance(result, tuple):
            return tuple(part.set_axis(series.index) for part in result)
        return result.set_axis(series.index)

    return cast(_F, wrapper)


# --------------------------------------------------------------------------- public


@_any_index
def clean_text(series: pd.Series) -> pd.Series:
    """Return the column as stripped text ("" for missing), whatever its type.

    Validators compare IDs and codes as text; typed Parquet columns must look
    exactly like the same values read from CSV (so 12.0 becomes "12").
    """
    kind = _kind(series)
    index = series.index
    if kind == "category":
        cats = clean_text(pd.Series(series.cat.categories.to_numpy(dtype=object)))
        codes = series.cat.codes.to_numpy()
        text = np.append(cats.to_numpy(dtype=object), "")[np.where(codes < 0, len(cats), codes)]
        return _as_str(text, index)
    missing = series.isna().to_numpy()
    if kind == "bool":
        text = np.where(series.to_numpy(dtype=object, na_value=False) == True, "true", "false")  # noqa: E712
    elif kind == "int":
        text = series.astype("Int64").astype("str").to_numpy(dtype=object)
    elif kind == "float":
        text = format_floats(series.to_numpy(dtype=float, na_value=np.nan))
    elif kind == "datetime":
        text = _datetime_text(pd.to_datetime(series)).to_numpy(dtype=object)
    else:
        # Stay in Arrow strings: a round trip through Python objects costs
        # seconds at millions of rows.
        text = series if isinstance(series.dtype, pd.StringDtype) else series.astype("str")
        return text.str.strip().fillna("").set_axis(index)
    text = np.where(missing, "", text)
    return _as_str(text, index)


def _all_midnight(values: pd.Series) -> bool:
    """True when no value has a time of day (typed Parquet dates), checked on integers."""
    array = values.to_numpy()
    unit, _ = np.datetime_data(array.dtype)
    per_day = np.timedelta64(1, "D") // np.timedelta64(1, unit)
    ticks = array.view("i8")
    nat = np.iinfo(np.int64).min
    return bool(((ticks % per_day == 0) | (ticks == nat)).all())


@_any_index
def parse_number(series: pd.Series, decimal: str = ".") -> _Parsed:
    """Parse decimal numbers; thousands separators must be grouped correctly.

    With decimal="," the thousands mark is "." ("1.234,5"); with "." it is ","
    ("1,234.5"). Requiring proper groups of three means "1,5" under a "."
    decimal is reported as bad instead of silently becoming 15.
    """
    if decimal not in (".", ","):
        raise ValueError(f"decimal must be '.' or ',', not {decimal!r}")
    kind = _kind(series)
    if kind == "category":
        return _via_categories(series, lambda s: parse_number(s, decimal))
    if kind in ("int", "float"):
        values = pd.to_numeric(series, errors="coerce").astype("Float64")
        finite = np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
        bad = series.notna().to_numpy() & ~finite
        values = values.where(pd.Series(finite, index=series.index))
        return values, pd.Series(bad, index=series.index)
    if kind in ("bool", "datetime"):
        present = series.notna()
        values = pd.Series(pd.array([pd.NA] * len(series), dtype="Float64"), index=series.index)
        return values, present.astype(bool)

    text = clean_text(series)
    hundredths = text.str.endswith("%").fillna(False).astype(bool)
    if hundredths.any():  # "10%" (Excel's text for a percent-formatted 0.1) is 0.1
        text = text.where(~hundredths, text.str[:-1].str.rstrip())
    thousands = "," if decimal == "." else "."
    d, t = "\\" + decimal, "\\" + thousands
    exp = r"(?:[eE][+-]?[0-9]+)?"
    pattern = (
        rf"[+-]?(?:[0-9]+|[0-9]{{1,3}}(?:{t}[0-9]{{3}})+)(?:{d}[0-9]*)?{exp}|[+-]?{d}[0-9]+{exp}"
    )
    ok = text.str.fullmatch(pattern).fillna(False).astype(bool)
    normal = text.where(ok, "").str.replace(thousands, "", regex=False)
    if decimal != ".":
        normal = normal.str.replace(decimal, ".", regex=False)
    numbers = pd.to_numeric(normal.where(ok, None), errors="coerce").astype("Float64")
    finite = numbers.notna() & np.isfinite(numbers.fillna(0.0))
    values = numbers.where(finite)
    bad = (text != "") & ~finite
    if hundredths.any():
        values = values.where(~hundredths, values / 100)
        bad |= hundredths & (text == "")
    return values, bad.astype(bool)


@_any_index
def parse_percent(series: pd.Series, decimal: str = ".") -> _Parsed:
    """Parse a column that holds percentages: "10" and "10%" are both 10 (a percent-
    formatted spreadsheet cell showing 10% holds 0.1 and is read as the text "10%")."""
    kind = _kind(series)
    if kind == "category":
        return _via_categories(series, lambda s: parse_percent(s, decimal))
    if kind in ("int", "float", "bool", "datetime"):
        return parse_number(series, decimal)
    text = clean_text(series)
    signed = text.str.endswith("%").fillna(False).astype(bool)
    if not signed.any():
        return parse_number(text, decimal)
    bare = text.where(~signed, text.str[:-1].str.rstrip())
    values, bad = parse_number(bare, decimal)
    return values, (bad | (signed & (bare == ""))).astype(bool)


@_any_index
def parse_int(series: pd.Series, decimal: str = ".") -> _Parsed:
    """Parse whole numbers; "3.0" is accepted, "3.5" and "three" are bad.

    Integers typed as text keep full precision; anything else goes through
    `parse_number` and must be integral and within float's exact range.
    """
    kind = _kind(series)
    index = series.index
    if kind == "category":
        return _via_categories(series, lambda s: parse_int(s, decimal))
    if kind == "int":
        try:
            return series.astype("Int64"), _no_bad(series)
        except (OverflowError, TypeError, ValueError):
            pass  # uint64 beyond int64: fall through to the float path
    if kind in ("bool", "datetime"):
        values = pd.Series(pd.array([pd.NA] * len(series), dtype="Int64"), index=index)
        return values, series.notna().astype(bool)

    result = _missing_ints(len(series), index)
    bad = pd.Series(np.zeros(len(series), dtype=bool), index=index)
    if kind == "text":
        text = clean_text(series)
        distinct = _by_distinct(text, lambda s: parse_int(s, decimal))
        if distinct is not None:
            return distinct
        fast, done = _plain_ints(text)
        result = pd.Series(pd.arrays.IntegerArray(fast, ~done), index=index)
        text = text[~done & (text != "").to_numpy()]
        if text.empty:
            return result, bad
        simple = text.str.fullmatch(r"[+-]?[0-9]{1,18}").fillna(False).astype(bool)
        if simple.any():
            result[simple.index[simple]] = text[simple].astype("int64")
        rest = ~simple
        if not rest.any():
            return result, bad
        floats, bad_rest = parse_number(text[rest], decimal)
    else:  # float
        floats, bad_rest = parse_number(series, decimal)
    as_float = floats.to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(as_float) & (np.floor(as_float) == as_float)
        whole &= np.abs(as_float) <= 2.0**53
    good_idx = floats.index[whole]
    result[good_idx] = as_float[whole].astype(np.int64)
    bad[floats.index] = bad_rest.to_numpy() | (floats.notna().to_numpy() & ~whole)
    return result, bad


def _serials_to_dates(days: pd.Series) -> _Parsed:
    """Excel 1900-system serials (origin 1899-12-30) -> midnight timestamps."""
    as_float = days.to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        plausible = (as_float >= SERIAL_MIN) & (as_float <= SERIAL_MAX)
    whole_days = np.floor(np.where(plausible, as_float, 0.0)).astype(np.int64)
    values = pd.Series(
        _EXCEL_ORIGIN + pd.to_timedelta(whole_days, unit="D"), index=days.index
    ).astype("datetime64[ns]")
    values = values.where(pd.Series(plausible, index=days.index))
    bad = ~np.isnan(as_float) & ~plausible
    return values, pd.Series(bad, index=days.index)


@_any_index
def parse_date(series: pd.Series) -> _Parsed:
    """Parse dates day-first (never month-first) and normalise to midnight.

    Accepts ISO (optionally with a time), DD/MM/YYYY, DD-MM-YYYY, DD.MM.YYYY,
    D/M/YYYY, DD/MM/YY (years 2000-2099) and Excel serial numbers between
    20000 and 80000. Impossible dates such as 31/02/2024 are bad.
    """
    kind = _kind(series)
    index = series.index
    if kind == "category":
        return _via_categories(series, parse_date)
    if kind == "datetime":
        values = series if isinstance(series.dtype, np.dtype) else pd.to_datetime(series)
        if getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_localize(None)
        if not _all_midnight(values):
            values = values.dt.normalize()
        return values, _no_bad(series)
    if kind in ("int", "float"):
        return _serials_to_dates(series)
    result = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if kind == "bool":
        return result, series.notna().astype(bool)

    text = clean_text(series)
    distinct = _by_distinct(text, parse_date)
    if distinct is not None:
        return distinct
    fast, done = _iso_dates(text)
    result = pd.Series(fast, index=index)
    bad = pd.Series(np.zeros(len(series), dtype=bool), index=index)
    todo = ~done & (text != "").to_numpy()
    if todo.any():
        values, slow_bad = _parse_date_text(text[todo])
        result[todo] = values.to_numpy()
        bad[todo] = slow_bad.to_numpy()
    return result, bad


def _parse_date_text(text: pd.Series) -> _Parsed:
    """The general date parser, for cleaned non-blank text the fast path left."""
    index = text.index
    result = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    todo = pd.Series(np.ones(len(text), dtype=bool), index=index)
    bad = pd.Series(np.zeros(len(text), dtype=bool), index=index)

    serial = todo & text.str.fullmatch(_SERIAL_SHAPE).fillna(False).astype(bool)
    if serial.any():
        values, serial_bad = _serials_to_dates(pd.to_numeric(text[serial], errors="coerce"))
        result[serial] = values
        bad[serial] = serial_bad
        todo &= ~serial

    two_digit = todo & text.str.fullmatch(_TWO_DIGIT_YEAR).fillna(False).astype(bool)
    if two_digit.any():
        text = text.copy()
        text[two_digit] = text[two_digit].str.replace(_TWO_DIGIT_YEAR, r"\1/\2/20\3", regex=True)

    remaining = text[todo]
    for shape, formats in _DATE_FAMILIES:
        if remaining.empty:
            break
        matches = remaining.str.fullmatch(shape).fillna(False).astype(bool)
        if not matches.any():
            continue
        family = remaining[matches]
        remaining = remaining[~matches]
        for fmt in formats:
            if family.empty:
                break
            parsed = pd.to_datetime(family, format=fmt, errors="coerce")
            hit = parsed.notna().to_numpy()
            found = parsed[hit]
            in_range = (found >= _NS_MIN) & (found <= _NS_MAX)
            result[found.index[in_range]] = found[in_range].dt.normalize().astype("datetime64[ns]")
            todo[found.index[in_range]] = False
            family = family[~hit]
    bad |= todo
    return result, bad


@_any_index
def parse_bool(series: pd.Series) -> _Parsed:
    """Parse yes/no style flags: true/false, yes/no, y/n, 1/0, t/f (any case)."""
    kind = _kind(series)
    index = series.index
    if kind == "category":
        return _via_categories(series, parse_bool)
    if kind == "bool":
        return series.astype("boolean"), _no_bad(series)
    if kind == "datetime":
        values = pd.Series(pd.array([pd.NA] * len(series), dtype="boolean"), index=index)
        return values, series.notna().astype(bool)
    if kind in ("int", "float"):
        numbers = series.to_numpy(dtype=float, na_value=np.nan)
        ok = (numbers == 0) | (numbers == 1)
        values = pd.Series(pd.array(numbers == 1, dtype="boolean"), index=index)
        values[~ok] = pd.NA
        return values, pd.Series(~np.isnan(numbers) & ~ok, index=index)
    text = clean_text(series)
    distinct = _by_distinct(text, parse_bool)
    if distinct is not None:
        return distinct
    text = text.str.lower()
    mapped = text.map(_BOOL_WORDS)
    values = mapped.astype("boolean")
    bad = (text != "") & mapped.isna()
    return values, bad.astype(bool)
