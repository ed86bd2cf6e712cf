"""Can this scheme weigh that stored week? Checked before weighing, not discovered after.

Validation rejects codes a scheme does not know, so a week stored for one set
of schemes may hold rows another scheme cannot weigh (a new case type, a
reduction reason it lacks, a lower cap), or lack a modifier's flag column the
stored schemes did not read. Weighing those anyway would count them as zero
or skip a modifier without a word; instead the user is told to add the week
again with that scheme.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from caseload_cli.scheme.model import Scheme
from caseload_cli.store.layout import StoreError


def check_schemes(
    cases: pd.DataFrame, reductions: pd.DataFrame, manifest: dict[str, Any], schemes: list[Scheme]
) -> list[str]:
    """Raise `StoreError` naming what a scheme cannot weigh; return notes (none yet)."""
    day = manifest["snapshot"]
    stored_with = ", ".join(s["name"] for s in manifest["validated_with"])
    for scheme in schemes:
        model = scheme.model
        problems = []
        for column in ("case_type", "stage"):
            unknown = _used(cases[column]) - set(getattr(model.weights, column))
            if unknown:
                shown = ", ".join(sorted(unknown))
                problems.append(f"{column.replace('_', ' ')} codes it does not weigh: {shown}")
        missing = [m.flag for m in model.modifiers if m.flag not in cases.columns]
        if missing:
            problems.append(f"no stored '{', '.join(missing)}' column for its modifiers")
        reasons = set(reductions["reason"].astype("str"))
        unknown_reasons = reasons - set(model.reductions)
        if unknown_reasons:
            problems.append(f"reduction reasons it lacks: {', '.join(sorted(unknown_reasons))}")
        caps = manifest["reduction_caps"]
        lower = sorted(
            r
            for r in reasons & set(model.reductions)
            if model.reductions[r].max_percent < caps.get(r, 0.0)
        )
        if lower:
            problems.append(f"lower reduction caps for: {', '.join(lower)}")
        if problems:
            raise StoreError(
                f"snapshot {day} was stored for {stored_with}; {scheme.label} cannot weigh it "
                f"as stored ({'; '.join(problems)}): add it again with --scheme "
                f"{scheme.origin}"
            )
    return []


def recode_for(manifest: dict[str, Any], schemes: list[Scheme] | None) -> dict[str, list[str]]:
    """The categories validation gives each code column for these schemes (sorted union)."""
    if not schemes:
        return {column: list(codes) for column, codes in manifest["codes"].items()}
    return {
        column: sorted(set().union(*(getattr(s.model.weights, column).keys() for s in schemes)))
        for column in ("case_type", "stage")
    }


def _used(series: pd.Series) -> set[str]:
    codes = np.unique(series.cat.codes.to_numpy())
    return {str(series.cat.categories[c]) for c in codes[codes >= 0]}
