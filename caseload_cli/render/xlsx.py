"""xlsx: one sheet per table plus an `about` sheet, with typed cells, band fills and charts.

For people who open results in Excel: numbers stay numbers (shown with the
report's decimals), text is never a formula, sheet names are Excel-safe, and
a section's charts are drawn on its sheet. Bytes are reproducible
(`core.files.new_workbook` / `workbook_bytes`).

Every sheet prints on A4 landscape, one page wide (as many pages down as it
takes), with the header row repeated on each page, the report title in the page
header, and the sheet name and "Page N of M" in the footer. Percentages (`*_pct` columns)
keep their values (87.16 means 87.16 %) and show a % sign (`0.0"%"`).
"""

from __future__ import annotations

import datetime as _dt
import decimal
import json
import math
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from caseload_cli.core.files import new_workbook, workbook_bytes
from caseload_cli.core.model import MAIN
from caseload_cli.render.cells import (
    Column,
    band_colour,
    band_position,
    display_columns,
    display_text,
    ink_for,
    jsonable,
    typed_columns,
)
from caseload_cli.render.charts import chart_colours, section_charts
from caseload_cli.render.stamps import main_parts, provenance, section_heading
from caseload_cli.render.xlsx_charts import add_xlsx_chart, add_xlsx_lines, lines_table

if TYPE_CHECKING:
    import pandas as pd

    from caseload_cli.core.model import Chart, Report

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(wanted: str, used: set[str]) -> str:
    """An Excel-safe sheet name: no []:*?/\\, not quoted, at most 31 chars, unique."""
    base = _SHEET_BAD.sub(" ", str(wanted))
    base = re.sub(r"\s+", " ", base).strip().strip("'").strip() or "sheet"
    if base.casefold() == "history":  # reserved by Excel
        base = "history_"
    name = base[:31]
    counter = 2
    while name.casefold() in used:
        suffix = f" ({counter})"
        name = base[: 31 - len(suffix)].rstrip() + suffix
        counter += 1
    used.add(name.casefold())
    return name


def _xlsx_text(value: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)


def _xlsx_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | decimal.Decimal):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else (None if math.isnan(value) else repr(value))
    if isinstance(value, str):
        return _xlsx_text(value)
    if isinstance(value, _dt.datetime) and value.tzinfo is not None:
        return value.isoformat()  # Excel has no time zones: keep the exact text
    if isinstance(value, _dt.date):
        return value
    return _xlsx_text(str(value))


def _xlsx_cell(ws: Any, value: Any, number_format: str | None = None, **style: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    if number_format and not isinstance(value, str):
        cell.number_format = number_format
    for key, setting in style.items():
        setattr(cell, key, setting)
    return cell


def _number_format(column: Column) -> str | None:
    if column.name.lower().endswith("_pct") and column.numeric:
        places = 0 if column.kind == "int" else column.decimals
        return ("0." + "0" * places if places else "0") + '"%"'  # 87.16 shows as 87.2%
    if column.kind == "float" or (column.kind == "object" and column.numeric):
        return "0." + "0" * column.decimals
    if column.kind == "date":
        return "yyyy-mm-dd"
    if column.kind == "datetime":
        return "yyyy-mm-dd hh:mm:ss"
    return None  # object columns with dates get a per-value format in _xlsx_sheet


def _header_footer_text(text: str) -> str:
    """Literal text for an Excel page header/footer section ('&' starts a code there)."""
    return _xlsx_text(text).replace("&", "&&")[:100]


def _print_setup(ws: Any, title: str) -> None:
    """A4 landscape, one page wide, header row on every page, title and page numbers."""
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4 (Worksheet.PAPERSIZE_A4)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as needed
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.25
    ws.print_title_rows = "1:1"
    if title:
        ws.oddHeader.center.text = _header_footer_text(title)
    ws.oddFooter.left.text = _header_footer_text(ws.title)
    ws.oddFooter.right.text = "Page &P of &N"


def _xlsx_sheet(
    wb: Any, name: str, frame: pd.DataFrame, report: Report, charts: Sequence[Chart] = ()
) -> Any:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(name)
    _print_setup(ws, report.title)
    columns = typed_columns(frame, report.decimals)
    if not columns:
        return ws
    display = display_columns(columns)
    for position, (column, texts) in enumerate(zip(columns, display, strict=True), start=1):
        longest = max([len(column.name), *(len(t) for t in texts)])
        width = min(max(longest + 2, 8), 60)
        ws.column_dimensions[get_column_letter(position)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(frame) + 1}"
    drawn = [chart for chart in charts if chart.kind != "lines"]  # lines get a sheet each
    for number, chart in enumerate(drawn):
        add_xlsx_chart(ws, chart, frame, number, chart_colours(report, frame, partial=True))

    bold = Font(bold=True)
    ws.append([_xlsx_cell(ws, _xlsx_text(c.name), font=bold) for c in columns])
    formats = [_number_format(c) for c in columns]
    band_at = band_position(report, columns)
    fills: dict[str, tuple[Any, Any]] = {}
    for colour in (
        {band_colour(report, v) for v in columns[band_at].values} if band_at is not None else ()
    ):
        if colour:
            hex_rgb = "FF" + colour[1:].upper()
            fills[colour] = (
                PatternFill(fill_type="solid", start_color=hex_rgb, end_color=hex_rgb),
                Font(color="FF" + ink_for(colour)[1:].upper()),
            )
    for r in range(len(frame)):
        row = []
        for i, column in enumerate(columns):
            raw = column.values[r]
            value = _xlsx_value(raw)
            fmt = formats[i]
            if fmt is None and isinstance(value, _dt.date):
                fmt = "yyyy-mm-dd hh:mm:ss" if isinstance(value, _dt.datetime) else "yyyy-mm-dd"
            if i == band_at and (colour := band_colour(report, raw)):
                fill, ink = fills[colour]
                row.append(_xlsx_cell(ws, value, fmt, fill=fill, font=ink))
            else:
                row.append(_xlsx_cell(ws, value, fmt))
        ws.append(row)
    return ws


def _about_rows(report: Report) -> list[tuple[str, Any]]:
    from caseload_cli import __version__

    rows: list[tuple[str, Any]] = [("title", report.title)]
    for stamp in report.schemes:
        rows += [
            ("scheme", stamp.name),
            ("scheme_version", stamp.version),
            ("scheme_title", stamp.title),
            ("scheme_fingerprint", stamp.fingerprint),
            ("unit", getattr(stamp, "unit", "cases")),
        ]
        rows += [("scheme_override", change) for change in getattr(stamp, "overrides", ())]
        rows += _scheme_text_rows(getattr(stamp, "canonical", ""))
    for group, mapping in (("accounting", report.accounting), ("metadata", report.metadata)):
        for key, value in mapping.items():
            value = jsonable(value)
            if isinstance(value, dict | list):
                value = json.dumps(value, ensure_ascii=False)
            rows.append((f"{group}.{key}", value))
    rows += [("note", str(note)) for note in report.notes]
    rows.append(("caseload_cli", __version__))
    rows += _provenance_rows(report)
    return rows


#: An Excel cell holds at most 32,767 characters: longer scheme text continues on
#: further `scheme_text` rows (join them in order to get the text back).
_CELL_TEXT = 32_000


def _scheme_text_rows(text: str) -> list[tuple[str, Any]]:
    """The scheme's canonical text (SHA-256 = its fingerprint), in cell-sized rows."""
    return [("scheme_text", text[at : at + _CELL_TEXT]) for at in range(0, len(text), _CELL_TEXT)]


def _provenance_rows(report: Report) -> list[tuple[str, Any]]:
    """export_schema_version, the command line, the snapshot and how it was chosen, and
    `input.KIND`, `input.KIND.sha256`, `input.KIND.rows` for every input file."""
    import shlex

    facts = provenance(report)
    rows: list[tuple[str, Any]] = [("export_schema_version", facts["export_schema_version"])]
    if facts["argv"] is not None:
        rows.append(("argv", shlex.join(facts["argv"])))
    if facts["snapshot"]:
        rows.append(("snapshot", facts["snapshot"]))
    if facts["snapshot_source"]:
        rows.append(("snapshot_source", facts["snapshot_source"]))
    for item in facts["inputs"]:
        kind = f"input.{item['kind']}"
        rows += [(kind, item["path"]), (f"{kind}.sha256", item["sha256"])]
        if item.get("rows") is not None:
            rows.append((f"{kind}.rows", item["rows"]))
        if item.get("bundled"):
            rows.append((f"{kind}.bundled", True))
    return rows


def render_xlsx(report: Report) -> bytes:
    """The main table, one sheet per section, and an `about` sheet with stamp and notes."""
    from openpyxl.styles import Font

    charts = {key: section_charts(report, key) for key in report.sections}  # checked first
    wb = new_workbook(_xlsx_text(report.title)[:255])
    used = {"about"}
    main = str(report.metadata.get("sheet") or "report")
    lines = []
    for heading, part in main_parts(report):
        part_charts = section_charts(report, MAIN, part)
        name = _sheet_name(heading if heading is not None else main, used)
        _xlsx_sheet(wb, name, part, report, part_charts)
        lines += [(name, chart, part) for chart in part_charts if chart.kind == "lines"]
    for key, frame in report.sections.items():
        name = _sheet_name(section_heading(key), used)
        _xlsx_sheet(wb, name, frame, report, charts[key])
        lines += [(name, chart, frame) for chart in charts[key] if chart.kind == "lines"]
    for name, chart, frame in lines:
        wide = lines_table(chart, frame)
        sheet = _sheet_name(f"{name} chart", used)
        ws = _xlsx_sheet(wb, sheet, wide, replace(report, band_column=None))
        add_xlsx_lines(ws, chart, wide)

    about = wb.create_sheet("about")
    _print_setup(about, report.title)
    rows = _about_rows(report)
    about.column_dimensions["A"].width = max(len(k) for k, _ in rows) + 2
    about.column_dimensions["B"].width = min(max(len(display_text(v, 2)) for _, v in rows) + 2, 100)
    bold = Font(bold=True)
    about.append([_xlsx_cell(about, "key", font=bold), _xlsx_cell(about, "value", font=bold)])
    for key, value in rows:
        about.append([_xlsx_cell(about, _xlsx_text(key)), _xlsx_cell(about, _xlsx_value(value))])

    return workbook_bytes(wb)
