"""What every output says besides its rows: scheme stamps, footers and section headings.

A report must always say which scheme made it and account for its input
rows, in every format; the wording and the stamp columns live here so the
writers cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from caseload_cli.core.accounting import accounting_lines
from caseload_cli.core.errors import CaseloadError

if TYPE_CHECKING:
    import pandas as pd

    from caseload_cli.core.model import Report

#: The version of the export contract (docs/export-schema.md, caseload_cli/schemas/):
#: raised when a column is renamed, removed or changes type, never for an added column.
EXPORT_SCHEMA_VERSION = "1"

#: Stamp columns added, in this order, at the end of every CSV row, every NDJSON record
#: and every Parquet row (real columns, so appending files into a dataset keeps them).
STAMP_FIELDS = ("scheme", "scheme_version", "scheme_fingerprint", "unit", "snapshot")

_ACRONYMS = {"fca", "fcas", "eit", "wafh", "wtfh", "fte", "ps", "asm"}


def stamp_line(stamp: Any) -> str:
    """`Scheme: flat v1.0 (Flat weighting) sha256:...` for footers."""
    version = str(stamp.version)
    version = version if version[:1] in ("v", "V") else f"v{version}"
    title = f" ({stamp.title})" if stamp.title else ""
    changed = getattr(stamp, "overrides", ())
    changes = f", changed by --set {'; '.join(changed)}" if changed else ""
    unit = f", loads in {getattr(stamp, 'unit', 'cases')}"
    return f"Scheme: {stamp.name} {version}{title}{changes}{unit} sha256:{stamp.fingerprint}"


def stamp_values(report: Report) -> list[str]:
    """Values of the scheme/scheme_version/scheme_fingerprint columns (several schemes
    joined with ' | ') and of the snapshot column (YYYY-MM-DD, empty when the report
    has no snapshot date)."""
    return [
        " | ".join(str(s.name) for s in report.schemes),
        " | ".join(str(s.version) for s in report.schemes),
        " | ".join(str(s.fingerprint) for s in report.schemes),
        " | ".join(str(getattr(s, "unit", "cases")) for s in report.schemes),
        snapshot_of(report),
    ]


def snapshot_of(report: Report) -> str:
    """The date the report's caseload was taken at, as YYYY-MM-DD ("" when none)."""
    value = report.metadata.get("snapshot")
    if value is None or value == "":
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def provenance(report: Report) -> dict[str, Any]:
    """Everything needed to check an output, in a fixed key order and without any
    clock time: export schema and tool versions, the command line, the snapshot date
    and how it was chosen, each input file's SHA-256 and rows, and each scheme's
    canonical text (whose SHA-256 is its fingerprint). `report.provenance` supplies
    what only the run knows (inputs, argv, snapshot_source)."""
    from caseload_cli import __version__

    given = report.provenance
    source = given.get("snapshot_source") or report.metadata.get("snapshot_source") or None
    return {
        "export_schema_version": EXPORT_SCHEMA_VERSION,
        "tool": {"name": "caseload_cli", "version": __version__},
        "argv": list(given["argv"]) if given.get("argv") is not None else None,
        "snapshot": snapshot_of(report) or None,
        "snapshot_source": source,
        "inputs": [dict(item) for item in given.get("inputs", [])],
        "schemes": [
            {
                "name": s.name,
                "version": s.version,
                "fingerprint": s.fingerprint,
                "unit": getattr(s, "unit", "cases"),
                "overrides": list(getattr(s, "overrides", ())),
                "text": getattr(s, "canonical", "") or None,
            }
            for s in report.schemes
        ],
    }


def provenance_lines(report: Report, inputs: bool = True) -> list[str]:
    """The footer's provenance: the snapshot date and how it was chosen, the tool and
    export schema versions, then (with `inputs`) each input file's rows and SHA-256
    and the command line."""
    facts = provenance(report)
    lines = []
    if facts["snapshot"]:
        how = f" ({facts['snapshot_source']})" if facts["snapshot_source"] else ""
        lines.append(f"Snapshot: {facts['snapshot']}{how}")
    if not inputs:
        return lines
    lines.append(
        f"Made by caseload_cli {facts['tool']['version']} "
        f"(export schema {facts['export_schema_version']})"
    )
    for item in facts["inputs"]:
        unit = "snapshots" if item["kind"] == "store" else "rows"  # a history store
        rows = f", {item['rows']:,} {unit}" if item.get("rows") is not None else ""
        where = f"{item['path']} (bundled sample)" if item.get("bundled") else item["path"]
        digest = f", sha256:{item['sha256']}" if item.get("sha256") else ""
        lines.append(f"Input {item['kind']}: {where}{rows}{digest}")
    if facts["argv"]:
        import shlex

        lines.append("Command: " + shlex.join(facts["argv"]))
    return lines


def check_stamp_columns(names: Iterable[str]) -> None:
    """Refuse rows that already have a scheme column the stamp would add (a `snapshot`
    column of their own is kept instead: `stamp_columns`)."""
    clash = sorted((set(STAMP_FIELDS) - {"snapshot"}) & set(names))
    if clash:
        raise CaseloadError(f"report rows already have stamp column(s) {', '.join(clash)}")


def stamp_columns(report: Report, names: Iterable[str]) -> list[tuple[str, str]]:
    """The stamp columns to add after the columns `names`, with their one value each:
    every `STAMP_FIELDS` column, except `snapshot` when the rows carry their own (trend:
    a snapshot date per row). None without a scheme."""
    if not report.schemes:
        return []
    names = list(names)
    check_stamp_columns(names)
    pairs = zip(STAMP_FIELDS, stamp_values(report), strict=True)
    return [(name, value) for name, value in pairs if name not in names]


def stamp_json(report: Report) -> tuple[str, Any]:
    """The JSON key and value of the stamp: one `scheme` object, or a `schemes` list."""
    if len(report.schemes) == 1:
        return "scheme", report.schemes[0].as_dict()
    return "schemes", [s.as_dict() for s in report.schemes]


def footer_lines(report: Report, inputs: bool = False) -> list[str]:
    """Stamp lines, provenance lines (`provenance_lines`: the snapshot, and with `inputs`
    (html, markdown) the versions, input files and command line), then accounting
    lines, then notes: the footer of human formats."""
    lines = [stamp_line(s) for s in report.schemes]
    lines.extend(provenance_lines(report, inputs))
    lines.extend(accounting_lines(report.accounting))
    lines.extend(str(note) for note in report.notes)
    return lines


def section_heading(key: str) -> str:
    """`by_team` -> `By team`."""
    words = str(key).replace("_", " ").strip().split(" ")
    words = [w.upper() if w.lower() in _ACRONYMS else w for w in words]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def main_parts(report: Report) -> list[tuple[str | None, pd.DataFrame]]:
    """The main table whole (heading None), or one part per value of `report.split_by` (in order of
    first appearance) when it has several, each headed by its value."""
    column = report.split_by
    if not column or column not in report.rows.columns:
        return [(None, report.rows)]
    values = report.rows[column].astype("object")
    if values.nunique(dropna=False) < 2:
        return [(None, report.rows)]
    keys = values.fillna("(none)").astype("str")
    return [
        (str(key), report.rows[keys.to_numpy() == key].reset_index(drop=True))
        for key in dict.fromkeys(keys.tolist())
    ]
