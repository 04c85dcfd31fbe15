"""Who may do what in the staff appraisal, and the vocabulary every part of it shares."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, StringConstraints

from services.eventkit.auth import Role

APPRAISERS = (Role.LOGISTICS_MANAGER,)
"""The campus's logistics managers and directors (主任) appraise its workers."""
MANAGERS = (Role.LOGISTICS_MANAGER, Role.DISTRICT_ADMIN)
"""Keep the rule book, contests, awards and honours; approve corrections after publishing."""
OVERSEERS = (Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.DISTRICT_ADMIN, Role.PLATFORM_ADMIN)
"""Read every appraisal in their scope, with its items and evidence (they do not appraise)."""
READERS_OF_ALL = (*APPRAISERS, *OVERSEERS)
"""Read every appraisal in their scope, item by item."""
WORKER_ROLES = (Role.CLEANER, Role.GUARD, Role.CANTEEN_WORKER, Role.TECHNICIAN)
"""The logistics workers appraised each month: they read (and answer) their own appraisals only."""
STAFF = (*READERS_OF_ALL, *WORKER_ROLES, Role.TEACHER, Role.CLASS_TEACHER, Role.MEDICAL)
"""Read the rule book, contests, awards and honours of their school."""

RESPONSE_SCHOOL_DAYS = 3
"""School days (Monday to Friday) a worker has to acknowledge or dispute a deduction once told."""

Month = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", min_length=7, max_length=7),
    Field(description="A month, YYYY-MM", examples=["2020-10"]),
]
"""A month of the school year, written ``YYYY-MM``."""

RuleCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$", max_length=32),
    Field(description="A rule's (or a category's) code in the rule book, e.g. C-3"),
]
"""A code of the rule book: letters, digits, dots, dashes, up to 32 characters."""

Points = Annotated[int, Field(ge=-1000, le=1000)]
"""Points of one rule or one item: negative for a deduction, positive for a bonus."""


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def first_day(month: str) -> date:
    year, mon = month.split("-")
    return date(int(year), int(mon), 1)


def last_day(month: str) -> date:
    start = first_day(month)
    following = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def appraisal_id(staff_id: str, month: str) -> str:
    """A worker has one appraisal a month: ``<staff_id>-<YYYY-MM>`` (an id like any other)."""
    return f"{staff_id}-{month}"


def school_days_after(day: date, days: int) -> date:
    """The ``days``-th school day (Monday to Friday) after ``day``."""
    current = day
    left = days
    while left > 0:
        current = date.fromordinal(current.toordinal() + 1)
        if current.weekday() < 5:
            left -= 1
    return current
