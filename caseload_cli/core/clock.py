"""The one place the tool asks what day it is.

A caseload is counted at a snapshot date: the cases' own `snapshot` column, or
`--snapshot`. Only when neither gives one is "today" used, and then it is today
in an explicit time zone (Europe/London unless CASELOAD_TIMEZONE or --timezone
says otherwise), never the machine's local date, so the same files give the
same loads wherever and whenever in that day they are weighed. Every
`date.today()` and `datetime.now()` of the package goes through here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from caseload_cli.core.errors import UsageError

DEFAULT_ZONE = "Europe/London"
ZONE_VARIABLE = "CASELOAD_TIMEZONE"

#: The zone chosen by --timezone for the current command (None: the environment's).
_chosen: ContextVar[str | None] = ContextVar("caseload_timezone", default=None)


@cache
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


#: Files ZoneInfo opens that `available_timezones()` does not count as zones.
_NOT_ZONES = ("posix/", "right/", "posixrules")


def _zone_file(text: str) -> ZoneInfo | None:
    """The zone `text` names exactly, without listing the tz database (50 ms) when the
    name is right, which it nearly always is."""
    if not text or text.startswith(_NOT_ZONES):
        return None
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def check_zone(name: str, given_as: str = "--timezone ") -> ZoneInfo:
    """The zone called `name` (an IANA name such as Europe/London), or a usage error
    naming where it came from and the closest zone names."""
    from caseload_cli.core.suggest import did_you_mean

    text = str(name).strip()
    zone = _zone_file(text)
    if zone is not None:
        return zone
    # Case-insensitive first ("europe/london"), then by spelling ("Europe/Londn").
    folded = {zone.lower(): zone for zone in _zone_names()}
    close = [folded[text.lower()]] if text.lower() in folded else []
    hint = f"did you mean {close[0]}?" if close else did_you_mean(text, _zone_names())
    raise UsageError(
        f"{given_as}{name!r} is not a time zone"
        + (f" ({hint})" if hint else "")
        + "; use an IANA name such as Europe/London or UTC"
    )


def zone_name(environ: Mapping[str, str] | None = None) -> str:
    """The zone "today" is taken in: --timezone, else CASELOAD_TIMEZONE, else Europe/London."""
    chosen = _chosen.get()
    if chosen is not None:
        return chosen
    environ = os.environ if environ is None else environ
    value = environ.get(ZONE_VARIABLE, "").strip()
    if not value:
        return DEFAULT_ZONE
    return check_zone(value, f"{ZONE_VARIABLE}=").key


def today(zone: str | None = None) -> dt.date:
    """Today's date in `zone` (default: `zone_name()`), whatever the machine's TZ."""
    name = zone if zone is not None else zone_name()
    return dt.datetime.now(check_zone(name)).date()


def now_utc() -> dt.datetime:
    """The current time in UTC (for records of when something happened, never for loads)."""
    return dt.datetime.now(dt.UTC)


def choose_zone(name: str | None) -> contextlib.AbstractContextManager[None]:
    """Use `name` (checked) as the zone until the returned context ends; None changes nothing."""
    if name is None:
        return contextlib.nullcontext()
    return _using(check_zone(name).key)


@contextlib.contextmanager
def _using(name: str) -> Iterator[None]:
    token = _chosen.set(name)
    try:
        yield
    finally:
        _chosen.reset(token)
