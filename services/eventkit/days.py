"""The school's calendar day of an instant: what a default "today" means in a decider, and
what "as of a day" means in a read."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")  # no daylight saving time


def local_day(at: datetime) -> date:
    """The day at the school (China Standard Time) of an instant; ``at.date()`` would be UTC's."""
    return at.astimezone(CHINA).date()


def school_today(now: datetime | None = None) -> date:
    """Today at the school (``now`` defaults to the clock)."""
    return local_day(now or datetime.now(UTC))


def end_of_day(day: date) -> datetime:
    """The instant a school day ends (the next one begins): an act is "on or before ``day``"
    when it comes before this instant."""
    return datetime.combine(day + timedelta(days=1), time(0), CHINA)


def as_of_instant(day: date, now: datetime | None = None) -> datetime:
    """The instant a figure "as of ``day``" is computed at: the end of that day, or now if
    the day has not ended yet (today: the figure as it stands)."""
    return min(end_of_day(day), now or datetime.now(UTC))
