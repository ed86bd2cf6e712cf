"""Variants of the sample for demos: an organisation's own headers, and dirty files.

`--mapped` shows the header-mapping loader at work: the same data under
another organisation's headers, codes and column order, with the
`mapping.toml` that maps it back. `--dirty` shows validation at work: files
with a byte-order mark, Windows-1252, semicolons and decimal commas, and a
cases file with exactly one of each defect in DIRTY_DEFECTS, listed in
`defects.csv`. This module makes the bytes; `write` writes them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from caseload_cli.synth.encode import csv_bytes, to_arrow
from caseload_cli.synth.limits import MIN_DIRTY_CASES

__all__ = ["DIRTY_DEFECTS", "MAPPING", "dirty_cases", "dirty_files", "mapped_files", "mapping_toml"]

# The organisation's own export headers (their header -> our column), in the
# order their files use, and their codes (their value -> our value).
MAPPING: dict[str, dict] = {
    "cases": {
        "columns": {
            "Case Reference": "case_id",
            "Date Opened": "opened",
            "Law Type": "law",
            "Case Type": "case_type",
            "Stage": "stage",
            "FCA ID": "worker_id",
            "No. of Children": "children",
            "First Hearing Date": "first_hearing",
            "Next Hearing Date": "next_hearing",
            "Domestic Abuse": "domestic_abuse",
            "Interpreter Required": "interpreter",
            "Snapshot Date": "snapshot",
            "Date Allocated": "allocated",
            "Report Filed Date": "report_filed",
            "Hub Entry Date": "hub_entered",
        },
        "values": {
            "law": {"Public Law": "public", "Private Law": "private"},
            "case_type": {
                "S31 Care/Supervision": "s31",
                "Adoption": "adoption",
                "Emergency Protection Order": "epo",
                "Deprivation of Liberty": "dols",
                "Section 7 Report": "s7",
                "Rule 16.4 Guardian": "r16_4",
                "Work to First Hearing": "wtfh",
                "Addendum Report": "addendum",
            },
            "stage": {
                "WTFH": "wtfh",
                "WAFH": "wafh",
                "Post-Assessment Hub": "post_assessment_hub",
                "Allocation Hub": "allocation_hub",
                "Duty": "duty",
            },
            "domestic_abuse": {"Yes": "true", "No": "false"},
            "interpreter": {"Yes": "true", "No": "false"},
        },
    },
    "staff": {
        "columns": {
            "Employee No": "worker_id",
            "Full Name": "name",
            "Job Role": "role",
            "Team": "team",
            "Team Type": "team_type",
            "Service Area": "service_area",
            "Contracted Hours": "contracted_hours",
        },
        "values": {
            "role": {
                "Family Court Adviser": "fca",
                "Locum FCA": "locum_fca",
                "Practice Supervisor": "practice_supervisor",
                "Assistant Service Manager": "assistant_service_manager",
                "Service Manager": "service_manager",
            },
            "team_type": {"WAFH": "wafh", "EIT": "eit", "Public Law": "public_law"},
        },
    },
}

# What `dirty=True` puts into dirty/cases_dirty.csv: (record index, column, value, defect).
# Row numbers as a spreadsheet shows them: header is row 1, record 0 is row 2.
DIRTY_DEFECTS = (
    (5, "case_id", None, "duplicate case_id (same as the row above)"),
    (10, "worker_id", None, "allocated to an unknown worker"),
    (15, "case_type", "enforcement", "unknown case_type"),
    (20, "children", "0", "children must be at least 1"),
    (25, "opened", "2022-02-30", "unparseable date"),
)


def mapping_toml() -> str:
    """MAPPING as TOML, in the format the header-mapping loader reads."""
    lines = [
        "# Header mapping for the synthetic organisation export",
        "# (cases_mapped.csv, staff_mapped.csv) written by `caseload sample --mapped`.",
        "# [<table>.columns]: their header = our column",
        "# [<table>.values.<our column>]: their value = our value",
    ]
    for table, spec in MAPPING.items():
        lines += ["", f"[{table}.columns]"]
        lines += [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in spec["columns"].items()]
        for column, values in spec["values"].items():
            lines += ["", f"[{table}.values.{column}]"]
            lines += [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"


def mapped_table(table: pa.Table, name: str) -> pa.Table:
    """`table` with the organisation's headers, codes and column order (see MAPPING)."""
    spec = MAPPING[name]
    arrays, names = [], []
    for theirs, ours in spec["columns"].items():
        column = table.column(ours)
        if ours in spec["values"]:
            inverse = {v: k for k, v in spec["values"][ours].items()}
            index = pc.index_in(column.cast(pa.string()), value_set=pa.array(list(inverse)))
            column = pa.array(list(inverse.values()), pa.string()).take(index)
        arrays.append(column)
        names.append(theirs)
    return pa.Table.from_arrays(arrays, names=names)


def _unknown_worker(staff_ids: pd.Series) -> str:
    width = len(str(staff_ids.iloc[-1])) - 1 if len(staff_ids) else 4
    candidate = "W" + "9" * max(4, width)
    while (staff_ids == candidate).any():
        candidate += "9"
    return candidate


def dirty_cases(frames: Mapping[str, pd.DataFrame]) -> tuple[pa.Table, list[dict[str, object]]]:
    """The cases table as text with one of each DIRTY_DEFECTS, and where each one is."""
    table = to_arrow(frames["cases"], "cases")
    text = pa.Table.from_arrays(
        [c.cast(pa.string()) for c in table.columns], names=table.column_names
    )
    df = text.to_pandas(types_mapper=lambda _t: pd.StringDtype("pyarrow"))
    if len(df) < MIN_DIRTY_CASES:
        raise ValueError(f"dirty variants need at least {MIN_DIRTY_CASES} cases")
    unknown = _unknown_worker(frames["staff"]["worker_id"])
    used = {index for index, *_ in DIRTY_DEFECTS}
    defects = []
    for index, column, value, defect in DIRTY_DEFECTS:
        if column == "case_id":
            value = df.at[index - 1, "case_id"]
        elif column == "worker_id":
            allocated = np.flatnonzero(df["worker_id"].notna().to_numpy())
            candidates = [i for i in allocated if i >= index and i not in used]
            index = int(candidates[0]) if candidates else index
            value = unknown
        df.loc[index, column] = value
        defects.append(
            {"file": "cases_dirty.csv", "row": index + 2, "column": column, "value": value}
            | {"defect": defect}
        )
    out = pa.Table.from_pandas(df, preserve_index=False)
    return out, defects


def mapped_files(tables: Mapping[str, pa.Table]) -> dict[str, bytes]:
    """`mapping.toml`, `cases_mapped.csv` and `staff_mapped.csv`, by file name."""
    files = {"mapping.toml": mapping_toml().encode()}
    for name in ("cases", "staff"):
        files[f"{name}_mapped.csv"] = csv_bytes(mapped_table(tables[name], name))
    return files


def dirty_files(
    frames: Mapping[str, pd.DataFrame], tables: Mapping[str, pa.Table]
) -> dict[str, bytes]:
    """The files of the `dirty/` folder, by file name (see docs/sample-data.md)."""
    cases_csv = csv_bytes(tables["cases"])
    files = {
        "cases_bom.csv": b"\xef\xbb\xbf" + cases_csv,
        "cases_semicolon.csv": csv_bytes(tables["cases"], ";", ","),
        "staff_semicolon.csv": csv_bytes(tables["staff"], ";", ","),
    }
    staff = tables["staff"]
    names = staff.column("name").to_pylist()
    names[0] = "Zoë Example"
    staff = staff.set_column(staff.schema.get_field_index("name"), "name", pa.array(names))
    files["staff_cp1252.csv"] = csv_bytes(staff).decode().encode("cp1252")
    table, defects = dirty_cases(frames)
    files["cases_dirty.csv"] = csv_bytes(table)
    files["defects.csv"] = csv_bytes(pa.Table.from_pylist(defects))
    return files
