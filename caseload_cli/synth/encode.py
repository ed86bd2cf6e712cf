"""The sample tables as Arrow, and as the bytes of each file format.

Pure encoding, no file system: the plain files, the survey responses and the
mapped and dirty variants all encode through these functions, with fixed
settings, so equal frames always give equal bytes. `write` puts the bytes
into files.
"""

from __future__ import annotations

import io

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from caseload_cli.core.files import new_workbook, workbook_bytes

__all__ = ["SCHEMAS", "TABLES", "csv_bytes", "parquet_bytes", "to_arrow", "xlsx_bytes"]

_DICT = pa.dictionary(pa.int32(), pa.string())
SCHEMAS: dict[str, pa.Schema] = {
    "cases": pa.schema(
        [
            ("case_id", pa.string()),
            ("worker_id", pa.string()),
            ("law", _DICT),
            ("case_type", _DICT),
            ("stage", _DICT),
            ("children", pa.int32()),
            ("opened", pa.date32()),
            ("first_hearing", pa.date32()),
            ("next_hearing", pa.date32()),
            ("snapshot", pa.date32()),
            ("domestic_abuse", pa.bool_()),
            ("interpreter", pa.bool_()),
            ("allocated", pa.date32()),
            ("report_filed", pa.date32()),
            ("hub_entered", pa.date32()),
        ]
    ),
    "staff": pa.schema(
        [
            ("worker_id", pa.string()),
            ("name", pa.string()),
            ("team", _DICT),
            ("service_area", _DICT),
            ("role", _DICT),
            ("team_type", _DICT),
            ("contracted_hours", pa.float64()),
        ]
    ),
    "reductions": pa.schema(
        [
            ("worker_id", pa.string()),
            ("reason", _DICT),
            ("hours", pa.float64()),
            ("percent", pa.float64()),
            ("start", pa.date32()),
            ("end", pa.date32()),
        ]
    ),
}
TABLES = tuple(SCHEMAS)


def to_arrow(frame: pd.DataFrame, table: str) -> pa.Table:
    """One frame as an Arrow table with the contract's types (dates as date32 etc.)."""
    schema = SCHEMAS[table]
    arrays = []
    for field in schema:
        series = frame[field.name]
        if field.type == pa.date32():
            values = pd.to_datetime(series).to_numpy("datetime64[s]").astype("datetime64[D]")
            arrays.append(pa.array(values, pa.date32()))
        elif field.type == _DICT:
            strings = pa.Array.from_pandas(series.astype("str"), type=pa.string())
            arrays.append(strings.dictionary_encode())
        else:
            arrays.append(pa.Array.from_pandas(series, type=field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def csv_bytes(table: pa.Table, delimiter: str = ",", decimal: str = ".") -> bytes:
    """CSV with an unquoted header, ISO dates, true/false, blanks for missing."""
    if decimal != ".":
        columns = [
            pc.replace_substring(c.cast(pa.string()), ".", decimal)
            if pa.types.is_floating(c.type)
            else c
            for c in table.columns
        ]
        table = pa.Table.from_arrays(columns, names=table.column_names)
    sink = io.BytesIO()
    sink.write((delimiter.join(table.column_names) + "\n").encode())
    if table.num_rows:
        options = pacsv.WriteOptions(
            include_header=False, delimiter=delimiter, quoting_style="none"
        )
        pacsv.write_csv(table, sink, options)
    return sink.getvalue()


def parquet_bytes(table: pa.Table) -> bytes:
    """Parquet with zstd level 3, format 2.6 and no pandas metadata or timestamp."""
    sink = pa.BufferOutputStream()
    pq.write_table(
        table,
        sink,
        compression="zstd",
        compression_level=3,
        use_dictionary=True,
        write_statistics=True,
        version="2.6",
        data_page_version="1.0",
        row_group_size=1_000_000,
    )
    return sink.getvalue().to_pybytes()


def xlsx_bytes(table: pa.Table, sheet: str) -> bytes:
    """One sheet with a frozen header; ids as text cells, dates as Excel dates."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    wb = new_workbook(f"Synthetic sample: {sheet}")  # says so in the file's properties
    ws = wb.create_sheet(sheet)
    ws.freeze_panes = "A2"
    for i, field in enumerate(table.schema):
        width = 12 if field.type in (pa.date32(), pa.bool_()) else max(10, len(field.name) + 2)
        ws.column_dimensions[get_column_letter(i + 1)].width = width
    ws.append(table.column_names)

    def text_cell(value: str | None) -> WriteOnlyCell | None:
        if value is None:
            return None
        cell = WriteOnlyCell(ws, value)
        cell.number_format = "@"
        return cell

    columns = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_dictionary(column.type):
            column = column.cast(pa.string())
        values = column.to_pylist()
        if column.type == pa.string() and name.endswith("_id"):
            # Identifiers as text-formatted cells: "0012345" stays "0012345" on editing.
            values = [text_cell(v) for v in values]
        columns.append(values)
    for row in zip(*columns, strict=True):
        ws.append(row)
    return workbook_bytes(wb)
