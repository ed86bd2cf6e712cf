"""Survey responses written for the tests: the bundled file, and small hand-made ones."""

from __future__ import annotations

import io
from pathlib import Path

from helpers import ROOT

from caseload_cli.contract.mapping import apply_mapping
from caseload_cli.core.model import Table
from caseload_cli.read.table import read_table

BUNDLED = ROOT / "sample_data" / "responses.csv"
HEADER = "respondent_id,role,team_type,law,service_area,contracted_hours,safe_cases,safe_letters_per_day\n"


def responses_csv(rows: list[str]) -> str:
    return HEADER + "".join(row + "\n" for row in rows)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def group_rows(
    team_type: str,
    answers: list[float],
    letters: list[float] | None = None,
    start: int = 1,
    area: str = "A3 Greater Manchester",
) -> list[str]:
    letters = letters or [None] * len(answers)
    law = "public" if team_type == "public_law" else "private"
    return [
        f"R{start + i:04d},fca,{team_type},{law},{area},37,{a:g},{'' if per_day is None else f'{per_day:g}'}"
        for i, (a, per_day) in enumerate(zip(answers, letters, strict=True))
    ]


def by_label(rows: list[dict], column: str) -> dict[str, dict]:
    return {row[column]: row for row in rows}


def responses_table(text: str) -> Table:
    """CSV text read and mapped as a responses file is, before validation."""
    return apply_mapping(read_table("-", stdin=io.BytesIO(text.encode())), None, "responses")
