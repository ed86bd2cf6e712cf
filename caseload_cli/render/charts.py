"""How a `Chart` is drawn: an inline SVG figure in html, an openpyxl BarChart in
xlsx, and a column of text bars in the terminal table and Markdown.

A report only says what to chart (`core.model.Chart`); sizes, colours and
layout live here, so every writer that draws draws the same chart. The
machine formats (csv, json, ndjson, parquet) carry the numbers only.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from caseload_cli.core.errors import CaseloadError

if TYPE_CHECKING:
    import pandas as pd

    from caseload_cli.core.model import Chart, Report

_HIGHLIGHT = "#2E7D32"  # bars inside the highlight range
_OTHER = "#90A4AE"
_XLSX_ROWS_PER_CHART = 20  # a second chart in one sheet goes below the first
TEXT_BAR_WIDTH = 40  # characters in the longest text bar
_TEXT_BAR = "█"


def section_charts(report: Report, key: str) -> list[Chart]:
    """The charts of section `key`, if it has rows to draw; each names columns it has."""
    frame = report.sections.get(key)
    if frame is None or frame.empty:
        return []
    charts = [chart for chart in report.charts if chart.section == key]
    for chart in charts:
        missing = [c for c in (chart.category, chart.value) if c not in frame.columns]
        if missing:
            raise CaseloadError(
                f"chart {chart.title or chart.section!r}: section {key!r} has no column "
                f"{', '.join(map(repr, missing))}"
            )
    return charts


def _amount(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def svg_figure(chart: Chart, frame: pd.DataFrame) -> str:
    """A `<figure>` holding the chart as inline SVG, captioned with its title."""
    caption = f"\n<figcaption>{html.escape(chart.title)}</figcaption>" if chart.title else ""
    return f'<figure class="chart">\n{svg_bars(chart, frame)}{caption}\n</figure>'


def svg_bars(chart: Chart, frame: pd.DataFrame) -> str:
    """An inline SVG bar chart: one bar per row, highlighted rows in green."""
    import numpy as np

    counts = np.nan_to_num(frame[chart.value].to_numpy(dtype="float64", na_value=np.nan))
    n = counts.size
    width, height, left, bottom, top = 640, 260, 40, 40, 20
    slot = (width - left - 10) / max(n, 1)
    peak = counts.max() if n and counts.max() > 0 else 1.0
    scale = (height - bottom - top) / peak
    x_title = html.escape(chart.x_title)
    if chart.highlight_range is not None and chart.highlight_column in frame.columns:
        low, high = chart.highlight_range
        marks = frame[chart.highlight_column]
        inside = ((marks >= low) & (marks <= high)).tolist()
        x_title += f" (green: {low:g} to {high:g})"
    else:
        inside = [False] * n
    unit = html.escape(chart.y_title or chart.value)
    bars = []  # one per row of a small summary section (a histogram's bins), not per record
    for i, (label, count, ok) in enumerate(
        zip(frame[chart.category].tolist(), counts.tolist(), inside, strict=True)
    ):
        x = left + i * slot
        h = count * scale
        y = height - bottom - h
        colour = _HIGHLIGHT if ok else _OTHER
        text = html.escape(str(label))
        bars.append(
            f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(slot - 2, 1):.1f}" height="{h:.1f}" '
            f'fill="{colour}"><title>{text}: {_amount(count)} {unit}</title></rect>'
            f'<text x="{x + slot / 2:.1f}" y="{height - bottom + 14}" font-size="10" '
            f'text-anchor="middle">{text}</text>'
        )
    axis = (
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" '
        f'stroke="#444"/><text x="{left - 6}" y="{top + 4}" font-size="10" '
        f'text-anchor="end">{_amount(peak)}</text><text x="{left - 6}" y="{height - bottom}" '
        f'font-size="10" text-anchor="end">0</text>'
        f'<text x="{(width + left) / 2:.0f}" y="{height - 6}" font-size="11" '
        f'text-anchor="middle">{x_title}</text>'
    )
    label = html.escape(chart.description or chart.title, quote=True)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{label}">'
        f"{axis}{''.join(bars)}</svg>"
    )


def add_xlsx_chart(ws: Any, chart: Chart, frame: pd.DataFrame, number: int = 0) -> None:
    """Add the chart to sheet `ws`, which holds `frame` with its header in row 1,
    to the right of the table (the `number`-th chart of the sheet goes lower)."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.utils import get_column_letter

    names = [str(c) for c in frame.columns]
    rows = len(frame) + 1
    bars = BarChart()
    bars.type = "col"
    if chart.title:
        bars.title = chart.title
    if chart.y_title:
        bars.y_axis.title = chart.y_title
    if chart.x_title:
        bars.x_axis.title = chart.x_title
    bars.legend = None
    bars.gapWidth = 20
    value_column = names.index(chart.value) + 1
    bars.add_data(
        Reference(ws, min_col=value_column, min_row=1, max_row=rows), titles_from_data=True
    )
    category_column = names.index(chart.category) + 1
    bars.set_categories(Reference(ws, min_col=category_column, min_row=2, max_row=rows))
    bars.width, bars.height = 18, 9
    anchor_row = 2 + number * _XLSX_ROWS_PER_CHART
    ws.add_chart(bars, f"{get_column_letter(len(names) + 2)}{anchor_row}")


def with_text_bars(report: Report, key: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Section `key` as the terminal table and Markdown show it: its charts' text
    columns (every column when they name none), then a text bar per row for each
    chart (`bar`, or `bar_<value>` for a second chart). The frame itself is
    unchanged; a section without charts is returned as it is."""
    charts = section_charts(report, key)
    if not charts:
        return frame
    shown = [c for chart in charts for c in chart.text_columns]
    out = frame[list(dict.fromkeys(shown))].copy() if shown else frame.copy()
    for chart in charts:
        name = "bar" if "bar" not in out.columns else f"bar_{chart.value}"
        while name in out.columns:
            name += "_"
        out[name] = text_bars(chart, frame)
    return out


def text_bars(chart: Chart, frame: pd.DataFrame) -> list[str]:
    """One bar of `█` per row, the highest `TEXT_BAR_WIDTH` long and the others in
    proportion; any height above 0 shows at least one `█`, 0 or missing none."""
    import numpy as np

    heights = np.nan_to_num(frame[chart.value].to_numpy(dtype="float64", na_value=np.nan))
    heights = heights.clip(min=0.0)
    peak = heights.max() if heights.size else 0.0
    if peak <= 0:
        return [""] * heights.size
    lengths = np.where(heights > 0, np.maximum(1, np.round(heights / peak * TEXT_BAR_WIDTH)), 0)
    return [_TEXT_BAR * int(n) for n in lengths.tolist()]
