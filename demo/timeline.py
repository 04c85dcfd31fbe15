"""Whether a loaded district reads true in time: every act at its own date, none before the step it follows.

The demo enters a past term after the fact, so the time each act happened (an event's
``occurred_at``) and the time it was entered (``recorded_at``) differ by years. This walks
every stream of every service and lists what would make the term read false: a step dated
before the step before it, an act recorded before it happened, an act outside the term's
window, a record older than its campus, a reaction's event older than the event it answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import asyncpg

from services.eventkit.acts import CLOCK_SKEW
from services.eventkit.days import local_day


@dataclass(frozen=True)
class Act:
    service: str
    stream_id: str
    version: int
    type: str
    occurred_at: datetime
    recorded_at: datetime
    campus_id: str | None
    event_id: str
    causation_id: str | None

    def __str__(self) -> str:
        return f"{self.service} {self.stream_id} v{self.version} {self.type} at {self.occurred_at.isoformat()}"


async def acts_of(service: str, pool: asyncpg.Pool) -> list[Act]:
    rows = await pool.fetch(
        "SELECT stream_id, version, type, occurred_at, recorded_at, campus_id, event_id::text, causation_id "
        "FROM events ORDER BY stream_id, version"
    )
    return [Act(service, **dict(r)) for r in rows]


def out_of_order(acts: list[Act], *, window: tuple[datetime, date]) -> list[str]:
    """Each way ``acts`` (every service's events) fail to read true, as one line each.

    ``window`` is the first instant and the last day any act may have; a stream's steps are
    compared by the school's day (an act given by its day is dated at the day's start)."""
    problems: list[str] = []
    first, last_day = window
    by_id = {a.event_id: a for a in acts}
    opened: dict[str, datetime] = {
        a.stream_id.removeprefix("campus-"): a.occurred_at
        for a in acts
        if a.service == "directory" and a.stream_id.startswith("campus-") and a.version == 1
    }
    latest: dict[str, Act] = {}
    for act in acts:
        key = f"{act.service}/{act.stream_id}"
        before = latest.get(key)
        if before is not None and local_day(act.occurred_at) < local_day(before.occurred_at):
            problems.append(f"{act}: before the step it follows ({before})")
        latest[key] = act
        if act.occurred_at > act.recorded_at + CLOCK_SKEW:
            problems.append(f"{act}: happened after it was recorded ({act.recorded_at.isoformat()})")
        if act.occurred_at < first or local_day(act.occurred_at) > last_day:
            problems.append(f"{act}: outside the term ({first.isoformat()} to {last_day.isoformat()})")
        campus_opened = opened.get(act.campus_id or "")
        if campus_opened is not None and act.occurred_at < campus_opened:
            problems.append(f"{act}: before its campus opened ({campus_opened.isoformat()})")
        cause = by_id.get(act.causation_id or "")
        if cause is not None and local_day(act.occurred_at) < local_day(cause.occurred_at):
            problems.append(f"{act}: before the event it answers ({cause})")
    return problems
