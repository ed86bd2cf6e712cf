"""The words every layer shares: codes, levels, populations, limits.

Click choices and the library import these same tuples, so a choice offered
on the command line is always one the library accepts. Nothing heavy is
imported here (the CLI imports this module to build its options).
"""

from __future__ import annotations

# --- staff
ROLES = (
    "fca",
    "locum_fca",
    "practice_supervisor",
    "assistant_service_manager",
    "service_manager",
)
#: Roles whose caseload and capacity the published figures count ("FCAs and locum FCAs").
CASE_HOLDING_ROLES = ("fca", "locum_fca")
TEAM_TYPES = ("wafh", "eit", "public_law")
EIT_TEAM_TYPE = "eit"
MAX_CONTRACTED_HOURS = 37.5
#: Contracted hours that make one FTE (the built-in schemes' default; published: 37).
FULL_TIME_HOURS = 37.0

# --- published Cafcass figures (docs: "published figure")
#: Ceilings per team type: 25 sets of proceedings after first hearing (and public
#: law), 40 in work to first hearing (EIT).
CAFCASS_CEILINGS = {"wafh": 25.0, "public_law": 25.0, "eit": 40.0}
#: Per-FTE levels the published figures count workers above: 20 (relationship-based
#: practice) and 25 (the ceiling) outside EIT; 40 in EIT. (key, level, EIT only)
PUBLISHED_THRESHOLDS = (
    ("above_20", 20.0, False),
    ("above_25", 25.0, False),
    ("above_40_eit", 40.0, True),
)

# --- cases
LAWS = ("public", "private")
MAX_CHILDREN = 20  # more children in one set of proceedings is a data error

# --- levels a report can group by (finest first)
LEVELS = ("worker", "team", "service_area", "national")
#: The columns that name a group at each level (a team is only unique within its area).
GROUP_KEYS: dict[str, tuple[str, ...]] = {
    "worker": (),
    "national": (),
    "service_area": ("service_area",),
    "team": ("service_area", "team"),
    "team_type": ("team_type",),
    "role": ("role",),
}
#: The column that says which snapshot a row belongs to when the engine weighs many
#: snapshots at once (0 for the oldest; `trend` over a history store): the sums,
#: sorts and roll-ups keep each snapshot's rows apart and in the order one
#: snapshot's weighing gives them.
SNAPSHOT_POSITION = "_snapshot"
COMPARE_LEVELS = ("worker", "team", "service_area")
GAP_LEVELS = ("national", "service_area", "team")
SURVEY_BY = ("national", "team_type", "role", "service_area", "law")
AGAINST_BY = ("national", "team_type", "role", "service_area", "team")

# --- whose numbers a report counts (docs/population.md)
POPULATIONS = ("fca", "all")
DEFAULT_POPULATION = "fca"

# --- safe-caseload surveys (docs/survey.md)
STATISTICS = ("mean", "median")
DEFAULT_STATISTIC = "mean"
#: Answers from LO to HI (both included) are counted as "in range" (Napo: 86% in 14-20).
DEFAULT_RANGE = (14.0, 20.0)
DEFAULT_MIN_GROUP = 5
MIN_GROUP_FLOOR = 3  # a group of two would let each member work out the other's answer

#: What a scheme counts a load in (`unit`): sets of proceedings, points or hours.
UNITS = ("cases", "points", "hours")

#: Places loads and weights are rounded to, so sums are exact and reproducible.
DECIMALS = 6
#: How far above a limit a rounded load must be to count as above it.
TOLERANCE = 1e-9

# --- scenario tools
COMPARE_VIEWS = ("summary", "workers", "transitions")
#: Largest sweep grid; each point weighs every case once (about 20-40 ms for the sample).
MAX_GRID_POINTS = 200

#: `--what-if`: every case eligible for the post-assessment hub moved there (engine/hubs.py).
WHAT_IFS = ("post-assessment-hub",)
