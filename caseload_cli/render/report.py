"""Render a `Report` in every output format, and write it safely.

The entry points every command shares, so CLI output always equals library
output: commands build a `Report` and call `write_report`; library users call
`render`. Each format has its own module in this package (table, csv, json,
markdown, html, xlsx, parquet, pdf from the html); `RENDERERS` maps format names to them.

Rules shared by every format:

* column order is `report.rows` column order; the index is never written;
* machine formats (csv, json, ndjson, parquet, xlsx) keep full float
  precision; human formats (table, markdown, html) show 2 decimals
  (1 for columns ending in ``_pct``); ints stay ints;
* missing values are empty (csv, table, markdown, html, xlsx) or null (json);
* dates are ISO ``YYYY-MM-DD``; booleans are ``true``/``false`` in text;
* every format carries the scheme stamp(s); nothing varies between runs
  (no timestamps), so the same report always gives the same bytes;
* `report.charts` are drawn by html (inline SVG), xlsx (bar charts), and the terminal
  table and markdown (text bars); csv, json, ndjson and parquet carry the data only;
* every column is written, unless `columns` (--columns) chooses them, for every
  format; the table and markdown written to a terminal (or with COLUMNS set) are the
  manager view that fits its width unless `wide` (render/columns.py).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Sequence
from typing import IO, TYPE_CHECKING

from caseload_cli.core.errors import UsageError
from caseload_cli.core.files import atomic_write
from caseload_cli.core.formats import BINARY_FORMATS, OUTPUT_FORMATS, output_format_from_path
from caseload_cli.render.columns import FITTED_FORMATS, choose_columns, terminal_width
from caseload_cli.render.csv import render_csv
from caseload_cli.render.html import render_html
from caseload_cli.render.json import render_json, render_ndjson
from caseload_cli.render.markdown import render_markdown
from caseload_cli.render.parquet import render_parquet
from caseload_cli.render.pdf import render_pdf
from caseload_cli.render.table import render_table, wants_colour
from caseload_cli.render.xlsx import render_xlsx

if TYPE_CHECKING:
    from caseload_cli.core.model import Report

__all__ = ["RENDERERS", "output_format", "render", "write_report"]

#: Format name -> renderer; `str` for text formats, `bytes` for BINARY_FORMATS.
RENDERERS: dict[str, Callable[[Report], str | bytes]] = {
    "table": render_table,
    "csv": render_csv,
    "json": render_json,
    "ndjson": render_ndjson,
    "xlsx": render_xlsx,
    "parquet": render_parquet,
    "markdown": render_markdown,
    "html": render_html,
    "pdf": render_pdf,
}


def render(
    report: Report,
    fmt: str,
    *,
    width: int | None = None,
    columns: Sequence[str] | None = None,
) -> str | bytes:
    """Render `report` as `fmt`: `str` for text formats, `bytes` for xlsx/parquet/pdf.

    `columns`: exactly these columns of the main table, in this order (any format).
    `width`: fit the table and markdown into this many characters (the manager view);
    None shows every column. Other formats ignore `width`.
    """
    fmt = _check_format(fmt)
    if columns is not None:
        report = choose_columns(report, columns)
    if width is not None and fmt in FITTED_FORMATS:
        return (render_table if fmt == "table" else render_markdown)(report, width=width)
    return RENDERERS[fmt](report)


def output_format(fmt: str | None, output_path: str | None) -> str:
    """The format a run will write, checked before any work is done: binary
    formats need a file, and an unknown format is a usage error."""
    to_stdout = output_path is None or output_path == "-"
    if fmt is None:
        fmt = (None if to_stdout else output_format_from_path(output_path)) or "table"
    fmt = _check_format(fmt)
    if to_stdout and fmt in BINARY_FORMATS:
        raise UsageError(f"--format {fmt} needs --output FILE")
    return fmt


def write_report(
    report: Report,
    fmt: str | None,
    output_path: str | None,
    *,
    stdout: IO[str] | None = None,
    wide: bool = True,
    columns: Sequence[str] | None = None,
) -> str:
    """Render `report` to `output_path` (atomically) or to standard output.

    `fmt` None means: from `output_path`'s extension, else "table". An
    `output_path` of None or "-" means standard output, where binary formats
    are refused. `columns` (--columns) chooses the main table's columns in every
    format, checked before anything is written. `wide` False (commands with --wide)
    makes the table and markdown the manager view fitted to the terminal
    (`columns.terminal_width`: standard output on a terminal, or COLUMNS set);
    the default `wide` True writes every column. Returns the format used.
    """
    fmt = output_format(fmt, output_path)
    if columns is not None:
        report = choose_columns(report, columns)
    to_file = not (output_path is None or output_path == "-")
    stream = stdout if stdout is not None else sys.stdout
    width = None
    if not wide and columns is None and fmt in FITTED_FORMATS:
        width = terminal_width(None if to_file else stream)
    if to_file:
        atomic_write(str(output_path), render(report, fmt, width=width))
        return fmt
    if fmt == "table" and wants_colour(stream, report):
        text = render_table(report, colour=True, width=width)
    else:
        text = render(report, fmt, width=width)
    stream.write(text)
    with contextlib.suppress(AttributeError, ValueError):
        stream.flush()
    return fmt


def _check_format(fmt: str) -> str:
    if fmt not in OUTPUT_FORMATS:
        raise UsageError(f"unknown output format {fmt!r}; choose from {', '.join(OUTPUT_FORMATS)}")
    return fmt
