"""PDF: the html report (render/html.py) printed to A4 landscape by xhtml2pdf.

Needs the optional `pdf` extra (`pip install 'caseload-cli[pdf]'`: xhtml2pdf on
reportlab, pure pip, no system libraries); without it `render_pdf` raises a
`CaseloadError` naming the extra. xhtml2pdf is imported only when a PDF is made.

The page is the html's own (same tables, band colours, print type sizes, each
section on a new page); only the page setup is PDF-specific: the html's
`@page` rules (browser margin boxes, which xhtml2pdf does not draw) are replaced
by `_PDF_CSS`, whose footer frame carries the title and "Page N of M" on every
page. The same report gives the same bytes: reportlab's invariant mode fixes the
creation date (2000-01-01) and the document ID.
"""

from __future__ import annotations

import html
import io
import logging
import re
from typing import TYPE_CHECKING

from caseload_cli.core.errors import CaseloadError
from caseload_cli.render.html import render_html

if TYPE_CHECKING:
    from caseload_cli.core.model import Report

MISSING_EXTRA = "--format pdf needs the pdf extra: pip install 'caseload-cli[pdf]'"

# A4 landscape with the html's print margins (10 mm top, 8 mm sides), the
# bottom one holding the footer frame. xhtml2pdf ignores `var()`, sticky
# headers and `print-color-adjust` (it always prints backgrounds).
_PDF_CSS = """\
@page{size:a4 landscape;margin:10mm 8mm 14mm 8mm;
@frame pdf_footer{-pdf-frame-content:pdf-footer;left:8mm;right:8mm;bottom:4mm;height:7mm}}
#pdf-footer{font-size:7pt;color:#444}
#pdf-footer td{border:0;padding:0}"""

_FOOTER = (
    '<div id="pdf-footer"><table><tr>'
    '<td style="width:80%">{title}</td>'
    '<td style="text-align:right">Page <pdf:pagenumber> of <pdf:pagecount></td>'
    "</tr></table></div>"
)

_AT_PAGE = re.compile(r"@page\s*\{")


def _without_page_rules(css: str) -> str:
    """`css` without its `@page{...}` rules (nested margin boxes included)."""
    out, pos = [], 0
    while match := _AT_PAGE.search(css, pos):
        out.append(css[pos : match.start()])
        depth, i = 1, match.end()
        while depth and i < len(css):
            depth += {"{": 1, "}": -1}.get(css[i], 0)
            i += 1
        pos = i
    out.append(css[pos:])
    return "".join(out)


def pdf_html(report: Report) -> str:
    """The html page as xhtml2pdf is given it: PDF page setup and footer added."""
    page = render_html(report, image="png")
    start = page.index("<style>") + len("<style>")
    end = page.index("</style>", start)
    style = _without_page_rules(page[start:end]).rstrip("\n") + "\n" + _PDF_CSS + "\n"
    footer = _FOOTER.format(title=html.escape(report.title or ""))
    page = page[:start] + style + page[end:]
    # reportlab draws a zero-width space as a box and ignores <wbr>: a header breaks at a space.
    page = page.replace("_<wbr>", "_ ")
    page = page.replace("<figcaption>", '<p class="caption">').replace("</figcaption>", "</p>")
    return page.replace("</body>", footer + "\n</body>", 1)


def pdf_extra_installed() -> bool:
    """Whether the pdf extra (xhtml2pdf and reportlab) can be imported."""
    try:
        import reportlab  # noqa: F401
        import xhtml2pdf  # noqa: F401
    except ImportError:
        return False
    return True


def render_pdf(report: Report) -> bytes:
    """The report as PDF bytes (A4 landscape); the same report gives the same bytes."""
    try:
        from reportlab import rl_config
        from xhtml2pdf import pisa
    except ImportError:
        raise CaseloadError(MISSING_EXTRA) from None
    source = pdf_html(report)
    # xhtml2pdf logs every CSS property it does not implement; the html is ours.
    log = logging.getLogger("xhtml2pdf")
    level, invariant = log.level, rl_config.invariant
    log.setLevel(logging.ERROR)
    rl_config.invariant = 1
    try:
        out = io.BytesIO()
        status = pisa.CreatePDF(source, dest=out, encoding="utf-8")
    finally:
        log.setLevel(level)
        rl_config.invariant = invariant
    if status.err:
        raise RuntimeError(f"xhtml2pdf could not render the report ({status.err} errors)")
    return out.getvalue()
