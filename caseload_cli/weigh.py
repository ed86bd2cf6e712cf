"""Per-case weights, with every part kept so any number can be explained.

weight = ((base + child uplift) × each multiplier + each addition) × stage factor

The parts are stored as additive steps (base, child_uplift, one column per
modifier, stage_adjustment) whose sum is the weight, which is what `explain`
shows and what the reconciliation tests add up.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from caseload_cli.scheme import Scheme

DECIMALS = 6


def modifier_column(flag: str) -> str:
    return f"mod_{flag}"


def weigh_cases(cases: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """Return one row per case: the additive parts and the final weight."""
    weights = scheme.model.weights
    base = _lookup(cases["case_type"], weights.case_type)
    stage_factor = _lookup(cases["stage"], weights.stage)
    extra_children = np.maximum(cases["children"].to_numpy(dtype="int64") - 1, 0)
    if weights.children.max_additional is not None:
        extra_children = np.minimum(extra_children, weights.children.max_additional)
    uplift = extra_children * weights.children.per_additional

    parts: dict[str, np.ndarray] = {
        "base": np.round(base, DECIMALS),
        "child_uplift": np.round(uplift, DECIMALS),
    }
    running = parts["base"] + parts["child_uplift"]
    # All multipliers first, then all additions, whatever order the TOML lists them in.
    ordered = sorted(scheme.model.modifiers, key=lambda m: m.multiply is None)
    for modifier in ordered:
        flagged = cases[modifier.flag].to_numpy(dtype=bool)
        if modifier.multiply is not None:
            delta = np.where(flagged, running * (modifier.multiply - 1.0), 0.0)
        else:
            delta = np.where(flagged, modifier.add, 0.0)
        delta = np.round(delta, DECIMALS)
        parts[modifier_column(modifier.flag)] = delta
        running = running + delta
    stage_adjustment = np.round(running * stage_factor - running, DECIMALS)
    weight = np.round(sum(parts.values()) + stage_adjustment, DECIMALS)
    parts["stage_factor"] = stage_factor
    parts["stage_adjustment"] = stage_adjustment
    parts["weight"] = weight
    return pd.DataFrame(parts, index=cases.index, copy=False)


def _lookup(codes: pd.Series, table: dict[str, float]) -> np.ndarray:
    """Weights for categorical codes without a per-row dict lookup."""
    if isinstance(codes.dtype, pd.CategoricalDtype):
        per_category = np.array(
            [table.get(c, np.nan) for c in codes.cat.categories], dtype="float64"
        )
        positions = codes.cat.codes.to_numpy()
        return np.where(positions >= 0, per_category[positions], np.nan)
    return codes.map(table).to_numpy(dtype="float64")
