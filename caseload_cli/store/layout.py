"""Where things live in a history store, and how a folder proves it is one.

The layout is plain hive-partitioned Parquet so that DuckDB, pandas or pyarrow
can read a store without this tool (docs/history.md). A marker file at the
root says "caseload store, format version 1": a folder without it is refused
rather than written into, so a typo in --store cannot scatter snapshots over
someone's documents, and a newer format is refused rather than misread.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from caseload_cli.core.errors import CaseloadError, UsageError
from caseload_cli.core.files import atomic_write
from caseload_cli.core.suggest import did_you_mean

MARKER = "caseload-store.json"
FORMAT = "caseload-store"
FORMAT_VERSION = 1
#: One hive-partitioned Parquet dataset per table, in this order.
TABLES = ("cases", "staff", "reductions", "rejects")
MANIFESTS = "manifests"
PART = "part-0.parquet"
#: Work in progress (a snapshot being written or removed) lives in hidden folders
#: with this prefix, which Parquet readers skip.
PENDING_PREFIX = ".pending-"
LOCK = ".lock"


class StoreError(CaseloadError):
    """The store is missing, is not a store, or does not hold what was asked for."""


def partition(store: Path, table: str, day: date) -> Path:
    """`STORE/cases/snapshot=2022-04-29`: the folder one table's snapshot lives in."""
    return store / table / f"snapshot={day.isoformat()}"


def manifest_path(store: Path, day: date) -> Path:
    return store / MANIFESTS / f"{day.isoformat()}.json"


def check_store_path(path: str | os.PathLike[str]) -> None:
    """Refuse a path that is neither a store nor a new or empty folder, before any work."""
    store = Path(path)
    marker = store / MARKER
    if marker.is_file():
        _check_marker(marker)
    elif store.exists() and not store.is_dir():
        raise StoreError(f"{store} is a file, not a caseload store")
    elif store.is_dir() and any(store.iterdir()):
        raise StoreError(
            f"{store} is not a caseload store (no {MARKER}); give a new or empty folder"
        )


def store_at(path: str | os.PathLike[str], create: bool = False) -> Path:
    """The store at `path`; with `create`, a new or empty folder becomes one.

    A folder that exists, holds files and has no marker is refused: it is not
    a store, and writing into it would mix snapshots with whatever is there.
    """
    check_store_path(path)
    store = Path(path)
    if (store / MARKER).is_file():
        return store
    if not create:
        raise StoreError(
            f"no caseload store at {store}; "
            f"create one with `caseload history add … --store {store}`"
        )
    store.mkdir(parents=True, exist_ok=True)
    body = {"format": FORMAT, "format_version": FORMAT_VERSION}
    atomic_write(store / MARKER, json.dumps(body, indent=2) + "\n")
    return store


def _check_marker(marker: Path) -> None:
    try:
        body = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError) as problem:
        raise StoreError(f"{marker}: unreadable store marker ({problem})") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise StoreError(f"{marker.parent} is not a caseload store ({marker} says otherwise)")
    version = body.get("format_version")
    if version != FORMAT_VERSION:
        raise StoreError(
            f"{marker.parent} is a caseload store in format version {version}; "
            f"this caseload reads version {FORMAT_VERSION}"
        )


def stored_dates(store: Path) -> list[date]:
    """The snapshot dates the store holds, oldest first: one committed manifest each."""
    folder = store / MANIFESTS
    if not folder.is_dir():
        return []
    days = []
    for path in folder.glob("*.json"):
        with contextlib.suppress(ValueError):
            days.append(date.fromisoformat(path.stem))
    return sorted(days)


def parse_day(text: str) -> date:
    """A snapshot date as given on the command line (YYYY-MM-DD)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{text!r} is not a date (use YYYY-MM-DD)") from None


def find_date(store: Path, text: str) -> date:
    """A stored snapshot's date, or an error naming the store's close matches."""
    days = stored_dates(store)
    if not days:
        raise StoreError(f"the store at {store} holds no snapshots yet")
    day = parse_day(text)
    if day in days:
        return day
    shown = [d.isoformat() for d in days]
    hint = did_you_mean(day.isoformat(), shown) or f"it holds {_summary(shown)}"
    raise StoreError(f"no snapshot {day.isoformat()} in the store at {store}: {hint}")


def _summary(shown: list[str]) -> str:
    if len(shown) <= 5:
        return ", ".join(shown)
    return f"{len(shown)} snapshots, {shown[0]} to {shown[-1]}"


@contextlib.contextmanager
def locked(store: Path) -> Iterator[None]:
    """One writer at a time (an OS lock, released if the process dies)."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; single writers only
        yield
        return
    with (store / LOCK).open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
