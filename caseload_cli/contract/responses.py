"""The safe-caseload survey's row contract: one row per respondent, used or rejected.

Responses are read with the same readers, mapping files and rejection rules
as the case exports, so every row is used or rejected with a reason, never
dropped silently (docs/survey.md lists the columns and the exact reasons).
The file's hash travels with the validated rows so that every figure made
from them can cite exactly which answers it used.
"""

from __future__ import annotations

import hashlib
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from caseload_cli.contract.mapping import apply_mapping, load_mapping
from caseload_cli.contract.parsing import parse_number
from caseload_cli.contract.rejections import (
    Rejections,
    check_codes,
    column_text,
    first_rows,
    reader_problems,
    require_columns,
    without_rows,
)
from caseload_cli.core.errors import InputError, UsageError
from caseload_cli.core.files import file_sha256, sample_data_dir
from caseload_cli.core.model import ReadOptions, Table
from caseload_cli.core.vocabulary import LAWS, MAX_CONTRACTED_HOURS, ROLES
from caseload_cli.read.table import read_table

__all__ = [
    "MAX_SAFE_CASES",
    "MAX_SAFE_LETTERS",
    "NOT_GIVEN",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "Responses",
    "bundled_responses",
    "check_stdin",
    "read_responses",
    "validate_responses",
]

REQUIRED_COLUMNS = ("respondent_id", "role", "team_type", "safe_cases")
OPTIONAL_COLUMNS = ("law", "safe_letters_per_day", "contracted_hours", "service_area")
# Ceilings above which an answer is implausible (documented in docs/survey.md):
# 60 is more than twice the highest Cafcass ceiling for WAFH (25) and half as
# much again as the EIT one (40); 20 letters a day is 4 an hour.
MAX_SAFE_CASES = 60.0
MAX_SAFE_LETTERS = 20.0
#: The group of a blank optional code (law, service_area).
NOT_GIVEN = "(not given)"


@dataclass
class Responses:
    """Validated responses: usable rows, what was rejected and why, and the file's hash."""

    #: role, team_type, law, service_area, safe_cases, safe_letters_per_day, contracted_hours
    frame: pd.DataFrame
    rejects: pd.DataFrame
    rows_read: int
    source: str
    sha256: str
    notes: list[str] = field(default_factory=list)

    @property
    def used(self) -> int:
        return len(self.frame)

    @property
    def rejected(self) -> int:
        return self.rows_read - self.used

    @property
    def name(self) -> str:
        """The file name without its folder, so citations do not depend on where it lives."""
        return self.source if self.source.startswith("<") else Path(self.source).name

    @property
    def citation(self) -> str:
        return f"{self.name} sha256:{self.sha256[:12]}"

    def accounting(self) -> dict[str, int]:
        return {
            "responses_read": self.rows_read,
            "responses_used": self.used,
            "responses_rejected": self.rejected,
        }


def bundled_responses() -> str:
    """The shipped synthetic survey, so `caseload survey` works straight after install."""
    path = sample_data_dir() / "responses.csv"
    if not path.exists():
        raise InputError(f"{path}: bundled responses file not found; give a RESPONSES file")
    return str(path)


def check_stdin(responses: str | None, *others: str | None) -> None:
    """Standard input can be read once: at most one of the inputs may be '-'."""
    if responses == "-" and "-" in others:
        raise UsageError("only one input can be read from standard input ('-')")


def read_responses(
    path: str,
    options: ReadOptions = ReadOptions(),  # noqa: B008 - frozen dataclass, safe default
    mapping: str | None = None,
    *,
    stdin: IO[bytes] | None = None,
) -> Responses:
    """Read, map and validate a responses file (CSV, xlsx, Parquet or '-')."""
    if path == "-":  # read once: the bytes are both parsed and hashed
        data = (stdin if stdin is not None else sys.stdin.buffer).read()
        table = read_table("-", options, stdin=io.BytesIO(data))
        digest = hashlib.sha256(data).hexdigest()
    else:
        table = read_table(path, options)
        digest = file_sha256(path)
    table = apply_mapping(table, load_mapping(mapping) if mapping else None, "responses")
    return validate_responses(table, digest)


def validate_responses(table: Table, sha256: str = "") -> Responses:
    """Apply the responses contract (docs/survey.md): each row used or rejected with reasons."""
    require_columns(table, REQUIRED_COLUMNS)
    rejections = Rejections()
    reader_problems(table, rejections)
    frame = table.frame
    out = pd.DataFrame(index=frame.index)

    ids = column_text(table, "respondent_id")
    rejections.add(table, ids == "", "respondent_id", "respondent_id is blank")
    duplicate = ids.ne("") & ids.duplicated(keep="first")
    if duplicate.any():
        reasons = (
            "duplicate respondent_id (first at row " + first_rows(table, ids).astype(str) + ")"
        )
        rejections.add(table, duplicate, "respondent_id", reasons)

    out["role"] = column_text(table, "role").str.lower()
    check_codes(table, rejections, "role", out["role"], ROLES)
    out["team_type"] = column_text(table, "team_type").str.lower()
    rejections.add(table, out["team_type"] == "", "team_type", "team_type is blank")
    if "law" in frame.columns:
        law = column_text(table, "law").str.lower()
        check_codes(table, rejections, "law", law, LAWS, blank_ok=True)
        out["law"] = law.mask(law == "", NOT_GIVEN)
    else:
        out["law"] = NOT_GIVEN
    if "service_area" in frame.columns:
        area = column_text(table, "service_area")
        out["service_area"] = area.mask(area == "", NOT_GIVEN)
    else:
        out["service_area"] = NOT_GIVEN

    out["safe_cases"] = _number(table, rejections, "safe_cases", 0.0, MAX_SAFE_CASES, required=True)
    out["safe_letters_per_day"] = _number(
        table, rejections, "safe_letters_per_day", 0.0, MAX_SAFE_LETTERS
    )
    out["contracted_hours"] = _number(
        table, rejections, "contracted_hours", 0.0, MAX_CONTRACTED_HOURS, zero_ok=True
    )

    good = without_rows(out, rejections.positions(table))
    for column in ("role", "team_type", "law", "service_area"):
        good[column] = good[column].astype("str")
    return Responses(
        frame=good,
        rejects=rejections.frame(),
        rows_read=len(frame),
        source=table.source,
        sha256=sha256,
        notes=list(table.notes),
    )


def _number(
    table: Table,
    rejections: Rejections,
    column: str,
    low: float,
    high: float,
    *,
    required: bool = False,
    zero_ok: bool = False,
) -> pd.Series:
    """A numeric answer as float64 (NaN when blank); bad and implausible values are rejected."""
    if column not in table.frame.columns:
        if required:  # pragma: no cover - require_columns already stopped the run
            raise InputError(f"{table.source}: missing required header '{column}'")
        return pd.Series(np.nan, index=table.frame.index, dtype="float64")
    parsed, bad = parse_number(table.frame[column], decimal=table.decimal)
    values = pd.Series(parsed.to_numpy(dtype="float64", na_value=np.nan), index=parsed.index)
    rejections.add(table, bad, column, f"{column} is not a number")
    if required:
        rejections.add(table, values.isna() & ~bad, column, f"{column} is blank")
    if zero_ok:
        outside = (values < low) | (values > high)
        reason = f"{column} must be between {low:g} and {high:g}"
    else:
        outside = (values <= low) | (values > high)
        reason = f"{column} must be more than {low:g} and at most {high:g}"
    rejections.add(table, values.notna() & outside, column, reason)
    return values
