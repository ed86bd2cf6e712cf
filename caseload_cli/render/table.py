"""The terminal table: aligned plain-text columns, with band colours on a colour terminal.

`table_block` lays out one frame with tabulate; the Markdown writer uses it
too, with the `github` layout and its own escaping. A section's charts are
drawn as a column of text bars (render/charts.py). Given a `width`, each table
is the manager view that fits it (render/columns.py), with a note naming the
columns it hides, and the title and footer lines are wrapped to it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import IO, TYPE_CHECKING

from caseload_cli.render.cells import (
    band_colour,
    colour_rgb,
    display_columns,
    terminal_text,
    typed_columns,
)
from caseload_cli.render.charts import with_text_bars
from caseload_cli.render.columns import GITHUB, SIMPLE, Fit, fit_table, hidden_note, wrap
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


_LAYOUTS = {"simple": SIMPLE, "github": GITHUB}


def table_block(
    report: Report,
    frame: pd.DataFrame,
    tablefmt: str,
    escape: Callable[[str], str],
    colour: bool,
    width: int | None = None,
) -> tuple[str, tuple[str, ...]]:
    """One frame laid out by tabulate: numbers right-aligned, text left, missing empty;
    with a `width`, the manager view that fits it. Returns the text and the names of
    the columns it hides."""
    from tabulate import tabulate

    columns = typed_columns(frame, report.decimals)
    if not columns:
        return "(no columns)", ()
    cells = [[escape(v) for v in col] for col in display_columns(columns)]
    names = [c.name for c in columns]
    band_at = next(
        (i for i, c in enumerate(columns) if colour and c.name == report.band_column), None
    )

    def draw(fit: Fit | None, paint: bool) -> str:
        chosen = fit.in_table_order() if fit else list(range(len(columns)))
        headers = fit.headers(names) if fit else names
        shown = []
        for position in chosen:
            shown.append(
                _painted(report, columns[position].values, cells[position])
                if paint and position == band_at
                else cells[position]
            )
        rows = [list(r) for r in zip(*shown, strict=True)]
        return tabulate(
            rows,
            headers=[escape(h) for h in headers],
            tablefmt=tablefmt,
            disable_numparse=True,
            colalign=["right" if columns[p].numeric else "left" for p in chosen],
            missingval="",
        )

    if width is None:
        return draw(None, colour), ()
    _, fit = fit_table(names, cells, width, _LAYOUTS[tablefmt], lambda f: draw(f, False))
    return draw(fit, colour), fit.hidden


def _painted(report: Report, raw: list[object], texts: list[str]) -> list[str]:
    """Band cells in their band's colour (24-bit ANSI, bold)."""
    painted = []
    for value, text in zip(raw, texts, strict=True):
        rgb = colour_rgb(band_colour(report, value))
        painted.append(f"\x1b[1;38;2;{rgb[0]};{rgb[1]};{rgb[2]}m{text}\x1b[0m" if rgb else text)
    return painted


def _table_text(text: str) -> str:
    """Cell, title and footer text for the terminal: line breaks kept, tabs as spaces,
    every other control character as a visible escape (`render.cells.terminal_text`)."""
    return terminal_text(text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))


def render_table(report: Report, colour: bool = False, width: int | None = None) -> str:
    """Title, main table, each section under an underlined heading (its charts drawn as
    text bars), then the footer. With a `width` (characters), every table is the
    manager view that fits it, followed by a line naming what it hides, and the
    title and footer are wrapped to it."""
    parts = [_wrapped(report.title, width)] if report.title else []
    parts.append(_fitted(report, report.rows, colour, width))
    for name, frame in report.sections.items():
        heading = _table_text(section_heading(name))
        shown = with_text_bars(report, name, frame)
        parts.append(f"{heading}\n{'-' * len(heading)}\n" + _fitted(report, shown, colour, width))
    footer = [_wrapped(line, width, "  ") for line in footer_lines(report)]
    if footer:
        parts.append("\n".join(footer))
    return "\n\n".join(parts) + "\n"


def _fitted(report: Report, frame: pd.DataFrame, colour: bool, width: int | None) -> str:
    text, hidden = table_block(report, frame, "simple", _table_text, colour, width)
    if hidden and width is not None:
        text += "\n" + _wrapped(hidden_note(hidden, width), width, "  ")
    return text


def _wrapped(text: str, width: int | None, indent: str = "") -> str:
    return "\n".join(wrap(_table_text(text), width, indent))
