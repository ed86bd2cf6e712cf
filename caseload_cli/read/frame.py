"""What every reader shares: the column selection and the step that makes a `Table`.

The CSV and xlsx readers both end with a grid of text cells and a header row;
`finish` turns that into a `Table` the same way for both (header names,
duplicate headers, blank rows and columns, row numbers). `Wanted` is the
caller's column selection, which the Parquet reader applies as well. This
lives apart from `read.table` because the format modules need it and
`read.table` imports the format modules.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from caseload_cli.core.errors import InputError
from caseload_cli.core.model import Table
from caseload_cli.read.text import has_text, normalise_header


class Wanted:
    """Which headers the caller asked for (None = all), and which to read as categoricals."""

    def __init__(self, columns: list[str] | None, dictionary: tuple[str, ...] = ()) -> None:
        self.all = columns is None
        self.names = {str(c).strip().casefold() for c in columns or ()}
        self.names |= {normalise_header(str(c)) for c in columns or ()}
        self.dictionary = {normalise_header(str(c)) for c in dictionary}

    def __call__(self, header: str) -> bool:
        return (
            self.all
            or header.strip().casefold() in self.names
            or normalise_header(header) in self.names
        )

    def as_dictionary(self, header: str) -> bool:
        """Whether the caller asked for this column dictionary-encoded."""
        return normalise_header(header) in self.dictionary


def finish(
    raw: pd.DataFrame,
    header: list[str],
    first_row: np.ndarray,
    source: str,
    decimal: str,
    notes: list[str],
    wanted: Wanted,
    keep: np.ndarray | None = None,
) -> tuple[Table, dict[int, str]]:
    """Name the columns, reject duplicate headers, drop blank rows and columns.

    `raw` holds the data rows as text with positional columns, `first_row`
    the file row number of each. `keep` marks rows that must survive the
    blank-row drop (cells known to hide a value). Returns the table and the
    mapping from raw column position to header for kept columns.
    """
    names = [str(h).replace("\ufeff", "").strip() for h in header]
    nonblank_cols = {}
    row_has_value = np.zeros(len(raw), dtype=bool) if keep is None else keep.copy()
    for position, column in enumerate(raw.columns):
        has_value = has_text(raw[column])
        row_has_value |= has_value
        nonblank_cols[position] = bool(has_value.any())

    if not any(names):
        raise InputError(f"{source}: no header row (the first non-empty row has no names)")
    kept: dict[int, str] = {}
    seen: dict[str, int] = {}
    for position, name in enumerate(names):
        if not name:
            if not nonblank_cols.get(position, False):
                continue  # a trailing delimiter or an unused spreadsheet column
            name = f"column_{position + 1}"
            notes.append(
                f"{source}: column {position + 1} has values but no header; named '{name}'"
            )
        key = name.casefold()
        if key in seen:
            raise InputError(
                f"{source}: duplicate header '{name}' (columns {seen[key] + 1} and {position + 1})"
            )
        seen[key] = position
        kept[position] = name

    selected = {p: n for p, n in kept.items() if wanted(n)}
    skipped = int((~row_has_value).sum())
    if skipped:
        notes.append(f"{source}: {skipped:,} empty rows skipped (no value in any column)")
    rows = slice(None) if row_has_value.all() else row_has_value
    frame = raw.iloc[rows, list(selected)]
    frame.columns = list(selected.values())
    frame = frame.reset_index(drop=True)
    row_numbers = first_row[row_has_value].astype(np.int64)
    return Table(frame, source, row_numbers, decimal, notes), selected
