"""The one registry of file formats: names, extensions, binary or text, sniffing.

Readers, renderers and the CLI's choices all ask this module, so a format is
added in one place. Nothing heavy is imported here.
"""

from __future__ import annotations

import os
from pathlib import PurePath

INPUT_FORMATS = ("csv", "xlsx", "parquet")
OUTPUT_FORMATS = ("table", "csv", "json", "ndjson", "xlsx", "parquet", "markdown", "html", "pdf")
#: Formats that are bytes, not text: never written to a terminal.
BINARY_FORMATS = frozenset({"xlsx", "parquet", "pdf"})

INPUT_EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
}
OUTPUT_EXTENSIONS = {
    ".csv": "csv",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".xlsx": "xlsx",
    ".parquet": "parquet",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".txt": "table",
}

_ZIP_MAGIC = b"PK\x03\x04"
_PARQUET_MAGIC = b"PAR1"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls and encrypted xlsx


def input_format_from_path(path: str | os.PathLike[str]) -> str | None:
    """The input format a file name's extension implies, or None.

    The extension is pathlib's suffix, as the readers have always taken it: a
    trailing slash is ignored and a name of only dots and an extension
    ("..csv") still has one, unlike `os.path.splitext`.
    """
    return INPUT_EXTENSIONS.get(PurePath(path).suffix.lower())


def output_format_from_path(path: str | None) -> str | None:
    """The output format a file name's extension implies, or None (also for '-')."""
    if not path or path == "-":
        return None
    return OUTPUT_EXTENSIONS.get(os.path.splitext(str(path))[1].lower())


def sniff_input_format(head: bytes) -> str:
    """The input format of content whose name says nothing (standard input)."""
    if head.startswith(_ZIP_MAGIC):
        return "xlsx"
    if head.startswith(_PARQUET_MAGIC):
        return "parquet"
    return "csv"
