"""Whole-case caseloads drawn to a shape: the bands of `profiles.LoadShape` in exact
shares, and single cases added or taken until a total is met.

Used for FCAs' loads per FTE (`generate`) and practice supervisors' own
caseloads (`managers`), so both follow the same published-shares rule.
"""

from __future__ import annotations

import numpy as np

from caseload_cli.synth.profiles import LoadShape

__all__ = ["adjust_total", "draw_loads"]


def draw_loads(rng: np.random.Generator, fte: np.ndarray, shape: LoadShape) -> np.ndarray:
    """Whole-case caseloads whose per-FTE values follow `shape` (bands in exact shares)."""
    n = fte.size
    if n == 0:
        return np.zeros(0, np.int64)
    band = np.zeros(n, np.int8)
    band[: round(shape.share_above_lower * n)] = 1
    band[: round(shape.share_above_upper * n)] = 2
    band = rng.permutation(band)
    eps = 1e-9
    at_lower = np.floor(shape.lower * fte + eps)  # most cases still "not above lower"
    at_upper = np.floor(shape.upper * fte + eps)
    top = np.maximum(at_upper + 1, np.floor(shape.ceiling * fte + eps))
    bottom = np.minimum(np.ceil(shape.floor * fte - eps), at_lower)
    mid = rng.integers(at_lower + 1, np.maximum(at_lower + 1, at_upper) + 1)
    high = rng.integers(at_upper + 1, top + 1)
    x_mean = (shape.lower - shape.low_band_mean()) / (shape.lower - shape.floor)
    x = rng.beta(shape.concentration * x_mean, shape.concentration * (1 - x_mean), n)
    low = np.clip(np.rint((shape.lower - (shape.lower - shape.floor) * x) * fte), bottom, at_lower)
    return np.select([band == 2, band == 1], [high, mid], low).astype(np.int64)


def adjust_total(
    rng: np.random.Generator, counts: np.ndarray, total: int, minimum: int = 0
) -> np.ndarray:
    """Add or remove single cases at random until `counts` sums to `total`."""
    counts = counts.copy()
    if counts.size == 0:
        return counts
    diff = int(total - counts.sum())
    if diff > 0:
        np.add.at(counts, rng.integers(0, counts.size, diff), 1)
    while diff < 0:
        eligible = np.flatnonzero(counts > minimum)
        if eligible.size == 0:
            break
        take = rng.choice(eligible, size=min(-diff, eligible.size), replace=False)
        counts[take] -= 1
        diff += take.size
    return counts
