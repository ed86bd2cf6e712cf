"""HTML: one self-contained page (inline CSS, no scripts) with coloured band cells and charts.

Meant to be opened from disk or attached to an email, so nothing is loaded
from elsewhere; every piece of data is escaped. A section's charts follow
its table as inline SVG figures.

Printed (print CSS, docs/export-schema.md#printing): A4 landscape, small type
so every column fits the page width (cells wrap rather than being cut off when
a table is still too wide), the header row repeated on every page, rows never
split, each section on a new page, band colours printed (the band name is
always in the cell too), and a footer with the title and "Page N of M" in
browsers that draw `@page` margin boxes (Chromium 131+).
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING

from caseload_cli.core.model import MAIN
from caseload_cli.render.cells import (
    Column,
    band_colour,
    band_position,
    display_columns,
    ink_for,
    typed_columns,
)
from caseload_cli.render.charts import html_figure, section_charts
from caseload_cli.render.stamps import footer_lines, main_parts, section_heading

if TYPE_CHECKING:
    import pandas as pd

    from caseload_cli.core.model import Report

_CSS = """\
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem;color:#111}
table{border-collapse:collapse;margin:0 0 1.5rem}
th,td{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
th{position:sticky;top:0;background:#f3f3f3;z-index:1}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
footer{color:#444;font-size:.9rem}
footer ul{padding-left:1.2rem}
figure.chart{margin:0 0 1.5rem}
figure.chart svg,figure.chart img{max-width:100%;height:auto}
figcaption{font-size:.9rem;color:#444}"""

# Print: A4 landscape; what a manager gets from File > Print (or --print-to-pdf).
# A table's type shrinks (--print-font, set by _print_font) until its columns fit
# the page width; header names and words never break, text cells wrap at spaces.
# Below the smallest size (class squeeze) headers wrap after underscores and cells
# anywhere: wrapped, never cut.
_PRINT_CSS = """\
@page{size:A4 landscape;margin:10mm 8mm 12mm}
@media print{
body{margin:0;font-size:7.5pt;print-color-adjust:exact;-webkit-print-color-adjust:exact}
h1{font-size:13pt;margin:0 0 .6em}
h2{font-size:11pt;margin:0 0 .5em;break-before:page;break-after:avoid}
h2.first{break-before:auto}
table{margin:0 0 1em;font-size:var(--print-font,7.5pt)}
thead{display:table-header-group}
tr,figure{break-inside:avoid}
th,td{padding:.12em .35em}
th{position:static;white-space:nowrap}
td{overflow-wrap:break-word}
td.num{overflow-wrap:normal;white-space:nowrap}
table.squeeze th{white-space:normal;overflow-wrap:break-word}
table.squeeze td{white-space:normal;overflow-wrap:anywhere}
footer{font-size:7pt;break-inside:avoid}
}"""

# Page width inside the margins (297 mm - 2 x 8 mm) in points, the default and
# smallest print type, and rough em widths of a character (regular, bold header)
# and of a cell's padding and border.
_PRINT_WIDTH_PT = 281 / 25.4 * 72
_PRINT_FONT_PT, _MIN_FONT_PT = 7.5, 5.0
_CHAR_EM, _HEAD_EM, _PAD_EM = 0.62, 0.64, 0.75


def _print_font(columns: list[Column], cells: list[list[str]]) -> tuple[float, bool]:
    """Print type size (pt) at which the table fits the page width, and whether
    even the smallest size needs the header names to wrap."""
    ems = 0.0
    for column, texts in zip(columns, cells, strict=True):
        if column.numeric:
            narrowest = max((len(t) for t in texts), default=0)
        else:
            words = (w for t in texts for w in t.split())
            narrowest = max((len(w) for w in words), default=0)
        ems += max(_HEAD_EM * len(column.name), _CHAR_EM * narrowest) + _PAD_EM
    size = math.floor(10 * min(_PRINT_FONT_PT, 0.97 * _PRINT_WIDTH_PT / max(ems, 1))) / 10
    return max(size, _MIN_FONT_PT), size < _MIN_FONT_PT


_MARGIN_FONT = "font:7pt system-ui,sans-serif;color:#444"

_NUM = ' class="num"'


def _header(name: str, squeeze: bool) -> str:
    """A column name; in a squeezed table with a break opportunity after each
    underscore, so it wraps as `weighted_` / `load` rather than mid-word."""
    text = html.escape(name)
    return text.replace("_", "_<wbr>") if squeeze else text


def _html_table(report: Report, frame: pd.DataFrame) -> str:
    columns = typed_columns(frame, report.decimals)
    cells = display_columns(columns)
    numeric = [c.numeric for c in columns]
    size, squeeze = _print_font(columns, cells)
    head = "".join(
        "<th" + (_NUM if num else "") + ' scope="col">' + _header(c.name, squeeze) + "</th>"
        for c, num in zip(columns, numeric, strict=True)
    )
    band_at = band_position(report, columns)
    attrs = ' class="squeeze"' if squeeze else ""
    if size < _PRINT_FONT_PT:
        attrs += f' style="--print-font:{size:.1f}pt"'
    lines = [f"<table{attrs}>\n<thead><tr>{head}</tr></thead>\n<tbody>"]
    for r in range(len(frame)):
        row = []
        for i, col in enumerate(cells):
            text = html.escape(col[r]).replace("\n", "<br>")
            attrs = ' class="num"' if numeric[i] else ""
            if i == band_at:
                colour = band_colour(report, columns[i].values[r])
                if colour:
                    attrs += f' style="background-color:{colour};color:{ink_for(colour)}"'
            row.append(f"<td{attrs}>{text}</td>")
        lines.append("<tr>" + "".join(row) + "</tr>")
    lines.append("</tbody>\n</table>")
    return "\n".join(lines)


def _css_string(text: str) -> str:
    """`text` as a quoted CSS string: anything but letters, digits and spaces escaped.

    Each escape ends with a space, which CSS swallows ("a: b" keeps its own space)."""
    safe = (ch.isascii() and (ch.isalnum() or ch == " ") for ch in text)
    out = (ch if ok else f"\\{ord(ch):x} " for ch, ok in zip(text, safe, strict=True))
    return '"' + "".join(out) + '"'


def _print_css(title: str) -> str:
    """Print CSS with the page footer: the title left, "Page N of M" right."""
    boxes = f'@bottom-right{{content:"Page " counter(page) " of " counter(pages);{_MARGIN_FONT}}}'
    if title:
        boxes = f"@bottom-left{{content:{_css_string(title)};{_MARGIN_FONT}}}" + boxes
    return f"{_PRINT_CSS}\n@page{{{boxes}}}"


def render_html(report: Report, image: str = "svg") -> str:
    """Title, main table (a part per `split_by` value), each section, each table
    followed by its charts (`image`: inline "svg", or "png" for the pdf engine),
    then the footer, as one page."""
    title = html.escape(report.title)
    body = [f"<h1>{title}</h1>"] if report.title else []
    for number, (heading, part) in enumerate(main_parts(report)):
        if heading is not None:
            first = ' class="first"' if number == 0 else ""
            body.append(f"<h2{first}>{html.escape(heading)}</h2>")
        body.append(_html_table(report, part))
        charts = section_charts(report, MAIN, part)
        body.extend(html_figure(report, chart, part, image) for chart in charts)
    for name, frame in report.sections.items():
        body.append(f"<h2>{html.escape(section_heading(name))}</h2>")
        body.append(_html_table(report, frame))
        charts = section_charts(report, name)
        body.extend(html_figure(report, chart, frame, image) for chart in charts)
    footer = footer_lines(report, inputs=True)
    if footer:
        items = "\n".join(f"<li>{html.escape(line)}</li>" for line in footer)
        body.append(f"<footer>\n<ul>\n{items}\n</ul>\n</footer>")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>\n{_CSS}\n{_print_css(report.title or '')}\n</style>\n"
        "</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )
