"""What differs between two weighting schemes, setting by setting.

Negotiators swap TOML files; before arguing about results they need to see
exactly which weights, thresholds, bands and capacity settings two files
disagree on. The comparison runs on the canonical form (the validated scheme
with every default filled in, the very thing that is fingerprinted), so a
key left to its default on one side and written out on the other is not a
difference, and any difference shown is one that changes the fingerprint.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from caseload_cli.core.model import Report
from caseload_cli.scheme.model import Scheme

#: Marks a key that one scheme does not have at all (as opposed to a null value).
ABSENT: Any = type("Absent", (), {"__repr__": lambda self: "ABSENT"})()

#: Free text that documents a scheme but never changes a number.
_TEXT_PATHS = re.compile(
    r"^(name|title|version|effective_from|source|description)$"
    r"|\.(description|label|source)$"
)


@dataclass(frozen=True)
class Difference:
    """One dotted path whose value differs (or exists on one side only)."""

    path: str
    left: Any
    right: Any
    change: str  # changed | only_left | only_right
    kind: str  # setting | text

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "left": None if self.left is ABSENT else self.left,
            "right": None if self.right is ABSENT else self.right,
            "change": self.change,
            "kind": self.kind,
        }


@dataclass(frozen=True)
class SchemeDiff:
    """The differences to show, and how many descriptive-text ones were left out."""

    left: Scheme
    right: Scheme
    differences: list[Difference]
    hidden_text: int

    @property
    def identical(self) -> bool:
        return self.left.fingerprint == self.right.fingerprint


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted paths to leaf values; list items by 0-based index (as `--set` addresses them)."""
    out: dict[str, Any] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            out.update(flatten(value, f"{prefix}.{index}" if prefix else str(index)))
    elif prefix:
        out[prefix] = data
    return out


def canonical_paths(scheme: Scheme) -> dict[str, Any]:
    """Every leaf of the scheme's canonical (fingerprinted) form."""
    return flatten(json.loads(scheme.canonical))


def setting_paths(scheme: Scheme) -> dict[str, Any]:
    """Every leaf the scheme has, settings at their defaults included: the canonical
    form leaves some of those out to keep older fingerprints, but they are not new keys."""
    return flatten(scheme.model.model_dump(mode="json"))


def is_text_path(path: str) -> bool:
    return bool(_TEXT_PATHS.search(path))


def _path_key(path: str) -> tuple[tuple[int, int | str], ...]:
    """Sort list indices as numbers, so bands.10 comes after bands.9."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in path.split("."))


def diff_schemes(left: Scheme, right: Scheme, include_text: bool = False) -> SchemeDiff:
    """Every path whose value differs between the two canonical forms."""
    a, b = canonical_paths(left), canonical_paths(right)
    differences: list[Difference] = []
    hidden = 0
    for path in sorted(a.keys() | b.keys(), key=_path_key):
        left_value, right_value = a.get(path, ABSENT), b.get(path, ABSENT)
        if left_value is not ABSENT and right_value is not ABSENT and left_value == right_value:
            continue
        if {type(left_value), type(right_value)} == {type(ABSENT), type(None)}:
            continue  # an unset optional key is no different from a missing one
        kind = "text" if is_text_path(path) else "setting"
        if kind == "text" and not include_text:
            hidden += 1
            continue
        change = (
            "only_right"
            if left_value is ABSENT
            else "only_left"
            if right_value is ABSENT
            else "changed"
        )
        differences.append(Difference(path, left_value, right_value, change, kind))
    return SchemeDiff(left, right, differences, hidden)


def diff_report(diff: SchemeDiff, left_label: str, right_label: str) -> Report:
    """The differences as a Report, so every output format renders them alike."""
    import pandas as pd

    rows = pd.DataFrame(
        [d.as_dict() for d in diff.differences],
        columns=["path", "left", "right", "change", "kind"],
        dtype=object,
    )
    return Report(
        title=f"Scheme differences: {left_label} (left) → {right_label} (right)",
        rows=rows,
        schemes=[diff.left.stamp, diff.right.stamp],
        band_column=None,
        notes=[_summary(diff)],
        metadata={
            "left": left_label,
            "right": right_label,
            "identical": diff.identical,
            "hidden_text_differences": diff.hidden_text,
            "sheet": "differences",
        },
    )


def _summary(diff: SchemeDiff) -> str:
    if diff.identical:
        return "The schemes are identical (same fingerprint)."
    settings = sum(d.kind == "setting" for d in diff.differences)
    texts = sum(d.kind == "text" for d in diff.differences)
    parts = [_differ(settings, "setting")]
    if texts:
        parts.append(_differ(texts, "descriptive text"))
    if diff.hidden_text:
        parts.append(
            _differ(diff.hidden_text, "descriptive text")
            + " (names, titles, sources, labels) but are not shown: add --all"
        )
    return "; ".join(parts) + "."


def _differ(count: int, noun: str) -> str:
    return f"{count} {noun}{'s differ' if count != 1 else ' differs'}"
