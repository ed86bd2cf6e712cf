"""--team / --service-area / --worker: the report is about the selection; nothing
outside it is rejected, and the selection's numbers are the national ones' parts."""

from __future__ import annotations

import pytest

from caseload_cli.core.errors import UsageError
from caseload_cli.engine.selection import Selection, select
from caseload_cli.reports.inputs import bundled_inputs, prepare
from caseload_cli.reports.load import load_report
from caseload_cli.scheme.model import load_scheme

TEAM = "Greater Manchester WAFH 1"


@pytest.fixture(scope="module")
def sample():
    scheme = load_scheme("flat")
    return scheme, prepare(bundled_inputs(), [scheme])


def test_team_rows_equal_the_national_team_rows(sample):
    scheme, valid = sample
    whole = load_report(valid, scheme, "team").rows
    chosen = load_report(select(valid, Selection(teams=(TEAM,))), scheme, "team").rows
    assert len(chosen) == 1
    assert chosen.iloc[0].to_dict() == whole[whole["team"] == TEAM].iloc[0].to_dict()


def test_selection_keeps_accounting_and_says_what_is_outside(sample):
    _, valid = sample
    chosen = select(valid, Selection(teams=(TEAM,)))
    assert chosen.accounting == valid.accounting  # every row of the file still accounted for
    assert chosen.rejects.equals(valid.rejects)
    assert set(chosen.staff["team"]) == {TEAM}
    assert (chosen.cases["_staff"] >= 0).all()
    assert (
        chosen.staff["worker_id"]
        .iloc[chosen.cases["_staff"]]
        .isin(valid.staff.loc[valid.staff["team"] == TEAM, "worker_id"])
        .all()
    )
    assert "outside the selection, not rejected" in chosen.notes[0]


def test_kinds_narrow_and_values_are_alternatives(sample):
    _, valid = sample
    areas = sorted(valid.staff["service_area"].unique())
    both = select(valid, Selection(service_areas=tuple(areas[:2])))
    assert set(both.staff["service_area"]) == set(areas[:2])
    one = select(valid, Selection(service_areas=("A3 Greater Manchester",), workers=("W0003",)))
    assert list(one.staff["worker_id"]) == ["W0003"]


def test_unknown_team_names_close_matches(sample):
    _, valid = sample
    with pytest.raises(
        UsageError,
        match=r"--team 'Greater Manchester WAFH1' is not in the staff file \(did you mean 'Greater Manchester WAFH 1'",
    ):
        select(valid, Selection(teams=("Greater Manchester WAFH1",)))


def test_a_combination_matching_nobody_is_refused(sample):
    _, valid = sample
    other_area = sorted(set(valid.staff["service_area"]) - {"A3 Greater Manchester"})[0]
    with pytest.raises(UsageError, match="no worker matches"):
        select(valid, Selection(teams=(TEAM,), service_areas=(other_area,)))


def test_empty_selection_is_the_identity(sample):
    _, valid = sample
    assert select(valid, Selection()) is valid
