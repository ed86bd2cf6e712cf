"""Text encodings: UTF-16/UTF-32 found by their byte-order marks (Excel's "Unicode
Text" is UTF-16 LE with a mark, tab separated), and --encoding per input."""

from __future__ import annotations

from pathlib import Path

import pytest

from caseload_cli.core.errors import InputError
from caseload_cli.core.model import ReadOptions
from caseload_cli.read.table import read_table
from tests.helpers import as_json

TEXT = "worker_id\tname\tnote\nW001\tZoë Ó Briain\t£5 – ok\nW002\tBen\t\n"


@pytest.mark.parametrize(
    ("codec", "bom"),
    [
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("utf-32-le", b"\xff\xfe\x00\x00"),
        ("utf-32-be", b"\x00\x00\xfe\xff"),
    ],
)
def test_byte_order_marks_choose_the_encoding(tmp_path: Path, codec: str, bom: bytes) -> None:
    path = tmp_path / "staff.txt"
    path.write_bytes(bom + TEXT.encode(codec))
    table = read_table(str(path))
    assert list(table.frame.columns) == ["worker_id", "name", "note"]
    assert table.frame["name"].tolist() == ["Zoë Ó Briain", "Ben"]
    assert table.frame["note"].tolist() == ["£5 – ok", ""]
    assert table.row_numbers.tolist() == [2, 3]
    assert table.notes == []


def test_excel_unicode_text_with_windows_newlines(tmp_path: Path) -> None:
    path = tmp_path / "cases.txt"
    path.write_bytes(b"\xff\xfe" + TEXT.replace("\n", "\r\n").encode("utf-16-le"))
    table = read_table(str(path))
    assert table.frame["worker_id"].tolist() == ["W001", "W002"]


def test_utf16_without_a_mark_is_recognised_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "staff.csv"
    path.write_bytes("worker_id,name\nW001,Ada\n".encode("utf-16-le"))
    table = read_table(str(path))
    assert table.frame["name"].tolist() == ["Ada"]
    assert table.notes == [
        f"{path}: no byte-order mark but the text is UTF-16-LE; read as UTF-16-LE"
    ]


def test_broken_utf16_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "staff.csv"
    path.write_bytes(b"\xff\xfe" + "a,b\n".encode("utf-16-le") + b"\x00\xd8")  # lone surrogate
    with pytest.raises(InputError) as caught:
        read_table(str(path))
    assert str(caught.value) == (
        f"{path}: looks like UTF-16-LE but is not valid UTF-16-LE (offset 10); give --encoding"
    )


def test_stdin_utf16_is_read(tmp_path: Path) -> None:
    import io

    data = b"\xff\xfe" + TEXT.encode("utf-16-le")
    table = read_table("-", stdin=io.BytesIO(data))
    assert table.frame["name"].tolist() == ["Zoë Ó Briain", "Ben"]


def test_read_options_for_path() -> None:
    options = ReadOptions(encoding="cp1252", encodings=(("cases.csv", "utf-16"),))
    assert options.for_path("cases.csv").encoding == "utf-16"
    assert options.for_path("staff.csv").encoding == "cp1252"
    assert options.for_path("staff.csv") is options


# --------------------------------------------------------------------------- --encoding


def _cp1252_staff(tiny: dict[str, Path]) -> None:
    text = tiny["staff"].read_text(encoding="utf-8").replace("Ada Example", "Zoë Ex")
    tiny["staff"].write_bytes(text.encode("cp1252"))


def _names(result) -> dict[str, str]:
    return {row["worker_id"]: row["name"] for row in as_json(result)["rows"]}


def test_encoding_per_input(run, tiny) -> None:
    _cp1252_staff(tiny)
    text = tiny["cases"].read_text(encoding="utf-8")
    tiny["cases"].write_bytes(text.encode("utf-16-le"))  # no mark: only --encoding tells
    result = run(
        "load", tiny["cases"], "--staff", tiny["staff"], "--format", "json", "-q",
        "--encoding", "cases=utf-16-le", "--encoding", "staff=cp1252",
    )  # fmt: skip
    assert _names(result)["W001"] == "Zoë Ex"
    assert "note:" not in result.stderr


def test_encoding_per_input_comma_separated_and_a_default(run, tiny) -> None:
    _cp1252_staff(tiny)
    result = run(
        "load", tiny["cases"], "--staff", tiny["staff"], "--format", "json", "-q",
        "--encoding", "cp1252,cases=utf-8",
    )  # fmt: skip
    assert _names(result)["W001"] == "Zoë Ex"


def test_plain_encoding_still_applies_to_every_input(run, tiny) -> None:
    _cp1252_staff(tiny)
    result = run(
        "load", tiny["cases"], "--staff", tiny["staff"], "--format", "json", "--encoding", "cp1252"
    )
    assert _names(result)["W001"] == "Zoë Ex"


def test_unknown_encoding_and_unknown_input_are_usage_errors(run, tiny) -> None:
    result = run("validate", tiny["cases"], "--staff", tiny["staff"], "--encoding", "cases=nope")
    assert result.exit_code == 2
    assert "Error: Invalid value for '--encoding': unknown encoding 'nope'" in result.stderr
    result = run("validate", tiny["cases"], "--staff", tiny["staff"], "--encoding", "case=utf-8")
    assert result.exit_code == 2
    assert (
        "Error: Invalid value for '--encoding': unknown input 'case' (did you mean 'cases'?); "
        "use one of cases, staff, reductions, activities, responses, previous, previous-staff, "
        "previous-reductions, against, safe-levels-from, counts, fte" in result.stderr
    )
    result = run("validate", tiny["cases"], "--staff", tiny["staff"], "--encoding", "staff=")
    assert result.exit_code == 2
    assert (
        "Error: Invalid value for '--encoding': 'staff=': give ENCODING or INPUT=ENCODING, "
        "e.g. cases=utf-16" in result.stderr
    )


def test_an_input_the_command_does_not_read_is_ignored(run, tiny) -> None:
    result = run(
        "validate", tiny["cases"], "--staff", tiny["staff"], "--encoding", "responses=utf-16"
    )
    assert result.exit_code == 0, result.stderr
