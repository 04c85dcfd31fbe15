"""The school's calendar day of an instant: what a default "today" means in a decider."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")  # no daylight saving time


def local_day(at: datetime) -> date:
    """The day at the school (China Standard Time) of an instant; ``at.date()`` would be UTC's."""
    return at.astimezone(CHINA).date()
