"""The gap table both kinds of input end in: group and national totals, targets and gaps.

Totals add loads, needs and FTE first and divide last, like every roll-up in
the toolkit; the notes say what the target and the formula were.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from caseload_cli.core.vocabulary import DECIMALS
from caseload_cli.engine.need import Target
from caseload_cli.engine.population import population_text
from caseload_cli.scheme.model import Scheme

#: The staff individual allowances need (WISN's IAF), part of fte_needed.
ALLOWANCE_FTE = "individual_allowance_fte"

TOTAL = "all"


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


def level_title(by: str) -> str:
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
