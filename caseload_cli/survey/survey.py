"""Safe-caseload surveys: the survey's own figures, and actual loads held against them.

Napo's 2021 survey asked Cafcass members how many cases they could safely hold
within their contracted hours (average 17.4, 16.5 for public-law FCAs, 86%
between 14 and 20, EIT workers 1.6 safeguarding letters a day; published
figures). Union negotiators rerun such surveys and HR checks the union's
numbers, so both need the figures computed the same way from the raw
responses, and compared with actual caseloads.

Three jobs, as plain functions the CLI and other Python code share:

* `read_responses` reads and validates one row per respondent with the same
  readers, mapping files and rejection rules as the case exports: every row
  is used or rejected with a reason, never dropped silently.
* `survey_report` publishes respondents, mean, median, quartiles and the
  share inside a range, overall and by a grouping, with a histogram. Groups
  with fewer than `min_group` respondents are suppressed, and so is a second
  group whenever exactly one would be, so no small group's figures can be
  worked out by subtraction from the total.
* `derive_levels` turns the published figures into scheme overrides for the
  Napo safe levels (so the scheme fingerprint changes and records the survey
  file's hash), and `against_report` counts who holds more than colleagues
  say is safe, next to the Cafcass ceilings.

Nothing here loops over respondents or workers in Python; group tables are
small frames built with `groupby`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import io
import json
import re
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from caseload_cli.contract.mapping import apply_mapping, load_mapping
from caseload_cli.contract.parsing import clean_text, parse_number
from caseload_cli.contract.validate import (
    LAWS,
    MAX_CONTRACTED_HOURS,
    Rejections,
    ValidInputs,
    check_codes,
    require_columns,
)
from caseload_cli.core.errors import CaseloadError, InputError, UsageError
from caseload_cli.core.model import ReadOptions, Report, Table
from caseload_cli.read.table import read_table
from caseload_cli.scheme.model import ROLES, Scheme, load_scheme

__all__ = [
    "AGAINST_BY",
    "DEFAULT_MIN_GROUP",
    "DEFAULT_RANGE",
    "MAX_SAFE_CASES",
    "MAX_SAFE_LETTERS",
    "SURVEY_BY",
    "Responses",
    "SafeLevels",
    "SurveySettings",
    "against_report",
    "bundled_responses",
    "derive_levels",
    "figures",
    "histogram",
    "parse_range",
    "read_responses",
    "survey_report",
    "validate_responses",
    "write_survey_report",
]

REQUIRED_COLUMNS = ("respondent_id", "role", "team_type", "safe_cases")
OPTIONAL_COLUMNS = ("law", "safe_letters_per_day", "contracted_hours", "service_area")
# Ceilings above which an answer is implausible (documented in docs/survey.md):
# 60 is more than twice the highest Cafcass ceiling for WAFH (25) and half as
# much again as the EIT one (40); 20 letters a day is 4 an hour.
MAX_SAFE_CASES = 60.0
MAX_SAFE_LETTERS = 20.0
DEFAULT_RANGE = (14.0, 20.0)
DEFAULT_MIN_GROUP = 5
MIN_GROUP_FLOOR = 3  # a group of two would let each member work out the other's answer
STATISTICS = ("mean", "median")
SURVEY_BY = ("national", "team_type", "role", "service_area", "law")
AGAINST_BY = ("national", "team_type", "role", "service_area", "team")
ALL = "all"
NOT_GIVEN = "(not given)"
QUARTILE_METHOD = "pandas Series.quantile, linear interpolation (Hyndman-Fan type 7)"
HUMAN_FORMATS = ("table", "markdown")
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_EPSILON = 1e-9
_BAR_WIDTH = 40

SMALL = "fewer than {n} respondents"
SECONDARY = "suppressed so that a small group cannot be worked out from the total"


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class SurveySettings:
    """How the figures are computed; recorded in every output's metadata."""

    range: tuple[float, float] = DEFAULT_RANGE
    min_group: int = DEFAULT_MIN_GROUP
    statistic: str = "mean"

    def __post_init__(self) -> None:
        if self.min_group < MIN_GROUP_FLOOR:
            raise UsageError(f"--min-group must be at least {MIN_GROUP_FLOOR}")
        if self.statistic not in STATISTICS:
            raise UsageError(f"--statistic must be one of {', '.join(STATISTICS)}")
        low, high = self.range
        if not 0 <= low <= high:
            raise UsageError("--range LO:HI needs 0 ≤ LO ≤ HI")

    def as_dict(self) -> dict[str, Any]:
        return {
            "range": list(self.range),
            "range_inclusive": True,
            "min_group": self.min_group,
            "statistic": self.statistic,
            "quartile_method": QUARTILE_METHOD,
            "max_safe_cases": MAX_SAFE_CASES,
            "max_safe_letters_per_day": MAX_SAFE_LETTERS,
        }


def parse_range(text: str) -> tuple[float, float]:
    """`14:20` -> (14.0, 20.0); both ends are included in the share."""
    low, sep, high = str(text).partition(":")
    try:
        if not sep:
            raise ValueError
        bounds = (float(low), float(high))
    except ValueError:
        raise UsageError(f"--range {text!r}: expected LO:HI, e.g. 14:20") from None
    if not all(np.isfinite(bounds)) or not 0 <= bounds[0] <= bounds[1]:
        raise UsageError(f"--range {text!r}: needs 0 ≤ LO ≤ HI, e.g. 14:20")
    return bounds


# --------------------------------------------------------------------------- reading


@dataclass
class Responses:
    """Validated responses: usable rows, what was rejected and why, and the file's hash."""

    frame: (
        pd.DataFrame
    )  # role, team_type, law, service_area, contracted_hours, safe_cases, safe_letters_per_day
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
    from caseload_cli.core.files import sample_data_dir

    path = sample_data_dir() / "responses.csv"
    if not path.exists():
        raise InputError(f"{path}: bundled responses file not found; give a RESPONSES file")
    return str(path)


def read_responses(
    path: str,
    options: ReadOptions = ReadOptions(),  # noqa: B008 - frozen dataclass, safe default
    mapping: str | None = None,
    *,
    stdin: IO[bytes] | None = None,
) -> Responses:
    """Read, map and validate a responses file (CSV, xlsx, Parquet or '-')."""
    if path == "-":
        data = (stdin if stdin is not None else sys.stdin.buffer).read()
        table = read_table("-", options, stdin=io.BytesIO(data))
        digest = hashlib.sha256(data).hexdigest()
    else:
        table = read_table(path, options)
        digest = file_sha256(path)
    table = apply_mapping(table, load_mapping(mapping) if mapping else None, "responses")
    return validate_responses(table, digest)


def file_sha256(path: str) -> str:
    """SHA-256 of a file; for a Parquet directory, of its files' names and hashes in order."""
    target = Path(path)
    try:
        if target.is_dir():
            combined = hashlib.sha256()
            for part in sorted(target.iterdir()):
                if part.suffix.lower() in (".parquet", ".pq") and not part.name.startswith(
                    (".", "_")
                ):
                    combined.update(f"{part.name}\0{file_sha256(str(part))}\n".encode())
            return combined.hexdigest()
        with target.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as problem:
        raise InputError(f"{path}: cannot read ({problem.strerror or problem})") from None


def validate_responses(table: Table, sha256: str = "") -> Responses:
    """Apply the responses contract (docs/survey.md): each row used or rejected with reasons."""
    require_columns(table, REQUIRED_COLUMNS)
    rejections = Rejections()
    for position, column, reason in table.cell_problems:  # xlsx formula cells: a few at most
        mask = pd.Series(False, index=table.frame.index)
        mask.iloc[position] = True
        rejections.add(table, mask, column, reason)
    frame = table.frame
    out = pd.DataFrame(index=frame.index)

    ids = clean_text(frame["respondent_id"])
    rejections.add(table, ids == "", "respondent_id", "respondent_id is blank")
    duplicate = ids.ne("") & ids.duplicated(keep="first")
    if duplicate.any():
        rows = pd.Series(table.row_numbers, index=ids.index)
        first = rows.groupby(ids.to_numpy(), sort=False).transform("first")
        reasons = "duplicate respondent_id (first at row " + first.astype(str) + ")"
        rejections.add(table, duplicate, "respondent_id", reasons)

    out["role"] = clean_text(frame["role"]).str.lower()
    check_codes(table, rejections, "role", out["role"], ROLES)
    out["team_type"] = clean_text(frame["team_type"]).str.lower()
    rejections.add(table, out["team_type"] == "", "team_type", "team_type is blank")
    if "law" in frame.columns:
        law = clean_text(frame["law"]).str.lower()
        check_codes(table, rejections, "law", law, LAWS, blank_ok=True)
        out["law"] = law.mask(law == "", NOT_GIVEN)
    else:
        out["law"] = NOT_GIVEN
    if "service_area" in frame.columns:
        area = clean_text(frame["service_area"])
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

    rejected = rejections.positions(table)
    good = out.drop(index=out.index[rejected]).reset_index(drop=True)
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


# --------------------------------------------------------------------------- figures

FIGURE_COLUMNS = [
    "respondents",
    "mean",
    "median",
    "q1",
    "q3",
    "in_range_pct",
    "letters_respondents",
    "letters_mean",
    "letters_median",
    "suppressed",
]
_CASE_FIGURES = ["respondents", "mean", "median", "q1", "q3", "in_range_pct"]
_LETTER_FIGURES = ["letters_respondents", "letters_mean", "letters_median"]


def figures(responses: pd.DataFrame, by: str, settings: SurveySettings) -> pd.DataFrame:
    """The all-respondents row, then one row per group of `by`, suppression applied.

    The first column is named after `by` ("level" for national) and the first
    row is labelled "all". `suppressed` says why a row's figures are blank.
    """
    if by not in SURVEY_BY:
        raise UsageError(
            f"--by {by} is not a grouping of survey responses ({', '.join(SURVEY_BY)})"
        )
    label = "level" if by == "national" else by
    whole = _group_figures(responses, pd.Series(ALL, index=responses.index, dtype="str"), settings)
    if whole.empty:  # no usable responses: a total of 0 with no figures
        whole = pd.DataFrame(
            {c: [0 if c.endswith("respondents") else np.nan] for c in whole.columns}
        )
    whole.index = pd.Index([ALL], dtype="str")
    groups = (
        whole.iloc[0:0] if by == "national" else _group_figures(responses, responses[by], settings)
    )
    table = pd.concat([whole, groups]) if len(groups) else whole
    table = _suppress(table, settings.min_group)
    table.index.name = label
    out = table.reset_index()
    out[label] = out[label].astype("str")
    return out[[label, *FIGURE_COLUMNS]]


def _group_figures(
    responses: pd.DataFrame, key: pd.Series, settings: SurveySettings
) -> pd.DataFrame:
    low, high = settings.range
    cases = responses["safe_cases"]
    grouped = cases.groupby(key, sort=True)
    out = pd.DataFrame(
        {
            "respondents": grouped.size(),
            "mean": grouped.mean(),
            "median": grouped.median(),
        }
    )
    if len(out):
        quartiles = grouped.quantile([0.25, 0.75], interpolation="linear").unstack()
        out["q1"] = quartiles[0.25]
        out["q3"] = quartiles[0.75]
    else:
        out["q1"] = out["q3"] = pd.Series(dtype="float64")
    out["in_range_pct"] = cases.between(low, high).groupby(key, sort=True).mean() * 100
    letters = responses["safe_letters_per_day"].groupby(key, sort=True)
    out["letters_respondents"] = letters.count()
    out["letters_mean"] = letters.mean()
    out["letters_median"] = letters.median()
    out.index = out.index.astype("str")
    return out


def _suppress(table: pd.DataFrame, min_group: int) -> pd.DataFrame:
    """Blank small groups' figures, plus one more group when only one would be blank.

    Row 0 is the all-respondents total. If exactly one group were hidden, its
    sum (and so its mean and share) would follow from the total minus the
    others, so the smallest remaining group is hidden too. Letters figures
    are protected the same way on their own counts.
    """
    table = table.copy()
    counts = table["respondents"].to_numpy(dtype="int64")
    hidden = counts < min_group
    secondary = _secondary(counts, hidden)
    reason = np.where(hidden, SMALL.format(n=min_group), np.where(secondary, SECONDARY, ""))
    hidden |= secondary

    letters = table["letters_respondents"].to_numpy(dtype="int64")
    letters_hidden = (letters > 0) & (hidden | (letters < min_group))
    letters_secondary = _secondary(letters, letters_hidden, among=letters > 0)
    letters_reason = np.where(
        ~hidden & letters_hidden,
        f"letters: {SMALL.format(n=min_group)}",
        np.where(letters_secondary, f"letters: {SECONDARY}", ""),
    )
    letters_hidden |= letters_secondary

    table["respondents"] = table["respondents"].astype("Int64")
    table["letters_respondents"] = table["letters_respondents"].astype("Int64")
    for column in _CASE_FIGURES:
        table[column] = table[column].mask(hidden)
    for column in _LETTER_FIGURES:
        table[column] = table[column].mask(letters_hidden)
    # No letters answers at all: nothing to protect, and a 0 count says so.
    table["letters_respondents"] = table["letters_respondents"].mask(hidden & (letters == 0), pd.NA)
    for column in ("mean", "median", "q1", "q3", "in_range_pct", "letters_mean", "letters_median"):
        table[column] = table[column].astype("float64").round(6)
    table["suppressed"] = [
        "; ".join(part for part in pair if part)
        for pair in zip(reason.tolist(), letters_reason.tolist(), strict=True)
    ]
    return table


def _secondary(
    counts: np.ndarray, hidden: np.ndarray, among: np.ndarray | None = None
) -> np.ndarray:
    """Which one extra group to hide when exactly one group (not the total, row 0) is hidden."""
    extra = np.zeros(counts.size, dtype=bool)
    if counts.size < 3 or hidden[0]:
        return extra  # only the total and one group, or everything is hidden already
    groups = np.arange(counts.size) >= 1
    if among is not None:
        groups &= among
    if int((hidden & groups).sum()) != 1:
        return extra
    candidates = np.flatnonzero(groups & ~hidden)
    if candidates.size:
        extra[candidates[np.argmin(counts[candidates])]] = True  # first of equals
    return extra


def histogram(responses: pd.DataFrame, settings: SurveySettings, bars: bool) -> pd.DataFrame:
    """Answers counted in bins of 1 case (wider when the answers spread over more than 30).

    A bin holds answers from `from` up to, not including, `to`. With `bars`
    (terminal and Markdown) the bounds give way to a text bar.
    """
    columns = (
        ["safe_cases", "respondents", "share_pct", "bar"]
        if bars
        else ["safe_cases", "from", "to", "respondents", "share_pct"]
    )
    values = responses["safe_cases"].to_numpy(dtype="float64")
    if values.size < settings.min_group:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    start = float(np.floor(values.min()))
    span = float(np.floor(values.max())) - start + 1
    width = 1.0 if span <= 30 else float(np.ceil(span / 30))
    index = np.floor((values - start) / width).astype(np.int64)
    counts = np.bincount(index)
    lower = start + width * np.arange(counts.size)
    upper = lower + width
    labels = (
        pd.Series(lower).map("{:g}".format)
        if width == 1
        else pd.Series(lower).map("{:g}".format) + "–" + pd.Series(upper - 1).map("{:g}".format)
    )
    out = pd.DataFrame(
        {
            "safe_cases": labels.astype("str"),
            "from": lower,
            "to": upper,
            "respondents": counts.astype("int64"),
            "share_pct": np.round(counts / values.size * 100, 6),
        }
    )
    if bars:
        lengths = np.where(
            counts > 0, np.maximum(1, np.round(counts / counts.max() * _BAR_WIDTH)), 0
        )
        out["bar"] = pd.Series("█", index=out.index).str.repeat(lengths.astype(int).tolist())
        out = out.drop(columns=["from", "to"])  # people read the label; machines get the bounds
    return out


def survey_report(
    responses: Responses, settings: SurveySettings, by: str = "team_type", *, bars: bool = False
) -> Report:
    """The survey's own figures (no scheme): by group, with a histogram section.

    `bars` adds a text bar to each histogram row (for the terminal and Markdown).
    """
    rows = figures(responses.frame, by, settings)
    hist = histogram(responses.frame, settings, bars)
    low, high = settings.range
    notes = [
        f"Responses: {responses.citation}; {responses.used:,} of {responses.rows_read:,} rows used",
        f"in_range_pct: share answering {low:g} to {high:g} inclusive; q1/q3: quartiles by "
        f"linear interpolation; letters: safe safeguarding letters a day (those who answered)",
        f"Groups with fewer than {settings.min_group} respondents are suppressed (blank), and one "
        f"more group when only one would be, so no small group can be worked out from the total",
    ]
    if hist.empty:
        notes.append(f"histogram suppressed: fewer than {settings.min_group} respondents")
    title_by = "" if by == "national" else f" by {by.replace('_', ' ')}"
    return Report(
        title=f"Safe caseload survey{title_by}",
        rows=rows,
        schemes=[],
        accounting=responses.accounting(),
        sections={"histogram": hist},
        band_column=None,
        notes=[*responses.notes, *notes],
        metadata={
            "sheet": "survey",
            "by": by,
            "responses": responses.name,
            "responses_sha256": responses.sha256,
            **settings.as_dict(),
        },
    )


# --------------------------------------------------------------------------- safe levels


@dataclass
class SafeLevels:
    """A scheme whose Napo safe levels come from a survey, and where each level came from."""

    scheme: Scheme
    responses: Responses
    settings: SurveySettings
    overrides: tuple[str, ...]
    levels: pd.DataFrame  # team_type, safe_level, basis, respondents, source
    lines: list[str]

    def source_of(self, team_type: str) -> tuple[str, int | None]:
        """Where a team type's level comes from (the overall level for unlisted ones)."""
        row = self.levels[self.levels["team_type"] == team_type]
        if row.empty:
            row = self.levels[self.levels["team_type"] == ALL]
        first = row.iloc[0]
        count = first["respondents"]
        return str(first["source"]), None if pd.isna(count) else int(count)

    def merge_into(self, valid: ValidInputs) -> ValidInputs:
        """Add the responses' rejections, notes and accounting to validated case inputs,
        so --rejects, --strict and the report account for the survey file too."""
        parts = [frame for frame in (valid.rejects, self.responses.rejects) if len(frame)]
        rejects = (
            pd.concat(parts, ignore_index=True).sort_values(["file", "row"], kind="stable")
            if len(parts) > 1
            else (parts[0] if parts else valid.rejects)
        )
        return dataclasses.replace(
            valid,
            rejects=rejects.reset_index(drop=True),
            accounting={**valid.accounting, **self.responses.accounting()},
            notes=[*valid.notes, *self.responses.notes],
        )

    def annotate(self, report: Report) -> Report:
        """Record the levels and the survey file in a report's notes and metadata."""
        report.notes.extend(self.lines)
        report.metadata.update(
            {
                "safe_levels_from": self.responses.name,
                "responses_sha256": self.responses.sha256,
                "safe_level_statistic": self.settings.statistic,
                "min_group": self.settings.min_group,
            }
        )
        return report


def derive_levels(
    responses: Responses,
    scheme: str,
    overrides: tuple[str, ...] | list[str] = (),
    settings: SurveySettings = SurveySettings(),
) -> SafeLevels:
    """Replace the scheme's Napo levels by the survey's (mean or median), as --set overrides.

    A team type uses its own respondents' figure when `caseload survey --by
    team_type` publishes it (not suppressed), else the all-respondents figure.
    The scheme's letters team type (EIT) uses the letters answers: its
    respondents', else everyone's, else the scheme's own rate. Because the
    levels are applied as overrides, the scheme fingerprint records them and
    the survey file's hash (in napo.source).
    """
    base = load_scheme(scheme, overrides)
    by_type = figures(responses.frame, "team_type", settings).set_index("team_type")
    overall = by_type.loc[ALL]
    stat = settings.statistic
    if pd.isna(overall[stat]):
        raise CaseloadError(
            f"{responses.name}: {responses.used:,} usable responses; at least "
            f"{settings.min_group} are needed to derive safe levels"
        )
    napo = base.model.napo
    letters_type = napo.letters.team_type if napo.letters is not None else None
    groups = by_type.drop(index=ALL)
    tag = f"survey {responses.citation}"
    full_tag = f"survey {responses.name} sha256:{responses.sha256}"  # for the fingerprint
    extra: list[str] = [f"napo.safe_cases={_number_text(overall[stat])}"]
    rows: list[dict[str, Any]] = [
        _level_row(
            ALL, overall[stat], "cases", overall["respondents"], f"{stat} of all respondents"
        )
    ]
    notes: list[str] = []

    wanted = sorted((set(groups.index) | set(napo.by_team_type)) - {letters_type})
    for team_type in wanted:
        if not _CODE.match(team_type):
            notes.append(
                f"team type {team_type!r} is not a code (a-z, 0-9, _); its respondents count "
                f"only in the all-respondents level"
            )
            continue
        own = groups[stat].get(team_type, np.nan)
        if pd.notna(own):
            value, count, source = (
                own,
                groups.at[team_type, "respondents"],
                f"{stat} of {team_type} respondents",
            )
        else:
            why = (
                "no respondents"
                if team_type not in groups.index
                else groups.at[team_type, "suppressed"]
            )
            value, count = overall[stat], overall["respondents"]
            source = f"{stat} of all respondents ({team_type}: {why})"
        extra.append(f"napo.by_team_type.{team_type}={_number_text(value)}")
        rows.append(_level_row(team_type, value, "cases", count, source))

    if letters_type is not None:
        letter_rows, letter_overrides = _letters_level(
            napo, letters_type, groups, overall, stat, full_tag
        )
        rows.extend(letter_rows)
        extra.extend(letter_overrides)
    extra.append(
        "napo.source="
        + json.dumps(
            f"Safe levels from {full_tag}: {stat} of safe_cases; a team type's own figure "
            f"when it has at least {settings.min_group} respondents and is published, "
            f"else all respondents.",
            ensure_ascii=False,
        )
    )
    chosen = load_scheme(scheme, [*overrides, *extra])
    levels = pd.DataFrame(rows)
    levels["respondents"] = levels["respondents"].astype("Int64")
    lines = [
        f"Napo safe levels from {tag} ({stat}; groups of at least {settings.min_group} "
        f"respondents), scheme {chosen.label} sha256:{chosen.fingerprint[:12]}:",
        *(_level_line(row) for row in rows),
        *notes,
    ]
    return SafeLevels(chosen, responses, settings, tuple(extra), levels, lines)


def _letters_level(
    napo: Any, team_type: str, groups: pd.DataFrame, overall: pd.Series, stat: str, tag: str
) -> tuple[list[dict[str, Any]], list[str]]:
    """The letters team's level: letters a day × the scheme's working days per case."""
    column = f"letters_{stat}"
    days = napo.letters.working_days_per_case
    own = groups[column].get(team_type, np.nan)
    if pd.notna(own):
        per_day, count = own, groups.at[team_type, "letters_respondents"]
        source = f"{stat} of {team_type} respondents' letters a day × {days:g} working days"
    elif pd.notna(overall[column]):
        per_day, count = overall[column], overall["letters_respondents"]
        source = f"{stat} of all respondents' letters a day × {days:g} working days"
    else:
        level = napo.by_team_type.get(team_type, napo.letters.per_day * days)
        source = "the scheme's own level (too few letters answers in the survey)"
        return [_level_row(team_type, level, "letters", None, source)], []
    level = round(float(per_day), 6) * days
    overrides = [
        f"napo.letters.per_day={_number_text(per_day)}",
        "napo.letters.source="
        + json.dumps(f"Letters a day from {tag} ({stat}).", ensure_ascii=False),
    ]
    if team_type in napo.by_team_type:  # an entry there wins over letters: keep them equal
        overrides.append(f"napo.by_team_type.{team_type}={_number_text(level)}")
    row = _level_row(team_type, level, "letters", count, source)
    row["letters_per_day"] = round(float(per_day), 6)
    return [row], overrides


def _level_row(team_type: str, value: float, basis: str, count: Any, source: str) -> dict[str, Any]:
    return {
        "team_type": team_type,
        "safe_level": round(float(value), 6),
        "basis": basis,
        "letters_per_day": np.nan,
        "respondents": None if count is None or pd.isna(count) else int(count),
        "source": source,
    }


def _level_line(row: dict[str, Any]) -> str:
    who = "other team types" if row["team_type"] == ALL else row["team_type"]
    count = f", {row['respondents']:,} respondents" if row["respondents"] is not None else ""
    per_day = row["letters_per_day"]
    letters = f"{per_day:.2f} letters a day: " if pd.notna(per_day) else ""
    return f"  {who}: {row['safe_level']:.2f} cases per FTE ({letters}{row['source']}{count})"


def _number_text(value: Any) -> str:
    return repr(round(float(value), 6))


def check_stdin(responses: str | None, *others: str | None) -> None:
    """Standard input can be read once: at most one of the inputs may be '-'."""
    if responses == "-" and "-" in others:
        raise UsageError("only one input can be read from standard input ('-')")


# --------------------------------------------------------------------------- against


def against_report(valid: ValidInputs, levels: SafeLevels, by: str = "team_type") -> Report:
    """Per group: who holds more than colleagues say is safe, and more than the ceilings.

    Both comparisons use the same weighed loads and each worker's available
    FTE. "Extra FTE" is the excess cases held at the level per FTE, i.e. the
    staff needed to bring everyone down to it without moving cases between
    existing workers.
    """
    from caseload_cli.reports.pipeline import weigh

    if by not in AGAINST_BY:
        raise UsageError(
            f"--by {by} cannot group workers; with --against use {', '.join(AGAINST_BY)}"
        )
    scheme = levels.scheme
    workers = weigh(valid, scheme).workers
    load = workers["weighted_load"]
    safe_excess = (load - workers["napo_safe_load"]).clip(lower=0.0)
    ceiling_excess = (load - workers["capacity"]).clip(lower=0.0)
    frame = pd.DataFrame(
        {
            "workers": 1,
            "available_fte": workers["available_fte"],
            "weighted_load": load,
            "survey_safe_load": workers["napo_safe_load"],
            "workers_over_survey": (load > workers["napo_safe_load"] + _EPSILON).astype("int64"),
            "excess_over_survey": safe_excess.where(safe_excess > _EPSILON, 0.0),
            "fte_to_survey_level": safe_excess / workers["napo_level"],
            "ceiling_capacity": workers["capacity"],
            "workers_over_ceiling": (load > workers["capacity"] + _EPSILON).astype("int64"),
            "excess_over_ceiling": ceiling_excess.where(ceiling_excess > _EPSILON, 0.0),
            "fte_to_ceiling": ceiling_excess / workers["target"],
        }
    )
    keys = {
        "national": [],
        "team": ["service_area", "team"],
        "service_area": ["service_area"],
        "team_type": ["team_type"],
        "role": ["role"],
    }[by]
    if keys:
        frame = pd.concat([workers[keys], frame], axis=1)
        rows = frame.groupby(keys, sort=True, observed=True).sum().reset_index()
    else:
        rows = frame.sum().to_frame().T
        rows.insert(0, "level", "national")
    for column in ("workers", "workers_over_survey", "workers_over_ceiling"):
        rows[column] = rows[column].astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        rows.insert(
            rows.columns.get_loc("workers_over_survey") + 1,
            "pct_over_survey",
            np.round(100 * rows["workers_over_survey"] / rows["workers"], 2),
        )
        rows.insert(
            rows.columns.get_loc("workers_over_ceiling") + 1,
            "pct_over_ceiling",
            np.round(100 * rows["workers_over_ceiling"] / rows["workers"], 2),
        )
    floats = [c for c in rows.columns if c not in (*keys, "level") and rows[c].dtype.kind == "f"]
    rows[floats] = rows[floats].astype("float64").round(6)

    title_by = "nationally" if by == "national" else f"by {by.replace('_', ' ')}"
    return Report(
        title=f"Loads against the survey's safe level and the scheme's ceilings, {title_by}",
        rows=rows,
        schemes=[scheme.stamp],
        accounting=dict(valid.accounting),
        sections={"safe_levels": _levels_section(workers, levels)},
        band_column=None,
        notes=[*valid.notes, *levels.lines],
        metadata={
            "sheet": "against",
            "by": by,
            "snapshot": valid.snapshot.isoformat(),
            "scheme_origin": scheme.origin,
            "scheme_overrides": list(scheme.overrides),
            "responses": levels.responses.name,
            "responses_sha256": levels.responses.sha256,
            **levels.settings.as_dict(),
        },
    )


def _levels_section(workers: pd.DataFrame, levels: SafeLevels) -> pd.DataFrame:
    """One row per team type in the staff file: the survey level next to the ceiling."""
    scheme = levels.scheme
    counts = workers.groupby("team_type", sort=True).size()
    team_types = counts.index.astype("str").tolist()
    sources = [levels.source_of(t) for t in team_types]
    return pd.DataFrame(
        {
            "team_type": pd.Series(team_types, dtype="str"),
            "workers": counts.to_numpy(dtype="int64"),
            "survey_safe_level": [round(scheme.napo_level_for(t), 6) for t in team_types],
            "ceiling": [round(scheme.target_for("fca", t), 6) for t in team_types],
            "respondents": pd.array([count for _, count in sources], dtype="Int64"),
            "source": pd.Series([source for source, _ in sources], dtype="str"),
        }
    )


# --------------------------------------------------------------------------- output


def output_format(fmt: str | None, path: str | None) -> str:
    """The format write_report will use (so the histogram can add bars for people)."""
    from caseload_cli.render.report import format_from_path

    to_stdout = path is None or path == "-"
    chosen = fmt or (None if to_stdout else format_from_path(path)) or "table"
    if to_stdout and chosen in ("xlsx", "parquet"):  # before any reading, not after
        raise UsageError(f"--format {chosen} needs --output FILE")
    return chosen


def write_survey_report(
    report: Report, fmt: str | None, path: str | None, *, stdout: IO[str] | None = None
) -> str:
    """`write_report`, plus a bar chart of the histogram in html (SVG) and xlsx (BarChart)."""
    from caseload_cli.render.report import atomic_write, render, write_report

    fmt = output_format(fmt, path)
    hist = report.sections.get("histogram")
    if fmt not in ("html", "xlsx") or hist is None or hist.empty:
        return write_report(report, fmt, path, stdout=stdout)
    to_stdout = path is None or path == "-"
    if fmt == "xlsx" and to_stdout:
        raise UsageError("--format xlsx needs --output FILE")
    rendered = render(report, fmt)
    if fmt == "html":
        data: str | bytes = _html_with_chart(str(rendered), hist, report.metadata)
    else:
        data = _xlsx_with_chart(bytes(rendered), hist)
    if to_stdout:
        stream = stdout if stdout is not None else sys.stdout
        stream.write(str(data))
    else:
        atomic_write(str(path), data)
    return fmt


def _svg_chart(hist: pd.DataFrame, metadata: dict[str, Any]) -> str:
    """An inline SVG bar chart: one bar per bin, answers inside the range in green."""
    low, high = metadata.get("range", DEFAULT_RANGE)
    counts = hist["respondents"].to_numpy(dtype="float64")
    n = counts.size
    width, height, left, bottom, top = 640, 260, 40, 40, 20
    slot = (width - left - 10) / max(n, 1)
    peak = counts.max() if n and counts.max() > 0 else 1.0
    scale = (height - bottom - top) / peak
    inside = (hist["from"] >= low) & (hist["from"] <= high)
    bars = []
    for i, (label, count, ok) in enumerate(
        zip(hist["safe_cases"].tolist(), counts.tolist(), inside.tolist(), strict=True)
    ):
        x = left + i * slot
        h = count * scale
        y = height - bottom - h
        colour = "#2E7D32" if ok else "#90A4AE"
        text = html.escape(str(label))
        bars.append(
            f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{max(slot - 2, 1):.1f}" height="{h:.1f}" '
            f'fill="{colour}"><title>{text}: {int(count)} respondents</title></rect>'
            f'<text x="{x + slot / 2:.1f}" y="{height - bottom + 14}" font-size="10" '
            f'text-anchor="middle">{text}</text>'
        )
    axis = (
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" '
        f'stroke="#444"/><text x="{left - 6}" y="{top + 4}" font-size="10" '
        f'text-anchor="end">{int(peak)}</text><text x="{left - 6}" y="{height - bottom}" '
        f'font-size="10" text-anchor="end">0</text>'
        f'<text x="{(width + left) / 2:.0f}" y="{height - 6}" font-size="11" '
        f'text-anchor="middle">safe cases (green: {low:g} to {high:g})</text>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="Histogram of safe caseload answers">'
        f"{axis}{''.join(bars)}</svg>"
    )


def _html_with_chart(text: str, hist: pd.DataFrame, metadata: dict[str, Any]) -> str:
    figure = (
        '\n<figure class="chart">\n'
        + _svg_chart(hist, metadata)
        + "\n<figcaption>Respondents by safe caseload answer</figcaption>\n</figure>"
    )
    heading = text.find("<h2>Histogram</h2>")
    end = text.find("</table>", heading) if heading >= 0 else -1
    if end >= 0:
        cut = end + len("</table>")
        return text[:cut] + figure + text[cut:]
    cut = text.rfind("</body>")
    return text[:cut] + figure.lstrip("\n") + "\n" + text[cut:]


class _FixedTimeZip(zipfile.ZipFile):
    """Zip entries with one fixed timestamp, so the same report gives the same bytes."""

    def writestr(
        self,
        zinfo_or_arcname: str | zipfile.ZipInfo,
        data: str | bytes,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        from caseload_cli.core.files import FIXED_TIMESTAMP

        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            info = zipfile.ZipInfo(zinfo_or_arcname, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            info.compress_type = self.compression
            info.external_attr = 0o600 << 16
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(
        self,
        filename: str,
        arcname: str | None = None,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        """openpyxl writes worksheets through temporary files: stamp those too."""
        with open(filename, "rb") as source:
            data = source.read()
        self.writestr(arcname or Path(filename).name, data, compress_type, compresslevel)


def _xlsx_with_chart(data: bytes, hist: pd.DataFrame) -> bytes:
    """Add an openpyxl BarChart to the writer's Histogram sheet (the rest is untouched)."""
    from openpyxl import load_workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.writer.excel import ExcelWriter

    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook["Histogram"]
    columns = list(hist.columns)
    rows = len(hist) + 1
    chart = BarChart()
    chart.type = "col"
    chart.title = "Respondents by safe caseload answer"
    chart.y_axis.title = "respondents"
    chart.x_axis.title = "safe cases"
    chart.legend = None
    chart.gapWidth = 20
    value_column = columns.index("respondents") + 1
    chart.add_data(
        Reference(sheet, min_col=value_column, min_row=1, max_row=rows), titles_from_data=True
    )
    chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=rows))
    chart.width, chart.height = 18, 9
    sheet.add_chart(chart, f"{_column_letter(len(columns) + 2)}2")
    buffer = io.BytesIO()
    with _FixedTimeZip(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).save()  # not save(): that would stamp "modified" with now
    return buffer.getvalue()


def _column_letter(number: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(number)
