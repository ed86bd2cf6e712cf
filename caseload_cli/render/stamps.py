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

#: Stamp columns added to CSV and fields added to every NDJSON record.
STAMP_FIELDS = ("scheme", "scheme_version", "scheme_fingerprint")

_ACRONYMS = {"fca", "fcas", "eit", "wafh", "wtfh", "fte", "ps", "asm"}


def stamp_line(stamp: Any) -> str:
    """`Scheme: flat v1.0 (Flat weighting) sha256:...` for footers."""
    version = str(stamp.version)
    version = version if version[:1] in ("v", "V") else f"v{version}"
    title = f" ({stamp.title})" if stamp.title else ""
    changed = getattr(stamp, "overrides", ())
    changes = f", changed by --set {'; '.join(changed)}" if changed else ""
    return f"Scheme: {stamp.name} {version}{title}{changes} sha256:{stamp.fingerprint}"


def stamp_values(report: Report) -> list[str]:
    """Values of the scheme/scheme_version/scheme_fingerprint columns (joined with ' | ')."""
    return [
        " | ".join(str(s.name) for s in report.schemes),
        " | ".join(str(s.version) for s in report.schemes),
        " | ".join(str(s.fingerprint) for s in report.schemes),
    ]


def check_stamp_columns(names: Iterable[str]) -> None:
    """Refuse rows that already have a column the stamp would add."""
    clash = sorted(set(STAMP_FIELDS) & set(names))
    if clash:
        raise CaseloadError(f"report rows already have stamp column(s) {', '.join(clash)}")


def stamp_json(report: Report) -> tuple[str, Any]:
    """The JSON key and value of the stamp: one `scheme` object, or a `schemes` list."""
    if len(report.schemes) == 1:
        return "scheme", report.schemes[0].as_dict()
    return "schemes", [s.as_dict() for s in report.schemes]


def footer_lines(report: Report) -> list[str]:
    """Stamp lines, then accounting lines, then notes: the footer of human formats."""
    lines = [stamp_line(s) for s in report.schemes]
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
