"""`caseload survey`: a safe-caseload survey's own figures, or actual loads against them.

Only click and the shared options are imported here; the core (pandas) loads
inside the callback so that `caseload --help` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from caseload_cli.cli.options import (
    debug_option,
    output_options,
    quiet_option,
    read_options,
    scheme_option,
    staff_options,
    validation_options,
)

# Must equal caseload_cli.survey.survey.SURVEY_BY + AGAINST_BY (checked by tests/test_survey.py).
BY_CHOICES = ("national", "team_type", "role", "service_area", "law", "team")
STATISTICS = ("mean", "median")
MIN_GROUP_FLOOR = 3  # equals caseload_cli.survey.survey.MIN_GROUP_FLOOR

if TYPE_CHECKING:
    from caseload_cli.core.model import ReadOptions
    from caseload_cli.survey.survey import SafeLevels, SurveySettings


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
from the total. With --against, each worker's weighed load is held against the
survey's safe level for their team type and against the scheme's ceilings
(targets), side by side. See docs/survey.md.""",
)
@click.argument("responses", required=False)
@click.option(
    "--by",
    type=click.Choice(BY_CHOICES),
    default="team_type",
    show_default=True,
    help="Grouping: survey figures by national, team_type, role, service_area or law; "
    "with --against, workers by national, team_type, role, service_area or team.",
)
@click.option(
    "--range",
    "range_text",
    default="14:20",
    show_default=True,
    metavar="LO:HI",
    help="Report the share of answers from LO to HI inclusive (Napo: 86% in 14-20).",
)
@click.option(
    "--min-group",
    type=click.IntRange(min=MIN_GROUP_FLOOR),
    default=5,
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
    help="With --against: the survey figure used as the safe level (default: mean).",
)
@read_options
@validation_options
@output_options
@quiet_option
@debug_option
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
    output_format: str | None,
    output_path: str | None,
    rejects_path: str | None,
    strict: bool,
    quiet: bool,
    **options: str | None,
) -> None:
    """Safe-caseload survey figures, and actual loads against them."""
    from caseload_cli.cli.common import (
        inputs_from_options,
        report_problems,
        report_rejections,
    )
    from caseload_cli.core.errors import UsageError
    from caseload_cli.survey import survey as core

    settings = core.SurveySettings(core.parse_range(range_text), min_group, statistic or "mean")
    path = responses if responses is not None else core.bundled_responses()
    if responses is None and not quiet:
        click.echo(f"note: no RESPONSES given; using the bundled synthetic survey {path}", err=True)
    fmt = core.output_format(output_format, output_path)

    if against is None:
        given = [
            name
            for name, value in (
                ("--staff", options["staff_path"]),
                ("--reductions", options["reductions_path"]),
                ("--snapshot", options["snapshot"]),
                ("--statistic", statistic),
                ("--set", overrides or None),
            )
            if value
        ]
        if ctx.get_parameter_source("scheme") is not click.core.ParameterSource.DEFAULT:
            given.append("--scheme")
        if given:
            raise UsageError(f"{', '.join(given)} only apply with --against CASES")
        if by not in core.SURVEY_BY:
            raise UsageError(f"--by {by} needs --against CASES (responses have no {by})")
        data = core.read_responses(path, _reading(options), options["mapping"])
        report_problems(
            data.rejects, data.notes, data.accounting(), rejects_path, strict, notes=not quiet
        )
        report = core.survey_report(data, settings, by, bars=fmt in core.HUMAN_FORMATS)
    else:
        if by not in core.AGAINST_BY:
            raise UsageError(f"--by {by} groups survey responses only; workers have no {by}")
        from caseload_cli.reports.pipeline import prepare

        inputs = inputs_from_options(against, options)
        levels = survey_levels(
            path, scheme, overrides, statistic, options, rejects_path, quiet, against, settings
        )
        valid = levels.merge_into(prepare(inputs, [levels.scheme]))
        report_rejections(valid, rejects_path, strict, notes=not quiet)
        report = core.against_report(valid, levels, by)
    core.write_survey_report(report, fmt, output_path)


def _reading(options: dict[str, Any]) -> ReadOptions:
    """The shared read options (--input-format, --encoding, ...) as a ReadOptions."""
    from caseload_cli.cli.common import read_options as read_settings

    return read_settings(
        options["input_format"],
        options["encoding"],
        options["delimiter"],
        options["decimal"],
        options["sheet"],
    )


def survey_levels(
    responses: str | None,
    scheme: str,
    overrides: tuple[str, ...],
    statistic: str | None,
    options: dict[str, Any],
    rejects_path: str | None,
    quiet: bool,
    cases: str | None,
    settings: SurveySettings | None = None,
) -> SafeLevels:
    """Survey-derived Napo levels for `load --safe-levels-from` and `survey --against`.

    Reads RESPONSES with the command's read options and --mapping (its
    `responses` section), prints the levels with their source, and returns
    them; the responses' accounting line is printed with the others once
    merged. The computation is `caseload_cli.survey.survey.derive_levels`.
    """
    from caseload_cli.core.errors import UsageError
    from caseload_cli.survey import survey as core

    if responses is None:
        raise UsageError("--statistic only applies with --safe-levels-from RESPONSES")
    core.check_stdin(responses, cases, options["staff_path"], options["reductions_path"])
    if settings is None:
        settings = core.SurveySettings(statistic=statistic or "mean")
    data = core.read_responses(responses, _reading(options), options["mapping"])
    levels = core.derive_levels(data, scheme, overrides, settings)
    if not quiet:
        for line in levels.lines:
            click.echo(line, err=True)
    return levels
