"""core.clock: today in an explicit time zone, never the machine's."""

from __future__ import annotations

import datetime as dt
from zoneinfo import available_timezones

import pytest

from caseload_cli.core import clock
from caseload_cli.core.errors import UsageError


def test_default_zone_is_europe_london(monkeypatch):
    monkeypatch.delenv("CASELOAD_TIMEZONE", raising=False)
    assert clock.zone_name() == "Europe/London"


def test_environment_chooses_the_zone_and_choose_zone_overrides_it(monkeypatch):
    monkeypatch.setenv("CASELOAD_TIMEZONE", "Pacific/Kiritimati")
    assert clock.zone_name() == "Pacific/Kiritimati"
    with clock.choose_zone("America/Adak"):
        assert clock.zone_name() == "America/Adak"
    assert clock.zone_name() == "Pacific/Kiritimati"


def test_today_is_the_date_in_that_zone(monkeypatch):
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # the machine's zone is ignored
    for zone in ("Europe/London", "America/Adak", "Pacific/Kiritimati"):
        expected = dt.datetime.now(dt.UTC).astimezone(clock.check_zone(zone)).date()
        assert clock.today(zone) in (expected, expected + dt.timedelta(days=1))


def test_bad_zone_is_a_usage_error_with_close_names():
    with pytest.raises(UsageError) as caught:
        clock.check_zone("Europe/Londn")
    assert str(caught.value) == (
        "--timezone 'Europe/Londn' is not a time zone (did you mean Europe/London or "
        "Europe/Lisbon or Europe/Vienna?); use an IANA name such as Europe/London or UTC"
    )
    with pytest.raises(UsageError, match=r"did you mean Europe/London\?"):
        clock.check_zone("europe/london")


def test_bad_environment_zone_names_the_variable(monkeypatch):
    monkeypatch.setenv("CASELOAD_TIMEZONE", "Mars/Base")
    with pytest.raises(UsageError) as caught:
        clock.zone_name()
    assert str(caught.value) == (
        "CASELOAD_TIMEZONE='Mars/Base' is not a time zone; "
        "use an IANA name such as Europe/London or UTC"
    )


def _metadata(result) -> dict:
    import json

    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["metadata"]


def test_every_way_of_choosing_the_snapshot_is_said(run, tiny, tmp_path, monkeypatch):
    monkeypatch.delenv("CASELOAD_TIMEZONE", raising=False)
    args = ["load", tiny["cases"], "--staff", tiny["staff"], "--format", "json"]
    dated = run(*args)
    assert _metadata(dated) == {
        **_metadata(dated),
        "snapshot": "2022-04-30",
        "snapshot_source": "from the cases' snapshot column",
    }
    assert dated.stderr.splitlines()[0] == (
        "note: snapshot date 2022-04-30 (from the cases' snapshot column)"
    )
    given = _metadata(run(*args, "--snapshot", "2022-05-02"))
    assert (given["snapshot"], given["snapshot_source"]) == ("2022-05-02", "--snapshot")

    lines = tiny["cases"].read_text(encoding="utf-8").splitlines()
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(
        "\n".join([*lines[:2], *(row.replace("2022-04-30", "2022-04-23") for row in lines[2:])])
        + "\n"
    )
    latest = _metadata(run("load", mixed, "--staff", tiny["staff"], "--format", "json"))
    assert latest["snapshot_source"] == "from the cases' snapshot column, the latest of 2 dates"

    undated = tmp_path / "undated.csv"
    undated.write_text(
        "\n".join(",".join(row.split(",")[:7] + row.split(",")[8:]) for row in lines) + "\n"
    )
    base = ["load", undated, "--staff", tiny["staff"], "--format", "json"]
    london = _metadata(run(*base))
    assert london["snapshot_source"] == "today in Europe/London"
    assert london["snapshot"] == clock.today("Europe/London").isoformat()
    kiritimati = _metadata(run(*base, "--timezone", "Pacific/Kiritimati"))
    assert kiritimati["snapshot_source"] == "today in Pacific/Kiritimati"
    assert kiritimati["snapshot"] == clock.today("Pacific/Kiritimati").isoformat()
    from_env = _metadata(run(*base, env={"CASELOAD_TIMEZONE": "America/Adak"}))
    assert from_env["snapshot_source"] == "today in America/Adak"
    assert clock.zone_name() == "Europe/London"  # --timezone ended with its command


def test_bad_timezone_option_and_variable_are_usage_errors(run, tiny):
    args = ["load", tiny["cases"], "--staff", tiny["staff"]]
    bad = run(*args, "--timezone", "Europe/Londn")
    assert bad.exit_code == 2
    assert bad.stderr == (
        "Error: --timezone 'Europe/Londn' is not a time zone (did you mean Europe/London or "
        "Europe/Lisbon or Europe/Vienna?); use an IANA name such as Europe/London or UTC\n"
    )
    env = run(*args, env={"CASELOAD_TIMEZONE": "Mars/Base"})
    assert env.exit_code == 2
    assert env.stderr == (
        "Error: CASELOAD_TIMEZONE='Mars/Base' is not a time zone; "
        "use an IANA name such as Europe/London or UTC\n"
    )


def test_zone_names_are_exactly_the_tz_databases_zones():
    """The quick path (open the zone file) accepts what available_timezones() lists and
    nothing it leaves out (posix/, right/, posixrules, tables, folders)."""
    for name in sorted(available_timezones()):
        assert clock.check_zone(name).key == name
    for name in ("posixrules", "posix/Europe/London", "right/UTC", "Europe", "Europe/",
                 "zone.tab", "../etc/passwd", "/etc/localtime", "europe/london "):  # fmt: skip
        if name in available_timezones():
            continue
        with pytest.raises(UsageError):
            clock.check_zone(name)
