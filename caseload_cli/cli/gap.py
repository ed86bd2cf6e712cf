"""`caseload gap`: FTE needed for a target load per FTE, and the gap to current FTE."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from caseload_cli.cli.options import (
    by_option,
    min_group_option,
    population_option,
    pseudonymise_option,
    run_options,
    scheme_option,
    selection_options,
    staff_options,
    what_if_option,
)
from caseload_cli.core.vocabulary import GAP_LEVELS

if TYPE_CHECKING:
    from caseload_cli.cli.options import RunOptions
    from caseload_cli.core.model import InputOptions
    from caseload_cli.engine.selection import Selection


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
--fte (service_area, fte[, team_type][, individual_allowance_hours]) no
case-level data is needed: the workload is Σ count × weight(case_type) ×
stage factor; individual allowance hours add hours / working time (WISN's
IAF, hours schemes). See docs/gap.md.""",
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
@by_option(GAP_LEVELS, "national", "Group rows by this level (team needs case-level data).")
@what_if_option
@population_option
@selection_options
@click.option(
    "--counts",
    "counts_path",
    help="Aggregate counts instead of cases: service_area, case_type, count[, stage].",
)
@click.option(
    "--fte",
    "fte_path",
    help="With --counts: current FTE per service_area[, team_type][, individual_allowance_hours].",
)
@click.option(
    "--count-basis",
    default="open",
    show_default=True,
    metavar="open|average|received",
    help="With --counts: cases open at a date (whole numbers), the average open over a "
    "period (fractional), or received over --period-weeks (needs a duration_weeks column).",
)
@click.option(
    "--period-weeks",
    type=float,
    metavar="WEEKS",
    help="With --count-basis received: the weeks the counts were received over (52: a year).",
)
@click.option(
    "--count-not-held",
    "count_not_held",
    multiple=True,
    metavar="KIND[,KIND...]",
    help="Count work no FCA holds as need: unallocated, duty, allocation_hub, "
    "post_assessment_hub, manager_held, or all (repeatable).",
)
@pseudonymise_option
@min_group_option
@run_options
def gap(
    cases: str | None,
    scheme: str,
    overrides: tuple[str, ...],
    target_text: str,
    by: str,
    population: str,
    selection: Selection,
    counts_path: str | None,
    fte_path: str | None,
    count_basis: str,
    period_weeks: float | None,
    count_not_held: tuple[str, ...],
    pseudonymise: bool,
    min_group: int | None,
    source: InputOptions,
    run: RunOptions,
) -> None:
    """FTE needed to bring the load to a target per FTE, and the gap to the FTE in post."""
    from caseload_cli.cli import common
    from caseload_cli.engine.need import parse_not_held, parse_target
    from caseload_cli.reports.gap import run_gap

    key = common.privacy_key(pseudonymise, min_group, by)
    target = parse_target(target_text)
    report = run_gap(
        cases,
        source,
        common.scheme_from_options(scheme, overrides),
        target,
        by,
        population,
        (counts_path, fte_path),
        on_validated=run.on_validated(),
        selection=selection,
        min_group=min_group,
        count_not_held=parse_not_held(count_not_held),
        count_basis=count_basis,
        period_weeks=period_weeks,
    )
    run.write(common.private(report, key, selection))
