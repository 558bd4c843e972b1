"""The business clock: customs in China runs on Beijing time (UTC+8, no daylight saving).

Timestamps are stored in UTC. Whatever time zone a workstation is set to, the message times
sent to customs (appTime) and the days clerks and supervisors filter and count by are Beijing
days, so that two offices, or a laptop set to UTC, agree on what "26 November" holds.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "UTC+08:00")
BEIJING_OFFSET_HOURS = 8


def beijing_now() -> datetime:
    return datetime.now(BEIJING)


def beijing_today() -> date:
    """Today's date in Beijing: the day customs is on (ID birth dates are judged against it,
    labels and manifests carry it), whatever the workstation's clock says."""
    return beijing_now().date()


def day_start_utc(day: date) -> datetime:
    """The UTC instant at which Beijing `day` begins."""
    return datetime.combine(day, time(), BEIJING).astimezone(UTC)


def day_bounds_utc(first: date, last: date) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the Beijing days `first`..`last` inclusive."""
    return day_start_utc(first), day_start_utc(last + timedelta(days=1))


def to_beijing(moment: datetime) -> datetime:
    """An aware Beijing-time datetime; naive input is taken as UTC (how the database stores)."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return aware.astimezone(BEIJING)
