"""Which files to read and how, read once and validated once for any number of schemes.

Every report builder starts from `prepare(...)`: read (read/) → map headers
(contract.mapping) → validate (contract.validate). Tests and other Python code
can call it too and get exactly the inputs the CLI weighs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from caseload_cli.contract.activities import ACTIVITY_READ, no_activities_notes
from caseload_cli.contract.cases import CASE_COLUMNS, OPTIONAL_CASE_DATES
from caseload_cli.contract.mapping import apply_mapping, load_mapping
from caseload_cli.contract.parsing import parse_date
from caseload_cli.contract.reductions import REDUCTION_READ
from caseload_cli.contract.staff import STAFF_OPTIONAL, STAFF_READ
from caseload_cli.contract.validate import ValidInputs, validate
from caseload_cli.core.errors import UsageError
from caseload_cli.core.files import sample_data_dir
from caseload_cli.core.model import InputOptions, ReadOptions, Table
from caseload_cli.core.progress import Progress
from caseload_cli.engine.hubs import apply_what_if
from caseload_cli.engine.selection import Selection, select
from caseload_cli.read.table import guess_format, read_table
from caseload_cli.reports.provenance import record_input, record_snapshot_source
from caseload_cli.scheme.model import Scheme

# Few distinct values: cheap to decode as dictionaries (IDs are not: unifying per-row-group
# dictionaries of 500k IDs costs more than hashing them once later).
CODE_COLUMNS = ("law", "case_type", "stage", "role", "team_type")


@dataclass(frozen=True)
class Inputs:
    """Which files to read and how."""

    cases: str
    staff: str
    reductions: str | None = None
    read_options: ReadOptions = field(default_factory=ReadOptions)
    mapping: str | None = None
    snapshot: str | None = None
    what_if: str | None = None  # applied once the inputs are validated (engine.hubs)
    activities: str | None = None  # work that is not a case (contract.activities)
    #: The bundled sample's activities: read only for a scheme that weighs activities
    #: (a scheme without any would reject every row of them).
    activities_bundled: bool = False


def bundled_inputs() -> Inputs:
    """The shipped synthetic sample, so `caseload load` works straight after install."""
    folder = sample_data_dir()
    reductions = folder / "reductions.csv"
    activities = folder / "activities.csv"
    return Inputs(
        cases=str(folder / "cases.csv"),
        staff=str(folder / "staff.csv"),
        reductions=str(reductions) if reductions.exists() else None,
        activities=str(activities) if activities.exists() else None,
        activities_bundled=activities.exists(),
    )


def resolve_inputs(cases: str | None, source: InputOptions) -> Inputs:
    """No cases file means the bundled sample; a cases file needs its staff file."""
    staff, reductions, snapshot = source.staff, source.reductions, source.snapshot
    if cases is None:
        if staff or reductions:
            raise UsageError("give a CASES file as well as --staff/--reductions")
        bundled = bundled_inputs()
        return Inputs(
            bundled.cases,
            bundled.staff,
            bundled.reductions,
            ReadOptions(),
            None,
            snapshot,
            source.what_if,
            source.activities or bundled.activities,
            activities_bundled=not source.activities and bundled.activities is not None,
        )
    if not staff:
        raise UsageError("--staff FILE is required with a cases file (capacity comes from staff)")
    if [cases, staff, reductions, source.activities].count("-") > 1:
        raise UsageError("only one input can be read from standard input ('-')")
    return Inputs(
        cases,
        staff,
        reductions,
        source.reading,
        source.mapping,
        snapshot,
        source.what_if,
        source.activities,
    )


def read_inputs(
    inputs: Inputs, schemes: list[Scheme], keep: tuple[str, ...] | None = None
) -> tuple[Table, Table, Table | None, Table | None]:
    """The input files as tables. With `keep` (the case columns the caller uses, see
    `prepare`), Parquet hearing dates it does not use are not read when they are typed
    as dates in every file: such a column can hold no bad value, so reading it would
    only cost memory (ten million dates are 80 MB in pandas)."""
    mapping = load_mapping(inputs.mapping) if inputs.mapping else None
    flags = [m.flag for s in schemes for m in s.model.modifiers]
    # Parquet reads only these columns; text formats read everything and ignore the rest.
    case_columns = list(dict.fromkeys([*CASE_COLUMNS, *OPTIONAL_CASE_DATES, *flags]))
    if keep is not None and mapping is None:
        unused = [c for c in UNCHECKED_CASE_DATES if c not in keep]
        skipped = _typed_dates(inputs.cases, inputs.read_options, unused)
        case_columns = [c for c in case_columns if c not in skipped]

    def read(path: str, kind: str, columns: list[str]) -> Table:
        # Only Parquet gains from reading fewer columns; text formats keep every
        # header so a missing one can be matched against what is there.
        parquet = guess_format(path, inputs.read_options) == "parquet"
        wanted = columns if mapping is None and parquet else None
        table = read_table(path, inputs.read_options, columns=wanted, dictionary=CODE_COLUMNS)
        return apply_mapping(table, mapping, kind)

    cases = read(inputs.cases, "cases", case_columns)
    staff = read(inputs.staff, "staff", [*STAFF_READ, *STAFF_OPTIONAL])
    reductions = (
        read(inputs.reductions, "reductions", list(REDUCTION_READ)) if inputs.reductions else None
    )
    weighs_activities = any(s.model.activities for s in schemes)
    wanted = inputs.activities and (weighs_activities or not inputs.activities_bundled)
    activities = read(inputs.activities, "activities", list(ACTIVITY_READ)) if wanted else None
    return cases, staff, reductions, activities


#: Optional case dates the contract only checks for being dates (hearings may lie ahead).
UNCHECKED_CASE_DATES = ("first_hearing", "next_hearing")


def _typed_dates(path: str, options: ReadOptions, columns: list[str]) -> set[str]:
    """Which of `columns` every Parquet file of the input `path` (a file or a folder of
    part files) holds as a date or timestamp, so that no value in it can be rejected and
    the reader has nothing to say about it (no missing or mixed-type column). Empty for
    anything else (other formats, standard input, unreadable files: the reader reports)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from caseload_cli.core.formats import input_format_from_path
    from caseload_cli.read.frame import Wanted

    if not columns or path == "-" or guess_format(path, options) != "parquet":
        return set()
    target = Path(path)
    try:
        files = (
            sorted(
                p
                for p in target.iterdir()
                if input_format_from_path(p.name) == "parquet"
                and p.is_file()
                and not p.name.startswith((".", "_"))
            )
            if target.is_dir()
            else [target]
        )
        schemas = [pq.read_schema(p) for p in files]
    except (pa.ArrowException, OSError):
        return set()
    if not schemas:
        return set()
    typed = set()
    for column in columns:
        wanted = Wanted([column])
        kinds = [
            [f.type for f in schema if wanted(f.name.replace("\ufeff", "").strip())]
            for schema in schemas
        ]
        if all(
            len(found) == 1
            and found[0] == kinds[0][0]
            and (pa.types.is_date(found[0]) or pa.types.is_timestamp(found[0]))
            for found in kinds
        ):
            typed.add(column)
    return typed


def record_inputs(
    inputs: Inputs,
    cases: Table,
    staff: Table,
    reductions: Table | None,
    activities: Table | None = None,
) -> None:
    """Each file read, with its rows, for the run's provenance (`reports.provenance`)."""
    record_input("cases", inputs.cases, len(cases.frame))
    record_input("staff", inputs.staff, len(staff.frame))
    if reductions is not None and inputs.reductions:
        record_input("reductions", inputs.reductions, len(reductions.frame))
    if activities is not None and inputs.activities:
        record_input("activities", inputs.activities, len(activities.frame))
    record_input("mapping", inputs.mapping)


def parse_snapshot(text: str | None) -> date | None:
    if text is None:
        return None
    parsed, bad = parse_date(pd.Series([text], dtype="str"))
    if bad.iat[0] or pd.isna(parsed.iat[0]):
        raise UsageError(f"--snapshot {text!r} is not a date (use YYYY-MM-DD or DD/MM/YYYY)")
    return parsed.iat[0].date()


def prepare(
    inputs: Inputs,
    schemes: list[Scheme],
    progress: Progress | None = None,
    selection: Selection | None = None,
    narrowed_later: bool = False,
    keep: tuple[str, ...] | None = None,
) -> ValidInputs:
    """Read and validate once, however many schemes will weigh the result; then keep
    the selected workers (every row of every file is still validated and accounted for;
    with a selection, cases of workers the staff file lacks are outside it, not
    rejected, so a team's own staff file is enough; `narrowed_later` says the caller
    selects afterwards, as `week` does to tell moves from openings). `keep` names the
    case columns the caller uses (`contract.validate.validate`); a what-if needs more,
    so with one every column is kept."""
    progress = progress or Progress(False)
    progress.step(f"reading {inputs.cases} …")
    keep = None if inputs.what_if else keep  # a what-if needs hearing and report dates
    cases, staff, reductions, activities = read_inputs(inputs, schemes, keep)
    record_inputs(inputs, cases, staff, reductions, activities)
    progress.step(f"validating {len(cases.frame):,} case rows …")
    valid = validate(
        cases,
        staff,
        reductions,
        schemes,
        parse_snapshot(inputs.snapshot),
        bool(selection) or narrowed_later,
        activities,
        keep=keep,
    )
    valid.notes.extend(no_activities_notes(schemes, activities is not None))
    del cases, staff, reductions, activities  # only `valid` is needed from here on
    _release_unused()
    record_snapshot_source(getattr(valid, "snapshot_source", None))
    progress.done()
    valid = apply_what_if(valid, inputs.what_if, schemes)
    return select(valid, selection) if selection else valid


def _release_unused() -> None:
    """Return memory Arrow's allocator keeps for reuse to the system (the text columns
    read and checked), so weighing does not start on top of it."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def bundled_weeks(schemes: list[Scheme], last: int | None = None) -> list[ValidInputs]:
    """The bundled synthetic weekly series (sample_data/weeks/, oldest first; the
    `last` ones only), validated: what `week` and `trend` use without a store, so
    both work straight after install."""
    from caseload_cli.core.files import sample_data_dir

    folder = sample_data_dir() / "weeks"
    dates = sorted(p.name for p in folder.iterdir() if p.is_dir())
    kinds = ("cases", "staff", "reductions")
    return [
        prepare(Inputs(*(str(folder / day / f"{kind}.parquet") for kind in kinds)), schemes)
        for day in dates[-last if last else 0 :]
    ]
