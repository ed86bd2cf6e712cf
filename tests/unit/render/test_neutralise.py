"""Hostile text in a name is shown, never acted on, in every output of a load report.

Terminal control sequences must not reach the terminal raw (table, stderr);
Markdown link, image, HTML and autolink syntax must not render live; spreadsheet
formulas must not run (CSV, xlsx); HTML is escaped; JSON keeps the exact text.
"""

from __future__ import annotations

import csv
import json
import re

import openpyxl
import pandas as pd
import pytest

from caseload_cli.render.cells import markdown_text, terminal_text

HOSTILE = {
    "W001": "\x1b[2JCleared",  # ESC [2J: clear the screen
    "W002": "\x1b]8;;http://evil\x1b\\Click me\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "W003": "Good name\rEvil",  # carriage return: overwrite the line
    "W004": "Bidi \u202etxt.exe",  # right-to-left override
    "W005": "[click](http://evil)",
    "W006": "![x](http://evil/x.png)",
    "W007": "<script>alert(1)</script>",
    "W008": '=HYPERLINK("http://evil","x")',
    "W009": "+1",
    "W010": "@SUM(A1:A2)",
    "W011": "C1 \x9b2J and DEL \x7f and bell \x07",
    "W012": "Isolate \u2067x\u2069 *bold* _em_ `code` ~~gone~~ www.evil.com",
}
FORMULAS = {"W008", "W009", "W010"}

#: Raw controls that must never reach a terminal or a Markdown page (tab and newline may).
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: Live Markdown: an unescaped `[` … `](`, `![`, raw HTML, or an autolink GitHub would make.
LIVE_MARKDOWN = re.compile(
    r"(?<!\\)\[[^\]]*(?<!\\)\]\(|(?<!\\)!(?<!\\)\[|(?<!\\)<(?!br>)[a-zA-Z/]|https?://|www\.|"
    r"@[A-Za-z]"
)


@pytest.fixture
def hostile(tmp_path):
    staff = pd.DataFrame(
        {
            "worker_id": list(HOSTILE),
            "name": list(HOSTILE.values()),
            "team": "Team A",
            "service_area": "A3 Greater Manchester",
            "role": "fca",
            "team_type": "wafh",
            "contracted_hours": 37,
        }
    )
    cases = pd.DataFrame(
        {
            "case_id": [f"{n:07d}" for n in range(len(HOSTILE))],
            "worker_id": list(HOSTILE),
            "law": "private",
            "case_type": "s7",
            "stage": "wafh",
            "children": 1,
            "opened": "2022-01-10",
            "snapshot": "2022-04-30",
        }
    )
    staff.to_csv(tmp_path / "staff.csv", index=False, quoting=csv.QUOTE_ALL)  # \r quoted too
    cases.to_csv(tmp_path / "cases.csv", index=False)
    return tmp_path


def load(run, folder, *args):
    result = run("load", folder / "cases.csv", "--staff", folder / "staff.csv", *args)
    assert result.exit_code == 0, result.stderr
    return result


def test_the_names_arrive_intact_in_json(run, hostile):
    rows = json.loads(load(run, hostile, "--format", "json").stdout)["rows"]
    assert {row["worker_id"]: row["name"] for row in rows} == HOSTILE


def test_table_has_no_raw_control_characters_and_keeps_its_columns(run, hostile):
    text = load(run, hostile, "--wide").stdout
    assert not RAW_CONTROL.search(text)
    assert "\\x1b[2JCleared" in text
    assert "\\x1b]8;;http://evil\\x1b\\Click me\\x1b]8;;\\x1b\\" in text
    assert "Bidi \\u202etxt.exe" in text
    assert "C1 \\x9b2J and DEL \\x7f and bell \\x07" in text
    assert "Isolate \\u2067x\\u2069" in text
    # every table line is as wide as the rule under the header: no hidden characters
    table = text.split("\n\n")[1].splitlines()
    rule = next(line for line in table if set(line) <= {"-", " "})
    for line in table:
        assert len(line) <= len(rule), line


def test_markdown_shows_every_name_literally(run, hostile):
    text = load(run, hostile, "--format", "markdown", "--wide").stdout
    assert not RAW_CONTROL.search(text)
    for line in text.splitlines():
        assert not LIVE_MARKDOWN.search(line), line
    assert "\\[click\\](http\u200d://evil)" in text
    assert "\\!\\[x\\](http\u200d://evil/x.png)" in text
    assert "\\<script\\>alert(1)\\</script\\>" in text
    assert "\\*bold\\* \\_em\\_ \\`code\\` \\~\\~gone\\~\\~ www\u200d.evil.com" in text
    assert "@\u200dSUM(A1:A2)" in text
    assert "Good name<br>Evil" in text  # the only HTML written: a line break


def test_html_escapes_the_names(run, hostile):
    text = load(run, hostile, "--format", "html").stdout
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_csv_and_xlsx_defuse_formulas(run, hostile, tmp_path):
    frame = pd.read_csv(
        pd.io.common.StringIO(load(run, hostile, "--format", "csv").stdout),
        dtype=str,
        keep_default_na=False,
    )
    names = dict(zip(frame["worker_id"], frame["name"], strict=True))
    for worker in FORMULAS:
        assert names[worker] == "'" + HOSTILE[worker]
    assert names["W005"] == HOSTILE["W005"]
    out = tmp_path / "load.xlsx"
    load(run, hostile, "--output", out)
    sheet = openpyxl.load_workbook(out).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    at = header.index("name")
    cells = {row[0].value: row[at] for row in sheet.iter_rows(min_row=2) if row[0].value in HOSTILE}
    for worker in FORMULAS:  # stored as text, which a spreadsheet never runs
        assert (cells[worker].data_type, cells[worker].value) == ("s", HOSTILE[worker])


def test_stderr_echoes_cell_text_as_visible_escapes(run, hostile):
    staff = pd.read_csv(hostile / "staff.csv", dtype=str, keep_default_na=False)
    staff.loc[0, "team_type"] = "\x1b[31meit\u202e"  # echoed in a note and a rejection
    staff.loc[1, "role"] = "locum_fca\x07"  # echoed with a did-you-mean
    staff.to_csv(hostile / "staff.csv", index=False, quoting=csv.QUOTE_ALL)
    result = load(run, hostile, "--format", "csv")
    assert not RAW_CONTROL.search(result.stderr)
    assert (
        "rejected: "
        f"{hostile / 'staff.csv'} row 3, role: role 'locum_fca\\x07' is not known "
        "(did you mean locum_fca?)"
    ) in result.stderr.splitlines()
    assert "team_type '\\x1b[31meit\\u202e' (1 workers) is not in scheme flat" in result.stderr


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b[2J", "\\x1b[2J"),
        ("a\tb\nc", "a\tb\nc"),
        ("\x00\x7f\x85\x9b", "\\x00\\x7f\\x85\\x9b"),
        ("\u202a\u202e\u2066\u2069\u200f\u061c\u2028", "\\u202a\\u202e\\u2066\\u2069\\u200f"
         "\\u061c\\u2028"),
        ("Zoë Ångström — 日本", "Zoë Ångström — 日本"),
    ],
)  # fmt: skip
def test_terminal_text(text, shown):
    assert terminal_text(text) == shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("worker_id", "worker_id"),
        ("_x_ a*b", "\\_x\\_ a\\*b"),
        ("a|b\\c", "a\\|b\\\\c"),
        ("# Heading", "\\# Heading"),
        ("- item", "\\- item"),
        ("1. item", "1\\. item"),
        ("-1.50", "-1.50"),
        ("Hello! World", "Hello! World"),
        ("Team #12", "Team #\u200d12"),
        ("a&amp;b $x$", "a\\&amp;b \\$x\\$"),
        ("line\r\nnext", "line<br>next"),
        ("https://x.test", "https\u200d://x.test"),
    ],
)
def test_markdown_text(text, shown):
    assert markdown_text(text) == shown
