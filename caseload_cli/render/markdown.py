"""Markdown: GitHub tables under `#`/`##` headings, footer as a list, for pasting into docs.

Text is escaped (`render.cells.markdown_text`) so that pipes, backslashes, raw
HTML, link and image syntax, emphasis, autolinks and control characters in the
data show literally instead of breaking the table or the page it is pasted into. Given a
`width`, each table is the manager view that fits it (render/columns.py), for
pasting into an email, followed by a paragraph naming the columns it hides.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from caseload_cli.render.cells import markdown_text
from caseload_cli.render.charts import with_text_bars
from caseload_cli.render.columns import hidden_note, wrap
from caseload_cli.render.stamps import footer_lines, section_heading
from caseload_cli.render.table import table_block

if TYPE_CHECKING:
    import pandas as pd

    from caseload_cli.core.model import Report


def render_markdown(report: Report, width: int | None = None) -> str:
    """Title, main table, one `##` section per extra table (its charts drawn as text
    bars), then the footer as a list. With a `width` (characters), every table is the
    manager view that fits it and the footer items are wrapped to it."""
    parts = [f"# {markdown_text(report.title)}"] if report.title else []
    parts.append(_fitted(report, report.rows, width))
    for name, frame in report.sections.items():
        parts.append(f"## {markdown_text(section_heading(name))}")
        shown = with_text_bars(report, name, frame)
        parts.append(_fitted(report, shown, width))
    footer = footer_lines(report, inputs=True)
    if footer:
        parts.append(
            "\n".join("\n".join(wrap(f"- {markdown_text(line)}", width, "  ")) for line in footer)
        )
    return "\n\n".join(parts) + "\n"


def _fitted(report: Report, frame: pd.DataFrame, width: int | None) -> str:
    text, hidden = table_block(report, frame, "github", markdown_text, False, width)
    if hidden and width is not None:
        # a blank line first: a line of text right under a table would be a table row
        text += "\n\n" + "\n".join(wrap(markdown_text(hidden_note(hidden, width)), width))
    return text
