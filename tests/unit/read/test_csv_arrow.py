"""The CSV reader's Arrow fast path against its pandas path: same cells, row numbers,
notes and problems, or the same error, for every file (the pandas path is what the
reader did before the fast path existed, and still reads what pyarrow refuses)."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseload_cli.core.errors import CaseloadError
from caseload_cli.core.model import ReadOptions
from caseload_cli.read import csv as csv_reader
from caseload_cli.read.frame import Wanted
from caseload_cli.read.text import has_text

DEFAULT = ReadOptions()


def read_both(data: bytes, options: ReadOptions = DEFAULT, columns=None):
    """(fast result, pandas result, whether the fast path read it): each a Table or the
    error message."""
    taken = []
    real = csv_reader._read_with_arrow

    def spy(*args):
        result = real(*args)
        taken.append(result is not None)
        return result

    def run():
        try:
            return csv_reader.read_csv(data, "f.csv", options, Wanted(columns))
        except CaseloadError as exc:
            return f"{type(exc).__name__}: {exc}"

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(csv_reader, "_read_with_arrow", spy)
        fast = run()
        patch.setattr(csv_reader, "_read_with_arrow", lambda *args: None)
        slow = run()
    return fast, slow, bool(taken and taken[0])


def assert_same(data: bytes, options: ReadOptions = DEFAULT, columns=None) -> bool:
    fast, slow, took = read_both(data, options, columns)
    if isinstance(slow, str) or isinstance(fast, str):
        assert fast == slow
        return took
    pd.testing.assert_frame_equal(fast.frame, slow.frame)
    assert fast.row_numbers.tolist() == slow.row_numbers.tolist()
    assert fast.row_numbers.dtype == slow.row_numbers.dtype
    assert fast.notes == slow.notes
    assert fast.cell_problems == slow.cell_problems
    assert (fast.source, fast.decimal) == (slow.source, slow.decimal)
    return took


HEADER = "case_id,worker_id,children,opened\n"


@pytest.mark.parametrize(
    ("body", "fast"),
    [
        ("1,W1,2,2024-01-05\n2,W2,3,05/01/2024\n", True),
        ('"1","W1","2","2024-01-05"\r\n"2","W 2",,\r\n', True),
        ('1,"W\n1",2,x\n2,"a""b",3,"c\r\nd"\n3,W3,4,y', True),
        ("1,W1,2,x\n\n2,W2,3,y\n\n", True),  # blank lines
        ("1,W1\n2,W2,3,4\n", False),  # a short row: pandas pads it
        ("1,W1,2,3,4\n2,W2,3,4\n", False),  # a ragged row: rejected, the rest read
        ('1,W1,2,"open\n2,W2,3,4\n', False),  # EOF inside a quoted field
        ('1,W1,2,"open""\n', False),
        ('1,W1,2,""""', False),  # a last field of quotes only: slow path, same cells
        ('1,W1,2,""""\n', True),
        ("1,W1,2,x\n  \n2,W2,3,y\n", False),  # a whitespace-only line is one field
        ('1,ab"c,"x"y,z\n', True),  # quotes inside and after a field are kept
        (" , , , \n1,W1,2,x\n", True),  # a blank row of spaces is dropped
        ("1,W1,2,x\r2,W2,3,y\r", True),
        ("", True),  # header only
    ],
)
def test_fast_path_reads_as_pandas(body: str, fast: bool) -> None:
    assert assert_same((HEADER + body).encode()) is fast


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbf" + HEADER.encode() + b"1,W1,2,x\n",
        ("\ufeff" + HEADER + "1,Wé,2,x\n").encode("utf-16"),
        (HEADER + "1,Wé,2,x\n").encode("cp1252"),
        HEADER.replace(",", ";").encode() + b"1;W1;2,5;x\n",
        b"a,a\n1,2\n",  # duplicate header
        b"a,,c\n1,,3\n4,5,6\n",  # a value under no header
        b"a,b,\n1,2,\n",  # a trailing delimiter
        b"\n \n",  # empty
        b'"a\nb",c\n1,2\n',  # a line break inside the header
        b"\n \t\r\n" + HEADER.encode() + b"1,W1,2,x\n",  # blank lines before the header
    ],
)
def test_encodings_and_headers_read_as_pandas(data: bytes) -> None:
    assert_same(data)
    assert_same(data, ReadOptions(delimiter=";"))
    assert_same(data, columns=["a", "case_id"])


cell = st.lists(
    st.sampled_from(["a", "1", " ", '"', ",", ";", "\n", "\r", "\r\n", "\t", "é", "-"]),
    max_size=6,
).map("".join)


@settings(max_examples=150, deadline=None, database=None)
@given(
    rows=st.lists(st.lists(cell, min_size=1, max_size=4), min_size=1, max_size=8),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    raw_tail=st.sampled_from(["", "\n", "\n\n", ' "x', '"', "\r"]),
)
def test_written_and_mangled_csv_reads_as_pandas(
    rows: list[list[str]], quoting: int, newline: str, raw_tail: str
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=quoting, lineterminator=newline)
    writer.writerows(rows)
    assert_same((buffer.getvalue() + raw_tail).encode())


@settings(max_examples=150, deadline=None, database=None)
@given(text=st.text(alphabet=st.sampled_from(list('ab ,"\n\r\t;')), min_size=1, max_size=40))
def test_arbitrary_text_reads_as_pandas(text: str) -> None:
    assert_same(text.encode())


@settings(max_examples=100, deadline=None, database=None)
@given(
    cells=st.lists(
        st.lists(
            st.sampled_from(
                ["", " ", "a", "\t", "\x1c", "\u00a0", "\u2028", "\u200b", "é", "\x7f"]
            ),
            max_size=3,
        ).map("".join),
        max_size=20,
    ),
    start=st.integers(0, 3),
)
def test_has_text_is_strip_not_blank(cells: list[str], start: int) -> None:
    column = pd.Series(cells, dtype="str").iloc[start:]  # a sliced Arrow array too
    expected = (column.str.strip() != "").to_numpy()
    assert has_text(column).tolist() == expected.tolist()
