"""Validated frames to typed Arrow tables and back, losing nothing the engine uses.

Columns keep real types so a store is useful outside this tool: dates as
date32, codes as dictionary strings, IDs and names as strings, amounts as
float64, counts and row numbers as int64. The private columns the engine
relies on are kept too (`_staff`, each case's position in the accepted staff,
and `_row`, the row in the source file every rejection and explanation names),
so a stored snapshot weighs exactly like the files it came from.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

#: Columns stored as dictionary strings (few distinct values); any other text is a string.
CODES = frozenset({"worker_id", "law", "case_type", "stage", "role", "team_type", "reason"})
#: Case columns that hold dates.
DATES = frozenset({"opened", "first_hearing", "next_hearing", "snapshot", "snapshot_in_file"})
_TEXT = pa.string()
_CODE = pa.dictionary(pa.int32(), pa.string())


def to_arrow(frame: pd.DataFrame) -> pa.Table:
    """One validated frame as an Arrow table with explicit column types."""
    arrays, fields = [], []
    for name in frame.columns:
        array = _column(name, frame[name])
        arrays.append(array)
        fields.append(pa.field(name, array.type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _column(name: str, series: pd.Series) -> pa.Array:
    kind = series.dtype
    if name in DATES or pd.api.types.is_datetime64_any_dtype(kind):
        days = series.to_numpy(dtype="datetime64[D]")
        return pa.array(days, type=pa.date32(), mask=pd.isna(series).to_numpy())
    if pd.api.types.is_bool_dtype(kind):
        return pa.array(series.to_numpy(dtype=bool), type=pa.bool_())
    if pd.api.types.is_integer_dtype(kind):
        return pa.array(series.to_numpy(dtype="int64"), type=pa.int64())
    if pd.api.types.is_float_dtype(kind):
        return pa.array(series.to_numpy(dtype="float64"), type=pa.float64())
    if name in CODES:
        return _dictionary(series)
    text = series.astype("str").to_numpy(dtype=object)
    return pa.array(text, type=_TEXT)


def _dictionary(series: pd.Series) -> pa.Array:
    """Codes as a dictionary array built from integer codes, not per-row strings."""
    if not isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype("category")
    categories = pa.array(series.cat.categories.astype("str").to_numpy(dtype=object), _TEXT)
    codes = series.cat.codes.to_numpy().astype("int32")
    indices = pa.array(codes, type=pa.int32(), mask=codes < 0)
    return pa.DictionaryArray.from_arrays(indices, categories)


def from_arrow(table: pa.Table, categorical: frozenset[str] = frozenset()) -> pd.DataFrame:
    """A stored table as the frame validation made: dates as datetime64[ns], codes
    as categoricals where the engine expects them (`categorical`), else as text."""
    columns = {}
    for name in table.column_names:
        column = table.column(name)
        kind = column.type
        if pa.types.is_dictionary(kind):
            chunked = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
            codes = chunked.indices.fill_null(-1).to_numpy(zero_copy_only=False)
            categories = pd.Index(chunked.dictionary.to_pylist(), dtype="str")
            values = pd.Categorical.from_codes(codes, categories=categories, validate=False)
            series = pd.Series(values)
            columns[name] = series if name in categorical else series.astype("str")
        elif pa.types.is_date32(kind):
            days = column.to_numpy().astype("datetime64[ns]")
            columns[name] = pd.Series(days)
        elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
            columns[name] = pd.Series(column.to_numpy(zero_copy_only=False), dtype="str")
        elif pa.types.is_boolean(kind):
            columns[name] = pd.Series(column.to_numpy(zero_copy_only=False), dtype=bool)
        else:
            columns[name] = pd.Series(column.to_numpy(zero_copy_only=False))
    return pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows))


def as_int32(series: pd.Series) -> pd.Series:
    """`_staff` positions are int32 in the engine; stored as int64 like other counts."""
    return series.astype(np.int32)
