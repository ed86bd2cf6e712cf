"""`caseload compare`: several schemes side by side, with band transitions."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from caseload_cli.contract.validate import ValidInputs
from caseload_cli.core.errors import UsageError
from caseload_cli.core.model import Report
from caseload_cli.core.vocabulary import (
    COMPARE_LEVELS,
    COMPARE_VIEWS,
    DEFAULT_POPULATION,
    GROUP_KEYS,
)
from caseload_cli.engine.aggregate import roll_up
from caseload_cli.engine.bands import band_names
from caseload_cli.engine.population import population_workers
from caseload_cli.engine.weighed import Weighed, weigh
from caseload_cli.reports.metrics import (
    band_order,
    metric_column,
    metric_list,
    metric_notes,
    scenario_metrics,
)
from caseload_cli.reports.privacy import blank_matching, check_min_group, suppress_rollup
from caseload_cli.reports.scenarios import Scenario

# --------------------------------------------------------------------------- compare


def _summary_table(
    scenarios: Sequence[Scenario], weighed: Sequence[Weighed], by: str, population: str
) -> pd.DataFrame:
    """Rows = metrics (per group when `by` is a group level), one column per scenario."""
    bands, band_labels, _ = band_order(scenarios)
    level = "national" if by == "worker" else by
    metrics = metric_list(bands, band_labels, population, national=level == "national")
    keys = [m.key for m in metrics]
    frames = [scenario_metrics(w, level, population, bands).reindex(columns=keys) for w in weighed]
    groups = frames[0].index
    for frame in frames[1:]:
        groups = groups.union(frame.index)
    groups = groups.sort_values()
    out = pd.DataFrame()
    if level != "national":
        repeated = groups.to_frame(index=False).loc[np.repeat(np.arange(len(groups)), len(keys))]
        out = repeated.reset_index(drop=True)
    out["metric"] = np.tile(keys, len(groups))
    out["description"] = np.tile([m.description for m in metrics], len(groups))
    is_count = np.tile([m.count for m in metrics], len(groups))
    for scenario, frame in zip(scenarios, frames, strict=True):
        values = frame.reindex(groups).to_numpy(dtype="float64").ravel()
        out[scenario.label] = metric_column(values, is_count)
    return out


def _population_rows(weighed: Weighed, by: str, population: str) -> pd.DataFrame:
    workers = population_workers(weighed.workers, population)
    if by == "worker":
        return workers
    return roll_up(workers, by, weighed.scheme)


def _entity_table(
    scenarios: Sequence[Scenario], weighed: Sequence[Weighed], by: str, population: str
) -> pd.DataFrame:
    """Load and band per worker (or group) under each scheme, and the change from the first."""
    keys = ["worker_id"] if by == "worker" else list(GROUP_KEYS[by])
    first = _population_rows(weighed[0], by, population)
    ident = (
        ["worker_id", "name", "team", "service_area", "role", "team_type", "available_fte"]
        if by == "worker"
        else [*keys, "workers", "available_fte"]
    )
    out = first[ident].reset_index(drop=True)
    index = pd.MultiIndex.from_frame(out[keys]) if len(keys) > 1 else pd.Index(out[keys[0]])
    base_load = None
    for scenario, result in zip(scenarios, weighed, strict=True):
        rows = _population_rows(result, by, population)
        rows = rows.set_index(keys).reindex(index)
        load = rows["weighted_load"].astype("float64").to_numpy()
        out[f"{scenario.label} load"] = load
        out[f"{scenario.label} band"] = rows["band"].astype("str").to_numpy()
        if base_load is None:
            base_load = load
        elif scenario.scheme.unit == scenarios[0].scheme.unit:
            out[f"{scenario.label} change"] = np.round(load - base_load, 6)
        # Loads in different units (cases against hours) have no difference to show.
    return out


def _transition_table(scenarios: Sequence[Scenario], entities: pd.DataFrame) -> pd.DataFrame:
    """How many move from each band under the first scheme to each band under the others.

    One row per (other scheme, band under the first scheme); one column per
    band under the other scheme, so a row reads "of the N green under flat,
    this many are green, amber, red under the other scheme".
    """
    bands, _, _ = band_order(scenarios)
    first = scenarios[0]
    first_bands = band_names(first.scheme)
    source = pd.Categorical(entities[f"{first.label} band"], categories=first_bands).codes
    pieces = []
    for scenario in scenarios[1:]:
        target = pd.Categorical(entities[f"{scenario.label} band"], categories=bands).codes
        known = (source >= 0) & (target >= 0)
        cells = np.bincount(
            source[known].astype("int64") * len(bands) + target[known],
            minlength=len(first_bands) * len(bands),
        ).reshape(len(first_bands), len(bands))
        matrix = pd.DataFrame(cells.astype("int64"), columns=bands)
        matrix["total"] = matrix.sum(axis=1)
        matrix.insert(0, "from_band", first_bands)
        matrix.insert(0, "to_scheme", scenario.label)
        matrix.insert(0, "from_scheme", first.label)
        pieces.append(matrix)
    if not pieces:
        return pd.DataFrame(columns=["from_scheme", "to_scheme", "from_band", *bands, "total"])
    return pd.concat(pieces, ignore_index=True)


def _unit_notes(scenarios: Sequence[Scenario]) -> list[str]:
    """Loads in different units side by side: say which is which, and that no change
    between them is shown."""
    units = {s.scheme.unit for s in scenarios}
    if len(units) < 2:
        return []
    each = ", ".join(f"{s.label} in {s.scheme.unit}" for s in scenarios)
    return [
        f"Loads are in different units ({each}): compare bands, shares and utilisation "
        "across them; a change column is shown only between schemes of the first one's unit."
    ]


def _scheme_table(scenarios: Sequence[Scenario]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "label": s.label,
                "scheme": s.given,
                "name": s.scheme.model.name,
                "version": s.scheme.model.version,
                "fingerprint": s.scheme.fingerprint,
                "unit": s.scheme.unit,
                "overrides": "; ".join(s.scheme.overrides),
            }
            for s in scenarios
        ]
    )


def compare_report(
    valid: ValidInputs,
    scenarios: Sequence[Scenario],
    by: str = "worker",
    population: str = DEFAULT_POPULATION,
    view: str = "summary",
    notes: Sequence[str] = (),
    min_group: int | None = None,
) -> Report:
    """`caseload compare`: summary metrics, per-worker (or group) loads and band transitions."""
    if by not in COMPARE_LEVELS:
        raise UsageError(f"--by must be one of {', '.join(COMPARE_LEVELS)}")
    if view not in COMPARE_VIEWS:
        raise UsageError(f"--view must be one of {', '.join(COMPARE_VIEWS)}")
    check_min_group(min_group, by)
    weighed = [weigh(valid, s.scheme) for s in scenarios]
    entities = _entity_table(scenarios, weighed, by, population)
    summary = _summary_table(scenarios, weighed, by, population)
    privacy = []
    if min_group is not None:
        # Blank groups' loads and bands everywhere: transitions then count shown groups only.
        entities, hide, text = suppress_rollup(entities, by, min_group)
        keys = list(GROUP_KEYS[by])
        summary = blank_matching(summary, entities[hide], keys, [*keys, "metric", "description"])
        privacy = [text + " Band transitions count the groups shown."]
    tables = {
        "summary": summary,
        "workers" if by == "worker" else f"by_{by}": entities,
        "transitions": _transition_table(scenarios, entities),
    }
    if len(scenarios) == 1:
        del tables["transitions"]
    main_key = (
        view
        if view != "workers"
        else next(k for k in tables if k not in ("summary", "transitions"))
    )
    if main_key not in tables:
        raise UsageError("--view transitions needs at least two --scheme options")
    _, _, colours = band_order(scenarios)
    level = by.replace("_", " ")
    return Report(
        title=f"Scheme comparison by {level}: " + ", ".join(s.label for s in scenarios),
        rows=tables.pop(main_key),
        schemes=[s.scheme.stamp for s in scenarios],
        accounting=dict(valid.accounting),
        sections={**tables, "schemes": _scheme_table(scenarios)},
        band_column=f"{scenarios[0].label} band",
        band_colours=colours,
        notes=[
            *metric_notes(population),
            *_unit_notes(scenarios),
            *notes,
            *valid.notes,
            *privacy,
        ],
        metadata={
            "by": by,
            "population": population,
            "view": view,
            **valid.snapshot_metadata(),
            "sheet": main_key,
            **({"min_group": min_group} if min_group is not None else {}),
            "scenarios": [s.as_dict() for s in scenarios],
        },
    )
