"""Charts as pictures, drawn by matplotlib: SVG inline in html, PNG in pdf.

One drawing per `Chart.kind` (bars, load, lines, grid, tornado), all from `_render`, so
the html page and the pdf show the same figure; a lines chart with a `facet` is
small multiples, a panel per facet value (`facet_parts` splits them into
figures of at most a page each). Settings that would make the bytes
depend on the machine or the clock (SVG ids, dates, the software stamp) are
fixed, and text is never read as mathtext (a `$` in a worker's name is just a
dollar sign). matplotlib is imported only when a chart is drawn; no pyplot,
so nothing global is touched.
"""

from __future__ import annotations

import html
import io
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from caseload_cli.core.model import Chart

HIGHLIGHT = "#2E7D32"  # bars inside the highlight range
OTHER = "#90A4AE"
MARKER = "#111111"
REFERENCE = "#6D4C41"
LOW_END = "#1565C0"  # tornado: the bar for the low end of a range (no band uses blue)
HIGH_END = "#AD1457"  # and for the high end
WIDTH_IN = 10.0  # A4 landscape less margins is about 11 in
MAX_LEGEND = 12  # lines beyond this many are drawn without a legend entry each
PNG_DPI = 150
FACET_COLUMNS = 4  # small multiples: panels across
FACETS_PER_FIGURE = 12  # three rows of four: one A4 landscape page
FACET_ROW_IN = 1.9  # height of a row of panels
LINE_STYLES = ("-", "--", ":")  # after the 12 colours, the lines repeat them dashed
LEGEND_COLUMNS = 4
APART = 3.0  # a line this many times above every other in a panel gets its own scale

_RC = {
    "svg.hashsalt": "caseload",  # fixed ids: the same chart gives the same bytes
    "svg.fonttype": "none",  # text stays text: searchable, and printed in the page's font
    "text.parse_math": False,
    "text.usetex": False,
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    # Lines in colours no band uses (no green, amber or red), so a line is never
    # read as a band.
    "axes.prop_cycle": "cycler(color=['#1565C0', '#6A1B9A', '#00838F', '#5D4037', "
    "'#AD1457', '#37474F', '#283593', '#4E342E', '#00695C', '#455A64', '#7B1FA2', '#0277BD'])",
}
_SVG_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.S)
_SVG_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)


def figure_svg(chart: Chart, frame: pd.DataFrame, colours: list[str] | None = None) -> str:
    """The chart as an `<svg>` element for inline html, labelled for screen readers."""
    data = _render(chart, frame, colours, "svg").decode("utf-8")
    svg = _SVG_METADATA.sub("", _SVG_PROLOGUE.sub("", data, count=1), count=1)
    label = html.escape(chart.description or chart.title, quote=True)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1).strip()


def figure_png(chart: Chart, frame: pd.DataFrame, colours: list[str] | None = None) -> bytes:
    """The chart as PNG bytes (for the pdf, whose html engine draws no SVG)."""
    return _render(chart, frame, colours, "png")


def _render(chart: Chart, frame: pd.DataFrame, colours: list[str] | None, fmt: str) -> bytes:
    import matplotlib as mpl
    from matplotlib.figure import Figure

    with mpl.rc_context(_RC):
        # Small multiples are laid out by hand: the constrained layout of a dozen panels
        # takes longer than drawing them.
        layout = None if chart.facet else "constrained"
        figure = Figure(figsize=(WIDTH_IN, _height(chart, frame)), layout=layout)
        if chart.facet:
            _facets(figure, chart, frame)
        elif chart.kind == "tornado":  # a panel per series: it makes its own axes
            _tornado(figure, chart, frame)
        else:
            axes = figure.subplots()
            draw = {"bars": _bars, "load": _load, "lines": _lines, "grid": _grid}[chart.kind]
            draw(axes, chart, frame, colours)
        out = io.BytesIO()
        metadata: dict[str, Any] = {"Software": None} if fmt == "png" else {"Date": None}
        figure.savefig(out, format=fmt, dpi=PNG_DPI, metadata=metadata)
    return out.getvalue()


def _height(chart: Chart, frame: pd.DataFrame) -> float:
    if chart.facet:
        rows = -(-frame[chart.facet].nunique() // FACET_COLUMNS)
        return _legend_height(chart, frame) + 0.5 + FACET_ROW_IN * rows
    if chart.kind == "load":
        return min(1.4 + 0.28 * len(frame), 14.0)
    if chart.kind == "grid":
        return min(2.6 + 0.3 * frame[chart.category].nunique(), 14.0)
    if chart.kind == "tornado":
        panels = frame[chart.series].nunique() if chart.series else 1
        return min(0.6 + panels * 1.1 + 0.42 * len(frame), 22.0)
    return 3.6


def _numbers(frame: pd.DataFrame, column: str) -> Any:
    import numpy as np

    return np.nan_to_num(frame[column].to_numpy(dtype="float64", na_value=np.nan))


def _labels(frame: pd.DataFrame, column: str) -> list[str]:
    return ["" if v is None else str(v) for v in frame[column].astype("object").tolist()]


def _bars(axes: Any, chart: Chart, frame: pd.DataFrame, colours: list[str] | None) -> None:
    """Vertical bars; those in the highlight range green, the x title saying so."""
    heights = _numbers(frame, chart.value)
    x_title = chart.x_title
    fills = [OTHER] * len(frame)
    if chart.highlight_range is not None and chart.highlight_column in frame.columns:
        low, high = chart.highlight_range
        marks = _numbers(frame, chart.highlight_column)
        fills = [HIGHLIGHT if low <= m <= high else OTHER for m in marks.tolist()]
        x_title += f" (green: {low:g} to {high:g})"
    positions = range(len(frame))
    axes.bar(positions, heights, color=fills, width=0.9)
    axes.set_xticks(list(positions), _labels(frame, chart.category))
    axes.set_xlabel(x_title)
    axes.set_ylabel(chart.y_title or chart.value)
    _references(axes, chart, horizontal=True)


def _load(axes: Any, chart: Chart, frame: pd.DataFrame, colours: list[str] | None) -> None:
    """One horizontal bar per row, top to bottom in table order, ticked at the marker."""
    import numpy as np

    lengths = _numbers(frame, chart.value)
    positions = np.arange(len(frame))
    fills = colours or [OTHER] * len(frame)
    axes.barh(positions, lengths, color=fills, height=0.7, edgecolor="#555555", linewidth=0.4)
    axes.set_yticks(positions, _labels(frame, chart.category))
    axes.invert_yaxis()
    if chart.marker:
        marks = frame[chart.marker].to_numpy(dtype="float64", na_value=np.nan)
        axes.plot(
            marks,
            positions,
            linestyle="none",
            marker="|",
            markersize=14,
            color=MARKER,
            markeredgewidth=2,
            label=chart.marker.replace("_", " "),
        )
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    axes.set_xlabel(chart.x_title or chart.value)
    # Every tick stays on the chart: a capacity above every load and reference line too.
    ticks = marks[np.isfinite(marks)].tolist() if chart.marker else []
    top = max([*lengths.tolist(), *ticks, *(value for value, _ in chart.references), 0.0])
    axes.set_xlim(0, top * 1.08 or 1)
    _references(axes, chart, horizontal=False)


def _lines(axes: Any, chart: Chart, frame: pd.DataFrame, colours: list[str] | None) -> None:
    """One line per series over the categories in their order of first appearance."""
    import pandas as pd

    xs = pd.unique(frame[chart.category].astype("str"))
    position = {x: i for i, x in enumerate(xs)}
    series = frame[chart.series] if chart.series else pd.Series("", index=frame.index)
    names = sorted(series.astype("str").unique())
    for number, name in enumerate(names):
        part = frame[series.astype("str").to_numpy() == name]
        at = [position[x] for x in part[chart.category].astype("str")]
        label = name if number < MAX_LEGEND else "_nolegend_"
        axes.plot(at, _numbers(part, chart.value), marker="o", markersize=3, label=label)
    step = max(1, len(xs) // 12)  # at most a dozen dates under the axis
    axes.set_xticks(range(0, len(xs), step), list(xs[::step]), rotation=30, ha="right")
    axes.set_xlabel(chart.x_title or chart.category)
    axes.set_ylabel(chart.y_title or chart.value)
    _references(axes, chart, horizontal=True)
    if chart.series and len(names) > 1:
        extra = f" (+{len(names) - MAX_LEGEND} more)" if len(names) > MAX_LEGEND else ""
        axes.legend(
            loc="upper left",
            bbox_to_anchor=(1.01, 1),
            frameon=False,
            title=chart.series.replace("_", " ") + extra,
            fontsize=8,
        )


def _references(axes: Any, chart: Chart, horizontal: bool) -> None:
    """Dashed lines across the value axis, each labelled at its end."""
    for value, label in chart.references:
        if horizontal:
            axes.axhline(value, color=REFERENCE, linestyle="--", linewidth=0.9)
            axes.annotate(
                label,
                (1, value),
                xycoords=("axes fraction", "data"),
                ha="right",
                va="bottom",
                fontsize=7,
                color=REFERENCE,
            )
        else:
            axes.axvline(value, color=REFERENCE, linestyle="--", linewidth=0.9)
            axes.annotate(
                label,
                (value, 1),
                xycoords=("data", "axes fraction"),
                ha="center",
                va="bottom",
                fontsize=7,
                color=REFERENCE,
            )


def _grid(axes: Any, chart: Chart, frame: pd.DataFrame, colours: list[str] | None) -> None:
    """A cell per (category, series) pair, in the row's colour (a RAG rating), holding
    its value: rows are the categories, columns the series, in order of appearance.
    One cell per row of a small summary table (groups × measures), not per record."""
    import numpy as np

    from caseload_cli.render.cells import colour_rgb, ink_for

    rows = list(dict.fromkeys(_labels(frame, chart.category)))
    columns = list(dict.fromkeys(_labels(frame, chart.series or chart.value)))
    at_row = {name: i for i, name in enumerate(rows)}
    at_column = {name: i for i, name in enumerate(columns)}
    cells = np.full((len(rows), len(columns), 3), 0.94)
    values = frame[chart.value].to_numpy(dtype="float64", na_value=np.nan)
    fills = colours or [None] * len(frame)
    placed = zip(
        _labels(frame, chart.category),
        _labels(frame, chart.series or chart.value),
        values,
        fills,
        strict=True,
    )
    for row, column, value, fill in placed:
        i, j = at_row[row], at_column[column]
        rgb = colour_rgb(fill) if fill else None
        if rgb:
            cells[i, j] = [channel / 255 for channel in rgb]
        if not np.isnan(value):
            ink = ink_for(fill) if rgb else "#111111"
            axes.text(j, i, f"{value:.3g}", ha="center", va="center", fontsize=6, color=ink)
    axes.imshow(cells, aspect="auto", interpolation="nearest")
    axes.set_xticks(range(len(columns)), columns, rotation=60, ha="right", fontsize=7)
    axes.set_yticks(range(len(rows)), rows, fontsize=7)
    axes.tick_params(length=0)
    for side in ("left", "bottom"):
        axes.spines[side].set_visible(False)


def _tornado(figure: Any, chart: Chart, frame: pd.DataFrame) -> None:
    """A tornado per series value: each row a pair of bars from 0, its change at the
    low end (blue, above) and the high end (magenta, below) of its range, rows top to
    bottom in table order (the report ranks them by swing), each bar's end labelled
    with the value the setting took there. The value axis is symmetric around 0 so
    a larger swing always looks larger."""
    import numpy as np
    import pandas as pd

    series = frame[chart.series].astype("str") if chart.series else pd.Series("", frame.index)
    panels = list(dict.fromkeys(series.tolist()))
    grid = figure.subplots(len(panels), 1, squeeze=False)
    for number, (axes, panel) in enumerate(zip(grid[:, 0], panels, strict=True)):
        part = frame[series.to_numpy() == panel]
        low, high = _numbers(part, chart.value), _numbers(part, chart.marker or chart.value)
        at = np.arange(len(part))
        axes.barh(at - 0.19, low, height=0.36, color=LOW_END, label="low end of the range")
        axes.barh(at + 0.19, high, height=0.36, color=HIGH_END, label="high end of the range")
        axes.axvline(0, color=MARKER, linewidth=0.8)
        axes.set_yticks(at, _labels(part, chart.category))
        axes.invert_yaxis()
        reach = float(max(np.abs(low).max(initial=0.0), np.abs(high).max(initial=0.0)))
        reach = reach * 1.3 or 1.0
        axes.set_xlim(-reach, reach)
        if len(chart.text_columns) == 2:
            low_text, high_text = (_end_labels(part, column) for column in chart.text_columns)
            for offset, lengths, texts in ((-0.19, low, low_text), (0.19, high, high_text)):
                for row, (length, text) in enumerate(zip(lengths.tolist(), texts, strict=True)):
                    axes.annotate(
                        text,
                        (length, row + offset),
                        xytext=(-3 if length < 0 else 3, 0),
                        textcoords="offset points",
                        ha="right" if length < 0 else "left",
                        va="center",
                        fontsize=7,
                    )
        if panel:
            axes.set_title(panel, loc="left", fontsize=9)
        axes.set_xlabel(chart.x_title or chart.value)
        if number == 0:
            axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=8)


def _end_labels(frame: pd.DataFrame, column: str) -> list[str]:
    """Values as typed: 1 (not 1.0), 0.125 (never rounded)."""
    return [text[:-2] if text.endswith(".0") else text for text in _labels(frame, column)]


def _legend_height(chart: Chart, frame: pd.DataFrame) -> float:
    """Inches under the panels for the shared legend: its title and a row per 4 lines."""
    names = frame[chart.series].nunique() if chart.series else 1
    return 0.0 if names < 2 else 0.2 + 0.17 * -(-names // LEGEND_COLUMNS)


def _far_above(values: Any, named: Any, inside: Any) -> str | None:
    """The line of a panel that runs more than `APART` times above every other (a count's
    total row among its groups), which would flatten them on a shared scale; None if none."""
    import numpy as np

    peaks = {}
    for name in np.unique(named[inside]):
        mine = values[inside & (named == name)]
        if not np.isnan(mine).all():
            peaks[name] = float(np.nanmax(np.abs(mine)))
    if len(peaks) < 2:
        return None
    top, second = sorted(peaks.values(), reverse=True)[:2]
    return max(peaks, key=peaks.get) if second > 0 and top > APART * second else None


def facet_parts(chart: Chart, frame: pd.DataFrame) -> list[pd.DataFrame]:
    """`frame` split into the figures a faceted chart is drawn as: the panels in order
    of first appearance, at most `FACETS_PER_FIGURE` (a printed page) each."""
    import pandas as pd

    if not chart.facet:
        return [frame]
    facet = frame[chart.facet].astype("str")
    panels = list(pd.unique(facet))
    return [
        frame[facet.isin(panels[at : at + FACETS_PER_FIGURE]).to_numpy()]
        for at in range(0, len(panels), FACETS_PER_FIGURE)
    ]


def _facets(figure: Any, chart: Chart, frame: pd.DataFrame) -> None:
    """Small multiples: a panel per facet value (its own scale, titled with it), a line
    per series in each, the same colour for a series in every panel, one legend."""
    import matplotlib as mpl
    import numpy as np
    import pandas as pd
    from matplotlib.lines import Line2D

    facet = frame[chart.facet].astype("str").to_numpy()
    panels = list(pd.unique(facet))
    columns = min(FACET_COLUMNS, len(panels))
    grid = figure.subplots(-(-len(panels) // columns), columns, squeeze=False)
    height = figure.get_figheight()
    figure.subplots_adjust(left=0.045, right=0.955, top=1 - 0.3 / height,
                           bottom=(_legend_height(chart, frame) + 0.35) / height,
                           wspace=0.4, hspace=0.7)  # fmt: skip
    xs = list(pd.unique(frame[chart.category].astype("str")))
    position = {x: i for i, x in enumerate(xs)}
    series = frame[chart.series].astype("str") if chart.series else pd.Series("", frame.index)
    names = sorted(series.unique())
    palette = mpl.rcParams["axes.prop_cycle"].by_key()["color"]
    style = {
        name: (palette[i % len(palette)], LINE_STYLES[i // len(palette) % len(LINE_STYLES)])
        for i, name in enumerate(names)
    }
    values = frame[chart.value].to_numpy(dtype="float64", na_value=np.nan)
    at = frame[chart.category].astype("str").map(position).to_numpy()
    # The first and last dates, and the middle one when there is room for it.
    ticks = sorted({0, len(xs) - 1} | ({(len(xs) - 1) // 2} if len(xs) >= 5 else set()))
    named = series.to_numpy()
    for axes, panel in zip(grid.flat, panels, strict=False):
        inside = facet == panel
        apart = _far_above(values, named, inside)
        for name in names:
            mine = inside & (named == name)
            if mine.any():
                colour, dash = style[name]
                drawn_on = axes
                if name == apart:  # its own scale on the right, in its colour
                    drawn_on = axes.twinx()
                    drawn_on.spines["right"].set_visible(True)
                    drawn_on.spines["right"].set_color(colour)
                    drawn_on.tick_params(axis="y", labelsize=6, colors=colour)
                drawn_on.plot(at[mine], values[mine], color=colour, linestyle=dash,
                              linewidth=1.2, marker="o", markersize=2, label=name)  # fmt: skip
        if np.isnan(values[inside]).all():
            axes.text(0.5, 0.5, "no values", transform=axes.transAxes, ha="center", fontsize=7)
            axes.set_yticks([])
        elif np.nanmax(np.abs(values[inside])) == 0:
            axes.set_yticks([0])  # every value 0: no scale to read
        scale = f"\n{apart}: right-hand scale" if apart is not None else ""
        axes.set_title(panel + scale, fontsize=7.5, loc="left")
        axes.set_xticks(ticks, [xs[i] for i in ticks], fontsize=6)
        axes.set_xlim(-0.3, max(len(xs) - 0.7, 0.3))
        axes.tick_params(axis="y", labelsize=6)
    for axes in list(grid.flat)[len(panels) :]:
        axes.set_visible(False)
    if chart.series and len(names) > 1:
        handles = [
            Line2D([], [], color=style[n][0], linestyle=style[n][1], marker="o",
                             markersize=2, label=n)
            for n in names
        ]  # fmt: skip
        figure.legend(
            handles=handles,
            loc="lower center",
            ncols=min(len(names), LEGEND_COLUMNS),
            fontsize=7,
            frameon=False,
            title=chart.series.replace("_", " "),
            title_fontsize=7,
        )
