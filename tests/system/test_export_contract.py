"""The export contract scripts can pin (docs/export-schema.md, caseload_cli/schemas/):
every export of every command and level, in every machine format, has exactly the
columns its JSON Schema and the docs list, validates against that schema, ends with
the stamp columns, and uses plain Parquet types."""

from __future__ import annotations

import csv
import io
import json
import re
import runpy
from functools import cache

import jsonschema
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import ROOT
from openpyxl import load_workbook

from caseload_cli import schemas
from caseload_cli.render.report import render
from caseload_cli.render.stamps import EXPORT_SCHEMA_VERSION, STAMP_FIELDS

GENERATOR = runpy.run_path(str(ROOT / "docs" / "gen_export_schemas.py"))
DOC = ROOT / "docs" / "export-schema.md"


@cache
def doc_tables() -> dict[str, list[tuple[str, str]]]:
    """Each `### \\`name\\`` table of the generated section: (column, type) in order."""
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index(GENERATOR["BEGIN"]) : text.index(GENERATOR["END"])]
    tables: dict[str, list[tuple[str, str]]] = {}
    name = None
    for line in section.splitlines():
        heading = re.match(r"^### `([a-z_]+)`$", line)
        if heading:
            name = heading.group(1)
            tables[name] = []
        row = re.match(r"^\| `([^`]+)` \| ([^|]+) \|$", line)
        if row and name:
            tables[name].append((row.group(1), row.group(2).strip()))
    return tables


def hand_table(heading: str) -> list[str]:
    """The first column of the first table under a `## heading` written by hand."""
    text = DOC.read_text(encoding="utf-8")
    part = text[text.index(f"## {heading}") :]
    part = part[: part.index("\n## ", 3)]
    return re.findall(r"^\| `([^`]+)` \|", part, flags=re.M)


def test_every_export_has_a_schema_file_and_a_doc_table():
    shipped = {p.stem for p in (ROOT / "caseload_cli" / "schemas").glob("*.json")}
    assert shipped == set(schemas.EXPORTS)
    assert set(doc_tables()) == set(schemas.EXPORTS)
    for name in schemas.EXPORTS:
        found = schemas.schema(name)
        assert found["x-export-schema-version"] == EXPORT_SCHEMA_VERSION
        jsonschema.Draft202012Validator.check_schema(found)


def test_schemas_ship_as_package_data():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"caseload_cli.schemas"' in pyproject
    assert re.search(r'"caseload_cli\.schemas" = \["\*\.json"\]', pyproject)


@pytest.mark.parametrize("name", sorted(schemas.EXPORTS))
def test_export_follows_its_schema_and_the_docs_in_every_format(name):
    report = GENERATOR["capture"](name)
    schema = schemas.schema(name)
    validator = jsonschema.Draft202012Validator(schema)
    own = [str(c) for c in report.rows.columns]
    stamps = [s for s in STAMP_FIELDS if s not in own] if report.schemes else []
    flat = [*own, *stamps]
    assert schema["x-columns"] == flat
    assert schema == GENERATOR["build_schema"](name, report), (
        "stale schema: python docs/gen_export_schemas.py"
    )

    # ndjson: every record validates, columns in order, stamp fields last
    records = [json.loads(line) for line in render(report, "ndjson").splitlines()]
    assert len(records) == len(report.rows)
    for record in records:
        validator.validate(record)
        assert list(record) == flat

    # csv: the same columns in the same order
    rows = list(csv.reader(io.StringIO(render(report, "csv"))))
    assert rows[0] == flat
    if stamps and "snapshot" in stamps and report.metadata.get("snapshot"):
        assert {r[flat.index("snapshot")] for r in rows[1:]} <= {str(report.metadata["snapshot"])}

    # parquet: the same columns as real columns, plain types, rows valid
    table = pq.read_table(io.BytesIO(render(report, "parquet")))
    assert table.column_names == flat
    for field in table.schema:
        assert not pa.types.is_dictionary(field.type), field
        assert not pa.types.is_large_string(field.type), field
    for row in table.to_pylist():
        validator.validate(row)
    version = table.schema.metadata[b"caseload.export_schema_version"].decode()
    assert version == EXPORT_SCHEMA_VERSION

    # json: the columns without the stamp (the document's scheme key holds it)
    document = json.loads(render(report, "json"))
    assert document["export_schema_version"] == EXPORT_SCHEMA_VERSION
    assert document["provenance"]["export_schema_version"] == EXPORT_SCHEMA_VERSION
    extra = dict(zip(stamps, rows[1][len(own) :], strict=True)) if len(rows) > 1 else {}
    extra = {k: v or None for k, v in extra.items()}
    for row in document["rows"]:
        assert list(row) == own
        validator.validate({**row, **extra})

    # xlsx: the main sheet's header row
    book = load_workbook(io.BytesIO(render(report, "xlsx")), read_only=True)
    first = next(book.worksheets[0].iter_rows(max_row=1, values_only=True), ())
    assert [str(v) for v in first if v is not None] == own
    about = {r[0]: r[1] for r in book["about"].iter_rows(min_row=2, values_only=True)}
    assert about["export_schema_version"] == EXPORT_SCHEMA_VERSION
    book.close()

    # the docs: the same columns, and the schema's types
    documented = doc_tables()[name]
    assert [c for c, _ in documented] == own
    for column, kind in documented:
        types = schema["properties"][column]["type"]
        first_type = types[0] if isinstance(types, list) else types
        assert kind.split(" ")[0] == GENERATOR["_KINDS"][first_type]


def test_hand_written_tables_match_load_columns():
    worker = schemas.schema("load_worker")["x-columns"]
    team = schemas.schema("load_team")["x-columns"]
    assert hand_table("Per worker") == [c for c in worker if c not in STAMP_FIELDS]
    assert hand_table("Roll-ups") == [c for c in team if c not in STAMP_FIELDS]
