"""The reference implementations `caseload load` and the xlsx reader are measured against.

Each function is importable (the smoke test calls them in-process on tiny
data) and each is also a sub-command, so `bench/run.py` can time it in a
fresh process exactly like the CLI:

    python bench/bench_baselines.py bare   CASES_DIR SCHEME.toml  # pyarrow + a pandas group-by
    python bench/bench_baselines.py duckdb CASES_DIR SCHEME.toml  # the same totals in DuckDB SQL
    python bench/bench_baselines.py xlsx-caseload FILE.xlsx       # readers.read_table
    python bench/bench_baselines.py xlsx-calamine FILE.xlsx       # bare python-calamine
    python bench/bench_baselines.py duckdb-history CASES STAFF REDUCTIONS CODES.json OUT_DIR
    python bench/bench_baselines.py duckdb-week STORE TEAM         # this week vs last, in SQL

Every sub-command prints one JSON object on stdout: `seconds` (the work
itself, imports excluded), `import_seconds` and a few sanity numbers
(workers, cases, total weighted load) that run.py checks against the
`caseload load` output.

The weight is the scheme's formula without modifiers:

    weight = (case_type weight + per_additional × min(children - 1, max_additional)) × stage factor

which for the `flat` scheme is 1 per case.
"""

from __future__ import annotations

import importlib
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


def _connect(threads: int | None = None):
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def _quoted(values) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


def duckdb_history_add(
    cases: str | Path,
    staff: str | Path,
    reductions: str | Path,
    codes: dict[str, Any],
    out_dir: str | Path,
    threads: int | None = None,
) -> dict[str, int]:
    """What `caseload history add` does, at its least, in DuckDB: read the three files,
    count what the contract's checks would reject (duplicate or blank case ids, workers
    missing from staff, unknown codes, children out of range, duplicate staff, unknown
    roles and reduction reasons) and write a hive-partitioned Parquet copy of each table.
    Returns the problem counts and the rows written (rows are not removed: there are none
    to remove in the benchmark data, which run.py checks against the store's manifest)."""
    con = _connect(threads)
    for name, path in (("cases", cases), ("staff", staff), ("reductions", reductions)):
        con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM read_parquet('{path}')")
    day = con.execute("SELECT max(snapshot) FROM cases").fetchone()[0]
    checks = {
        "duplicate_case_ids": "SELECT count(*) FROM cases WHERE case_id IN "
        "(SELECT case_id FROM cases GROUP BY case_id HAVING count(*) > 1)",
        "blank_case_ids": "SELECT count(*) FROM cases WHERE coalesce(trim(case_id), '') = ''",
        "workers_missing_from_staff": "SELECT count(*) FROM cases c ANTI JOIN staff s "
        "USING (worker_id) WHERE c.worker_id IS NOT NULL",
        "unknown_codes": f"""SELECT count(*) FROM cases
            WHERE case_type NOT IN ({_quoted(codes["case_type"])})
               OR stage NOT IN ({_quoted(codes["stage"])})
               OR law NOT IN ({_quoted(codes["law"])})
               OR case_type IS NULL OR stage IS NULL OR law IS NULL""",
        "children_out_of_range": "SELECT count(*) FROM cases WHERE children IS NULL "
        f"OR children < 1 OR children > {int(codes['max_children'])}",
        "opened_after_snapshot": "SELECT count(*) FROM cases WHERE opened > snapshot",
        "duplicate_staff": "SELECT count(*) - count(DISTINCT worker_id) FROM staff",
        "bad_staff": f"""SELECT count(*) FROM staff WHERE role NOT IN ({_quoted(codes["role"])})
            OR role IS NULL OR NOT (contracted_hours > 0
            AND contracted_hours <= {float(codes["max_hours"])})""",
        "bad_reductions": """SELECT count(*) FROM reductions r ANTI JOIN staff s
            USING (worker_id)""",
        "unknown_reasons": "SELECT count(*) FROM reductions "
        f"WHERE reason NOT IN ({_quoted(codes['reason'])}) OR reason IS NULL",
    }
    result = {name: con.execute(sql).fetchone()[0] for name, sql in checks.items()}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    copies = {
        "cases": "SELECT * EXCLUDE (snapshot), snapshot AS snapshot_in_file, "
        "$day AS snapshot FROM cases",
        "staff": "SELECT *, $day AS snapshot FROM staff",
        "reductions": "SELECT *, $day AS snapshot FROM reductions",
    }
    for name, select in copies.items():
        select = select.replace("$day", f"DATE '{day.isoformat()}'")
        con.execute(
            f"COPY ({select}) TO '{out / name}' "
            "(FORMAT PARQUET, PARTITION_BY (snapshot), COMPRESSION zstd, OVERWRITE_OR_IGNORE)"
        )
        result[f"{name}_written"] = con.execute(
            f"SELECT count(*) FROM read_parquet('{out / name}/*/*.parquet')"
        ).fetchone()[0]
    result["snapshot"] = day.isoformat()
    return result


def store_dates(store: str | Path) -> list[str]:
    """The snapshot dates of a history store, from its `cases/snapshot=…` folder names."""
    folder = Path(store) / "cases"
    return sorted(p.name.split("=", 1)[1] for p in folder.glob("snapshot=*") if p.is_dir())


def duckdb_week(store: str | Path, team: str, threads: int | None = None):
    """Per-worker case counts this week and last for one team's FCAs, in DuckDB SQL over
    the store's hive-partitioned Parquet (the dates come from the folder names, as
    `week` takes them from the store; the `snapshot IN (…)` filter prunes partitions)."""
    now, before = store_dates(store)[-2:][::-1]
    con = _connect(threads)
    sql = f"""
        WITH team AS (
            SELECT worker_id
            FROM read_parquet('{store}/staff/*/*.parquet', hive_partitioning = true)
            WHERE snapshot = DATE '{now}' AND team = $team AND role IN ('fca', 'locum_fca')),
        counts AS (
            SELECT snapshot, worker_id, count(*) AS n
            FROM read_parquet('{store}/cases/*/*.parquet', hive_partitioning = true)
            WHERE snapshot IN (DATE '{now}', DATE '{before}') GROUP BY ALL)
        SELECT t.worker_id, coalesce(c.n, 0) AS cases, coalesce(p.n, 0) AS cases_previous
        FROM team t
        LEFT JOIN counts c ON c.worker_id = t.worker_id AND c.snapshot = DATE '{now}'
        LEFT JOIN counts p ON p.worker_id = t.worker_id AND p.snapshot = DATE '{before}'
        ORDER BY t.worker_id
    """
    rows = con.execute(sql, {"team": team}).fetchall()
    return {"as_at": now, "previous": before, "rows": rows}


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
    elif command == "duckdb-history":
        importlib.import_module("duckdb")  # imports are not part of `seconds`

        staff, reductions, codes_path, out_dir = rest
        codes = json.loads(Path(codes_path).read_text())
        ready = time.perf_counter()
        summary = duckdb_history_add(target, staff, reductions, codes, out_dir)
    elif command == "duckdb-week":
        importlib.import_module("duckdb")  # imports are not part of `seconds`

        ready = time.perf_counter()
        week = duckdb_week(target, rest[0])
        summary = {
            "as_at": week["as_at"],
            "previous": week["previous"],
            "workers": len(week["rows"]),
            "cases": sum(r[1] for r in week["rows"]),
            "cases_previous": sum(r[2] for r in week["rows"]),
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
