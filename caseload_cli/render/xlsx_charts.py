"""Native Excel charts for `Chart`s, drawn from the cells of the sheet they sit on.

Bars, load and tornado charts refer to the table's own columns, so a number
corrected in Excel moves its bar. A lines chart needs one column per line, so its data is
pivoted into a sheet of its own (dates down, one column per group) with the
chart beside it. Small multiples (a lines chart with a `facet`) are pivoted the
other way (a row per facet and line, dates across), so each panel's lines are a
block of rows, and get a native line chart per panel beside the table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from caseload_cli.core.model import Chart

ROWS_PER_CHART = 20  # a second chart in one sheet goes below the first
PANELS_ACROSS = 2  # small multiples: native charts side by side
PANEL_COLUMNS, PANEL_ROWS = 9, 16  # cells (at the default sizes) between panels


def add_xlsx_chart(
    ws: Any, chart: Chart, frame: pd.DataFrame, number: int = 0, colours: list | None = None
) -> None:
    """Add a bars or load chart to sheet `ws`, which holds `frame` with its header in
    row 1: bars to the right of the table, a load chart (one bar per worker) below it
    (the `number`-th chart of the sheet goes lower)."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.utils import get_column_letter

    names = [str(c) for c in frame.columns]
    rows = len(frame) + 1
    if chart.kind == "grid":  # Excel has no chart of coloured cells: the picture html shows
        _add_picture(ws, chart, frame, colours, f"{get_column_letter(len(names) + 2)}2")
        return
    if chart.kind == "tornado":
        _add_tornado(ws, chart, frame, number)
        return
    bars = BarChart()
    bars.type = "bar" if chart.kind == "load" else "col"
    _titles(bars, chart)
    bars.gapWidth = 20 if chart.kind == "bars" else 60
    for column in (chart.value, chart.marker):
        if column:
            at = names.index(column) + 1
            bars.add_data(Reference(ws, min_col=at, min_row=1, max_row=rows), titles_from_data=True)
    category_column = names.index(chart.category) + 1
    bars.set_categories(Reference(ws, min_col=category_column, min_row=2, max_row=rows))
    if chart.kind == "load":
        bars.x_axis.scaling.orientation = "maxMin"  # first row at the top, as in the table
        bars.y_axis.title = chart.x_title or chart.value  # the value axis runs across
        bars.x_axis.title = None
        bars.width, bars.height = 22, max(9.0, 0.6 * len(frame) + 3)
    else:
        bars.legend = None
        bars.width, bars.height = 18, 9
    if chart.kind == "load":  # below a wide table, so printing one page wide keeps it legible
        ws.add_chart(bars, f"A{rows + 2 + number * ROWS_PER_CHART}")
    else:
        anchor_row = 2 + number * ROWS_PER_CHART
        ws.add_chart(bars, f"{get_column_letter(len(names) + 2)}{anchor_row}")


def lines_table(chart: Chart, frame: pd.DataFrame) -> pd.DataFrame:
    """The chart's data with one column per series (dates down), for a sheet of its own;
    small multiples: a row per facet and series, a column per date."""
    import pandas as pd

    if chart.facet:
        return _facet_table(chart, frame)

    if chart.series:
        series = frame[chart.series].astype("str")
    else:
        series = pd.Series(chart.value, index=frame.index)
    long = pd.DataFrame(
        {
            chart.category: frame[chart.category].astype("str").to_numpy(),
            "_series": series.to_numpy(),
            "_value": frame[chart.value].to_numpy(dtype="float64", na_value=float("nan")),
        }
    )
    wide = long.pivot_table(
        index=chart.category, columns="_series", values="_value", aggfunc="first", sort=False
    )
    wide = wide.reindex(columns=sorted(wide.columns))
    wide.columns = [str(c) for c in wide.columns]
    return wide.reset_index()


def _facet_table(chart: Chart, frame: pd.DataFrame) -> pd.DataFrame:
    """A row per (facet, series) pair with a value in it, panels in order of appearance
    and series in name order within each; a column per category (date)."""
    import pandas as pd

    facet = frame[chart.facet].astype("str")
    series = frame[chart.series].astype("str") if chart.series else pd.Series("", frame.index)
    long = pd.DataFrame(
        {
            chart.facet: pd.Categorical(facet, categories=pd.unique(facet), ordered=True),
            "_series": series.to_numpy(),
            "_x": frame[chart.category].astype("str").to_numpy(),
            "_value": frame[chart.value].to_numpy(dtype="float64", na_value=float("nan")),
        }
    )
    wide = long.pivot_table(
        index=[chart.facet, "_series"], columns="_x", values="_value", aggfunc="first",
        sort=True, dropna=False, observed=True,
    )  # fmt: skip
    wide = wide.reindex(columns=list(pd.unique(long["_x"])))
    # Lines with no value at all are left out (a panel with none keeps its rows).
    has_value = wide.notna().any(axis=1)
    panel_has = has_value.groupby(level=0, observed=True).transform("any")
    wide = wide[has_value | ~panel_has]
    wide.columns = [str(c) for c in wide.columns]
    wide = wide.reset_index()
    wide[chart.facet] = wide[chart.facet].astype("str")
    return wide.rename(columns={"_series": chart.series or "series"})


def add_xlsx_lines(ws: Any, chart: Chart, wide: pd.DataFrame) -> None:
    """A line chart beside `wide` (from `lines_table`), one line per column after the first;
    small multiples, a line chart per panel, two across."""
    from openpyxl.chart import LineChart, Reference
    from openpyxl.utils import get_column_letter

    if chart.facet:
        _add_panels(ws, chart, wide)
        return
    lines = LineChart()
    _titles(lines, chart)
    rows = len(wide) + 1
    lines.add_data(
        Reference(ws, min_col=2, max_col=len(wide.columns), min_row=1, max_row=rows),
        titles_from_data=True,
    )
    lines.set_categories(Reference(ws, min_col=1, min_row=2, max_row=rows))
    lines.width, lines.height = 24, 12
    ws.add_chart(lines, f"{get_column_letter(len(wide.columns) + 2)}2")


def _titles(drawing: Any, chart: Chart) -> None:
    if chart.title:
        drawing.title = chart.title
    if chart.y_title:
        drawing.y_axis.title = chart.y_title
    if chart.x_title:
        drawing.x_axis.title = chart.x_title


def _add_picture(
    ws: Any, chart: Chart, frame: pd.DataFrame, colours: list | None, anchor: str
) -> None:
    import io

    from openpyxl.drawing.image import Image

    from caseload_cli.render.figures import PNG_DPI, figure_png

    picture = Image(io.BytesIO(figure_png(chart, frame, colours)))
    scale = 96 / PNG_DPI  # shown at screen size
    picture.width, picture.height = picture.width * scale, picture.height * scale
    ws.add_image(picture, anchor)


def _add_tornado(ws: Any, chart: Chart, frame: pd.DataFrame, number: int = 0) -> None:
    """One native horizontal bar chart per series value (a panel of the tornado), each
    from that panel's rows of the table: two bars a row, the change at the low and the
    high end, first row at the top. The report keeps a panel's rows together; a table
    whose panels are interleaved gets the picture html shows instead."""
    import numpy as np
    from openpyxl.chart import BarChart, Reference
    from openpyxl.chart.series import SeriesLabel
    from openpyxl.utils import get_column_letter

    names = [str(c) for c in frame.columns]
    right = get_column_letter(len(names) + 2)
    series = frame[chart.series].astype("str").to_numpy() if chart.series else None
    panels = list(dict.fromkeys(series.tolist())) if series is not None else [None]
    blocks = []
    for panel in panels:
        rows = np.flatnonzero(series == panel) if series is not None else np.arange(len(frame))
        if rows.size and rows[-1] - rows[0] + 1 != rows.size:
            _add_picture(ws, chart, frame, None, f"{right}{2 + number * ROWS_PER_CHART}")
            return
        blocks.append((panel, int(rows[0]) + 2, int(rows[-1]) + 2))
    anchor = 2 + number * ROWS_PER_CHART
    for panel, first, last in blocks:
        bars = BarChart()
        bars.type = "bar"
        _titles(bars, chart)
        if panel:
            bars.title = panel
        for column in (chart.value, chart.marker):
            if column:
                at = names.index(column) + 1
                data = Reference(ws, min_col=at, min_row=first, max_row=last)
                bars.add_data(data, titles_from_data=False)
        ends = ("low end of the range", "high end of the range")
        for drawn, label in zip(bars.series, ends, strict=False):  # no marker: one series
            drawn.tx = SeriesLabel(v=label)
        at = names.index(chart.category) + 1
        bars.set_categories(Reference(ws, min_col=at, min_row=first, max_row=last))
        bars.x_axis.scaling.orientation = "maxMin"  # first row at the top, as in the table
        bars.y_axis.title = chart.x_title or chart.value  # the value axis runs across
        bars.x_axis.title = None
        bars.x_axis.tickLblPos = "low"  # names at the left edge, clear of bars going left
        bars.x_axis.delete = False
        bars.y_axis.delete = False
        bars.gapWidth = 60
        height = max(6.0, 1.1 * (last - first + 1) + 3)
        bars.width, bars.height = 20, height
        ws.add_chart(bars, f"{right}{anchor}")
        anchor += int(height * 2) + 2  # about two rows a centimetre


def _add_panels(ws: Any, chart: Chart, wide: pd.DataFrame) -> None:
    """A native line chart per facet value: its block of rows in `wide` (facet, series,
    then a column per date; header in row 1), each row a line named by its series."""
    from openpyxl.chart import LineChart, Reference
    from openpyxl.utils import get_column_letter

    last_column = len(wide.columns)
    dates = Reference(ws, min_col=3, max_col=last_column, min_row=1, max_row=1)
    facet = wide[wide.columns[0]].tolist()
    starts = [i for i, name in enumerate(facet) if i == 0 or facet[i - 1] != name]
    for number, first in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(facet)
        panel = LineChart()
        panel.title = facet[first]
        panel.add_data(
            Reference(ws, min_col=2, max_col=last_column, min_row=first + 2, max_row=end + 1),
            from_rows=True,
            titles_from_data=True,
        )
        panel.set_categories(dates)
        panel.width, panel.height = 14, 7.5
        column = last_column + 2 + (number % PANELS_ACROSS) * PANEL_COLUMNS
        row = 2 + (number // PANELS_ACROSS) * PANEL_ROWS
        ws.add_chart(panel, f"{get_column_letter(column)}{row}")
