"""Which columns a table shows: `--columns`, `--wide`, and the manager view that fits a terminal.

Every writer shows every column of a report unless told otherwise:

* `--columns a,b,c` (`choose_columns`) keeps exactly those columns, in that order, in
  every format; an unknown name is a usage error that suggests close matches;
* the terminal table and Markdown, given a `width` (`terminal_width`: on a terminal,
  or COLUMNS set), show the *manager view*: every column if the table fits, else
  short headers and the most useful columns that fit, and one note naming the
  hidden columns (`fit_columns`, `hidden_note`);
* `--wide`, or no width (a pipe, a file, a script), shows every column as before.

How useful a column is and its short header are data (`COLUMN_RULES`), in this one
place, so every renderer narrows a table the same way. Machine formats (csv, json,
ndjson, parquet, xlsx) never drop columns unless `--columns` says so.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import IO, TYPE_CHECKING, Any

from caseload_cli.core.errors import UsageError
from caseload_cli.core.suggest import did_you_mean

if TYPE_CHECKING:
    import pandas as pd

    from caseload_cli.core.model import Report

__all__ = [
    "COLUMN_RULES",
    "FITTED_FORMATS",
    "GITHUB",
    "MIN_WIDTH",
    "SIMPLE",
    "ColumnRule",
    "Fit",
    "Layout",
    "choose_columns",
    "fit_columns",
    "hidden_note",
    "rule_for",
    "terminal_width",
    "text_width",
]

#: Formats narrowed to the terminal width unless --wide or --columns is given.
FITTED_FORMATS = ("table", "markdown")
#: Narrowest width the manager view promises to fit (every line, footer included:
#: the scheme fingerprint alone is 71 characters and is never broken).
MIN_WIDTH = 80


@dataclass(frozen=True)
class ColumnRule:
    """How a column fares when a table must be narrowed.

    `priority` 1 is kept longest; larger numbers are hidden first. `short` is
    the header shown when the table is narrowed (the name itself when None).
    """

    priority: int
    short: str | None = None


#: Columns not named here: after the named ones of priority <= this, in table order.
DEFAULT_PRIORITY = 5
#: A column whose every value is the same (over two rows or more) tells a reader
#: nothing row by row: it is hidden first ("role or team when useful") unless it is
#: one of the figures a manager reads first (priority below CONSTANT_FROM: a band
#: that is green for everyone still says so).
CONSTANT_PRIORITY = 10
CONSTANT_FROM = 3

#: The manager view, as data: per-worker columns (docs/export-schema.md), roll-ups,
#: the work not held by FCAs, and a few wide columns of the other commands.
COLUMN_RULES: dict[str, ColumnRule] = {
    # the load against capacity: what a team manager reads first
    "worker_id": ColumnRule(1, "worker"),
    "name": ColumnRule(1),
    "level": ColumnRule(1),
    "category": ColumnRule(1),
    "weighted_load": ColumnRule(1, "load"),
    "utilisation_pct": ColumnRule(1, "util%"),
    "band": ColumnRule(1),
    "cases": ColumnRule(2),
    "capacity": ColumnRule(2, "cap"),
    "over_napo": ColumnRule(2, ">napo"),
    "workers": ColumnRule(2),
    "workers_over_napo": ColumnRule(2, ">napo"),
    "children": ColumnRule(3),
    # who, where (a column with one value throughout is hidden first anyway)
    "role": ColumnRule(4),
    "team": ColumnRule(4),
    "available_fte": ColumnRule(5, "avail_fte"),
    "napo_safe_load": ColumnRule(5, "napo_safe"),
    "case_load": ColumnRule(5, "case_ld"),
    "activity_load": ColumnRule(5, "activ_ld"),
    "cases_in_worker_loads": ColumnRule(5, "in_loads"),
    "service_area": ColumnRule(6, "area"),
    "team_type": ColumnRule(6, "type"),
    # how capacity is made
    "fte": ColumnRule(7),
    "target": ColumnRule(7),
    "reduction_hours": ColumnRule(7, "reduc_hrs"),
    "napo_level": ColumnRule(8, "napo_lvl"),
    "contracted_hours": ColumnRule(8, "hours"),
    # compare: the long description of each metric
    "description": ColumnRule(8),
}

#: The columns that name a table's rows, most specific first: a table's row key is the
#: first of these it has (else its first column), and is always shown.
ROW_KEYS = ("worker_id", "team", "service_area", "level", "category")

#: Families of columns named by a prefix: (prefix, priority); the short header drops
#: the prefix (`band_green` -> `green`, `band_red_pct` -> `red_pct`).
PREFIX_RULES: tuple[tuple[str, int], ...] = (("band_", 7),)


def rule_for(name: str) -> ColumnRule:
    """The rule of column `name`: its own, else its prefix family's, else the default."""
    if name in COLUMN_RULES:
        return COLUMN_RULES[name]
    for prefix, priority in PREFIX_RULES:
        if name.startswith(prefix) and len(name) > len(prefix):
            return ColumnRule(priority, name[len(prefix) :])
    return ColumnRule(DEFAULT_PRIORITY)


def short_header(name: str) -> str:
    return rule_for(name).short or name


# --------------------------------------------------------------------------- width


def terminal_width(stream: IO[str] | None) -> int | None:
    """Characters a human table should fit in: COLUMNS when set to a positive number,
    else the terminal's width when `stream` is a terminal, else None (no limit: pipes,
    files and scripts see every column)."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        on_terminal = stream is not None and bool(stream.isatty())
    except (AttributeError, ValueError):
        on_terminal = False
    return shutil.get_terminal_size().columns if on_terminal else None


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def text_width(text: str) -> int:
    """Columns `text` takes on a terminal (colour codes take none; wide characters two),
    measured as tabulate measures it."""
    text = _ANSI.sub("", text)
    try:
        from wcwidth import wcswidth
    except ImportError:  # tabulate then counts characters too
        return len(text)
    width = wcswidth(text)
    return width if width >= 0 else len(text)


# --------------------------------------------------------------------------- fitting


@dataclass(frozen=True)
class Layout:
    """How tabulate lays out a table format: a column is as wide as its widest cell,
    or its header plus `header_pad`; `per_column` more for padding and rules, and
    `per_line` once per line."""

    header_pad: int
    per_column: int
    per_line: int

    def line_width(self, widths: Sequence[int]) -> int:
        if not widths:
            return 0
        return sum(widths) + self.per_column * len(widths) + self.per_line


#: tabulate "simple" (the terminal table): two spaces between columns.
SIMPLE = Layout(header_pad=2, per_column=2, per_line=-2)
#: tabulate "github" (Markdown): "| a | b |".
GITHUB = Layout(header_pad=2, per_column=3, per_line=1)


@dataclass(frozen=True)
class Fit:
    """The columns a narrowed table shows (positions, most useful first), the names
    it hides (in table order), and whether headers are shortened."""

    shown: tuple[int, ...]
    hidden: tuple[str, ...]
    short: bool

    def in_table_order(self) -> list[int]:
        return sorted(self.shown)

    def headers(self, names: Sequence[str]) -> list[str]:
        """The header of each shown column, in table order."""
        return [short_header(names[p]) if self.short else names[p] for p in self.in_table_order()]

    def without_least_useful(self, names: Sequence[str]) -> Fit:
        """One column fewer: the least useful shown column is hidden too."""
        hidden = {names[self.shown[-1]], *self.hidden}
        return Fit(self.shown[:-1], tuple(n for n in names if n in hidden), short=self.short)


def row_key(names: Sequence[str]) -> int:
    """Position of the column that names the table's rows (`ROW_KEYS`, else the first)."""
    return next((names.index(key) for key in ROW_KEYS if key in names), 0)


def _priorities(names: Sequence[str], constant: Sequence[bool]) -> list[tuple[int, int]]:
    """(priority, position) per column: the row key first, constant columns last."""
    key = row_key(names)
    keys = []
    for position, name in enumerate(names):
        if position == key:
            priority = 0
        else:
            priority = rule_for(name).priority
            if constant[position] and priority >= CONSTANT_FROM:
                priority = CONSTANT_PRIORITY
        keys.append((priority, position))
    return keys


def fit_columns(
    names: Sequence[str],
    cell_widths: Sequence[int],
    width: int,
    layout: Layout = SIMPLE,
    constant: Sequence[bool] | None = None,
) -> Fit:
    """The manager view of a table whose column `i` is called `names[i]` and whose
    widest cell is `cell_widths[i]` characters, in `width` characters.

    Every column with full headers if that fits; else short headers and, most
    useful first (the row key, then by `rule_for`, constant columns last), each
    column that still fits: a column too wide for what is left is hidden, and a
    less useful, narrower one may still fit. The row key is always shown. Headers
    stay in full if the chosen columns fit with them.
    """
    n = len(names)
    constant = list(constant) if constant is not None else [False] * n

    def column_width(position: int, short: bool) -> int:
        header = short_header(names[position]) if short else names[position]
        return max(cell_widths[position], text_width(header) + layout.header_pad)

    everything = tuple(range(n))
    if n == 0 or layout.line_width([column_width(p, False) for p in everything]) <= width:
        return Fit(everything, (), short=False)
    order = [p for _, p in sorted(_priorities(names, constant))]
    shown: list[int] = []
    used: list[int] = []
    for position in order:
        candidate = column_width(position, True)
        if not shown or layout.line_width([*used, candidate]) <= width:
            shown.append(position)
            used.append(candidate)
    kept = set(shown)
    hidden = tuple(names[p] for p in everything if p not in kept)
    short = layout.line_width([column_width(p, False) for p in shown]) > width
    return Fit(tuple(shown), hidden, short=short)


def fit_table(
    names: Sequence[str],
    cells: Sequence[Sequence[str]],
    width: int,
    layout: Layout,
    draw: Callable[[Fit], str],
) -> tuple[str, Fit]:
    """Fit a table (`cells` column by column, as displayed) into `width` and draw it
    with `draw`; if the drawing is still too wide (a layout the estimate does not
    know), hide the least useful column until it fits or one is left."""
    constant = [len(col) > 1 and len(set(col)) == 1 for col in cells]
    widths = [max((text_width(v) for v in col), default=0) for col in cells]
    fit = fit_columns(names, widths, width, layout, constant)
    while True:
        text = draw(fit)
        if len(fit.shown) <= 1 or max(map(text_width, text.splitlines()), default=0) <= width:
            return text, fit
        fit = fit.without_least_useful(names)


def hidden_note(hidden: Sequence[str], width: int) -> str:
    """The line under a narrowed table: what it hides and how to see it."""
    count = len(hidden)
    noun = "column" if count == 1 else "columns"
    return (
        f"{count} {noun} hidden to fit {width} characters: {', '.join(hidden)}; "
        "--wide shows all, --columns chooses"
    )


def wrap(text: str, width: int | None, indent: str = "") -> list[str]:
    """`text` as lines of at most `width` characters (never breaking a word, so a long
    fingerprint stays whole); `indent` starts every line after the first."""
    if width is None or text_width(text) <= width:
        return [text]
    import textwrap

    return textwrap.wrap(
        text,
        width=width,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [text]


# --------------------------------------------------------------------------- --columns


def choose_columns(report: Report, names: Sequence[str]) -> Report:
    """The report with exactly `names`, in that order, as its main table (and in each
    section that has all of them, like the managers holding cases); an unknown name
    is a usage error that suggests close matches."""
    from caseload_cli.render.stamps import STAMP_FIELDS

    names = list(names)
    if not names:
        raise UsageError("--columns needs at least one column name")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise UsageError(f"--columns names {name!r} twice")
        seen.add(name)
    known = [str(c) for c in report.rows.columns]
    for name in names:
        if name in known:
            continue
        if name in STAMP_FIELDS:
            raise UsageError(
                f"--columns: {name!r} is not a column of the table; csv and ndjson always "
                "end with the scheme columns"
            )
        hint = did_you_mean(name, known, quote=True)
        raise UsageError(
            f"--columns: no column {name!r}"
            + (f"; {hint}" if hint else "")
            + f" (columns: {', '.join(known)})"
        )
    sections = {
        key: frame[names] if all(n in frame.columns for n in names) else frame
        for key, frame in report.sections.items()
    }
    rows = report.rows[names]
    charts = [chart for chart in report.charts if _drawable(chart, rows, sections)]
    return replace(report, rows=rows, sections=sections, charts=charts)


def _drawable(chart: Any, rows: pd.DataFrame, sections: dict[str, pd.DataFrame]) -> bool:
    """Whether the table `chart` is drawn from still has every column it needs."""
    from caseload_cli.core.model import MAIN

    table = rows if chart.section == MAIN else sections.get(chart.section)
    wanted = (chart.category, chart.value, chart.marker, chart.series)
    return table is not None and all(c in table.columns for c in wanted if c)
