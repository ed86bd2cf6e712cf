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

Nothing here reads a clock: the same inputs and command give the same bytes.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from caseload_cli.core.files import file_sha256, sample_data_dir
from caseload_cli.core.model import Report


@dataclass
class Recording:
    """The input files one run has read, in the order it read them."""

    inputs: list[dict[str, Any]] = field(default_factory=list)
    snapshot_source: str | None = None

    def add(self, kind: str, path: str, rows: int | None) -> None:
        entry = describe_input(kind, path, rows)
        for known in self.inputs:
            if known["path"] == entry["path"] and known["bundled"] == entry["bundled"]:
                return  # the same file read again (week's staff file for both weeks)
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


def record_input(kind: str, path: str | None, rows: int | None = None) -> None:
    """Note that the run read `path` as `kind` (cases, staff, reductions, mapping,
    responses) with `rows` data rows; nothing happens outside a recording."""
    run = _CURRENT.get()
    if run is not None and path:
        run.add(kind, path, rows)


def record_snapshot_source(source: str | None) -> None:
    """How the first snapshot date of the run was chosen (ValidInputs.snapshot_source)."""
    run = _CURRENT.get()
    if run is not None and source and run.snapshot_source is None:
        run.snapshot_source = source


def describe_input(kind: str, path: str, rows: int | None) -> dict[str, Any]:
    """`{kind, path, bundled, sha256, rows}` for one input file. A bundled sample file is
    named relative to the sample folder (so the bytes do not depend on where the package
    is installed); standard input ("-") has no hash (it cannot be read twice)."""
    bundled = _bundled_name(path)
    digest = None if path == "-" else file_sha256(path)
    return {
        "kind": kind,
        "path": bundled if bundled is not None else path,
        "bundled": bundled is not None,
        "sha256": digest,
        "rows": None if rows is None else int(rows),
    }


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
