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

REJECT_COLUMNS = ["file", "row", "column", "value", "reason"]


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
                    "_kind": id(table),
                    "_position": where,
                }
            )
        )

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
