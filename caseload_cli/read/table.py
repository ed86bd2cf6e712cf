"""Read one caseload export (CSV, xlsx or Parquet) into a `Table`.

The readers do as little interpretation as possible: CSV and xlsx cells stay
text (so IDs keep leading zeros and "NA" stays "NA"), Parquet columns stay
typed (the fast path). What they *do* guarantee is what every later message
depends on: the row number a person sees in the file for every frame row, a
header without duplicates, and an `InputError` naming the file for anything
the user can fix, instead of a traceback.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import posixpath
import re
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from caseload_cli.core.errors import InputError, UsageError
from caseload_cli.core.model import ReadOptions, Table
from caseload_cli.read.text import format_floats, normalise_header

__all__ = ["ERROR_PROBLEM", "FORMULA_PROBLEM", "guess_format", "read_table"]

FORMULA_PROBLEM = "formula without a cached value; open and save the file in Excel"
ERROR_PROBLEM = "spreadsheet error value"  # followed by the value, e.g. "#N/A"

# Zip-bomb limits for xlsx, checked on the archive directory before any parsing.
MAX_ZIP_MEMBERS = 10_000
MAX_UNCOMPRESSED = 2 * 1024**3
MAX_RATIO = 200
RATIO_MIN_SIZE = 10 * 1024**2

_CSV_EXTENSIONS = {".csv": "csv", ".txt": "csv", ".tsv": "csv"}
_XLSX_EXTENSIONS = {".xlsx": "xlsx", ".xlsm": "xlsx"}
_PARQUET_EXTENSIONS = {".parquet": "parquet", ".pq": "parquet"}
_EXTENSION_FORMATS = {**_CSV_EXTENSIONS, **_XLSX_EXTENSIONS, **_PARQUET_EXTENSIONS}
_FORMATS = ("csv", "xlsx", "parquet")
_DELIMITERS = (",", ";", "\t", "|")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SNIFF_BYTES = 64 * 1024
_SNIFF_LINES = 50
_NEWLINE = re.compile(r"\r\n|\r|\n")
_LEADING_BLANK_LINES = re.compile(r"(?:[ \t\f\v]*(?:\r\n|\r|\n))*")


def read_table(
    path: str,
    options: ReadOptions = ReadOptions(),  # noqa: B008 - frozen dataclass, safe default
    *,
    columns: list[str] | None = None,
    stdin: BinaryIO | None = None,
    dictionary: tuple[str, ...] = (),
) -> Table:
    """Read a CSV, xlsx or Parquet export (or "-" for stdin) into a `Table`.

    `columns`, when given, limits the columns returned: a column is kept if
    its header, compared case-insensitively after stripping or after
    `normalise_header`, equals one of `columns`; requested columns that are
    not in the file are simply absent. For Parquet this also means only those
    columns are read from disk. Text columns named in `dictionary` (codes and
    IDs with many repeats) are decoded from Parquet as categoricals, which
    saves hashing millions of strings later.
    """
    wanted = _Wanted(columns)
    wanted.dictionary = {wanted._normalise(str(c)) for c in dictionary}
    if path == "-":
        source = "<stdin>"
        data = (stdin if stdin is not None else sys.stdin.buffer).read()
        fmt = _format_option(options) or _sniff_format(data[:4])
        if fmt == "csv":
            return _read_csv(data, source, options, wanted)
        if fmt == "xlsx":
            return _read_xlsx(io.BytesIO(data), source, options, wanted)
        return _read_parquet([io.BytesIO(data)], ["<stdin>"], source, options, wanted)

    source = path
    target = Path(path)
    try:
        is_dir = target.is_dir()
        exists = is_dir or target.exists()
    except OSError as exc:
        raise InputError(f"{source}: cannot access ({exc.strerror or exc})") from None
    if not exists:
        raise InputError(f"{source}: file not found")
    fmt = _format_option(options)
    if is_dir:
        if fmt not in (None, "parquet"):
            raise InputError(f"{source}: is a directory, not a {fmt} file")
        try:
            files = sorted(
                p
                for p in target.iterdir()
                if p.suffix.lower() in _PARQUET_EXTENSIONS
                and p.is_file()
                and not p.name.startswith((".", "_"))
            )
        except PermissionError:
            raise InputError(f"{source}: permission denied") from None
        except OSError as exc:
            raise InputError(f"{source}: cannot list directory ({exc.strerror or exc})") from None
        if not files:
            raise InputError(f"{source}: directory contains no *.parquet files")
        return _read_parquet(files, [str(p) for p in files], source, options, wanted)

    suffix = target.suffix.lower()
    if fmt is None:
        fmt = _EXTENSION_FORMATS.get(suffix)
    if fmt is None:  # unknown extension (or .xls, often a CSV in disguise): look inside
        head = _read_bytes(target, source, limit=8)
        if head.startswith(_OLE_MAGIC):
            raise InputError(
                f"{source}: old .xls (or password-protected) workbooks are not supported; "
                f"save it as .xlsx or CSV"
            )
        fmt = _sniff_format(head)
    if fmt == "csv":
        data = _read_bytes(target, source)
        actual = _sniff_format(data[:4])
        if actual == "csv" or options.input_format:
            return _read_csv(data, source, options, wanted)
        # an xlsx or Parquet file with a CSV-like name: read what it really is
        fmt = actual
        opened = io.BytesIO(data)
        if fmt == "xlsx":
            table = _read_xlsx(opened, source, options, wanted)
        else:
            table = _read_parquet([opened], [source], source, options, wanted)
        table.notes.append(
            f"{source}: the file is {fmt}, not CSV as its name suggests; read as {fmt}"
        )
        return table
    if fmt == "xlsx":
        _read_bytes(target, source, limit=0)  # permission check with a clear message
        return _read_xlsx(target, source, options, wanted)
    return _read_parquet([target], [source], source, options, wanted)


# --------------------------------------------------------------------------- shared helpers


class _Wanted:
    """Which headers the caller asked for (None = all)."""

    dictionary: set[str]

    def __init__(self, columns: list[str] | None):
        self._normalise = normalise_header
        self.dictionary = set()
        self.all = columns is None
        self.names = {str(c).strip().casefold() for c in columns or ()}
        self.names |= {normalise_header(str(c)) for c in columns or ()}

    def __call__(self, header: str) -> bool:
        return (
            self.all
            or header.strip().casefold() in self.names
            or self._normalise(header) in self.names
        )


def guess_format(path: str, options: ReadOptions) -> str | None:
    """The format --input-format names, else a directory's (Parquet) or the extension's;
    None when only the content can tell (stdin, unknown extensions)."""
    fmt = _format_option(options)
    if fmt is not None or path == "-":
        return fmt
    target = Path(path)
    return "parquet" if target.is_dir() else _EXTENSION_FORMATS.get(target.suffix.lower())


def _format_option(options: ReadOptions) -> str | None:
    fmt = options.input_format
    if fmt is None:
        return None
    fmt = fmt.strip().lower()
    if fmt not in _FORMATS:
        raise UsageError(f"unknown input format {options.input_format!r}; use csv, xlsx or parquet")
    return fmt


def _sniff_format(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"PAR1"):
        return "parquet"
    return "csv"


def _read_bytes(path: Path, source: str, limit: int = -1) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(limit)
    except PermissionError:
        raise InputError(f"{source}: permission denied") from None
    except IsADirectoryError:
        raise InputError(f"{source}: is a directory") from None
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc.strerror or exc})") from None


def _finish(
    raw: pd.DataFrame,
    header: list[str],
    first_row: np.ndarray,
    source: str,
    decimal: str,
    notes: list[str],
    wanted: _Wanted,
    keep: np.ndarray | None = None,
) -> tuple[Table, dict[int, str]]:
    """Name the columns, reject duplicate headers, drop blank rows and columns.

    `raw` holds the data rows as text with positional columns, `first_row`
    the file row number of each. `keep` marks rows that must survive the
    blank-row drop (cells known to hide a value). Returns the table and the
    mapping from raw column position to header for kept columns.
    """
    names = [str(h).replace("\ufeff", "").strip() for h in header]
    nonblank_cols = {}
    row_has_value = np.zeros(len(raw), dtype=bool) if keep is None else keep.copy()
    for position, column in enumerate(raw.columns):
        has_value = (raw[column].str.strip() != "").to_numpy()
        row_has_value |= has_value
        nonblank_cols[position] = bool(has_value.any())

    if not any(names):
        raise InputError(f"{source}: no header row (the first non-empty row has no names)")
    kept: dict[int, str] = {}
    seen: dict[str, int] = {}
    for position, name in enumerate(names):
        if not name:
            if not nonblank_cols.get(position, False):
                continue  # a trailing delimiter or an unused spreadsheet column
            name = f"column_{position + 1}"
            notes.append(
                f"{source}: column {position + 1} has values but no header; named '{name}'"
            )
        key = name.casefold()
        if key in seen:
            raise InputError(
                f"{source}: duplicate header '{name}' (columns {seen[key] + 1} and {position + 1})"
            )
        seen[key] = position
        kept[position] = name

    selected = {p: n for p, n in kept.items() if wanted(n)}
    skipped = int((~row_has_value).sum())
    if skipped:
        notes.append(f"{source}: {skipped:,} empty rows skipped (no value in any column)")
    frame = raw.iloc[row_has_value, list(selected)]
    frame.columns = list(selected.values())
    frame = frame.reset_index(drop=True)
    row_numbers = first_row[row_has_value].astype(np.int64)
    return Table(frame, source, row_numbers, decimal, notes), selected


# --------------------------------------------------------------------------- CSV


def _decode(data: bytes, source: str, encoding: str | None, notes: list[str]) -> str:
    """Decode with the user's encoding, else UTF-8 (with or without BOM), else cp1252."""
    if encoding:
        try:
            text = data.decode(encoding)
        except LookupError:
            raise UsageError(f"unknown encoding {encoding!r}") from None
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{source}: cannot be read as {encoding}: byte 0x{data[exc.start]:02x} "
                f"at offset {exc.start} is not valid in that encoding"
            ) from None
        return text.removeprefix("\ufeff")
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{source}: starts with a UTF-8 byte-order mark but is not valid UTF-8 "
                f"(offset {exc.start}); give --encoding"
            ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source}: is neither UTF-8 nor cp1252 (byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start}); give --encoding"
        ) from None
    notes.append(f"{source}: not valid UTF-8; read as cp1252")
    return text


def _delimiter_option(value: str) -> str:
    mapped = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}.get(
        value.lower(), value
    )
    if len(mapped) != 1 or mapped in '"\r\n':
        raise UsageError(f"invalid delimiter {value!r}; give one character or 'tab'")
    return mapped


def _sniff_delimiter(text: str) -> str:
    """Pick the candidate that splits the first records into a consistent, >1 field count.

    Quoted sections are blanked first so delimiters inside quotes are not
    counted; the last (possibly cut-off) line of the sample is ignored.
    """
    sample = text[:_SNIFF_BYTES]
    unquoted = re.sub(r'"[^"]*"', '""', sample)
    lines = [line for line in _NEWLINE.split(unquoted) if line.strip()]
    if len(sample) < len(text) and len(lines) > 1:
        lines = lines[:-1]
    lines = lines[:_SNIFF_LINES]
    if not lines:
        return ","
    best, best_score = ",", (-1, -1.0)
    for delimiter in _DELIMITERS:
        counts = [line.count(delimiter) for line in lines]
        if counts[0] == 0:
            continue
        consistent = sum(c == counts[0] for c in counts) / len(counts)
        score = (consistent >= 0.9, consistent + counts[0] / 1000)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _physical_line(text: str, record: int, delimiter: str) -> int:
    """1-based line where the `record`-th record (1-based) of `text` starts.

    pandas reports records, not lines; they differ when quoted fields contain
    line breaks. Only used on the error path, so a plain csv.reader is fine.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous_end = 0
    for number, _ in enumerate(reader, start=1):
        if number == record:
            return previous_end + 1
        previous_end = reader.line_num
    return record


def _parser_error(
    exc: Exception, source: str, text: str, delimiter: str, line_offset: int
) -> InputError:
    message = str(exc)
    match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if match:
        expected, record, saw = (int(g) for g in match.groups())
        line = _physical_line(text, record, delimiter) if '"' in text else record
        return InputError(
            f"{source}: row {line + line_offset} has {saw} fields but the header has "
            f"{expected}; check the delimiter and quoting"
        )
    detail = message.replace("Error tokenizing data. C error: ", "").strip()
    return InputError(f"{source}: cannot parse as CSV ({detail})")


def _read_csv(data: bytes, source: str, options: ReadOptions, wanted: _Wanted) -> Table:
    notes: list[str] = []
    text = _decode(data, source, options.encoding, notes)
    leading = _LEADING_BLANK_LINES.match(text)
    skipped = len(_NEWLINE.findall(leading.group())) if leading else 0
    text = text[leading.end() :] if leading else text
    if not text.strip():
        raise InputError(f"{source}: file is empty (no header row)")

    if options.delimiter:
        delimiter = _delimiter_option(options.delimiter)
    else:
        delimiter = _sniff_delimiter(text)
    decimal = options.decimal or ("," if delimiter == ";" else ".")
    try:
        raw = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            quotechar='"',
            doublequote=True,
            engine="c",
            index_col=False,
        )
    except pd.errors.EmptyDataError:
        raise InputError(f"{source}: file is empty (no header row)") from None
    except (pd.errors.ParserError, ValueError) as exc:
        if "Expected" not in str(exc):
            raise _parser_error(exc, source, text, delimiter, skipped) from None
        return _read_ragged_csv(text, source, delimiter, decimal, skipped, notes, wanted)

    raw = raw.fillna("")
    header = raw.iloc[0].tolist()
    body = raw.iloc[1:].reset_index(drop=True)
    # Physical line of every record: header line + 1 + records before it, plus
    # any line breaks inside quoted fields of earlier records (and the header).
    header_extra = 0
    extra = np.zeros(len(body), dtype=np.int64)
    if '"' in text:
        header_extra = sum(len(_NEWLINE.findall(str(h))) for h in header)
        for column in body.columns:
            extra += body[column].str.count(r"\r\n|\r|\n").to_numpy(dtype=np.int64)
    before = np.concatenate(([0], np.cumsum(extra)[:-1])) if len(extra) else extra
    first_row = skipped + header_extra + 2 + np.arange(len(body), dtype=np.int64) + before
    table, _ = _finish(body, header, first_row, source, decimal, notes, wanted)
    return table


RAGGED_PROBLEM = (
    "row has {fields} fields but the header has {width}; check the delimiter and quoting"
)
WHOLE_ROW = "(row)"


def _read_ragged_csv(
    text: str,
    source: str,
    delimiter: str,
    decimal: str,
    skipped: int,
    notes: list[str],
    wanted: _Wanted,
) -> Table:
    """The slow path for a CSV with rows wider than the header: every row is
    still read, and each ragged one is kept (cut to the header's width) with a
    problem that rejects it, so one bad line does not stop the whole run."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[list[str]] = []
    lines: list[int] = []
    previous = 0
    for record in reader:
        records.append(record)
        lines.append(skipped + previous + 1)
        previous = reader.line_num
    header, body = records[0], records[1:]
    width = len(header)
    fields = np.array([len(r) for r in body], dtype=np.int64)
    rows = [(r + [""] * (width - len(r)))[:width] for r in body]
    raw = (
        pd.DataFrame(rows, columns=range(width), dtype="str")
        if rows
        else pd.DataFrame(columns=range(width), dtype="str")
    )
    ragged = fields > width
    table, _ = _finish(
        raw, header, np.array(lines[1:], dtype=np.int64), source, decimal, notes, wanted, ragged
    )
    bad_lines = np.array(lines[1:], dtype=np.int64)[ragged]
    positions = np.searchsorted(table.row_numbers, bad_lines)
    for position, count in zip(positions.tolist(), fields[ragged].tolist(), strict=True):
        reason = RAGGED_PROBLEM.format(fields=count, width=width)
        table.cell_problems.append((position, WHOLE_ROW, reason))
    return table


# --------------------------------------------------------------------------- xlsx


def _open_checked_zip(file: Path | io.BytesIO, source: str) -> zipfile.ZipFile:
    """Open the workbook archive and refuse anything that could exhaust memory."""
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError):
        raise InputError(
            f"{source}: not an xlsx workbook (not a zip archive; password-protected "
            f"workbooks and old .xls files cannot be read)"
        ) from None
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc.strerror or exc})") from None
    members = archive.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        archive.close()
        raise InputError(
            f"{source}: refused: workbook archive has {len(members)} members "
            f"(limit {MAX_ZIP_MEMBERS})"
        )
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED:
        archive.close()
        raise InputError(
            f"{source}: refused: workbook would expand to {total / 1024**3:.1f} GiB "
            f"(limit {MAX_UNCOMPRESSED // 1024**3} GiB)"
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_MIN_SIZE and ratio > MAX_RATIO:
            archive.close()
            raise InputError(
                f"{source}: refused: member '{member.filename}' expands {ratio:.0f}x "
                f"(limit {MAX_RATIO}x); the file looks like a zip bomb"
            )
    if "xl/workbook.xml" not in archive.namelist():
        archive.close()
        raise InputError(f"{source}: not an xlsx workbook (no xl/workbook.xml inside)")
    return archive


def _empty_sheet(source: str, sheet_name: str, sheet_names: list[str]) -> str:
    others = [n for n in sheet_names if n != sheet_name]
    hint = f"; other sheets: {', '.join(others)} (choose one with --sheet)" if others else ""
    return f"{source}: sheet '{sheet_name}' is empty (no header row){hint}"


def _choose_sheet(metadata: list, requested: str | None, source: str) -> tuple[str, list[str]]:
    """Resolve --sheet (name, else 1-based index) or the first visible worksheet."""
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    names = [m.name for m in metadata]
    visible = [m.visible == SheetVisibleEnum.Visible for m in metadata]
    notes: list[str] = []
    if not names:
        raise InputError(f"{source}: workbook has no sheets")
    if requested is None:
        candidates = [
            m.name
            for m, shown in zip(metadata, visible, strict=True)
            if shown and m.typ == SheetTypeEnum.WorkSheet
        ]
        chosen = candidates[0] if candidates else names[0]
        if len(names) > 1:
            notes.append(
                f"{source}: read sheet '{chosen}' (first visible of {len(names)}; "
                f"choose another with --sheet)"
            )
        return chosen, notes
    wanted = requested.strip()
    if wanted in names:
        return wanted, notes
    folded = [n for n in names if n.strip().casefold() == wanted.casefold()]
    if len(folded) == 1:
        return folded[0], notes
    if wanted.isdigit() and 1 <= int(wanted) <= len(names):
        return names[int(wanted) - 1], notes
    listing = ", ".join(
        f"{i}: '{n}'" + ("" if shown else " (hidden)")
        for i, (n, shown) in enumerate(zip(names, visible, strict=True), start=1)
    )
    raise InputError(f"{source}: no sheet '{requested}'; available sheets: {listing}")


_TYPE_OF = np.frompyfunc(type, 1, 1)


def _of_type(types: np.ndarray, kind: type) -> np.ndarray:
    """Elementwise `type(cell) is kind` over an array of types (exact, so bool is not int)."""
    return np.asarray(types == kind, dtype=bool)


def _cells_to_text(values: np.ndarray, decimal: str) -> np.ndarray:
    """Turn one column of calamine cell values into the text a CSV would hold.

    Calamine already hands over Python objects; the work here is grouped by
    type (one ufunc call to classify, then one vectorised conversion per
    type) rather than converting cell by cell.
    """
    if pd.api.types.infer_dtype(values, skipna=False) in ("string", "empty"):
        return values
    out = values.copy()
    types = _TYPE_OF(values)
    floats = _of_type(types, float)
    if floats.any():
        out[floats] = format_floats(values[floats].astype(float), decimal)
    ints = _of_type(types, int)
    if ints.any():
        out[ints] = values[ints].astype(str)
    bools = _of_type(types, bool)
    if bools.any():
        out[bools] = np.where(values[bools].astype(bool), "true", "false")
    stamps = _of_type(types, dt.datetime)
    if stamps.any():
        out[stamps] = _per_distinct(values[stamps], _stamps_to_text)
    others = ~(floats | ints | bools | stamps | (_of_type(types, str)))
    if others.any():  # date, time, timedelta: their str() is already ISO-like
        out[others] = _per_distinct(values[others], lambda v: v.astype(str))
    return out


def _text_column(values: np.ndarray) -> pd.Series:
    """Python strings into a pandas "str" column by way of Arrow (the fast route)."""
    import pyarrow as pa

    return pd.Series(pd.array(pa.array(values, pa.large_string()), dtype="str"))


def _per_distinct(values: np.ndarray, convert) -> np.ndarray:
    """Convert each distinct value once: a date column holds few distinct dates."""
    codes, distinct = pd.factorize(values)
    return np.asarray(convert(np.asarray(distinct, dtype=object)), dtype=object)[codes]


def _stamps_to_text(values: np.ndarray) -> np.ndarray:
    parsed = pd.to_datetime(pd.Series(values), errors="coerce")
    text = _iso_text(parsed).to_numpy(dtype=object)
    fallback = parsed.isna().to_numpy()
    text[fallback] = values[fallback].astype(str)
    return text


def _iso_text(series: pd.Series) -> pd.Series:
    text = series.dt.strftime("%Y-%m-%d")
    has_time = series.notna() & (series != series.dt.normalize())
    if has_time.any():
        text[has_time] = series[has_time].dt.strftime("%Y-%m-%d %H:%M:%S")
    return text


def _sheet_xml_path(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    """Find the worksheet part for a sheet name via workbook.xml and its rels."""
    from defusedxml import ElementTree as SafeET

    try:
        workbook = SafeET.fromstring(archive.read("xl/workbook.xml"))
        rels = SafeET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, SafeET.ParseError, ValueError):
        return None
    rel_id = None
    for element in workbook.iter():
        if element.tag.rsplit("}", 1)[-1] == "sheet" and element.get("name") == sheet_name:
            rel_id = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)
            break
    if rel_id is None:
        return None
    for element in rels.iter():
        if element.get("Id") == rel_id:
            target = element.get("Target", "")
            if target.startswith("/"):
                return target.lstrip("/")
            return posixpath.normpath(posixpath.join("xl", target))
    return None


_ROOT_PREFIX = re.compile(rb"<(\w+:)?worksheet\b")


def _formula_pattern(prefix: bytes) -> re.Pattern[bytes]:
    """A formula element followed by no (or an empty) cached value and `</c>`.

    The pattern starts with a literal ("<f", or "<x:f" when the sheet uses a
    namespace prefix) so the regex engine skips ordinary cells quickly.
    """
    p = re.escape(prefix)
    return re.compile(
        b"<" + p + rb"f\b[^>]*(?:/>|>[^<]*</" + p + rb"f>)\s*"
        b"(<" + p + rb"v\s*/>|<" + p + rb"v>\s*</" + p + rb"v>)?\s*</" + p + b"c>"
    )


_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_CELL_TYPE = re.compile(rb'\bt="(\w+)"')
_ERROR_TYPE = re.compile(rb'\bt="e"')
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</")


def _chunks(archive: zipfile.ZipFile, member: str, size: int = 8 * 1024**2) -> Iterator[bytes]:
    """Yield the member's XML in pieces that each end just after a `</c>` tag."""
    with archive.open(member) as handle:
        carry = b""
        while True:
            block = handle.read(size)
            if not block:
                if carry:
                    yield carry
                return
            buffer = carry + block
            cut = buffer.rfind(b"</c>")
            if cut < 0:
                carry = buffer
                continue
            cut += 4
            yield buffer[:cut]
            carry = buffer[cut:]


def _cell_position(attrs: bytes) -> tuple[int, int] | None:
    """(row 1-based, column 0-based) from a cell tag's `r="B12"` attribute."""
    ref = _CELL_REF.search(attrs)
    if ref is None:
        return None
    column = 0
    for letter in ref.group(1).decode():
        column = column * 26 + ord(letter) - 64
    return int(ref.group(2)), column - 1


def _hidden_cells(archive: zipfile.ZipFile, member: str) -> list[tuple[int, int, str]] | None:
    """Cells calamine reads as blank although they are not: (row, column, reason).

    Two kinds, both found by a streaming scan of the sheet XML: formulas with
    no cached value (files written by scripts and never opened in Excel), and
    error values such as #N/A. Chunks are only searched with a regex when a
    fast substring test finds a candidate, so the scan costs little more than
    decompressing the sheet. Returns None if a problem cell has no `r`
    reference (then its position is unknown).
    """
    found: list[tuple[int, int, str]] = []
    pattern, needle, prefix = None, b"", b""
    for chunk in _chunks(archive, member):
        if pattern is None:
            root = _ROOT_PREFIX.search(chunk, 0, 65536)
            prefix = (root.group(1) or b"") if root else b""
            pattern, needle = _formula_pattern(prefix), b"<" + prefix + b"f"
        if needle in chunk:
            for match in pattern.finditer(chunk):
                # The cell's opening tag is the last "<" before the formula.
                attrs = chunk[chunk.rfind(b"<", 0, match.start()) : match.start()]
                kind = _CELL_TYPE.search(attrs)
                if match.group(1) and kind and kind.group(1) in (b"str", b"s", b"inlineStr"):
                    continue  # a formula whose cached result is the empty string
                position = _cell_position(attrs)
                if position is None:
                    return None
                found.append((*position, FORMULA_PROBLEM))
        if b't="e"' in chunk:
            for match in _ERROR_TYPE.finditer(chunk):
                start = chunk.rfind(b"<", 0, match.start())
                end = chunk.find(b">", match.end())
                attrs = chunk[start:end]
                if not attrs.startswith(b"<" + prefix + b"c") or attrs.endswith(b"/"):
                    continue
                close = chunk.find(b"</" + prefix + b"c>", end)
                value = _VALUE.search(chunk, end, close)
                if value is None or not value.group(1).strip():
                    continue  # no cached value: reported as a formula problem
                position = _cell_position(attrs)
                if position is None:
                    return None
                error = value.group(1).decode("utf-8", "replace")
                found.append((*position, f"{ERROR_PROBLEM} {error}; fix it in Excel"))
    return sorted(found)


def _read_xlsx(
    file: Path | io.BytesIO, source: str, options: ReadOptions, wanted: _Wanted
) -> Table:
    import python_calamine as calamine

    archive = _open_checked_zip(file, source)
    try:
        if isinstance(file, io.BytesIO):
            file.seek(0)
            workbook = calamine.CalamineWorkbook.from_filelike(file)
        else:
            workbook = calamine.CalamineWorkbook.from_path(str(file))
        with workbook:
            sheet_name, notes = _choose_sheet(workbook.sheets_metadata, options.sheet, source)
            sheet_names = [m.name for m in workbook.sheets_metadata]
            rows = workbook.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
        member = _sheet_xml_path(archive, sheet_name)
        problems = _hidden_cells(archive, member) if member else []
    except calamine.CalamineError as exc:
        raise InputError(f"{source}: cannot read workbook ({exc})") from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputError(f"{source}: cannot read workbook ({exc})") from None
    finally:
        archive.close()
    if problems is None:
        notes.append(
            f"{source}: sheet '{sheet_name}' has formulas without cached values or error values "
            f"whose cells could not be located; open and save the file in Excel"
        )
        problems = []

    decimal = options.decimal or "."
    # Calamine's range can stop before trailing cells that hold no value, so
    # make room for every problem cell.
    height = max([len(rows), *(row for row, _, _ in problems)])
    width = max([0, *(len(r) for r in rows), *(column + 1 for _, column, _ in problems)])
    if height == 0 or width == 0:
        raise InputError(_empty_sheet(source, sheet_name, sheet_names))
    grid = np.array(rows, dtype=object) if height == len(rows) else None
    if grid is None or grid.shape != (height, width):  # ragged rows: pad through pandas
        frame = pd.DataFrame(rows, columns=range(width), dtype=object)
        grid = frame.reindex(range(height)).fillna("").to_numpy(dtype=object)
    text = pd.DataFrame(
        {c: _text_column(_cells_to_text(grid[:, c], decimal)) for c in range(width)}
    )
    del grid, rows
    problem_mask = np.zeros(text.shape, dtype=bool)
    reason_of: dict[tuple[int, int], str] = {}
    for row, column, reason in problems:
        problem_mask[row - 1, column] = True
        reason_of[(row - 1, column)] = reason
    nonblank = (problem_mask.any(axis=1)) | np.logical_or.reduce(
        [(text[c].str.strip() != "").to_numpy() for c in text.columns]
    )
    if not nonblank.any():
        raise InputError(_empty_sheet(source, sheet_name, sheet_names))
    header_at = int(np.argmax(nonblank))
    header = text.iloc[header_at].tolist()
    body = text.iloc[header_at + 1 :].reset_index(drop=True)
    body_problems = problem_mask[header_at + 1 :]
    first_row = np.arange(header_at + 2, header_at + 2 + len(body), dtype=np.int64)
    table, kept = _finish(
        body, header, first_row, source, decimal, notes, wanted, keep=body_problems.any(axis=1)
    )
    if body_problems.any():
        # Row numbers are ascending, so a problem cell's frame position is a binary search.
        for row_idx, column in zip(*np.nonzero(body_problems), strict=True):
            name = kept.get(int(column))
            if name is not None:
                excel_row = header_at + 2 + int(row_idx)
                reason = reason_of[(excel_row - 1, int(column))]
                position = int(np.searchsorted(table.row_numbers, excel_row))
                table.cell_problems.append((position, name, reason))
    if problem_mask[header_at].any():
        notes.append(f"{source}: header row has formulas without cached values or error values")
    return table


# --------------------------------------------------------------------------- Parquet


def _arrow_to_pandas_type(arrow_type: object) -> object:
    """Nullable pandas dtypes so missing values do not turn ints into floats."""
    import pyarrow as pa

    if pa.types.is_uint64(arrow_type):
        return pd.UInt64Dtype()
    if pa.types.is_integer(arrow_type):
        return pd.Int64Dtype()
    if pa.types.is_boolean(arrow_type):
        return pd.BooleanDtype()
    if pa.types.is_floating(arrow_type):
        return pd.Float64Dtype()
    return None


def _read_parquet(
    files: list, labels: list[str], source: str, options: ReadOptions, wanted: _Wanted
) -> Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    notes: list[str] = []

    def fail(label: str, exc: Exception) -> InputError:
        where = source if label == source else f"{source} ({label})"
        return InputError(f"{where}: not a readable Parquet file ({exc})")

    schemas = []
    for file, label in zip(files, labels, strict=True):
        try:
            schemas.append(pq.read_schema(file))
        except (pa.ArrowException, OSError) as exc:
            if isinstance(exc, PermissionError):
                raise InputError(f"{label}: permission denied") from None
            raise fail(label, exc) from None
        if isinstance(file, io.BytesIO):
            file.seek(0)

    order: list[str] = []
    types: dict[str, list] = {}
    for schema in schemas:
        for field in schema:
            if field.name.startswith("__index_level_"):
                continue
            if field.name not in types:
                order.append(field.name)
                types[field.name] = []
            types[field.name].append(field.type)
    clean = {n: n.replace("\ufeff", "").strip() for n in order}
    seen: dict[str, int] = {}
    for position, name in enumerate(order):
        key = clean[name].casefold()
        if key in seen:
            raise InputError(
                f"{source}: duplicate header '{clean[name]}' "
                f"(columns {seen[key] + 1} and {position + 1})"
            )
        seen[key] = position
    names = [n for n in order if wanted(clean[n])]

    target: dict[str, object] = {}
    for name in names:
        distinct = list(dict.fromkeys(types[name]))
        if len(distinct) == 1:
            target[name] = distinct[0]
            continue
        plain = [t.value_type if pa.types.is_dictionary(t) else t for t in distinct]
        try:
            unified = pa.unify_schemas(
                [pa.schema([(name, t)]) for t in plain], promote_options="permissive"
            )
            target[name] = unified.field(name).type
        except (pa.ArrowTypeError, pa.ArrowInvalid, pa.ArrowNotImplementedError):
            target[name] = pa.string()
            notes.append(
                f"{source}: column '{name}' has different types across files "
                f"({', '.join(str(t) for t in distinct)}); read as text"
            )
    for name in names:
        missing = len(files) - len(types[name])
        if missing:
            notes.append(
                f"{source}: column '{name}' missing in {missing} of {len(files)} files; "
                "treated as blank"
            )

    as_dictionary = {
        n
        for n in names
        if wanted._normalise(clean[n]) in wanted.dictionary
        and (pa.types.is_string(target[n]) or pa.types.is_large_string(target[n]))
    }
    for name in as_dictionary:
        target[name] = pa.dictionary(pa.int32(), target[name])
    pieces = []
    for file, label, schema in zip(files, labels, schemas, strict=True):
        present = [n for n in names if n in schema.names]
        try:
            part = pq.read_table(
                file,
                columns=present,
                use_pandas_metadata=False,
                read_dictionary=[n for n in present if n in as_dictionary] or None,
            )
        except (pa.ArrowException, OSError) as exc:
            raise fail(label, exc) from None
        arrays = []
        for name in names:
            wanted_type = target[name]
            if name in present:
                column = part.column(name)
                if column.type != wanted_type:
                    try:
                        column = column.cast(wanted_type)
                    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                        raise InputError(
                            f"{source}: column '{name}' in {label} cannot be converted "
                            f"to {wanted_type} ({exc})"
                        ) from None
                arrays.append(column)
            else:
                arrays.append(_nulls(part.num_rows, wanted_type))
        pieces.append(
            pa.table(arrays, schema=pa.schema([(n, target[n]) for n in names]))
            if names
            else pa.table({"__rows__": pa.nulls(part.num_rows)})
        )
    table = pa.concat_tables(pieces) if pieces else pa.table({})
    if not names:
        frame = pd.DataFrame(index=pd.RangeIndex(table.num_rows))
    else:
        frame = table.to_pandas(types_mapper=_arrow_to_pandas_type, date_as_object=False)
    frame = frame.reset_index(drop=True)
    frame.columns = [clean[n] for n in names]
    row_numbers = np.arange(1, len(frame) + 1, dtype=np.int64)
    return Table(frame, source, row_numbers, options.decimal or ".", notes)


def _nulls(length: int, arrow_type: object) -> object:
    import pyarrow as pa

    if pa.types.is_dictionary(arrow_type):
        return pa.DictionaryArray.from_arrays(
            pa.nulls(length, arrow_type.index_type), pa.array([], arrow_type.value_type)
        )
    return pa.nulls(length, arrow_type)
