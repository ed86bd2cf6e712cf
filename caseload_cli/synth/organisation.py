"""The synthetic organisation: service areas, teams, roles, hours and names.

Who works where is drawn before any case exists, and the survey responses
reuse the same service areas, so the organisation lives apart from the
caseload it carries. Every name pairs a common first name with an obviously
made-up surname ("Alex Example", "Priya Specimen"): no real person is
described. Service-area codes follow the Cafcass pattern ("A3 Greater
Manchester", "A12 Birmingham"); beyond those two the area names are
illustrative placeholders.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from caseload_cli.core.vocabulary import CASE_HOLDING_ROLES, FULL_TIME_HOURS

__all__ = ["FULL_TIME_HOURS", "SERVICE_AREAS", "apportion", "make_staff"]

TEAM_LABELS = {"wafh": "WAFH", "eit": "EIT", "public_law": "Public Law"}

# Service areas: Cafcass has 19. Only A3 and A12 come from the domain brief; the
# other names are illustrative placeholders. Listed in the order they are used.
SERVICE_AREAS = (
    "A3 Greater Manchester",
    "A12 Birmingham",
    "A5 West Yorkshire",
    "A1 Northumbria and Durham",
    "A2 Cumbria and Lancashire",
    "A4 Merseyside and Cheshire",
    "A6 South Yorkshire and Humberside",
    "A7 Lincolnshire and Nottinghamshire",
    "A8 Derbyshire and Leicestershire",
    "A9 Staffordshire and Shropshire",
    "A10 Coventry and Warwickshire",
    "A11 Black Country",
    "A13 East Anglia",
    "A14 Essex and Hertfordshire",
    "A15 Thames Valley",
    "A16 North and East London",
    "A17 South London",
    "A18 Kent and Sussex",
    "A19 South West",
)
TEAM_SIZE = 12.5  # workers per team on average (150 workers -> 12 teams)
TEAMS_PER_AREA = 4  # 12 teams -> 3 service areas
# Team types repeat in this order and areas take consecutive teams, so every
# area gets a mix; half the teams are WAFH, a third public law, a sixth EIT.
_TEAM_PATTERN = (
    *("wafh", "public_law", "eit", "wafh"),
    *("public_law", "wafh", "wafh", "public_law"),
    *("eit", "wafh", "public_law", "wafh"),
)

FIRST_NAMES = (
    "Alex", "Sam", "Jordan", "Priya", "Amir", "Chloe", "Daniel", "Fatima", "Grace", "Hassan",
    "Isla", "Jack", "Kemi", "Leah", "Mohammed", "Nadia", "Oliver", "Olu", "Ruby", "Sean",
    "Tom", "Yusuf", "Zara", "Aisha", "Ben", "Cara", "Dev", "Ellie", "Femi", "Gemma",
    "Harpreet", "Imran", "Jasmine", "Kieran", "Laura", "Maya", "Niamh", "Owen", "Rosa", "Tariq",
)  # fmt: skip
SURNAMES = (
    "Example", "Sample", "Specimen", "Placeholder", "Fictional", "Synthetic",
    "Madeup", "Notreal", "Pretend", "Testcase", "Imaginary", "Dummy",
)  # fmt: skip


def apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Split `total` into integers proportional to `weights` (largest remainder)."""
    quotas = total * weights / weights.sum()
    base = np.floor(quotas).astype(np.int64)
    order = np.argsort(-(quotas - base), kind="stable")[: total - base.sum()]
    base[order] += 1
    return base


def make_staff(rng: np.random.Generator, workers: int) -> tuple[pd.DataFrame, np.ndarray]:
    """The staff table for `workers` people, and each worker's team type."""
    n_teams = max(1, round(workers / TEAM_SIZE))
    n_areas = min(len(SERVICE_AREAS), max(1, round(n_teams / TEAMS_PER_AREA)))
    sizes = 1 + apportion(workers - n_teams, rng.uniform(0.8, 1.2, n_teams))
    pattern = np.array(_TEAM_PATTERN, dtype=object)
    team_types = pattern[np.arange(n_teams) % pattern.size]
    team_area = np.arange(n_teams) * n_areas // n_teams
    areas = np.array(SERVICE_AREAS, dtype=object)
    # Team names number teams of the same type within their area: "Birmingham EIT 1".
    numbers = pd.DataFrame({"a": team_area, "t": team_types}).groupby(["a", "t"]).cumcount() + 1
    team_names = np.array(
        [
            f"{areas[a].split(' ', 1)[1]} {TEAM_LABELS[t]} {k}"
            for a, t, k in zip(team_area, team_types, numbers, strict=True)
        ],
        dtype=object,
    )

    team = np.repeat(np.arange(n_teams), sizes)
    size = sizes[team]
    pos = np.arange(workers) - (np.cumsum(sizes) - sizes)[team]
    has_asm = size >= 5
    n_ps = np.where(size >= 14, 2, np.where(size >= 3, 1, 0))
    first = has_asm.astype(np.int64)
    role = np.full(workers, "fca", dtype=object)
    role[(pos >= first) & (pos < first + n_ps)] = "practice_supervisor"
    role[has_asm & (pos == 0)] = "assistant_service_manager"
    first_team_of_area = np.r_[True, team_area[1:] != team_area[:-1]]
    role[first_team_of_area[team] & (pos == size - 1) & (size >= 8)] = "service_manager"
    locum = (role == "fca") & (rng.random(workers) < 0.07)
    role[locum] = "locum_fca"

    hours = rng.choice(
        np.array([37.0, 30.0, 22.5, 18.5, 15.0]), size=workers, p=[0.72, 0.10, 0.08, 0.07, 0.03]
    )
    manager = ~np.isin(role, CASE_HOLDING_ROLES)
    hours = np.where(manager, np.where(rng.random(workers) < 0.9, 37.0, 30.0), hours)
    hours = np.where(locum, 37.0, hours)

    first_names = np.array(FIRST_NAMES, dtype=object)[rng.integers(0, len(FIRST_NAMES), workers)]
    surnames = np.array(SURNAMES, dtype=object)[rng.integers(0, len(SURNAMES), workers)]
    width = max(4, len(str(workers)))
    ids = pc.utf8_lpad(pa.array(np.arange(1, workers + 1)).cast(pa.string()), width, "0")
    staff = pd.DataFrame(
        {
            "worker_id": pd.Series(pc.binary_join_element_wise("W", ids, ""), dtype="str"),
            "name": pd.Series(first_names + " " + surnames, dtype="str"),
            "team": pd.Series(team_names[team], dtype="str"),
            "service_area": pd.Series(areas[team_area[team]], dtype="str"),
            "role": pd.Series(role, dtype="str"),
            "team_type": pd.Series(team_types[team], dtype="str"),
            "contracted_hours": hours,
        }
    )
    return staff, team_types[team]
