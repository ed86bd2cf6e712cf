"""How cells and headers become text before the contract sees them.

Both the readers (typed spreadsheet numbers must look exactly like CSV text)
and the contract (header matching, number parsing) need these, so they live
in the lowest layer that reads.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

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


def arrow_strings(text: pd.Series) -> pa.ChunkedArray:
    """The Arrow strings behind a "str" column (no copy), else converted once."""
    array = text.array
    if hasattr(array, "__arrow_array__"):
        arrow = array.__arrow_array__()
        return arrow if isinstance(arrow, pa.ChunkedArray) else pa.chunked_array([arrow])
    return pa.chunked_array([pa.array(text.to_numpy(dtype=object), pa.large_string())])


def string_buffers(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The int64 offsets (one more than the cells) and the uint8 bytes of a string
    array, as NumPy views of its buffers: cell i is `data[offsets[i]:offsets[i + 1]]`."""
    if not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
        array = array.cast(pa.large_string())
    offset_type = np.int32 if pa.types.is_string(array.type) else np.int64
    _, offsets_buffer, data_buffer = array.buffers()
    if offsets_buffer is None:  # an empty array
        return np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.uint8)
    offsets = np.frombuffer(offsets_buffer, dtype=offset_type)
    offsets = offsets[array.offset : array.offset + len(array) + 1].astype(np.int64)
    data = np.zeros(0, dtype=np.uint8)
    if data_buffer is not None:
        data = np.frombuffer(data_buffer, dtype=np.uint8)
    return offsets, data


def has_text(column: pd.Series) -> np.ndarray:
    """Whether each cell holds more than whitespace: `column.str.strip() != ""`, with the
    whitespace trim run only on cells that start with a space, a control or a non-ASCII
    byte (a cell starting with a printable ASCII character is never blank)."""
    array = arrow_strings(column).combine_chunks()
    if array.null_count:
        return (column.str.strip() != "").to_numpy()
    offsets, data = string_buffers(array)
    result = np.diff(offsets) > 0
    filled = np.flatnonzero(result)
    first = data[offsets[filled]]
    unsure = filled[(first <= 0x20) | (first >= 0x7F)]
    if unsure.size:
        trimmed = pc.utf8_trim_whitespace(array.take(pa.array(unsure)))
        result[unsure] = pc.not_equal(trimmed, "").to_numpy(zero_copy_only=False)
    return result
