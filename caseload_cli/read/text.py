"""How cells and headers become text before the contract sees them.

Both the readers (typed spreadsheet numbers must look exactly like CSV text)
and the contract (header matching, number parsing) need these, so they live
in the lowest layer that reads.
"""

from __future__ import annotations

import re

import numpy as np

_HEADER_RUNS = re.compile(r"[\s.\-]+")


def normalise_header(name: str) -> str:
    """Canonical header form: "Worker ID" -> "worker_id", "Case-Type" -> "case_type".

    Lets exports that differ only in case, spacing or punctuation match our
    column names without needing a mapping file.
    """
    return _HEADER_RUNS.sub("_", str(name).replace("\ufeff", "").strip().lower())


def format_floats(values: np.ndarray, decimal: str = ".") -> np.ndarray:
    """Render floats the way a person typed them: "12" not "12.0", no "1e-05".

    Returns an object array of str; non-finite values become "". Shared with
    the xlsx reader so typed spreadsheet numbers look exactly like CSV text.
    """
    values = np.asarray(values, dtype=float)
    out = np.full(len(values), "", dtype=object)
    finite = np.isfinite(values)
    with np.errstate(invalid="ignore"):
        integral = finite & (np.floor(values) == values)
        plain_int = integral & (np.abs(values) < 2.0**63)
    out[plain_int] = values[plain_int].astype(np.int64).astype(str)
    # Python/NumPy repr is shortest-round-trip and positional for 1e-4 <= |x| < 1e16;
    # non-integral floats are always below 2**53, so only tiny ones and huge
    # integral ones need the slower positional formatter.
    odd = finite & ~plain_int & ((np.abs(values) < 1e-4) | integral)
    rest = finite & ~plain_int & ~odd
    out[rest] = values[rest].astype(str)
    if odd.any():
        out[odd] = [np.format_float_positional(v, trim="-") for v in values[odd]]
    if decimal != ".":
        fractional = finite & ~integral
        out[fractional] = np.char.replace(out[fractional].astype(str), ".", decimal)
    return out
