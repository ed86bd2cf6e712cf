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
    EXPORT_SCHEMA_VERSION,
    provenance,
    stamp_columns,
    stamp_json,
)

if TYPE_CHECKING:
    from caseload_cli.core.model import Report


def _records(columns: list[Column], convert: Callable[[Any], Any]) -> list[dict[str, Any]]:
    names = [c.name for c in columns]
    converted = [[convert(v) for v in c.values] for c in columns]
    return [dict(zip(names, row, strict=True)) for row in zip(*converted, strict=True)]


def render_json(report: Report) -> str:
    """Export schema version, title, stamp, accounting, metadata, provenance, notes, rows
    and sections in one document."""
    key, stamp = stamp_json(report)
    document = {
        "export_schema_version": EXPORT_SCHEMA_VERSION,
        "title": report.title,
        key: stamp,
        "accounting": jsonable(dict(report.accounting)),
        "metadata": jsonable(dict(report.metadata)),
        "provenance": jsonable(provenance(report)),
        "notes": [str(n) for n in report.notes],
        "rows": _records(typed_columns(report.rows), json_value),
        "sections": {
            str(name): _records(typed_columns(frame), json_value)
            for name, frame in report.sections.items()
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def render_ndjson(report: Report) -> str:
    """One JSON object per main-table row, each ending with the stamp fields
    (`stamps.STAMP_FIELDS`)."""
    columns = typed_columns(report.rows)
    records = _records(columns, json_value)
    if not columns:
        records = [{} for _ in range(len(report.rows))]
    extra = dict(stamp_columns(report, [c.name for c in columns]))
    if extra:
        records = [{**r, **extra} for r in records]
    return "".join(json.dumps(r, ensure_ascii=False, allow_nan=False) + "\n" for r in records)
