"""Read one caseload export (CSV, xlsx or Parquet) into a `Table`: the entry points.

The readers do as little interpretation as possible: CSV and xlsx cells stay
text (so IDs keep leading zeros and "NA" stays "NA"), Parquet columns stay
typed (the fast path). What they *do* guarantee is what every later message
depends on: the row number a person sees in the file for every frame row, a
header without duplicates, and an `InputError` naming the file for anything
the user can fix, instead of a traceback.

This module decides which format a path or standard input holds and hands
the bytes to the reader for that format (`read.csv`, `read.xlsx`,
`read.parquet`); the formats themselves are named in `core.formats`.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import BinaryIO

from caseload_cli.core.errors import InputError, UsageError
from caseload_cli.core.formats import (
    INPUT_FORMATS,
    OLE_MAGIC,
    input_format_from_path,
    sniff_input_format,
)
from caseload_cli.core.model import ReadOptions, Table
from caseload_cli.read.csv import read_csv
from caseload_cli.read.frame import Wanted
from caseload_cli.read.parquet import read_parquet
from caseload_cli.read.xlsx import ERROR_PROBLEM, FORMULA_PROBLEM, read_xlsx

__all__ = ["ERROR_PROBLEM", "FORMULA_PROBLEM", "guess_format", "read_table"]


def read_table(
    path: str,
    options: ReadOptions = ReadOptions(),  # noqa: B008 - frozen dataclass, safe default
    *,
    columns: list[str] | None = None,
    stdin: BinaryIO | None = None,
    dictionary: tuple[str, ...] = (),
) -> Table:
    """Read a CSV, xlsx or Parquet export (or "-" for stdin) into a `Table`.

    `columns`, when given, limits the columns returned: a column is kept if
    its header, compared case-insensitively after stripping or after
    `normalise_header`, equals one of `columns`; requested columns that are
    not in the file are simply absent. For Parquet this also means only those
    columns are read from disk. Text columns named in `dictionary` (codes and
    IDs with many repeats) are decoded from Parquet as categoricals, which
    saves hashing millions of strings later.
    """
    wanted = Wanted(columns, dictionary)
    options = options.for_path(path)  # --encoding cases=utf-16
    if path == "-":
        source = "<stdin>"
        data = (stdin if stdin is not None else sys.stdin.buffer).read()
        fmt = _format_option(options) or sniff_input_format(data[:4])
        if fmt == "csv":
            return read_csv(data, source, options, wanted)
        if fmt == "xlsx":
            return read_xlsx(io.BytesIO(data), source, options, wanted)
        return read_parquet([io.BytesIO(data)], ["<stdin>"], source, options, wanted)

    source = path
    target = Path(path)
    try:
        is_dir = target.is_dir()
        exists = is_dir or target.exists()
    except OSError as exc:
        raise InputError(f"{source}: cannot access ({exc.strerror or exc})") from None
    if not exists:
        raise InputError(f"{source}: file not found")
    fmt = _format_option(options)
    if is_dir:
        if fmt not in (None, "parquet"):
            raise InputError(f"{source}: is a directory, not a {fmt} file")
        try:
            files = sorted(
                p
                for p in target.iterdir()
                if input_format_from_path(p.name) == "parquet"
                and p.is_file()
                and not p.name.startswith((".", "_"))
            )
        except PermissionError:
            raise InputError(f"{source}: permission denied") from None
        except OSError as exc:
            raise InputError(f"{source}: cannot list directory ({exc.strerror or exc})") from None
        if not files:
            raise InputError(f"{source}: directory contains no *.parquet files")
        return read_parquet(files, [str(p) for p in files], source, options, wanted)

    if fmt is None:
        fmt = input_format_from_path(path)
    if fmt is None:  # unknown extension (or .xls, often a CSV in disguise): look inside
        head = _read_bytes(target, source, limit=8)
        if head.startswith(OLE_MAGIC):
            raise InputError(
                f"{source}: old .xls (or password-protected) workbooks are not supported; "
                f"save it as .xlsx or CSV"
            )
        fmt = sniff_input_format(head)
    if fmt == "csv":
        data = _read_bytes(target, source)
        actual = sniff_input_format(data[:4])
        if actual == "csv" or options.input_format:
            return read_csv(data, source, options, wanted)
        # an xlsx or Parquet file with a CSV-like name: read what it really is
        fmt = actual
        opened = io.BytesIO(data)
        if fmt == "xlsx":
            table = read_xlsx(opened, source, options, wanted)
        else:
            table = read_parquet([opened], [source], source, options, wanted)
        table.notes.append(
            f"{source}: the file is {fmt}, not CSV as its name suggests; read as {fmt}"
        )
        return table
    if fmt == "xlsx":
        _read_bytes(target, source, limit=0)  # permission check with a clear message
        return read_xlsx(target, source, options, wanted)
    return read_parquet([target], [source], source, options, wanted)


def guess_format(path: str, options: ReadOptions) -> str | None:
    """The format --input-format names, else a directory's (Parquet) or the extension's;
    None when only the content can tell (stdin, unknown extensions)."""
    fmt = _format_option(options)
    if fmt is not None or path == "-":
        return fmt
    target = Path(path)
    return "parquet" if target.is_dir() else input_format_from_path(path)


def _format_option(options: ReadOptions) -> str | None:
    fmt = options.input_format
    if fmt is None:
        return None
    fmt = fmt.strip().lower()
    if fmt not in INPUT_FORMATS:
        choices = f"{', '.join(INPUT_FORMATS[:-1])} or {INPUT_FORMATS[-1]}"
        raise UsageError(f"unknown input format {options.input_format!r}; use {choices}")
    return fmt


def _read_bytes(path: Path, source: str, limit: int = -1) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(limit)
    except PermissionError:
        raise InputError(f"{source}: permission denied") from None
    except IsADirectoryError:
        raise InputError(f"{source}: is a directory") from None
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc.strerror or exc})") from None
