"""Bounds on what a scheme (or any TOML the toolkit reads) may hold, checked on the
parsed data before validation: nesting depth, whole numbers beyond 64 bits, numbers
too large to weigh with. Each problem carries its dotted path, like the validation
problems, and none becomes a RecursionError, OverflowError or an inf in a load.
"""

from __future__ import annotations

import math
from typing import Any

from caseload_cli.core.errors import SchemeError

#: How deep tables and arrays may nest in a scheme or mapping file (a scheme needs 4).
MAX_DEPTH = 32
#: The largest number any scheme value may hold (weights, targets, levels, bands).
MAX_NUMBER = 1_000_000
#: The largest weight the scheme's values together could give one case.
MAX_CASE_WEIGHT = 1e12
TOO_DEEP = f"nested too deeply (more than {MAX_DEPTH} levels of tables or arrays)"
TOO_LARGE = f"number too large (at most {MAX_NUMBER:,})"


def bounds_problems(raw: Any, limit: float | None = MAX_NUMBER) -> list[str]:
    """Problems with the shape of parsed TOML before it is validated, each with its
    dotted path: nesting deeper than MAX_DEPTH, whole numbers beyond 64 bits, and
    (with `limit`) numbers larger than `limit`. Walks without recursion, so a file
    nested 10,000 deep is one clear problem, not a RecursionError."""
    problems: list[str] = []
    stack: list[tuple[tuple[str, ...], Any]] = [((), raw)]
    while stack:
        path, value = stack.pop()
        where = ".".join(path) or "(top level)"
        if isinstance(value, dict | list):
            if len(path) > MAX_DEPTH:
                problems.append(f"{'.'.join(path[:2])}: {TOO_DEEP}")
                continue
            items = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend(((*path, str(key)), item) for key, item in items)
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int) and not -(2**63) <= value < 2**63:
            problems.append(f"{where}: number too large (beyond 64 bits)")
        elif (
            limit is not None
            and isinstance(value, int | float)
            and math.isfinite(value)
            and abs(value) > limit
        ):
            problems.append(f"{where}: {TOO_LARGE}")
    return sorted(set(problems))


def check_bounds(raw: Any, origin: str) -> None:
    """Raise SchemeError listing `bounds_problems` (the caller validates the rest)."""
    problems = bounds_problems(raw)
    if problems:
        raise SchemeError(origin, problems)
