"""`caseload gap`: FTE needed for a target load per FTE, and the gap to current FTE."""

from __future__ import annotations

import click

from caseload_cli.cli.options import (
    debug_option,
    output_options,
    population_option,
    quiet_option,
    read_options,
    scheme_option,
    staff_options,
    validation_options,
)


@click.command(
    epilog="""\b
Examples:
  caseload gap                                          # bundled sample, flat, ceilings
  caseload gap cases.csv --staff staff.csv --scheme flat --target 17.4 --by service_area
  caseload gap --scheme weighted-example --target napo --by team
  caseload gap --scheme flat --target 20,eit=40          # 20 per FTE, 40 in EIT teams
  caseload gap --counts area_counts.csv --fte area_fte.csv --scheme weighted-example
  caseload gap --counts area_counts.csv --fte area_fte.csv --target 17.4 --format csv

\b
need = weighted workload / target per FTE; gap = need - available FTE
(positive: more FTE needed). --target is a load per FTE, 'napo' (the
scheme's Napo safe level for each team type) or 'ceiling' (the scheme's own
targets), optionally followed by TEAM_TYPE=NUMBER items (20,eit=40). Rows
are per group and team type, with totals (team_type 'all'); shortfall_fte
adds only the positive gaps, so a surplus in one place never hides a
shortfall in another.

\b
With --counts (service_area, case_type, count[, stage][, team_type]) and
--fte (service_area, fte[, team_type]) no case-level data is needed: the
workload is Σ count × weight(case_type) × stage factor. See docs/gap.md.""",
)
@click.argument("cases", required=False)
@staff_options
@scheme_option
@click.option(
    "--target",
    "target_text",
    default="ceiling",
    show_default=True,
    metavar="NUMBER|napo|ceiling[,TYPE=N...]",
    help="Target load per FTE: a number (e.g. 17.4), napo or ceiling; then TYPE=N overrides.",
)
@click.option(
    "--by",
    type=click.Choice(["national", "service_area", "team"]),
    default="national",
    show_default=True,
    help="Group rows by this level (team needs case-level data).",
)
@population_option
@click.option(
    "--counts",
    "counts_path",
    help="Aggregate counts instead of cases: service_area, case_type, count[, stage].",
)
@click.option(
    "--fte",
    "fte_path",
    help="With --counts: current FTE per service_area[, team_type].",
)
@read_options
@validation_options
@output_options
@quiet_option
@debug_option
def gap(
    cases: str | None,
    scheme: str,
    overrides: tuple[str, ...],
    target_text: str,
    by: str,
    population: str,
    counts_path: str | None,
    fte_path: str | None,
    output_format: str | None,
    output_path: str | None,
    rejects_path: str | None,
    strict: bool,
    quiet: bool,
    **options: str | None,
) -> None:
    """FTE needed to bring the load to a target per FTE, and the gap to the FTE in post."""
    from caseload_cli.cli.common import (
        inputs_from_options,
        report_rejections,
    )
    from caseload_cli.cli.common import (
        read_options as to_read_options,
    )
    from caseload_cli.render.report import write_report
    from caseload_cli.reports.gap import (
        check_count_options,
        gap_report_from_counts,
        gap_report_from_workers,
        parse_target,
        read_counts,
    )
    from caseload_cli.reports.pipeline import prepare, weigh
    from caseload_cli.scheme.model import load_scheme

    target = parse_target(target_text)
    chosen = load_scheme(scheme, overrides)
    if counts_path or fte_path:
        check_count_options(counts_path, fte_path, cases, by, population, options)
        inputs = read_counts(
            counts_path,
            fte_path,
            to_read_options(
                options["input_format"],
                options["encoding"],
                options["delimiter"],
                options["decimal"],
                options["sheet"],
            ),
            chosen,
        )
        report_rejections(inputs, rejects_path, strict, notes=not quiet)
        report = gap_report_from_counts(inputs, chosen, target, by)
    else:
        valid = prepare(inputs_from_options(cases, options), [chosen])
        report_rejections(valid, rejects_path, strict, notes=not quiet)
        report = gap_report_from_workers(valid, weigh(valid, chosen), target, by, population)
    write_report(report, output_format, output_path)
