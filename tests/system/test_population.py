"""One population rule: the same files, scheme and --population give the same
headline numbers in every command (docs/population.md)."""

from __future__ import annotations

import pytest
from helpers import as_json

SCHEME = ("--scheme", "weighted-example", "--set", "weights.case_type.r16_4=1.75")


def _metrics(data: dict) -> dict:
    """A one-scheme compare summary as {metric: value}."""
    (label,) = (k for k in data["rows"][0] if k not in ("metric", "description"))
    return {row["metric"]: row[label] for row in data["rows"]}


@pytest.mark.parametrize("population", ["fca", "all"])
def test_headlines_agree_across_commands(run, population):
    """Bundled sample: load --by national, compare, sweep and gap count the same people."""
    who = ("--population", population)
    national = as_json(run("load", *SCHEME, *who, "--by", "national", "--format", "json"))
    load = national["rows"][0]
    compare = _metrics(as_json(run("compare", *SCHEME, *who, "--format", "json")))
    sweep = as_json(
        run("sweep", *SCHEME, *who, "--vary", "weights.case_type.r16_4=1.75", "--format", "json")
    )["rows"][0]
    gap = next(
        row
        for row in as_json(run("gap", *SCHEME, *who, "--format", "json"))["rows"]
        if row["team_type"] == "all"
    )
    for figures in (compare, sweep):
        assert figures["workers"] == load["workers"]
        assert figures["available_fte"] == pytest.approx(load["available_fte"], abs=1e-6)
        assert figures["weighted_load"] == pytest.approx(load["weighted_load"], abs=1e-6)
        assert figures["over_napo"] == load["workers_over_napo"]
        assert figures["saturation_pct"] == pytest.approx(load["utilisation_pct"], abs=0.005)
        for band in ("green", "amber", "red"):
            assert figures[f"band_{band}"] == load[f"band_{band}"]
    assert gap["workers"] == load["workers"]
    assert gap["available_fte"] == pytest.approx(load["available_fte"], abs=1e-6)
    assert gap["weighted_load"] == pytest.approx(load["weighted_load"], abs=1e-6)


def test_worker_rows_roll_up_to_the_national_row(run):
    """Workers to teams to service areas to national, for the counted population."""
    workers = as_json(run("load", *SCHEME, "--format", "json"))["rows"]
    for by in ("team", "service_area", "national"):
        rows = as_json(run("load", *SCHEME, "--by", by, "--format", "json"))["rows"]
        assert sum(r["workers"] for r in rows) == len(workers)
        assert sum(r["weighted_load"] for r in rows) == pytest.approx(
            sum(w["weighted_load"] for w in workers), abs=1e-6
        )
        assert sum(r["capacity"] for r in rows) == pytest.approx(
            sum(w["capacity"] for w in workers), abs=1e-6
        )


def test_default_counts_fcas_and_managers_are_not_lost(run):
    """Every weighed case is in a counted worker's row, the managers' section, or held
    by no one: none disappears because of the population rule."""
    data = as_json(run("load", "--format", "json"))
    assert {row["role"] for row in data["rows"]} <= {"fca", "locum_fca"}
    managers = data["sections"]["managers_holding_cases"]
    assert managers and {m["role"] for m in managers}.isdisjoint({"fca", "locum_fca"})
    held_by_no_one = sum(
        row["cases"] - row["cases_in_worker_loads"] for row in data["sections"]["not_held_by_fca"]
    )
    counted = sum(row["cases"] for row in data["rows"]) + sum(m["cases"] for m in managers)
    assert counted + held_by_no_one == data["accounting"]["weighed"]


@pytest.mark.parametrize(
    ("population", "expected"),
    [
        # FCAs and locums: saturation 87.2% (published April 2022: 86.2%), 75 over Napo.
        (
            "fca",
            {
                "workers": 118,
                "cases": 2558,
                "utilisation_pct": 87.16,
                "band": "amber",
                "workers_over_napo": 75,
                "band_green": 56,
                "band_amber": 34,
                "band_red": 28,
            },
        ),
        # Everyone, as `load` counted before the rule: managers' capacity dilutes it to 77.7%.
        (
            "all",
            {
                "workers": 150,
                "cases": 2960,
                "utilisation_pct": 77.65,
                "band": "green",
                "workers_over_napo": 83,
                "band_green": 83,
                "band_amber": 36,
                "band_red": 31,
            },
        ),
    ],
)
def test_bundled_sample_national_numbers_are_pinned(run, population, expected):
    """The numbers the population rule changed (docs/population.md), pinned."""
    row = as_json(run("load", "--by", "national", "--population", population, "--format", "json"))[
        "rows"
    ][0]
    assert {key: row[key] for key in expected} == expected
