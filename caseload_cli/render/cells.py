"""Cells as every writer sees them: typed columns, value text, band colours, formula guard.

Each output format renders the same plain values, so how a column is typed,
how a number reads in machine formats (full precision) and human formats
(fixed decimals), which colour a band cell gets, and how spreadsheet
formulas are defused is decided here once.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import decimal
import math
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from caseload_cli.core.model import Report

#: Leading characters that make a spreadsheet treat a CSV cell as a formula.
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_COLOUR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")


# --------------------------------------------------------------------------- formula guard


def neutralise(value: Any) -> Any:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe.

    Only `str` values change; numbers (including negative ones) never do.
    """
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """`neutralise` every text cell of a frame (vectorised); numeric columns are untouched."""
    import pandas as pd
    from pandas.api import types

    out = df.copy()
    for position in range(df.shape[1]):
        series = df.iloc[:, position]
        dtype = series.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            categories = dtype.categories.dtype
            if not (types.is_object_dtype(categories) or types.is_string_dtype(categories)):
                continue
            series = series.astype(object)
        elif not (types.is_object_dtype(dtype) or types.is_string_dtype(dtype)):
            continue
        try:
            mask = series.str.startswith(DANGEROUS_PREFIXES, na=False)
        except AttributeError:  # object column without any text (dates, numbers ...)
            continue
        mask = mask.astype(bool)
        if not mask.any():
            continue
        fixed = series.copy()
        fixed[mask] = "'" + series[mask].astype(str)
        out.isetitem(position, fixed)
    return out


# --------------------------------------------------------------------------- hostile text

#: Characters a terminal acts on or that reorder what it shows: C0 controls except tab
#: and newline, DEL, C1 controls (CSI, OSC …), the bidi marks, embeddings, overrides and
#: isolates (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069) and the Unicode line and
#: paragraph separators (U+2028/9).
_CONTROL_RE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def terminal_text(text: str) -> str:
    """Text that cannot drive a terminal: each control character (see `_CONTROL_RE`)
    becomes the visible escape Python would write for it (ESC -> `\\x1b`, U+202E ->
    `\\u202e`), so an `ESC[2J` or an OSC 8 hyperlink in a name shows as text and every
    character takes one column. Tab and newline stay."""
    return _CONTROL_RE.sub(_escaped, text)


#: ASCII punctuation that opens or closes Markdown inline syntax (links, images, code,
#: emphasis, strikethrough, raw HTML, entities, GitHub math) or splits a table cell.
_MARKDOWN_RE = re.compile(r"[\\`*_~\[\]<>|&$!]")
#: Where GitHub would turn text into a link: `http://`, `www.`, `@name` (mentions and
#: e-mail addresses) and `#12` (issue references).
_AUTOLINK_RE = re.compile(r"(?i)(?<=[a-z])(?=://)|(?<=\bwww)(?=\.)|(?<=@)|(?<=#)(?=\d)")
#: A word joiner nobody sees, which no autolink pattern crosses.
ZERO_WIDTH_JOINER = "\u200d"
#: A start that would make a heading or a list of the line: `#`, `- `, `+ `, `1. `, `1) `.
_BLOCK_START_RE = re.compile(r"^(\d*)([#+.)-])(?=\s|#|$)")


def _markdown_escaped(match: re.Match[str]) -> str:
    char, at, text = match.group(), match.start(), match.string
    if char == "_" and 0 < at < len(text) - 1 and text[at - 1].isalnum() and text[at + 1].isalnum():
        return char  # inside a word (worker_id) an underscore never starts emphasis
    if char == "!" and not text.startswith("[", at + 1):
        return char  # only `![` opens an image
    return "\\" + char


def markdown_text(text: str) -> str:
    """Text shown literally by CommonMark and GitHub, in a table cell or on one line.

    Control characters become visible escapes (`terminal_text`); Markdown punctuation is
    backslash-escaped (`[click](http://evil)` -> `\\[click\\](http://evil)`); a zero-width
    joiner breaks autolinks and mentions; a leading `#`, `-`, `+` or `1.` cannot start a
    heading or a list; line breaks become `<br>` (the only HTML written)."""
    text = terminal_text(text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _MARKDOWN_RE.sub(_markdown_escaped, text)
    text = _AUTOLINK_RE.sub(ZERO_WIDTH_JOINER, text)
    text = _BLOCK_START_RE.sub(r"\1\\\2", text)
    return text.replace("\n", "<br>")


# --------------------------------------------------------------------------- typed columns


class Column:
    """One column as plain Python values (None for missing) plus its kind."""

    __slots__ = ("kind", "name", "places", "values")

    def __init__(self, name: str, kind: str, values: list[Any], places: int = 2):
        self.name = name
        self.kind = kind  # bool | int | float | date | datetime | object
        self.values = values
        self.places = places

    @property
    def numeric(self) -> bool:
        if self.kind in ("int", "float"):
            return True
        if self.kind != "object":
            return False
        present = [v for v in self.values if v is not None]
        return bool(present) and all(_is_number(v) for v in present)

    @property
    def decimals(self) -> int:
        return 1 if self.name.lower().endswith("_pct") else self.places


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool)


def typed_columns(frame: pd.DataFrame, places: int = 2) -> list[Column]:
    """The frame's columns, in order, as typed lists of plain Python values."""
    import pandas as pd
    from pandas.api import types

    out = []
    for position in range(frame.shape[1]):
        series = frame.iloc[:, position]
        name = str(frame.columns[position])
        dtype = series.dtype
        missing = series.isna().to_numpy()
        # Text columns hold only str (or missing): nothing for `plain` to change.
        text = isinstance(dtype, pd.StringDtype) or (
            isinstance(dtype, pd.CategoricalDtype)
            and isinstance(dtype.categories.dtype, pd.StringDtype)
        )
        if isinstance(dtype, pd.CategoricalDtype):
            series = series.astype(object)
            dtype = series.dtype
        if types.is_bool_dtype(dtype):
            kind = "bool"
        elif types.is_integer_dtype(dtype):
            kind = "int"
        elif types.is_float_dtype(dtype):
            kind = "float"
        elif types.is_datetime64_any_dtype(dtype):
            present = series[~missing]
            kind = (
                "date"
                if getattr(series.dt, "tz", None) is None
                and bool((present == present.dt.normalize()).all())
                else "datetime"
            )
            if kind == "date":
                series = series.dt.date
        else:
            kind = "object"
        raw = series.astype(object).tolist()
        if kind == "object" and not text:
            values = [None if gone else plain(v) for v, gone in zip(raw, missing, strict=True)]
        elif kind == "datetime":
            values = [
                None if gone else v.to_pydatetime() for v, gone in zip(raw, missing, strict=True)
            ]
        elif missing.any():
            values = [None if gone else v for v, gone in zip(raw, missing, strict=True)]
        else:
            values = raw
        out.append(Column(name, kind, values, places))
    return out


def plain(value: Any) -> Any:
    """A value of an object column as a plain Python value."""
    if isinstance(value, str | bool | int | float | decimal.Decimal):
        return value
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        value = value.to_pydatetime()
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None and value.time() == _dt.time(0):
            return value.date()
        return value
    if isinstance(value, _dt.date):
        return value
    if hasattr(value, "item") and not isinstance(value, bytes | bytearray):  # numpy scalar
        with contextlib.suppress(TypeError, ValueError):
            return plain(value.item())
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


# --------------------------------------------------------------------------- values as text


def json_value(value: Any) -> Any:
    """A plain cell value as a JSON value (non-finite floats become null)."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def jsonable(value: Any) -> Any:
    """Metadata/accounting values as JSON-safe Python values (recursive)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return [jsonable(v) for v in sorted(value, key=repr)]
    if value is None or isinstance(value, str | bool | int | float | decimal.Decimal):
        return json_value(value)
    with contextlib.suppress(TypeError, ValueError):
        import pandas as pd

        if pd.isna(value):
            return None
    return json_value(plain(value))


def machine_text(value: Any) -> str | None:
    """A value as CSV text with full precision."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) or math.isinf(value) else None
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


_QUANTUM = {places: decimal.Decimal(1).scaleb(-places) for places in range(1, 7)}


def display_text(value: Any, decimals: int) -> str:
    """A value as people read it (table, markdown, html)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | decimal.Decimal):
        if isinstance(value, float) and not math.isfinite(value):
            return "" if math.isnan(value) else repr(value)
        exact = decimal.Decimal(repr(value)) if isinstance(value, float) else value
        text = f"{exact.quantize(_QUANTUM[decimals], rounding=decimal.ROUND_HALF_UP):f}"
        return text[1:] if text.startswith("-") and not text.strip("-0.") else text
    if isinstance(value, _dt.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def display_columns(cols: list[Column]) -> list[list[str]]:
    """Every column's values as `display_text`, column by column."""
    return [[display_text(v, c.decimals) for v in c.values] for c in cols]


# --------------------------------------------------------------------------- band colours


def colour_rgb(colour: str | None) -> tuple[int, int, int] | None:
    """`#RRGGBB` as (r, g, b), or None when it is not such a colour."""
    if not isinstance(colour, str) or not _COLOUR_RE.match(colour):
        return None
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def band_colour(report: Report, band: Any) -> str | None:
    """The '#RRGGBB' colour of a band name (exact, then case-insensitive), if valid."""
    if not isinstance(band, str) or not report.band_colours:
        return None
    colour = report.band_colours.get(band)
    if colour is None:
        folded = band.casefold()
        for name, value in report.band_colours.items():
            if str(name).casefold() == folded:
                colour = value
                break
    return colour if colour_rgb(colour) else None


def ink_for(colour: str) -> str:
    """Black or white text, whichever reads better on `colour`."""
    r, g, b = colour_rgb(colour) or (255, 255, 255)
    return "#000000" if (0.299 * r + 0.587 * g + 0.114 * b) > 150 else "#ffffff"


def band_position(report: Report, cols: list[Column]) -> int | None:
    """Where the report's band column is among `cols`, if it is there."""
    return next(
        (i for i, c in enumerate(cols) if report.band_column and c.name == report.band_column),
        None,
    )
