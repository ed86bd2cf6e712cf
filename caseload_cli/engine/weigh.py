"""Per-case weights, with every part kept so any number can be explained.

weight = ((base + child uplift) × each multiplier + each addition) × stage factor

where a case type × stage entry in `weights.cross`, when there is one, is the base
and the stage factor is 1 (the entry already says what that stage costs). A
modifier may be limited to some case types or stages.

The parts are stored as additive steps (base, child_uplift, one column per
modifier, stage_adjustment) whose sum is the weight, which is what `explain`
shows and what the reconciliation tests add up. Multipliers apply before
additions whatever order the scheme lists them in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from caseload_cli.core.vocabulary import DECIMALS
from caseload_cli.scheme.model import Scheme


def modifier_column(flag: str) -> str:
    return f"mod_{flag}"


def weigh_cases(cases: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """Return one row per case: the additive parts and the final weight.

    Lookups go through small per-code tables and modifier or stage arithmetic
    touches only the rows it changes, so ten million cases cost a few array
    passes.
    """
    weights = scheme.model.weights
    base = _lookup(cases["case_type"], weights.case_type)
    stage_factor = _lookup(cases["stage"], weights.stage)
    crossed = _cross_lookup(cases, weights.cross)
    if crossed is not None:
        # A case type × stage entry is the whole weight before children and modifiers.
        has_entry = ~np.isnan(crossed)
        base = np.where(has_entry, crossed, base)
        stage_factor = np.where(has_entry, 1.0, stage_factor)
    extra_children = np.maximum(cases["children"].to_numpy(dtype="int64") - 1, 0)
    if weights.children.max_additional is not None:
        extra_children = np.minimum(extra_children, weights.children.max_additional)
    per_child = np.round(
        np.arange(extra_children.max(initial=0) + 1) * weights.children.per_additional, DECIMALS
    )
    uplift = per_child[extra_children]

    parts: dict[str, np.ndarray] = {"base": base, "child_uplift": uplift}
    running = base + uplift
    for modifier in sorted(scheme.model.modifiers, key=lambda m: m.multiply is None):
        applies = cases[modifier.flag].to_numpy(dtype=bool)
        if modifier.case_types:
            applies = applies & cases["case_type"].isin(modifier.case_types).to_numpy()
        if modifier.stages:
            applies = applies & cases["stage"].isin(modifier.stages).to_numpy()
        flagged = np.flatnonzero(applies)
        delta = np.zeros(len(cases))
        if modifier.multiply is not None:
            delta[flagged] = np.round(running[flagged] * (modifier.multiply - 1.0), DECIMALS)
        else:
            delta[flagged] = round(modifier.add, DECIMALS)
        parts[modifier_column(modifier.flag)] = delta
        running = running + delta
    scaled = np.flatnonzero(stage_factor != 1.0)
    stage_adjustment = np.zeros(len(cases))
    stage_adjustment[scaled] = np.round(
        running[scaled] * stage_factor[scaled] - running[scaled], DECIMALS
    )
    parts["stage_factor"] = stage_factor
    parts["stage_adjustment"] = stage_adjustment
    parts["weight"] = np.round(running + stage_adjustment, DECIMALS)
    return pd.DataFrame(parts, index=cases.index, copy=False)


#: Largest number of distinct kinds of case `case_weights` weighs one kind at a time.
MAX_KINDS = 1 << 20


def case_weights(cases: pd.DataFrame, scheme: Scheme) -> np.ndarray:
    """Each case's weight, as `weigh_cases` gives it, weighing each distinct kind of case
    once: a weight depends only on the case type, the stage, the extra children (up to
    the scheme's cap) and the modifiers' flags, so millions of cases are a few hundred
    kinds. (Falls back to weighing every case when the kinds are too many to list.)"""
    types, stages = cases["case_type"], cases["stage"]
    if not (
        isinstance(types.dtype, pd.CategoricalDtype)
        and isinstance(stages.dtype, pd.CategoricalDtype)
    ):
        return weigh_cases(cases, scheme)["weight"].to_numpy()
    cap = scheme.model.weights.children.max_additional
    # children clipped to 1 … cap + 1: one more than the extra children weighed.
    children = np.clip(cases["children"].to_numpy(), 1, None if cap is None else cap + 1)
    flags = [modifier.flag for modifier in scheme.model.modifiers]
    sizes = [len(types.cat.categories) + 1, len(stages.cat.categories) + 1]
    sizes += [int(children.max(initial=1)) + 1, *([2] * len(flags))]
    if np.prod(np.array(sizes, dtype="float64")) > MAX_KINDS:
        return weigh_cases(cases, scheme)["weight"].to_numpy()
    # Each case's kind as one number, built in place (a few passes over small integers).
    kind = types.cat.codes.to_numpy().astype("int32")
    kind += 1  # 0: no code
    kind *= sizes[1]
    kind += stages.cat.codes.to_numpy()
    kind += 1
    kind *= sizes[2]
    kind += children
    for flag in flags:
        kind *= 2
        kind += cases[flag].to_numpy(dtype=bool)
    seen = np.zeros(int(np.prod(sizes)), dtype=bool)
    seen[kind] = True
    present = np.flatnonzero(seen)
    # One row per kind present, decoded from its number, weighed by `weigh_cases`.
    parts, rest = [], present
    for size in reversed(sizes):
        parts.append(rest % size)
        rest = rest // size
    type_code, stage_code, kinds_children, *kinds_flags = parts[::-1]
    kinds = pd.DataFrame(
        {
            "case_type": pd.Categorical.from_codes(type_code - 1, dtype=types.dtype),
            "stage": pd.Categorical.from_codes(stage_code - 1, dtype=stages.dtype),
            "children": kinds_children,
            **{flag: values.astype(bool) for flag, values in zip(flags, kinds_flags, strict=True)},
        }
    )
    weight_of = np.zeros(len(seen))
    weight_of[present] = weigh_cases(kinds, scheme)["weight"].to_numpy()
    return weight_of[kind]


def _cross_lookup(cases: pd.DataFrame, cross: dict[str, dict[str, float]]) -> np.ndarray | None:
    """Each case's case type × stage weight (NaN where the table has no entry), from a
    small table indexed by the two columns' category codes."""
    if not cross:
        return None
    types, stages = cases["case_type"], cases["stage"]
    if not isinstance(types.dtype, pd.CategoricalDtype):
        types = types.astype("category")
    if not isinstance(stages.dtype, pd.CategoricalDtype):
        stages = stages.astype("category")
    grid = np.full((len(types.cat.categories) + 1, len(stages.cat.categories) + 1), np.nan)
    for i, case_type in enumerate(types.cat.categories):
        for j, stage in enumerate(stages.cat.categories):
            value = cross.get(case_type, {}).get(stage)
            if value is not None:
                grid[i, j] = round(value, DECIMALS)
    # Code -1 (missing) reads the last row or column, which is all NaN.
    return grid[types.cat.codes.to_numpy(), stages.cat.codes.to_numpy()]


def _lookup(codes: pd.Series, table: dict[str, float]) -> np.ndarray:
    """Weights for categorical codes without a per-row dict lookup."""
    if isinstance(codes.dtype, pd.CategoricalDtype):
        per_category = np.round(
            np.array([table.get(c, np.nan) for c in codes.cat.categories], dtype="float64"),
            DECIMALS,
        )
        positions = codes.cat.codes.to_numpy()
        return np.where(positions >= 0, per_category[positions], np.nan)
    return np.round(codes.map(table).to_numpy(dtype="float64"), DECIMALS)
