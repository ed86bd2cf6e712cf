"""Read an xlsx workbook: zip-bomb checks, sheet choice, hidden cells, cells to text.

Calamine reads the cells fast but reads a formula without a cached value, or
an error value such as #N/A, as a blank; those would silently weigh as empty,
so a streaming scan of the sheet XML finds them and the rows get problems.
Typed cells become the text a CSV export of the same sheet would hold, so the
contract sees one kind of input whatever the format.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from caseload_cli.core.errors import InputError
from caseload_cli.core.model import ReadOptions, Table
from caseload_cli.read.frame import Wanted, finish
from caseload_cli.read.text import format_floats, has_text

FORMULA_PROBLEM = "formula without a cached value; open and save the file in Excel"
ERROR_PROBLEM = "spreadsheet error value"  # followed by the value, e.g. "#N/A"

# Zip-bomb limits for xlsx, checked on the archive directory before any parsing.
MAX_ZIP_MEMBERS = 10_000
MAX_UNCOMPRESSED = 2 * 1024**3
MAX_RATIO = 200
RATIO_MIN_SIZE = 10 * 1024**2


def read_xlsx(file: Path | io.BytesIO, source: str, options: ReadOptions, wanted: Wanted) -> Table:
    """Read one sheet into a `Table` of text cells; hidden formula/error cells become
    `cell_problems`, and the sheet's own row numbers are kept."""
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
        percent_styles = _percent_styles(archive) if member else frozenset()
        percents = _percent_cells(archive, member, percent_styles) if percent_styles else []
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
    if percents:
        _percent_text(grid, percents, decimal)
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
        [has_text(text[c]) for c in text.columns]
    )
    if not nonblank.any():
        raise InputError(_empty_sheet(source, sheet_name, sheet_names))
    header_at = int(np.argmax(nonblank))
    header = text.iloc[header_at].tolist()
    body = text.iloc[header_at + 1 :].reset_index(drop=True)
    body_problems = problem_mask[header_at + 1 :]
    first_row = np.arange(header_at + 2, header_at + 2 + len(body), dtype=np.int64)
    table, kept = finish(
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

#: Built-in number formats that show a percent: 0% and 0.00%.
_BUILTIN_PERCENT_FORMATS = (9, 10)


def _percent_styles(archive: zipfile.ZipFile) -> frozenset[int]:
    """Indexes of the cell styles (`s="N"`) whose number format shows a percent.

    A cell that shows 10% holds 0.1; a CSV export of the sheet holds "10%", and so
    must the text read here (the contract reads "10%" in a percent column as 10).
    """
    from defusedxml import ElementTree as SafeET

    try:
        styles = SafeET.fromstring(archive.read("xl/styles.xml"))
    except (KeyError, SafeET.ParseError, ValueError, zipfile.BadZipFile):
        return frozenset()
    percent_ids = set(_BUILTIN_PERCENT_FORMATS)
    for element in styles.iter():
        if element.tag.rsplit("}", 1)[-1] == "numFmt":
            code = re.sub(r'"[^"]*"|\\.', "", element.get("formatCode", ""))
            if "%" in code and (element.get("numFmtId") or "").isdigit():
                percent_ids.add(int(element.get("numFmtId")))
    for element in styles.iter():
        if element.tag.rsplit("}", 1)[-1] == "cellXfs":
            formats = [
                int(xf.get("numFmtId", "0")) if xf.get("numFmtId", "0").isdigit() else 0
                for xf in element
                if xf.tag.rsplit("}", 1)[-1] == "xf"
            ]
            return frozenset(i for i, number in enumerate(formats) if number in percent_ids)
    return frozenset()


def _percent_cells(
    archive: zipfile.ZipFile, member: str, styles: frozenset[int]
) -> list[tuple[int, int]]:
    """(row 1-based, column 0-based) of the number cells with a percent style: a
    streaming scan of the sheet XML whose regex matches only those cells' tags."""
    found: list[tuple[int, int]] = []
    pattern = None
    wanted = b"|".join(str(i).encode() for i in sorted(styles))
    needles = [b's="' + str(i).encode() + b'"' for i in sorted(styles)]
    columns: dict[bytes, int] = {}
    for chunk in _chunks(archive, member):
        if pattern is None:
            root = _ROOT_PREFIX.search(chunk, 0, 65536)
            prefix = re.escape((root.group(1) or b"") if root else b"")
            pattern = re.compile(
                b"<" + prefix + rb"c(?=\s)"
                rb'(?=[^>]*\bs="(?:' + wanted + rb')")'  # a percent style
                rb'(?![^>]*\bt="(?!n")[^"]*")'  # a number (no type, or t="n")
                rb'[^>]*?\br="([A-Z]{1,3})([0-9]+)"[^>]*(?<!/)>'  # with a value
            )
        if not any(needle in chunk for needle in needles):
            continue  # no cell of this part of the sheet has a percent style
        for letters, row in pattern.findall(chunk):
            column = columns.get(letters)
            if column is None:
                column = columns[letters] = _cell_position(b'r="' + letters + b'1"')[1]
            found.append((int(row), column))
    return found


def _percent_text(grid: np.ndarray, cells: list[tuple[int, int]], decimal: str) -> None:
    """Percent-styled numbers as the text Excel shows: 0.1 -> "10%"."""
    height, width = grid.shape
    rows, columns = (np.array(axis, dtype=np.int64) for axis in zip(*cells, strict=True))
    rows -= 1
    inside = (rows < height) & (columns < width)
    rows, columns = rows[inside], columns[inside]
    values = grid[rows, columns]
    types = _TYPE_OF(values)
    numbers = _of_type(types, float) | _of_type(types, int)
    if not numbers.any():
        return
    rows, columns = rows[numbers], columns[numbers]
    scaled = np.round(values[numbers].astype(float) * 100, 10)
    shown = np.char.add(format_floats(scaled, decimal).astype(str), "%")
    grid[rows, columns] = shown.astype(object)


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
