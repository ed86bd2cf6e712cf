"""`caseload load`: the main job."""

from __future__ import annotations

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


@click.command(
    epilog="""\b
Examples:
  caseload load                                   # bundled sample data, flat scheme
  caseload load cases.xlsx --staff staff.csv --scheme flat --by team
  caseload load cases.parquet --staff staff.parquet --format xlsx --output week47.xlsx
  caseload load cases.csv --staff staff.csv --reductions reductions.csv \\
      --scheme weighted-example --set weights.case_type.r16_4=1.75
  caseload load cases.csv --staff staff.csv --format csv --strict --fail-on red
  caseload load cases.csv --staff staff.csv --view not_held_by_fca --format csv
  caseload load cases.csv --staff staff.csv --safe-levels-from responses.csv --statistic median

\b
Without CASES the bundled synthetic sample is used. Rows that break the data
contract are rejected with file, row, column and reason; the last line on
stderr accounts for every case row.""",
)
@click.argument("cases", required=False)
@staff_options
@scheme_option
@click.option(
    "--by",
    type=click.Choice(["worker", "team", "service_area", "national"]),
    default="worker",
    show_default=True,
    help="Level to report at; roll-ups sum loads and capacities before dividing.",
)
@click.option(
    "--fail-on",
    "fail_on",
    metavar="BAND",
    help="Exit 4 if any worker is in this band or a worse one (e.g. red).",
)
@click.option(
    "--safe-levels-from",
    "safe_levels_from",
    metavar="RESPONSES",
    help="Replace the scheme's Napo safe levels by a safe-caseload survey's figures, per team "
    "type where the group is large enough, else overall (see docs/survey.md).",
)
@click.option(
    "--statistic",
    type=click.Choice(["mean", "median"]),
    default=None,
    help="With --safe-levels-from: the survey figure used as the level (default: mean).",
)
@click.option(
    "--view",
    type=click.Choice(["load", "not_held_by_fca"]),
    default="load",
    show_default=True,
    help="Main table: the loads, or the work not held by an FCA (for csv/ndjson/parquet, "
    "which hold one table).",
)
@read_options
@validation_options
@output_options
@quiet_option
@debug_option
def load(
    cases: str | None,
    scheme: str,
    overrides: tuple[str, ...],
    by: str,
    fail_on: str | None,
    safe_levels_from: str | None,
    statistic: str | None,
    view: str,
    output_format: str | None,
    output_path: str | None,
    rejects_path: str | None,
    strict: bool,
    quiet: bool,
    **options: str | None,
) -> None:
    """Weigh CASES and report each worker's load against capacity and Napo safe levels."""
    from caseload_cli.cli.common import (
        check_fail_on,
        check_fail_on_band,
        inputs_from_options,
        report_rejections,
    )
    from caseload_cli.core.progress import progress_for
    from caseload_cli.engine.bands import band_names
    from caseload_cli.render.report import output_format as checked_format
    from caseload_cli.render.report import write_report
    from caseload_cli.reports.pipeline import build_load, prepare
    from caseload_cli.scheme.model import load_scheme

    output_format = checked_format(output_format, output_path)
    chosen = load_scheme(scheme, overrides)
    check_fail_on_band(fail_on, band_names(chosen))
    if overrides:
        from caseload_cli.reports.scenarios import set_option_notes

        for note in set_option_notes(scheme, overrides):  # a likely typo: shown even with -q
            click.echo(f"warning: {note}", err=True)
    levels = None
    if safe_levels_from is not None or statistic is not None:  # logic in caseload_cli.survey.survey
        from caseload_cli.cli.survey import survey_levels

        levels = survey_levels(
            safe_levels_from, scheme, overrides, statistic, options, rejects_path, quiet, cases
        )
        chosen = levels.scheme
    inputs = inputs_from_options(cases, options)
    progress = progress_for([inputs.cases, inputs.staff, inputs.reductions], quiet)
    valid = prepare(inputs, [chosen], progress)
    if levels is not None:
        valid = levels.merge_into(valid)
    report_rejections(valid, rejects_path, strict, notes=not quiet)
    progress.step(f"weighing {len(valid.cases):,} cases with {chosen.label} …")
    report, weighed = build_load(valid, chosen, by)
    progress.done()
    if levels is not None:
        levels.annotate(report)
    if view != "load":
        report = report.viewing(view, "load")
    write_report(report, output_format, output_path)
    check_fail_on(weighed.workers, fail_on, band_names(chosen))
