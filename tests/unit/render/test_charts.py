"""Charts carried in a Report (`Report.charts`): drawn by html and xlsx, as text bars by the
terminal table and Markdown, and left out of the machine formats."""

from __future__ import annotations

import io
import re

import openpyxl
import pandas as pd
import pytest

from caseload_cli.core.errors import CaseloadError
from caseload_cli.core.formats import OUTPUT_FORMATS
from caseload_cli.core.model import Chart, Report, SchemeStamp
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
    assert "load (green: 10 to 20)" in text
    assert len(re.findall(r"<rect ", text)) == 4
    fills = re.findall(r'fill="(#[0-9A-F]{6})"', text)
    assert fills == ["#90A4AE", "#2E7D32", "#2E7D32", "#90A4AE"]  # 10 and 20 both inside
    assert "<title>10–19: 8 workers</title>" in text
    assert "&lt;b&gt;&amp;" in text and "<b>&" not in text  # labels escaped


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
    assert set(re.findall(r'fill="(#[0-9A-F]{6})"', text)) == {"#90A4AE"}
    assert "<figcaption>" not in text and "(green:" not in text
