"""Small-group suppression: one rule for survey figures and for roll-ups of loads.

A group with fewer than `min_group` members has its figures blanked. If exactly
one group of a set that adds up to a known total were blanked, its figures would
follow by subtraction (the total minus the others), so the smallest remaining
group of that set is blanked too (the complementary rule; the first of equals).
The survey applies it with the all-respondents row as the total; roll-ups of
workers (`--min-group` on load, compare, gap and trend) apply it among the groups
of each parent (the teams of one service area, the service areas of the nation).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

#: Why a row's figures are blank (the `suppressed` column).
SMALL_WORKERS = "fewer than {n} workers"
COMPLEMENTARY = "suppressed so that a small group cannot be worked out from the total"


def complementary(
    counts: np.ndarray, hidden: np.ndarray, eligible: np.ndarray | None = None
) -> np.ndarray:
    """Which one extra group to hide when exactly one `eligible` group is hidden: the
    smallest eligible group still shown (first of equals). All False otherwise."""
    counts = np.asarray(counts)
    extra = np.zeros(counts.size, dtype=bool)
    groups = np.ones(counts.size, dtype=bool) if eligible is None else np.asarray(eligible)
    if int((hidden & groups).sum()) != 1:
        return extra
    candidates = np.flatnonzero(groups & ~hidden)
    if candidates.size:
        extra[candidates[np.argmin(counts[candidates])]] = True
    return extra


def small_groups(
    table: pd.DataFrame,
    min_group: int,
    sets: Sequence[tuple[np.ndarray | None, Sequence[str]]] = ((None, ()),),
    count: str = "workers",
) -> tuple[np.ndarray, np.ndarray]:
    """(hidden, extra): rows of `table` with fewer than `min_group` in `count`, and the
    rows the complementary rule adds. `sets` names the sets of rows that add up to a
    total someone can see: (rows, parents) applies the rule among `rows` (None: all)
    that share `parents`' values, e.g. the teams of each service area."""
    counts = table[count].to_numpy(dtype="int64")
    hidden = counts < min_group
    extra = np.zeros(len(table), dtype=bool)
    for rows, parents in sets:
        chosen = np.ones(len(table), dtype=bool) if rows is None else np.asarray(rows, bool)
        if parents:
            keys = table[list(parents)].astype("str").agg("\x1f".join, axis=1).to_numpy()
        else:
            keys = np.zeros(len(table), dtype="int64")
        for key in pd.unique(keys[chosen]):
            members = np.flatnonzero(chosen & (keys == key))
            extra[members] |= complementary(counts[members], hidden[members] | extra[members])
    return hidden, extra & ~hidden


def blank_rows(
    table: pd.DataFrame, hide: np.ndarray, keep: Sequence[str], reasons: np.ndarray | None = None
) -> pd.DataFrame:
    """`table` with every column but `keep` blank on the `hide` rows (numbers become
    missing, text empty), and a `suppressed` column saying why when `reasons` is given."""
    out = table.copy()
    hide = np.asarray(hide, dtype=bool)
    if hide.any():
        for column in out.columns:
            if column in keep:
                continue
            series = out[column]
            if pd.api.types.is_bool_dtype(series) or pd.api.types.is_integer_dtype(series):
                series = series.astype(
                    "Int64" if not pd.api.types.is_bool_dtype(series) else "boolean"
                )
            elif not pd.api.types.is_numeric_dtype(series):
                series = series.astype("object")
            out[column] = series.mask(pd.Series(hide, index=out.index))
    if reasons is not None:
        out["suppressed"] = np.asarray(reasons, dtype=object)
    return out


def suppress_groups(
    table: pd.DataFrame,
    min_group: int,
    keep: Sequence[str],
    sets: Sequence[tuple[np.ndarray | None, Sequence[str]]] = ((None, ()),),
    count: str = "workers",
) -> tuple[pd.DataFrame, np.ndarray, int, int]:
    """Blank the small groups of a roll-up and their complements (see `small_groups`).

    Returns the table (with a `suppressed` column), the rows hidden, and how many
    were small and how many were hidden by the complementary rule."""
    hidden, extra = small_groups(table, min_group, sets, count)
    reasons = np.where(
        hidden, SMALL_WORKERS.format(n=min_group), np.where(extra, COMPLEMENTARY, "")
    )
    hide = hidden | extra
    return blank_rows(table, hide, keep, reasons), hide, int(hidden.sum()), int(extra.sum())
