"""Write the sample tables (and their variants) as files.

The only module of the generator that touches the file system. Every file
goes through `core.files.atomic_write`, like every other output of the
toolkit, so a file is either complete or untouched; the bytes come from
`encode` and `variants`, so the same frames give byte-identical files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa

from caseload_cli.core.errors import CaseloadError
from caseload_cli.core.files import atomic_write
from caseload_cli.synth.encode import TABLES, csv_bytes, parquet_bytes, to_arrow, xlsx_bytes
from caseload_cli.synth.limits import FORMATS
from caseload_cli.synth.variants import dirty_files, mapped_files

__all__ = [
    "XLSX_MAX_ROWS",
    "check_formats",
    "make_dir",
    "write_sample",
    "write_table",
    "write_weeks_index",
]

XLSX_MAX_ROWS = 1_048_575  # data rows under one header row


def check_formats(formats: Sequence[str]) -> None:
    """ValueError naming any format that is not one of FORMATS."""
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown format(s): {', '.join(sorted(unknown))}")


def make_dir(path: Path) -> Path:
    """Create `path` (and parents) if missing; a failure names the folder."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as problem:
        raise CaseloadError(f"cannot write {path}: {problem.strerror or problem}") from problem
    return path


def write_table(
    table: pa.Table, out: Path, name: str, formats: Sequence[str], notes: list[str]
) -> list[Path]:
    """`<name>.<fmt>` for each format asked for, in FORMATS order, byte-identical per seed.

    A table longer than a worksheet allows gets no xlsx file; a line saying
    so is appended to `notes`.
    """
    written: list[Path] = []
    for fmt in FORMATS:
        if fmt not in formats:
            continue
        path = out / f"{name}.{fmt}"
        if fmt == "xlsx" and table.num_rows > XLSX_MAX_ROWS:
            notes.append(
                f"{path.name} skipped: {table.num_rows:,} rows exceed the xlsx limit "
                f"of {XLSX_MAX_ROWS:,}; use csv or parquet"
            )
            continue
        if fmt == "csv":
            data = csv_bytes(table)
        elif fmt == "parquet":
            data = parquet_bytes(table)
        else:
            data = xlsx_bytes(table, name)
        atomic_write(path, data)
        written.append(path)
    return written


def write_sample(
    frames: Mapping[str, pd.DataFrame],
    out_dir: str | os.PathLike[str],
    formats: Sequence[str] = FORMATS,
    *,
    mapped: bool = False,
    dirty: bool = False,
    notes: list[str] | None = None,
) -> list[Path]:
    """Write the frames as files in `out_dir`; return the paths written, in order.

    Per table: `<table>.csv`, `<table>.xlsx` (one sheet), `<table>.parquet`.
    A table too long for a worksheet (over 1,048,575 rows) gets no xlsx file;
    a line saying so is appended to `notes`. `mapped` adds `mapping.toml`
    and `cases_mapped.csv`/`staff_mapped.csv`; `dirty` adds the `dirty/` folder.
    """
    check_formats(formats)
    out = make_dir(Path(out_dir))
    notes = notes if notes is not None else []
    tables = {name: to_arrow(frames[name], name) for name in TABLES}
    written: list[Path] = []
    for name, table in tables.items():
        written += write_table(table, out, name, formats, notes)
    if mapped:
        written += _write_files(out, mapped_files(tables))
    if dirty:
        files = dirty_files(frames, tables)  # may refuse (too few cases): before any write
        written += _write_files(make_dir(out / "dirty"), files)
    return written


def _write_files(out: Path, files: Mapping[str, bytes]) -> list[Path]:
    for name, data in files.items():
        atomic_write(out / name, data)
    return [out / name for name in files]


def write_weeks_index(out_dir: str | os.PathLike[str], index: Mapping[str, object]) -> Path:
    """`weeks.json`: a weekly series' dates and week-on-week counts, stable key order."""
    path = make_dir(Path(out_dir)) / "weeks.json"
    atomic_write(path, (json.dumps(index, indent=1) + "\n").encode())
    return path
