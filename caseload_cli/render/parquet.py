"""Parquet: the main table with its column types, and the stamp and notes in the file metadata.

For analysts loading results into pandas, Arrow or DuckDB: numbers stay
numbers; an object column Arrow cannot type is stored as text.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from caseload_cli.render.cells import jsonable, machine_text, typed_columns
from caseload_cli.render.stamps import stamp_json

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
        try:
            pa.Array.from_pandas(series)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed object column: store as text
            texts = [machine_text(v) for v in typed_columns(series.to_frame())[0].values]
            frame.isetitem(position, pd.Series(texts, index=frame.index, dtype=object))
    table = pa.Table.from_pandas(frame, preserve_index=False)
    _, stamp = stamp_json(report)

    def dump(value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")

    metadata = dict(table.schema.metadata or {})
    metadata.update(
        {
            b"caseload.title": report.title.encode("utf-8"),
            b"caseload.scheme": dump(stamp),
            b"caseload.accounting": dump(jsonable(dict(report.accounting))),
            b"caseload.metadata": dump(jsonable(dict(report.metadata))),
            b"caseload.notes": dump([str(n) for n in report.notes]),
        }
    )
    table = table.replace_schema_metadata(metadata)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue().to_pybytes()
