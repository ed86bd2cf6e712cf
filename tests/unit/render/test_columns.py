"""The manager view, --columns and --wide (caseload_cli.render.columns): which columns a
narrowed table keeps, that every line fits, and that the note names what is hidden."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caseload_cli.core.errors import UsageError
from caseload_cli.core.model import Report, SchemeStamp
from caseload_cli.render import columns
from caseload_cli.render import report as writers

FINGERPRINT = "0aa6096a451d83476aab6db9c8f4334d04f672076b3fe2d2e7e3e3f7830577dc"
WORKER_COLUMNS = [
    "worker_id",
    "name",
    "team",
    "service_area",
    "role",
    "team_type",
    "contracted_hours",
    "fte",
    "reduction_hours",
    "available_fte",
    "cases",
    "children",
    "weighted_load",
    "target",
    "capacity",
    "utilisation_pct",
    "band",
    "napo_level",
    "napo_safe_load",
    "over_napo",
]
NOTE = re.compile(r"^(\d+) columns? hidden to fit (\d+) characters: (.*); --wide shows all")


def worker_frame(n: int = 3, text: str = "Greater Manchester Public Law 1") -> pd.DataFrame:
    data = {}
    for i, name in enumerate(WORKER_COLUMNS):
        if name in ("worker_id", "name", "team", "service_area", "role", "team_type", "band"):
            data[name] = [f"{name[:3]}{r}-{text}"[: 8 + 3 * i] for r in range(n)]
        elif name in ("cases", "children"):
            data[name] = list(range(10, 10 + n))
        elif name == "over_napo":
            data[name] = [bool(r % 2) for r in range(n)]
        else:
            data[name] = [12.5 + r for r in range(n)]
    return pd.DataFrame(data)


def make_report(rows: pd.DataFrame, **changes) -> Report:
    fields = {
        "title": "Weighted caseload by worker",
        "rows": rows,
        "schemes": [SchemeStamp("flat", "1.0", FINGERPRINT, "Flat count (Cafcass ceilings)")],
        "accounting": {"rows_read": 3248, "weighed": 3248, "rejected": 0},
        "sections": {"managers_holding_cases": rows.head(1)},
        "notes": ["Workers counted: FCAs and locum FCAs; managers in their own section."],
    }
    fields.update(changes)
    return Report(**fields)


def note_of(text: str) -> list[tuple[int, int, list[str]]]:
    """Every hidden-columns note in a rendered table: (count, width, names)."""
    notes = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if " hidden to fit " not in line:
            continue
        joined = line
        for more in lines[i + 1 :]:
            if not more.startswith("  "):
                break
            joined += " " + more.strip()
        found = NOTE.match(joined)
        assert found, joined
        notes.append((int(found[1]), int(found[2]), found[3].split(", ")))
    return notes


def header_line(text: str) -> list[str]:
    return text.splitlines()[2].split()


# --------------------------------------------------------------------------- rules as data


def test_every_per_worker_column_has_a_rule_and_short_headers_are_unique():
    assert set(WORKER_COLUMNS) <= set(columns.COLUMN_RULES)
    shorts = [columns.short_header(c) for c in WORKER_COLUMNS]
    assert len(set(shorts)) == len(shorts)
    assert all(len(columns.short_header(c)) <= len(c) for c in WORKER_COLUMNS)


def test_rules_by_prefix_and_default():
    assert columns.rule_for("band_green") == columns.ColumnRule(7, "green")
    assert columns.rule_for("band").priority == 1
    assert columns.rule_for("something_new") == columns.ColumnRule(columns.DEFAULT_PRIORITY)


def test_fit_keeps_everything_when_it_fits():
    fit = columns.fit_columns(["a", "b"], [3, 3], 100)
    assert fit == columns.Fit((0, 1), (), short=False)


def test_fit_hides_least_useful_first_and_keeps_the_row_key():
    names = ["team", "fte", "weighted_load", "worker_id", "band"]
    fit = columns.fit_columns(names, [30, 5, 6, 5, 6], 30)
    shown = [names[p] for p in fit.in_table_order()]
    assert shown == ["weighted_load", "worker_id", "band"]
    assert fit.hidden == ("team", "fte")
    assert fit.headers(names) == ["load", "worker", "band"]
    # the row key is kept even when nothing else fits
    tiny = columns.fit_columns(names, [30, 5, 6, 5, 6], 3)
    assert [names[p] for p in tiny.shown] == ["worker_id"]


def test_constant_columns_are_hidden_first():
    names = ["worker_id", "role", "fte"]
    fit = columns.fit_columns(names, [5, 9, 5], 20, constant=[False, True, False])
    assert fit.hidden == ("role",)


# --------------------------------------------------------------------------- rendered tables


@pytest.mark.parametrize("width", [80, 100, 120])
def test_manager_view_at_common_widths(width):
    report = make_report(worker_frame())
    text = writers.render(report, "table", width=width)
    assert max(len(line) for line in text.splitlines()) <= width
    shown = header_line(text)
    for essential in ("worker", "load", "util%", "band"):
        assert essential in shown
    (count, noted_width, hidden), _managers = note_of(text)
    assert noted_width == width and count == len(hidden)
    assert len(shown) + len(hidden) == len(WORKER_COLUMNS)


def test_no_width_or_room_enough_is_the_full_table():
    report = make_report(worker_frame())
    full = writers.render(report, "table")
    assert writers.render(report, "table", width=1000) == full
    assert " hidden to fit " not in full
    assert header_line(full) == WORKER_COLUMNS


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    width=st.integers(min_value=columns.MIN_WIDTH, max_value=400),
    rows=st.integers(min_value=0, max_value=4),
    text=st.text(alphabet="abcdefghij KLMNOP-éß", min_size=1, max_size=30),
    fmt=st.sampled_from(["table", "markdown"]),
)
def test_every_line_fits_and_the_note_names_exactly_what_is_hidden(width, rows, text, fmt):
    frame = worker_frame(rows, text)
    report = make_report(frame)
    out = writers.render(report, fmt, width=width)
    for line in out.splitlines():
        assert columns.text_width(line) <= width, line
    if fmt != "table":
        return
    main = out.split("\n\n")[1]
    shorts = {columns.short_header(c): c for c in WORKER_COLUMNS}
    shown = [shorts.get(h, h) for h in main.splitlines()[0].split()]
    notes = note_of(main)
    if not notes:
        assert shown == WORKER_COLUMNS
        return
    [(count, noted_width, hidden)] = notes
    assert noted_width == width and count == len(hidden)
    assert sorted(shown + hidden) == sorted(WORKER_COLUMNS)
    assert not set(shown) & set(hidden)
    assert hidden == [c for c in WORKER_COLUMNS if c in hidden]  # in table order


def test_markdown_note_is_a_paragraph_after_the_table():
    text = writers.render(make_report(worker_frame()), "markdown", width=80)
    table, note = text.split("\n\n")[1:3]
    assert table.startswith("| worker ")
    assert note.startswith("12 columns hidden to fit 80 characters") or "hidden" in note


def test_colour_codes_take_no_width():
    rows = worker_frame().assign(band="green")
    report = make_report(rows, band_colours={"green": "#2E7D32"})
    painted = writers.render_table(report, colour=True, width=80)
    assert "\x1b[" in painted
    assert all(columns.text_width(line) <= 80 for line in painted.splitlines())


# --------------------------------------------------------------------------- width and options


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_width(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    assert columns.terminal_width(io.StringIO()) is None
    assert columns.terminal_width(None) is None
    assert isinstance(columns.terminal_width(FakeTerminal()), int)
    monkeypatch.setenv("COLUMNS", "97")
    assert columns.terminal_width(io.StringIO()) == 97
    monkeypatch.setenv("COLUMNS", "wide")
    assert columns.terminal_width(io.StringIO()) is None


def test_write_report_fits_only_when_asked(monkeypatch):
    report = make_report(worker_frame())
    monkeypatch.setenv("COLUMNS", "80")
    stream = io.StringIO()
    writers.write_report(report, "table", None, stdout=stream)  # library default: every column
    assert stream.getvalue() == writers.render(report, "table")
    stream = io.StringIO()
    writers.write_report(report, "table", None, stdout=stream, wide=False)
    assert stream.getvalue() == writers.render(report, "table", width=80)
    stream = io.StringIO()
    writers.write_report(report, "csv", None, stdout=stream, wide=False)
    assert stream.getvalue() == writers.render(report, "csv")  # machine formats never narrow


def test_columns_chooses_in_every_format():
    report = make_report(worker_frame())
    chosen = ["band", "worker_id", "weighted_load"]
    for fmt in ("csv", "json", "ndjson"):
        text = writers.render(report, fmt, columns=chosen)
        assert "team_type" not in text
    csv_header = writers.render(report, "csv", columns=chosen).splitlines()[0]
    assert csv_header == (
        "band,worker_id,weighted_load,scheme,scheme_version,scheme_fingerprint,unit,snapshot"
    )
    table = writers.render(report, "table", columns=chosen)
    assert header_line(table) == chosen
    # the managers section has the same columns, so it follows
    assert table.split("\n\n")[2].splitlines()[2].split() == chosen


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["worker_id", "utilisation"], "did you mean 'utilisation_pct'?"),
        (["scheme"], "scheme columns"),
        (["band", "band"], "twice"),
        ([], "at least one"),
    ],
)
def test_bad_columns_are_usage_errors(names, message):
    with pytest.raises(UsageError, match=re.escape(message)):
        writers.render(make_report(worker_frame()), "csv", columns=names)
