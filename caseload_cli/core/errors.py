"""Exceptions that map user mistakes to documented exit codes.

Anything raised as a `CaseloadError` is shown as one clear message without a
traceback; everything else is a bug and keeps its traceback.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_REJECTED = 3
EXIT_FAIL_ON = 4
EXIT_DIFFERS = 5  # `caseload verify` found differences


class CaseloadError(Exception):
    """A problem the user can fix; shown without a traceback."""

    exit_code = EXIT_ERROR


class InputError(CaseloadError):
    """A file cannot be read as a table (missing, unreadable, unsafe, bad headers)."""


class SchemeError(CaseloadError):
    """A weighting scheme is invalid; `problems` carry dotted paths."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"invalid scheme {source}:\n{lines}")


class UsageError(CaseloadError):
    """Options that contradict each other or name things that do not exist."""

    exit_code = EXIT_USAGE


class StrictRejection(CaseloadError):
    """--strict was given and at least one row was rejected."""

    exit_code = EXIT_REJECTED


class FailOnBand(CaseloadError):
    """--fail-on BAND was given and some worker is in that band or worse."""

    exit_code = EXIT_FAIL_ON
