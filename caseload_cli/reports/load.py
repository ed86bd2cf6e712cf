"""`caseload load`: every worker's weighted load against capacity, or rolled up.

The rows are the population's workers (docs/population.md): by default FCAs
and locum FCAs, with managers who hold cases in a section of their own, so a
team's capacity is its FCAs' capacity and the national row matches compare,
gap, sweep and survey --against for the same files, scheme and population.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from caseload_cli.contract.validate import ValidInputs
from caseload_cli.core.errors import UsageError
from caseload_cli.core.model import Report
from caseload_cli.core.progress import Progress
from caseload_cli.core.vocabulary import DEFAULT_POPULATION, LEVELS
from caseload_cli.engine.aggregate import not_held_by_fca, roll_up
from caseload_cli.engine.bands import band_colours
from caseload_cli.engine.population import (
    others_holding_cases,
    population_note,
    population_workers,
)
from caseload_cli.engine.selection import Selection
from caseload_cli.engine.weighed import Weighed, weigh
from caseload_cli.reports.inputs import Inputs, prepare
from caseload_cli.reports.privacy import check_min_group, suppress_rollup
from caseload_cli.scheme.model import Scheme
from caseload_cli.survey.levels import SafeLevels

OTHERS_SECTION = "managers_holding_cases"
#: The accepted cases' columns weighing and the load report use (with each modifier's
#: flag): the rest (IDs, dates) is checked and then let go before weighing.
LOAD_CASE_COLUMNS = ("law", "case_type", "stage", "children", "_staff")


@dataclass
class LoadResult:
    """The report, the counted workers behind it, and the managers holding cases shown in
    their own section (both are in rows a reader sees, so --fail-on looks at both)."""

    report: Report
    weighed: Weighed
    workers: pd.DataFrame
    managers: pd.DataFrame

    @property
    def reported(self) -> pd.DataFrame:
        """Every worker shown in a row of the report: counted workers and managers."""
        if self.managers.empty:
            return self.workers
        return pd.concat([self.workers, self.managers], ignore_index=True)


def load_report(
    valid: ValidInputs, scheme: Scheme, by: str = "worker", population: str = DEFAULT_POPULATION
) -> Report:
    """The `caseload load` report: loads by worker or rolled up, plus work not held by FCAs."""
    return build_load(valid, scheme, by, population).report


def build_load(
    valid: ValidInputs,
    scheme: Scheme,
    by: str = "worker",
    population: str = DEFAULT_POPULATION,
    levels: SafeLevels | None = None,
    min_group: int | None = None,
) -> LoadResult:
    """Weigh once, count the population, roll up, and keep every other case in view.

    With survey-derived `levels` (whose scheme is `scheme`), the report says where
    each Napo level came from and which survey file it was. `min_group` blanks the
    figures of roll-up groups with fewer workers (reports.privacy)."""
    if by not in LEVELS:
        raise UsageError(f"--by must be one of {', '.join(LEVELS)}")
    check_min_group(min_group, by)
    weighed = weigh(valid, scheme)
    counted = population_workers(weighed.workers, population).reset_index(drop=True)
    weights = weighed.parts["weight"]
    sections = {"not_held_by_fca": not_held_by_fca(valid.cases, weights, valid.staff)}
    managers = others_holding_cases(weighed.workers, population)
    if population == DEFAULT_POPULATION:
        sections[OTHERS_SECTION] = managers
    rows = roll_up(counted, by, scheme)
    privacy = []
    if min_group is not None:
        rows, _, text = suppress_rollup(rows, by, min_group)
        privacy = [text]
    report = Report(
        title=f"{scheme.load_title} by {by.replace('_', ' ')}"
        + (f" ({valid.scope})" if valid.scope else ""),
        rows=rows,
        schemes=[scheme.stamp],
        accounting=dict(valid.accounting),
        sections=sections,
        band_column="band",
        band_colours=band_colours(scheme),
        notes=[
            population_note(population),
            *valid.notes,
            *(levels.lines if levels else []),
            *([scheme.napo_note] if scheme.napo_note else []),
            *privacy,
        ],
        metadata={
            "by": by,
            "population": population,
            **({"selection": valid.scope} if valid.scope else {}),
            **valid.snapshot_metadata(),
            "sheet": "load",
            **({"min_group": min_group} if min_group is not None else {}),
            **scheme.provenance,
            **(levels.metadata if levels else {}),
        },
    )
    return LoadResult(report, weighed, counted, managers)


def run_load(
    inputs: Inputs,
    scheme: Scheme,
    by: str = "worker",
    population: str = DEFAULT_POPULATION,
    view: str = "load",
    levels: SafeLevels | None = None,
    progress: Progress | None = None,
    on_validated: Callable[[ValidInputs], None] | None = None,
    selection: Selection | None = None,
    min_group: int | None = None,
) -> LoadResult:
    """Read, validate, weigh and report: the whole `caseload load` job.

    `levels` (from a safe-caseload survey) replaces the scheme's Napo levels and
    its responses are accounted for with the other inputs; `on_validated` sees
    the validated inputs before weighing (the CLI reports rejections there);
    `selection` narrows the report to some teams, service areas or workers.
    """
    if view == OTHERS_SECTION and population != DEFAULT_POPULATION:
        raise UsageError(
            f"--view {OTHERS_SECTION} needs --population {DEFAULT_POPULATION}: with "
            f"--population {population} managers are in the main rows"
        )
    check_min_group(min_group, by)
    progress = progress or Progress(False)
    if levels is not None:
        scheme = levels.scheme
    flags = tuple(m.flag for m in scheme.model.modifiers)
    valid = prepare(inputs, [scheme], progress, selection, keep=(*LOAD_CASE_COLUMNS, *flags))
    if levels is not None:
        valid = levels.merge_into(valid)
    if on_validated is not None:
        on_validated(valid)
    progress.step(f"weighing {len(valid.cases):,} cases with {scheme.label} …")
    result = build_load(valid, scheme, by, population, levels, min_group)
    progress.done()
    if view != "load":
        result.report = result.report.viewing(view, "load")
    return result
