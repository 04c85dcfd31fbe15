"""The logistics roster of a campus for a month, from the directory's mirror, and what an
appraisal is opened with (the worker's role, the rule book version in force, a part month).

A worker's home campus is the first of their campuses: they are appraised there. The roster of
a campus for a month is the staff of the campus's school holding a logistics worker's role
(:data:`~services.hr_eval.common.WORKER_ROLES`) whose home campus it is, who joined on or
before the month's last day (or whose joining day the mirror does not know) and did not leave
before its first day.
"""

from __future__ import annotations

from datetime import date

import asyncpg

from services.eventkit.commands import CommandBus
from services.eventkit.db import Connection
from services.eventkit.errors import InvalidInput
from services.hr_eval.appraisal import opening_facts
from services.hr_eval.common import WORKER_ROLES, first_day, last_day
from services.hr_eval.rulebook import RuleBook, RuleBookState

Db = asyncpg.Pool | Connection

_WORKERS = [r.value for r in WORKER_ROLES]
_COLUMNS = "staff_id, name, roles, campus_ids, school_id, joined_on, left_on"
_ON_ROSTER = (
    "school_id = $1 AND campus_ids[1] = $2 AND roles && $3::text[] "
    "AND (joined_on IS NULL OR joined_on <= $5) AND ((left_on IS NULL AND active) OR left_on >= $4)"
)


async def roster(db: Db, school_id: str, campus_id: str, month: str) -> list[asyncpg.Record]:
    """The workers appraised on ``campus_id`` for ``month``, by staff id."""
    return list(
        await db.fetch(
            f"SELECT {_COLUMNS} FROM directory_staff WHERE {_ON_ROSTER} ORDER BY staff_id",
            school_id,
            campus_id,
            _WORKERS,
            first_day(month),
            last_day(month),
        )
    )


async def home_campus(db: Db, staff_id: str, *, field: str = "staff_id") -> str:
    """The campus a member of staff is appraised on (the first of theirs), or a 422 naming the field."""
    row = await db.fetchrow("SELECT campus_ids FROM directory_staff WHERE staff_id = $1", staff_id)
    if row is None or not row["campus_ids"]:
        raise InvalidInput(f"staff member {staff_id} does not exist", field=field)
    return str(row["campus_ids"][0])


async def on_roster(db: Db, staff_id: str, school_id: str, campus_id: str, month: str) -> asyncpg.Record:
    """The worker's row if they are on the campus's roster for the month, else a 422 naming staff_id."""
    row = await db.fetchrow(
        f"SELECT {_COLUMNS} FROM directory_staff WHERE staff_id = $6 AND {_ON_ROSTER}",
        school_id,
        campus_id,
        _WORKERS,
        first_day(month),
        last_day(month),
        staff_id,
    )
    if row is None:
        raise InvalidInput(f"{staff_id} is not on campus {campus_id}'s logistics roster for {month}", field="staff_id")
    return row


async def rule_book(bus: CommandBus, school_id: str, *, conn: Connection | None = None) -> RuleBookState:
    state: RuleBookState
    state, _ = await bus.load(RuleBook, RuleBook.stream_id(school_id), conn=conn)
    return state


def opening(worker: asyncpg.Record, book: RuleBookState, month: str) -> dict[str, str]:
    """The facts the worker's appraisal of ``month`` opens with: the version in force on the
    month's first day (or the day they joined, if later), or a 422 naming ``month``."""
    start, end = first_day(month), last_day(month)
    joined: date | None = worker["joined_on"]
    left: date | None = worker["left_on"]
    pinned_on = max(start, joined) if joined else start
    version = book.in_force(pinned_on)
    if version is None:
        raise InvalidInput(
            f"no version of the school's rule book is in force on {pinned_on.isoformat()}", field="month"
        )
    role = next(r for r in _WORKERS if r in worker["roles"])
    return opening_facts(
        staff_name=worker["name"],
        role=role,
        rule_book_version=version.version,
        base_score=version.base_score,
        categories=version.categories,
        joined_on=joined if joined and joined > start else None,
        left_on=left if left and left <= end else None,
    )


async def appraisals_of_month(db: Db, campus_id: str, month: str) -> list[str]:
    """The appraisals opened on ``campus_id`` for ``month``, in the order they were opened."""
    rows = await db.fetch(
        "SELECT data->>'appraisal_id' AS appraisal_id FROM events "
        "WHERE type = 'hr_eval.AppraisalOpened' AND campus_id = $1 AND data->>'month' = $2 ORDER BY position",
        campus_id,
        month,
    )
    return [r["appraisal_id"] for r in rows]


async def proposals_waiting(db: Db, campus_id: str, month: str) -> list[str]:
    """The proposals of other services for ``campus_id``'s ``month`` that no appraiser has yet
    confirmed or dismissed: the month is not published while one waits (nothing another
    service raised is dropped silently)."""
    rows = await db.fetch(
        "SELECT r.data->>'proposal_id' AS proposal_id FROM events r "
        "WHERE r.type = 'hr_eval.ProposalReceived' AND r.campus_id = $1 AND r.data->>'month' = $2 "
        "AND NOT EXISTS (SELECT 1 FROM events d WHERE d.stream_id = r.stream_id "
        "AND d.type IN ('hr_eval.ProposalConfirmed', 'hr_eval.ProposalDismissed')) ORDER BY r.position",
        campus_id,
        month,
    )
    return [r["proposal_id"] for r in rows]
