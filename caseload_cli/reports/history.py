"""`caseload history`: validate exports once and keep them as weekly snapshots.

Adding validates exactly as `load` does (same reader, same contract, same
rejections), so what is stored is what `load` would have weighed. A cases
file holding several snapshot dates is either refused, naming the dates, or
split so that each date's rows are validated as a snapshot of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from caseload_cli.contract.parsing import parse_date
from caseload_cli.contract.validate import ValidInputs, validate
from caseload_cli.core.errors import UsageError
from caseload_cli.core.model import Report, Table
from caseload_cli.core.progress import Progress
from caseload_cli.reports.inputs import Inputs, parse_snapshot, read_inputs
from caseload_cli.reports.load import LoadResult, build_load
from caseload_cli.scheme.model import Scheme, builtin_names, load_scheme
from caseload_cli.store import (
    Added,
    add_snapshot,
    list_snapshots,
    load_snapshot,
    open_store,
    remove_snapshot,
)
from caseload_cli.store.layout import check_store_path

#: Dates listed in full when a file holding several is refused.
SHOWN_DATES = 10


def default_schemes() -> list[Scheme]:
    """Every built-in scheme: a snapshot stored for them all can be weighed by any."""
    return [load_scheme(name) for name in builtin_names()]


def add_to_store(
    inputs: Inputs,
    store: str | Path,
    schemes: list[Scheme],
    split: bool = False,
    progress: Progress | None = None,
    on_validated: Callable[[list[ValidInputs]], None] | None = None,
) -> list[Added]:
    """Read and validate the inputs, then store one snapshot per date (atomically each).

    `on_validated` sees every snapshot's validated inputs before anything is
    written (the CLI reports rejections and enforces --strict there)."""
    check_store_path(store)
    progress = progress or Progress(False)
    progress.step(f"reading {inputs.cases} …")
    cases, staff, reductions, _activities = read_inputs(inputs, schemes)
    given = parse_snapshot(inputs.snapshot)
    if split and given is not None:
        raise UsageError("--split takes each snapshot's date from the cases; leave out --snapshot")
    progress.step(f"validating {len(cases.frame):,} case rows …")
    valid = [
        validate(part, staff, reductions, schemes, day or given)
        for day, part in split_by_snapshot(cases, split)
    ]
    progress.done()
    if on_validated is not None:
        on_validated(valid)
    opened = open_store(store, create=True)
    sources = {"cases": inputs.cases, "staff": inputs.staff, "reductions": inputs.reductions}
    return [add_snapshot(opened, one, sources, schemes) for one in valid]


def split_by_snapshot(cases: Table, split: bool) -> list[tuple[date | None, Table]]:
    """The cases as one table, or with `split` one per snapshot date (oldest first).

    Rows with a blank or unreadable snapshot go with the latest date, which is
    the date `load` would count them at (an unreadable one is then rejected)."""
    if "snapshot" not in cases.frame.columns:
        return [(None, cases)]
    parsed = parse_date(cases.frame["snapshot"])[0]
    days = pd.DatetimeIndex(parsed.dropna().unique()).sort_values()
    if len(days) <= 1:
        return [(None, cases)]
    counts = parsed.value_counts().reindex(days)
    if not split:
        shown = [f"{d.date()} ({n:,} rows)" for d, n in counts.iloc[:SHOWN_DATES].items()]
        more = f" and {len(days) - SHOWN_DATES} more" if len(days) > SHOWN_DATES else ""
        raise UsageError(
            f"{cases.source}: the cases carry {len(days)} snapshot dates: "
            f"{', '.join(shown)}{more}; store one file per date, or pass --split to store "
            "each date as its own snapshot"
        )
    which = days.get_indexer(parsed.fillna(days[-1]))
    return [(day.date(), _rows(cases, which == i)) for i, day in enumerate(days)]


def _rows(table: Table, keep: np.ndarray) -> Table:
    """The rows of `table` where `keep`, with their file row numbers and reader problems."""
    position = np.cumsum(keep) - 1
    problems = [(int(position[p]), c, why) for p, c, why in table.cell_problems if keep[p]]
    return replace(
        table,
        frame=table.frame[keep].reset_index(drop=True),
        row_numbers=table.row_numbers[keep],
        notes=list(table.notes),
        cell_problems=problems,
    )


def history_report(store: str | Path) -> Report:
    """`caseload history list`: one row per snapshot, with the sha256 of its source files."""
    opened = open_store(store)
    rows = list_snapshots(opened)
    notes = [] if len(rows) else [f"the store at {store} holds no snapshots yet"]
    return Report(
        title=f"Snapshots in {store}",
        rows=rows,
        schemes=[],
        band_column=None,
        notes=notes,
        metadata={"store": str(store), "snapshots": len(rows), "sheet": "snapshots"},
    )


def remove_from_store(store: str | Path, day: str) -> dict:
    """`caseload history remove`: the removed snapshot's manifest."""
    return remove_snapshot(open_store(store), day)


def load_from_store(
    store: str | Path,
    day: str,
    scheme: Scheme,
    by: str = "worker",
    population: str | None = None,
) -> LoadResult:
    """The `load` report of a stored week under any scheme (what the files would give)."""
    valid = load_snapshot(open_store(store), day, [scheme])
    if population is None:
        return build_load(valid, scheme, by)
    return build_load(valid, scheme, by, population)
