"""Tests for caseload_cli.render: one Report, every format.

Golden files live in tests/golden/render/; regenerate them with
    CASELOAD_UPDATE_GOLDEN=1 python -m pytest tests/unit/render/test_writers.py
and review the diff before committing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import random
import re
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
from helpers import GOLDEN as GOLDEN_ROOT

from caseload_cli import __version__
from caseload_cli.core.errors import CaseloadError, UsageError
from caseload_cli.core.formats import BINARY_FORMATS, OUTPUT_FORMATS, output_format_from_path
from caseload_cli.core.model import Report, SchemeStamp
from caseload_cli.render import cells
from caseload_cli.render import report as writers

GOLDEN = GOLDEN_ROOT / "render"
FINGERPRINT = "3f2a9c0d5e7b41a8c6d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5"
FORMULA = "=cmd|' /C calc'!A0"
SCRIPT = "<script>alert(1)</script>"
COLOURS = {"green": "#2E7D32", "amber": "#FFB300", "red": "#C62828"}


def make_report(**changes) -> Report:
    rows = pd.DataFrame(
        {
            "worker": [FORMULA, "-Dee Minus", "Zoë Ångström", SCRIPT],
            "team": ["North", "South", None, "North"],
            "cases": pd.Series([12, 3, 0, 7], dtype="int64"),
            "reductions": pd.Series([1, None, 2, 0], dtype="Int64"),
            "weighted_load": [14.123456789, -1.5, np.nan, 7.0],
            "capacity_pct": [87.25, 12.0, None, 100.0],
            "on_leave": [False, True, False, False],
            "since": pd.to_datetime(["2024-01-05", None, "2023-12-31", "2024-02-29"]),
            "band": ["green", "amber", "red", None],
        }
    )
    by_team = pd.DataFrame(
        {"team": ["North", "South"], "workers": [2, 1], "load": [21.123456, -1.5]}
    )
    fields = {
        "title": "Caseload — week 47",
        "rows": rows,
        "schemes": [SchemeStamp("flat", "1.0", FINGERPRINT, "Flat weighting")],
        "accounting": {"rows_read": 3512, "weighed": 3498, "rejected": 14},
        "sections": {"by_team": by_team},
        "band_colours": COLOURS,
        "notes": ["1 worker has no capacity"],
        "metadata": {"snapshot": dt.date(2024, 3, 1), "sheet": "load"},
    }
    fields.update(changes)
    return Report(**fields)


@pytest.fixture
def report() -> Report:
    return make_report()


def read_csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


# --------------------------------------------------------------------------- every format


@pytest.mark.parametrize("fmt", OUTPUT_FORMATS)
def test_every_format_renders_and_is_reproducible(report, fmt):
    first = writers.render(report, fmt)
    second = writers.render(make_report(), fmt)
    assert isinstance(first, bytes if fmt in BINARY_FORMATS else str)
    assert first, fmt
    assert first == second
    if isinstance(first, str):
        assert first.endswith("\n")
        assert FINGERPRINT[:12] in first


def test_unknown_format_is_a_usage_error(report):
    with pytest.raises(UsageError):
        writers.render(report, "yaml")


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("a.csv", "csv"),
        ("A.JSON", "json"),
        ("a.ndjson", "ndjson"),
        ("a.jsonl", "ndjson"),
        ("dir.x/a.xlsx", "xlsx"),
        ("a.parquet", "parquet"),
        ("a.md", "markdown"),
        ("a.html", "html"),
        ("a.htm", "html"),
        ("a.txt", "table"),
        ("a.docx", None),
        ("noext", None),
        ("-", None),
        (None, None),
    ],
)
def test_output_format_from_path(path, fmt):
    assert output_format_from_path(path) == fmt


# --------------------------------------------------------------------------- golden files

GOLDEN_FILES = {
    "csv": "report.csv",
    "json": "report.json",
    "ndjson": "report.ndjson",
    "markdown": "report.md",
    "table": "report.txt",
}


@pytest.mark.parametrize("fmt", sorted(GOLDEN_FILES))
def test_golden(report, fmt):
    path = GOLDEN / GOLDEN_FILES[fmt]
    text = writers.render(report, fmt)
    if os.environ.get("CASELOAD_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    assert path.exists(), f"missing {path}; run with CASELOAD_UPDATE_GOLDEN=1"
    assert text == path.read_bytes().decode("utf-8")


# --------------------------------------------------------------------------- csv


def test_csv_neutralises_text_but_not_numbers(report):
    rows = read_csv_rows(writers.render(report, "csv"))
    assert [r["worker"] for r in rows] == ["'" + FORMULA, "'-Dee Minus", "Zoë Ångström", SCRIPT]
    assert rows[1]["weighted_load"] == "-1.5"
    assert rows[0]["weighted_load"] == "14.123456789"  # full precision
    assert rows[0]["cases"] == "12"  # ints stay ints
    assert rows[0]["reductions"] == "1"  # nullable ints too
    assert rows[1]["reductions"] == ""  # missing
    assert rows[2]["team"] == ""
    assert rows[1]["since"] == ""
    assert rows[0]["since"] == "2024-01-05"
    assert [r["on_leave"] for r in rows] == ["false", "true", "false", "false"]
    assert rows[0]["scheme"] == "flat"
    assert rows[0]["scheme_version"] == "1.0"
    assert rows[0]["scheme_fingerprint"] == FINGERPRINT
    assert list(rows[0])[:9] == list(report.rows.columns)


def test_csv_joins_several_schemes():
    two = [SchemeStamp("a", "1", "f" * 64), SchemeStamp("b", "2", "e" * 64)]
    rows = read_csv_rows(writers.render(make_report(schemes=two), "csv"))
    assert rows[0]["scheme"] == "a | b"
    assert rows[0]["scheme_version"] == "1 | 2"
    assert rows[0]["scheme_fingerprint"] == "f" * 64 + " | " + "e" * 64


def test_neutralise_scalar():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert cells.neutralise(text) == "'" + text
    assert cells.neutralise("plain") == "plain"
    assert cells.neutralise(-1.5) == -1.5
    assert cells.neutralise(None) is None


def test_neutralise_frame_only_touches_text_cells():
    frame = pd.DataFrame(
        {
            "text": ["=a", "b", None, "@c"],
            "number": [-1.5, 2.0, np.nan, -3.0],
            "ints": [-1, 2, 3, -4],
            "mixed": pd.Series(["-x", -2, None, dt.date(2024, 1, 1)], dtype=object),
            "cat": pd.Categorical(["+1", "ok", "ok", "+1"]),
            "dates": pd.Series([dt.date(2024, 1, 1)] * 4, dtype=object),
        }
    )
    before = frame.copy()
    out = cells.neutralise_frame(frame)
    pd.testing.assert_frame_equal(frame, before)  # input untouched
    assert out["text"].tolist()[:2] == ["'=a", "b"]
    assert pd.isna(out["text"][2])
    assert out["text"][3] == "'@c"
    pd.testing.assert_series_equal(out["number"], frame["number"])
    pd.testing.assert_series_equal(out["ints"], frame["ints"])
    assert out["mixed"].tolist()[:2] == ["'-x", -2]
    assert out["cat"].tolist() == ["'+1", "ok", "ok", "'+1"]
    assert out["dates"].tolist() == frame["dates"].tolist()


TRICKY = [
    "",
    " ",
    "'",
    '"',
    ",",
    "\n",
    "\r",
    "\r\n",
    "\t",
    "=",
    "+",
    "-",
    "@",
    "x",
    "1",
    "Zoë",
    "|",
]


def tricky_texts() -> list[str]:
    """Deterministic 'property' inputs: every pair of tricky pieces, plus seeded random strings."""
    pairs = [a + b for a in TRICKY for b in TRICKY]
    rng = random.Random(20241122)
    randoms = ["".join(rng.choices(TRICKY, k=rng.randint(1, 6))) for _ in range(300)]
    return pairs + randoms


def test_csv_round_trips_and_never_starts_a_cell_with_a_formula_character():
    texts = tricky_texts()
    frame = pd.DataFrame({"t": texts, "n": [-1.25] * len(texts)})
    rows = read_csv_rows(writers.render(make_report(rows=frame, sections={}), "csv"))
    assert len(rows) == len(texts)
    for original, row in zip(texts, rows, strict=True):
        assert row["n"] == "-1.25"
        assert not row["t"].startswith(cells.DANGEROUS_PREFIXES)
        assert row["t"] == cells.neutralise(original)


def test_csv_single_column_keeps_empty_rows():
    frame = pd.DataFrame({"t": ["a", None, ""]})
    text = writers.render(make_report(rows=frame, sections={}, schemes=[]), "csv")
    assert text == 't\na\n""\n""\n'
    assert len(read_csv_rows(text)) == 3


# --------------------------------------------------------------------------- json / ndjson


def test_json_structure(report):
    document = json.loads(writers.render(report, "json"))
    assert list(document) == [
        "export_schema_version",
        "title",
        "scheme",
        "accounting",
        "metadata",
        "provenance",
        "notes",
        "rows",
        "sections",
    ]
    assert document["export_schema_version"] == "1"
    facts = document["provenance"]
    assert facts["snapshot"] == "2024-03-01"
    assert facts["argv"] is None and facts["inputs"] == []  # made by library code
    assert [s["fingerprint"] for s in facts["schemes"]] == [FINGERPRINT]
    assert document["scheme"] == {
        "name": "flat",
        "version": "1.0",
        "fingerprint": FINGERPRINT,
        "title": "Flat weighting",
        "overrides": [],
        "unit": "cases",
    }
    assert document["metadata"] == {"snapshot": "2024-03-01", "sheet": "load"}
    first, second, third, _ = document["rows"]
    assert first["worker"] == FORMULA  # json is not neutralised
    assert first["cases"] == 12 and isinstance(first["cases"], int)
    assert first["weighted_load"] == 14.123456789
    assert second["reductions"] is None
    assert second["since"] is None
    assert third["weighted_load"] is None
    assert third["team"] is None
    assert second["on_leave"] is True
    assert list(first) == list(report.rows.columns)
    assert document["sections"]["by_team"][1] == {"team": "South", "workers": 1, "load": -1.5}
    assert "NaN" not in writers.render(report, "json")


def test_json_uses_schemes_list_unless_exactly_one():
    two = [SchemeStamp("a", "1", "f" * 64), SchemeStamp("b", "2", "e" * 64)]
    assert [
        s["name"] for s in json.loads(writers.render(make_report(schemes=two), "json"))["schemes"]
    ] == ["a", "b"]
    assert json.loads(writers.render(make_report(schemes=[]), "json"))["schemes"] == []


def test_ndjson_records_carry_the_stamp(report):
    lines = writers.render(report, "ndjson").splitlines()
    assert len(lines) == len(report.rows)
    records = [json.loads(line) for line in lines]
    assert all(r["scheme_fingerprint"] == FINGERPRINT for r in records)
    assert records[1]["reductions"] is None
    assert records[0]["worker"] == FORMULA
    assert "Zoë" in lines[2]  # non-ASCII kept


def test_stamp_column_clash_is_refused():
    frame = pd.DataFrame({"scheme": ["x"]})
    with pytest.raises(CaseloadError, match="scheme"):
        writers.render(make_report(rows=frame), "csv")


# --------------------------------------------------------------------------- human formats


def test_table_is_plain_and_formats_numbers(report):
    text = writers.render(report, "table")
    assert "\x1b[" not in text
    assert text.startswith("Caseload — week 47\n")
    assert "14.12" in text and "14.123" not in text
    assert "87.3" in text  # _pct: one decimal, half up
    assert "-1.50" in text
    first_row = next(line for line in text.splitlines() if line.startswith("=cmd"))
    assert re.split(r"\s{2,}", first_row)[1:4] == ["North", "12", "1"]  # ints stay ints
    assert "By team\n-------" in text
    assert f"Scheme: flat v1.0 (Flat weighting), loads in cases sha256:{FINGERPRINT[:12]}" in text
    assert "3,512 rows read: 3,498 weighed, 14 rejected" in text
    assert "nan" not in text.lower().replace("ångström", "")


def test_markdown_escapes_pipes_and_html(report):
    text = writers.render(report, "markdown")
    assert text.startswith("# Caseload — week 47\n")
    assert "=cmd\\|' /C calc'!A0" in text
    assert "\\<script\\>" in text
    assert not re.search(r"(?<!\\)<", text.replace("<br>", ""))  # raw HTML is escaped
    assert "## By team" in text
    assert f"- Scheme: flat v1.0 (Flat weighting), loads in cases sha256:{FINGERPRINT[:12]}" in text


def test_html_escapes_and_colours_bands(report):
    text = writers.render(report, "html")
    assert SCRIPT not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<title>Caseload — week 47</title>" in text
    assert 'charset="utf-8"' in text
    assert "position:sticky" in text
    for band, colour in COLOURS.items():
        assert f'style="background-color:{colour};' in text
        assert f">{band}</td>" in text
    assert FINGERPRINT[:12] in text
    assert "<h2>By team</h2>" in text


def test_html_ignores_invalid_colours():
    evil = {"green": "red;background-image:url(x)"}
    text = writers.render(make_report(band_colours=evil), "html")
    assert "url(x)" not in text


# --------------------------------------------------------------------------- xlsx


def load_xlsx(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_xlsx_structure(report):
    wb = load_xlsx(writers.render(report, "xlsx"))
    assert wb.sheetnames == ["load", "By team", "about"]
    ws = wb["load"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:I5"
    header = [c.value for c in ws[1]]
    assert header == list(report.rows.columns)
    assert all(c.font.b for c in ws[1])
    worker = ws["A2"]
    assert worker.data_type == "s" and worker.value == FORMULA
    assert ws["A3"].value == "-Dee Minus" and ws["A3"].data_type == "s"
    assert ws["A4"].value == "Zoë Ångström"
    assert ws["C2"].value == 12 and ws["C2"].data_type == "n"
    assert ws["E2"].value == 14.123456789  # full precision stored
    assert ws["E3"].value == -1.5
    assert ws["D3"].value is None
    assert ws["H2"].value == dt.datetime(2024, 1, 5)
    band = {row[8].value: row[8] for row in ws.iter_rows(min_row=2)}
    for name, colour in COLOURS.items():
        cell = band[name]
        assert cell.data_type == "s"
        assert cell.fill.fill_type == "solid"
        assert cell.fill.fgColor.rgb == "FF" + colour[1:]
    assert band[None].fill.fill_type is None
    assert ws.column_dimensions["A"].width >= len(SCRIPT)
    section = wb["By team"]
    assert [c.value for c in section[1]] == ["team", "workers", "load"]
    assert section.freeze_panes == "A2" and section.auto_filter.ref == "A1:C3"


def test_xlsx_about_sheet(report):
    wb = load_xlsx(writers.render(report, "xlsx"))
    about = dict(wb["about"].iter_rows(min_row=2, values_only=True))
    assert about["scheme_fingerprint"] == FINGERPRINT
    assert about["scheme"] == "flat"
    assert about["title"] == "Caseload — week 47"
    assert about["accounting.rows_read"] == 3512
    assert about["metadata.snapshot"] == "2024-03-01"
    assert about["note"] == "1 worker has no capacity"
    assert about["caseload_cli"] == __version__
    assert wb.sheetnames[-1] == "about"


def test_xlsx_has_no_varying_timestamps(report):
    data = writers.render(report, "xlsx")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}
    wb = load_xlsx(data)
    assert wb.properties.created == dt.datetime(2000, 1, 1)
    assert wb.properties.modified == dt.datetime(2000, 1, 1)


def test_xlsx_sheet_names_are_sanitised():
    sections = {
        "about": pd.DataFrame({"a": [1]}),
        "x" * 40: pd.DataFrame({"a": [1]}),
        "a/b:c*d?": pd.DataFrame({"a": [1]}),
    }
    report = make_report(sections=sections, metadata={"sheet": "[weekly] report: all teams/x"})
    names = load_xlsx(writers.render(report, "xlsx")).sheetnames
    assert len(names) == 5 and names[-1] == "about"
    assert len({n.casefold() for n in names}) == 5
    for name in names:
        assert len(name) <= 31
        assert not set(name) & set("[]:*?/\\")


# --------------------------------------------------------------------------- parquet


def test_parquet_round_trip(report):
    table = pq.read_table(io.BytesIO(writers.render(report, "parquet")))
    stamps = ["scheme", "scheme_version", "scheme_fingerprint", "unit", "snapshot"]
    assert table.column_names == [*report.rows.columns, *stamps]
    assert table.column("snapshot").to_pylist() == ["2024-03-01"] * 4
    assert table.column("scheme_fingerprint").to_pylist() == [FINGERPRINT] * 4
    assert all(str(table.schema.field(name).type) == "string" for name in stamps)
    back = table.to_pandas()
    assert back["worker"].tolist() == report.rows["worker"].tolist()
    assert back["cases"].tolist() == [12, 3, 0, 7]
    assert back["weighted_load"][0] == 14.123456789
    assert np.isnan(back["weighted_load"][2])
    assert back["reductions"].isna().tolist() == [False, True, False, False]
    meta = table.schema.metadata
    assert json.loads(meta[b"caseload.scheme"])["fingerprint"] == FINGERPRINT
    assert json.loads(meta[b"caseload.accounting"]) == report.accounting
    assert json.loads(meta[b"caseload.metadata"]) == {"snapshot": "2024-03-01", "sheet": "load"}


# --------------------------------------------------------------------------- writing


def test_write_report_binary_to_stdout_is_refused(report):
    stream = io.StringIO()
    with pytest.raises(UsageError, match="--format xlsx needs --output FILE"):
        writers.write_report(report, "xlsx", None, stdout=stream)
    with pytest.raises(UsageError, match="parquet"):
        writers.write_report(report, "parquet", "-", stdout=stream)
    assert stream.getvalue() == ""


def test_write_report_to_stdout_equals_render(report):
    stream = io.StringIO()
    assert writers.write_report(report, None, None, stdout=stream) == "table"
    assert stream.getvalue() == writers.render(report, "table")
    stream = io.StringIO()
    assert writers.write_report(report, "json", "-", stdout=stream) == "json"
    assert stream.getvalue() == writers.render(report, "json")


@pytest.mark.parametrize("name", ["out.xlsx", "out.json", "out.parquet", "out.unknown"])
def test_write_report_to_file_uses_extension(report, tmp_path, name):
    target = tmp_path / name
    fmt = writers.write_report(report, None, str(target))
    assert fmt == (output_format_from_path(name) or "table")
    expected = writers.render(report, fmt)
    data = target.read_bytes()
    assert data == (expected if isinstance(expected, bytes) else expected.encode("utf-8"))
    assert sorted(os.listdir(tmp_path)) == [name]


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_write_report_colours_bands_only_on_a_terminal(report, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    stream = FakeTerminal()
    writers.write_report(report, "table", None, stdout=stream)
    assert "\x1b[1;38;2;46;125;50mgreen\x1b[0m" in stream.getvalue()
    monkeypatch.setenv("NO_COLOR", "1")
    stream = FakeTerminal()
    writers.write_report(report, "table", None, stdout=stream)
    assert stream.getvalue() == writers.render(report, "table")


def test_empty_report_renders_everywhere():
    report = Report(title="empty", rows=pd.DataFrame(), schemes=[])
    for fmt in OUTPUT_FORMATS:
        assert writers.render(report, fmt) is not None
    assert json.loads(writers.render(report, "json"))["rows"] == []


def test_report_decimals_widen_human_formats_only():
    import pandas as pd

    report = Report(
        title="parts",
        rows=pd.DataFrame(
            {"part": ["base", "uplift"], "value": [1.0, 0.125], "share_pct": [88.9, 11.1]}
        ),
        schemes=[],
        band_column=None,
        decimals=4,
    )
    assert "0.1250" in writers.render(report, "table")
    assert "88.9" in writers.render(report, "table")
    assert "0.125" in writers.render(report, "csv") and "0.1250" not in writers.render(
        report, "csv"
    )
