"""Native Excel charts for `Chart`s, drawn from the cells of the sheet they sit on.

Bars and load charts refer to the table's own columns, so a number corrected in
Excel moves its bar. A lines chart needs one column per line, so its data is
pivoted into a sheet of its own (dates down, one column per group) with the
chart beside it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from caseload_cli.core.model import Chart

ROWS_PER_CHART = 20  # a second chart in one sheet goes below the first


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
    """The chart's data with one column per series (dates down), for a sheet of its own."""
    import pandas as pd

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


def add_xlsx_lines(ws: Any, chart: Chart, wide: pd.DataFrame) -> None:
    """A line chart beside `wide` (from `lines_table`), one line per column after the first."""
    from openpyxl.chart import LineChart, Reference
    from openpyxl.utils import get_column_letter

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
