"""`caseload sensitivity`: which disputed setting moves the headline most (a tornado).

Each setting is varied alone over a stated range `LOW:HIGH`, every other value
as the scheme (with any `--set`) says. The inputs are read and validated once;
the scheme is weighed once as written and once at each end of each range, so
N settings cost 2N + 1 weighings, as N sweep points would. For each headline
figure (the share in the top band and the FTE needed, unless `--metric` says
otherwise):

    change_low  = figure with the setting at LOW  − figure under the scheme as written
    change_high = figure with the setting at HIGH − figure under the scheme as written
    swing       = |figure at HIGH − figure at LOW|

and the settings are ranked by swing, largest first, within each metric (and
group, with `--by`). Only the two ends are weighed: a figure that is not
monotonic in the setting can move further inside the range (sweep the
setting to see the whole curve).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from caseload_cli.contract.validate import ValidInputs
from caseload_cli.core.errors import UsageError
from caseload_cli.core.model import MAIN, Chart, InputOptions, Report
from caseload_cli.core.vocabulary import DECIMALS, DEFAULT_POPULATION, GAP_LEVELS, GROUP_KEYS
from caseload_cli.engine.bands import band_names
from caseload_cli.engine.selection import Selection
from caseload_cli.engine.weighed import weigh
from caseload_cli.reports.inputs import prepare, resolve_inputs
from caseload_cli.reports.metrics import metric_list, metric_notes, scenario_metrics
from caseload_cli.reports.scenarios import added_key_notes, set_changes
from caseload_cli.reports.sweep import check_metrics, places_to_show, toml_literal, vary_number
from caseload_cli.scheme.diff import canonical_paths
from caseload_cli.scheme.model import Scheme, load_scheme

TOTAL = "all"

#: The settings varied when no --vary is given: the weights argued over in the
#: negotiations (docs/cookbook-negotiators.md), each over a range from the flat
#: count to a heavy weighting. Settings the scheme lacks (a case type it does not
#: list) are left out, with a note. Ranges are in weighted cases: give --vary for
#: schemes on another scale.
DISPUTED: tuple[tuple[str, str], ...] = (
    ("weights.case_type.r16_4", "1:2"),
    ("weights.case_type.s31", "1:1.5"),
    ("weights.case_type.addendum", "0.5:1"),
    ("weights.children.per_additional", "0:0.5"),
    ("weights.stage.post_assessment_hub", "0:1"),
)


@dataclass(frozen=True)
class Setting:
    """One `--vary PATH=LOW:HIGH`: the setting, its value in the scheme and the two ends."""

    path: str
    given: str  # PATH=LOW:HIGH as typed (spaces removed), for the metadata
    low: Any
    high: Any
    scheme_value: Any  # None when the scheme does not have the setting (the change adds it)
    low_scheme: Scheme
    high_scheme: Scheme

    @property
    def ends(self) -> tuple[Scheme, Scheme]:
        return self.low_scheme, self.high_scheme


def parse_range(option: str) -> tuple[str, Any, Any]:
    """`PATH=LOW:HIGH` as (path, low, high), the numbers exactly as typed (whole numbers
    stay whole when both ends are); else exit 2 with the reason."""
    path, sep, spec = option.partition("=")
    path = path.strip()
    if not sep or not path or not spec.strip():
        raise UsageError(
            f"--vary {option!r}: expected PATH=LOW:HIGH, e.g. weights.case_type.r16_4=1:2"
        )
    parts = spec.split(":")
    if len(parts) != 2:
        raise UsageError(f"--vary {option!r}: a range is LOW:HIGH (two numbers), e.g. 1:2")
    low, high = (vary_number(part, option) for part in parts)
    if low >= high:
        raise UsageError(f"--vary {option!r}: LOW ({low}) must be below HIGH ({high})")
    whole = low == low.to_integral_value() and high == high.to_integral_value()
    return path, *(int(v) if whole else float(v) for v in (low, high))


def sensitivity_settings(
    name: str, overrides: Sequence[str], ranges: Sequence[str]
) -> tuple[Scheme, list[Setting], list[str]]:
    """The base scheme, each setting with the schemes at its two ends, and notes (the
    default settings used or left out, keys a change adds)."""
    base = load_scheme(name, tuple(overrides))
    leaves = canonical_paths(base)
    notes: list[str] = []
    if not ranges and base.unit != "cases":
        raise UsageError(
            f"{name} weighs in {base.unit}; the default disputed ranges are in weighted cases: "
            "give --vary PATH=LOW:HIGH in its own scale"
        )
    if not ranges:
        chosen = [(path, spec) for path, spec in DISPUTED if path in leaves]
        left_out = [path for path, _ in DISPUTED if path not in leaves]
        ranges = [f"{path}={spec}" for path, spec in chosen]
        notes.append(
            "No --vary: the default disputed settings, "
            + "; ".join(f"{path} {spec}" for path, spec in chosen)
            + (f" ({', '.join(left_out)}: not in {name}, left out)" if left_out else "")
            + "."
        )
        if not ranges:
            raise UsageError(
                f"{name} has none of the default disputed settings: give --vary PATH=LOW:HIGH"
            )
    parsed = [parse_range(text) for text in ranges]
    paths = [path for path, _, _ in parsed]
    repeated = sorted({p for p in paths if paths.count(p) > 1})
    if repeated:
        raise UsageError(f"--vary names {', '.join(repeated)} more than once")
    notes += added_key_notes(name, [*set_changes(overrides), *((f"--vary {p}", p) for p in paths)])
    settings = []
    for text, (path, low, high) in zip(ranges, parsed, strict=True):
        ends = [load_scheme(name, (*overrides, f"{path}={toml_literal(v)}")) for v in (low, high)]
        given = f"{path}={text.partition('=')[2].replace(' ', '')}"
        settings.append(Setting(path, given, low, high, leaves.get(path), *ends))
    return base, settings, notes


def default_metrics(base: Scheme) -> list[str]:
    """The headline: the share in the scheme's top band (over the limit) and the FTE needed."""
    return [f"band_{band_names(base)[-1]}_pct", "fte_needed"]


def _figures(
    valid: ValidInputs, scheme: Scheme, by: str, population: str, bands: list[str]
) -> pd.DataFrame:
    """The scheme's metrics per group (and nationally, keys "all"), one row per group ×
    metric: the keys, `metric` and `value`."""
    weighed = weigh(valid, scheme)
    keys = list(GROUP_KEYS[by])
    national = scenario_metrics(weighed, "national", population, bands).reset_index(drop=True)
    parts = [national.assign(**dict.fromkeys(keys, TOTAL), _national=1)]
    if keys:
        grouped = scenario_metrics(weighed, by, population, bands).reset_index()
        parts.insert(0, grouped.assign(_national=0))
    wide = pd.concat(parts, ignore_index=True)
    return wide.melt(id_vars=[*keys, "_national"], var_name="metric", value_name="value")


def sensitivity_report(
    valid: ValidInputs,
    base: Scheme,
    settings: Sequence[Setting],
    by: str = "national",
    population: str = DEFAULT_POPULATION,
    metrics: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> Report:
    """`caseload sensitivity`: one row per group × metric × setting, ranked by swing."""
    if by not in GAP_LEVELS:
        raise UsageError(f"--by must be one of {', '.join(GAP_LEVELS)}")
    keys = list(GROUP_KEYS[by])
    schemes = [base, *(s for setting in settings for s in setting.ends)]
    bands: list[str] = []
    for scheme in schemes:
        bands += [b for b in band_names(scheme) if b not in bands]
    chosen = check_metrics(metrics, bands) if metrics else default_metrics(base)
    labels = {band.name: band.label for band in base.model.banding.bands}
    described = {m.key: m.description for m in metric_list(bands, labels, population, True)}
    at = ["_national", *keys, "metric"]

    def figures(scheme: Scheme, name: str) -> pd.DataFrame:
        frame = _figures(valid, scheme, by, population, bands)
        return frame[frame["metric"].isin(chosen)].rename(columns={"value": name})

    written = figures(base, "at_scheme")
    pieces = []
    for order, setting in enumerate(settings):
        ends = figures(setting.low_scheme, "at_low").merge(
            figures(setting.high_scheme, "at_high"), on=at, how="outer"
        )
        piece = written.merge(ends, on=at, how="outer")
        pieces.append(
            piece.assign(
                setting=setting.path,
                scheme_value=_number_or_nan(setting.scheme_value),
                low=setting.low,
                high=setting.high,
                _order=order,
            )
        )
    table = pd.concat(pieces, ignore_index=True)
    table["change_low"] = (table["at_low"] - table["at_scheme"]).round(DECIMALS)
    table["change_high"] = (table["at_high"] - table["at_scheme"]).round(DECIMALS)
    table["swing"] = (table["at_high"] - table["at_low"]).abs().round(DECIMALS)
    table["_metric"] = table["metric"].map({m: i for i, m in enumerate(chosen)})
    table = table.sort_values(
        ["_national", *keys, "_metric", "swing", "_order"],
        ascending=[True, *([True] * len(keys)), True, False, True],
        na_position="last",
        kind="stable",
    )
    table["rank"] = table.groupby(["_national", *keys, "_metric"], sort=False).cumcount() + 1
    table["description"] = table["metric"].map(described)
    columns = [
        *keys,
        "metric",
        "description",
        "rank",
        "setting",
        "scheme_value",
        "low",
        "high",
        "at_scheme",
        "at_low",
        "at_high",
        "change_low",
        "change_high",
        "swing",
    ]
    table = table[columns].reset_index(drop=True)
    table["rank"] = table["rank"].astype("int64")
    values = [v for s in settings for v in (s.low, s.high, s.scheme_value) if v is not None]
    return Report(
        title=_title(by, base),
        rows=table,
        schemes=[base.stamp],
        accounting=dict(valid.accounting),
        sections={"settings": _settings_table(settings)},
        band_column=None,
        decimals=places_to_show(values),
        notes=[
            f"Base scheme {base.model.name} v{base.model.version} "
            f"sha256:{base.fingerprint[:12]}"
            + (f" with --set {'; '.join(base.overrides)}" if base.overrides else "")
            + "; each end's own fingerprint is in the settings section.",
            "Each setting is varied alone, every other value as the scheme says: the scheme is "
            "weighed as written and once at each end of each range (inputs validated once).",
            "change_low/change_high = the figure at LOW/HIGH − the figure under the scheme as "
            "written (at_scheme); swing = |at_high − at_low|; rank 1 moves the figure most. "
            "Only the two ends are weighed: sweep a setting to see inside its range.",
            *metric_notes(population),
            *notes,
            *valid.notes,
        ],
        metadata={
            "by": by,
            "population": population,
            "metrics": chosen,
            "vary": [s.given for s in settings],
            **valid.snapshot_metadata(),
            "sheet": "sensitivity",
            **base.provenance,
        },
        charts=[
            Chart(
                MAIN,
                "setting",
                "change_low",
                title="What moves the headline most: the change at each end of each range",
                x_title="change from the scheme as written",
                description=(
                    "Tornado chart: for each metric, each setting's change in the metric at the "
                    "low and the high end of its range, largest swing at the top"
                ),
                text_columns=("low", "high"),
                kind="tornado",
                marker="change_high",
                series="description",
            )
        ],
        split_by=keys[-1] if keys else None,
    )


def _number_or_nan(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return np.nan
    return float(value)


def _settings_table(settings: Sequence[Setting]) -> pd.DataFrame:
    """One row per setting: its range and the fingerprint of the scheme at each end."""
    return pd.DataFrame(
        {
            "setting": [s.path for s in settings],
            "scheme_value": [_number_or_nan(s.scheme_value) for s in settings],
            "low": [s.low for s in settings],
            "high": [s.high for s in settings],
            "low_fingerprint": [s.low_scheme.fingerprint for s in settings],
            "high_fingerprint": [s.high_scheme.fingerprint for s in settings],
        }
    )


def _title(by: str, base: Scheme) -> str:
    where = "nationally" if by == "national" else f"by {by.replace('_', ' ')}"
    return f"Sensitivity of the headline {where} ({base.model.name} v{base.model.version})"


def run_sensitivity(
    cases: str | None,
    source: InputOptions,
    scheme: str,
    overrides: Sequence[str] = (),
    ranges: Sequence[str] = (),
    by: str = "national",
    population: str = DEFAULT_POPULATION,
    metrics: Sequence[str] = (),
    selection: Selection | None = None,
    on_validated: Callable[[ValidInputs], None] | None = None,
    say: Callable[[str], None] | None = None,
) -> Report:
    """The whole `caseload sensitivity` job: the settings and their schemes (refused before
    any file is read if malformed), the inputs validated once with every scheme's codes,
    then the report. `say` hears the notes worth seeing before the run (added keys)."""
    if by not in GAP_LEVELS:
        raise UsageError(f"--by must be one of {', '.join(GAP_LEVELS)}")
    base, settings, notes = sensitivity_settings(scheme, overrides, ranges)
    if say is not None:
        for text in notes:
            say(text)
    schemes = [base, *(s for setting in settings for s in setting.ends)]
    valid = prepare(resolve_inputs(cases, source), schemes, selection=selection)
    if on_validated is not None:
        on_validated(valid)
    return sensitivity_report(valid, base, settings, by, population, metrics, notes)
