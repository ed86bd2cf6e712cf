"""The reference implementations `caseload load` and the xlsx reader are measured against.

Each function is importable (the smoke test calls them in-process on tiny
data) and each is also a sub-command, so `bench/run.py` can time it in a
fresh process exactly like the CLI:

    python bench/bench_baselines.py bare   CASES_DIR SCHEME.toml  # pyarrow + a pandas group-by
    python bench/bench_baselines.py duckdb CASES_DIR SCHEME.toml  # the same totals in DuckDB SQL
    python bench/bench_baselines.py duckdb-validated CASES STAFF SCHEME.toml  # + the contract's
                                                   # checks in SQL (CASES: Parquet dir or CSV)
    python bench/bench_baselines.py duckdb-trend STORE SCHEME.toml # per team and snapshot
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


#: The contract's case checks that `duckdb_validated` does in SQL (docs/data-contract.md).
MAX_CHILDREN = 20
LAWS = ("private", "public")
PAST_DATES = ("allocated", "report_filed", "hub_entered")


def _source(cases: str | Path) -> str:
    """A DuckDB table function over the cases: Parquet files, or one CSV read as text."""
    path = Path(cases)
    if path.suffix.lower() == ".csv":
        return f"read_csv('{path}', header = true, all_varchar = true)"
    return f"read_parquet([{', '.join(repr(f) for f in _files(path))}])"


def duckdb_validated(
    cases: str | Path,
    staff: str | Path,
    weights: dict[str, Any],
    threads: int | None = None,
) -> dict[str, Any]:
    """`caseload load`'s work at its least, in DuckDB SQL: the case contract's checks
    (blank or duplicate case IDs, workers missing from staff, blank or unknown law, case
    type and stage, children blank, not whole or out of 1..20, opened missing or not a
    date, dates after the snapshot or before opened) as one flag per row, and the
    per-worker totals of the rows that pass. It names no row and no reason, so it does
    less than the contract (which says which row, which column and why); the ratio
    against it is an upper bound on what could be saved. A CSV is read as text and cast
    with `TRY_CAST`, as the contract parses text cells."""
    con = _connect(threads)

    def codes(table: dict[str, float]) -> str:
        return _quoted(table)

    def day(column: str) -> str:
        return f"TRY_CAST({column} AS DATE)"

    past = [c for c in PAST_DATES if c in _columns(con, cases)]
    late = " OR ".join(
        f"{day(c)} > coalesce({day('snapshot')}, current_date) OR {day(c)} < {day('opened')}"
        for c in past
    )
    extra = "greatest(children - 1, 0)"
    if weights["max_additional"] is not None:
        extra = f"least({extra}, {int(weights['max_additional'])})"
    checked = f"""
        CREATE TEMP TABLE checked AS
        WITH c AS (SELECT * FROM {_source(cases)}),
        typed AS (
            SELECT trim(CAST(case_id AS VARCHAR)) AS case_id,
                   trim(CAST(worker_id AS VARCHAR)) AS worker_id,
                   lower(trim(CAST(law AS VARCHAR))) AS law,
                   lower(trim(CAST(case_type AS VARCHAR))) AS case_type,
                   lower(trim(CAST(stage AS VARCHAR))) AS stage,
                   TRY_CAST(children AS BIGINT) AS children,
                   {day("opened")} AS opened,
                   ({late or "false"}) AS late
            FROM c),
        s AS (SELECT DISTINCT trim(CAST(worker_id AS VARCHAR)) AS worker_id
              FROM read_parquet('{staff}')),
        dup AS (SELECT case_id FROM typed GROUP BY case_id HAVING count(*) > 1)
        SELECT t.*, (coalesce(t.case_id, '') = '' OR d.case_id IS NOT NULL
            OR (coalesce(t.worker_id, '') <> '' AND s.worker_id IS NULL)
            OR t.law IS NULL OR t.law NOT IN ({codes(LAWS)})
            OR t.case_type IS NULL OR t.case_type NOT IN ({codes(weights["case_type"])})
            OR t.stage IS NULL OR t.stage NOT IN ({codes(weights["stage"])})
            OR t.children IS NULL OR t.children < 1 OR t.children > {MAX_CHILDREN}
            OR t.opened IS NULL OR coalesce(t.late, false)) AS bad
        FROM typed t LEFT JOIN dup d ON d.case_id = t.case_id
        LEFT JOIN s ON s.worker_id = t.worker_id
    """
    con.execute(checked)
    totals = f"""
        WITH ct(case_type, base) AS (VALUES {_values(weights["case_type"])}),
        st(stage, factor) AS (VALUES {_values(weights["stage"])})
        SELECT worker_id, count(*) AS cases, sum(children) AS children,
               sum((base + {weights["per_additional"]!r} * {extra}) * factor) AS weighted_load
        FROM checked JOIN ct USING (case_type) JOIN st USING (stage)
        WHERE NOT bad AND coalesce(worker_id, '') <> ''
        GROUP BY worker_id
    """
    rows = con.execute(totals).fetchall()
    rejected = con.execute("SELECT count(*) FILTER (WHERE bad) FROM checked").fetchone()[0]
    return {
        "workers": len(rows),
        "cases": int(sum(r[1] for r in rows)),
        "total": float(sum(r[3] for r in rows)),
        "rejected": int(rejected),
    }


def _columns(con, cases: str | Path) -> set[str]:
    return {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {_source(cases)}").fetchall()}


def _values(table: dict[str, float]) -> str:
    return ", ".join(f"('{k}', {v!r})" for k, v in table.items())


def scheme_capacity(path: str | Path) -> dict[str, Any]:
    """The capacity settings of a scheme TOML file (full-time hours and targets)."""
    with open(path, "rb") as handle:
        capacity = tomllib.load(handle)["capacity"]
    return {
        "full_time_hours": float(capacity["full_time_hours"]),
        "default_target": float(capacity["default_target"]),
        "by_team_type": {k: float(v) for k, v in capacity.get("target_by_team_type", {}).items()},
        "by_role": {k: float(v) for k, v in capacity.get("target_by_role", {}).items()},
    }


def duckdb_trend(
    store: str | Path, weights: dict[str, Any], capacity: dict[str, Any], threads: int | None = None
) -> dict[str, Any]:
    """`caseload trend --by team` at its least, in DuckDB SQL over the whole store: per
    snapshot and team, the FCAs (fca, locum_fca), their cases, weighted load and capacity
    (target by role, else team type, else default, × available FTE after the stored
    reductions), reading every partition of cases, staff and reductions once."""
    con = _connect(threads)
    extra = "greatest(children - 1, 0)"
    if weights["max_additional"] is not None:
        extra = f"least({extra}, {int(weights['max_additional'])})"
    hive = "hive_partitioning = true"
    by_role = _values(capacity["by_role"]) or "(NULL, NULL)"
    sql = f"""
        WITH ct(case_type, base) AS (VALUES {_values(weights["case_type"])}),
        st(stage, factor) AS (VALUES {_values(weights["stage"])}),
        tt(team_type, tt_target) AS (VALUES {_values(capacity["by_team_type"])}),
        rt(role, role_target) AS (VALUES {by_role}),
        red AS (SELECT snapshot, worker_id, sum(hours) AS hours
                FROM read_parquet('{store}/reductions/*/*.parquet', {hive}) GROUP BY ALL),
        fca AS (
            SELECT s.snapshot, s.worker_id, s.service_area, s.team,
                   round(coalesce(role_target, tt_target, {capacity["default_target"]!r})
                         * greatest(s.contracted_hours - coalesce(r.hours, 0), 0)
                         / {capacity["full_time_hours"]!r}, 6) AS capacity
            FROM read_parquet('{store}/staff/*/*.parquet', {hive}) s
            LEFT JOIN red r USING (snapshot, worker_id)
            LEFT JOIN tt ON tt.team_type = CAST(s.team_type AS VARCHAR)
            LEFT JOIN rt ON rt.role = CAST(s.role AS VARCHAR)
            WHERE CAST(s.role AS VARCHAR) IN ('fca', 'locum_fca')),
        load AS (
            SELECT c.snapshot, CAST(c.worker_id AS VARCHAR) AS worker_id, count(*) AS cases,
                   sum((base + {weights["per_additional"]!r} * {extra}) * factor) AS weighted_load
            FROM read_parquet('{store}/cases/*/*.parquet', {hive}) c
            JOIN ct ON ct.case_type = CAST(c.case_type AS VARCHAR)
            JOIN st ON st.stage = CAST(c.stage AS VARCHAR)
            GROUP BY ALL)
        SELECT f.snapshot, f.service_area, f.team, count(*) AS workers,
               coalesce(sum(l.cases), 0) AS cases, coalesce(sum(l.weighted_load), 0) AS load,
               sum(f.capacity) AS capacity
        FROM fca f LEFT JOIN load l
          ON l.snapshot = f.snapshot AND l.worker_id = CAST(f.worker_id AS VARCHAR)
        GROUP BY ALL ORDER BY 1, 2, 3
    """
    rows = con.execute(sql).fetchall()
    return {
        "rows": len(rows),
        "snapshots": len({r[0] for r in rows}),
        "cases": int(sum(r[4] for r in rows)),
        "total": float(sum(r[5] for r in rows)),
        "capacity": float(sum(r[6] for r in rows)),
    }


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
        import duckdb

        weights = scheme_weights(rest[0])
        ready = time.perf_counter()
        totals = duckdb_totals(target, weights)
        summary = {
            "workers": totals.num_rows,
            "cases": int(sum(totals.column("cases").to_pylist())),
            "total": float(sum(totals.column("weighted_load").to_pylist())),
        }
    elif command == "duckdb-validated":
        import duckdb

        staff, scheme = rest
        weights = scheme_weights(scheme)
        ready = time.perf_counter()
        summary = duckdb_validated(target, staff, weights)
    elif command == "duckdb-trend":
        import duckdb  # noqa: F401

        weights, capacity = scheme_weights(rest[0]), scheme_capacity(rest[0])
        ready = time.perf_counter()
        summary = duckdb_trend(target, weights, capacity)
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
