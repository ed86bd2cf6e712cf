"""Add, load, list and remove snapshots: the validated inputs of one week each.

What is kept is the inputs, not weighed results, so any scheme can be applied
to any past week later. A snapshot is validated against the schemes it must
be weighable by (their names and fingerprints are in its manifest); loading
it for another scheme checks that scheme knows every code, modifier and
reduction reason the stored rows use, rather than weighing blanks as zero.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from caseload_cli import __version__
from caseload_cli.contract.activities import no_activities_notes
from caseload_cli.contract.rejections import REJECT_COLUMNS
from caseload_cli.contract.validate import ValidInputs
from caseload_cli.core import clock
from caseload_cli.core.files import file_sha256
from caseload_cli.core.vocabulary import LAWS
from caseload_cli.scheme.model import Scheme
from caseload_cli.store.commit import JOURNAL, MANIFEST, drop, recover, stage
from caseload_cli.store.frames import as_int32, from_arrow, to_arrow
from caseload_cli.store.layout import (
    FORMAT_VERSION,
    PART,
    PENDING_PREFIX,
    TABLES,
    StoreError,
    find_date,
    locked,
    manifest_path,
    partition,
    store_at,
    stored_dates,
)
from caseload_cli.store.schemes import check_schemes, recode_for

#: Case columns the engine reads as categoricals.
CASE_CATEGORIES = frozenset({"worker_id", "law", "case_type", "stage"})
#: The cases' own `snapshot` column is stored under this name: `snapshot` is the
#: partition key, and readers refuse a file column that clashes with it.
FILE_SNAPSHOT = "snapshot_in_file"


def open_store(path: str | Path, create: bool = False) -> Path:
    """The store at `path` (with `create`, a new or empty folder becomes one), with any
    change a killed process had committed finished first."""
    store = store_at(path, create)
    if any(store.glob(f"{PENDING_PREFIX}*/{JOURNAL}")):
        with locked(store):
            recover(store)
    return store


@dataclass(frozen=True)
class Added:
    """What `add_snapshot` did: the new manifest, and the one it replaced (if any)."""

    manifest: dict[str, Any]
    replaced: dict[str, Any] | None


def add_snapshot(
    store: Path, valid: ValidInputs, sources: dict[str, str | None], schemes: list[Scheme]
) -> Added:
    """Store `valid` as the snapshot of its date, replacing any stored for that date.

    `sources` maps cases/staff/reductions to the files read (None: not given)."""
    day = valid.snapshot
    previous = read_manifest(store, day) if day in stored_dates(store) else None
    manifest = _manifest(valid, sources, schemes)
    frames = {
        "cases": valid.cases.rename(columns={"snapshot": FILE_SNAPSHOT}),
        "staff": valid.staff,
        "reductions": valid.reductions,
        "rejects": valid.rejects.astype({"row": "int64"}).astype(
            {c: "str" for c in REJECT_COLUMNS if c != "row"}
        ),
    }

    def write(folder: Path) -> None:
        for table in TABLES:
            (folder / table).mkdir()
            pq.write_table(to_arrow(frames[table]), folder / table / PART, compression="zstd")
        text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
        (folder / MANIFEST).write_text(text, encoding="utf-8")

    stage(store, day, write)
    return Added(manifest, previous)


def _manifest(
    valid: ValidInputs, sources: dict[str, str | None], schemes: list[Scheme]
) -> dict[str, Any]:
    def source(path: str | None) -> dict[str, str | None] | None:
        if path is None:
            return None
        return {"path": path, "sha256": None if path == "-" else file_sha256(path)}

    cases = valid.cases
    return {
        "format_version": FORMAT_VERSION,
        "snapshot": valid.snapshot.isoformat(),
        "snapshot_source": valid.snapshot_source,
        "added_at": clock.now_utc().isoformat(timespec="seconds"),
        "tool": {"name": "caseload_cli", "version": __version__},
        "sources": {kind: source(sources.get(kind)) for kind in ("cases", "staff", "reductions")},
        "rows": {
            "cases": len(cases),
            "staff": len(valid.staff),
            "reductions": len(valid.reductions),
            "rejects": len(valid.rejects),
        },
        "accounting": dict(valid.accounting),
        # Weighing notes are made when a snapshot is read back; a store holds no activities.
        "notes": [n for n in valid.notes if n not in no_activities_notes(schemes, False)],
        "validated_with": [s.stamp.as_dict() for s in schemes],
        "codes": {c: [str(v) for v in cases[c].cat.categories] for c in ("case_type", "stage")},
        "flags": [c for c in cases.columns if cases[c].dtype == bool],
        "reduction_caps": {
            reason: min(s.model.reductions[reason].max_percent for s in schemes)
            for reason in sorted(set.intersection(*(set(s.model.reductions) for s in schemes)))
        },
    }


def read_manifest(store: Path, day: date) -> dict[str, Any]:
    try:
        return json.loads(manifest_path(store, day).read_text(encoding="utf-8"))
    except (OSError, ValueError) as problem:
        raise StoreError(f"snapshot {day} in {store}: unreadable manifest ({problem})") from None


def load_staff(store: Path, day: date) -> pd.DataFrame:
    """The stored staff of `day` alone (a few thousand rows at most)."""
    return from_arrow(pq.read_table(partition(store, "staff", day) / PART))


def load_snapshot(
    store: Path,
    day: date | str,
    schemes: list[Scheme] | None = None,
    workers: Collection[str] | None = None,
    staff: pd.DataFrame | None = None,
) -> ValidInputs:
    """The stored inputs of `day`, ready to weigh: exactly what validating the
    original files gave. With `schemes`, the codes are re-based on theirs (as
    validation does) after checking they can weigh every stored row. With
    `workers`, only the cases those workers hold are read (the row groups and
    pages of other workers are skipped) and no rejects: enough to weigh them, not
    to account for the snapshot (its accounting is still the whole snapshot's).
    `staff`: the day's staff as `load_staff` gave them, not to read them twice."""
    if isinstance(day, str):
        day = find_date(store, day)
    elif day not in stored_dates(store):
        find_date(store, day.isoformat())
    manifest = read_manifest(store, day)
    held = None
    if workers is not None:
        held = pc.field("worker_id").isin(pa.array(list(workers), type=pa.string()))
    wanted = [t for t in TABLES if not (t == "staff" and staff is not None)]
    if workers is not None:
        wanted.remove("rejects")
    tables = {
        t: pq.read_table(partition(store, t, day) / PART, filters=held if t == "cases" else None)
        for t in wanted
    }
    cases = from_arrow(tables["cases"], CASE_CATEGORIES)
    cases = cases.rename(columns={FILE_SNAPSHOT: "snapshot"})
    if "_staff" in cases.columns:
        cases["_staff"] = as_int32(cases["_staff"])
    reductions = from_arrow(tables["reductions"])
    rejects = pd.DataFrame(columns=REJECT_COLUMNS)
    if "rejects" in tables:
        rejects = from_arrow(tables["rejects"]).astype("object")
    notes = list(manifest["notes"])
    if schemes:
        notes += check_schemes(cases, reductions, manifest, schemes)
        notes += no_activities_notes(schemes, given=False)  # a store holds none
    codes = recode_for(manifest, schemes)
    for column, categories in (*codes.items(), ("law", list(LAWS))):
        cases[column] = cases[column].cat.set_categories(categories)
    return ValidInputs(
        cases=cases,
        staff=from_arrow(tables["staff"]) if staff is None else staff,
        reductions=reductions,
        rejects=rejects if len(rejects) else rejects.reindex(columns=REJECT_COLUMNS),
        accounting=dict(manifest["accounting"]),
        snapshot=day,
        snapshot_source=manifest.get("snapshot_source") or "from the history store",
        notes=notes,
    )


def remove_snapshot(store: Path, day: date | str) -> dict[str, Any]:
    """Remove one snapshot as a whole; returns its manifest."""
    day = find_date(store, day if isinstance(day, str) else day.isoformat())
    manifest = read_manifest(store, day)
    drop(store, day)
    return manifest


def list_snapshots(store: Path) -> pd.DataFrame:
    """One row per stored snapshot: date, row counts, source files' sha256, when and by
    which version it was added."""
    records = []
    for day in stored_dates(store):
        manifest = read_manifest(store, day)
        sources = manifest["sources"]
        records.append(
            {
                "snapshot": day.isoformat(),
                **{kind: manifest["rows"][kind] for kind in ("cases", "staff", "reductions")},
                "rejected": manifest["accounting"].get("rejected", 0),
                **{
                    f"{kind}_sha256": (sources.get(kind) or {}).get("sha256") or ""
                    for kind in ("cases", "staff", "reductions")
                },
                "added_at": manifest["added_at"],
                "tool_version": manifest["tool"]["version"],
            }
        )
    return pd.DataFrame.from_records(records, columns=LIST_COLUMNS)


LIST_COLUMNS = [
    "snapshot",
    "cases",
    "staff",
    "reductions",
    "rejected",
    "cases_sha256",
    "staff_sha256",
    "reductions_sha256",
    "added_at",
    "tool_version",
]
