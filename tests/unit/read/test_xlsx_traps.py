"""xlsx traps end to end: formulas without cached values and error cells are rejected, not blank."""

from __future__ import annotations

from conftest import CASES_CSV
from openpyxl import Workbook


def test_formula_without_value_rejects_the_row(run, tiny, tmp_path):
    book = Workbook()
    hidden = book.active
    hidden.title = "old"
    hidden.sheet_state = "hidden"
    hidden.append(["nothing", "here"])
    sheet = book.create_sheet("cases")
    lines = [line.split(",") for line in CASES_CSV.strip().splitlines()]
    for line in lines:
        sheet.append(line)
    sheet["F3"] = "=1+1"  # children of the second case: a formula with no cached value
    path = tmp_path / "cases.xlsx"
    book.save(path)
    rejects = tmp_path / "rejects.csv"
    result = run("load", path, "--staff", tiny["staff"], "--rejects", rejects)
    assert result.exit_code == 0, result.stderr
    text = rejects.read_text(encoding="utf-8")
    assert "formula without a cached value; open and save the file in Excel" in text
    assert ",3,children," in text
    assert result.stderr.strip().endswith(
        "10 rows read: 9 weighed, 1 rejected (written to " + str(rejects) + ")"
    )
