"""`caseload gap --counts`: need and gap from aggregate counts per area and the FTE in post.

Negotiators are often given only counts per service area, not case-level
exports: the workload is Σ count × weight × stage factor (engine/need.py
`count_workload`), WISN's individual allowances add staff for time only some
members spend, and the table ends as the case-level one does (`gap_table`).
"""

from __future__ import annotations

import pandas as pd

from caseload_cli.contract.counts import DURATION, INDIVIDUAL_ALLOWANCE, CountInputs
from caseload_cli.core.errors import UsageError
from caseload_cli.core.model import Report
from caseload_cli.core.vocabulary import GROUP_KEYS
from caseload_cli.engine.need import (
    Target,
    count_workload,
    individual_allowance_fte,
    team_type_targets,
)
from caseload_cli.reports.gap_table import (
    ALLOWANCE_FTE,
    TOTAL,
    finish_gap,
    gap_notes,
    level_title,
)
from caseload_cli.scheme.model import Scheme


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


def gap_report_from_counts(inputs: CountInputs, scheme: Scheme, target: Target, by: str) -> Report:
    """`caseload gap --counts`: the gap table plus the workload each count contributes."""
    table, workload = gap_from_counts(inputs, scheme, target, by)
    notes = [*gap_notes(target, None, scheme), *count_basis_notes(inputs)]
    return Report(
        title=f"FTE needed and gap {level_title(by)} (aggregate counts)",
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
