"""FTE needed for a target load per FTE, and the gap to the FTE there is.

    need = weighted workload / target per FTE
    gap  = need - current available FTE          (positive: more staff needed)

This is how court and public-defence workload standards are used: weigh the
work, divide by what one full-time person can safely carry, and compare with
the people in post. The target is a number (the Napo survey's 17.4, say),
the scheme's Napo safe level for each team type, or the scheme's own targets
(the Cafcass ceilings in the built-ins). It works from case-level exports
(each worker's load at that worker's target) or from aggregate counts per
service area, which is often all a negotiator is given (`gap_counts`); both end
in the same table (`gap_table`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from caseload_cli.contract.counts import (
    CountInputs,
    check_count_basis,
    check_count_options,
    read_counts,
)
from caseload_cli.contract.validate import ValidInputs
from caseload_cli.core.errors import UsageError
from caseload_cli.core.model import InputOptions, Report
from caseload_cli.core.vocabulary import DEFAULT_POPULATION, GAP_LEVELS, GROUP_KEYS
from caseload_cli.engine.aggregate import not_held_by_fca
from caseload_cli.engine.need import (
    NOT_HELD_GROUP,
    Target,
    not_held_need,
    worker_excess,
    worker_need,
    worker_targets,
)
from caseload_cli.engine.population import population_text, population_workers
from caseload_cli.engine.selection import Selection
from caseload_cli.engine.suppress import suppress_groups
from caseload_cli.engine.weighed import Weighed, weigh
from caseload_cli.reports.gap_counts import gap_report_from_counts
from caseload_cli.reports.gap_table import TOTAL, finish_gap, gap_notes, level_title
from caseload_cli.reports.inputs import prepare, resolve_inputs
from caseload_cli.reports.privacy import check_min_group, suppression_note
from caseload_cli.scheme.model import Scheme

# --------------------------------------------------------------------------- from case-level data


def gap_from_workers(
    workers: pd.DataFrame,
    target: Target,
    by: str = "national",
    population: str = DEFAULT_POPULATION,
    not_held: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Need and gap per group × team type, with group and national totals; `not_held`
    (from `not_held_need`) adds rows of work no FCA holds, counted in the totals."""
    if by not in GAP_LEVELS:
        raise UsageError(f"--by must be one of {', '.join(GAP_LEVELS)}")
    keys = list(GROUP_KEYS[by])
    leaf = worker_leaf(workers, target, keys, population)
    if not_held is not None and len(not_held):
        leaf = pd.concat([leaf, not_held[[*leaf.columns, "_tail"]]], ignore_index=True)
    return finish_gap(leaf, keys, sums=["workers", "cases"])


def worker_leaf(
    workers: pd.DataFrame, target: Target, keys: list[str], population: str
) -> pd.DataFrame:
    """The population's need, FTE and excess summed per group × team type."""
    chosen = population_workers(workers, population)
    frame = chosen.assign(
        workers=1,
        fte_needed=worker_need(chosen, target),
        excess_fte=worker_excess(chosen, target),
        _target=worker_targets(chosen, target),
    )
    leaf = (
        frame.groupby([*keys, "team_type"], sort=True, observed=True)
        .agg(
            workers=("workers", "sum"),
            cases=("cases", "sum"),
            weighted_load=("weighted_load", "sum"),
            fte_needed=("fte_needed", "sum"),
            available_fte=("available_fte", "sum"),
            excess_fte=("excess_fte", "sum"),
            _target=("_target", "mean"),
        )
        .reset_index()
    )
    return leaf


# --------------------------------------------------------------------------- reports


EXCESS_NOTE = (
    "excess_fte = Σ over workers of max(0, load / target − available FTE): the FTE that "
    "would bring everyone at or under their own target (no one's spare room offsets anyone "
    "else's excess), so gap_fte ≤ shortfall_fte ≤ excess_fte."
)


def not_held_notes(
    categories: Sequence[str],
    counted: pd.DataFrame | None,
    section: pd.DataFrame,
    population: str,
) -> list[str]:
    """What work outside FCAs' caseloads is counted as need, and how; or how to count it."""
    if not categories:
        return [
            "Work no FCA holds is not counted as need (see the not_held_by_fca section); "
            "--count-not-held unallocated,duty,allocation_hub,post_assessment_hub counts it."
        ]
    counted = counted if counted is not None else pd.DataFrame()
    found = dict(zip(counted.get("team_type", []), counted.get("cases", []), strict=True))
    loads = dict(zip(counted.get("team_type", []), counted.get("weighted_load", []), strict=True))
    parts = [
        f"{kind} {int(found.get(kind, 0)):,} cases ({loads.get(kind, 0.0):.2f} weighted)"
        for kind in categories
    ]
    total = int(section.set_index("category").loc[list(categories), "cases"].sum())
    held = total - int(sum(found.values()))
    return [
        f"Counted as need (--count-not-held): {'; '.join(parts)}, in the rows of "
        f"'{NOT_HELD_GROUP}' (team_type = the kind of work; no workers, no FTE), each case at "
        "the target of the team type that would take it (work to first hearing: eit; other "
        "public law: public_law; else wafh). Their shortfall and excess are their whole need.",
        *(
            [
                f"{held:,} case(s) of these kinds are in the loads of the workers counted "
                f"({population_text(population)}) and are not counted twice."
            ]
            if held
            else []
        ),
    ]


def suppress_gap(table: pd.DataFrame, by: str, min_group: int) -> tuple[pd.DataFrame, str]:
    """--min-group on a gap table: small rows blank, and the complementary rule among the
    team types of each group and among the groups of each parent (a team's area)."""
    keys = list(GROUP_KEYS[by])
    total_type = (table["team_type"] == TOTAL).to_numpy()
    national = total_type & (
        (table[keys] == TOTAL).all(axis=1).to_numpy() if keys else np.ones(len(table), bool)
    )
    leaf = ~total_type
    sets: list[tuple[np.ndarray | None, list[str]]] = [(leaf, keys)]
    if keys:
        group = table[keys].astype("str").agg("\x1f".join, axis=1)
        single = leaf & (group.map(group[leaf].value_counts()).fillna(0).to_numpy() == 1)
        sets.append(((total_type & ~national) | single, keys[:-1]))
    out, _, small, extra = suppress_groups(table, min_group, [*keys, "team_type", "workers"], sets)
    return out, suppression_note(min_group, small, extra)


def gap_report_from_workers(
    valid: ValidInputs,
    weighed: Weighed,
    target: Target,
    by: str,
    population: str,
    min_group: int | None = None,
    count_not_held: Sequence[str] = (),
) -> Report:
    """`caseload gap` on case-level data: the gap table plus the work outside it
    (counted as need too for the `count_not_held` categories)."""
    not_held = None
    if count_not_held:
        not_held = not_held_need(
            valid.cases,
            valid.staff,
            weighed.parts["weight"],
            weighed.scheme,
            target,
            count_not_held,
            population,
            GROUP_KEYS[by],
        )
    table = gap_from_workers(weighed.workers, target, by, population, not_held)
    privacy = []
    if min_group is not None:
        table, text = suppress_gap(table, by, min_group)
        privacy = [text]
    scheme = weighed.scheme
    section = not_held_by_fca(valid.cases, weighed.parts["weight"], valid.staff)
    return Report(
        title=f"FTE needed and gap {level_title(by)}",
        rows=table,
        schemes=[scheme.stamp],
        accounting=dict(valid.accounting),
        sections={"not_held_by_fca": section},
        band_column=None,
        notes=[
            *gap_notes(target, population, scheme),
            EXCESS_NOTE,
            *not_held_notes(count_not_held, not_held, section, population),
            *valid.notes,
            *privacy,
        ],
        metadata={
            "by": by,
            "target": target.as_metadata(),
            "population": population,
            **({"count_not_held": list(count_not_held)} if count_not_held else {}),
            **({"min_group": min_group} if min_group is not None else {}),
            **({"selection": valid.scope} if valid.scope else {}),
            **valid.snapshot_metadata(),
            "sheet": "gap",
            **scheme.provenance,
        },
    )


def run_gap(
    cases: str | None,
    source: InputOptions,
    scheme: Scheme,
    target: Target,
    by: str = "national",
    population: str = DEFAULT_POPULATION,
    counts: tuple[str | None, str | None] = (None, None),
    on_validated: Callable[[ValidInputs | CountInputs], None] | None = None,
    selection: Selection | None = None,
    min_group: int | None = None,
    count_not_held: Sequence[str] = (),
    count_basis: str = "open",
    period_weeks: float | None = None,
) -> Report:
    """The whole `caseload gap` job, from case-level exports or from aggregate counts
    (`counts` = (counts file, FTE file), what each count is: `count_basis` and, for counts
    received over a period, `period_weeks`); `on_validated` sees the inputs before the sums.
    `count_not_held` (categories, from `parse_not_held`) counts that work as need."""
    counts_path, fte_path = counts
    check_min_group(min_group, by)
    count_basis = check_count_basis(count_basis, period_weeks, counts_path)
    if count_not_held:
        if counts_path or fte_path:
            raise UsageError(
                "--count-not-held needs case-level data: with --counts, put that work in the "
                "counts file"
            )
        if min_group is not None:
            raise UsageError(
                "--count-not-held and --min-group do not go together: the rows of work no FCA "
                "holds have no workers to count"
            )
        if selection:
            raise UsageError(
                "--count-not-held counts work no team holds: leave out --team, --service-area "
                "and --worker"
            )
    if counts_path or fte_path:
        if min_group is not None:
            raise UsageError("--min-group needs case-level data: counts have no workers to count")
        if source.what_if is not None:
            raise UsageError("--what-if needs case-level data: counts carry no report dates")
        check_count_options(counts_path, fte_path, cases, by, source)
        if selection:
            raise UsageError(
                "--team, --service-area and --worker need case-level data, not --counts"
            )
        count_inputs = read_counts(
            counts_path, fte_path, source.reading, scheme, count_basis, period_weeks
        )
        if on_validated is not None:
            on_validated(count_inputs)
        return gap_report_from_counts(count_inputs, scheme, target, by)
    valid = prepare(resolve_inputs(cases, source), [scheme], selection=selection)
    if on_validated is not None:
        on_validated(valid)
    return gap_report_from_workers(
        valid, weigh(valid, scheme), target, by, population, min_group, count_not_held
    )
