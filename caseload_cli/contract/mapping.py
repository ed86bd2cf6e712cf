"""Map an organisation's own headers and codes onto ours (TOML mapping files).

Exports differ between organisations ("Case Reference" vs "case_id",
"Public Law" vs "public"). Rather than asking people to edit their exports,
a small TOML file says how their headers and values translate:

    [cases.columns]            # their header = our column
    "Case Reference" = "case_id"
    [cases.values.law]         # our column -> their value = our value
    "Public Law" = "public"

The file is validated strictly and every problem is reported at once with
its dotted path, because a silently ignored typo ("colums") would make the
mapping do nothing and the resulting errors would point at the wrong place.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from caseload_cli.contract.parsing import clean_text
from caseload_cli.core.errors import InputError
from caseload_cli.core.model import Table
from caseload_cli.core.suggest import did_you_mean
from caseload_cli.read.text import normalise_header

__all__ = [
    "SECTIONS",
    "Mapping",
    "SectionMapping",
    "apply_mapping",
    "load_mapping",
]

SECTIONS = ("cases", "staff", "reductions", "activities", "responses")
SECTION_KEYS = ("columns", "values")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


@dataclass
class SectionMapping:
    """Mapping for one input kind.

    `columns`: their header -> our column (already normalised).
    `values`: our column (normalised) -> their value -> our value.
    """

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class Mapping:
    """A validated mapping file: one `SectionMapping` per configured input kind."""

    source: str
    sections: dict[str, SectionMapping] = field(default_factory=dict)

    def section(self, kind: str) -> SectionMapping:
        """The mapping for `kind`, or an empty one when the file has no such section."""
        return self.sections.get(kind, SectionMapping())


# --------------------------------------------------------------------------- loading


def _key(name: str) -> str:
    """Render a key the way TOML would need it written in a dotted path."""
    if _BARE_KEY.fullmatch(name):
        return name
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _suggest(name: str, allowed: tuple[str, ...], what: str) -> str:
    hint = did_you_mean(name, allowed, quote=True)
    if hint:
        return f"unknown {what} ({hint})"
    return f"unknown {what} (allowed: {', '.join(allowed)})"


def _string_table(
    value: Any, path: str, problems: list[str], *, normalise_values: bool
) -> dict[str, str]:
    """Validate a table of string -> non-empty string; report clashes by case."""
    if not isinstance(value, dict):
        problems.append(f"{path}: must be a table")
        return {}
    result: dict[str, str] = {}
    seen: dict[str, str] = {}
    for key, item in value.items():
        where = f"{path}.{_key(key)}"
        if not isinstance(item, str):
            problems.append(f"{where}: must be a string")
            continue
        if not key.strip():
            problems.append(f"{where}: the name to match must not be blank")
            continue
        if not item.strip():
            problems.append(f"{where}: must not be blank")
            continue
        target = normalise_header(item) if normalise_values else item.strip()
        folded = key.strip().casefold()
        if folded in seen:
            earlier = seen[folded]
            if normalise_values or result[earlier] != target:
                problems.append(
                    f"{path}: {_key(earlier)} and {_key(key)} are the same "
                    f"(matching ignores case and surrounding spaces)"
                )
            continue
        seen[folded] = key
        result[key] = target
    return result


def _section(name: str, value: Any, problems: list[str]) -> SectionMapping:
    if not isinstance(value, dict):
        problems.append(f"{name}: must be a table")
        return SectionMapping()
    for key in value:
        if key not in SECTION_KEYS:
            problems.append(f"{name}.{_key(key)}: {_suggest(key, SECTION_KEYS, 'section key')}")

    columns: dict[str, str] = {}
    if "columns" in value:
        columns = _string_table(
            value["columns"], f"{name}.columns", problems, normalise_values=True
        )
        by_target: dict[str, str] = {}
        for header, target in columns.items():
            if target in by_target:
                problems.append(
                    f"{name}.columns: {_key(by_target[target])} and {_key(header)} "
                    f"both map to '{target}'"
                )
            else:
                by_target[target] = header

    values: dict[str, dict[str, str]] = {}
    if "values" in value:
        raw = value["values"]
        if not isinstance(raw, dict):
            problems.append(f"{name}.values: must be a table")
        else:
            for column, codes in raw.items():
                where = f"{name}.values.{_key(column)}"
                if not column.strip():
                    problems.append(f"{where}: column name must not be blank")
                    continue
                if not isinstance(codes, dict):
                    problems.append(f"{where}: must be a table of their value = our value")
                    continue
                target = normalise_header(column)
                if target in values:
                    problems.append(f"{name}.values: column '{target}' is configured twice")
                    continue
                values[target] = _string_table(codes, where, problems, normalise_values=False)
    return SectionMapping(columns=columns, values=values)


def load_mapping(path: str) -> Mapping:
    """Read and strictly validate a mapping TOML file.

    Raises `InputError` listing every problem (one per line, each prefixed
    with the file name and the dotted path of the offending key).
    """
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise InputError(f"{path}: mapping file not found") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a mapping file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: invalid TOML: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:
        raise InputError(f"{path}: invalid TOML: tables or arrays nested too deeply") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None

    problems: list[str] = []
    sections: dict[str, SectionMapping] = {}
    for name, value in data.items():
        if name not in SECTIONS:
            problems.append(f"{_key(name)}: {_suggest(name, SECTIONS, 'section')}")
            continue
        sections[name] = _section(name, value, problems)
    if problems:
        raise InputError("\n".join(f"{path}: {p}" for p in problems))
    return Mapping(source=path, sections=sections)


# --------------------------------------------------------------------------- applying


def _recode(series: pd.Series, codes: dict[str, str]) -> pd.Series:
    """Replace their codes by ours, matching stripped and case-insensitively.

    Values not in `codes` are left exactly as they were. Categorical columns
    are recoded through their categories; typed columns become text only if
    some value actually matched.
    """
    lookup = {their.strip().casefold(): ours for their, ours in codes.items()}
    if not lookup or series.empty:
        return series
    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = pd.Series(series.cat.categories.to_numpy(dtype=object))
        mapped = clean_text(categories).str.casefold().map(lookup)
        if not mapped.notna().any():
            return series
        new_values = np.where(mapped.notna(), mapped, clean_text(categories)).astype(str)
        uniques, inverse = np.unique(new_values, return_inverse=True)
        codes_now = series.cat.codes.to_numpy()
        new_codes = np.where(codes_now < 0, -1, inverse[np.maximum(codes_now, 0)])
        recoded = pd.Categorical.from_codes(new_codes, categories=uniques)
        return pd.Series(recoded, index=series.index, name=series.name)
    if pd.api.types.is_string_dtype(series.dtype) and not pd.api.types.is_object_dtype(
        series.dtype
    ):
        mapped = series.str.strip().str.casefold().map(lookup)
        return series.mask(mapped.notna(), mapped)
    text = clean_text(series)
    mapped = text.str.casefold().map(lookup)
    if not mapped.notna().any():
        return series
    return text.mask(mapped.notna(), mapped).rename(series.name)


def apply_mapping(table: Table, mapping: Mapping | None, kind: str) -> Table:
    """Rename headers and recode values; returns a new Table, the input is untouched.

    Headers are renamed by the mapping's `[kind.columns]` (matched after
    stripping, case-insensitively), then every header is normalised with
    `normalise_header`. Two columns ending up with the same name is an
    `InputError` naming both original headers. `cell_problems` follow the
    renamed headers.
    """
    if kind not in SECTIONS:
        raise ValueError(f"unknown input kind {kind!r}; expected one of {SECTIONS}")
    section = mapping.section(kind) if mapping is not None else SectionMapping()
    lookup = {header.strip().casefold(): ours for header, ours in section.columns.items()}

    originals = [str(c) for c in table.frame.columns]
    renamed = [normalise_header(lookup.get(o.strip().casefold(), o)) for o in originals]
    first: dict[str, str] = {}
    for original, new in zip(originals, renamed, strict=True):
        if new in first:
            via = f" (using {mapping.source})" if mapping is not None else ""
            raise InputError(
                f"{table.source}: columns '{first[new]}' and '{original}' both become "
                f"'{new}'{via}; rename or remove one of them"
            )
        first[new] = original

    frame = table.frame.set_axis(renamed, axis=1)
    for column, codes in section.values.items():
        if column in frame.columns:
            frame[column] = _recode(frame[column], codes)
    new_name = dict(zip(originals, renamed, strict=True))
    problems = [(pos, new_name.get(col, col), why) for pos, col, why in table.cell_problems]
    return dataclasses.replace(table, frame=frame, notes=list(table.notes), cell_problems=problems)
