"""Markdown: GitHub tables under `#`/`##` headings, footer as a list, for pasting into docs.

Text is escaped so that pipes, backslashes and raw HTML in the data show
literally instead of breaking the table or the page it is pasted into.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from caseload_cli.render.charts import with_text_bars
from caseload_cli.render.stamps import footer_lines, section_heading
from caseload_cli.render.table import table_block

if TYPE_CHECKING:
    from caseload_cli.core.model import Report


def _markdown_text(text: str) -> str:
    """Escape text for a markdown table cell or line (raw HTML and pipes shown literally)."""
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "\\<")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


def render_markdown(report: Report) -> str:
    """Title, main table, one `##` section per extra table (its charts drawn as text
    bars), then the footer as a list."""
    parts = [f"# {_markdown_text(report.title)}"] if report.title else []
    parts.append(table_block(report, report.rows, "github", _markdown_text, False))
    for name, frame in report.sections.items():
        parts.append(f"## {_markdown_text(section_heading(name))}")
        shown = with_text_bars(report, name, frame)
        parts.append(table_block(report, shown, "github", _markdown_text, False))
    footer = footer_lines(report)
    if footer:
        parts.append("\n".join(f"- {_markdown_text(line)}" for line in footer))
    return "\n\n".join(parts) + "\n"
