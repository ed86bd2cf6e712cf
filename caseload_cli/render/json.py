"""JSON (one document with every table) and NDJSON (one stamped record per main-table row).

Both keep full precision and write missing and non-finite values as null,
so the output always parses with a strict JSON reader.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from caseload_cli.render.cells import Column, json_value, jsonable, typed_columns
from caseload_cli.render.stamps import (
    STAMP_FIELDS,
    check_stamp_columns,
    stamp_json,
    stamp_values,
)

if TYPE_CHECKING:
    from caseload_cli.core.model import Report


def _records(columns: list[Column], convert: Callable[[Any], Any]) -> list[dict[str, Any]]:
    names = [c.name for c in columns]
    converted = [[convert(v) for v in c.values] for c in columns]
    return [dict(zip(names, row, strict=True)) for row in zip(*converted, strict=True)]


def render_json(report: Report) -> str:
    """Title, stamp, accounting, metadata, notes, rows and sections in one document."""
    key, stamp = stamp_json(report)
    document = {
        "title": report.title,
        key: stamp,
        "accounting": jsonable(dict(report.accounting)),
        "metadata": jsonable(dict(report.metadata)),
        "notes": [str(n) for n in report.notes],
        "rows": _records(typed_columns(report.rows), json_value),
        "sections": {
            str(name): _records(typed_columns(frame), json_value)
            for name, frame in report.sections.items()
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def render_ndjson(report: Report) -> str:
    """One JSON object per main-table row, each carrying the scheme stamp fields."""
    columns = typed_columns(report.rows)
    records = _records(columns, json_value)
    if not columns:
        records = [{} for _ in range(len(report.rows))]
    if report.schemes:
        check_stamp_columns(c.name for c in columns)
        extra = dict(zip(STAMP_FIELDS, stamp_values(report), strict=True))
        records = [{**r, **extra} for r in records]
    return "".join(json.dumps(r, ensure_ascii=False, allow_nan=False) + "\n" for r in records)
