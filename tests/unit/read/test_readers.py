"""Tests for caseload_cli.read.table.read_table (CSV, xlsx, Parquet, stdin)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caseload_cli.core.errors import InputError
from caseload_cli.core.model import ReadOptions
from caseload_cli.read import xlsx
from caseload_cli.read.table import read_table
from caseload_cli.read.xlsx import ERROR_PROBLEM, FORMULA_PROBLEM

HEADERS = ["id", "name", "note"]


def write(path: Path, data: str | bytes) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return str(path)


def workbook(path: Path, sheets: dict[str, list[list[object]]], hidden: tuple = ()) -> str:
    """Write an xlsx with openpyxl: rows are placed from A1 (None = empty cell)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        if name in hidden:
            sheet.sheet_state = "hidden"
    book.save(path)
    return str(path)


# --------------------------------------------------------------------------- CSV


def test_csv_keeps_ids_and_na_values_as_text(tmp_path: Path) -> None:
    path = write(tmp_path / "cases.csv", "case_id,worker_id,law\n0007,NA,N/A\n0008,null,\n")
    table = read_table(path)
    assert table.frame.to_dict("list") == {
        "case_id": ["0007", "0008"],
        "worker_id": ["NA", "null"],
        "law": ["N/A", ""],
    }
    assert table.source == path
    assert table.row_numbers.tolist() == [2, 3]
    assert table.decimal == "."
    assert table.cell_problems == []


def test_csv_utf8_bom_is_stripped_from_header(tmp_path: Path) -> None:
    path = write(tmp_path / "bom.csv", b"\xef\xbb\xbfid,x\n01,1\n")
    table = read_table(path)
    assert list(table.frame.columns) == ["id", "x"]
    assert table.notes == []


def test_csv_cp1252_fallback_adds_note(tmp_path: Path) -> None:
    path = write(tmp_path / "staff.csv", "name,team\nZoë,A\n".encode("cp1252"))
    table = read_table(path)
    assert table.frame["name"].tolist() == ["Zoë"]
    assert any("read as cp1252" in note for note in table.notes)


def test_csv_explicit_encoding_error_names_encoding(tmp_path: Path) -> None:
    path = write(tmp_path / "staff.csv", "name\nZoë\n".encode("cp1252"))
    with pytest.raises(InputError, match=r"staff\.csv: cannot be read as utf-8"):
        read_table(path, ReadOptions(encoding="utf-8"))
    assert read_table(path, ReadOptions(encoding="latin-1")).frame["name"].tolist() == ["Zoë"]


def test_csv_semicolon_means_decimal_comma(tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", 'worker_id;hours\nW1;1,5\nW2;"2;5"\n')
    table = read_table(path)
    assert table.decimal == ","
    assert table.frame.to_dict("list") == {"worker_id": ["W1", "W2"], "hours": ["1,5", "2;5"]}
    assert read_table(path, ReadOptions(decimal=".")).decimal == "."


@pytest.mark.parametrize(("delimiter", "option"), [("\t", "tab"), ("|", "|"), (";", ";")])
def test_csv_delimiters_sniffed_and_explicit(tmp_path: Path, delimiter: str, option: str) -> None:
    content = delimiter.join(["a", "b", "c"]) + "\n" + delimiter.join(["1", "x,y", "3"]) + "\n"
    path = write(tmp_path / "d.txt", content)
    for options in (ReadOptions(), ReadOptions(delimiter=option)):
        table = read_table(path, options)
        assert table.frame.to_dict("list") == {"a": ["1"], "b": ["x,y"], "c": ["3"]}


def test_csv_blank_lines_keep_row_numbers(tmp_path: Path) -> None:
    content = '\n\nid,x\n1,a\n\n   \n,\n2,"multi\nline"\n3,c\n'
    table = read_table(write(tmp_path / "c.csv", content))
    assert table.frame["id"].tolist() == ["1", "2", "3"]
    # header is physical line 3; blank and "," lines are dropped but still counted
    assert table.row_numbers.tolist() == [4, 8, 10]
    assert table.frame.index.equals(pd.RangeIndex(3))


def test_csv_header_whitespace_stripped_and_blank_trailing_column_dropped(
    tmp_path: Path,
) -> None:
    table = read_table(write(tmp_path / "c.csv", " id , Worker ID ,\n1,W1,\n"))
    assert list(table.frame.columns) == ["id", "Worker ID"]


def test_csv_duplicate_header(tmp_path: Path) -> None:
    path = write(tmp_path / "cases.csv", "case_id,worker_id,a,b, Worker_ID\n1,2,3,4,5\n")
    with pytest.raises(InputError) as err:
        read_table(path)
    assert str(err.value) == f"{path}: duplicate header 'Worker_ID' (columns 2 and 5)"


def test_csv_too_many_fields_rejects_that_row_only(tmp_path: Path) -> None:
    path = write(tmp_path / "c.csv", 'a,b\n1,2\n"x\ny",3\n\n4,5,6\n7,8\n')
    table = read_table(path)
    assert table.frame["a"].tolist() == ["1", "x\ny", "4", "7"]
    assert table.row_numbers.tolist() == [2, 3, 6, 7]
    assert table.cell_problems == [
        (2, "(row)", "row has 3 fields but the header has 2; check the delimiter and quoting")
    ]


def test_csv_short_rows_are_padded(tmp_path: Path) -> None:
    table = read_table(write(tmp_path / "c.csv", "a,b,c\n1\n"))
    assert table.frame.iloc[0].tolist() == ["1", "", ""]


@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_csv_empty_file(tmp_path: Path, content: str) -> None:
    with pytest.raises(InputError, match="empty"):
        read_table(write(tmp_path / "e.csv", content))


def test_csv_columns_subset(tmp_path: Path) -> None:
    path = write(tmp_path / "c.csv", "Case ID,Worker ID,other\n1,2,3\n")
    table = read_table(path, columns=["case_id", "Worker ID", "missing"])
    assert list(table.frame.columns) == ["Case ID", "Worker ID"]


def test_stdin_csv_and_sniffed_formats(tmp_path: Path) -> None:
    table = read_table("-", stdin=io.BytesIO(b"id;x\n01;2,5\n"))
    assert table.source == "<stdin>"
    assert table.frame.to_dict("list") == {"id": ["01"], "x": ["2,5"]}
    assert table.decimal == ","

    book = Path(workbook(tmp_path / "b.xlsx", {"S": [["id"], ["007"]]}))
    assert read_table("-", stdin=io.BytesIO(book.read_bytes())).frame["id"].tolist() == ["007"]

    pq.write_table(pa.table({"id": ["a"]}), tmp_path / "p.parquet")
    data = (tmp_path / "p.parquet").read_bytes()
    assert read_table("-", stdin=io.BytesIO(data)).frame["id"].tolist() == ["a"]


def test_unknown_extension_is_sniffed(tmp_path: Path) -> None:
    pq.write_table(pa.table({"id": [1]}), tmp_path / "export.dat")
    assert read_table(str(tmp_path / "export.dat")).frame["id"].tolist() == [1]


def test_missing_file_and_empty_directory(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.csv")
    with pytest.raises(InputError, match=re.escape(f"{missing}: file not found")):
        read_table(missing)
    with pytest.raises(InputError, match=r"no \*\.parquet files"):
        read_table(str(tmp_path))


def test_xls_is_refused_clearly_unless_it_is_really_csv(tmp_path: Path) -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100
    with pytest.raises(InputError, match=r"old \.xls .*not supported"):
        read_table(write(tmp_path / "old.xls", ole))
    assert read_table(write(tmp_path / "csv.xls", "id\n1\n")).frame["id"].tolist() == ["1"]


# --------------------------------------------------------------------------- xlsx


def test_xlsx_hidden_first_sheet_and_sheet_selection(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "book.xlsx",
        {"Secret": [["x"], ["hidden"]], "Cases": [["id"], ["c1"]], "Staff": [["id"], ["s1"]]},
        hidden=("Secret",),
    )
    assert read_table(path).frame["id"].tolist() == ["c1"]
    assert read_table(path, ReadOptions(sheet="Staff")).frame["id"].tolist() == ["s1"]
    assert read_table(path, ReadOptions(sheet="staff")).frame["id"].tolist() == ["s1"]
    assert read_table(path, ReadOptions(sheet="1")).frame["x"].tolist() == ["hidden"]
    assert read_table(path, ReadOptions(sheet="3")).frame["id"].tolist() == ["s1"]
    with pytest.raises(InputError) as err:
        read_table(path, ReadOptions(sheet="Reductions"))
    message = str(err.value)
    assert message.startswith(f"{path}: no sheet 'Reductions'")
    assert "'Secret' (hidden)" in message and "'Cases'" in message and "'Staff'" in message


def test_xlsx_cells_become_csv_like_text_with_real_row_numbers(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        [None],
        [],
        ["id", "opened", "children", "weight", "flag", "serial", "when"],
        ["007", dt.date(2024, 3, 1), 12, 0.5, True, 45123, dt.datetime(2024, 3, 1, 13, 5)],
        [],
        ["008", dt.datetime(2024, 3, 2), 3.0, 1e-7, False, None, None],
    ]
    table = read_table(workbook(tmp_path / "cases.xlsx", {"Cases": rows}))
    assert table.frame.to_dict("list") == {
        "id": ["007", "008"],
        "opened": ["2024-03-01", "2024-03-02"],
        "children": ["12", "3"],
        "weight": ["0.5", "0.0000001"],
        "flag": ["true", "false"],
        "serial": ["45123", ""],
        "when": ["2024-03-01 13:05:00", ""],
    }
    assert table.row_numbers.tolist() == [4, 6]
    assert table.decimal == "."
    assert all(dtype == "str" for dtype in table.frame.dtypes)


def test_xlsx_decimal_comma_option_formats_numbers(tmp_path: Path) -> None:
    path = workbook(tmp_path / "r.xlsx", {"R": [["hours"], [1.5], [2]]})
    table = read_table(path, ReadOptions(decimal=","))
    assert table.frame["hours"].tolist() == ["1,5", "2"]
    assert table.decimal == ","


def test_xlsx_formulas_without_cached_values_are_reported(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["id", "hours", "double"],
        ["a", 2, "=B2*2"],
        [None, None, "=B2*3"],  # a row holding only a formula must not be dropped
        ["c", 4, 8],
    ]
    table = read_table(workbook(tmp_path / "f.xlsx", {"S": rows}))
    assert table.frame["double"].tolist() == ["", "", "8"]
    assert table.row_numbers.tolist() == [2, 3, 4]
    assert table.cell_problems == [(0, "double", FORMULA_PROBLEM), (1, "double", FORMULA_PROBLEM)]


def test_xlsx_trailing_formula_only_row_and_error_values(tmp_path: Path) -> None:
    rows: list[list[object]] = [["id", "score"], ["a", "#N/A"], ["b", 1], [None, "=B3*2"]]
    table = read_table(workbook(tmp_path / "e.xlsx", {"S": rows}))
    assert table.frame["id"].tolist() == ["a", "b", ""]
    assert table.row_numbers.tolist() == [2, 3, 4]
    assert table.cell_problems == [
        (0, "score", f"{ERROR_PROBLEM} #N/A; fix it in Excel"),
        (2, "score", FORMULA_PROBLEM),
    ]


def test_hidden_cells_scan_handles_namespace_prefixes(tmp_path: Path) -> None:
    sheet = (
        b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<x:sheetData><x:row r="1"><x:c r="A1"><x:f>1+1</x:f></x:c>'
        b'<x:c r="B1"><x:f>2+2</x:f><x:v>4</x:v></x:c>'
        b'<x:c r="AA7" t="str"><x:f>""</x:f><x:v></x:v></x:c>'
        b'<x:c r="C2" t="e"><x:v>#REF!</x:v></x:c></x:row></x:sheetData></x:worksheet>'
    )
    path = tmp_path / "p.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("s.xml", sheet)
    with zipfile.ZipFile(path) as archive:
        found = xlsx._hidden_cells(archive, "s.xml")
    assert found == [(1, 0, FORMULA_PROBLEM), (2, 2, f"{ERROR_PROBLEM} #REF!; fix it in Excel")]


def test_xlsx_named_csv_is_read_as_xlsx(tmp_path: Path) -> None:
    book = Path(workbook(tmp_path / "b.xlsx", {"S": [["id"], ["007"]]}))
    path = write(tmp_path / "export.csv", book.read_bytes())
    table = read_table(path)
    assert table.frame["id"].tolist() == ["007"]
    assert any("read as xlsx" in note for note in table.notes)


def test_xlsx_duplicate_headers(tmp_path: Path) -> None:
    path = workbook(tmp_path / "d.xlsx", {"S": [["worker_id", "x", "Worker_ID"], [1, 2, 3]]})
    with pytest.raises(InputError, match=r"duplicate header 'Worker_ID' \(columns 1 and 3\)"):
        read_table(path)


def test_xlsx_empty_sheet(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty"):
        read_table(workbook(tmp_path / "e.xlsx", {"Empty": []}))


def test_not_a_zip_is_not_an_xlsx(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not an xlsx workbook"):
        read_table(write(tmp_path / "fake.xlsx", "id,x\n1,2\n"))


def test_zip_bomb_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (11 * 1024 * 1024))
    assert path.stat().st_size < 100_000
    with pytest.raises(InputError, match="zip bomb"):
        read_table(str(path))


def test_extension_is_the_pathlib_suffix(tmp_path: Path) -> None:
    # "..csv" has the extension .csv (pathlib), not none (os.path.splitext): the
    # name says CSV, the content says xlsx, and the note says so.
    book = workbook(tmp_path / "b.xlsx", {"S": [["id"], ["1"]]})
    path = tmp_path / "..csv"
    path.write_bytes(Path(book).read_bytes())
    table = read_table(str(path))
    assert table.frame["id"].tolist() == ["1"]
    assert table.notes == [f"{path}: the file is xlsx, not CSV as its name suggests; read as xlsx"]


def test_too_many_zip_members_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = workbook(tmp_path / "ok.xlsx", {"S": [["id"], ["1"]]})
    monkeypatch.setattr(xlsx, "MAX_ZIP_MEMBERS", 3)
    with pytest.raises(InputError, match="members"):
        read_table(path)


# --------------------------------------------------------------------------- Parquet


def test_parquet_directory_with_schema_drift(tmp_path: Path) -> None:
    folder = tmp_path / "cases"
    folder.mkdir()
    pq.write_table(
        pa.table({"case_id": ["1", "2"], "children": [1, 2], "interpreter": [True, None]}),
        folder / "part-1.parquet",
    )
    pq.write_table(
        pa.table({"case_id": ["3"], "children": ["three"]}),  # no interpreter; text children
        folder / "part-2.parquet",
    )
    pq.write_table(
        pa.table({"case_id": ["4"], "children": [4], "interpreter": [False]}),
        folder / "part-3.parquet",
    )
    (folder / "_SUCCESS").write_text("")
    table = read_table(str(folder))
    frame = table.frame
    assert list(frame.columns) == ["case_id", "children", "interpreter"]
    assert frame["case_id"].tolist() == ["1", "2", "3", "4"]
    assert frame["children"].tolist() == ["1", "2", "three", "4"]
    assert frame["interpreter"].tolist() == [True, pd.NA, pd.NA, False]
    assert table.row_numbers.tolist() == [1, 2, 3, 4]
    assert "column 'interpreter' missing in 1 of 3 files; treated as blank" in " ".join(table.notes)
    assert any("'children'" in note and "read as text" in note for note in table.notes)


def test_parquet_keeps_types_and_promotes(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    law = pa.array(["public", "private", "public"]).dictionary_encode()
    pq.write_table(
        pa.table({"n": pa.array([1, None, 3], pa.int32()), "law": law, "h": [1, 2, 3]}),
        folder / "a.parquet",
    )
    pq.write_table(
        pa.table({"n": pa.array([4], pa.int64()), "law": pa.array(["x"]).dictionary_encode(),
                  "h": [1.5]}),
        folder / "b.parquet",
    )  # fmt: skip
    table = read_table(str(folder))
    frame = table.frame
    assert frame["n"].dtype == "Int64" and frame["n"].tolist() == [1, pd.NA, 3, 4]
    assert isinstance(frame["law"].dtype, pd.CategoricalDtype)
    assert frame["law"].astype(str).tolist() == ["public", "private", "public", "x"]
    assert frame["h"].tolist() == [1.0, 2.0, 3.0, 1.5]


def test_parquet_columns_subset(tmp_path: Path) -> None:
    path = tmp_path / "c.parquet"
    pq.write_table(pa.table({"Case ID": ["1"], "b": [2], "c": [3]}), path)
    table = read_table(str(path), columns=["case_id", "c", "zzz"])
    assert list(table.frame.columns) == ["Case ID", "c"]


def test_parquet_headers_stripped_and_duplicates_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.parquet"
    pq.write_table(pa.table({" id ": [1], "x": [2]}), path)
    assert list(read_table(str(path)).frame.columns) == ["id", "x"]
    pq.write_table(pa.table({" id ": [1], "ID": [2]}), path)
    with pytest.raises(InputError, match=r"duplicate header 'ID' \(columns 1 and 2\)"):
        read_table(str(path))


def test_parquet_corrupt(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.parquet", b"PAR1 this is not parquet")
    with pytest.raises(InputError, match="not a readable Parquet file"):
        read_table(path)


# --------------------------------------------------------------------------- properties

cell_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Cn"))
    | st.sampled_from(["\n", "\t", '"', ",", ";", "|", " "]),
    max_size=10,
)
row_lists = st.lists(st.lists(cell_text, min_size=3, max_size=3), max_size=6)
PROPERTY = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _expected(rows: list[list[str]]) -> tuple[pd.DataFrame, list[int]]:
    kept, numbers, line = [], [], 2
    for row in rows:
        if any(cell.strip() for cell in row):
            kept.append(row)
            numbers.append(line)
        line += 1 + sum(len(re.findall(r"\r\n|\r|\n", cell)) for cell in row)
    frame = pd.DataFrame(kept, columns=HEADERS, dtype="str")
    return frame, numbers


@PROPERTY
@given(rows=row_lists, delimiter=st.sampled_from([",", ";", "\t", "|"]), quote_all=st.booleans())
def test_csv_text_round_trips(rows: list[list[str]], delimiter: str, quote_all: bool) -> None:
    buffer = io.StringIO()
    quoting = csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    writer = csv.writer(buffer, delimiter=delimiter, quoting=quoting, lineterminator="\n")
    writer.writerow(HEADERS)
    writer.writerows(rows)
    # with every field quoted the delimiter must be sniffed; otherwise it is given
    options = ReadOptions(input_format="csv", delimiter=None if quote_all else delimiter)
    table = read_table("-", options, stdin=io.BytesIO(buffer.getvalue().encode("utf-8")))
    expected, numbers = _expected(rows)
    pd.testing.assert_frame_equal(table.frame, expected)
    assert table.row_numbers.tolist() == numbers


xlsx_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Cn", "Zl", "Zp"))
    | st.sampled_from([",", ";", '"', " "]),
    max_size=8,
).filter(
    # "=..." would be written as a formula; whitespace-only strings are written by
    # openpyxl without xml:space="preserve" and so read back as "" (both blank anyway)
    lambda s: not s.startswith("=") and (s == "" or s.strip() != "")
)


@settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    rows=st.lists(
        st.lists(xlsx_text, min_size=3, max_size=3).filter(lambda r: any(c.strip() for c in r)),
        min_size=1,
        max_size=5,
    )
)
def test_same_table_reads_identically_from_csv_xlsx_parquet(
    tmp_path: Path, rows: list[list[str]]
) -> None:
    csv_path = tmp_path / "t.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows(rows)
    xlsx_path = workbook(tmp_path / "t.xlsx", {"T": [HEADERS, *rows]})
    parquet_path = tmp_path / "t.parquet"
    columns = {h: [r[i] for r in rows] for i, h in enumerate(HEADERS)}
    pq.write_table(pa.table(columns), parquet_path)

    from_csv = read_table(str(csv_path))
    from_xlsx = read_table(xlsx_path)
    from_parquet = read_table(str(parquet_path))
    pd.testing.assert_frame_equal(from_csv.frame, from_xlsx.frame)
    pd.testing.assert_frame_equal(from_csv.frame, from_parquet.frame)
    assert from_csv.row_numbers.tolist() == from_xlsx.row_numbers.tolist()
    assert np.array_equal(from_parquet.row_numbers, np.arange(1, len(rows) + 1))


def test_parquet_dictionary_columns_read_as_categoricals(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "codes.parquet"
    pq.write_table(pa.table({"case_type": ["s7", "s31", "s7", None], "n": [1, 2, 3, 4]}), path)
    plain = read_table(str(path))
    coded = read_table(str(path), dictionary=("case_type",))
    assert isinstance(coded.frame["case_type"].dtype, pd.CategoricalDtype)
    assert not isinstance(plain.frame["case_type"].dtype, pd.CategoricalDtype)
    assert coded.frame["case_type"].astype(object).where(
        coded.frame["case_type"].notna(), None
    ).tolist() == [
        "s7",
        "s31",
        "s7",
        None,
    ]


def test_empty_first_sheet_points_to_the_others(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "cover"
    book.create_sheet("cases").append(["case_id", "worker_id"])
    path = tmp_path / "book.xlsx"
    book.save(path)
    with pytest.raises(
        InputError,
        match=r"sheet 'cover' is empty \(no header row\); other sheets: cases \(choose one with --sheet\)",
    ):
        read_table(str(path))
