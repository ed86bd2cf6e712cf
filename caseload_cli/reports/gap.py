"""FTE needed for a target load per FTE, and the gap to the FTE there is.

    need = weighted workload / target per FTE
    gap  = need - current available FTE          (positive: more staff needed)

This is how court and public-defence workload standards are used: weigh the
work, divide by what one full-time person can safely carry, and compare with
the people in post. The target is a number (the Napo survey's 17.4, say),
the scheme's Napo safe level for each team type, or the scheme's own targets
(the Cafcass ceilings in the built-ins). It works from case-level exports
(each worker's load at that worker's target) or from aggregate counts per
service area, which is often all a negotiator is given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from caseload_cli.contract.counts import (
    DURATION,
    INDIVIDUAL_ALLOWANCE,
    CountInputs,
    check_count_basis,
    check_count_options,
    read_counts,
)
from caseload_cli.contract.validate import ValidInputs
from caseload_cli.core.errors import UsageError
from caseload_cli.core.model import InputOptions, Report
from caseload_cli.core.vocabulary import DECIMALS, DEFAULT_POPULATION, GAP_LEVELS, GROUP_KEYS
from caseload_cli.engine.aggregate import not_held_by_fca
from caseload_cli.engine.need import (
    NOT_HELD_GROUP,
    Target,
    count_workload,
    individual_allowance_fte,
    not_held_need,
    team_type_targets,
    worker_excess,
    worker_need,
    worker_targets,
)
from caseload_cli.engine.population import population_text, population_workers
from caseload_cli.engine.selection import Selection
from caseload_cli.engine.suppress import suppress_groups
from caseload_cli.engine.weighed import Weighed, weigh
from caseload_cli.reports.inputs import prepare, resolve_inputs
from caseload_cli.reports.privacy import check_min_group, suppression_note
from caseload_cli.scheme.model import Scheme

#: The staff individual allowances need (WISN's IAF), part of fte_needed.
ALLOWANCE_FTE = "individual_allowance_fte"

TOTAL = "all"


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


def finish_gap(
    leaf: pd.DataFrame, keys: list[str], sums: list[str] | None = None, team_types: bool = True
) -> pd.DataFrame:
    """Add gap columns, per-group totals (team_type "all") and a national total row.

    `leaf` has the keys, team_type, weighted_load, fte_needed, available_fte
    and `_target` (the plain target, used where there is no load to divide).
    Totals add needs and FTE and divide last; `shortfall_fte` adds only the
    leaves' shortfalls, so a surplus elsewhere never hides one.
    """
    sums = list(sums or [])
    excess = ["excess_fte"] if "excess_fte" in leaf.columns else []
    allowance = [ALLOWANCE_FTE] if ALLOWANCE_FTE in leaf.columns else []
    additive = [*sums, "weighted_load", *allowance, "fte_needed", "available_fte", *excess]
    leaf = leaf.copy()
    if "_tail" not in leaf.columns:
        leaf["_tail"] = 0
    leaf["_tail"] = leaf["_tail"].fillna(0)
    leaf["shortfall_fte"] = (leaf["fte_needed"] - leaf["available_fte"]).clip(lower=0.0)
    pieces = [leaf.assign(_order=0)]
    if keys and team_types:
        grouped = leaf.groupby(keys, sort=True, observed=True)
        group_totals = grouped[[*additive, "shortfall_fte"]].sum()
        group_totals["_target"] = grouped["_target"].mean()
        group_totals["_tail"] = grouped["_tail"].max()
        mixed = (grouped.size() > 1).to_numpy()  # one team type: its row is already the total
        pieces.append(group_totals[mixed].reset_index().assign(team_type=TOTAL, _order=1))
    body = pd.concat(pieces, ignore_index=True)
    if keys:
        body = body.sort_values(["_tail", *keys, "_order", "team_type"], kind="stable")
    if keys or team_types:
        national = {column: float(leaf[column].sum()) for column in [*additive, "shortfall_fte"]}
        national["_target"] = float(leaf["_target"].mean()) if len(leaf) else float("nan")
        national.update({key: TOTAL for key in keys})
        national["team_type"] = TOTAL
        body = pd.concat([body, pd.DataFrame([national])], ignore_index=True)
    out = body.reset_index(drop=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        need = out["fte_needed"].to_numpy(dtype="float64")
        if allowance:  # the target is the load's: staff for individual allowances carry none
            need = need - out[ALLOWANCE_FTE].to_numpy(dtype="float64")
        load = out["weighted_load"].to_numpy(dtype="float64")
        fte = out["available_fte"].to_numpy(dtype="float64")
        out["target_per_fte"] = np.where(
            need > 0, load / np.where(need > 0, need, 1), out["_target"]
        )
        out["load_per_fte"] = np.where(fte > 0, load / np.where(fte > 0, fte, 1), np.nan)
    out["gap_fte"] = out["fte_needed"] - out["available_fte"]
    for column in (
        "weighted_load",
        "fte_needed",
        "available_fte",
        "gap_fte",
        "shortfall_fte",
        "target_per_fte",
        "load_per_fte",
        *allowance,
        *excess,
    ):
        out[column] = np.round(out[column].astype("float64"), DECIMALS)
    for column in sums:
        out[column] = out[column].astype("int64")
    if not team_types:
        out = out.drop(columns="team_type")
    order = [
        *keys,
        *(["team_type"] if team_types else []),
        *sums,
        "weighted_load",
        "target_per_fte",
        *allowance,
        "fte_needed",
        "available_fte",
        "gap_fte",
        "shortfall_fte",
        "load_per_fte",
        *excess,
    ]
    return out[order]


# --------------------------------------------------------------------------- from aggregate counts


def gap_from_counts(
    inputs: CountInputs, scheme: Scheme, target: Target, by: str = "national"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The gap table and the workload behind it, from aggregate counts and FTE."""
    if by not in ("national", "service_area"):
        raise UsageError(
            "with --counts, --by must be national or service_area (counts have no teams)"
        )
    workload = count_workload(inputs.counts, scheme, inputs.period_weeks)
    team_types = "team_type" in workload.columns
    if target.by_team_type and not team_types:
        raise UsageError(
            "--target gives numbers per team type, but the counts have no team_type column"
        )
    keys = list(GROUP_KEYS[by])
    leaf_keys = [*keys, *(["team_type"] if team_types else [])]
    target_values = team_type_targets(
        scheme, target, workload["team_type"] if team_types else None, workload.index
    )
    rows = workload.assign(
        weighted_load=workload["weighted_workload"],
        fte_needed=workload["weighted_workload"] / target_values,
        _target=target_values,
    )
    fte = inputs.fte
    if leaf_keys:
        need = rows.groupby(leaf_keys, sort=True, observed=True)[
            ["weighted_load", "fte_needed", "_target"]
        ].agg({"weighted_load": "sum", "fte_needed": "sum", "_target": "mean"})
        current = fte.groupby(leaf_keys, sort=True, observed=True)["fte"].sum()
        leaf = need.join(current.rename("available_fte"), how="outer").reset_index()
        types = leaf["team_type"] if team_types else None
        plain = team_type_targets(scheme, target, types, leaf.index)
        leaf["_target"] = leaf["_target"].fillna(plain)
    else:
        leaf = pd.DataFrame(
            {
                "weighted_load": [float(rows["weighted_load"].sum())],
                "fte_needed": [float(rows["fte_needed"].sum())],
                "available_fte": [float(fte["fte"].sum())],
                "_target": [team_type_targets(scheme, target, None, pd.RangeIndex(1)).iat[0]],
            }
        )
    for column in ("weighted_load", "fte_needed", "available_fte"):
        leaf[column] = leaf[column].fillna(0.0)
    if INDIVIDUAL_ALLOWANCE in fte.columns:
        _add_individual_allowance(leaf, fte, leaf_keys, scheme, team_types)
    if not team_types:
        leaf["team_type"] = TOTAL
    table = finish_gap(leaf, keys, team_types=team_types)
    return table, workload


def _add_individual_allowance(
    leaf: pd.DataFrame, fte: pd.DataFrame, leaf_keys: list[str], scheme: Scheme, team_types: bool
) -> None:
    """Add WISN's IAF to each leaf's need: its FTE rows' allowance hours over the
    available working time."""
    if leaf_keys:
        hours = fte.groupby(leaf_keys, sort=True, observed=True)[INDIVIDUAL_ALLOWANCE].sum()
        hours = leaf[leaf_keys].join(hours, on=leaf_keys)[INDIVIDUAL_ALLOWANCE].fillna(0.0)
    else:
        hours = pd.Series([float(fte[INDIVIDUAL_ALLOWANCE].sum())], index=leaf.index)
    allowance = individual_allowance_fte(hours, leaf["team_type"] if team_types else None, scheme)
    leaf[ALLOWANCE_FTE] = allowance
    leaf["fte_needed"] = leaf["fte_needed"] + allowance


# --------------------------------------------------------------------------- reports


def _level_title(by: str) -> str:
    return "nationally" if by == "national" else f"by {by.replace('_', ' ')}"


def gap_notes(target: Target, population: str | None, scheme: Scheme) -> list[str]:
    lines = [
        f"Target: {target.describe(aggregate=population is None, unit=scheme.unit)}.",
        "need = weighted workload / target per FTE; gap = need - available FTE "
        "(positive: more FTE needed); shortfall adds only positive gaps.",
    ]
    if scheme.napo_note and target.mode == "napo":
        lines.append(scheme.napo_note)
    if (
        target.mode == "number"
        and "eit" not in dict(target.by_team_type)
        and scheme.unit == "cases"
    ):
        lines.append(
            f"{target.value:g} applies to every team type, EIT included (EIT's Cafcass ceiling "
            f"is 40 cases); to give EIT its own target use e.g. --target {target.value:g},eit=40."
        )
    if population is not None:
        lines.append(
            f"Workload and FTE of {population_text(population)} (--population {population}); "
            "the not_held_by_fca section lists the cases outside FCAs' caseloads"
            + (
                " (manager-held cases there are also in the workload)."
                if population == "all"
                else "."
            )
        )
    return lines


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
        title=f"FTE needed and gap {_level_title(by)}",
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


def gap_report_from_counts(inputs: CountInputs, scheme: Scheme, target: Target, by: str) -> Report:
    """`caseload gap --counts`: the gap table plus the workload each count contributes."""
    table, workload = gap_from_counts(inputs, scheme, target, by)
    notes = [*gap_notes(target, None, scheme), *count_basis_notes(inputs)]
    return Report(
        title=f"FTE needed and gap {_level_title(by)} (aggregate counts)",
        rows=table,
        schemes=[scheme.stamp],
        accounting=dict(inputs.accounting),
        sections={"workload": workload},
        band_column=None,
        notes=[*notes, *inputs.notes],
        metadata={
            "by": by,
            "target": target.as_metadata(),
            "count_basis": inputs.basis,
            **({"period_weeks": inputs.period_weeks} if inputs.period_weeks is not None else {}),
            "sheet": "gap",
            **scheme.provenance,
        },
    )


def count_basis_notes(inputs: CountInputs) -> list[str]:
    """What the counts are and the formula that turned them into a workload."""
    tail = (
        " (no stage column: factor 1); child uplifts and modifiers need case-level data and are "
        "not applied."
    )
    if inputs.basis == "received" and inputs.period_weeks:
        counts = inputs.counts
        received = float(counts["count"].sum())
        open_cases = float((counts["count"] * counts[DURATION]).sum()) / inputs.period_weeks
        return [
            f"Counts are cases received over {inputs.period_weeks:g} weeks (--count-basis "
            "received): open cases = count × duration_weeks / period_weeks (Little's law: the "
            "cases open on an average day of a steady flow), then weighted workload = Σ open "
            "cases × case-type weight × stage factor" + tail,
            f"Open cases from received counts: {received:,.2f} received → {open_cases:,.2f} "
            "open on an average day (the workload section shows each row).",
        ]
    what = (
        "the average number open over a period (--count-basis average; fractional counts allowed)"
        if inputs.basis == "average"
        else "cases open at a date (--count-basis open; whole numbers)"
    )
    return [
        f"Counts are {what}: weighted workload = Σ count × case-type weight × stage factor" + tail
    ]


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
