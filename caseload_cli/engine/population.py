"""Whose numbers a report counts: one rule, the same in every command.

The published Cafcass figures (average cases per FCA, share above 20 or 25,
saturation) are about case-holding FCAs and locum FCAs. Managers (practice
supervisors, assistant service managers, service managers) who hold cases
are reported in rows of their own, never folded into a team's capacity: a
service manager's full capacity would otherwise hide overloaded FCAs (a team
at 106% showing amber at 98%). `--population all` counts every member of
staff instead. docs/population.md states the rule for users.
"""

from __future__ import annotations

import pandas as pd

from caseload_cli.core.errors import UsageError
from caseload_cli.core.vocabulary import CASE_HOLDING_ROLES, POPULATIONS


def check_population(population: str) -> str:
    if population not in POPULATIONS:
        raise UsageError(f"--population must be one of {', '.join(POPULATIONS)}")
    return population


def in_population(workers: pd.DataFrame, population: str) -> pd.Series:
    """True for the workers `population` counts."""
    if check_population(population) == "all":
        return pd.Series(True, index=workers.index)
    return workers["role"].isin(CASE_HOLDING_ROLES)


def population_workers(workers: pd.DataFrame, population: str) -> pd.DataFrame:
    """The per-worker rows every figure of a report is computed from."""
    return workers[in_population(workers, population)]


def others_holding_cases(workers: pd.DataFrame, population: str) -> pd.DataFrame:
    """Staff outside the population who hold cases (managers, under the default rule):
    shown in their own section so none of their work disappears from view."""
    outside = ~in_population(workers, population)
    return workers[outside & (workers["cases"] > 0)].reset_index(drop=True)


def population_text(population: str) -> str:
    """Who is counted, in words for notes and metric descriptions."""
    if check_population(population) == "fca":
        return "FCAs and locum FCAs"
    return "all staff (managers included)"


def population_note(population: str, managers_listed: bool = True) -> str:
    """The one sentence every report prints about whom it counts; `managers_listed` when
    the report has the managers' own section (load), else it says where they are."""
    if check_population(population) == "fca":
        where = (
            "are listed in their own section"
            if managers_listed
            else "are not counted here (`caseload load` lists them in their own section)"
        )
        return (
            "Workers counted: FCAs and locum FCAs (--population fca); managers holding cases "
            f"{where} and never add to team capacity."
        )
    return "Workers counted: all staff, managers included (--population all)."
