"""Privacy for exports: keyed worker pseudonyms and small-group suppression.

`--pseudonymise` replaces every worker ID in a report (every table, and the
title, notes and metadata that name a worker) by `W-` + 12 hex characters of
HMAC-SHA256 keyed with CASELOAD_PSEUDONYM_KEY, the rule `explain` uses for case
IDs: the same key gives the same pseudonym in every command and every week. A
worker's name is replaced by the same pseudonym, so each table keeps its columns
(scripts that pin them keep working) and a readable label, and no name travels.

`--min-group N` blanks the figures of roll-up groups with fewer than N workers,
and the complementary group that would otherwise give them away
(`engine.suppress`); the `suppressed` column says why, and a note how many.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from caseload_cli.core.errors import UsageError
from caseload_cli.core.model import Report
from caseload_cli.core.pseudonym import WORKER_PREFIX, pseudonym
from caseload_cli.core.vocabulary import GROUP_KEYS, MIN_GROUP_FLOOR
from caseload_cli.engine.suppress import blank_rows, suppress_groups

#: Columns that hold a worker's ID (and any column ending in `_worker`: week's
#: from_worker, to_worker), and columns that hold their name.
ID_COLUMNS = ("worker_id", "from_worker", "to_worker")
NAME_COLUMNS = ("name",)


def _id_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c in ID_COLUMNS or str(c).endswith("_worker")]


# --------------------------------------------------------------------------- pseudonyms


def pseudonymise_workers(report: Report, key: bytes, also: Sequence[str] = ()) -> Report:
    """`report` with every worker ID and name replaced by the worker's keyed pseudonym;
    `also` are IDs the tables may not hold but the title or metadata may (--worker)."""
    frames = {"": report.rows, **report.sections}
    ids: set[str] = set(also)
    for frame in frames.values():
        for column in _id_columns(frame):
            ids.update(frame[column].dropna().astype("str").unique().tolist())
    lookup = {worker: pseudonym(worker, key, WORKER_PREFIX) for worker in ids if worker}
    changed = {name: _pseudonymised_frame(frame, lookup, key) for name, frame in frames.items()}
    text = _replacer(lookup)
    metadata = {key_: _replace_in(value, text) for key_, value in report.metadata.items()}
    metadata["workers_pseudonymised"] = True
    return dataclasses.replace(
        report,
        title=text(report.title),
        rows=changed.pop(""),
        sections=changed,
        notes=[text(note) for note in report.notes],
        metadata=metadata,
    )


def _pseudonymised_frame(frame: pd.DataFrame, lookup: dict[str, str], key: bytes) -> pd.DataFrame:
    id_columns = _id_columns(frame)
    if not id_columns and not any(c in frame.columns for c in NAME_COLUMNS):
        return frame
    out = frame.copy()
    for column in id_columns:
        out[column] = _mapped(out[column], lookup)
    worker = "worker_id" if "worker_id" in out.columns else None
    for column in NAME_COLUMNS:
        if column not in out.columns:
            continue
        if worker is not None:  # the worker's pseudonym: a label that names nobody
            out[column] = out[worker].where(out[column].notna())
        else:
            names = out[column].dropna().astype("str").unique().tolist()
            own = {name: pseudonym(name, key, WORKER_PREFIX) for name in names if name}
            out[column] = _mapped(out[column], own)
    return out


def _mapped(values: pd.Series, lookup: dict[str, str]) -> pd.Series:
    text = values.astype("object")
    mapped = text.map(lambda v: v if pd.isna(v) or v == "" else lookup.get(str(v), v))
    return mapped.astype(values.dtype if values.dtype == "string" else "object")


def _replacer(lookup: dict[str, str]):
    if not lookup:
        return lambda text: text
    pattern = re.compile(
        r"(?<![\w-])("
        + "|".join(re.escape(k) for k in sorted(lookup, key=len, reverse=True))
        + r")(?![\w-])"
    )
    return lambda text: pattern.sub(lambda m: lookup[m.group(1)], text)


def _replace_in(value, text):
    if isinstance(value, str):
        return text(value)
    if isinstance(value, list):
        return [_replace_in(v, text) for v in value]
    if isinstance(value, dict):
        return {k: _replace_in(v, text) for k, v in value.items()}
    return value


# --------------------------------------------------------------------------- suppression


def check_min_group(min_group: int | None, by: str, option: str = "--min-group") -> None:
    """--min-group needs a roll-up (a worker row is one person) and at least the floor."""
    if min_group is None:
        return
    if min_group < MIN_GROUP_FLOOR:
        raise UsageError(
            f"{option} must be at least {MIN_GROUP_FLOOR} (a group of two would let each "
            "member work out the other's figures)"
        )
    if by == "worker":
        raise UsageError(
            f"{option} applies to roll-ups (--by team, service_area, …): with --by worker "
            "each row is one person; use --pseudonymise to hide who they are"
        )


def parents_of(by: str) -> list[str]:
    """The columns naming the set a group belongs to (a team's service area)."""
    keys = list(GROUP_KEYS.get(by, ()))
    return keys[:-1]


def suppress_rollup(
    frame: pd.DataFrame,
    by: str,
    min_group: int,
    within: Sequence[str] = (),
    keep: Sequence[str] = (),
) -> tuple[pd.DataFrame, np.ndarray, str]:
    """A roll-up (`workers` per group) with its small groups and complements blanked;
    `within` adds columns each set is taken within (trend's snapshot). Returns the
    table, the rows hidden and the note saying so ("" when none is)."""
    keys = list(GROUP_KEYS.get(by, ())) or ["level"]
    kept = [*within, *keys, "workers", *keep]
    table, hide, small, extra = suppress_groups(
        frame, min_group, kept, [(None, [*within, *parents_of(by)])]
    )
    return table, hide, suppression_note(min_group, small, extra)


def suppression_note(min_group: int, small: int, extra: int) -> str:
    """What --min-group hid, for the report's notes (always said, so a reader knows)."""
    text = (
        f"--min-group {min_group}: figures of groups with fewer than {min_group} workers are "
        f"blank ({small:,} rows)"
    )
    if extra:
        text += f", and of {extra:,} more so that a small group cannot be worked out from the total"
    return text + "; the suppressed column says why."


def blank_matching(
    frame: pd.DataFrame, hidden: pd.DataFrame, keys: Sequence[str], keep: Sequence[str]
) -> pd.DataFrame:
    """Blank the rows of `frame` whose `keys` match a row of `hidden` (every column but
    `keep`): another table of the same report about the same groups."""
    if hidden.empty or not set(keys) <= set(frame.columns):
        return frame
    key = list(keys)
    marks = (
        frame[key]
        .astype("str")
        .merge(hidden[key].astype("str").drop_duplicates().assign(_hide=True), on=key, how="left")
    )
    return blank_rows(frame, marks["_hide"].fillna(False).to_numpy(dtype=bool), keep)
