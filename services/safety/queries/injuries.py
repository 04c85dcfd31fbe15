"""Reads of student injuries and their counts by setting, from the safety records projection."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.errors import InvalidInput, NotFound
from services.eventkit.queries import Query
from services.safety.events import InjurySetting
from services.safety.projections.safety_records import SAFETY_RECORDS

S = SAFETY_RECORDS.schema

INJURY_COLUMNS = (
    "injury_id, district_id, school_id, campus_id, student_id, class_id, setting, occurred_at, occurred_on, injury, "
    "first_aid, reported_by, status, parent_notified_at, notified_how, notified_by, follow_ups, last_follow_up_on, "
    "closed_on, cause, measures, building, floor, break_period, camera_area_id"
)


def _range(from_: date | None, to: date | None) -> None:
    if from_ is not None and to is not None and to < from_:
        raise InvalidInput("the range ends before it starts", field="to")


def injury_list(
    principal: Principal,
    campus_id: str | None,
    class_id: str | None,
    student_id: str | None,
    setting: InjurySetting | None,
    open: bool | None,
    from_: date | None,
    to: date | None,
) -> Query:
    """The injuries a list asks for, in the caller's scope (422 if the range is backwards)."""
    _range(from_, to)
    q = Query(f"SELECT {INJURY_COLUMNS} FROM {S}.injuries", "injury_id").scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("class_id = {}", class_id).filter("student_id = {}", student_id)
    q.filter("setting = {}", setting.value if setting else None)
    q.filter("occurred_on >= {}", from_).filter("occurred_on <= {}", to)
    if open is not None:
        q.where.append("status <> 'closed'" if open else "status = 'closed'")
    return q


async def summary_by_setting(
    pool: asyncpg.Pool, principal: Principal, campus_id: str | None, from_: date | None, to: date | None
) -> dict[str, Any]:
    """Injuries in the caller's scope counted by setting over a range (422 if it is backwards)."""
    _range(from_, to)
    q = Query(
        "SELECT setting, count(*) AS n, count(*) FILTER (WHERE status <> 'closed') AS open, "
        "count(*) FILTER (WHERE parent_notified_at IS NULL) AS parent_not_told "
        f"FROM {S}.injuries",
        "setting",
    ).scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("occurred_on >= {}", from_).filter("occurred_on <= {}", to)
    rows = await pool.fetch(f"{q.select_from} WHERE {' AND '.join(q.where)} GROUP BY setting", *q.params)
    by_setting = {s.value: 0 for s in InjurySetting} | {r["setting"]: r["n"] for r in rows}
    total = sum(by_setting.values())
    return {
        "campus_id": campus_id,
        "from": from_.isoformat() if from_ else None,
        "to": to.isoformat() if to else None,
        "total": total,
        "by_setting": by_setting,
        "in_pe": by_setting[InjurySetting.PE.value],
        "at_breaks_or_activities": by_setting[InjurySetting.BREAK.value] + by_setting[InjurySetting.ACTIVITY.value],
        "open": sum(r["open"] for r in rows),
        "closed": total - sum(r["open"] for r in rows),
        "parent_not_told": sum(r["parent_not_told"] for r in rows),
    }


async def injury(pool: asyncpg.Pool, principal: Principal, injury_id: str) -> dict[str, Any]:
    """One injury in the caller's scope with its follow-ups, or a 404."""
    q = Query(f"SELECT {INJURY_COLUMNS} FROM {S}.injuries", "injury_id").scoped(principal)
    row = await q.filter("injury_id = {}", injury_id).one(pool)
    if row is None:
        raise NotFound(f"injury {injury_id} not found")
    row["follow_up_notes"] = [
        dict(r)
        for r in await pool.fetch(
            f"SELECT on_date AS on, note, noted_by AS by FROM {S}.injury_follow_ups WHERE injury_id = $1 "
            "ORDER BY version",
            injury_id,
        )
    ]
    return row
