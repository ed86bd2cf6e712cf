"""The terminal table: aligned plain-text columns, with band colours on a colour terminal.

`table_block` lays out one frame with tabulate; the Markdown writer uses it
too, with the `github` layout and its own escaping. A section's charts are
drawn as a column of text bars (render/charts.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import IO, TYPE_CHECKING

from caseload_cli.render.cells import band_colour, colour_rgb, display_columns, typed_columns
from caseload_cli.render.charts import with_text_bars
from caseload_cli.render.stamps import footer_lines, section_heading

if TYPE_CHECKING:
    import pandas as pd

    from caseload_cli.core.model import Report


def wants_colour(stream: IO[str], report: Report) -> bool:
    """Colour band cells only on a terminal, with a band column, unless NO_COLOR or TERM=dumb."""
    if "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb":
        return False
    if not report.band_column or report.band_column not in report.rows.columns:
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def table_block(
    report: Report, frame: pd.DataFrame, tablefmt: str, escape: Callable[[str], str], colour: bool
) -> str:
    """One frame laid out by tabulate: numbers right-aligned, text left, missing empty."""
    from tabulate import tabulate

    columns = typed_columns(frame, report.decimals)
    if not columns:
        return "(no columns)"
    cells = display_columns(columns)
    cells = [[escape(v) for v in col] for col in cells]
    if colour and report.band_column:
        for position, column in enumerate(columns):
            if column.name != report.band_column:
                continue
            painted = []
            for raw, text in zip(column.values, cells[position], strict=True):
                rgb = colour_rgb(band_colour(report, raw))
                painted.append(
                    f"\x1b[1;38;2;{rgb[0]};{rgb[1]};{rgb[2]}m{text}\x1b[0m" if rgb else text
                )
            cells[position] = painted
    rows = [list(r) for r in zip(*cells, strict=True)]
    return tabulate(
        rows,
        headers=[escape(c.name) for c in columns],
        tablefmt=tablefmt,
        disable_numparse=True,
        colalign=["right" if c.numeric else "left" for c in columns],
        missingval="",
    )


def _table_text(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")


def render_table(report: Report, colour: bool = False) -> str:
    """Title, main table, each section under an underlined heading (its charts drawn as
    text bars), then the footer."""
    parts = [_table_text(report.title)] if report.title else []
    parts.append(table_block(report, report.rows, "simple", _table_text, colour))
    for name, frame in report.sections.items():
        heading = _table_text(section_heading(name))
        shown = with_text_bars(report, name, frame)
        parts.append(
            f"{heading}\n{'-' * len(heading)}\n"
            + table_block(report, shown, "simple", _table_text, colour)
        )
    footer = [_table_text(line) for line in footer_lines(report)]
    if footer:
        parts.append("\n".join(footer))
    return "\n\n".join(parts) + "\n"
