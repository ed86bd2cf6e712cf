"""HTML: one self-contained page (inline CSS, no scripts) with coloured band cells and charts.

Meant to be opened from disk or attached to an email, so nothing is loaded
from elsewhere; every piece of data is escaped. A section's charts follow
its table as inline SVG figures.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from caseload_cli.render.cells import (
    band_colour,
    band_position,
    display_columns,
    ink_for,
    typed_columns,
)
from caseload_cli.render.charts import section_charts, svg_figure
from caseload_cli.render.stamps import footer_lines, section_heading

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
footer ul{padding-left:1.2rem}"""

_NUM = ' class="num"'


def _html_table(report: Report, frame: pd.DataFrame) -> str:
    columns = typed_columns(frame, report.decimals)
    cells = display_columns(columns)
    numeric = [c.numeric for c in columns]
    head = "".join(
        "<th" + (_NUM if num else "") + ' scope="col">' + html.escape(c.name) + "</th>"
        for c, num in zip(columns, numeric, strict=True)
    )
    band_at = band_position(report, columns)
    lines = [f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>"]
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


def render_html(report: Report) -> str:
    """Title, main table, each section (with its charts), then the footer, as one page."""
    title = html.escape(report.title)
    body = [f"<h1>{title}</h1>"] if report.title else []
    body.append(_html_table(report, report.rows))
    for name, frame in report.sections.items():
        body.append(f"<h2>{html.escape(section_heading(name))}</h2>")
        body.append(_html_table(report, frame))
        body.extend(svg_figure(chart, frame) for chart in section_charts(report, name))
    footer = footer_lines(report)
    if footer:
        items = "\n".join(f"<li>{html.escape(line)}</li>" for line in footer)
        body.append(f"<footer>\n<ul>\n{items}\n</ul>\n</footer>")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>\n{_CSS}\n</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
