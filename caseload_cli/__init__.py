"""caseload_cli: weigh family-court caseload exports with a citable scheme.

Kept import-light on purpose: `caseload --help` must not pull in pandas.
"""

import os

# openpyxl writes XML through lxml when lxml is installed (`<x/>`) and through the
# standard library otherwise (`<x />`). Pin the standard library's writer before
# openpyxl is first imported, so equal data give equal xlsx bytes on every machine.
os.environ.setdefault("OPENPYXL_LXML", "False")

__version__ = "0.1.0"
