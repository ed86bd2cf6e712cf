"""All-or-nothing changes to a store: a snapshot appears whole, is replaced whole,
or is removed whole, even if the process is killed half way.

A snapshot is several folders (one per table) plus a manifest, and no single
rename moves them all. So every change is staged in a hidden
`.pending-…` folder inside the store (same filesystem, so renames are
atomic), and a `journal.json` written there with one `os.replace` is the
commit point:

- killed before the journal exists: the store is exactly as it was; the
  staged folder is hidden from Parquet readers and swept by the next change;
- killed after: the change is committed, and the next open of the store
  finishes it (each step is a rename that can be safely re-run).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

from caseload_cli.core.files import atomic_write
from caseload_cli.store.layout import (
    MANIFESTS,
    PENDING_PREFIX,
    TABLES,
    locked,
    manifest_path,
    partition,
)

JOURNAL = "journal.json"
MANIFEST = "manifest.json"
#: Where a change moves the partitions it retires, inside its pending folder.
RETIRED = "retired"


def stage(store: Path, day: date, write: Callable[[Path], None]) -> None:
    """Replace snapshot `day` by what `write(folder)` puts in a fresh folder: one
    sub-folder per table (holding its part files) and `manifest.json`."""
    with locked(store):
        recover(store)
        pending = store / f"{PENDING_PREFIX}{day.isoformat()}-{uuid.uuid4().hex[:8]}"
        pending.mkdir()
        try:
            write(pending)
            _sync_tree(pending)
            _commit(pending, day, "add")
        except BaseException:
            if not (pending / JOURNAL).exists():
                shutil.rmtree(pending, ignore_errors=True)
            raise
        finish(store, pending)


def drop(store: Path, day: date) -> None:
    """Remove snapshot `day` (its partitions and manifest) as one change."""
    with locked(store):
        recover(store)
        pending = store / f"{PENDING_PREFIX}{day.isoformat()}-{uuid.uuid4().hex[:8]}"
        pending.mkdir()
        _commit(pending, day, "remove")
        finish(store, pending)


def recover(store: Path) -> None:
    """Finish committed changes a killed process left, and sweep uncommitted ones.

    Called with the store locked, so no other writer's folder is swept."""
    for pending in sorted(store.glob(f"{PENDING_PREFIX}*")):
        if (pending / JOURNAL).is_file():
            finish(store, pending)
        else:
            shutil.rmtree(pending, ignore_errors=True)


def finish(store: Path, pending: Path) -> None:
    """Carry out a committed change; every step can be re-run after a crash."""
    journal = json.loads((pending / JOURNAL).read_text(encoding="utf-8"))
    day = date.fromisoformat(journal["snapshot"])
    adding = journal["action"] == "add"
    if not adding:
        manifest_path(store, day).unlink(missing_ok=True)
    for table in TABLES:
        target = partition(store, table, day)
        new = pending / table
        if target.exists() and (not adding or new.exists()):
            retired = pending / RETIRED / table
            retired.parent.mkdir(exist_ok=True)
            shutil.rmtree(retired, ignore_errors=True)
            os.replace(target, retired)
        if adding and new.exists():
            target.parent.mkdir(exist_ok=True)
            os.replace(new, target)
    if adding and (pending / MANIFEST).exists():
        (store / MANIFESTS).mkdir(exist_ok=True)
        os.replace(pending / MANIFEST, manifest_path(store, day))
    shutil.rmtree(pending)


def _commit(pending: Path, day: date, action: str) -> None:
    atomic_write(pending / JOURNAL, json.dumps({"snapshot": day.isoformat(), "action": action}))


def _sync_tree(folder: Path) -> None:
    """Flush the staged files to disk before the commit point names them."""
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
