"""Scenarios for negotiators: several schemes, or one scheme with values varied, on the same data.

Every scenario is weighed on the very same validated rows (the inputs are
read and validated once, with every scheme's codes), so differences between
columns come from the schemes and nothing else, and every scenario carries
its scheme's fingerprint, so a result can be cited and reproduced from the
files and the command line. This module names the scenarios; `metrics` says
what is measured; `compare` and `sweep` build the two reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from caseload_cli.core.errors import UsageError
from caseload_cli.core.suggest import DOTTED_PATH_CUTOFF, close_matches
from caseload_cli.render.stamps import STAMP_FIELDS
from caseload_cli.scheme.diff import setting_paths
from caseload_cli.scheme.model import Scheme, load_scheme

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


def scenario_labels(schemes: Sequence[Scheme]) -> list[str]:
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
        for note in added_key_notes(name, set_changes(changes)):
            if note not in notes:
                notes.append(note)
    scenarios = [
        Scenario(label, scheme, position, name)
        for position, (label, scheme, name) in enumerate(
            zip(scenario_labels(schemes), schemes, names, strict=True), start=1
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
    leaves = setting_paths(load_scheme(name))
    notes = []
    for shown, raw_path in changes:
        path = ".".join(p.strip() for p in raw_path.split("."))
        if path in leaves or any(leaf.startswith(path + ".") for leaf in leaves):
            continue
        close = close_matches(path, leaves, n=1, cutoff=DOTTED_PATH_CUTOFF)
        hint = f" (did you mean {close[0]}?)" if close else ""
        notes.append(f"{shown}: {name} has no {path}; the change adds it{hint}")
    return notes


def set_option_notes(name: str, overrides: Sequence[str]) -> list[str]:
    """Notes for `--set` options that add keys to scheme `name` (see added_key_notes)."""
    return added_key_notes(name, set_changes(overrides))


def set_changes(overrides: Sequence[str]) -> list[tuple[str, str]]:
    return [(f"--set {o.strip()}", o.partition("=")[0]) for o in overrides]
