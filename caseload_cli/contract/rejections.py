"""How a row is turned away: the rejection list and the checks every input kind shares.

Each input kind (cases, staff, reductions, aggregate counts, survey responses)
has its own row contract, but all of them reject rows the same way: one entry
per bad cell with file, row, column, value and reason. Keeping that machinery
here means every contract phrases a missing header, a blank or an unknown code
in the same words, and the rejects file has one shape whatever was read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from caseload_cli.contract.parsing import clean_text
from caseload_cli.core.errors import InputError
from caseload_cli.core.model import Table
from caseload_cli.core.suggest import close_matches, did_you_mean

#: The rejects file's columns, in order; new columns are only ever added at the end.
#: `caused_by` names the rejection that took this row with it ("staff.csv row 7"), blank
#: when the row was rejected for its own sake.
REJECT_COLUMNS = ["file", "row", "column", "value", "reason", "caused_by"]


class Rejections:
    """Collects rejected cells; a row may be rejected for several reasons."""

    def __init__(self) -> None:
        self._parts: list[pd.DataFrame] = []

    def add(
        self,
        table: Table,
        mask: pd.Series,
        column: str,
        reason: str | pd.Series,
        values: pd.Series | None = None,
    ) -> None:
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        where = np.flatnonzero(mask.to_numpy())
        shown = values if values is not None else table.frame.get(column)
        shown_values = (
            clean_text(shown.iloc[where]).to_numpy() if shown is not None else [""] * len(where)
        )
        reasons = reason.iloc[where].to_numpy() if isinstance(reason, pd.Series) else reason
        self._parts.append(
            pd.DataFrame(
                {
                    "file": table.source,
                    "row": table.row_numbers[where],
                    "column": column,
                    "value": shown_values,
                    "reason": reasons,
                    "caused_by": "",
                    "_kind": id(table),
                    "_position": where,
                }
            )
        )

    def blame(self, table: Table, column: str, causes: dict[str, str]) -> None:
        """Name the rejection that caused others: each rejection of `table` in `column`
        whose value is a key of `causes` (e.g. a worker_id whose staff row was rejected)
        gets `caused_by` = that key's cause (e.g. "staff.csv row 7")."""
        if not causes:
            return
        for part in self._parts:
            if part["_kind"].iat[0] != id(table) or part["column"].iat[0] != column:
                continue
            cause = part["value"].map(causes)
            hit = cause.notna().to_numpy() & (part["caused_by"] == "").to_numpy()
            if hit.any():
                part.loc[hit, "caused_by"] = cause[hit]

    def positions(self, table: Table) -> np.ndarray:
        """Frame positions of the rows of `table` rejected so far."""
        found = [p["_position"].to_numpy() for p in self._parts if p["_kind"].iat[0] == id(table)]
        return np.unique(np.concatenate(found)) if found else np.array([], dtype=int)

    def frame(self) -> pd.DataFrame:
        if not self._parts:
            return pd.DataFrame({c: pd.Series(dtype="object") for c in REJECT_COLUMNS})
        every = pd.concat(self._parts, ignore_index=True)
        every = every.sort_values(["file", "row"], kind="stable")
        return every[REJECT_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------- headers


def require_columns(
    table: Table, required: tuple[str, ...], *, any_of: tuple[str, ...] = ()
) -> None:
    """Missing headers stop the run: no row of such a file could be weighed."""
    present = list(table.frame.columns)
    problems = []
    for name in required:
        if name not in present:
            problems.append(missing_header(table.source, name, present))
    if any_of and not any(name in present for name in any_of):
        problems.append(missing_header(table.source, " or ".join(any_of), present, any_of[0]))
    if problems:
        raise InputError("\n".join(problems))


def missing_header(source: str, name: str, present: list[str], probe: str | None = None) -> str:
    """The message for a required header that is not there, naming the ones that are."""
    close = close_matches(probe or name, present)
    hint = f"; close matches: {', '.join(close)}" if close else ""
    found = ", ".join(present)
    return (
        f"{source}: missing required header '{name}'{hint} "
        f"(headers found: {found}; a --mapping file can rename headers)"
    )


# --------------------------------------------------------------------------- codes

#: Words the reason for an unknown code: (what, value, known codes) -> reason.
UnknownReason = Callable[[str, str, Sequence[str]], str]


def not_known(what: str, value: str, known: Sequence[str]) -> str:
    """`law 'civil' is not known (did you mean …?)`, else the known codes."""
    hint = did_you_mean(str(value).lower(), known)
    return f"{what} {value!r} is not known ({hint or 'known: ' + ', '.join(known)})"


def check_codes(
    table: Table,
    rejections: Rejections,
    column: str,
    values: pd.Series,
    known: Sequence[str],
    what: str | None = None,
    *,
    blank_ok: bool = False,
    unknown: UnknownReason = not_known,
) -> None:
    """Blank or unknown codes are rejected with a suggestion, one per distinct value."""
    what = what or column
    blank = values == ""
    if not blank_ok:
        rejections.add(table, blank, column, f"{column} is blank")
    is_unknown = ~blank & ~values.isin(list(known))
    if is_unknown.any():
        distinct = pd.unique(values[is_unknown].astype("str"))
        reason_for = {v: unknown(what, v, known) for v in distinct}
        full = pd.Series("", index=values.index, dtype=object)
        full[is_unknown] = values[is_unknown].astype("str").map(reason_for)
        rejections.add(table, is_unknown, column, full)


# --------------------------------------------------------------------------- shared row helpers


def reader_problems(table: Table, rejections: Rejections) -> None:
    """Cells the reader could not read (bad bytes, ragged rows) become rejections."""
    problems = getattr(table, "cell_problems", []) or []
    grouped: dict[tuple[str, str], list[int]] = {}
    for position, column, reason in problems:
        grouped.setdefault((column, reason), []).append(position)
    for (column, reason), positions in grouped.items():
        mask = np.zeros(len(table.frame), dtype=bool)
        mask[positions] = True
        rejections.add(table, pd.Series(mask, index=table.frame.index), column, reason)


def column_text(table: Table, column: str) -> pd.Series:
    """A column as cleaned text ("" for blank)."""
    return clean_text(table.frame[column])


def code_text(table: Table, column: str) -> pd.Series:
    """A column of codes as written by people: `Phased Return` and `phased-return` both
    read as `phased_return`."""
    return column_text(table, column).str.lower().str.replace(r"[\s\-.]+", "_", regex=True)


def staff_positions(
    table: Table, rejections: Rejections, worker_id: pd.Series, staff: pd.DataFrame
) -> np.ndarray:
    """Each row's position in the accepted `staff` (-1: none); a blank worker_id or one not
    among them is rejected (a rejected staff row is named later by `Rejections.blame`)."""
    rejections.add(table, worker_id == "", "worker_id", "worker_id is blank")
    # Accepted staff IDs are unique, so an index lookup replaces a slow string isin.
    position = pd.Index(staff["worker_id"]).get_indexer(worker_id)
    rejections.add(
        table,
        (worker_id != "") & pd.Series(position < 0, index=worker_id.index),
        "worker_id",
        "worker_id is not in the staff file (or was rejected there)",
    )
    return position


def first_rows(table: Table, keys: pd.Series) -> pd.Series:
    """For each row, the file row number of the first row with the same key."""
    rows = pd.Series(table.row_numbers, index=keys.index)
    return rows.groupby(keys.to_numpy(), sort=False).transform("first")


def without_rows(frame: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    """The frame less the rejected rows, renumbered; no copy when nothing was rejected."""
    if len(positions) == 0:
        return frame.reset_index(drop=True)
    keep = np.ones(len(frame), dtype=bool)
    keep[positions] = False
    return frame[keep].reset_index(drop=True)


# --------------------------------------------------------------------------- summary

#: How many causes the stderr summary lists, and how many rows or values each shows.
SHOWN_CAUSES = 10
EXAMPLES = 3


def rejection_summary(
    rejects: pd.DataFrame,
    kinds: dict[str, str] | None = None,
    *,
    shown: int = SHOWN_CAUSES,
    show_values: bool = True,
) -> list[str]:
    """The rejections grouped by cause, root causes first, as `rejected: …` lines.

    A rejection that took other rows with it (a staff row whose cases were rejected
    with it, named in their `caused_by`) comes first, with the rows it took counted
    under it; then every other reason, most rows first, with its first rows and values.
    `kinds` names what each file's rows are ("case", "staff", "reduction");
    `show_values=False` leaves cell values (case and worker IDs) out.
    """
    if rejects.empty:
        return []
    kinds = kinds or {}
    frame = rejects.reset_index(drop=True)
    caused = (
        frame["caused_by"].fillna("").astype(str)
        if "caused_by" in frame.columns
        else pd.Series("", index=frame.index)
    )
    where = frame["file"].astype(str) + " row " + frame["row"].astype(str)
    is_taken = caused != ""
    is_root = where.isin(pd.unique(caused[is_taken])) & ~is_taken
    # Row labels of each root rejection, of the rows each took, and of each other reason.
    roots = frame[is_root].groupby(where[is_root], sort=False, dropna=False).groups
    taken = frame[is_taken].groupby(caused[is_taken], sort=False, dropna=False).groups
    reasons = (
        frame[~is_taken & ~is_root]
        .groupby(["file", "column", "reason"], sort=False, dropna=False)
        .groups
    )
    # Root causes in file and row order (the frame's), then each other reason, most first.
    cause_order = [*roots, *(cause for cause in taken if cause not in roots)]
    reason_order = sorted(reasons, key=lambda key: -len(reasons[key]))
    sizes = [
        *(len(roots.get(cause, ())) + len(taken[cause]) for cause in cause_order),
        *(len(reasons[key]) for key in reason_order),
    ]
    out: list[str] = []
    for cause in cause_order[:shown]:
        own = frame.loc[roots[cause]] if cause in roots else None
        out += _cause_lines(cause, own, frame.loc[taken[cause]], kinds, show_values)
    for key in reason_order[: max(shown - len(cause_order), 0)]:
        out.append(_group_line(frame.loc[reasons[key]], show_values))
    hidden = int(sum(sizes[shown:]))
    if hidden:
        out.append(f"rejected: ... and {hidden:,} more problem{'s' if hidden != 1 else ''}")
    return out


def _cause_lines(
    cause: str,
    own: pd.DataFrame | None,
    taken: pd.DataFrame,
    kinds: dict[str, str],
    show_values: bool,
) -> list[str]:
    """The root rejection's own lines, then a count of the rows it took, per file."""
    if own is not None:
        lines = [_one_line(record, show_values) for _, record in own.iterrows()]
        kind = kinds.get(str(own["file"].iat[0]), "")
    else:  # the cause is not among these rejections (e.g. a selection of them)
        lines, kind = [f"rejected: {cause}"], ""
    for (file, value), rows in taken.groupby(["file", "value"], sort=False)["row"]:
        lines.append(_taken_line(str(file), value, rows, kind, kinds, show_values))
    return lines


def _one_line(record: pd.Series, show_values: bool) -> str:
    """`rejected: cases.csv row 12, children: children is not a whole number (value 'two')`."""
    value, reason = record.get("value", ""), str(record["reason"])
    quoted = value in ("", None) or repr(value) in reason  # `case type 's8' is not known`
    shown = f" (value {value!r})" if show_values and not quoted else ""
    where = f"{record['file']} row {record['row']}, {record['column']}"
    return f"rejected: {where}: {reason}{shown}"


def _rows_text(rows: pd.Series) -> str:
    numbers = [str(row) for row in rows.iloc[:EXAMPLES]]
    more = f" and {len(rows) - EXAMPLES:,} more" if len(rows) > EXAMPLES else ""
    return ("rows " if len(rows) > 1 else "row ") + ", ".join(numbers) + more


def _taken_line(
    file: str, value: object, rows: pd.Series, kind: str, kinds: dict[str, str], shown: bool
) -> str:
    """`  32 case rows of worker W0042 rejected because their staff row was rejected (…)`."""
    noun = kinds.get(file)
    what = f"{noun} row" if noun else f"{file} row"
    what += "s" if len(rows) != 1 else ""
    whose = f" of worker {value}" if shown and value not in ("", None) else ""
    cause = f"{kind} row" if kind else "row"
    return (
        f"rejected:   {len(rows):,} {what}{whose} rejected because their {cause} was "
        f"rejected ({file} {_rows_text(rows)})"
    )


def _group_line(group: pd.DataFrame, show_values: bool) -> str:
    """One reason: the single row as it is, or `14 rows of cases.csv, children: … (rows
    5, 9, 12 and 11 more; values 'two', '2.5', 'x', …)`."""
    first = group.iloc[0]
    if len(group) == 1:
        return _one_line(first, show_values)
    detail = _rows_text(group["row"])
    values = [v for v in pd.unique(group["value"].astype(str)) if v != ""]
    reason = str(first["reason"])
    if show_values and values and not (len(values) == 1 and repr(values[0]) in reason):
        listed = ", ".join(repr(v) for v in values[:EXAMPLES])
        detail += f"; values {listed}" + (", ..." if len(values) > EXAMPLES else "")
    where = f"{len(group):,} rows of {first['file']}, {first['column']}"
    return f"rejected: {where}: {reason} ({detail})"
