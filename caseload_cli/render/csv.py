"""CSV: the main table only, full precision, stamp columns on every row, formulas defused.

Written by hand (RFC 4180) rather than with the csv module so that a lone
carriage return is quoted too and a row of one empty field is not a blank
line readers skip.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from caseload_cli.render.cells import (
    Column,
    machine_text,
    neutralise,
    neutralise_frame,
    typed_columns,
)
from caseload_cli.render.stamps import stamp_columns

if TYPE_CHECKING:
    from caseload_cli.core.model import Report

_CSV_SPECIAL = re.compile(r'[,"\r\n]')


def render_csv(report: Report) -> str:
    """The main table as CSV, ending with the stamp columns (`stamps.STAMP_FIELDS`)."""
    columns = typed_columns(neutralise_frame(report.rows))
    names = [c.name for c in columns]
    extra = stamp_columns(report, names)
    names += [name for name, _ in extra]
    stamp = [neutralise(value) for _, value in extra]
    if not names:
        return ""
    texts = [_csv_texts(c) for c in columns]
    stamp_fields = [_csv_field(v) for v in stamp]
    lines = [_csv_line([_csv_field(n) for n in names])]
    lines += [_csv_line([*row, *stamp_fields]) for row in zip(*texts, strict=True)]
    if not columns:  # zip(*[]) yields nothing: still one line per row
        lines += [_csv_line(stamp_fields)] * len(report.rows)
    return "".join(lines)


def _csv_texts(column: Column) -> list[str]:
    """`_csv_field(machine_text(v))` of each value, without asking each cell what it is
    when the column's kind says (numbers never need quoting) and converting each
    distinct piece of text once."""
    values = column.values
    if column.kind == "int":
        return ["" if v is None else str(v) for v in values]
    if column.kind == "float":  # missing and NaN are None; repr has no comma or quote
        return ["" if v is None else repr(v) for v in values]
    done: dict[str, str] = {}
    texts = []
    for v in values:
        if type(v) is str:
            text = done.get(v)
            if text is None:
                text = done[v] = _csv_field(v)
        else:
            text = _csv_field(machine_text(v))
        texts.append(text)
    return texts


def _csv_field(text: str | None) -> str:
    """RFC 4180 quoting; also quotes a lone CR, which the csv module leaves bare."""
    if not text:
        return ""
    if _CSV_SPECIAL.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_line(fields: list[str]) -> str:
    if fields == [""]:  # a blank line would be skipped by readers
        return '""\n'
    return ",".join(fields) + "\n"
