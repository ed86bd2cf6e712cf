"""Scenarios for negotiators: several schemes, or one scheme with values varied, on the same data.

Every scenario is weighed on the very same validated rows (the inputs are
read and validated once, with every scheme's codes), so differences between
columns come from the schemes and nothing else. Each figure is one of a fixed
set of summary metrics (`METRIC_KEYS`), computed the same way by `compare`
and `sweep`, and every scenario carries its scheme's fingerprint, so a result
can be cited and reproduced from the files and the command line.
"""

from __future__ import annotations

import difflib
import itertools
import math
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd

from caseload_cli.contract.validate import ValidInputs
from caseload_cli.core.errors import UsageError
from caseload_cli.core.model import Report
from caseload_cli.engine.aggregate import roll_up
from caseload_cli.engine.bands import band_colours, band_names
from caseload_cli.render.report import STAMP_FIELDS
from caseload_cli.reports.gap import (
    GROUP_KEYS,
    Target,
    population_text,
    population_workers,
    team_shortfall,
)
from caseload_cli.reports.pipeline import Weighed, weigh
from caseload_cli.scheme.diff import canonical_paths
from caseload_cli.scheme.model import Scheme, load_scheme

COMPARE_LEVELS = ("worker", "team", "service_area")
VIEWS = ("summary", "workers", "transitions")
EIT_TEAM_TYPE = "eit"
#: Published per-FTE thresholds: 20 (relationship-based practice) and 25 (the
#: WAFH ceiling) for teams after first hearing and public law; 40 for EIT.
THRESHOLDS = (("above_20", 20.0, False), ("above_25", 25.0, False), ("above_40_eit", 40.0, True))
#: Largest sweep grid; each point weighs every case once (about 20-40 ms for the sample).
MAX_GRID_POINTS = 200
TOLERANCE = 1e-9
_RESERVED_LABELS = {"metric", "description", "service_area", "team", *STAMP_FIELDS}


# --------------------------------------------------------------------------- schemes and labels


@dataclass(frozen=True)
class Scenario:
    """One `--scheme` as the user gave it: its label, position and validated scheme."""

    label: str
    scheme: Scheme
    position: int  # 1-based position among the --scheme options
    given: str  # the name or path as typed

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "position": self.position,
            "name": self.scheme.model.name,
            "version": self.scheme.model.version,
            "fingerprint": self.scheme.fingerprint,
            "origin": self.scheme.origin,
            "overrides": list(self.scheme.overrides),
        }


def split_set_options(sets: Iterable[str], count: int) -> list[tuple[str, ...]]:
    """Share `--set [N.]PATH=VALUE` options out to the schemes, keeping command-line order.

    `2.weights.case_type.r16_4=1.5` changes the second `--scheme` only; without
    a number the change applies to every scheme. Scheme paths never start with
    a digit, so the number cannot be mistaken for part of the path.
    """
    per_scheme: list[list[str]] = [[] for _ in range(count)]
    for text in sets:
        path = text.partition("=")[0]
        head, dot, rest = path.partition(".")
        if head.strip().isdigit():
            number = int(head)
            if not dot or not rest.strip():
                raise UsageError(
                    f"--set {text!r}: expected [N.]PATH=VALUE, e.g. 2.weights.case_type.r16_4=1.5"
                )
            if not 1 <= number <= count:
                raise UsageError(
                    f"--set {text!r}: there is no --scheme number {number} "
                    f"(give 1 to {count}, or no number to change every scheme)"
                )
            per_scheme[number - 1].append(text.partition(".")[2])
        else:
            for changes in per_scheme:
                changes.append(text)
    return [tuple(changes) for changes in per_scheme]


def short_override(override: str) -> str:
    """`weights.case_type.r16_4=1.5` -> `r16_4=1.5`; list items keep the list: `bands.0.up_to`."""
    path, _, value = override.partition("=")
    parts = [p.strip() for p in path.split(".")]
    keep = 1
    if len(parts) >= 2 and (parts[-1].isdigit() or parts[-2].isdigit()):
        keep = 3
    return ".".join(parts[-keep:]) + "=" + value.strip()


def _labels(schemes: Sequence[Scheme]) -> list[str]:
    seen: dict[str, int] = {}
    labels: list[str] = []
    for scheme in schemes:
        name = scheme.model.name
        seen[name] = seen.get(name, 0) + 1
        label = name if seen[name] == 1 else f"{name}#{seen[name]}"
        if scheme.overrides:
            label += " (" + ", ".join(short_override(o) for o in scheme.overrides) + ")"
        if label in _RESERVED_LABELS:
            label = f"{label} (scheme)"
        labels.append(label)
    used: set[str] = set()
    for i, label in enumerate(labels):  # the same changes on a renamed copy: keep labels unique
        candidate, n = label, 1
        while candidate in used:
            n += 1
            candidate = f"{label} [{n}]"
        labels[i] = candidate
        used.add(candidate)
    return labels


def resolve_scenarios(
    names: Sequence[str], sets: Iterable[str] = ()
) -> tuple[list[Scenario], list[str]]:
    """Load every `--scheme` with its share of the `--set` options; notes flag added keys."""
    if not names:
        raise UsageError("give at least one --scheme (twice or more to compare)")
    overrides = split_set_options(sets, len(names))
    schemes = [load_scheme(name, changes) for name, changes in zip(names, overrides, strict=True)]
    notes: list[str] = []
    for name, changes in zip(names, overrides, strict=True):
        for note in added_key_notes(name, _set_changes(changes)):
            if note not in notes:
                notes.append(note)
    scenarios = [
        Scenario(label, scheme, position, name)
        for position, (label, scheme, name) in enumerate(
            zip(_labels(schemes), schemes, names, strict=True), start=1
        )
    ]
    return scenarios, notes


def added_key_notes(name: str, changes: Sequence[tuple[str, str]]) -> list[str]:
    """Say when a change adds a key the scheme does not have, such as a misspelt case type.

    `changes` are (option as typed, dotted path) pairs. Adding keys is
    legitimate (a role target a scheme lacks) and is validated like the file,
    but `weights.case_type.r16_44=1.5` would otherwise add a case type no row
    uses and change nothing without a word.
    """
    if not changes:
        return []
    leaves = canonical_paths(load_scheme(name))
    notes = []
    for shown, raw_path in changes:
        path = ".".join(p.strip() for p in raw_path.split("."))
        if path in leaves or any(leaf.startswith(path + ".") for leaf in leaves):
            continue
        close = difflib.get_close_matches(path, list(leaves), n=1, cutoff=0.85)
        hint = f" (did you mean {close[0]}?)" if close else ""
        notes.append(f"{shown}: {name} has no {path}; the change adds it{hint}")
    return notes


def set_option_notes(name: str, overrides: Sequence[str]) -> list[str]:
    """Notes for `--set` options that add keys to scheme `name` (see added_key_notes)."""
    return added_key_notes(name, _set_changes(overrides))


def _set_changes(overrides: Sequence[str]) -> list[tuple[str, str]]:
    return [(f"--set {o.strip()}", o.partition("=")[0]) for o in overrides]


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
        metrics.append(Metric(key, f"{group} above {level:g} per FTE", True))
        metrics.append(Metric(f"{key}_pct", f"Share of {group} above {level:g} per FTE (%)"))
    metrics += [
        Metric("over_napo", "Workers above their Napo safe level", True),
        Metric("over_napo_pct", "Share above their Napo safe level (%)"),
        Metric("saturation_pct", "Saturation: total load / total capacity (%)"),
        Metric("fte_needed", "FTE to bring every team to target: Σ max(0, load/target − FTE)"),
    ]
    return metrics


def _pct(part: pd.Series, whole: pd.Series) -> pd.Series:
    with np.errstate(divide="ignore", invalid="ignore"):
        return (100.0 * part / whole.where(whole > 0)).astype("float64")


def scenario_metrics(
    weighed: Weighed, by: str = "national", population: str = "fca", bands: Sequence[str] = ()
) -> pd.DataFrame:
    """One row per group ("national" when `by` is national or worker), one column per metric.

    Per-FTE figures use available FTE and leave out workers with none; band
    and Napo shares count every worker. Roll-ups add first and divide last.
    """
    keys = GROUP_KEYS[by]
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
        out["total_weighted_load"] = float(weighed.parts["weight"].sum())
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
        out[key] = summed[key]
        out[f"{key}_pct"] = _pct(
            summed[key], summed["_with_fte_eit" if for_eit else "_with_fte_non_eit"]
        )
    out["over_napo"] = summed["over_napo"]
    out["over_napo_pct"] = _pct(summed["over_napo"], summed["workers"])
    out["saturation_pct"] = _pct(summed["weighted_load"], summed["capacity"])
    shortfall = team_shortfall(workers, keys, Target("ceiling"))
    out["fte_needed"] = shortfall if keys else float(shortfall)
    out = out.astype("float64").round(6)
    if not keys:
        out.index = pd.Index(["national"], name="level")
    return out


def _band_order(scenarios: Sequence[Scenario]) -> tuple[list[str], dict[str, str], dict[str, str]]:
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


def _numbers(values: np.ndarray, counts: np.ndarray) -> pd.Series:
    """Plain Python numbers: whole-number metrics as int, the rest as float, missing as None."""
    out = []
    for value, is_count in zip(values.tolist(), counts.tolist(), strict=True):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            out.append(None)
        else:
            out.append(round(value) if is_count else float(value))
    return pd.Series(out, dtype=object)


# --------------------------------------------------------------------------- compare


def _summary_table(
    scenarios: Sequence[Scenario], weighed: Sequence[Weighed], by: str, population: str
) -> pd.DataFrame:
    """Rows = metrics (per group when `by` is a group level), one column per scenario."""
    bands, band_labels, _ = _band_order(scenarios)
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
        out[scenario.label] = _numbers(values, is_count)
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
    keys = ["worker_id"] if by == "worker" else GROUP_KEYS[by]
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
        else:
            out[f"{scenario.label} change"] = np.round(load - base_load, 6)
    return out


def _transition_table(scenarios: Sequence[Scenario], entities: pd.DataFrame) -> pd.DataFrame:
    """How many move from each band under the first scheme to each band under the others.

    One row per (other scheme, band under the first scheme); one column per
    band under the other scheme, so a row reads "of the N green under flat,
    this many are green, amber, red under the other scheme".
    """
    bands, _, _ = _band_order(scenarios)
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


def _scheme_table(scenarios: Sequence[Scenario]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "label": s.label,
                "scheme": s.given,
                "name": s.scheme.model.name,
                "version": s.scheme.model.version,
                "fingerprint": s.scheme.fingerprint,
                "overrides": "; ".join(s.scheme.overrides),
            }
            for s in scenarios
        ]
    )


def compare_report(
    valid: ValidInputs,
    scenarios: Sequence[Scenario],
    by: str = "worker",
    population: str = "fca",
    view: str = "summary",
    notes: Sequence[str] = (),
) -> Report:
    """`caseload compare`: summary metrics, per-worker (or group) loads and band transitions."""
    if by not in COMPARE_LEVELS:
        raise UsageError(f"--by must be one of {', '.join(COMPARE_LEVELS)}")
    if view not in VIEWS:
        raise UsageError(f"--view must be one of {', '.join(VIEWS)}")
    weighed = [weigh(valid, s.scheme) for s in scenarios]
    entities = _entity_table(scenarios, weighed, by, population)
    tables = {
        "summary": _summary_table(scenarios, weighed, by, population),
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
    _, _, colours = _band_order(scenarios)
    level = by.replace("_", " ")
    return Report(
        title=f"Scheme comparison by {level}: " + ", ".join(s.label for s in scenarios),
        rows=tables.pop(main_key),
        schemes=[s.scheme.stamp for s in scenarios],
        accounting=dict(valid.accounting),
        sections={**tables, "schemes": _scheme_table(scenarios)},
        band_column=f"{scenarios[0].label} band",
        band_colours=colours,
        notes=[*_population_notes(population), *notes, *valid.notes],
        metadata={
            "by": by,
            "population": population,
            "view": view,
            "snapshot": valid.snapshot.isoformat(),
            "sheet": main_key,
            "scenarios": [s.as_dict() for s in scenarios],
        },
    )


def _population_notes(population: str) -> list[str]:
    return [
        f"Workers: {population_text(population)} (--population {population}). Load per FTE is "
        "weighted load / available FTE; workers without available FTE are left out of per-FTE "
        "figures. Thresholds 20 and 25 apply to non-EIT workers, 40 to EIT (published figures)."
    ]


# --------------------------------------------------------------------------- sweep


@dataclass(frozen=True)
class Vary:
    """One `--vary PATH=SPEC`: the scheme path and the values it takes."""

    path: str
    values: tuple[Any, ...]


def _number(text: str, option: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise UsageError(f"--vary {option!r}: {text.strip()!r} is not a number") from None
    if not value.is_finite():
        raise UsageError(f"--vary {option!r}: {text.strip()!r} is not a finite number")
    return value


def _plain_value(text: str) -> Any:
    """A list item as a TOML value (1.5, true, "text"), else the text itself."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_vary(option: str, limit: int = MAX_GRID_POINTS) -> Vary:
    """`PATH=START:STOP:STEP` (stop included within float tolerance) or `PATH=A,B,C`.

    Ranges are computed in decimal so 1:2:0.1 gives 1.1, not 1.1000000000000001,
    and whole-number ranges give whole numbers (for settings such as
    `weights.children.max_additional`).
    """
    path, sep, spec = option.partition("=")
    path, spec = path.strip(), spec.strip()
    if not sep or not path or not spec:
        raise UsageError(
            f"--vary {option!r}: expected PATH=START:STOP:STEP or PATH=A,B,C, "
            "e.g. weights.case_type.r16_4=1:2:0.25"
        )
    if ":" in spec:
        parts = spec.split(":")
        if len(parts) != 3:
            raise UsageError(f"--vary {option!r}: a range is START:STOP:STEP (three numbers)")
        start, stop, step = (_number(p, option) for p in parts)
        if step == 0:
            raise UsageError(f"--vary {option!r}: STEP must not be 0")
        if (stop - start) * step < 0:
            raise UsageError(
                f"--vary {option!r}: STEP {step} never gets from {start} to {stop} "
                "(use a negative step to count down)"
            )
        span = (stop - start) / step
        count = int(span + Decimal("1e-9")) + 1
        if count > limit:
            raise UsageError(
                f"--vary {option!r} gives {count:,} values, more than the limit of {limit} "
                "points; use a larger step"
            )
        whole = all(d == d.to_integral_value() for d in (start, step))
        values = [start + step * i for i in range(count)]
        plain: tuple[Any, ...] = tuple(int(v) if whole else float(v) for v in values)
        return Vary(path, plain)
    items = [item.strip() for item in spec.split(",")]
    if any(item == "" for item in items):
        raise UsageError(f"--vary {option!r}: empty value in the list")
    return Vary(path, tuple(_plain_value(item) for item in items))


def sweep_grid(varies: Sequence[Vary], limit: int = MAX_GRID_POINTS) -> list[tuple[Any, ...]]:
    """The cartesian product of every --vary, refused when it has more than `limit` points."""
    if not varies:
        raise UsageError("give at least one --vary PATH=START:STOP:STEP (or PATH=A,B,C)")
    paths = [v.path for v in varies]
    repeated = sorted({p for p in paths if paths.count(p) > 1})
    if repeated:
        raise UsageError(f"--vary names {', '.join(repeated)} more than once")
    size = math.prod(len(v.values) for v in varies)
    if size > limit:
        shape = " × ".join(str(len(v.values)) for v in varies)
        raise UsageError(
            f"the --vary grid has {size:,} points ({shape}), more than the limit of {limit}; "
            "use fewer values, larger steps or fewer --vary options"
        )
    return list(itertools.product(*(v.values for v in varies)))


def _toml_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        import json

        return json.dumps(value, ensure_ascii=False)
    raise UsageError(f"--vary: cannot use {value!r} as a scheme value")


@dataclass(frozen=True)
class SweepPoint:
    """One grid point: the values it sets and the scheme they make."""

    number: int
    values: dict[str, Any]
    scheme: Scheme


def sweep_points(
    name: str, overrides: Sequence[str], varies: Sequence[Vary], limit: int = MAX_GRID_POINTS
) -> tuple[Scheme, list[SweepPoint], list[str]]:
    """The base scheme, one validated scheme per grid point, and notes on added keys.

    Each point is the base scheme with the fixed `--set` changes and then the
    point's values, validated like a file, so its fingerprint is the one a
    `load --set ...` with the same changes would show.
    """
    grid = sweep_grid(varies, limit)
    base = load_scheme(name, tuple(overrides))
    paths = [v.path for v in varies]
    notes = added_key_notes(name, [*_set_changes(overrides), *((f"--vary {p}", p) for p in paths)])
    points = []
    for number, values in enumerate(grid, start=1):
        changes = [f"{p}={_toml_literal(v)}" for p, v in zip(paths, values, strict=True)]
        scheme = load_scheme(name, (*overrides, *changes))
        points.append(SweepPoint(number, dict(zip(paths, values, strict=True)), scheme))
    return base, points, notes


def metric_keys(bands: Sequence[str], population: str = "fca") -> list[str]:
    return [m.key for m in metric_list(bands, {}, population, national=True)]


def check_metrics(chosen: Sequence[str], bands: Sequence[str]) -> list[str]:
    """Validate `--metric` names, suggesting close ones; empty means every metric."""
    known = metric_keys(bands)
    for name in chosen:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
            hint = f"did you mean {' or '.join(close)}? " if close else ""
            raise UsageError(f"--metric {name!r} is not a metric ({hint}known: {', '.join(known)})")
    return list(dict.fromkeys(chosen)) or known


def sweep_report(
    valid: ValidInputs,
    base: Scheme,
    points: Sequence[SweepPoint],
    population: str = "fca",
    metrics: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> Report:
    """`caseload sweep`: one row per grid point: its values, the metrics and its fingerprint."""
    bands: list[str] = []
    for point in points:
        bands += [b for b in band_names(point.scheme) if b not in bands]
    chosen = check_metrics(metrics, bands)
    counts = {m.key for m in metric_list(bands, {}, population, national=True) if m.count}
    rows = []
    for point in points:
        figures = scenario_metrics(weigh(valid, point.scheme), "national", population, bands)
        record: dict[str, Any] = {"point": point.number, **point.values}
        record.update(figures.iloc[0][chosen].to_dict())
        record["fingerprint"] = point.scheme.fingerprint
        rows.append(record)
    table = pd.DataFrame(rows)
    for column in chosen:
        if column in counts:
            table[column] = table[column].round().astype("Int64")
    paths = list(points[0].values) if points else []
    return Report(
        title=f"Sweep of {', '.join(paths)} ({base.model.name} v{base.model.version})",
        rows=table,
        schemes=[base.stamp],
        accounting=dict(valid.accounting),
        band_column=None,
        notes=[
            f"Base scheme {base.model.name} v{base.model.version} sha256:{base.fingerprint[:12]}"
            + (f" with --set {'; '.join(base.overrides)}" if base.overrides else "")
            + "; each point's own fingerprint is in the fingerprint column.",
            *_population_notes(population),
            *notes,
            *valid.notes,
        ],
        metadata={
            "population": population,
            "vary": paths,
            "points": len(points),
            "snapshot": valid.snapshot.isoformat(),
            "sheet": "sweep",
            "scheme_origin": base.origin,
            "scheme_overrides": list(base.overrides),
        },
    )
