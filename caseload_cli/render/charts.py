"""How a `Chart` is drawn in each format, and which charts a table has.

A report only says what to chart (`core.model.Chart`); the pictures are drawn
by matplotlib (`render.figures`: inline SVG in html, PNG in pdf), xlsx gets a
native Excel chart (`add_xlsx_chart`), and the terminal table and Markdown a
column of text bars for `bars` charts. The machine formats (csv, json, ndjson,
parquet) carry the numbers only.
"""

from __future__ import annotations

import base64
import html
from typing import TYPE_CHECKING

from caseload_cli.core.errors import CaseloadError
from caseload_cli.core.model import MAIN
from caseload_cli.render.cells import band_colour

if TYPE_CHECKING:
    import pandas as pd

    from caseload_cli.core.model import Chart, Report

TEXT_BAR_WIDTH = 40  # characters in the longest text bar
_TEXT_BAR = "█"


def section_charts(report: Report, key: str, frame: pd.DataFrame | None = None) -> list[Chart]:
    """The charts of table `key` (`MAIN` for the main table), if it has rows to draw;
    each names columns the table has. `frame` is the table when it is a part of
    it (one team's rows)."""
    if frame is None:
        frame = report.rows if key == MAIN else report.sections.get(key)
    if frame is None or frame.empty:
        return []
    charts = [chart for chart in report.charts if chart.section == key]
    for chart in charts:
        wanted = (chart.category, chart.value, chart.marker, chart.series, chart.facet)
        missing = [c for c in wanted if c is not None and c not in frame.columns]
        if missing:
            raise CaseloadError(
                f"chart {chart.title or chart.section!r}: table {key or 'main'!r} has no column "
                f"{', '.join(map(repr, missing))}"
            )
    return charts


def chart_colours(report: Report, frame: pd.DataFrame, partial: bool = False) -> list | None:
    """Each row's band colour, for bars coloured like the table's band cells (None when
    a row has none, unless `partial`: a grid leaves those cells grey)."""
    if not report.band_column or report.band_column not in frame.columns:
        return None
    colours = [band_colour(report, v) for v in frame[report.band_column].astype("object")]
    return colours if partial or None not in colours else None


def html_figure(report: Report, chart: Chart, frame: pd.DataFrame, image: str = "svg") -> str:
    """A `<figure>` holding the chart (inline SVG, or a PNG data URI for the pdf),
    captioned with its title; small multiples are a figure per page of panels."""
    from caseload_cli.render.figures import facet_parts

    parts = facet_parts(chart, frame)
    return "\n".join(
        _figure(report, chart, part, image, f" ({i} of {len(parts)})" if len(parts) > 1 else "")
        for i, part in enumerate(parts, start=1)
    )


def _figure(report: Report, chart: Chart, frame: pd.DataFrame, image: str, part: str) -> str:
    from caseload_cli.render.figures import figure_png, figure_svg

    colours = chart_colours(report, frame, partial=chart.kind == "grid")
    if image == "png":
        data = base64.b64encode(figure_png(chart, frame, colours)).decode("ascii")
        alt = html.escape((chart.description or chart.title) + part, quote=True)
        drawing = f'<img src="data:image/png;base64,{data}" alt="{alt}">'
    else:
        drawing = figure_svg(chart, frame, colours)
    title = chart.title + part if chart.title else ""
    caption = f"\n<figcaption>{html.escape(title)}</figcaption>" if title else ""
    return f'<figure class="chart">\n{drawing}{caption}\n</figure>'


def with_text_bars(report: Report, key: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Section `key` as the terminal table and Markdown show it: its bar charts'
    text columns (every column when they name none), then a text bar per row for
    each (`bar`, or `bar_<value>` for a second chart). The frame itself is
    unchanged; a section without bar charts is returned as it is (the other
    kinds are pictures only)."""
    charts = [chart for chart in section_charts(report, key) if chart.kind == "bars"]
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
