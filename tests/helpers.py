"""Helpers shared by the test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
DOCS = ROOT / "docs"
BENCH = ROOT / "bench"


def as_json(result: Any) -> dict:
    """A successful CliRunner result's stdout, parsed."""
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def tiny_args(command: str, tiny: dict[str, Path], *extra: Any) -> list[Any]:
    """COMMAND on the hand-checked tiny caseload (cases, staff and reductions)."""
    return [
        command,
        tiny["cases"],
        "--staff",
        tiny["staff"],
        "--reductions",
        tiny["reductions"],
        *extra,
    ]
