"""The reference implementations `caseload load` and the xlsx reader are measured against.

Each function is importable (the smoke test calls them in-process on tiny
data) and each is also a sub-command, so `bench/run.py` can time it in a
fresh process exactly like the CLI:

    python bench/bench_baselines.py bare   CASES_DIR SCHEME.toml  # pyarrow + a pandas group-by
    python bench/bench_baselines.py duckdb CASES_DIR SCHEME.toml  # the same totals in DuckDB SQL
    python bench/bench_baselines.py xlsx-caseload FILE.xlsx       # readers.read_table
    python bench/bench_baselines.py xlsx-calamine FILE.xlsx       # bare python-calamine

Every sub-command prints one JSON object on stdout: `seconds` (the work
itself, imports excluded), `import_seconds` and a few sanity numbers
(workers, cases, total weighted load) that run.py checks against the
`caseload load` output.

The weight is the scheme's formula without modifiers:

    weight = (case_type weight + per_additional × min(children - 1, max_additional)) × stage factor

which for the `flat` scheme is 1 per case.
"""

from __future__ import annotations

import json
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

# The columns any weighing needs; the memory target is 3x their Arrow size.
NEEDED = ["worker_id", "case_type", "stage", "children"]


def scheme_weights(path: str | Path) -> dict[str, Any]:
    """case_type and stage weights and the child uplift from a scheme TOML file."""
    with open(path, "rb") as handle:
        scheme = tomllib.load(handle)
    weights = scheme["weights"]
    children = weights.get("children", {})
    return {
        "case_type": {str(k): float(v) for k, v in weights["case_type"].items()},
        "stage": {str(k): float(v) for k, v in weights["stage"].items()},
        "per_additional": float(children.get("per_additional", 0.0)),
        "max_additional": children.get("max_additional"),
    }


def _files(cases: str | Path) -> list[str]:
    path = Path(cases)
    if path.is_dir():
        return sorted(str(p) for p in path.glob("*.parquet"))
    return [str(path)]


def bare_minimum(cases: str | Path, weights: dict[str, Any]):
    """pyarrow reads the four needed columns; pandas does one group-by."""
    import numpy as np
    import pandas as pd
    import pyarrow.parquet as pq

    frame = pq.read_table(_files(cases), columns=NEEDED).to_pandas()

    def lookup(column: str, table: dict[str, float]) -> np.ndarray:
        series = frame[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            per_code = np.array([table.get(c, np.nan) for c in series.cat.categories])
            return per_code[series.cat.codes.to_numpy()]
        return series.map(table).to_numpy(dtype="float64")

    extra = np.maximum(frame["children"].to_numpy(dtype="int64") - 1, 0)
    if weights["max_additional"] is not None:
        extra = np.minimum(extra, weights["max_additional"])
    weight = (
        lookup("case_type", weights["case_type"]) + extra * weights["per_additional"]
    ) * lookup("stage", weights["stage"])
    work = pd.DataFrame(
        {"worker_id": frame["worker_id"], "children": frame["children"], "weight": weight}
    )
    return work.groupby("worker_id", sort=False).agg(
        cases=("weight", "size"), children=("children", "sum"), weighted_load=("weight", "sum")
    )


def duckdb_totals(cases: str | Path, weights: dict[str, Any], threads: int | None = None):
    """The same per-worker totals as `bare_minimum`, in DuckDB SQL, as an Arrow table."""
    import duckdb

    def values(table: dict[str, float]) -> str:
        return ", ".join(f"('{k}', {v!r})" for k, v in table.items())

    extra = "greatest(children - 1, 0)"
    if weights["max_additional"] is not None:
        extra = f"least({extra}, {int(weights['max_additional'])})"
    files = ", ".join(f"'{f}'" for f in _files(cases))
    sql = f"""
        WITH ct(case_type, base) AS (VALUES {values(weights["case_type"])}),
             st(stage, factor) AS (VALUES {values(weights["stage"])})
        SELECT worker_id,
               count(*) AS cases,
               sum(children) AS children,
               sum((base + {weights["per_additional"]!r} * {extra}) * factor) AS weighted_load
        FROM read_parquet([{files}]) JOIN ct USING (case_type) JOIN st USING (stage)
        WHERE worker_id IS NOT NULL
        GROUP BY worker_id
    """
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    relation = con.sql(sql)
    # DuckDB 2 names it to_arrow_table(); 1.x returns a pyarrow Table from arrow().
    fetch = getattr(relation, "to_arrow_table", None) or relation.arrow
    return fetch()


def caseload_xlsx(path: str | Path):
    from caseload_cli.read.table import read_table

    return read_table(str(path))


def calamine_xlsx(path: str | Path):
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def _main(argv: list[str]) -> int:
    started = time.perf_counter()
    command, target, *rest = argv
    if command == "bare":
        import pandas
        import pyarrow.parquet  # noqa: F401

        weights = scheme_weights(rest[0])
        ready = time.perf_counter()
        totals = bare_minimum(target, weights)
        summary = {
            "workers": len(totals),
            "cases": int(totals["cases"].sum()),
            "total": float(totals["weighted_load"].sum()),
        }
    elif command == "duckdb":
        import duckdb  # noqa: F401

        weights = scheme_weights(rest[0])
        ready = time.perf_counter()
        totals = duckdb_totals(target, weights)
        summary = {
            "workers": totals.num_rows,
            "cases": int(sum(totals.column("cases").to_pylist())),
            "total": float(sum(totals.column("weighted_load").to_pylist())),
        }
    elif command == "xlsx-caseload":
        import pandas  # noqa: F401
        import python_calamine

        import caseload_cli.read.table  # noqa: F401

        ready = time.perf_counter()
        table = caseload_xlsx(target)
        summary = {"rows": len(table.frame)}
    elif command == "xlsx-calamine":
        import python_calamine  # noqa: F401

        ready = time.perf_counter()
        rows = calamine_xlsx(target)
        summary = {"rows": len(rows) - 1}
    else:
        print(f"unknown command {command!r}", file=sys.stderr)
        return 2
    done = time.perf_counter()
    print(json.dumps({"seconds": done - ready, "import_seconds": ready - started, **summary}))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
