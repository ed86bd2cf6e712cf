"""The summary metrics `compare` and `sweep` report, computed one way for both.

Each figure is computed from the population's workers (docs/population.md),
so `compare`'s national workers, FTE, load, saturation and over-Napo counts
are the numbers `load --by national` shows for the same files and options.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from caseload_cli.core.vocabulary import (
    DEFAULT_POPULATION,
    EIT_TEAM_TYPE,
    GROUP_KEYS,
    PUBLISHED_THRESHOLDS,
    TOLERANCE,
)
from caseload_cli.engine.bands import band_colours, band_names
from caseload_cli.engine.need import Target, team_shortfall
from caseload_cli.engine.population import population_text, population_workers
from caseload_cli.engine.weighed import Weighed
from caseload_cli.reports.scenarios import Scenario

THRESHOLDS = PUBLISHED_THRESHOLDS


# --------------------------------------------------------------------------- metrics


@dataclass(frozen=True)
class Metric:
    key: str
    description: str
    count: bool = False  # a whole number of workers


def metric_list(
    bands: Sequence[str], band_labels: dict[str, str], population: str, national: bool
) -> list[Metric]:
    """The summary metrics in display order (band rows depend on the schemes' bands)."""
    who = population_text(population)
    metrics = [
        Metric("workers", f"Workers counted: {who}", True),
        Metric("available_fte", "Available FTE (contracted, less reductions)"),
    ]
    if national:
        metrics.append(
            Metric("total_weighted_load", "Weighted load of every weighed case (held or not)")
        )
    metrics += [
        Metric("weighted_load", "Weighted load held by these workers"),
        Metric("mean_load_per_fte", "Mean load per available FTE"),
        Metric("median_load_per_fte", "Median load per available FTE"),
        Metric(
            "mean_load_per_fte_non_eit", "Mean load per FTE, teams after first hearing/public law"
        ),
        Metric("mean_load_per_fte_eit", "Mean load per FTE, EIT (work to first hearing)"),
    ]
    for band in bands:
        label = band_labels.get(band, "")
        metrics.append(
            Metric(f"band_{band}", f"Workers in {band}" + (f": {label}" if label else ""), True)
        )
        metrics.append(Metric(f"band_{band}_pct", f"Share in {band} (%)"))
    for key, level, eit in THRESHOLDS:
        group = "EIT workers" if eit else "non-EIT workers"
        metrics.append(Metric(key, f"{group} above {level:g} cases per FTE", True))
        metrics.append(Metric(f"{key}_pct", f"Share of {group} above {level:g} cases per FTE (%)"))
    metrics += [
        Metric("over_napo", "Workers above their Napo safe level", True),
        Metric("over_napo_pct", "Share above their Napo safe level (%)"),
        Metric("over_capacity", "Workers above 100% of their capacity", True),
        Metric("over_capacity_pct", "Share above 100% of their capacity (%)"),
        Metric("saturation_pct", "Saturation: total load / total capacity (%)"),
        Metric("fte_needed", "FTE to bring every team to target: Σ max(0, load/target − FTE)"),
    ]
    return metrics


def _pct(part: pd.Series, whole: pd.Series) -> pd.Series:
    with np.errstate(divide="ignore", invalid="ignore"):
        return (100.0 * part / whole.where(whole > 0)).astype("float64")


def scenario_metrics(
    weighed: Weighed,
    by: str = "national",
    population: str = DEFAULT_POPULATION,
    bands: Sequence[str] = (),
) -> pd.DataFrame:
    """One row per group ("national" when `by` is national or worker), one column per metric.

    Per-FTE figures use available FTE and leave out workers with none; band
    and Napo shares count every worker. Roll-ups add first and divide last.
    """
    keys = list(GROUP_KEYS[by])
    scheme = weighed.scheme
    workers = population_workers(weighed.workers, population)
    fte = workers["available_fte"].astype("float64")
    load = workers["weighted_load"].astype("float64")
    has_fte = fte > 0
    per_fte = (load / fte.where(has_fte)).astype("float64")
    eit = workers["team_type"].eq(EIT_TEAM_TYPE)
    band_text = workers["band"].astype("str")
    columns: dict[str, Any] = {
        "workers": 1,
        "available_fte": fte,
        "weighted_load": load,
        "capacity": workers["capacity"].astype("float64"),
        "over_napo": workers["over_napo"].astype("int64"),
        "_per_fte": per_fte,
        "_per_fte_non_eit": per_fte.where(~eit),
        "_per_fte_eit": per_fte.where(eit),
        "_with_fte_non_eit": (has_fte & ~eit).astype("int64"),
        "_with_fte_eit": (has_fte & eit).astype("int64"),
    }
    for key, level, for_eit in THRESHOLDS:
        in_group = eit if for_eit else ~eit
        columns[key] = (in_group & (per_fte > level + TOLERANCE)).astype("int64")
    columns["over_capacity"] = (workers["weighted_load"] > workers["capacity"] + TOLERANCE).astype(
        "int64"
    )
    own_bands = band_names(scheme)
    for band in own_bands:
        columns[f"band_{band}"] = band_text.eq(band).astype("int64")
    frame = workers[keys].assign(**columns) if keys else pd.DataFrame(columns, index=workers.index)
    if not keys:
        frame = frame.assign(_national="national")
    group = keys or ["_national"]
    grouped = frame.groupby(group, sort=True, observed=True)
    summed = grouped[
        [
            "workers",
            "available_fte",
            "weighted_load",
            "capacity",
            "over_napo",
            "over_capacity",
            "_with_fte_non_eit",
            "_with_fte_eit",
            *(k for k, _, _ in THRESHOLDS),
            *(f"band_{b}" for b in own_bands),
        ]
    ].sum()
    out = pd.DataFrame(index=summed.index)
    if not keys:
        out = out.reindex(pd.Index(["national"], name="_national"))
        summed = summed.reindex(out.index, fill_value=0)
    out["workers"] = summed["workers"]
    out["available_fte"] = summed["available_fte"]
    if not keys:
        activities = weighed.activity_parts
        out["total_weighted_load"] = float(weighed.parts["weight"].sum()) + (
            float(activities["load"].sum()) if activities is not None else 0.0
        )
    out["weighted_load"] = summed["weighted_load"]
    out["mean_load_per_fte"] = grouped["_per_fte"].mean()
    out["median_load_per_fte"] = grouped["_per_fte"].median()
    out["mean_load_per_fte_non_eit"] = grouped["_per_fte_non_eit"].mean()
    out["mean_load_per_fte_eit"] = grouped["_per_fte_eit"].mean()
    for band in bands:
        if band in own_bands:
            out[f"band_{band}"] = summed[f"band_{band}"]
            out[f"band_{band}_pct"] = _pct(summed[f"band_{band}"], summed["workers"])
        else:
            out[f"band_{band}"] = np.nan
            out[f"band_{band}_pct"] = np.nan
    for key, _, for_eit in THRESHOLDS:
        # The published levels count cases: never applied to points or hours.
        counted_in_cases = scheme.unit == "cases"
        out[key] = summed[key] if counted_in_cases else np.nan
        out[f"{key}_pct"] = (
            _pct(summed[key], summed["_with_fte_eit" if for_eit else "_with_fte_non_eit"])
            if counted_in_cases
            else np.nan
        )
    out["over_napo"] = summed["over_napo"]
    out["over_napo_pct"] = _pct(summed["over_napo"], summed["workers"])
    out["over_capacity"] = summed["over_capacity"]
    out["over_capacity_pct"] = _pct(summed["over_capacity"], summed["workers"])
    out["saturation_pct"] = _pct(summed["weighted_load"], summed["capacity"])
    shortfall = team_shortfall(workers, keys, Target("ceiling"))
    out["fte_needed"] = shortfall if keys else float(shortfall)
    out = out.astype("float64").round(6)
    if not keys:
        out.index = pd.Index(["national"], name="level")
    return out


def band_order(scenarios: Sequence[Scenario]) -> tuple[list[str], dict[str, str], dict[str, str]]:
    order: list[str] = []
    labels: dict[str, str] = {}
    colours: dict[str, str] = {}
    for scenario in scenarios:
        for band in scenario.scheme.model.banding.bands:
            if band.name not in order:
                order.append(band.name)
                labels[band.name] = band.label
        for name, colour in band_colours(scenario.scheme).items():
            colours.setdefault(name, colour)
    return order, labels, colours


def metric_column(values: np.ndarray, counts: np.ndarray) -> pd.Series:
    """Plain Python numbers: whole-number metrics as int, the rest as float, missing as None."""
    out = []
    for value, is_count in zip(values.tolist(), counts.tolist(), strict=True):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            out.append(None)
        else:
            out.append(round(value) if is_count else float(value))
    return pd.Series(out, dtype=object)


def metric_notes(population: str) -> list[str]:
    return [
        f"Workers: {population_text(population)} (--population {population}). Load per FTE is "
        "weighted load / available FTE; workers without available FTE are left out of per-FTE "
        "figures. Thresholds 20 and 25 apply to non-EIT workers, 40 to EIT (published figures, "
        "counted in cases: blank for a scheme that weighs in points or hours)."
    ]
