"""The `caseload survey` reports: a survey's own figures, and actual loads held against them.

Union negotiators publish the survey's figures; HR and the union then hold
actual caseloads against the levels colleagues say are safe, next to the
scheme's ceilings. Both are `Report`s built here, whatever the output format
(the histogram carries a `Chart`; each renderer draws it its own way), and
`run_survey` / `run_against` are the whole jobs the command runs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from caseload_cli.contract.responses import Responses, read_responses
from caseload_cli.contract.validate import ValidInputs
from caseload_cli.core.errors import UsageError
from caseload_cli.core.model import Chart, ReadOptions, Report
from caseload_cli.core.progress import Progress
from caseload_cli.core.vocabulary import AGAINST_BY, DEFAULT_POPULATION, GROUP_KEYS, TOLERANCE
from caseload_cli.engine.population import population_note, population_workers
from caseload_cli.engine.weighed import weigh
from caseload_cli.reports.inputs import Inputs, prepare
from caseload_cli.reports.provenance import record_input
from caseload_cli.survey.figures import SurveySettings, figures, histogram
from caseload_cli.survey.levels import SafeLevels

__all__ = ["against_report", "run_against", "run_survey", "survey_report"]


# --------------------------------------------------------------------------- the survey's figures


def run_survey(
    path: str,
    settings: SurveySettings,
    by: str = "team_type",
    reading: ReadOptions = ReadOptions(),  # noqa: B008 - frozen dataclass, safe default
    mapping: str | None = None,
    *,
    on_read: Callable[[Responses], None] | None = None,
) -> Report:
    """Read and validate the responses, then report their figures: the whole
    `caseload survey` job. `on_read` sees the validated responses first (the
    CLI reports rejections there)."""
    responses = read_responses(path, reading, mapping)
    record_input("responses", path, responses.rows_read)
    record_input("mapping", mapping)
    if on_read is not None:
        on_read(responses)
    return survey_report(responses, settings, by)


def survey_report(responses: Responses, settings: SurveySettings, by: str = "team_type") -> Report:
    """The survey's own figures (no scheme): by group, with a histogram section and its chart."""
    rows = figures(responses.frame, by, settings)
    hist = histogram(responses.frame, settings)
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
    charts = [] if hist.empty else [_histogram_chart(settings)]
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
        charts=charts,
    )


def _histogram_chart(settings: SurveySettings) -> Chart:
    """Bars of the histogram section, answers inside the range standing out."""
    return Chart(
        section="histogram",
        category="safe_cases",
        value="respondents",
        title="Respondents by safe caseload answer",
        x_title="safe cases",
        y_title="respondents",
        description="Histogram of safe caseload answers",
        highlight_column="from",  # the bins' lower bounds
        highlight_range=settings.range,
        text_columns=("safe_cases", "respondents", "share_pct"),
    )


# --------------------------------------------------------------------------- against


def run_against(
    inputs: Inputs,
    levels: SafeLevels,
    by: str = "team_type",
    population: str = DEFAULT_POPULATION,
    progress: Progress | None = None,
    on_validated: Callable[[ValidInputs], None] | None = None,
) -> Report:
    """Read and validate the case inputs, add the responses' accounting, and hold the
    loads against the survey's levels: the whole `caseload survey --against` job.

    `on_validated` sees the validated inputs, responses included, before
    weighing (the CLI reports rejections there).
    """
    valid = levels.merge_into(prepare(inputs, [levels.scheme], progress))
    record_input("responses", levels.responses.source, levels.responses.rows_read)
    if on_validated is not None:
        on_validated(valid)
    return against_report(valid, levels, by, population)


def against_report(
    valid: ValidInputs,
    levels: SafeLevels,
    by: str = "team_type",
    population: str = DEFAULT_POPULATION,
) -> Report:
    """Per group: who holds more than colleagues say is safe, and more than the ceilings.

    The workers are those `population` counts (docs/population.md: FCAs and
    locum FCAs by default). Both comparisons use the same weighed loads and
    each worker's available FTE. "Extra FTE" is the excess cases held at the
    level per FTE, i.e. the staff needed to bring everyone down to it without
    moving cases between existing workers.
    """
    if by not in AGAINST_BY:
        raise UsageError(
            f"--by {by} cannot group workers; with --against use {', '.join(AGAINST_BY)}"
        )
    scheme = levels.scheme
    workers = population_workers(weigh(valid, scheme).workers, population)
    load = workers["weighted_load"]
    safe_excess = (load - workers["napo_safe_load"]).clip(lower=0.0)
    ceiling_excess = (load - workers["capacity"]).clip(lower=0.0)
    frame = pd.DataFrame(
        {
            "workers": 1,
            "available_fte": workers["available_fte"],
            "weighted_load": load,
            "survey_safe_load": workers["napo_safe_load"],
            "workers_over_survey": (load > workers["napo_safe_load"] + TOLERANCE).astype("int64"),
            "excess_over_survey": safe_excess.where(safe_excess > TOLERANCE, 0.0),
            "fte_to_survey_level": safe_excess / workers["napo_level"],
            "ceiling_capacity": workers["capacity"],
            "workers_over_ceiling": (load > workers["capacity"] + TOLERANCE).astype("int64"),
            "excess_over_ceiling": ceiling_excess.where(ceiling_excess > TOLERANCE, 0.0),
            "fte_to_ceiling": ceiling_excess / workers["target"],
        }
    )
    keys = list(GROUP_KEYS[by])
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
        notes=[population_note(population, managers_listed=False), *valid.notes, *levels.lines],
        metadata={
            "sheet": "against",
            "by": by,
            "population": population,
            **valid.snapshot_metadata(),
            **scheme.provenance,
            "responses": levels.responses.name,
            "responses_sha256": levels.responses.sha256,
            **levels.settings.as_dict(),
        },
    )


def _levels_section(workers: pd.DataFrame, levels: SafeLevels) -> pd.DataFrame:
    """One row per team type of the counted workers: the survey level next to the ceiling."""
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
