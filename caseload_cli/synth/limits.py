"""The limits and choices of `caseload sample`, in one pandas-free module.

The command builds its click options from these names without importing
numpy or pandas (listing commands must stay fast), and the generator checks
its arguments against the very same values, so the two cannot drift apart.
Import nothing heavy here.
"""

from __future__ import annotations

from caseload_cli.core.formats import INPUT_FORMATS

#: Profile names `generate()` accepts ("default" is the April 2022 snapshot).
PROFILE_NAMES = ("april-2022", "summer-2023", "default")
DEFAULT_PROFILE = "april-2022"

#: File formats a sample is written in: every format the readers accept.
FORMATS = INPUT_FORMATS

MAX_WORKERS = 250_000  # case ids are 7 digits: more staff would run out of ids
MAX_RESPONDENTS = 100_000  # synthetic survey rows
MAX_WEEKS = 260  # a weekly series (--weeks): five years of snapshots
MIN_DIRTY_CASES = 30  # the dirty variant puts its defects in the first 30 rows
