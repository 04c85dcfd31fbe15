"""Who may do what in the safety service: the role tuples its commands and reads check."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import asyncpg

from services.eventkit.acts import OutOfOrder, within
from services.eventkit.auth import Principal, Role
from services.eventkit.days import local_day
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import Forbidden
from services.safety.events import INJURY

MANAGERS = (Role.LOGISTICS_MANAGER, Role.DISTRICT_ADMIN)
DIRECTORS = (Role.LOGISTICS_MANAGER, Role.VICE_PRINCIPAL)  # 主任: they sign fire inspections off
STAFF_ON_CAMPUS = (
    *MANAGERS,
    Role.VICE_PRINCIPAL,
    Role.CLEANER,
    Role.GUARD,
    Role.TECHNICIAN,
    Role.CANTEEN_WORKER,
    Role.TEACHER,
    Role.CLASS_TEACHER,
    Role.MEDICAL,
)
FIXERS = (*MANAGERS, Role.TECHNICIAN, Role.CLEANER, Role.GUARD)
INSPECTORS = (*MANAGERS, Role.VICE_PRINCIPAL)
MEDICAL = (Role.MEDICAL,)
TEACHERS_OF_CLASS = (Role.TEACHER, Role.CLASS_TEACHER)
SESSION_STAFF = (*MANAGERS, *TEACHERS_OF_CLASS)  # a safety session: a manager, or a teacher of its class
REPORTERS = (*MANAGERS, Role.TEACHER, Role.CLASS_TEACHER, Role.MEDICAL)  # who reports and follows up injuries

# The term a dated act falls in: the facts a term-bound row's lookup returns (the term covering
# the act's day, else the nearest of the calendar; none if the calendar has no term at all).
TERM_ID = "term_id"
TERM_STARTS_ON = "term_starts_on"
TERM_ENDS_ON = "term_ends_on"


def term_facts(term_id: str, starts_on: date, ends_on: date) -> dict[str, str]:
    """The facts naming a term and its dates."""
    return {TERM_ID: term_id, TERM_STARTS_ON: starts_on.isoformat(), TERM_ENDS_ON: ends_on.isoformat()}


def in_term(act: date | datetime, facts: Mapping[str, str], *, field: str) -> None:
    """Refuses ``act`` (409 naming ``field``) unless its day falls in the term the facts name,
    or if they name none: the school calendar has no term at all."""
    term = facts.get(TERM_ID)
    if term is None:
        day = local_day(act) if isinstance(act, datetime) else act
        raise OutOfOrder(
            f"{field} {day.isoformat()} falls in no term: the school calendar has none",
            field=field,
            step="term scheduled",
            step_time=day,
        )
    within(
        act,
        date.fromisoformat(facts[TERM_STARTS_ON]),
        date.fromisoformat(facts[TERM_ENDS_ON]),
        field=field,
        term=term,
    )


# Who reads an injury's details (what happened, the first aid, follow-up notes, cause and
# measures): the campus's safety managers, the vice principals, the medical room, the
# teachers of the injured student's class and whoever reported it. Others see that it
# happened, where and when, and its progress.
INJURY_READERS = INJURY  # declared beside the events, which withhold the same details elsewhere
INJURY_DETAILS = ("injury", "first_aid", "cause", "measures", "notified_how")


def may_read_injury(principal: Principal, tenant: TenantPath, class_id: object, reported_by: object) -> bool:
    """Whether ``principal`` reads the details of an injury on ``tenant``'s campus, of ``class_id``,
    reported by ``reported_by`` (a reader's role must be held over that campus)."""
    return (
        principal.holds(tenant, *INJURY_READERS)
        or reported_by == principal.subject
        or (principal.holds(tenant, *TEACHERS_OF_CLASS) and class_id in principal.classes)
    )


def withhold_injury(row: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """The injury row as ``principal`` may read it: its details withheld unless they may read them."""
    tenant = TenantPath(
        district_id=row.get("district_id"), school_id=row.get("school_id"), campus_id=row.get("campus_id")
    )
    if may_read_injury(principal, tenant, row.get("class_id"), row.get("reported_by")):
        return row | {"details_withheld": False}
    hidden = {name: None for name in INJURY_DETAILS if name in row}
    notes: dict[str, list[Any]] = {"follow_up_notes": []} if "follow_up_notes" in row else {}
    return row | hidden | notes | {"details_withheld": True}


# Who reads health records (special conditions): the medical room (in its scope) and the
# teachers of the student's class, nobody else.
HEALTH_READERS = (Role.MEDICAL, *TEACHERS_OF_CLASS)


def health_refusal(principal: Principal) -> Forbidden:
    """The one refusal of a health record: it says nothing of whether one is on file."""
    return Forbidden(
        f"{principal.subject} may not read this student's health record: "
        "the medical room and the teachers of the student's class only"
    )


async def require_health_reader(pool: asyncpg.Pool, principal: Principal, student_id: str) -> None:
    """Refuses (403) a caller who may not read ``student_id``'s health record, before any health
    record is read: only the directory's mirror is (where the student is now), so a teacher of
    another class gets the same answer whether a condition is on file or not."""
    if principal.has_role(Role.MEDICAL):
        return
    if principal.has_role(*TEACHERS_OF_CLASS) and principal.classes:
        class_id = await pool.fetchval("SELECT class_id FROM directory_students WHERE student_id = $1", student_id)
        if class_id in principal.classes:
            return
    raise health_refusal(principal)
