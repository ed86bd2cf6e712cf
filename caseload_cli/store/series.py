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

import os
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
from caseload_cli.store.layout import PART, StoreError, partition
from caseload_cli.store.schemes import recode_for
from caseload_cli.store.snapshots import read_manifest

#: Staff text stored as plain strings, read as dictionaries (a few hundred teams, not
#: a name per row of every week).
STAFF_TEXT = ("name", "team", "service_area")
#: Parallel Parquet reads (they release the GIL while decoding and waiting on disk).
READERS = min(8, 2 * (os.cpu_count() or 1))


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
        rows = {
            table: np.array([m["rows"][table] for m in manifests], dtype="int64")
            for table in ("cases", "staff")
        }
    except (StoreError, KeyError, TypeError):
        return None
    first = {table: np.concatenate([[0], np.cumsum(n)]) for table, n in rows.items()}
    codes = recode_for(manifests[-1], [scheme])  # the categories validation gives
    flags = [m.flag for m in scheme.model.modifiers]
    # Each week's cases are written straight into their rows of the stacked arrays.
    size = int(first["cases"][-1])
    code = {c: "int8" if len(codes[c]) < 127 else "int32" for c in ("case_type", "stage")}
    stacked = {
        **{column: np.empty(size, dtype=code[column]) for column in ("case_type", "stage")},
        "children": np.empty(size, dtype="int64"),
        **{flag: np.empty(size, dtype=bool) for flag in flags},
        "_staff": np.empty(size, dtype="int32"),  # as `load_snapshot` gives it
    }

    def cases(week: int) -> bool:
        path = partition(store, "cases", days[week]) / PART
        columns = ["_staff", "case_type", "stage", "children", *flags]
        table = pq.ParquetFile(path, memory_map=True).read(columns=columns, use_threads=False)
        start, end = first["cases"][week : week + 2]
        if sorted(table.column_names) != sorted(columns) or len(table) != end - start:
            return False  # a flag not stored that week, or not the rows its manifest says
        into = {name: values[start:end] for name, values in stacked.items()}
        return _case_arrays(table, codes, rows["staff"][week], first["staff"][week], into)

    def other(task: tuple[str, date]) -> pa.Table:
        table, day = task
        path = partition(store, table, day) / PART
        text = STAFF_TEXT if table == "staff" else ()
        return pq.ParquetFile(path, read_dictionary=text, memory_map=True).read(use_threads=False)

    try:
        with ThreadPoolExecutor(READERS) as pool:
            weeks = pool.map(cases, range(len(days)))
            others = pool.map(other, [(t, day) for t in ("staff", "reductions") for day in days])
            weeks, others = list(weeks), list(others)
        # Identical column names and types in every week, or week by week it is.
        staff = pa.concat_tables(others[: len(days)])
        reductions = pa.concat_tables(others[len(days) :])
    except (OSError, ValueError, KeyError, TypeError, IndexError, pa.ArrowException):
        return None
    staff_read = np.array([len(t) for t in others[: len(days)]])
    if not all(weeks) or not np.array_equal(staff_read, rows["staff"]):
        return None
    reduction_rows = np.array([len(t) for t in others[len(days) :]])
    categories = {c: pd.Index(codes[c], dtype="str") for c in ("case_type", "stage")}
    frame = pd.DataFrame(
        {
            **{
                c: pd.Categorical.from_codes(stacked[c], categories[c], validate=False)
                for c in ("case_type", "stage")
            },
            **{name: stacked[name] for name in ("children", *flags, "_staff")},
        },
        copy=False,  # the arrays are this frame's alone
    )
    staff = _stacked(_coded(staff), staff_read)
    reductions = _stacked(_coded(reductions), reduction_rows)
    if not _weighable(reductions, manifests, scheme):
        return None
    valid = ValidInputs(
        cases=frame,
        staff=staff,
        reductions=reductions,
        rejects=pd.DataFrame(columns=REJECT_COLUMNS),
        accounting={},
        snapshot=days[-1],
        snapshot_source="from the history store",
    )
    return StoredSeries(list(days), valid, [list(m["notes"]) for m in manifests])


def _case_arrays(
    table: pa.Table,
    codes: dict[str, list[str]],
    staff_rows: int,
    first: int,
    into: dict[str, np.ndarray],
) -> bool:
    """One week's cases written into its rows of the stacked arrays (`into`): case type
    and stage as codes in `codes`, `_staff` as a position in the stacked staff (`first`
    is the week's first row), the other columns as they are. False if a value is
    missing or a code is one `codes` lacks (the scheme cannot weigh it), or a position
    is outside the week's staff."""
    if any(table.column(name).null_count for name in table.column_names):
        return False
    for column in ("case_type", "stage"):
        position = {code: at for at, code in enumerate(codes[column])}
        done = 0
        for chunk in table.column(column).chunks:
            known = [position.get(code, -1) for code in chunk.dictionary.to_pylist()]
            lookup = np.array(known, dtype=into[column].dtype)
            end = done + len(chunk)
            np.take(lookup, chunk.indices.to_numpy(), out=into[column][done:end])
            done = end
        if (into[column] < 0).any():
            return False
    holder = table.column("_staff").to_numpy()
    if len(holder) and (holder.max() >= staff_rows or holder.min() < -1):
        return False
    np.add(holder, first, out=into["_staff"], casting="unsafe")
    into["_staff"][holder < 0] = -1
    for name in table.column_names:
        if name not in ("case_type", "stage", "_staff"):
            into[name][:] = table.column(name).to_numpy()
    return True


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


def _weighable(reductions: pd.DataFrame, manifests: list[dict], scheme: Scheme) -> bool:
    """Would `store.schemes.check_schemes` pass every week for `scheme`? (Its codes and
    its modifiers' flags are checked as the cases are read: `_case_arrays`.) Its
    reduction reasons and caps."""
    model = scheme.model
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
