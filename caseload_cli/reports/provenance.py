"""What a report was made from: every input file's SHA-256 and rows, and the command line.

Every builder reads its inputs through `reports.inputs.prepare` (and `survey` through
`run_survey`), which calls `record_input` for each file it read. While a run is being
recorded (`recording()`, which the CLI opens around every command), those records are
kept; `attach` then puts them, with the command line, into `Report.provenance`, and the
renderers write them with the tool version, the snapshot date and the schemes'
canonical text (`render.stamps.provenance`). Outside a recording nothing is kept, so
library calls behave as before; wrap them in `recording()` to get the same provenance
the CLI writes:

    with recording() as run:
        report = run_load(inputs, scheme).report
    report = run.attach(report)

A history store read with `--store` is one input too (kind `store`): its SHA-256 is
`store_sha256`, a digest of the store's marker and of each snapshot's manifest
content and Parquet part names and sizes, oldest first, over the snapshots dated up
to the report's own (its `rows` is how many). Cheap whatever the store's size, the
same for a copy of the store or one rebuilt from the same files, and unchanged when
later weeks are added, so last month's pack still verifies against a store that has
grown since.

Nothing here reads a clock: the same inputs and command give the same bytes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from caseload_cli.core.files import file_sha256, sample_data_dir
from caseload_cli.core.model import Report

#: The kind of a history store among the inputs (`--input store=DIR` in verify).
STORE = "store"


@dataclass
class Recording:
    """The input files one run has read, in the order it read them."""

    inputs: list[dict[str, Any]] = field(default_factory=list)
    snapshot_source: str | None = None

    def add(self, kind: str, path: str, rows: int | None, sha256: str | None = None) -> None:
        self.add_entry(describe_input(kind, path, rows, sha256))

    def add_entry(self, entry: dict[str, Any]) -> None:
        """Keep one described input (a file, or a store: `describe_store`)."""
        for known in self.inputs:
            if known["path"] == entry["path"] and known["bundled"] == entry["bundled"]:
                return  # the same file read again (week's staff file for both weeks)
        kind = entry["kind"]
        taken = {known["kind"] for known in self.inputs}
        number = 2
        while entry["kind"] in taken:  # a second cases file (week's --previous): cases_2
            entry["kind"] = f"{kind}_{number}"
            number += 1
        self.inputs.append(entry)

    def attach(self, report: Report, argv: Sequence[str] | None = None) -> Report:
        """`report` with these inputs (and `argv`, the command line as given) in its
        provenance."""
        return attach(report, self.inputs, argv, self.snapshot_source)


_CURRENT: ContextVar[Recording | None] = ContextVar("caseload_provenance", default=None)


@contextlib.contextmanager
def recording() -> Iterator[Recording]:
    """Record the input files read inside the `with` block (nested blocks share the
    outer recording)."""
    current = _CURRENT.get()
    if current is not None:
        yield current
        return
    current = Recording()
    token = _CURRENT.set(current)
    try:
        yield current
    finally:
        _CURRENT.reset(token)


def current() -> Recording | None:
    """The recording in progress, if any."""
    return _CURRENT.get()


def record_input(
    kind: str, path: str | None, rows: int | None = None, sha256: str | None = None
) -> None:
    """Note that the run read `path` as `kind` (cases, staff, reductions, mapping,
    responses) with `rows` data rows; nothing happens outside a recording. `sha256`
    is for standard input ("-"), whose bytes only the reader saw."""
    run = _CURRENT.get()
    if run is not None and path:
        run.add(kind, path, rows, sha256)


def record_snapshot_source(source: str | None) -> None:
    """How the first snapshot date of the run was chosen (ValidInputs.snapshot_source)."""
    run = _CURRENT.get()
    if run is not None and source and run.snapshot_source is None:
        run.snapshot_source = source


def describe_input(
    kind: str, path: str, rows: int | None, sha256: str | None = None
) -> dict[str, Any]:
    """`{kind, path, bundled, sha256, rows}` for one input file. A bundled sample file is
    named relative to the sample folder (so the bytes do not depend on where the package
    is installed); standard input ("-") has no hash unless its reader gives one (it
    cannot be read twice)."""
    bundled = _bundled_name(path)
    digest = sha256 if path == "-" else file_sha256(path)
    return {
        "kind": kind,
        "path": bundled if bundled is not None else path,
        "bundled": bundled is not None,
        "sha256": digest,
        "rows": None if rows is None else int(rows),
    }


def describe_store(path: str, through: str | None = None) -> dict[str, Any]:
    """`{kind: "store", path, bundled: false, sha256, rows}` for a history store read by
    the run: `sha256` is `store_sha256` over its snapshots dated up to `through`
    (YYYY-MM-DD; all of them when None), `rows` how many snapshots that is."""
    from datetime import date

    from caseload_cli.store.layout import stored_dates

    days = stored_dates(Path(path))
    if through:
        last = date.fromisoformat(through)
        days = [day for day in days if day <= last]
    return {
        "kind": STORE,
        "path": path,
        "bundled": False,
        "sha256": store_sha256(path, len(days)),
        "rows": len(days),
    }


def store_sha256(path: str, snapshots: int) -> str:
    """A digest of the store at `path` as its first `snapshots` snapshots (oldest first)
    hold it: the marker's SHA-256, then per snapshot the SHA-256 of its manifest's
    content (`manifest_content`: the SHA-256 of the files the snapshot was made from,
    its rows, accounting and schemes) and each Parquet part's name and size. Names and
    sizes, not the parts' bytes, so the cost does not grow with the data (a part changed
    without the tool shows in `verify` as the rows it changes)."""
    from caseload_cli.store.layout import MARKER, TABLES, manifest_path, partition, stored_dates

    store = Path(path)
    digest = hashlib.sha256(b"caseload store digest 1\n")

    def add(item: Path, value: str) -> None:
        digest.update(f"{item.relative_to(store).as_posix()}\0{value}\n".encode())

    add(store / MARKER, file_sha256(str(store / MARKER)))
    for day in stored_dates(store)[:snapshots]:
        manifest = manifest_content(manifest_path(store, day))
        add(manifest_path(store, day), hashlib.sha256(manifest).hexdigest())
        for table in TABLES:
            folder = partition(store, table, day)
            if not folder.is_dir():
                continue
            with os.scandir(folder) as listing:  # names and sizes without a Path per file
                parts = sorted(listing, key=lambda entry: entry.name)
            for part in parts:
                if part.is_file() and not part.name.startswith((".", "_")):
                    add(folder / part.name, f"size {part.stat().st_size}")
    return digest.hexdigest()


def manifest_content(path: Path) -> bytes:
    """A snapshot manifest as canonical JSON without what says when and from where it
    was added (`added_at`, the source files' paths; their SHA-256 stay), so a store
    rebuilt from the same files, at another time or from another folder, has the same
    digest. A manifest that is not JSON counts as its bytes."""
    import json

    try:
        raw = path.read_bytes()
        manifest = json.loads(raw)
    except OSError as problem:
        from caseload_cli.core.errors import InputError

        raise InputError(f"{path}: cannot read ({problem.strerror or problem})") from None
    except ValueError:
        return raw
    if not isinstance(manifest, dict):
        return raw
    manifest.pop("added_at", None)
    for source in (manifest.get("sources") or {}).values():
        if isinstance(source, dict):
            source.pop("path", None)
    return json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()


def attach_run(report: Report, argv: Sequence[str] | None, store: str | None = None) -> Report:
    """`report` with what the current recording holds (if any), the history store the
    run read (`store`, hashed up to the report's snapshot date) and the command line:
    what `RunOptions.write` puts in every output."""
    run = _CURRENT.get() or Recording()
    if store:
        run = Recording(list(run.inputs), run.snapshot_source)
        run.add_entry(describe_store(store, _last_date(report)))
    return run.attach(report, argv)


def _last_date(report: Report) -> str | None:
    """The latest snapshot a report can have read: its snapshot date (week, scorecard),
    else the end of its series (trend's `to`); None: any."""
    from caseload_cli.render.stamps import snapshot_of

    return snapshot_of(report) or (str(report.metadata.get("to") or "") or None)


def input_path(entry: dict[str, Any]) -> str:
    """Where a recorded input is on this machine (a bundled file: in the sample folder)."""
    if entry.get("bundled"):
        return str(sample_data_dir() / entry["path"])
    return str(entry["path"])


def attach(
    report: Report,
    inputs: Sequence[dict[str, Any]] = (),
    argv: Sequence[str] | None = None,
    snapshot_source: str | None = None,
) -> Report:
    """A copy of `report` whose provenance holds `inputs`, `argv` and `snapshot_source`
    (what the report already holds is kept where these are empty)."""
    given = dict(report.provenance)
    if inputs:
        given["inputs"] = [dict(entry) for entry in inputs]
    if argv is not None:
        given["argv"] = [str(arg) for arg in argv]
    if snapshot_source and not given.get("snapshot_source"):
        given["snapshot_source"] = snapshot_source
    return dataclasses.replace(report, provenance=given)


def _bundled_name(path: str) -> str | None:
    if path == "-":
        return None
    try:
        folder = sample_data_dir().resolve()
        return Path(path).resolve().relative_to(folder).as_posix()
    except (ValueError, OSError):
        return None
