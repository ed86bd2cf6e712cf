"""Parquet: the main table with its column types, the stamp columns, and the stamp,
provenance and notes in the file metadata.

For analysts loading results into pandas, Arrow or DuckDB: numbers stay
numbers; text is plain `string` (never a dictionary/categorical type, so files
append into one dataset); an object column Arrow cannot type is stored as text.
The stamp columns (`STAMP_FIELDS`: scheme, scheme_version, scheme_fingerprint,
snapshot) are real columns at the end, so a dataset of appended files keeps them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from caseload_cli.render.cells import jsonable, machine_text, typed_columns
from caseload_cli.render.stamps import (
    EXPORT_SCHEMA_VERSION,
    provenance,
    stamp_columns,
    stamp_json,
)

if TYPE_CHECKING:
    from caseload_cli.core.model import Report


def render_parquet(report: Report) -> bytes:
    """The main table as Parquet bytes; `caseload.*` schema metadata holds the rest."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = report.rows.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    for position in range(frame.shape[1]):
        series = frame.iloc[:, position]
        if isinstance(series.dtype, pd.CategoricalDtype):  # plain text, not a dictionary
            series = series.astype(series.cat.categories.dtype)
            frame.isetitem(position, series)
        try:
            pa.Array.from_pandas(series)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed object column: store as text
            texts = [machine_text(v) for v in typed_columns(series.to_frame())[0].values]
            frame.isetitem(position, pd.Series(texts, index=frame.index, dtype=object))
    table = _plain_types(pa.Table.from_pandas(frame, preserve_index=False))
    for name, value in stamp_columns(report, table.column_names):
        column = pa.array([value or None] * table.num_rows, type=pa.string())
        table = table.append_column(pa.field(name, pa.string()), column)
    _, stamp = stamp_json(report)

    def dump(value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")

    metadata = dict(table.schema.metadata or {})
    metadata.update(
        {
            b"caseload.export_schema_version": EXPORT_SCHEMA_VERSION.encode("utf-8"),
            b"caseload.title": report.title.encode("utf-8"),
            b"caseload.scheme": dump(stamp),
            b"caseload.accounting": dump(jsonable(dict(report.accounting))),
            b"caseload.metadata": dump(jsonable(dict(report.metadata))),
            b"caseload.notes": dump([str(n) for n in report.notes]),
            b"caseload.provenance": dump(jsonable(provenance(report))),
        }
    )
    table = table.replace_schema_metadata(metadata)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue().to_pybytes()


def _plain_types(table: Any) -> Any:
    """Dictionary (pandas categorical) columns as their values' type, and large strings
    as plain `string`: the same logical type in every file of a dataset."""
    import pyarrow as pa

    fields = []
    for field in table.schema:
        kind = field.type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
            kind = pa.string()
        fields.append(pa.field(field.name, kind, field.nullable))
    schema = pa.schema(fields, metadata=table.schema.metadata)
    return table if schema.equals(table.schema) else table.cast(schema)
