"""Render a `Report` in every output format, and write it safely.

One module renders every format so CLI output always equals library output:
commands build a `Report` and call `write_report`; library users call `render`.

Rules shared by every format:

* column order is `report.rows` column order; the index is never written;
* machine formats (csv, json, ndjson, parquet, xlsx) keep full float
  precision; human formats (table, markdown, html) show 2 decimals
  (1 for columns ending in ``_pct``); ints stay ints;
* missing values are empty (csv, table, markdown, html, xlsx) or null (json);
* dates are ISO ``YYYY-MM-DD``; booleans are ``true``/``false`` in text;
* every format carries the scheme stamp(s); nothing varies between runs
  (no timestamps), so the same report always gives the same bytes.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import decimal
import html
import json
import math
import os
import re
import sys
from collections.abc import Callable, Iterable
from typing import IO, TYPE_CHECKING, Any

from caseload_cli.core.accounting import accounting_lines
from caseload_cli.core.errors import CaseloadError, UsageError
from caseload_cli.core.files import atomic_write, new_workbook, workbook_bytes

if TYPE_CHECKING:
    import pandas as pd

    from caseload_cli.core.model import Report

FORMATS = ("table", "csv", "json", "ndjson", "xlsx", "parquet", "markdown", "html")
BINARY_FORMATS = {"xlsx", "parquet"}

_EXTENSIONS = {
    ".csv": "csv",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".xlsx": "xlsx",
    ".parquet": "parquet",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".txt": "table",
}

#: Leading characters that make a spreadsheet treat a CSV cell as a formula.
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

#: Stamp columns added to CSV and fields added to every NDJSON record.
STAMP_FIELDS = ("scheme", "scheme_version", "scheme_fingerprint")

_COLOUR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")


# ---------------------------------------------------------------------------
# public helpers


def format_from_path(path: str | None) -> str | None:
    """The output format implied by a file name's extension, or None."""
    if not path or path == "-":
        return None
    return _EXTENSIONS.get(os.path.splitext(str(path))[1].lower())


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


# ---------------------------------------------------------------------------
# render / write


def render(report: Report, fmt: str) -> str | bytes:
    """Render `report` as `fmt`: `str` for text formats, `bytes` for xlsx/parquet."""
    return _RENDERERS[_check_format(fmt)](report)


def output_format(fmt: str | None, output_path: str | None) -> str:
    """The format a run will write, checked before any work is done: binary
    formats need a file, and an unknown format is a usage error."""
    to_stdout = output_path is None or output_path == "-"
    if fmt is None:
        fmt = (None if to_stdout else format_from_path(output_path)) or "table"
    fmt = _check_format(fmt)
    if to_stdout and fmt in BINARY_FORMATS:
        raise UsageError(f"--format {fmt} needs --output FILE")
    return fmt


def write_report(
    report: Report,
    fmt: str | None,
    output_path: str | None,
    *,
    stdout: IO[str] | None = None,
) -> str:
    """Render `report` to `output_path` (atomically) or to standard output.

    `fmt` None means: from `output_path`'s extension, else "table". An
    `output_path` of None or "-" means standard output, where binary formats
    are refused. Returns the format used.
    """
    fmt = output_format(fmt, output_path)
    if not (output_path is None or output_path == "-"):
        atomic_write(str(output_path), render(report, fmt))
        return fmt
    stream = stdout if stdout is not None else sys.stdout
    if fmt == "table" and _wants_colour(stream, report):
        text = _render_table(report, colour=True)
    else:
        text = render(report, fmt)
    stream.write(text)
    with contextlib.suppress(AttributeError, ValueError):
        stream.flush()
    return fmt


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise UsageError(f"unknown output format {fmt!r}; choose from {', '.join(FORMATS)}")
    return fmt


def _wants_colour(stream: IO[str], report: Report) -> bool:
    if "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb":
        return False
    if not report.band_column or report.band_column not in report.rows.columns:
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


# ---------------------------------------------------------------------------
# columns -> plain Python values


class _Column:
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


def _columns(frame: pd.DataFrame, places: int = 2) -> list[_Column]:
    import pandas as pd
    from pandas.api import types

    columns = []
    for position in range(frame.shape[1]):
        series = frame.iloc[:, position]
        name = str(frame.columns[position])
        dtype = series.dtype
        missing = series.isna().to_numpy()
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
        if kind == "object":
            values = [None if gone else _plain(v) for v, gone in zip(raw, missing, strict=True)]
        elif kind == "datetime":
            values = [
                None if gone else v.to_pydatetime() for v, gone in zip(raw, missing, strict=True)
            ]
        else:
            values = [None if gone else v for v, gone in zip(raw, missing, strict=True)]
        columns.append(_Column(name, kind, values, places))
    return columns


def _plain(value: Any) -> Any:
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
            return _plain(value.item())
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def _records(columns: list[_Column], convert: Callable[[Any], Any]) -> list[dict[str, Any]]:
    names = [c.name for c in columns]
    converted = [[convert(v) for v in c.values] for c in columns]
    return [dict(zip(names, row, strict=True)) for row in zip(*converted, strict=True)]


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def _jsonable(value: Any) -> Any:
    """Metadata/accounting values as JSON-safe Python values (recursive)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return [_jsonable(v) for v in sorted(value, key=repr)]
    if value is None or isinstance(value, str | bool | int | float | decimal.Decimal):
        return _json_value(value)
    with contextlib.suppress(TypeError, ValueError):
        import pandas as pd

        if pd.isna(value):
            return None
    return _json_value(_plain(value))


def _machine_text(value: Any) -> str | None:
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


def _display_text(value: Any, decimals: int) -> str:
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


def _display_columns(columns: list[_Column]) -> list[list[str]]:
    return [[_display_text(v, c.decimals) for v in c.values] for c in columns]


# ---------------------------------------------------------------------------
# stamp, accounting, footer


def _stamp_line(stamp: Any) -> str:
    version = str(stamp.version)
    version = version if version[:1] in ("v", "V") else f"v{version}"
    title = f" ({stamp.title})" if stamp.title else ""
    changed = getattr(stamp, "overrides", ())
    changes = f", changed by --set {'; '.join(changed)}" if changed else ""
    return f"Scheme: {stamp.name} {version}{title}{changes} sha256:{stamp.fingerprint}"


def _stamp_values(report: Report) -> list[str]:
    """Values of the scheme/scheme_version/scheme_fingerprint columns (joined with ' | ')."""
    return [
        " | ".join(str(s.name) for s in report.schemes),
        " | ".join(str(s.version) for s in report.schemes),
        " | ".join(str(s.fingerprint) for s in report.schemes),
    ]


def _check_stamp_columns(names: Iterable[str]) -> None:
    clash = sorted(set(STAMP_FIELDS) & set(names))
    if clash:
        raise CaseloadError(f"report rows already have stamp column(s) {', '.join(clash)}")


def _count(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}" if math.isfinite(value) else ""
    if isinstance(value, dict | list | tuple | set | frozenset):
        return json.dumps(_jsonable(value), ensure_ascii=False, separators=(", ", ": "))
    if hasattr(value, "item"):
        with contextlib.suppress(TypeError, ValueError):
            return _count(value.item())
    return str(value)


def _footer_lines(report: Report) -> list[str]:
    lines = [_stamp_line(s) for s in report.schemes]
    lines.extend(accounting_lines(report.accounting))
    lines.extend(str(note) for note in report.notes)
    return lines


def section_heading(key: str) -> str:
    """`by_team` -> `By team`."""
    words = str(key).replace("_", " ").strip().split(" ")
    words = [w.upper() if w.lower() in _ACRONYMS else w for w in words]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


_ACRONYMS = {"fca", "fcas", "eit", "wafh", "wtfh", "fte", "ps", "asm"}


# ---------------------------------------------------------------------------
# text formats


def _render_csv(report: Report) -> str:
    columns = _columns(neutralise_frame(report.rows))
    names = [c.name for c in columns]
    stamp: list[str] = []
    if report.schemes:
        _check_stamp_columns(names)
        names += list(STAMP_FIELDS)
        stamp = [neutralise(v) for v in _stamp_values(report)]
    if not names:
        return ""
    texts = [[_csv_field(_machine_text(v)) for v in c.values] for c in columns]
    stamp_fields = [_csv_field(v) for v in stamp]
    lines = [_csv_line([_csv_field(n) for n in names])]
    lines += [_csv_line([*row, *stamp_fields]) for row in zip(*texts, strict=True)]
    if not columns:  # zip(*[]) yields nothing: still one line per row
        lines += [_csv_line(stamp_fields)] * len(report.rows)
    return "".join(lines)


_CSV_SPECIAL = re.compile(r'[,"\r\n]')


def _csv_field(text: str | None) -> str:
    """RFC 4180 quoting; also quotes a lone CR, which the csv module leaves bare."""
    if not text:
        return ""
    if _CSV_SPECIAL.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_line(fields: list[str]) -> str:
    if fields == [""]:  # a blank line would be skipped by readers
        return '""\n'
    return ",".join(fields) + "\n"


def _stamp_json(report: Report) -> tuple[str, Any]:
    if len(report.schemes) == 1:
        return "scheme", report.schemes[0].as_dict()
    return "schemes", [s.as_dict() for s in report.schemes]


def _render_json(report: Report) -> str:
    key, stamp = _stamp_json(report)
    document = {
        "title": report.title,
        key: stamp,
        "accounting": _jsonable(dict(report.accounting)),
        "metadata": _jsonable(dict(report.metadata)),
        "notes": [str(n) for n in report.notes],
        "rows": _records(_columns(report.rows), _json_value),
        "sections": {
            str(name): _records(_columns(frame), _json_value)
            for name, frame in report.sections.items()
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _render_ndjson(report: Report) -> str:
    columns = _columns(report.rows)
    records = _records(columns, _json_value)
    if not columns:
        records = [{} for _ in range(len(report.rows))]
    if report.schemes:
        _check_stamp_columns(c.name for c in columns)
        extra = dict(zip(STAMP_FIELDS, _stamp_values(report), strict=True))
        records = [{**r, **extra} for r in records]
    return "".join(json.dumps(r, ensure_ascii=False, allow_nan=False) + "\n" for r in records)


def _colour_rgb(colour: str | None) -> tuple[int, int, int] | None:
    if not isinstance(colour, str) or not _COLOUR_RE.match(colour):
        return None
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _band_colour(report: Report, band: Any) -> str | None:
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
    return colour if _colour_rgb(colour) else None


def _ink_for(colour: str) -> str:
    """Black or white text, whichever reads better on `colour`."""
    r, g, b = _colour_rgb(colour) or (255, 255, 255)
    return "#000000" if (0.299 * r + 0.587 * g + 0.114 * b) > 150 else "#ffffff"


def _table_block(
    report: Report, frame: pd.DataFrame, tablefmt: str, escape: Callable[[str], str], colour: bool
) -> str:
    from tabulate import tabulate

    columns = _columns(frame, report.decimals)
    if not columns:
        return "(no columns)"
    cells = _display_columns(columns)
    cells = [[escape(v) for v in col] for col in cells]
    if colour and report.band_column:
        for position, column in enumerate(columns):
            if column.name != report.band_column:
                continue
            painted = []
            for raw, text in zip(column.values, cells[position], strict=True):
                rgb = _colour_rgb(_band_colour(report, raw))
                painted.append(
                    f"\x1b[1;38;2;{rgb[0]};{rgb[1]};{rgb[2]}m{text}\x1b[0m" if rgb else text
                )
            cells[position] = painted
    rows = [list(r) for r in zip(*cells, strict=True)]
    return tabulate(
        rows,
        headers=[escape(c.name) for c in columns],
        tablefmt=tablefmt,
        disable_numparse=True,
        colalign=["right" if c.numeric else "left" for c in columns],
        missingval="",
    )


def _table_text(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")


def _render_table(report: Report, colour: bool = False) -> str:
    parts = [_table_text(report.title)] if report.title else []
    parts.append(_table_block(report, report.rows, "simple", _table_text, colour))
    for name, frame in report.sections.items():
        heading = _table_text(section_heading(name))
        parts.append(
            f"{heading}\n{'-' * len(heading)}\n"
            + _table_block(report, frame, "simple", _table_text, colour)
        )
    footer = [_table_text(line) for line in _footer_lines(report)]
    if footer:
        parts.append("\n".join(footer))
    return "\n\n".join(parts) + "\n"


def _markdown_text(text: str) -> str:
    """Escape text for a markdown table cell or line (raw HTML and pipes shown literally)."""
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "\\<")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")


def _render_markdown(report: Report) -> str:
    parts = [f"# {_markdown_text(report.title)}"] if report.title else []
    parts.append(_table_block(report, report.rows, "github", _markdown_text, False))
    for name, frame in report.sections.items():
        parts.append(f"## {_markdown_text(section_heading(name))}")
        parts.append(_table_block(report, frame, "github", _markdown_text, False))
    footer = _footer_lines(report)
    if footer:
        parts.append("\n".join(f"- {_markdown_text(line)}" for line in footer))
    return "\n\n".join(parts) + "\n"


_CSS = """\
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem;color:#111}
table{border-collapse:collapse;margin:0 0 1.5rem}
th,td{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
th{position:sticky;top:0;background:#f3f3f3;z-index:1}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
footer{color:#444;font-size:.9rem}
footer ul{padding-left:1.2rem}"""


_NUM = ' class="num"'


def _html_table(report: Report, frame: pd.DataFrame) -> str:
    columns = _columns(frame, report.decimals)
    cells = _display_columns(columns)
    numeric = [c.numeric for c in columns]
    head = "".join(
        "<th" + (_NUM if num else "") + ' scope="col">' + html.escape(c.name) + "</th>"
        for c, num in zip(columns, numeric, strict=True)
    )
    band_at = next(
        (i for i, c in enumerate(columns) if report.band_column and c.name == report.band_column),
        None,
    )
    lines = [f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>"]
    for r in range(len(frame)):
        row = []
        for i, col in enumerate(cells):
            text = html.escape(col[r]).replace("\n", "<br>")
            attrs = ' class="num"' if numeric[i] else ""
            if i == band_at:
                colour = _band_colour(report, columns[i].values[r])
                if colour:
                    attrs += f' style="background-color:{colour};color:{_ink_for(colour)}"'
            row.append(f"<td{attrs}>{text}</td>")
        lines.append("<tr>" + "".join(row) + "</tr>")
    lines.append("</tbody>\n</table>")
    return "\n".join(lines)


def _render_html(report: Report) -> str:
    title = html.escape(report.title)
    body = [f"<h1>{title}</h1>"] if report.title else []
    body.append(_html_table(report, report.rows))
    for name, frame in report.sections.items():
        body.append(f"<h2>{html.escape(section_heading(name))}</h2>")
        body.append(_html_table(report, frame))
    footer = _footer_lines(report)
    if footer:
        items = "\n".join(f"<li>{html.escape(line)}</li>" for line in footer)
        body.append(f"<footer>\n<ul>\n{items}\n</ul>\n</footer>")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>\n{_CSS}\n</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


# ---------------------------------------------------------------------------
# parquet


def _render_parquet(report: Report) -> bytes:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = report.rows.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    for position in range(frame.shape[1]):
        series = frame.iloc[:, position]
        try:
            pa.Array.from_pandas(series)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed object column: store as text
            texts = [_machine_text(v) for v in _columns(series.to_frame())[0].values]
            frame.isetitem(position, pd.Series(texts, index=frame.index, dtype=object))
    table = pa.Table.from_pandas(frame, preserve_index=False)
    _, stamp = _stamp_json(report)

    def dump(value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")

    metadata = dict(table.schema.metadata or {})
    metadata.update(
        {
            b"caseload.title": report.title.encode("utf-8"),
            b"caseload.scheme": dump(stamp),
            b"caseload.accounting": dump(_jsonable(dict(report.accounting))),
            b"caseload.metadata": dump(_jsonable(dict(report.metadata))),
            b"caseload.notes": dump([str(n) for n in report.notes]),
        }
    )
    table = table.replace_schema_metadata(metadata)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    return sink.getvalue().to_pybytes()


# ---------------------------------------------------------------------------
# xlsx


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(wanted: str, used: set[str]) -> str:
    """An Excel-safe sheet name: no []:*?/\\, not quoted, at most 31 chars, unique."""
    base = _SHEET_BAD.sub(" ", str(wanted))
    base = re.sub(r"\s+", " ", base).strip().strip("'").strip() or "sheet"
    if base.casefold() == "history":  # reserved by Excel
        base = "history_"
    name = base[:31]
    counter = 2
    while name.casefold() in used:
        suffix = f" ({counter})"
        name = base[: 31 - len(suffix)].rstrip() + suffix
        counter += 1
    used.add(name.casefold())
    return name


def _xlsx_text(value: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)


def _xlsx_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | decimal.Decimal):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else (None if math.isnan(value) else repr(value))
    if isinstance(value, str):
        return _xlsx_text(value)
    if isinstance(value, _dt.datetime) and value.tzinfo is not None:
        return value.isoformat()  # Excel has no time zones: keep the exact text
    if isinstance(value, _dt.date):
        return value
    return _xlsx_text(str(value))


def _xlsx_cell(ws: Any, value: Any, number_format: str | None = None, **style: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    if number_format and not isinstance(value, str):
        cell.number_format = number_format
    for key, setting in style.items():
        setattr(cell, key, setting)
    return cell


def _number_format(column: _Column) -> str | None:
    if column.kind == "float" or (column.kind == "object" and column.numeric):
        return "0." + "0" * column.decimals
    if column.kind == "date":
        return "yyyy-mm-dd"
    if column.kind == "datetime":
        return "yyyy-mm-dd hh:mm:ss"
    return None  # object columns with dates get a per-value format in _xlsx_sheet


def _xlsx_sheet(wb: Any, name: str, frame: pd.DataFrame, report: Report) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(name)
    columns = _columns(frame, report.decimals)
    if not columns:
        return
    display = _display_columns(columns)
    for position, (column, texts) in enumerate(zip(columns, display, strict=True), start=1):
        longest = max([len(column.name), *(len(t) for t in texts)])
        width = min(max(longest + 2, 8), 60)
        ws.column_dimensions[get_column_letter(position)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(frame) + 1}"

    bold = Font(bold=True)
    ws.append([_xlsx_cell(ws, _xlsx_text(c.name), font=bold) for c in columns])
    formats = [_number_format(c) for c in columns]
    band_at = next(
        (i for i, c in enumerate(columns) if report.band_column and c.name == report.band_column),
        None,
    )
    fills: dict[str, tuple[Any, Any]] = {}
    for colour in (
        {_band_colour(report, v) for v in columns[band_at].values} if band_at is not None else ()
    ):
        if colour:
            hex_rgb = "FF" + colour[1:].upper()
            fills[colour] = (
                PatternFill(fill_type="solid", start_color=hex_rgb, end_color=hex_rgb),
                Font(color="FF" + _ink_for(colour)[1:].upper()),
            )
    for r in range(len(frame)):
        row = []
        for i, column in enumerate(columns):
            raw = column.values[r]
            value = _xlsx_value(raw)
            fmt = formats[i]
            if fmt is None and isinstance(value, _dt.date):
                fmt = "yyyy-mm-dd hh:mm:ss" if isinstance(value, _dt.datetime) else "yyyy-mm-dd"
            if i == band_at and (colour := _band_colour(report, raw)):
                fill, ink = fills[colour]
                row.append(_xlsx_cell(ws, value, fmt, fill=fill, font=ink))
            else:
                row.append(_xlsx_cell(ws, value, fmt))
        ws.append(row)


def _about_rows(report: Report) -> list[tuple[str, Any]]:
    from caseload_cli import __version__

    rows: list[tuple[str, Any]] = [("title", report.title)]
    for stamp in report.schemes:
        rows += [
            ("scheme", stamp.name),
            ("scheme_version", stamp.version),
            ("scheme_title", stamp.title),
            ("scheme_fingerprint", stamp.fingerprint),
        ]
        rows += [("scheme_override", change) for change in getattr(stamp, "overrides", ())]
    for group, mapping in (("accounting", report.accounting), ("metadata", report.metadata)):
        for key, value in mapping.items():
            value = _jsonable(value)
            if isinstance(value, dict | list):
                value = json.dumps(value, ensure_ascii=False)
            rows.append((f"{group}.{key}", value))
    rows += [("note", str(note)) for note in report.notes]
    rows.append(("caseload_cli", __version__))
    return rows


def _render_xlsx(report: Report) -> bytes:
    from openpyxl.styles import Font

    wb = new_workbook(_xlsx_text(report.title)[:255])
    used = {"about"}
    main = _sheet_name(str(report.metadata.get("sheet") or "report"), used)
    _xlsx_sheet(wb, main, report.rows, report)
    for key, frame in report.sections.items():
        _xlsx_sheet(wb, _sheet_name(section_heading(key), used), frame, report)

    about = wb.create_sheet("about")
    rows = _about_rows(report)
    about.column_dimensions["A"].width = max(len(k) for k, _ in rows) + 2
    about.column_dimensions["B"].width = min(
        max(len(_display_text(v, 2)) for _, v in rows) + 2, 100
    )
    bold = Font(bold=True)
    about.append([_xlsx_cell(about, "key", font=bold), _xlsx_cell(about, "value", font=bold)])
    for key, value in rows:
        about.append([_xlsx_cell(about, _xlsx_text(key)), _xlsx_cell(about, _xlsx_value(value))])

    return workbook_bytes(wb)


_RENDERERS: dict[str, Callable[[Report], str | bytes]] = {
    "table": _render_table,
    "csv": _render_csv,
    "json": _render_json,
    "ndjson": _render_ndjson,
    "xlsx": _render_xlsx,
    "parquet": _render_parquet,
    "markdown": _render_markdown,
    "html": _render_html,
}
