"""caseload_cli: weigh family-court caseload exports with a citable scheme.

Kept import-light on purpose: `caseload --help` must not pull in pandas.
"""

__version__ = "0.1.0"
