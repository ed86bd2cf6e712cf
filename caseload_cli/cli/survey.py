"""`caseload survey`: a safe-caseload survey's own figures, or actual loads against them.

Only click, the shared options and the vocabulary (whose tuples the library
checks against too) are imported here; the library (pandas) loads inside the
callback so that `caseload --help` stays fast. The jobs themselves are
`caseload_cli.reports.survey.run_survey` and `run_against`.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import click

from caseload_cli.cli.options import (
    population_option,
    run_options,
    scheme_option,
    staff_options,
)
from caseload_cli.core.vocabulary import (
    AGAINST_BY,
    DEFAULT_MIN_GROUP,
    DEFAULT_RANGE,
    DEFAULT_STATISTIC,
    MIN_GROUP_FLOOR,
    STATISTICS,
    SURVEY_BY,
)

#: Survey figures group responses (SURVEY_BY); --against groups workers (AGAINST_BY).
_BY_CHOICES = tuple(dict.fromkeys((*SURVEY_BY, *AGAINST_BY)))

if TYPE_CHECKING:
    from caseload_cli.cli.options import RunOptions
    from caseload_cli.contract.responses import Responses
    from caseload_cli.core.model import InputOptions


@click.command(
    "survey",
    epilog="""\b
Examples:
  caseload survey                                   # the bundled synthetic survey
  caseload survey responses.csv                     # the survey's own figures
  caseload survey responses.xlsx --by role --range 14:20 --min-group 10
  caseload survey responses.csv --format html --output survey.html
  caseload survey responses.csv --against cases.csv --staff staff.csv --by team
  caseload survey responses.csv --against cases.csv --staff staff.csv \\
      --reductions reductions.csv --scheme weighted-example --statistic median

\b
Without RESPONSES the bundled synthetic survey (sample_data/responses.csv) is
used. Groups with fewer than --min-group respondents are suppressed, and one
more group whenever only one would be, so no small group can be worked out
from the total. With --against, each counted worker's weighed load is held
against the survey's safe level for their team type and against the scheme's
ceilings (targets), side by side; the workers counted are FCAs and locum FCAs
unless --population all (docs/population.md). See docs/survey.md.""",
)
@click.argument("responses", required=False)
@click.option(
    "--by",
    type=click.Choice(_BY_CHOICES),
    default="team_type",
    show_default=True,
    help="Grouping: survey figures by national, team_type, role, service_area or law; "
    "with --against, workers by national, team_type, role, service_area or team.",
)
@click.option(
    "--range",
    "range_text",
    default=f"{DEFAULT_RANGE[0]:g}:{DEFAULT_RANGE[1]:g}",
    show_default=True,
    metavar="LO:HI",
    help="Report the share of answers from LO to HI inclusive (Napo: 86% in 14-20).",
)
@click.option(
    "--min-group",
    type=click.IntRange(min=MIN_GROUP_FLOOR),
    default=DEFAULT_MIN_GROUP,
    show_default=True,
    help="Suppress any group with fewer respondents than this (anonymity).",
)
@click.option(
    "--against",
    "against",
    metavar="CASES",
    help="Cases export to hold against the survey's safe levels (needs --staff).",
)
@staff_options
@scheme_option
@click.option(
    "--statistic",
    type=click.Choice(STATISTICS),
    default=None,
    help="With --against: the survey figure used as the safe level "
    f"(default: {DEFAULT_STATISTIC}).",
)
@population_option
@run_options
@click.pass_context
def survey(
    ctx: click.Context,
    responses: str | None,
    by: str,
    range_text: str,
    min_group: int,
    against: str | None,
    scheme: str,
    overrides: tuple[str, ...],
    statistic: str | None,
    population: str,
    source: InputOptions,
    run: RunOptions,
) -> None:
    """Safe-caseload survey figures, and actual loads against them."""
    from caseload_cli.cli import common
    from caseload_cli.reports import survey as reports
    from caseload_cli.survey.figures import SurveySettings, parse_range

    settings = SurveySettings(parse_range(range_text), min_group, statistic or DEFAULT_STATISTIC)
    path = _responses_path(responses, run.quiet)
    _check_options(ctx, by, against, source, statistic, overrides)
    shown = {"rejects_path": run.rejects_path, "strict": run.strict, "notes": not run.quiet}
    if against is None:
        hook = partial(_report_responses, **shown)
        report = reports.run_survey(
            path, settings, by, source.reading, source.mapping, on_read=hook
        )
    else:
        inputs = common.inputs_from_options(against, source)
        levels = common.survey_levels(
            path, scheme, overrides, statistic, source, run.quiet, against, settings
        )
        report = reports.run_against(
            inputs, levels, by, population, on_validated=run.on_validated()
        )
    run.write(report)


def _report_responses(responses: Responses, **shown: Any) -> None:
    """The responses' notes, first rejections and accounting line on stderr; --rejects
    and --strict as for any input."""
    from caseload_cli.cli.common import report_problems

    report_problems(responses.rejects, responses.notes, responses.accounting(), **shown)


def _responses_path(responses: str | None, quiet: bool) -> str:
    """RESPONSES, else the bundled synthetic survey (saying so unless --quiet)."""
    from caseload_cli.contract.responses import bundled_responses

    if responses is not None:
        return responses
    path = bundled_responses()
    from caseload_cli.cli.common import note

    note(f"no RESPONSES given; using the bundled synthetic survey {path}", quiet=quiet)
    return path


def _check_options(
    ctx: click.Context,
    by: str,
    against: str | None,
    source: InputOptions,
    statistic: str | None,
    overrides: tuple[str, ...],
) -> None:
    """Refuse options that only mean something with --against, and groupings that do not
    apply, before anything is read."""
    from caseload_cli.core.errors import UsageError

    if against is not None:
        if by not in AGAINST_BY:
            raise UsageError(f"--by {by} groups survey responses only; workers have no {by}")
        return
    given = [
        name
        for name, value in (
            ("--staff", source.staff),
            ("--reductions", source.reductions),
            ("--snapshot", source.snapshot),
            ("--statistic", statistic),
            ("--set", overrides or None),
        )
        if value
    ]
    given += [
        f"--{name}"
        for name in ("scheme", "population")
        if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT
    ]
    if given:
        raise UsageError(f"{', '.join(given)} only apply with --against CASES")
    if by not in SURVEY_BY:
        raise UsageError(f"--by {by} needs --against CASES (responses have no {by})")
