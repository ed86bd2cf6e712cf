"""JSON Schemas of every export, shipped with the package (docs/export-schema.md).

One schema per command and level (or view): `<name>.json` describes one row of the
main table as written to CSV, NDJSON and Parquet, stamp columns included; the json
format's `rows` hold the same columns without the stamp columns (the stamp is the
document's `scheme` key) and xlsx the same as its header row. Each schema's
`x-columns` lists the columns in their order for the invocation in `EXPORTS` (the
bundled sample, scheme flat); columns named after the schemes, their bands or the
case types (`x-varying`) follow the schemes and data given, so they are allowed but
not required. `python docs/gen_export_schemas.py` rewrites them from real outputs.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from caseload_cli.render.stamps import EXPORT_SCHEMA_VERSION

__all__ = ["EXPORTS", "EXPORT_SCHEMA_VERSION", "schema"]

_TWO = ("--scheme", "flat", "--scheme", "per-child")
_AGAINST = ("--against", "@sample/cases.csv", "--staff", "@sample/staff.csv")

#: Schema name -> the `caseload` arguments whose main table it describes (`@sample/`
#: is the bundled sample folder).
EXPORTS: dict[str, tuple[str, ...]] = {
    **{f"load_{by}": ("load", "--by", by) for by in ("worker", "team", "service_area", "national")},
    "load_not_held_by_fca": ("load", "--view", "not_held_by_fca"),
    "load_managers_holding_cases": ("load", "--view", "managers_holding_cases"),
    **{
        f"compare_{by}": ("compare", *_TWO, "--by", by) for by in ("worker", "team", "service_area")
    },
    "compare_workers": ("compare", *_TWO, "--view", "workers"),
    "compare_transitions": ("compare", *_TWO, "--view", "transitions"),
    **{f"gap_{by}": ("gap", "--by", by) for by in ("national", "service_area", "team")},
    "week": ("week",),
    **{
        f"trend_{by}": ("trend", "--by", by)
        for by in ("worker", "team", "service_area", "national")
    },
    "sweep": ("sweep", "--vary", "weights.case_type.r16_4=1:2:0.5"),
    **{f"sensitivity_{by}": ("sensitivity", "--by", by) for by in ("national", "service_area")},
    **{
        f"survey_{by}": ("survey", "--by", by)
        for by in ("national", "team_type", "role", "service_area", "law")
    },
    **{
        f"survey_against_{by}": ("survey", *_AGAINST, "--by", by)
        for by in ("national", "team_type", "role", "service_area", "team")
    },
    "explain": ("explain", "W0003"),
    "validate": ("validate",),
    "hubs": ("hubs",),
    **{f"scorecard_{by}": ("scorecard", "--by", by) for by in ("service_area", "team")},
}


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema of export `name` (a key of `EXPORTS`)."""
    if name not in EXPORTS:
        raise KeyError(f"no export schema {name!r}; exports: {', '.join(EXPORTS)}")
    text = resources.files(__name__).joinpath(f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)
