"""`caseload sweep`: one scheme with values varied over a range or a grid."""

from __future__ import annotations

import itertools
import math
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pandas as pd

from caseload_cli.contract.validate import ValidInputs
from caseload_cli.core.errors import UsageError
from caseload_cli.core.model import Report
from caseload_cli.core.suggest import did_you_mean
from caseload_cli.core.vocabulary import DECIMALS, DEFAULT_POPULATION, MAX_GRID_POINTS
from caseload_cli.engine.bands import band_names
from caseload_cli.engine.weighed import weigh
from caseload_cli.reports.metrics import metric_list, metric_notes, scenario_metrics
from caseload_cli.reports.scenarios import added_key_notes, set_changes
from caseload_cli.scheme.model import Scheme, load_scheme

# --------------------------------------------------------------------------- sweep


@dataclass(frozen=True)
class Vary:
    """One `--vary PATH=SPEC`: the scheme path and the values it takes."""

    path: str
    values: tuple[Any, ...]


def vary_number(text: str, option: str) -> Decimal:
    """A number of a `--vary` option: finite, with at most `DECIMALS` places, else exit 2."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise UsageError(f"--vary {option!r}: {text.strip()!r} is not a number") from None
    if not value.is_finite():
        raise UsageError(f"--vary {option!r}: {text.strip()!r} is not a finite number")
    _check_places(value, text.strip(), option)
    return value


def _check_places(value: Decimal, text: str, option: str) -> None:
    """Refuse more decimal places than loads are kept to, so a value is always shown whole."""
    if -value.normalize().as_tuple().exponent > DECIMALS:  # type: ignore[operator]
        raise UsageError(
            f"--vary {option!r}: {text} has more than {DECIMALS} decimal places "
            f"(weights and loads are kept to {DECIMALS})"
        )


def decimal_places(value: Any) -> int:
    """The decimal places `value` needs to be shown exactly (0 for whole numbers and text)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return 0
    exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not exact.is_finite():
        return 0
    return max(0, -exact.normalize().as_tuple().exponent)  # type: ignore[operator]


def places_to_show(values: Iterable[Any], at_least: int = 2) -> int:
    """Decimals a report shows so that every varied value reads exactly as given
    (0.125 as 0.125, never 0.13): at least `at_least`, at most `DECIMALS`."""
    return min(DECIMALS, max([at_least, *(decimal_places(v) for v in values)]))


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
        start, stop, step = (vary_number(p, option) for p in parts)
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
    values = tuple(_plain_value(item) for item in items)
    for item, value in zip(items, values, strict=True):
        if isinstance(value, int | float) and not isinstance(value, bool):
            _check_places(Decimal(repr(value)), item, option)
    return Vary(path, values)


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


def toml_literal(value: Any) -> str:
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
    notes = added_key_notes(name, [*set_changes(overrides), *((f"--vary {p}", p) for p in paths)])
    points = []
    for number, values in enumerate(grid, start=1):
        changes = [f"{p}={toml_literal(v)}" for p, v in zip(paths, values, strict=True)]
        scheme = load_scheme(name, (*overrides, *changes))
        points.append(SweepPoint(number, dict(zip(paths, values, strict=True)), scheme))
    return base, points, notes


def metric_keys(bands: Sequence[str], population: str = DEFAULT_POPULATION) -> list[str]:
    return [m.key for m in metric_list(bands, {}, population, national=True)]


def check_metrics(chosen: Sequence[str], bands: Sequence[str]) -> list[str]:
    """Validate `--metric` names, suggesting close ones; empty means every metric."""
    known = metric_keys(bands)
    for name in chosen:
        if name not in known:
            hint = did_you_mean(name, known)
            hint = f"{hint} " if hint else ""
            raise UsageError(f"--metric {name!r} is not a metric ({hint}known: {', '.join(known)})")
    return list(dict.fromkeys(chosen)) or known


def sweep_report(
    valid: ValidInputs,
    base: Scheme,
    points: Sequence[SweepPoint],
    population: str = DEFAULT_POPULATION,
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
    shown = places_to_show(v for point in points for v in point.values.values())
    return Report(
        title=f"Sweep of {', '.join(paths)} ({base.model.name} v{base.model.version})",
        rows=table,
        schemes=[base.stamp],
        accounting=dict(valid.accounting),
        band_column=None,
        decimals=shown,
        notes=[
            f"Base scheme {base.model.name} v{base.model.version} sha256:{base.fingerprint[:12]}"
            + (f" with --set {'; '.join(base.overrides)}" if base.overrides else "")
            + "; each point's own fingerprint is in the fingerprint column.",
            *metric_notes(population),
            *notes,
            *valid.notes,
        ],
        metadata={
            "population": population,
            "vary": paths,
            "points": len(points),
            **valid.snapshot_metadata(),
            "sheet": "sweep",
            **base.provenance,
        },
    )
