"""`caseload verify`: read an output this tool wrote, and compare it with a recomputation.

The library half: reading the tables and the provenance back from a json, xlsx,
Parquet, CSV or NDJSON output (`read_output`), checking the recorded inputs (files by
SHA-256, a history store by `reports.provenance.store_sha256`) and scheme text
against what is on disk (`check_inputs`, `check_scheme_texts`), and listing what
differs (`compare_stamps`, `compare_tables`). `cli/verify.py` re-runs the recorded
command, or for CSV and NDJSON (which hold rows, not a command line) the one given
with `--command`.

Only commands whose output is a deterministic function of their inputs can be
verified (`VERIFIABLE`: every command that writes a report from inputs).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import shlex
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from caseload_cli.core.errors import InputError, UsageError
from caseload_cli.core.files import file_sha256
from caseload_cli.reports.provenance import STORE, input_path, store_sha256

#: The commands `verify` can recompute.
VERIFIABLE = (
    "load",
    "compare",
    "gap",
    "week",
    "trend",
    "scorecard",
    "hubs",
    "explain",
    "sweep",
    "survey",
    "validate",
)
#: The output formats `verify` reads.
READABLE = ("json", "xlsx", "parquet", "csv", "ndjson")
#: Formats that hold rows but no provenance: verified with the command given to verify.
ROWS_ONLY = ("csv", "ndjson")
#: The scheme's stamp columns, compared once for the whole table (`compare_stamps`).
SCHEME_STAMPS = ("scheme", "scheme_version", "scheme_fingerprint")
#: Row differences listed before the rest are counted.
SHOWN_ROWS = 20
#: Columns that name a row in a difference (the first present is used).
_ROW_KEYS = ("worker_id", "team", "service_area", "level", "category", "scheme", "label")


@dataclass
class Output:
    """An output as read back: its format, provenance (None when the format holds
    none: csv) and every table as rows of {column: value}."""

    path: str
    fmt: str
    provenance: dict[str, Any] | None
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def argv(self) -> list[str] | None:
        argv = (self.provenance or {}).get("argv")
        return [str(a) for a in argv] if argv else None

    def fingerprints(self) -> list[str]:
        """The schemes' fingerprints: from the provenance, else the rows' stamp column."""
        recorded = [str(s.get("fingerprint")) for s in (self.provenance or {}).get("schemes", [])]
        if recorded or self.provenance is not None:
            return recorded
        return stamp_values(self.tables.get("rows", []), "scheme_fingerprint")


def output_format_of(path: str) -> str:
    suffix = Path(path).suffix.lower().lstrip(".")
    fmt = {"xlsm": "xlsx", "pq": "parquet", "jsonl": "ndjson"}.get(suffix, suffix)
    if fmt not in READABLE:
        raise UsageError(
            f"verify reads {', '.join(READABLE)} outputs; {path} is not one "
            "(name it by its format's extension)"
        )
    return fmt


def read_output(path: str) -> Output:
    """The tables and provenance of an output written by this tool."""
    fmt = output_format_of(path)
    try:
        if fmt == "json":
            return _read_json(path)
        if fmt == "parquet":
            return _read_parquet(path)
        if fmt == "xlsx":
            return _read_xlsx(path)
        if fmt == "ndjson":
            return _read_ndjson(path)
        return _read_csv(path)
    except (OSError, UnicodeDecodeError) as problem:
        reason = getattr(problem, "strerror", None) or problem
        raise InputError(f"{path}: cannot read ({reason})") from None
    except (ValueError, KeyError) as problem:
        raise InputError(f"{path}: not a {fmt} output written by caseload ({problem})") from None


def _read_json(path: str) -> Output:
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(document, dict) or "rows" not in document:
        raise ValueError("no rows")
    tables = {"rows": document["rows"]}
    for name, rows in (document.get("sections") or {}).items():
        tables[f"sections.{name}"] = rows
    return Output(path, "json", document.get("provenance"), tables)


def _read_parquet(path: str) -> Output:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    metadata = table.schema.metadata or {}
    raw = metadata.get(b"caseload.provenance")
    facts = json.loads(raw.decode("utf-8")) if raw else None
    return Output(path, "parquet", facts, {"rows": table.to_pylist()})


def _read_csv(path: str) -> Output:
    text = Path(path).read_text(encoding="utf-8")
    return Output(path, "csv", None, {"rows": list(csv.DictReader(io.StringIO(text)))})


def _read_ndjson(path: str) -> Output:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    if not all(isinstance(row, dict) for row in rows):
        raise ValueError("a line is not a JSON object")
    return Output(path, "ndjson", None, {"rows": rows})


def _read_xlsx(path: str) -> Output:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    tables: dict[str, list[dict[str, Any]]] = {}
    about: list[tuple[str, Any]] = []
    for sheet in book.worksheets:
        values = [list(row) for row in sheet.iter_rows(values_only=True)]
        if sheet.title == "about":
            about = [(str(row[0]), row[1] if len(row) > 1 else None) for row in values[1:] if row]
            continue
        if not values:
            tables[sheet.title] = []
            continue
        header = [str(name) for name in values[0]]
        tables[sheet.title] = [dict(zip(header, row, strict=False)) for row in values[1:]]
    book.close()
    return Output(path, "xlsx", _about_provenance(about), tables)


def _about_provenance(rows: list[tuple[str, Any]]) -> dict[str, Any] | None:
    """The provenance from the `about` sheet's key/value rows (render/xlsx.py)."""
    values: dict[str, Any] = {}
    schemes: list[dict[str, Any]] = []
    inputs: dict[str, dict[str, Any]] = {}
    for key, value in rows:
        if key == "scheme":
            schemes.append({"name": value, "text": ""})
        elif key in ("scheme_version", "scheme_fingerprint") and schemes:
            schemes[-1][key.removeprefix("scheme_")] = value
        elif key == "scheme_text" and schemes:
            schemes[-1]["text"] += str(value or "")
        elif key.startswith("input."):
            kind, _, part = key.removeprefix("input.").partition(".")
            entry = inputs.setdefault(kind, {"kind": kind, "bundled": False, "rows": None})
            entry[part or "path"] = value
        else:
            values.setdefault(key, value)
    if "argv" not in values and not inputs:
        return None
    for entry in inputs.values():
        entry["bundled"] = bool(entry.get("bundled"))
    return {
        "export_schema_version": values.get("export_schema_version"),
        "argv": shlex.split(values["argv"]) if values.get("argv") else None,
        "snapshot": values.get("snapshot"),
        "snapshot_source": values.get("snapshot_source"),
        "inputs": list(inputs.values()),
        "schemes": schemes,
    }


# --------------------------------------------------------------------------- checks


def check_inputs(
    recorded: Sequence[dict[str, Any]], given: dict[str, str], folder: str | None = None
) -> tuple[dict[str, str], list[str]]:
    """Where each recorded input is now (`given` by kind, else the recorded path, else
    the file in `folder` with the recorded SHA-256) and the differences: a file whose
    SHA-256 is not the recorded one. A recorded input that cannot be found (or came from
    standard input) is an error naming the option to give."""
    unknown = sorted(set(given) - {entry["kind"] for entry in recorded})
    if unknown:
        kinds = ", ".join(entry["kind"] for entry in recorded) or "none"
        raise UsageError(f"the output records no {', '.join(unknown)} input (it records: {kinds})")
    hashes = _hashes(folder) if folder else {}
    located: dict[str, str] = {}
    differences: list[str] = []
    for entry in recorded:
        kind = entry["kind"]
        path = given.get(kind) or input_path(entry)
        if kind == STORE:
            located[kind] = path
            differences += _check_store(path, entry)
            continue
        if kind not in given and entry.get("sha256") in hashes and _moved(path, entry["sha256"]):
            path = hashes[entry["sha256"]]
        if path == "-" or not (Path(path).is_file() or Path(path).is_dir()):  # a pipe, a device
            where = "standard input" if path == "-" else path
            raise UsageError(
                f"input {kind} ({where}) cannot be read again: give it with --{kind} FILE"
                if kind in ("cases", "staff", "reductions")
                else f"input {kind} ({where}) cannot be read again: give --input {kind}=FILE"
            )
        now = file_sha256(path)
        if entry.get("sha256") and now != entry["sha256"]:
            differences.append(
                f"input {kind} {path}: sha256 differs "
                f"(recorded {entry['sha256'][:12]}…, now {now[:12]}…)"
            )
        located[kind] = path
    return located, differences


def _check_store(path: str, entry: dict[str, Any]) -> list[str]:
    """A recorded history store: its digest over the snapshots the output covered (the
    oldest `rows`; snapshots added since, dated later, do not count)."""
    from caseload_cli.store.layout import MARKER

    if not Path(path, MARKER).is_file():
        raise UsageError(
            f"input store ({path}) cannot be read again: give it with --input store=DIR"
        )
    snapshots = int(entry.get("rows") or 0)
    now = store_sha256(path, snapshots)
    if entry.get("sha256") and now != entry["sha256"]:
        return [
            f"input store {path}: sha256 of its first {snapshots} snapshots differs "
            f"(recorded {entry['sha256'][:12]}…, now {now[:12]}…)"
        ]
    return []


def store_as_recorded(path: str, snapshots: int, folder: str) -> str:
    """The store at `path` as an output saw it: when snapshots have been added since (dated
    later than the output's), a view in `folder` holding only the first `snapshots` (its
    marker copied, the manifests and partitions linked, never copied), so a command that
    reads the latest snapshot (`week`, `scorecard`, `trend`) reads the same ones again."""
    import os
    import shutil

    from caseload_cli.store.layout import MARKER, TABLES, manifest_path, partition, stored_dates

    store = Path(path)
    days = stored_dates(store)
    if len(days) <= snapshots:
        return path
    view = Path(folder) / "store-as-recorded"
    manifest_path(view, days[0]).parent.mkdir(parents=True)
    shutil.copyfile(store / MARKER, view / MARKER)
    for day in days[:snapshots]:
        os.symlink(manifest_path(store, day).resolve(), manifest_path(view, day))
        for table in TABLES:
            if partition(store, table, day).is_dir():
                partition(view, table, day).parent.mkdir(exist_ok=True)
                os.symlink(partition(store, table, day).resolve(), partition(view, table, day))
    return str(view)


def _moved(path: str, digest: str) -> bool:
    """True when `path` no longer holds the file whose SHA-256 is `digest`."""
    return path == "-" or not Path(path).exists() or file_sha256(path) != digest


def _hashes(folder: str) -> dict[str, str]:
    """SHA-256 -> path of every file in `folder` (not its subfolders), first by name."""
    found: dict[str, str] = {}
    if not Path(folder).is_dir():
        raise UsageError(f"--inputs-dir {folder}: not a folder")
    for path in sorted(Path(folder).iterdir()):
        if path.is_file():
            found.setdefault(file_sha256(str(path)), str(path))
    return found


def check_scheme_texts(schemes: Sequence[dict[str, Any]]) -> list[str]:
    """Problems with the recorded schemes themselves: a text missing, or one whose
    SHA-256 is not the recorded fingerprint (the output was edited)."""
    problems = []
    for scheme in schemes:
        text = scheme.get("text") or ""
        if not text:
            problems.append(f"scheme {scheme.get('name')}: the output records no scheme text")
        elif hashlib.sha256(text.encode()).hexdigest() != scheme.get("fingerprint"):
            problems.append(
                f"scheme {scheme.get('name')}: the recorded text does not hash to the recorded "
                f"fingerprint {str(scheme.get('fingerprint'))[:12]}… (the output was changed)"
            )
    return problems


def scheme_toml(text: str) -> str:
    """A TOML file with exactly the recorded scheme (same canonical text and fingerprint)."""
    from caseload_cli.scheme.model import Scheme, SchemeModel

    return Scheme(SchemeModel.model_validate(json.loads(text)), "recorded").to_toml()


# --------------------------------------------------------------------------- rows


def stamp_values(rows: Sequence[dict[str, Any]], column: str) -> list[str]:
    """The distinct values of a stamp column, in order of first appearance."""
    return list(dict.fromkeys(str(row.get(column) or "") for row in rows if column in row))


def compare_stamps(
    recorded: Sequence[dict[str, Any]], now: Sequence[dict[str, Any]]
) -> tuple[list[str], set[str]]:
    """For outputs without provenance (CSV, NDJSON): one line when the rows' scheme stamp
    (name, version, fingerprint) differs from the recomputed rows', one when their
    snapshot date does, and the columns said so, left out of the row-by-row comparison
    so each row lists only its own values."""
    lines: list[str] = []
    differing: set[str] = set()
    before, after = _scheme_stamp(recorded), _scheme_stamp(now)
    if before and after and before != after:
        lines.append(
            f"scheme: the output's rows carry {before}, the command now gives {after} "
            "(the scheme changed since, or another was named)"
        )
        differing.update(SCHEME_STAMPS)
    dates, again = stamp_values(recorded, "snapshot"), stamp_values(now, "snapshot")
    if len(dates) == len(again) == 1 and dates != again:  # a series (trend): row by row
        lines.append(
            f"snapshot: the output was counted at {dates[0]}, the recomputation at "
            f"{again[0]} (cases without a snapshot column are counted at today's date "
            f"unless the command gives --snapshot {dates[0]})"
        )
        differing.add("snapshot")
    return lines, differing


def _scheme_stamp(rows: Sequence[dict[str, Any]]) -> str:
    """`flat 1.0 (0aa6096a451d…)`: the rows' scheme stamp as one text ("" without one)."""
    names, versions, prints = (stamp_values(rows, column) for column in SCHEME_STAMPS)
    if not prints:
        return ""
    shown = zip(names or [""] * len(prints), versions or [""] * len(prints), prints, strict=False)
    return " | ".join(f"{name} {version} ({digest[:12]}…)" for name, version, digest in shown)


def compare_tables(
    recorded: dict[str, list[dict[str, Any]]],
    now: dict[str, list[dict[str, Any]]],
    skip: Collection[str] = (),
) -> list[str]:
    """Every difference between two outputs' tables, table by table: tables only in one,
    columns that differ, row counts, then each row whose values differ (the first
    `SHOWN_ROWS` rows named, the rest counted), leaving out the columns in `skip`."""
    lines: list[str] = []
    for name in [*recorded, *(n for n in now if n not in recorded)]:
        if name not in now:
            lines.append(f"table {name}: in the output, not in the recomputation")
            continue
        if name not in recorded:
            lines.append(f"table {name}: in the recomputation, not in the output")
            continue
        lines.extend(_compare_rows(name, recorded[name], now[name], skip))
    return lines


def _compare_rows(
    name: str, old: list[dict[str, Any]], new: list[dict[str, Any]], skip: Collection[str] = ()
) -> list[str]:
    lines: list[str] = []
    old_columns = list(old[0]) if old else []
    new_columns = list(new[0]) if new else []
    if old and new and old_columns != new_columns:
        lines.append(
            f"table {name}: columns differ (output: {', '.join(old_columns)}; "
            f"recomputed: {', '.join(new_columns)})"
        )
        return lines
    if len(old) != len(new):
        lines.append(f"table {name}: {len(old)} rows in the output, {len(new)} recomputed")
    differing = []
    for number, (before, after) in enumerate(zip(old, new, strict=False), start=1):
        cells = [
            f"{column} {_shown(before.get(column))} → {_shown(after.get(column))}"
            for column in old_columns
            if column not in skip and not _same(before.get(column), after.get(column))
        ]
        if cells:
            differing.append(f"table {name} row {number}{_row_name(before)}: " + "; ".join(cells))
    lines.extend(differing[:SHOWN_ROWS])
    if len(differing) > SHOWN_ROWS:
        lines.append(f"table {name}: … and {len(differing) - SHOWN_ROWS} more rows differ")
    return lines


def _row_name(row: dict[str, Any]) -> str:
    for key in _ROW_KEYS:
        if row.get(key) not in (None, ""):
            return f" ({key} {row[key]})"
    return ""


def _same(one: Any, two: Any) -> bool:
    if isinstance(one, float) and isinstance(two, float) and math.isnan(one) and math.isnan(two):
        return True
    return bool(one == two)


def _shown(value: Any) -> str:
    return "(blank)" if value is None or value == "" else repr(value)
