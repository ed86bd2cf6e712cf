"""Keyed pseudonyms for case (and worker) identifiers.

`caseload explain` is the only output that lists cases one by one. When it is
shared outside the team (a negotiation pack, a tribunal bundle) the case
numbers must not travel with it, but two runs must still agree on which case
is which. A plain hash would not do: case numbers are short and sequential,
so anyone could hash every possible number and reverse it. An HMAC with a
secret key cannot be reversed without the key, and the same key always gives
the same pseudonym.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping

import pandas as pd

from caseload_cli.core.errors import CaseloadError

KEY_VARIABLE = "CASELOAD_PSEUDONYM_KEY"
PREFIX = "C-"
#: Worker IDs (`--pseudonymise` on load, compare, gap, week, trend) get their own prefix.
WORKER_PREFIX = "W-"
HEX_CHARS = 12
#: Shorter keys still work but are easier to guess; the command warns about them.
RECOMMENDED_KEY_LENGTH = 16


def key_from_env(environ: Mapping[str, str] | None = None) -> bytes:
    """The secret key from CASELOAD_PSEUDONYM_KEY; missing or empty is an error, never a default."""
    environ = os.environ if environ is None else environ
    value = environ.get(KEY_VARIABLE, "")
    if not value.strip():
        raise CaseloadError(
            f"--pseudonymise needs a secret key in the environment variable {KEY_VARIABLE} "
            f"(it is {'empty' if KEY_VARIABLE in environ else 'not set'}); use the same key "
            "every time so the same case gets the same pseudonym, and keep it out of the output"
        )
    return value.encode("utf-8")


def key_warning(key: bytes) -> str | None:
    """A warning for keys short enough to guess, or None."""
    if len(key) < RECOMMENDED_KEY_LENGTH:
        return (
            f"{KEY_VARIABLE} is shorter than {RECOMMENDED_KEY_LENGTH} characters; "
            "a short key can be guessed, which would reveal the case numbers"
        )
    return None


def pseudonym(value: str, key: bytes, prefix: str = PREFIX) -> str:
    """`C-` (or `prefix`) + the first 12 hex characters of HMAC-SHA256(key, value)."""
    digest = hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
    return prefix + digest[:HEX_CHARS]


def pseudonymise(values: pd.Series, key: bytes) -> pd.Series:
    """Replace every identifier with its keyed pseudonym (each distinct value hashed once)."""
    text = values.astype("str")
    lookup = {value: pseudonym(value, key) for value in text.unique()}
    return text.map(lookup).astype("str")
