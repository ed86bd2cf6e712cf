"""`caseload scorecard`: service-area pressure measures, RAG-rated, at one snapshot."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from caseload_cli.cli.options import (
    by_option,
    run_options,
    scheme_option,
    selection_options,
    staff_options,
)

if TYPE_CHECKING:
    from caseload_cli.cli.options import RunOptions
    from caseload_cli.core.model import InputOptions
    from caseload_cli.engine.selection import Selection


@click.command(
    epilog="""\b
Examples:
  caseload scorecard                                   # bundled sample, every area
  caseload scorecard cases.csv --staff staff.csv --output scorecard.html
  caseload scorecard cases.csv --staff staff.csv --by team --service-area "A3 Greater Manchester"
  caseload scorecard cases.csv --staff staff.csv --settings triggers.toml --format csv
  caseload scorecard --store history/ --service-area "A3 Greater Manchester" --weeks 12 -o sc.html

\b
FCA saturation, cases per FTE and the shares above 20, 25 and (EIT) 40, duty
and hub cases and children, days to allocation and hub waits (from the
allocated and hub_entered dates), practice supervisors' cases, children per
case and weeks open by case type, per service area (or team) and nationally.
Each is rated green/amber/red against illustrative triggers from the published
April 2022 figures (docs/scorecard.md); groups crossing a trigger come first.""",
)
@click.argument("cases", required=False)
@staff_options
@scheme_option
@by_option(
    ("service_area", "team", "worker"),
    "service_area",
    "One row per service area or team, or the per-worker inputs behind the figures.",
)
@click.option(
    "--settings",
    "settings_path",
    metavar="FILE.toml",
    help="Triggers to rate against: [triggers.<measure>] amber = …, red = ….",
)
@click.option(
    "--store", "store_path", help="A history store: the latest snapshot, with its series."
)
@click.option(
    "--weeks",
    type=click.IntRange(1, 520),
    default=12,
    show_default=True,
    help="With --store: how many snapshots the weekly series covers.",
)
@selection_options
@run_options
def scorecard(
    cases: str | None,
    scheme: str,
    overrides: tuple[str, ...],
    by: str,
    settings_path: str | None,
    store_path: str | None,
    weeks: int,
    selection: Selection,
    source: InputOptions,
    run: RunOptions,
) -> None:
    """Rate each service area's (or team's) pressure measures at one snapshot."""
    from caseload_cli.cli import common
    from caseload_cli.reports.scorecard import load_settings, run_scorecard

    rated = load_settings(settings_path)
    chosen = common.scheme_from_options(scheme, overrides)
    if store_path is not None:
        common.refuse_with_store(cases, None, source)
    report = run_scorecard(
        cases, source, chosen, by, rated, store_path, weeks, selection, run.on_validated()
    )
    run.write(report)
