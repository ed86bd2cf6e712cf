"""Safe levels taken from a survey: the scheme's Napo levels replaced by what colleagues say.

`derive_levels` turns the published survey figures (those `caseload survey
--by team_type` shows, suppression included) into scheme overrides for the
Napo safe levels, so the scheme fingerprint changes and records the survey
file's hash. `load --safe-levels-from` and `survey --against` both use it, so
a level cited from one is the level used by the other.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from caseload_cli.contract.responses import Responses
from caseload_cli.contract.validate import ValidInputs
from caseload_cli.core.errors import CaseloadError
from caseload_cli.scheme.model import Scheme, load_scheme
from caseload_cli.survey.figures import ALL, SurveySettings, figures

__all__ = ["SafeLevels", "derive_levels"]

_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass
class SafeLevels:
    """A scheme whose Napo safe levels come from a survey, and where each level came from."""

    scheme: Scheme
    responses: Responses
    settings: SurveySettings
    overrides: tuple[str, ...]
    levels: pd.DataFrame  # team_type, safe_level, basis, letters_per_day, respondents, source
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

    @property
    def metadata(self) -> dict[str, Any]:
        """What a report built with these levels records about the survey file."""
        return {
            "safe_levels_from": self.responses.name,
            "responses_sha256": self.responses.sha256,
            "safe_level_statistic": self.settings.statistic,
            "min_group": self.settings.min_group,
        }


def derive_levels(
    responses: Responses,
    scheme: str,
    overrides: tuple[str, ...] | list[str] = (),
    settings: SurveySettings = SurveySettings(),  # noqa: B008 - frozen dataclass, safe default
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
