"""Read Parquet: one file, a directory of part files, or bytes from standard input.

The fast path for national exports. Columns stay typed (nullable pandas
dtypes, so a missing value does not turn integers into floats); part files
whose schemas differ are unified, and repetitive text columns can be read as
categoricals. Parquet has no row numbers of its own, so rows count from 1.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from caseload_cli.core.errors import InputError
from caseload_cli.core.model import ReadOptions, Table
from caseload_cli.read.frame import Wanted


def read_parquet(
    files: list[Path | io.BytesIO],
    labels: list[str],
    source: str,
    options: ReadOptions,
    wanted: Wanted,
) -> Table:
    """Read Parquet `files` (named `labels` in messages) as one `Table` called `source`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    notes: list[str] = []

    def fail(label: str, exc: Exception) -> InputError:
        where = source if label == source else f"{source} ({label})"
        return InputError(f"{where}: not a readable Parquet file ({exc})")

    schemas = []
    for file, label in zip(files, labels, strict=True):
        try:
            schemas.append(pq.read_schema(file))
        except (pa.ArrowException, OSError) as exc:
            if isinstance(exc, PermissionError):
                raise InputError(f"{label}: permission denied") from None
            raise fail(label, exc) from None
        if isinstance(file, io.BytesIO):
            file.seek(0)

    order: list[str] = []
    types: dict[str, list] = {}
    for schema in schemas:
        for field in schema:
            if field.name.startswith("__index_level_"):
                continue
            if field.name not in types:
                order.append(field.name)
                types[field.name] = []
            types[field.name].append(field.type)
    clean = {n: n.replace("\ufeff", "").strip() for n in order}
    seen: dict[str, int] = {}
    for position, name in enumerate(order):
        key = clean[name].casefold()
        if key in seen:
            raise InputError(
                f"{source}: duplicate header '{clean[name]}' "
                f"(columns {seen[key] + 1} and {position + 1})"
            )
        seen[key] = position
    names = [n for n in order if wanted(clean[n])]

    target: dict[str, object] = {}
    for name in names:
        distinct = list(dict.fromkeys(types[name]))
        if len(distinct) == 1:
            target[name] = distinct[0]
            continue
        plain = [t.value_type if pa.types.is_dictionary(t) else t for t in distinct]
        try:
            unified = pa.unify_schemas(
                [pa.schema([(name, t)]) for t in plain], promote_options="permissive"
            )
            target[name] = unified.field(name).type
        except (pa.ArrowTypeError, pa.ArrowInvalid, pa.ArrowNotImplementedError):
            target[name] = pa.string()
            notes.append(
                f"{source}: column '{name}' has different types across files "
                f"({', '.join(str(t) for t in distinct)}); read as text"
            )
    for name in names:
        missing = len(files) - len(types[name])
        if missing:
            notes.append(
                f"{source}: column '{name}' missing in {missing} of {len(files)} files; "
                "treated as blank"
            )

    as_dictionary = {
        n
        for n in names
        if wanted.as_dictionary(clean[n])
        and (pa.types.is_string(target[n]) or pa.types.is_large_string(target[n]))
    }
    for name in as_dictionary:
        target[name] = pa.dictionary(pa.int32(), target[name])
    pieces = []
    for file, label, schema in zip(files, labels, schemas, strict=True):
        present = [n for n in names if n in schema.names]
        try:
            part = pq.read_table(
                file,
                columns=present,
                use_pandas_metadata=False,
                read_dictionary=[n for n in present if n in as_dictionary] or None,
            )
        except (pa.ArrowException, OSError) as exc:
            raise fail(label, exc) from None
        arrays = []
        for name in names:
            wanted_type = target[name]
            if name in present:
                column = part.column(name)
                if column.type != wanted_type:
                    try:
                        column = column.cast(wanted_type)
                    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                        raise InputError(
                            f"{source}: column '{name}' in {label} cannot be converted "
                            f"to {wanted_type} ({exc})"
                        ) from None
                arrays.append(column)
            else:
                arrays.append(_nulls(part.num_rows, wanted_type))
        pieces.append(
            pa.table(arrays, schema=pa.schema([(n, target[n]) for n in names]))
            if names
            else pa.table({"__rows__": pa.nulls(part.num_rows)})
        )
    table = pa.concat_tables(pieces) if pieces else pa.table({})
    pieces = part = arrays = column = None  # the table is now the only owner of the buffers
    if not names:
        frame = pd.DataFrame(index=pd.RangeIndex(table.num_rows))
    else:
        # Each column's Arrow buffers are freed as soon as it is converted, so the
        # whole table and the whole frame are never held at once.
        frame = table.to_pandas(
            types_mapper=_arrow_to_pandas_type,
            date_as_object=False,
            split_blocks=True,
            self_destruct=True,
        )
        del table
        # Arrow's allocator keeps freed pages for reuse; hand the table's back now, so
        # the process does not hold the Arrow table and the frame's copy of it at once.
        pa.default_memory_pool().release_unused()
    frame = frame.reset_index(drop=True)
    frame.columns = [clean[n] for n in names]
    row_numbers = np.arange(1, len(frame) + 1, dtype=np.int64)
    return Table(frame, source, row_numbers, options.decimal or ".", notes)


def _arrow_to_pandas_type(arrow_type: object) -> object:
    """Nullable pandas dtypes so missing values do not turn ints into floats."""
    import pyarrow as pa

    if pa.types.is_uint64(arrow_type):
        return pd.UInt64Dtype()
    if pa.types.is_integer(arrow_type):
        return pd.Int64Dtype()
    if pa.types.is_boolean(arrow_type):
        return pd.BooleanDtype()
    if pa.types.is_floating(arrow_type):
        return pd.Float64Dtype()
    return None


def _nulls(length: int, arrow_type: object) -> object:
    import pyarrow as pa

    if pa.types.is_dictionary(arrow_type):
        return pa.DictionaryArray.from_arrays(
            pa.nulls(length, arrow_type.index_type), pa.array([], arrow_type.value_type)
        )
    return pa.nulls(length, arrow_type)
