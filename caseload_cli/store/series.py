"""Many stored snapshots read at once, ready to weigh together (`caseload trend`).

`load_snapshot` gives one week as validation made it; over hundreds of weeks
its fixed cost per week (four Parquet reads, frames of a few thousand rows)
is most of the work. `load_series` reads each week's cases (only the columns
weighing needs), staff and reductions in parallel and stacks them: staff and
reductions carry `SNAPSHOT_POSITION` (0 for the oldest week), and each case's
`_staff` is its worker's position in the stacked staff, so the engine weighs
every week in one pass (`engine.weighed.weigh(..., snapshots=True)`) and gives
each week the numbers `load_snapshot` and a weighing of that week alone give.

It answers only what it can answer exactly: if any week is stored in a way the
stacked reading does not cover (a table's columns differ between weeks, a
missing value where validation leaves none) or a scheme check would refuse a
week, it returns None and the caller loads week by week, which says what is
wrong as it always has.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from caseload_cli.contract.rejections import REJECT_COLUMNS
from caseload_cli.contract.validate import ValidInputs
from caseload_cli.core.vocabulary import SNAPSHOT_POSITION
from caseload_cli.scheme.model import Scheme
from caseload_cli.store.frames import from_arrow
from caseload_cli.store.layout import PART, partition
from caseload_cli.store.snapshots import read_manifest

#: Staff text stored as plain strings, read as dictionaries (a few hundred teams, not
#: a name per row of every week).
STAFF_TEXT = ("name", "team", "service_area")
#: Parallel Parquet reads (they release the GIL while decoding and waiting on disk).
READERS = 8


@dataclass(frozen=True)
class StoredSeries:
    """Several snapshots' validated inputs stacked (`valid`, oldest first), and each
    snapshot's notes as `load_snapshot` gives them."""

    days: list[date]
    valid: ValidInputs
    notes: list[list[str]]


def load_series(store: Path, days: list[date], scheme: Scheme) -> StoredSeries | None:
    """The snapshots of `days` (stored dates, oldest first) stacked for `scheme`, or
    None when a snapshot needs `load_snapshot` (see the module's docstring)."""
    try:
        manifests = [read_manifest(store, day) for day in days]
        flags = [m.flag for m in scheme.model.modifiers]
        wanted = {
            "cases": ["_staff", "case_type", "stage", "children", *flags],
            "staff": None,
            "reductions": None,
        }
        tasks = [(table, day) for table in wanted for day in days]

        def read(task: tuple[str, date]) -> pa.Table:
            table, day = task
            path = partition(store, table, day) / PART
            text = STAFF_TEXT if table == "staff" else ()
            parquet = pq.ParquetFile(path, read_dictionary=text)
            return parquet.read(columns=wanted[table], use_threads=False)

        with ThreadPoolExecutor(READERS) as pool:
            read_tables = list(pool.map(read, tasks))
        parts = {
            table: read_tables[i * len(days) : (i + 1) * len(days)]
            for i, table in enumerate(wanted)
        }
        # Identical column names and types in every week, or week by week it is.
        tables = {name: pa.concat_tables(chunks) for name, chunks in parts.items()}
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
        return None
    rows = {name: np.array([len(t) for t in chunks]) for name, chunks in parts.items()}
    cases = tables["cases"]
    if any(cases.column(name).null_count for name in cases.column_names):
        return None
    # Each case's worker, from a position in its week's staff to one in the stack.
    first = np.concatenate([[0], np.cumsum(rows["staff"])[:-1]])
    holders = []
    for week, chunk in enumerate(parts["cases"]):  # one numpy pass per week, not per row
        holder = chunk.column("_staff").to_numpy()
        if len(holder) and (holder.max() >= rows["staff"][week] or holder.min() < -1):
            return None
        holders.append(np.where(holder >= 0, holder + first[week], -1).astype("int32"))
    # `_staff` as int32 like `load_snapshot`'s (and not stacked with `children`).
    cases = from_arrow(
        cases.drop_columns("_staff").unify_dictionaries(), frozenset({"case_type", "stage"})
    )
    cases["_staff"] = np.concatenate(holders) if holders else np.zeros(0, dtype="int32")
    staff = _stacked(_coded(tables["staff"]), rows["staff"])
    reductions = _stacked(_coded(tables["reductions"]), rows["reductions"])
    if not _weighable(cases, reductions, manifests, scheme):
        return None
    valid = ValidInputs(
        cases=cases,
        staff=staff,
        reductions=reductions,
        rejects=pd.DataFrame(columns=REJECT_COLUMNS),
        accounting={},
        snapshot=days[-1],
        snapshot_source="from the history store",
    )
    return StoredSeries(list(days), valid, [list(m["notes"]) for m in manifests])


def _coded(table: pa.Table) -> pd.DataFrame:
    """A stacked table with its text as categoricals whose categories are in the order
    the text sorts in (so sorting and grouping by them is sorting by the text): the
    codes stand in for hundreds of thousands of strings until rows are shown."""
    names = [n for n in table.column_names if pa.types.is_dictionary(table.schema.field(n).type)]
    frame = from_arrow(table.unify_dictionaries(), frozenset(names))
    for name in names:
        frame[name] = frame[name].cat.set_categories(frame[name].cat.categories.sort_values())
    return frame


def _stacked(frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """`frame` (the weeks' rows one after the other) with each row's week position."""
    frame[SNAPSHOT_POSITION] = np.repeat(np.arange(len(rows)), rows)
    return frame


def _weighable(
    cases: pd.DataFrame,
    reductions: pd.DataFrame,
    manifests: list[dict],
    scheme: Scheme,
) -> bool:
    """Would `store.schemes.check_schemes` pass every week for `scheme`? (Its codes, its
    modifiers' flags, which are read columns here, its reduction reasons and caps.)"""
    model = scheme.model
    for column in ("case_type", "stage"):
        codes = cases[column].cat.codes.to_numpy().astype("int64")
        used = np.flatnonzero(np.bincount(codes + 1)[1:])  # code -1: none
        names = set(cases[column].cat.categories[used].astype("str"))
        if names - set(getattr(model.weights, column)):
            return False
    reasons = reductions["reason"].astype("str")
    if set(reasons) - set(model.reductions):
        return False
    # A week whose stored cap for a reason it uses is above the scheme's cap.
    for reason, setting in model.reductions.items():
        weeks = np.unique(reductions.loc[reasons == reason, SNAPSHOT_POSITION].to_numpy())
        if any(
            manifests[w]["reduction_caps"].get(reason, 0.0) > setting.max_percent for w in weeks
        ):
            return False
    return True
