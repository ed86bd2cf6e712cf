"""Bands: ordered names with upper limits, stated per FTE at a reference target.

A worker's position on that scale is load / capacity × reference_target, so a
worker on an EIT target of 40 at 32 cases sits where a WAFH worker at 20 does.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd

from caseload_cli.scheme.model import Scheme


def band_names(scheme: Scheme) -> list[str]:
    return [band.name for band in scheme.model.banding.bands]


def band_colours(scheme: Scheme) -> dict[str, str]:
    return {band.name: band.colour for band in scheme.model.banding.bands}


def band_limits_pct(scheme: Scheme) -> tuple[tuple[float, str], ...]:
    """Where each band after the first starts, as utilisation % (limit / reference
    target × 100), labelled for a chart's reference lines: ("amber above 80%")."""
    bands = scheme.model.banding.bands
    reference = scheme.model.banding.reference_target
    limits = []
    for band, above in pairwise(bands):
        pct = round(band.up_to / reference * 100, 2)
        limits.append((pct, f"{above.name} above {pct:g}%"))
    return tuple(limits)


def scaled_load(load: pd.Series, capacity: pd.Series, scheme: Scheme) -> pd.Series:
    """Load per FTE on the reference scale; no capacity but some load is off the scale."""
    reference = scheme.model.banding.reference_target
    load_values = load.to_numpy(dtype="float64")
    capacity_values = capacity.to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.where(
            capacity_values > 0,
            load_values / capacity_values * reference,
            np.where(load_values > 0, np.inf, 0.0),
        )
    return pd.Series(scaled, index=load.index)


def assign_bands(load: pd.Series, capacity: pd.Series, scheme: Scheme) -> pd.Series:
    bands = scheme.model.banding.bands
    limits = np.array([b.up_to for b in bands[:-1]], dtype="float64")
    scaled = scaled_load(load, capacity, scheme).to_numpy()
    # `side="left"` makes a limit inclusive: 20 is green when green is "up to 20".
    positions = np.searchsorted(limits, np.round(scaled, 9), side="left")
    names = band_names(scheme)
    return pd.Series(
        pd.Categorical.from_codes(positions, categories=names, ordered=True), index=load.index
    )
