"""A safe-caseload survey's own figures, computed the same way for whoever reruns them.

Napo's 2021 survey asked Cafcass members how many cases they could safely
hold within their contracted hours (average 17.4, 16.5 for public-law FCAs,
86% between 14 and 20, EIT workers 1.6 safeguarding letters a day; published
figures). Union negotiators rerun such surveys and HR checks the union's
numbers, so both need the figures computed the same way from the raw
responses: respondents, mean, median, quartiles and the share inside a range,
overall and by a grouping, and a histogram of the answers.

Groups with fewer than `min_group` respondents are suppressed, and so is a
second group whenever exactly one would be, so no small group's figures can
be worked out by subtraction from the total. Nothing here loops over
respondents in Python; group tables are small frames built with `groupby`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from caseload_cli.contract.responses import MAX_SAFE_CASES, MAX_SAFE_LETTERS
from caseload_cli.core.errors import UsageError
from caseload_cli.core.vocabulary import (
    DEFAULT_MIN_GROUP,
    DEFAULT_RANGE,
    DEFAULT_STATISTIC,
    MIN_GROUP_FLOOR,
    STATISTICS,
    SURVEY_BY,
)
from caseload_cli.engine.suppress import COMPLEMENTARY, complementary

__all__ = [
    "ALL",
    "FIGURE_COLUMNS",
    "HISTOGRAM_COLUMNS",
    "SECONDARY",
    "SMALL",
    "SurveySettings",
    "figures",
    "histogram",
    "parse_range",
]

#: The label of the all-respondents row (and of the overall safe level).
ALL = "all"
QUARTILE_METHOD = "pandas Series.quantile, linear interpolation (Hyndman-Fan type 7)"
SMALL = "fewer than {n} respondents"
SECONDARY = COMPLEMENTARY

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


@dataclass(frozen=True)
class SurveySettings:
    """How the figures are computed; recorded in every output's metadata."""

    range: tuple[float, float] = DEFAULT_RANGE
    min_group: int = DEFAULT_MIN_GROUP
    statistic: str = DEFAULT_STATISTIC

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


# --------------------------------------------------------------------------- figures


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


# --------------------------------------------------------------------------- suppression


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
    """Which one extra group to hide when exactly one group (not the total, row 0) is
    hidden: the complementary rule of `engine.suppress`, with row 0 as the total."""
    if counts.size < 3 or hidden[0]:
        return np.zeros(counts.size, dtype=bool)  # only the total and one group, or all hidden
    groups = np.arange(counts.size) >= 1
    if among is not None:
        groups &= among
    return complementary(counts, hidden, groups)


# --------------------------------------------------------------------------- histogram

HISTOGRAM_COLUMNS = ["safe_cases", "from", "to", "respondents", "share_pct"]


def histogram(responses: pd.DataFrame, settings: SurveySettings) -> pd.DataFrame:
    """Answers counted in bins of 1 case (wider when the answers spread over more than 30).

    A bin holds answers from `from` up to, not including, `to`; `safe_cases`
    is its label. Empty (every figure suppressed) with fewer than
    `min_group` answers.
    """
    values = responses["safe_cases"].to_numpy(dtype="float64")
    if values.size < settings.min_group:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in HISTOGRAM_COLUMNS})
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
    return pd.DataFrame(
        {
            "safe_cases": labels.astype("str"),
            "from": lower,
            "to": upper,
            "respondents": counts.astype("int64"),
            "share_pct": np.round(counts / values.size * 100, 6),
        }
    )
