"""A history store: the validated inputs of weekly snapshots, kept as Parquet.

Team managers compare this week with last; negotiators apply any scheme to
any past week. Inputs are stored rather than results because results depend
on the scheme, and the scheme is what is argued over. See docs/history.md for
the layout, which DuckDB, pandas and pyarrow read without this tool.
"""

from caseload_cli.store.layout import StoreError, stored_dates
from caseload_cli.store.snapshots import (
    Added,
    add_snapshot,
    list_snapshots,
    load_snapshot,
    load_staff,
    open_store,
    read_manifest,
    remove_snapshot,
)

__all__ = [
    "Added",
    "StoreError",
    "add_snapshot",
    "list_snapshots",
    "load_snapshot",
    "load_staff",
    "open_store",
    "read_manifest",
    "remove_snapshot",
    "stored_dates",
]
