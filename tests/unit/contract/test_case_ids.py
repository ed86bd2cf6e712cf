"""The case_id checks on ten million rows take shortcuts (no copy of IDs that are clean
already, a fingerprint before the exact duplicate check, accepted cases' columns let go
after the checks); none of them may change a rejection or a number."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from caseload_cli.contract import cases as contract_cases
from caseload_cli.contract.parsing import clean_text
from caseload_cli.contract.rejections import Rejections, first_rows
from caseload_cli.core.model import Table
from caseload_cli.reports.inputs import Inputs, prepare
from caseload_cli.scheme.model import load_scheme

POOL = ["A1", "A1 ", " A1", "b2", "", None, "é1", "1é", "\tZ9", "Z9", "0001", "1", "x" * 40, "ÿ"]


def _reference(case_id: pd.Series, rows: np.ndarray) -> pd.DataFrame:
    """The check as it was written before the fingerprint: pandas over every row."""
    table = Table(pd.DataFrame({"case_id": case_id}), "cases.csv", rows, ".", [])
    rejections = Rejections()
    if not pd.Index(case_id).is_unique:
        duplicate = case_id.ne("") & case_id.duplicated(keep="first")
        reasons = "duplicate case_id (first at row " + first_rows(table, case_id).astype(str) + ")"
        rejections.add(table, duplicate, "case_id", reasons)
    return rejections.frame()


@pytest.mark.parametrize("seed", range(40))
def test_case_id_text_is_clean_text(seed):
    rng = random.Random(seed)
    values = pd.Series([rng.choice(POOL) for _ in range(rng.randint(0, 50))], dtype="str")
    fast = contract_cases.case_id_text(values)
    plain = clean_text(values)
    assert fast.tolist() == plain.tolist()
    assert fast.dtype == plain.dtype


def test_clean_ids_are_not_copied():
    values = pd.Series(["0001", "A-1", "b2", "Zz9"], dtype="str")
    assert contract_cases.case_id_text(values) is values
    untrimmed = pd.Series(["0001", "A-1 "], dtype="str")
    assert contract_cases.case_id_text(untrimmed) is not untrimmed


@pytest.mark.parametrize("seed", range(60))
def test_duplicates_found_as_pandas_finds_them(seed):
    rng = random.Random(seed)
    size = rng.randint(0, 80)
    pool = [p for p in POOL if p is not None] + [f"C{i}" for i in range(rng.randint(0, 40))]
    ids = clean_text(pd.Series([rng.choice(pool) for _ in range(size)], dtype="str"))
    rows = np.arange(2, size + 2, dtype=np.int64) * 3
    table = Table(pd.DataFrame({"case_id": ids}), "cases.csv", rows, ".", [])
    rejections = Rejections()
    contract_cases._reject_duplicates(table, rejections, ids)
    pd.testing.assert_frame_equal(rejections.frame(), _reference(ids, rows))


def test_duplicates_in_many_chunks():
    # Arrow-backed text in several chunks, some sliced: fingerprints follow the offsets.
    chunks = [
        pa.array(["a", "bb", "a"]),
        pa.array(["x", "bb", "ccc", ""]).slice(1),
        pa.array([], pa.string()),
    ]
    ids = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks, type=pa.string())))
    ids = ids.astype("str")
    assert ids.array.__arrow_array__().num_chunks > 1
    rows = np.arange(1, len(ids) + 1, dtype=np.int64)
    table = Table(pd.DataFrame({"case_id": ids}), "cases.csv", rows, ".", [])
    rejections = Rejections()
    contract_cases._reject_duplicates(table, rejections, ids)
    found = rejections.frame()
    assert found["row"].tolist() == [3, 4]
    assert found["reason"].tolist() == [
        "duplicate case_id (first at row 1)",
        "duplicate case_id (first at row 2)",
    ]


def test_fingerprints_tell_lengths_apart():
    values = pa.chunked_array([pa.array(["a", "a\x00", "", "\x00"])])
    assert len(set(contract_cases._fingerprints(values).tolist())) == 4


def _messy_cases() -> pd.DataFrame:
    folder = Path(__file__).resolve().parents[3] / "sample_data"
    cases = pq.read_table(folder / "cases.parquet").to_pandas()
    for column in ("case_id", "worker_id", "law", "case_type", "stage"):
        cases[column] = cases[column].astype(object)
    last = len(cases) - 1
    # Duplicates far apart (other row groups, other files), blanks, unknown workers.
    cases.loc[[5, 900, 2000], "case_id"] = cases["case_id"].iloc[[last, last - 1, 3]].to_numpy()
    cases.loc[[7, 1500], "case_id"] = [None, "  "]
    cases.loc[[11, 2500], "worker_id"] = ["W9999", " W0018 "]
    cases.loc[13, "law"] = "civil"
    return cases


def test_row_groups_and_files_reject_as_one_table(tmp_path):
    folder = Path(__file__).resolve().parents[3] / "sample_data"
    table = pa.Table.from_pandas(_messy_cases(), preserve_index=False)
    one = tmp_path / "one.parquet"
    pq.write_table(table, one)
    groups = tmp_path / "groups.parquet"
    pq.write_table(table, groups, row_group_size=333)
    parts = tmp_path / "parts"
    parts.mkdir()
    half = table.num_rows // 2
    pq.write_table(table.slice(0, half), parts / "part-0.parquet", row_group_size=500)
    pq.write_table(table.slice(half), parts / "part-1.parquet", row_group_size=700)
    scheme = load_scheme("flat")

    def run(path: Path, keep: tuple[str, ...] | None = None):
        inputs = Inputs(str(path), str(folder / "staff.parquet"), None)
        return prepare(inputs, [scheme], keep=keep)

    expected = run(one)
    rejects = expected.rejects.drop(columns="file")
    assert rejects["row"].tolist() == [8, 12, 14, 1501, 2001, 3307, 3308]
    assert rejects["reason"].iloc[-3:].tolist() == [
        "duplicate case_id (first at row 4)",
        "duplicate case_id (first at row 901)",
        "duplicate case_id (first at row 6)",
    ]
    for path in (groups, parts):
        valid = run(path)
        pd.testing.assert_frame_equal(valid.rejects.drop(columns="file"), rejects)
        pd.testing.assert_frame_equal(valid.cases, expected.cases)
        assert valid.accounting == expected.accounting
    # Letting go of columns the caller does not use changes no rejection.
    lean = run(parts, keep=("case_type", "stage", "children", "_staff", "no_such_column"))
    pd.testing.assert_frame_equal(lean.rejects.drop(columns="file"), rejects)
    kept = ["_staff", "case_type", "stage", "children"]
    assert list(lean.cases.columns) == kept
    pd.testing.assert_frame_equal(lean.cases, expected.cases[kept])


def test_hearing_dates_are_skipped_only_when_typed_in_every_file(tmp_path):
    from caseload_cli.core.model import ReadOptions
    from caseload_cli.reports.inputs import _typed_dates

    folder = Path(__file__).resolve().parents[3] / "sample_data"
    table = pq.read_table(folder / "cases.parquet")
    wanted = ["first_hearing", "next_hearing"]
    typed = tmp_path / "typed.parquet"
    pq.write_table(table, typed)
    assert _typed_dates(str(typed), ReadOptions(), wanted) == set(wanted)
    assert _typed_dates(str(typed), ReadOptions(input_format="csv"), wanted) == set()
    # Text hearing dates can be bad, and a column missing from one part file gets a note.
    column = table.schema.get_field_index("next_hearing")
    text = table.set_column(column, "next_hearing", table.column(column).cast(pa.string()))
    parts = tmp_path / "parts"
    parts.mkdir()
    pq.write_table(text.slice(0, 100), parts / "part-0.parquet")
    pq.write_table(table.slice(100).drop_columns(["first_hearing"]), parts / "part-1.parquet")
    assert _typed_dates(str(parts), ReadOptions(), wanted) == set()
    assert _typed_dates(str(tmp_path / "missing.parquet"), ReadOptions(), wanted) == set()


def test_load_still_rejects_a_bad_text_hearing_date(tmp_path, run):
    folder = Path(__file__).resolve().parents[3] / "sample_data"
    cases = pq.read_table(folder / "cases.parquet")
    column = cases.schema.get_field_index("next_hearing")
    text = cases.column(column).cast(pa.string()).to_pylist()
    text[4] = "31/02/2022"
    path = tmp_path / "cases.parquet"
    pq.write_table(cases.set_column(column, "next_hearing", pa.array(text)), path)
    staff = folder / "staff.parquet"
    common = (path, "--staff", staff, "--format", "csv")
    loaded = run("load", *common, "--rejects", tmp_path / "rejects.csv")
    assert loaded.exit_code == 0, loaded.output
    rejects = pd.read_csv(tmp_path / "rejects.csv")
    assert rejects[["row", "column"]].values.tolist() == [[5, "next_hearing"]]
    checked = run("validate", *common)
    assert "next_hearing is not a date" in checked.stdout
