"""`caseload validate`: the rejected rows as a report, before any weighing."""

from __future__ import annotations

from caseload_cli.contract.validate import ValidInputs
from caseload_cli.core.model import Report
from caseload_cli.reports.inputs import Inputs, prepare
from caseload_cli.scheme.model import Scheme


def validation_report(valid: ValidInputs, scheme: Scheme) -> Report:
    """Every rejected row with file, row, column and reason, stamped with the scheme
    whose codes the rows were checked against."""
    return Report(
        title="Rejected rows",
        rows=valid.rejects,
        schemes=[scheme.stamp],
        accounting=dict(valid.accounting),
        band_column=None,
        notes=list(valid.notes),
        metadata={**valid.snapshot_metadata(), "sheet": "rejects", **scheme.provenance},
    )


def run_validate(inputs: Inputs, scheme: Scheme) -> tuple[ValidInputs, Report]:
    """Read and check the inputs as `load` would; the validated inputs and the report."""
    valid = prepare(inputs, [scheme])
    return valid, validation_report(valid, scheme)
