"""The cases file's row contract: one open case per row, typed for weighing.

Codes (law, case type, stage) become categoricals so that every check costs
one pass over the distinct values plus integer work, which is what keeps ten
million rows affordable. Whether a case's worker is an accepted staff row is
a question about two files, so the caller answers it (see `validate`).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from caseload_cli.contract.parsing import clean_text, parse_bool, parse_date, parse_int
from caseload_cli.contract.rejections import (
    Rejections,
    check_codes,
    reader_problems,
)
from caseload_cli.core import clock
from caseload_cli.core.model import Table
from caseload_cli.core.vocabulary import LAWS, MAX_CHILDREN
from caseload_cli.scheme.model import Scheme

CASE_COLUMNS = ("case_id", "worker_id", "law", "case_type", "stage", "children", "opened")
OPTIONAL_CASE_DATES = (
    "first_hearing",
    "next_hearing",
    "snapshot",
    *("allocated", "report_filed", "hub_entered"),
)
#: Dates of what has happened to a case: on or after `opened`, never after the snapshot
#: (hearing dates may lie ahead). `allocated`: to the current worker; `report_filed`:
#: the section 7 or analysis report; `hub_entered`: the current hub stage.
PAST_CASE_DATES = ("opened", "allocated", "report_filed", "hub_entered")


@dataclass(frozen=True)
class WorkerLink:
    """How case rows meet the staff file (a question about two files, so the caller
    answers it). `encode` turns the worker_id column as read into a categorical of
    cleaned IDs and touches nothing else, so it can run in a thread while the case_id
    checks run; `link` rejects the rows it must and returns each row's position in the
    accepted staff (-1: none)."""

    encode: Callable[[pd.Series], pd.Series]
    link: Callable[[pd.Series], np.ndarray]


def validate_cases(
    table: Table,
    rejections: Rejections,
    schemes: list[Scheme],
    workers: WorkerLink,
    notes: list[str],
    keep: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Every case row, typed; bad rows are only recorded in `rejections`, not dropped.

    Codes must be known to every scheme given, so that side-by-side scenarios
    always weigh the very same rows. With `keep` (the columns the caller uses), the
    case and worker IDs it does not keep are let go once checked: left out of the
    result, and dropped from `table`'s frame (no rejection names them after that).
    """
    reader_problems(table, rejections)
    frame = table.frame
    out = pd.DataFrame(index=frame.index)
    with ThreadPoolExecutor(max_workers=1) as pool:
        # Looking every worker ID up among the staff's is an Arrow hash probe that
        # releases the GIL, so on a second core it overlaps the case_id checks
        # (pandas, holding it). Rejections are only added here, in this order.
        encoding = pool.submit(workers.encode, frame["worker_id"])
        case_id = case_id_text(frame["case_id"])
        rejections.add(table, case_id == "", "case_id", "case_id is blank")
        _reject_duplicates(table, rejections, case_id)
        if keep is None or "case_id" in keep:
            out["case_id"] = case_id
        del case_id
        worker = encoding.result()

    out["worker_id"] = worker
    # Position of each case's worker in the accepted staff (-1: none), so that
    # per-worker sums are integer bin counts rather than string group-bys.
    out["_staff"] = workers.link(worker).astype("int32", copy=False)
    del worker
    if keep is not None:  # the ID text (ten million strings each) is checked: let it go
        let_go = [c for c in ("case_id", "worker_id") if c not in keep]
        table.frame = frame = frame.drop(columns=let_go)
        _release_unused()

    out["law"] = code_column(frame["law"], lower=True)
    check_codes(table, rejections, "law", out["law"], LAWS, "law")
    for column in ("case_type", "stage"):
        out[column] = code_column(frame[column], lower=True)
        known_everywhere = set.intersection(
            *(set(getattr(s.model.weights, column)) for s in schemes)
        )
        check_codes(
            table,
            rejections,
            column,
            out[column],
            sorted(known_everywhere),
            column.replace("_", " "),
        )

    children, bad = parse_int(frame["children"], decimal=table.decimal)
    rejections.add(table, bad, "children", "children is not a whole number")
    rejections.add(table, children.isna() & ~bad, "children", "children is blank")
    rejections.add(
        table, children.notna() & (children < 1), "children", "children must be at least 1"
    )
    rejections.add(
        table,
        children.notna() & (children > MAX_CHILDREN),
        "children",
        f"children must be at most {MAX_CHILDREN}",
    )
    out["children"] = children.fillna(1).astype("int64")

    for column in ("opened", *OPTIONAL_CASE_DATES):
        if column not in frame.columns:
            continue
        parsed, bad = parse_date(frame[column])
        rejections.add(table, bad, column, f"{column} is not a date (use YYYY-MM-DD or DD/MM/YYYY)")
        if column == "opened":
            rejections.add(table, parsed.isna() & ~bad, column, "opened is blank")
        out[column] = parsed
    reject_opened_after(table, rejections, out)

    for flag in _flags(schemes):
        if flag not in frame.columns:
            notes.append(
                f"{table.source}: no '{flag}' column; the '{flag}' modifier applies to no case"
            )
            out[flag] = False
            continue
        parsed, bad = parse_bool(frame[flag])
        rejections.add(table, bad, flag, f"{flag} must be true or false")
        out[flag] = parsed.fillna(False).astype(bool)
    out["_row"] = pd.Series(table.row_numbers, index=out.index, copy=False)  # no second copy
    return out


def case_id_text(series: pd.Series) -> pd.Series:
    """`clean_text` of the case IDs, without a copy of ten million IDs that are clean
    already: Arrow text with no missing value whose first and last characters are ASCII
    letters or digits, which stripping cannot change (looked at through the Arrow
    buffers, two bytes per ID)."""
    values = _arrow_text(series)
    if values is not None and values.null_count == 0:
        clean = True
        for chunk in values.chunks:
            if not len(chunk):
                continue
            offsets, data = _buffers(chunk)
            length = np.diff(offsets)
            if length.min() == 0 or not _alnum(data, offsets, length):
                clean = False
                break
        if clean:
            return series
    return clean_text(series)


def _alnum(data: np.ndarray, offsets: np.ndarray, length: np.ndarray) -> bool:
    """Whether every (non-empty) string's first and last bytes are ASCII letters or digits."""
    table = np.zeros(256, dtype=bool)
    for low, high in ((48, 57), (65, 90), (97, 122)):
        table[low : high + 1] = True
    first = data[offsets[:-1]]
    last = data[offsets[:-1] + length - 1]
    return bool(table[first].all() and table[last].all())


def _arrow_text(series: pd.Series) -> object | None:
    """The column's Arrow string chunks, or None when it is not Arrow-backed text."""
    import pyarrow as pa

    if not isinstance(series.dtype, pd.StringDtype):
        return None
    to_arrow = getattr(series.array, "__arrow_array__", None)
    try:
        values = to_arrow() if to_arrow is not None else None
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return None
    if isinstance(values, pa.Array):
        values = pa.chunked_array([values])
    if not isinstance(values, pa.ChunkedArray) or not (
        pa.types.is_string(values.type) or pa.types.is_large_string(values.type)
    ):
        return None
    return values


def _buffers(chunk: object) -> tuple[np.ndarray, np.ndarray]:
    """A string chunk's offsets (one more than its length) and bytes, without copies."""
    import pyarrow as pa

    _, offset_buffer, data_buffer = chunk.buffers()
    kind = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    offsets = np.frombuffer(offset_buffer, dtype=kind)[chunk.offset : chunk.offset + len(chunk) + 1]
    data = (
        np.frombuffer(data_buffer, dtype=np.uint8)
        if data_buffer is not None
        else np.zeros(1, dtype=np.uint8)
    )
    return offsets.astype(np.int64), data


_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)


def _fingerprints(values: object) -> np.ndarray:
    """A 64-bit FNV-1a hash of each string's bytes and length (equal strings, equal
    fingerprints), one vectorised pass per character position: 8 bytes a row instead
    of the hash table of ten million strings `Index.is_unique` builds."""
    every = np.empty(len(values), dtype=np.uint64)  # filled chunk by chunk: no concatenation
    start = 0
    for chunk in values.chunks:
        if not len(chunk):
            continue
        offsets, data = _buffers(chunk)
        length = np.diff(offsets)
        fingerprint = every[start : start + len(length)]
        start += len(length)
        fingerprint[:] = _FNV_OFFSET
        fingerprint ^= length.astype(np.uint64)
        fingerprint *= _FNV_PRIME
        longest = int(length.max(initial=0))
        if int(length.min()) == longest:  # same length: a byte matrix
            grid = data[offsets[0] : offsets[0] + len(length) * longest].reshape(-1, longest)
            for k in range(longest):
                fingerprint ^= grid[:, k]
                fingerprint *= _FNV_PRIME
        else:
            for k in range(longest):
                alive = np.flatnonzero(length > k)
                step = fingerprint[alive]
                step ^= data[offsets[alive] + k]
                step *= _FNV_PRIME
                fingerprint[alive] = step
    return every


def _reject_duplicates(table: Table, rejections: Rejections, case_id: pd.Series) -> None:
    """Reject each case_id after its first (naming the first's row). Only rows whose
    fingerprint repeats can be duplicates, so the exact (string) check runs on those
    alone, and not at all when every fingerprint is distinct (the usual export)."""
    values = _arrow_text(case_id)
    if values is None:  # not Arrow text: pandas' own check
        if pd.Index(case_id).is_unique:
            return
        suspects = np.arange(len(case_id))
    else:
        ordered = _fingerprints(values)
        ordered.sort()  # in place: the one array of 8 bytes a row
        repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
        del ordered
        if not len(repeated):
            return
        # Duplicates are rare: compute the fingerprints again to find their rows.
        suspects = np.flatnonzero(np.isin(_fingerprints(values), repeated))
    ids = case_id.iloc[suspects]
    duplicate = np.zeros(len(case_id), dtype=bool)
    duplicate[suspects] = (ids.ne("") & ids.duplicated(keep="first")).to_numpy()
    if not duplicate.any():
        return
    rows = pd.Series(table.row_numbers[suspects], index=ids.index)
    first_row = rows.groupby(ids.to_numpy(), sort=False).transform("first")
    reasons = pd.Series("", index=case_id.index, dtype=object)
    reasons.iloc[suspects] = (
        "duplicate case_id (first at row " + first_row.astype(str) + ")"
    ).to_numpy(dtype=object)
    rejections.add(table, pd.Series(duplicate, index=case_id.index), "case_id", reasons)


def reject_opened_after(
    table: Table, rejections: Rejections, cases: pd.DataFrame, snapshot: date | None = None
) -> None:
    """Reject cases opened (allocated, reported on, put in a hub) after the date they are
    counted at (01/03/99 reads as 2099), or allocated, reported on or put in a hub
    before they opened.

    Without `snapshot` (as `validate_cases` calls it): a row carrying its own snapshot
    date is held against that, any other row against today (no export holds a case
    opened in the future). With the run's `snapshot` (once it is known): rows without
    their own date that the first pass let through are held against it, so no row is
    rejected twice. Hearing dates may lie ahead and are never checked.

    The comparisons are NumPy passes over datetime64 (NaT compares False); the reason
    text is built for the offending rows only, so ten million clean rows cost a few
    array passes.
    """
    today = np.datetime64(pd.Timestamp(clock.today()).to_datetime64(), "ns")
    own = _ns(cases["snapshot"]) if "snapshot" in cases.columns else None
    has_own = ~np.isnat(own) if own is not None else np.zeros(len(cases), dtype=bool)
    for column in PAST_CASE_DATES:
        if column in cases.columns:
            _reject_after(table, rejections, cases, column, snapshot, today, own, has_own)
    if snapshot is None:
        _reject_before_opened(table, rejections, cases)


def _ns(series: pd.Series) -> np.ndarray:
    """A date column as datetime64 values (NaT for missing), without a copy when it is one
    already (any unit: NumPy compares across units)."""
    if np.issubdtype(series.dtype, np.datetime64):
        return series.to_numpy()
    return series.to_numpy(dtype="datetime64[ns]", na_value=np.datetime64("NaT"))


def _day_text(values: np.ndarray) -> pd.Series:
    return pd.Series(values).dt.strftime("%Y-%m-%d")


def _reject_after(
    table: Table,
    rejections: Rejections,
    cases: pd.DataFrame,
    column: str,
    snapshot: date | None,
    today: np.datetime64,
    own: np.ndarray | None,
    has_own: np.ndarray,
) -> None:
    happened = _ns(cases[column])
    # Boolean passes only: the limits (8 bytes a row) are built for the late rows alone.
    if snapshot is None:
        late = happened > today
        if own is not None:
            late = np.where(has_own, happened > own, late)
    else:
        day = np.datetime64(pd.Timestamp(snapshot).to_datetime64(), "ns")
        late = ~has_own & (happened > day) & (happened <= today)
    if not late.any():
        return
    where = np.flatnonzero(late)
    if snapshot is not None:
        limit = np.full(len(where), day)
    elif own is not None:
        limit = np.where(has_own[where], own[where], today)
    else:
        limit = np.full(len(where), today).astype(happened.dtype)
    what = (
        np.where(has_own[where], "the snapshot date", "today")
        if snapshot is None
        else np.full(len(where), "the snapshot date")
    )
    text = (
        f"{column} "
        + _day_text(happened[where])
        + " is after "
        + pd.Series(what, dtype=object)
        + " ("
        + _day_text(limit)
        + ")"
    )
    reason = pd.Series("", index=cases.index, dtype=object)
    reason.iloc[where] = text.to_numpy(dtype=object)
    rejections.add(table, pd.Series(late, index=cases.index), column, reason)


def _reject_before_opened(table: Table, rejections: Rejections, cases: pd.DataFrame) -> None:
    """Allocation, report and hub entry cannot come before the case opened."""
    opened = _ns(cases["opened"])
    for column in PAST_CASE_DATES[1:]:
        if column not in cases.columns:
            continue
        happened = _ns(cases[column])
        early = happened < opened  # NaT on either side compares False
        if not early.any():
            continue
        where = np.flatnonzero(early)
        text = (
            f"{column} "
            + _day_text(happened[where])
            + " is before opened ("
            + _day_text(opened[where])
            + ")"
        )
        reason = pd.Series("", index=cases.index, dtype=object)
        reason.iloc[where] = text.to_numpy(dtype=object)
        rejections.add(table, pd.Series(early, index=cases.index), column, reason)


def code_column(
    series: pd.Series, lower: bool = False, likely: pd.Index | None = None
) -> pd.Series:
    """Codes and IDs as a categorical of cleaned text ("" for blank).

    Every later check (blank, known, lookups) then costs one pass over the
    distinct values plus integer work, instead of string work on every row.

    `likely` (clean, unique text, e.g. the staff file's worker IDs) are the values
    most rows are expected to hold: a text column of many distinct IDs is then looked
    up among them with one Arrow hash probe per row, and only the rows that miss are
    factorised, which costs half of making ten million IDs categorical. The result is
    the same categorical either way.
    """
    if likely is not None and isinstance(series.dtype, pd.StringDtype):
        encoded = _codes_among(series, likely, lower)
        if encoded is not None:
            return encoded
    if not isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype("category")
    cleaned = clean_text(pd.Series(series.cat.categories.to_numpy(dtype=object)))
    if lower:
        cleaned = cleaned.str.lower()
    codes = series.cat.codes.to_numpy()
    original = series.cat.categories
    if cleaned.tolist() == list(original) and "" not in original and (codes >= 0).all():
        # Already clean and complete (typical typed Parquet): add "" without touching rows.
        return series.cat.add_categories([""])
    categories = pd.Index(pd.unique(np.append(cleaned.to_numpy(dtype=object), "")), dtype="str")
    remap = categories.get_indexer(cleaned.to_numpy(dtype=object))
    blank = categories.get_loc("")
    new_codes = np.where(codes < 0, blank, remap[np.maximum(codes, 0)])
    return pd.Series(
        pd.Categorical.from_codes(new_codes, categories=categories), index=series.index
    )


def _release_unused() -> None:
    """Hand the pages Arrow's allocator keeps for reuse back to the system (text columns
    let go are Arrow buffers; the arrays that follow are NumPy's, which cannot reuse them)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def _flags(schemes: list[Scheme]) -> list[str]:
    return list(dict.fromkeys(m.flag for s in schemes for m in s.model.modifiers))


def _codes_among(series: pd.Series, likely: pd.Index, lower: bool) -> pd.Series | None:
    """`code_column(series, lower)` for a text column whose values are mostly in `likely`.

    The categories come out exactly as `astype("category")` then cleaning would make
    them: the distinct values as read, sorted, cleaned, deduplicated, then "".
    Returns None when the column is not Arrow-backed text.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    values = _arrow_text(series)  # the chunks as read: no concatenated copy of the text
    if values is None:
        return None
    known = pa.array(likely.to_numpy(dtype=object), type=values.type)
    # Each row's position among `likely` (null: missed), kept as Arrow int32: NumPy would
    # widen its indexes to 8 bytes a row in every gather.
    probe = pc.index_in(values, value_set=known)
    missed = np.flatnonzero(pc.is_null(probe).to_numpy(zero_copy_only=False))
    present = np.sort(pc.unique(probe).drop_null().to_numpy(zero_copy_only=False))
    # The few rows that miss (unknown IDs, blanks) factorised in Arrow, as pd.factorize
    # would (first appearance order, missing as -1), without pandas' copies.
    rest = pc.dictionary_encode(values.take(pa.array(missed)).combine_chunks())
    del values
    rest_codes = pc.fill_null(rest.indices, -1).to_numpy()
    rest_values = rest.dictionary.to_numpy(zero_copy_only=False)
    # The distinct values as read: those found among `likely` and the rest (disjoint),
    # sorted as Arrow sorts text (by code point, as `astype("category")` does).
    every = pa.array(
        np.concatenate([likely.to_numpy(dtype=object)[present], rest_values.astype(object)]),
        type=pa.string(),
    )
    order = pc.sort_indices(every).to_numpy()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    cleaned = clean_text(pd.Series(every.take(order).to_numpy(zero_copy_only=False), dtype="str"))
    if lower:
        cleaned = cleaned.str.lower()
    categories = pd.Index(pd.unique(np.append(cleaned.to_numpy(dtype=object), "")), dtype="str")
    code_of = categories.get_indexer(cleaned.to_numpy(dtype=object))[rank]  # by `every` position
    blank = categories.get_loc("")
    by_likely = np.full(len(likely), blank, dtype=np.int32)  # 4 bytes a row, not 8
    by_likely[present] = code_of[: len(present)]
    lookup = pa.array(by_likely)
    new_codes = np.empty(len(series), dtype=np.int32)  # filled chunk by chunk
    start = 0
    for chunk in probe.chunks:
        new_codes[start : start + len(chunk)] = lookup.take(chunk).fill_null(blank).to_numpy()
        start += len(chunk)
    del probe
    if len(missed):
        by_rest = np.append(code_of[len(present) :], blank)  # last: missing (-1)
        new_codes[missed] = by_rest[np.where(rest_codes < 0, len(by_rest) - 1, rest_codes)]
    return pd.Series(
        pd.Categorical.from_codes(new_codes, categories=categories, validate=False),
        index=series.index,
    )
