"""Read a CSV export: decoding, delimiter sniffing, ragged rows, parser errors.

CSV is the format people edit by hand, so most of what goes wrong with an
input goes wrong here: unknown encodings, a semicolon delimiter with decimal
commas, quoted line breaks that make pandas' record numbers differ from the
file's line numbers, rows wider than the header. Every cell stays text.

Two parsers read the same grammar (`"` quotes, `""` inside quotes, no
escapes, blank lines kept as rows): pyarrow.csv, multi-threaded and straight
into Arrow strings, reads every file whose records all have the header's
width; anything it refuses (short or long rows, an unterminated quote, a
record too long for one block) is read again by pandas' C parser, which
fills short rows, and then by the ragged-row path, exactly as before. On the
files both accept, both give the same cells (tests/unit/read/test_csv_arrow.py).
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from caseload_cli.core.errors import InputError, UsageError
from caseload_cli.core.model import ReadOptions, Table
from caseload_cli.read.frame import Wanted, finish

RAGGED_PROBLEM = (
    "row has {fields} fields but the header has {width}; check the delimiter and quoting"
)
#: The column of a problem that rejects the whole row rather than one cell.
WHOLE_ROW = "(row)"

_DELIMITERS = (",", ";", "\t", "|")
_SNIFF_BYTES = 64 * 1024
_SNIFF_LINES = 50
_NEWLINE = re.compile(r"\r\n|\r|\n")
_LEADING_BLANK_LINES = re.compile(r"(?:[ \t\f\v]*(?:\r\n|\r|\n))*")


def read_csv(data: bytes, source: str, options: ReadOptions, wanted: Wanted) -> Table:
    """Read CSV bytes into a `Table` of text cells, with file line numbers for every row."""
    notes: list[str] = []
    text, utf8_from = _decode(data, source, options.encoding, notes)
    leading = _LEADING_BLANK_LINES.match(text)
    skipped = len(_NEWLINE.findall(leading.group())) if leading else 0
    start = leading.end() if leading else 0
    if _blank(text, start):
        raise InputError(f"{source}: file is empty (no header row)")

    if options.delimiter:
        delimiter = _delimiter_option(options.delimiter)
    else:
        delimiter = _sniff_delimiter(text[start : start + _SNIFF_BYTES + 1])
    decimal = options.decimal or ("," if delimiter == ";" else ".")
    # The leading blank lines are ASCII, so in UTF-8 input they are as many bytes.
    if utf8_from is not None:
        encoded, offset = data, utf8_from + start
    else:
        encoded, offset = text[start:].encode("utf-8"), 0
    fast = _read_with_arrow(encoded, offset, delimiter)
    del encoded
    if fast is not None:
        del text
        header, raw, before, header_extra = fast
        first_row = skipped + header_extra + 2 + np.arange(len(raw), dtype=np.int64) + before
        table, _ = finish(raw, header, first_row, source, decimal, notes, wanted)
        return table
    text = text[start:] if start else text
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
    table, _ = finish(body, header, first_row, source, decimal, notes, wanted)
    return table


def _read_with_arrow(
    data: bytes, offset: int, delimiter: str
) -> tuple[list[str], pd.DataFrame, np.ndarray, int] | None:
    """The fast path: pyarrow.csv reads the UTF-8 bytes `data[offset:]` into Arrow strings.

    Returns the header, the data rows as "str" columns named by position, the
    line breaks inside quoted fields before each record (record i starts on
    line `header_extra + 2 + i + before[i]`) and those inside the header; or
    None when pyarrow refuses the file (a record whose width differs from the
    header's, an unterminated quote), which then goes to the pandas path that
    knows how to report or repair it.
    """
    view = memoryview(data)[offset:]
    first_line = re.split(rb"\r|\n", bytes(view[:_SNIFF_BYTES]), maxsplit=1)[0]
    width = 1 + first_line.count(delimiter.encode())
    try:
        table = _arrow_csv(view, delimiter, width)
        if table.num_columns > width:  # quoted line breaks in the header: read again
            table = _arrow_csv(view, delimiter, table.num_columns)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows == 0 or _open_quote_at_end(data, offset, table):
        return None
    header = [str(column[0].as_py()) for column in table.columns]
    body = table.slice(1)
    del table
    raw = pd.DataFrame(
        {i: pd.Series(column, dtype="str") for i, column in enumerate(body.columns)},
        index=pd.RangeIndex(body.num_rows),
    )
    header_extra = 0
    before = np.zeros(body.num_rows, dtype=np.int64)
    ends_with_break = int(len(data) > offset and data[-1:] in (b"\n", b"\r"))
    breaks = data.count(b"\n", offset)
    returns = data.count(b"\r", offset)
    if returns:
        breaks += returns - data.count(b"\r\n", offset)
    if breaks != body.num_rows + ends_with_break:
        # Some quoted field holds a line break: count them per record.
        header_extra = sum(len(_NEWLINE.findall(h)) for h in header)
        extra = np.zeros(body.num_rows, dtype=np.int64)
        for column in body.columns:
            extra += pc.count_substring_regex(column, r"\r\n|\r|\n").to_numpy().astype(np.int64)
        before = np.concatenate(([0], np.cumsum(extra)[:-1])) if len(extra) else extra
    return header, raw, before, header_extra


def _open_quote_at_end(data: bytes, offset: int, table: pa.Table) -> bool:
    """Whether the file may end inside a quoted field, which pyarrow reads as closed and
    pandas refuses ("EOF inside string"). Such a field runs from its opening quote to
    the end with every quote in it doubled, so the file ends with exactly that text;
    a closed one never does (a last field of nothing but quotes can look alike and
    only costs the slow path)."""
    last = table.column(table.num_columns - 1)[table.num_rows - 1].as_py()
    tail = b'"' + last.replace('"', '""').encode("utf-8")
    return len(data) - offset >= len(tail) and data.endswith(tail)


def _arrow_csv(data: memoryview, delimiter: str, width: int) -> pa.Table:
    """Every column as text (autogenerated names f0, f1, ...; names beyond the width are
    ignored); blank cells are "", never null."""
    return pa_csv.read_csv(
        pa.BufferReader(data),
        read_options=pa_csv.ReadOptions(autogenerate_column_names=True),
        parse_options=pa_csv.ParseOptions(
            delimiter=delimiter,
            quote_char='"',
            double_quote=True,
            escape_char=False,
            newlines_in_values=True,
            ignore_empty_lines=False,
        ),
        convert_options=pa_csv.ConvertOptions(
            column_types={f"f{i}": pa.large_string() for i in range(width)},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _blank(text: str, start: int) -> bool:
    """Whether `text[start:]` is only whitespace, without copying a long text."""
    if text[start : start + 4096].strip():
        return False
    return not text[start:].strip()


def _decode(
    data: bytes, source: str, encoding: str | None, notes: list[str]
) -> tuple[str, int | None]:
    """Decode with the user's encoding, else UTF-8 (with or without BOM), else cp1252.

    Also returns the offset from which `data` is the UTF-8 text itself (after
    a UTF-8 byte-order mark: 3), or None when the text had to be converted."""
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
        return text.removeprefix("\ufeff"), None
    for bom, name in _UNICODE_BOMS:
        if data.startswith(bom):
            return _decode_unicode(data, source, name), None
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data.decode("utf-8-sig"), 3
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{source}: starts with a UTF-8 byte-order mark but is not valid UTF-8 "
                f"(offset {exc.start}); give --encoding"
            ) from None
    wide = _utf16_without_bom(data[:4096])
    if wide:
        notes.append(f"{source}: no byte-order mark but the text is {wide}; read as {wide}")
        return _decode_unicode(data, source, wide), None
    try:
        return data.decode("utf-8"), 0
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
    return text, None


#: Byte-order marks of the wide Unicode encodings, longest first (a UTF-32 LE mark
#: starts with the UTF-16 LE one). Excel's "Unicode Text" is UTF-16 LE with a mark.
_UNICODE_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32-LE"),
    (b"\x00\x00\xfe\xff", "UTF-32-BE"),
    (b"\xff\xfe", "UTF-16-LE"),
    (b"\xfe\xff", "UTF-16-BE"),
)


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16-LE or UTF-16-BE for text whose every other byte is zero (ASCII text saved
    as UTF-16 without a mark), else None; such bytes are never meant as UTF-8 or cp1252."""
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    odd_zero = sample[1 : 2 * pairs : 2].count(0)
    even_zero = sample[0 : 2 * pairs : 2].count(0)
    if odd_zero >= 0.9 * pairs and even_zero == 0:
        return "UTF-16-LE"
    if even_zero >= 0.9 * pairs and odd_zero == 0:
        return "UTF-16-BE"
    return None


def _decode_unicode(data: bytes, source: str, name: str) -> str:
    """A file that starts with a UTF-16 or UTF-32 byte-order mark, decoded as that."""
    try:
        text = data.decode(name)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source}: looks like {name} but is not valid {name} "
            f"(offset {exc.start}); give --encoding"
        ) from None
    return text.removeprefix("\ufeff")


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


def _read_ragged_csv(
    text: str,
    source: str,
    delimiter: str,
    decimal: str,
    skipped: int,
    notes: list[str],
    wanted: Wanted,
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
    table, _ = finish(
        raw, header, np.array(lines[1:], dtype=np.int64), source, decimal, notes, wanted, ragged
    )
    bad_lines = np.array(lines[1:], dtype=np.int64)[ragged]
    positions = np.searchsorted(table.row_numbers, bad_lines)
    for position, count in zip(positions.tolist(), fields[ragged].tolist(), strict=True):
        reason = RAGGED_PROBLEM.format(fields=count, width=width)
        table.cell_problems.append((position, WHOLE_ROW, reason))
    return table
