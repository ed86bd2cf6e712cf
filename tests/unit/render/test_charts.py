"""Charts carried in a Report (`Report.charts`): drawn by html and xlsx, as text bars by the
terminal table and Markdown, and left out of the machine formats."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import openpyxl
import pandas as pd
import pytest

from caseload_cli.core.errors import CaseloadError
from caseload_cli.core.formats import OUTPUT_FORMATS
from caseload_cli.core.model import MAIN, Chart, Report, SchemeStamp
from caseload_cli.render import report as writers

CHART = Chart(
    section="spread",
    category="bin",
    value="count",
    title="Workers by load",
    x_title="load",
    y_title="workers",
    description="Histogram of loads",
    highlight_column="low",
    highlight_range=(10.0, 20.0),
)


def make_report(charts: list[Chart] | None = None, **sections: pd.DataFrame) -> Report:
    spread = pd.DataFrame(
        {
            "bin": ["0–9", "10–19", "20–29", "<b>&"],
            "low": [0.0, 10.0, 20.0, 30.0],
            "count": pd.Series([3, 8, 4, 0], dtype="int64"),
        }
    )
    return Report(
        title="Loads",
        rows=pd.DataFrame({"team": ["North", "South"], "workers": [9, 6]}),
        schemes=[SchemeStamp("flat", "1.0", "ab" * 32)],
        sections={"spread": spread, "other": pd.DataFrame({"x": [1]}), **sections},
        band_column=None,
        notes=["a note"],
        charts=[CHART] if charts is None else charts,
    )


def test_every_output_format_has_a_renderer():
    assert set(writers.RENDERERS) == set(OUTPUT_FORMATS)


@pytest.mark.parametrize("fmt", ["csv", "json", "ndjson", "parquet"])
def test_formats_without_drawings_ignore_charts(fmt):
    assert writers.render(make_report(), fmt) == writers.render(make_report(charts=[]), fmt)


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_text_formats_draw_a_chart_as_a_column_of_bars(fmt):
    text = writers.render(make_report(), fmt)
    plain = writers.render(make_report(charts=[]), fmt)
    spread = text[text.index("Spread") : text.index("Other")]
    assert "bar" in spread and "bar" not in plain
    bars = [line.count("█") for line in spread.splitlines() if "–" in line or "&" in line]
    assert bars == [15, 40, 20, 0]  # 3, 8, 4, 0 scaled so the highest is 40 wide
    assert "low" in spread  # every column is kept; the bar comes last
    other = text[text.index("Other") :]
    assert other == plain[plain.index("Other") :]  # sections without charts are unchanged


def test_html_draws_the_chart_after_its_section_table():
    text = writers.render(make_report(), "html")
    assert text.count("<svg") == 1 and text.count('<figure class="chart">') == 1
    spread = text.index("<h2>Spread</h2>")
    figure = text.index('<figure class="chart">')
    assert text.index("</table>", spread) < figure < text.index("<h2>Other</h2>")
    assert "<figcaption>Workers by load</figcaption>\n</figure>" in text
    assert 'aria-label="Histogram of loads"' in text
    assert "load (green: 10 to 20)" in text  # drawn by matplotlib, text kept as text
    assert bar_fills(text) == ["#90a4ae", "#2e7d32", "#2e7d32", "#90a4ae"]  # 10, 20 inside
    assert "10–19" in text and ">workers<" in text
    assert "&lt;b&gt;&amp;" in text and "<b>&" not in text  # labels escaped
    assert "<?xml" not in text and "<metadata>" not in text  # an inline element only


def test_html_without_charts_has_no_figure():
    assert "<figure" not in writers.render(make_report(charts=[]), "html")


def test_xlsx_draws_the_chart_on_its_section_sheet():
    data = writers.render(make_report(), "xlsx")
    assert data == writers.render(make_report(), "xlsx")  # reproducible
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["report", "Spread", "Other", "about"]
    charts = book["Spread"]._charts
    assert len(charts) == 1 and type(charts[0]).__name__ == "BarChart"
    assert all(not book[name]._charts for name in ("report", "Other", "about"))
    (series,) = charts[0].series
    assert series.tx.strRef.f == "'Spread'!C1"  # the count column: header as title,
    assert series.val.numRef.f == "'Spread'!$C$2:$C$5"  # values as bar heights
    assert series.cat.numRef.f == "'Spread'!$A$2:$A$5"  # the bin labels
    assert charts[0].anchor._from.col == 4  # column E: one empty column after the table


def test_a_chart_of_an_empty_or_missing_section_is_not_drawn():
    empty = make_report(spread=pd.DataFrame({"bin": [], "low": [], "count": []}))
    assert "<svg" not in writers.render(empty, "html")
    book = openpyxl.load_workbook(io.BytesIO(writers.render(empty, "xlsx")))
    assert not book["Spread"]._charts
    elsewhere = make_report(charts=[Chart(section="nowhere", category="bin", value="count")])
    assert "<svg" not in writers.render(elsewhere, "html")


def test_a_chart_naming_a_missing_column_is_an_error():
    bad = make_report(charts=[Chart(section="spread", category="bin", value="total")])
    for fmt in ("html", "xlsx", "table", "markdown"):
        with pytest.raises(CaseloadError, match="'total'"):
            writers.render(bad, fmt)


def test_a_chart_without_highlight_draws_every_bar_alike():
    plain = Chart(section="spread", category="bin", value="count")
    text = writers.render(make_report(charts=[plain]), "html")
    assert bar_fills(text) == ["#90a4ae"] * 4
    assert "<figcaption>" not in text and "(green:" not in text


def bar_fills(page: str) -> list[str]:
    """The fill of each clipped patch (a bar) in the page's SVG, in drawing order."""
    return re.findall(r'clip-path="url\(#\w+\)" style="fill: (#[0-9a-f]{6})', page)


WORKERS = pd.DataFrame(
    {
        "name": ["Ann $x$ Lee", "Bob <b>", "Cy"],
        "team": ["North", "North", "South"],
        "weighted_load": [12.5, 27.0, 41.0],
        "capacity": [22.0, 22.0, 14.8],
        "band": ["green", "amber", "red"],
    }
)
LOAD = Chart(
    section=MAIN,
    kind="load",
    category="name",
    value="weighted_load",
    marker="capacity",
    references=((20.0, "20"), (25.0, "25 ceiling"), (40.0, "40 EIT")),
    title="Load against capacity",
    x_title="weighted load",
    description="Each worker's load",
)
TREND = pd.DataFrame(
    {
        "snapshot": ["2026-01-05", "2026-01-05", "2026-01-12", "2026-01-12"],
        "team": ["North", "South", "North", "South"],
        "utilisation_pct": [80.0, 95.5, 84.0, 101.0],
    }
)
LINES = Chart(
    section=MAIN,
    kind="lines",
    category="snapshot",
    value="utilisation_pct",
    series="team",
    references=((100.0, "amber from 100"),),
    title="Utilisation by team",
)


def workers_report(split: str | None = None) -> Report:
    return Report(
        title="Week",
        rows=WORKERS,
        schemes=[SchemeStamp("flat", "1.0", "ab" * 32)],
        band_colours={"green": "#2E7D32", "amber": "#F9A825", "red": "#C62828"},
        charts=[LOAD],
        split_by=split,
    )


def test_a_load_chart_draws_each_worker_in_band_colour_with_capacity_and_reference_lines():
    text = writers.render(workers_report(), "html")
    figure = text[text.index('<figure class="chart">') :]
    assert text.index("</table>") < text.index('<figure class="chart">')  # after the main table
    assert bar_fills(figure) == ["#2e7d32", "#f9a825", "#c62828"]  # the band colours, in order
    for label in ("Ann $x$ Lee", "Bob &lt;b&gt;", "Cy", "25 ceiling", "40 EIT", "capacity"):
        assert label in figure  # a $ is a dollar sign, never mathtext
    assert "<b>" not in figure
    assert writers.render(workers_report(), "html") == text  # reproducible bytes


def test_split_by_puts_each_team_on_its_own_page_and_sheet_with_its_chart():
    text = writers.render(workers_report("team"), "html")
    assert '<h2 class="first">North</h2>' in text and "<h2>South</h2>" in text
    north, south = text.split("<h2>South</h2>")
    assert north.count("<figure") == 1 and south.count("<figure") == 1
    assert "Cy" not in north[north.index("<table") :] and "Ann $x$ Lee" not in south
    book = openpyxl.load_workbook(io.BytesIO(writers.render(workers_report("team"), "xlsx")))
    assert book.sheetnames == ["North", "South", "about"]
    assert [len(book[name]._charts) for name in ("North", "South")] == [1, 1]
    assert book["South"].max_row == 2
    one = writers.render(workers_report(), "html")
    assert "<h2" not in one  # one team: no headings, one table


def test_xlsx_load_chart_is_a_native_horizontal_bar_chart_of_load_and_capacity():
    book = openpyxl.load_workbook(io.BytesIO(writers.render(workers_report(), "xlsx")))
    (chart,) = book["report"]._charts
    assert type(chart).__name__ == "BarChart" and chart.type == "bar"
    assert [s.val.numRef.f for s in chart.series] == ["'report'!$C$2:$C$4", "'report'!$D$2:$D$4"]


def test_a_lines_chart_draws_a_line_per_series_and_xlsx_pivots_it_onto_its_own_sheet():
    report = Report(
        title="Trend", rows=TREND, schemes=[SchemeStamp("flat", "1.0", "ab" * 32)], charts=[LINES]
    )
    text = writers.render(report, "html")
    assert text.count("<figure") == 1 and "North" in text and "amber from 100" in text
    assert len(re.findall(r'<g id="line2d_\d+">\s*<path d="M [^"]*L', text)) >= 2
    book = openpyxl.load_workbook(io.BytesIO(writers.render(report, "xlsx")))
    assert book.sheetnames == ["report", "report chart", "about"]
    sheet = book["report chart"]
    assert [c.value for c in sheet[1]] == ["snapshot", "North", "South"]
    assert [c.value for c in sheet[3]] == ["2026-01-12", 84.0, 101.0]
    (chart,) = sheet._charts
    assert type(chart).__name__ == "LineChart" and len(chart.series) == 2


def test_text_formats_draw_no_bars_for_picture_only_charts():
    for fmt in ("table", "markdown"):
        assert writers.render(workers_report(), fmt) == writers.render(
            replace(workers_report(), charts=[]), fmt
        )


def test_pdf_html_carries_charts_as_png_images():
    from caseload_cli.render.pdf import pdf_html

    page = pdf_html(workers_report())
    assert "<svg" not in page and page.count('<img src="data:image/png;base64,') == 1


TORNADO = Chart(
    MAIN,
    "setting",
    "change_low",
    title="What moves the headline",
    x_title="change from the scheme as written",
    description="Tornado of two metrics",
    text_columns=("low", "high"),
    kind="tornado",
    marker="change_high",
    series="metric",
)


def tornado_report(metrics: tuple[str, ...] = ("share", "share", "fte", "fte")) -> Report:
    rows = pd.DataFrame(
        {
            "metric": list(metrics),
            "setting": ["r16_4", "per_child", "per_child", "r16_4"],
            "low": [1.0, 0.0, 0.0, 1.0],
            "high": [2.0, 0.125, 0.125, 2.0],
            "change_low": [-0.85, -16.95, -7.78, -1.9],
            "change_high": [1.69, 15.25, 10.4, 2.02],
        }
    )
    return Report(
        title="Sensitivity",
        rows=rows,
        schemes=[SchemeStamp("flat", "1.0", "ab" * 32)],
        band_column=None,
        charts=[TORNADO],
    )


def test_a_tornado_draws_a_panel_per_metric_with_both_ends_labelled():
    text = writers.render(tornado_report(), "html")
    figure = text[text.index('<figure class="chart">') :]
    assert text.count("<figure") == 1 and 'aria-label="Tornado of two metrics"' in figure
    for label in ("share", "fte", "r16_4", "per_child", "low end of the range", "0.125"):
        assert label in figure
    assert ">1<" in figure.replace("\n", "") or "1</text>" in figure  # 1, not 1.0
    assert "1.0<" not in figure and "0.13" not in figure
    assert len(re.findall(r'style="fill: #1565c0', figure)) >= 4  # low-end bars
    assert len(re.findall(r'style="fill: #ad1457', figure)) >= 4  # high-end bars
    assert writers.render(tornado_report(), "html") == text  # reproducible bytes
    assert writers.render(tornado_report(), "table") == writers.render(
        replace(tornado_report(), charts=[]), "table"
    )  # a picture only: no text bars


def test_xlsx_tornado_is_a_native_bar_chart_per_panel_from_its_rows():
    book = openpyxl.load_workbook(io.BytesIO(writers.render(tornado_report(), "xlsx")))
    charts = book["report"]._charts
    assert [type(c).__name__ for c in charts] == ["BarChart", "BarChart"]
    assert all(c.type == "bar" for c in charts)
    assert [s.val.numRef.f for s in charts[0].series] == [
        "'report'!$E$2:$E$3",
        "'report'!$F$2:$F$3",
    ]
    assert [s.val.numRef.f for s in charts[1].series] == [
        "'report'!$E$4:$E$5",
        "'report'!$F$4:$F$5",
    ]
    categories = charts[1].series[0].cat
    assert (categories.numRef or categories.strRef).f == "'report'!$B$4:$B$5"
    assert [c.title.tx.rich.p[0].r[0].t for c in charts] == ["share", "fte"]  # panel titles


def test_xlsx_tornado_with_interleaved_panels_is_the_picture():
    report = tornado_report(("share", "fte", "share", "fte"))
    book = openpyxl.load_workbook(io.BytesIO(writers.render(report, "xlsx")))
    assert book["report"]._charts == [] and len(book["report"]._images) == 1


def _measures_by_week(panels: int) -> pd.DataFrame:
    """Two groups' values of `panels` measures over three weeks; m1 has no value at all and
    group B none for m2 (a panel with only group A's line)."""
    rows = []
    for week in ("2022-04-15", "2022-04-22", "2022-04-29"):
        for number in range(panels):
            for group in ("A", "B"):
                value = None if number == 1 or (number == 2 and group == "B") else number + 0.5
                rows.append({"snapshot": week, "group": group, "measure": f"m{number}",
                             "value": value})  # fmt: skip
    return pd.DataFrame(rows)


FACETS = Chart(section=MAIN, kind="lines", category="snapshot", value="value", series="group",
               facet="measure", title="Each measure", description="Panels")  # fmt: skip


def test_small_multiples_draw_a_panel_per_facet_a_page_of_panels_per_figure():
    from caseload_cli.render.figures import FACETS_PER_FIGURE

    frame = _measures_by_week(FACETS_PER_FIGURE + 2)
    report = Report(title="Weekly", rows=frame, schemes=[SchemeStamp("flat", "1.0", "ab" * 32)],
                    band_column=None, charts=[FACETS])  # fmt: skip
    page = writers.render(report, "html")
    figures = page.split('<figure class="chart">')[1:]
    assert len(figures) == 2  # 14 panels: a page of 12, then 2
    assert "Each measure (1 of 2)" in figures[0] and "Each measure (2 of 2)" in figures[1]
    first = [f"m{n}" for n in range(FACETS_PER_FIGURE)]
    assert all(f">{name}<" in figures[0] for name in first)
    assert ">m12<" in figures[1] and ">m13<" in figures[1] and ">m0<" not in figures[1]
    assert ">no values<" in figures[0]  # m1's panel
    assert figures[0].count(">A<") == 1 and figures[0].count(">B<") == 1  # one shared legend


def test_small_multiples_in_xlsx_are_a_native_line_chart_per_facet_beside_its_rows():
    frame = _measures_by_week(3)
    report = Report(title="Weekly", rows=frame, schemes=[SchemeStamp("flat", "1.0", "ab" * 32)],
                    band_column=None, charts=[FACETS])  # fmt: skip
    sheet = openpyxl.load_workbook(io.BytesIO(writers.render(report, "xlsx")))["report chart"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["measure", "group", "2022-04-15", "2022-04-22", "2022-04-29"]
    # m1 has no value: its panel keeps its rows; B has none in m2: that line is left out.
    assert [row[:2] for row in rows[1:]] == [["m0", "A"], ["m0", "B"], ["m1", "A"], ["m1", "B"],
                                             ["m2", "A"]]  # fmt: skip
    assert rows[1][2:] == [0.5, 0.5, 0.5]
    charts = sheet._charts
    assert [type(c).__name__ for c in charts] == ["LineChart"] * 3
    assert [c.title.tx.rich.p[0].r[0].t for c in charts] == ["m0", "m1", "m2"]
    assert [len(c.series) for c in charts] == [2, 2, 1]
