"""Print setup of the html and xlsx renderers (A4 landscape, repeated header row,
title and page numbers, percentages). tests/system/test_print.py prints them."""

from __future__ import annotations

import io
import re

import openpyxl
import pandas as pd
import pytest

from caseload_cli.core.model import Report, SchemeStamp
from caseload_cli.render import report as writers
from caseload_cli.render.cells import display_columns, typed_columns
from caseload_cli.render.html import _MIN_FONT_PT, _PRINT_FONT_PT, _print_font

COLOURS = {"green": "#2E7D32", "amber": "#FFB300", "red": "#C62828"}


def make_report(title: str = "Team A & B: week 47", **columns) -> Report:
    rows = pd.DataFrame(
        columns
        or {
            "worker_id": ["W1", "W2"],
            "utilisation_pct": [87.16, 102.5],
            "saturation_pct": pd.Series([80, 95], dtype="int64"),
            "weighted_load": [14.5, 20.25],
            "band": ["amber", "red"],
        }
    )
    return Report(
        title=title,
        rows=rows,
        schemes=[SchemeStamp("flat", "1.0", "0" * 64, "Flat")],
        sections={"by_team": pd.DataFrame({"team": ["A"], "workers": [2]})},
        band_colours=COLOURS,
    )


def wide_columns(n: int) -> dict[str, list]:
    return {f"col_name_{i:02d}": [1.5, 2.5] for i in range(n)}


# --------------------------------------------------------------------------- html


def test_html_print_css():
    text = writers.render(make_report(), "html")
    style = text[text.index("<style>") : text.index("</style>")]
    assert "@page{size:A4 landscape;" in style
    assert "@media print{" in style
    assert "thead{display:table-header-group}" in style
    assert "tr,figure{break-inside:avoid}" in style
    assert re.search(r"h2\{[^}]*break-before:page", style)
    assert "print-color-adjust:exact" in style  # band colours are printed
    assert 'counter(page) " of " counter(pages)' in style
    assert "position:sticky" in style  # on screen the header still sticks


def test_html_keeps_band_text_beside_colour():
    text = writers.render(make_report(), "html")
    assert f'style="background-color:{COLOURS["amber"]};color:#000000">amber</td>' in text


def test_html_page_footer_title_is_an_escaped_css_string():
    evil = 'Team A: x, y "}</style><script>alert(1)</script>\\'
    text = writers.render(make_report(title=evil), "html")
    style = text[text.index("<style>") : text.index("</style>")]
    assert "<script>" not in style and "</style" not in style
    assert '"}' not in style.split("@bottom-left", 1)[1].split(";", 1)[0]
    footer = re.search(r"@bottom-left\{content:(\"[^\"]*\");", style).group(1)
    decoded = re.sub(r"\\([0-9a-f]{1,6}) ", lambda m: chr(int(m.group(1), 16)), footer[1:-1])
    assert decoded == evil


def test_html_without_title_still_numbers_pages():
    text = writers.render(make_report(title=""), "html")
    assert "@bottom-left" not in text and "counter(pages)" in text


def test_narrow_tables_print_at_the_default_size():
    text = writers.render(make_report(), "html")
    assert text.count("<table>\n<thead>") == 2 and "--print-font:" not in text


@pytest.mark.parametrize("n", [15, 18])
def test_wide_tables_shrink_to_fit(n):
    text = writers.render(make_report(**wide_columns(n)), "html")
    size = float(re.search(r'<table style="--print-font:([\d.]+)pt">', text).group(1))
    assert _MIN_FONT_PT <= size < _PRINT_FONT_PT


def test_print_font_gets_smaller_with_more_columns_then_lets_headers_wrap():
    def fit(n: int) -> tuple[float, bool]:
        columns = typed_columns(pd.DataFrame(wide_columns(n)), 2)
        return _print_font(columns, display_columns(columns))

    sizes = [fit(n) for n in (2, 15, 18, 60)]
    assert sizes[0] == (_PRINT_FONT_PT, False)
    assert sizes[1][0] > sizes[2][0] >= _MIN_FONT_PT
    assert sizes[3] == (_MIN_FONT_PT, True)
    text = writers.render(make_report(**wide_columns(60)), "html")
    assert '<table class="squeeze" style="--print-font:5.0pt">' in text


# --------------------------------------------------------------------------- xlsx


def load(report: Report) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(writers.render(report, "xlsx")))


def test_xlsx_every_sheet_prints_a4_landscape_one_page_wide():
    wb = load(make_report())
    assert wb.sheetnames == ["report", "By team", "about"]
    for ws in wb:
        setup = ws.page_setup
        assert setup.orientation == "landscape", ws.title
        assert str(setup.paperSize) == "9"  # A4
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert ws.print_title_rows == "$1:$1"
        assert ws.oddHeader.center.text == "Team A && B: week 47"  # '&' is a code there
        assert ws.oddFooter.right.text == "Page &P of &N"
        assert ws.oddFooter.left.text == ws.title
    main = wb["report"]
    assert main.freeze_panes == "A2" and main.auto_filter.ref == "A1:E3"


def test_xlsx_percent_columns_keep_their_values_and_show_a_percent_sign():
    ws = load(make_report())["report"]
    utilisation, saturation, weighted = ws["B2"], ws["C2"], ws["D2"]
    assert utilisation.value == 87.16 and utilisation.number_format == '0.0"%"'
    assert saturation.value == 80 and saturation.number_format == '0"%"'
    assert weighted.number_format == "0.00"
