"""The inspection status of campuses, derived from the inspection status projection as of the
day asked (default: today, at the moment it is asked, so "overdue" is never stale; a past day:
as things stood at its end): due and overdue inspections, open hazards, drills of the month,
agreement signing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.days import school_today
from services.eventkit.errors import NotFound
from services.eventkit.queries import Page, Query
from services.safety.events import DrillKind, InspectionKind, Severity
from services.safety.inspections import DEFAULT_RHYTHM_DAYS
from services.safety.projections.inspection_status import INSPECTION_STATUS
from services.safety.queries.agreements import agreement_counts
from services.safety.queries.hazards import AsOf

S = INSPECTION_STATUS.schema
CAMPUSES = "SELECT campus_id, school_id, district_id, name FROM directory_campuses"


async def campus_status(
    pool: asyncpg.Pool, campuses: list[dict[str, Any]], month: date, as_of: date
) -> list[dict[str, Any]]:
    """The status of a page of campuses as of a day: four grouped queries, whatever the page size.

    An inspection counts once completed by the day's end, and is due again ``every_days`` after
    the last one completed by then (overdue if that moment passed by the end of the day, or now
    for today); hazards are as :mod:`services.safety.queries.hazards` says; the drills of
    ``month`` are those conducted by the day; an agreement counts issued, signed or refused by then.
    """
    ids = [c["campus_id"] for c in campuses]
    end, at = AsOf.params(as_of)
    last = {
        (r["campus_id"], r["kind"]): r
        for r in await pool.fetch(
            f"SELECT campus_id, kind, max(completed_at) FILTER (WHERE completed_at < $2) AS last_completed_at, "
            "count(*) FILTER (WHERE completed_at < $2) AS completed, "
            "count(*) FILTER (WHERE completed_at IS NULL OR completed_at >= $2) AS in_progress "
            f"FROM {S}.inspections WHERE campus_id = ANY($1::text[]) AND started_at < $2 GROUP BY campus_id, kind",
            ids,
            end,
        )
    }
    rhythm = {
        (r["campus_id"], r["kind"]): r["every_days"]
        for r in await pool.fetch(
            f"SELECT campus_id, kind, every_days FROM {S}.schedules WHERE campus_id = ANY($1)", ids
        )
    }
    f = AsOf("$2", "$3")
    hazards = {
        r["campus_id"]: r
        for r in await pool.fetch(
            f"SELECT campus_id, "
            f"count(*) FILTER (WHERE {f.open}) AS open, "
            f"count(*) FILTER (WHERE {f.open} AND first_escalated_at < $2) AS escalated_open, "
            "count(*) FILTER (WHERE first_escalated_at < $2) AS escalated_total, "
            f"count(*) FILTER (WHERE {f.closed}) AS closed, "
            f"count(*) FILTER (WHERE {f.open} AND {f.breaches_sla}) AS breaching_sla, "
            f"max({f.age_days}) FILTER (WHERE {f.open}) AS oldest_open_days, "
            + ", ".join(
                f"count(*) FILTER (WHERE {f.open} AND severity = '{s.value}') AS open_{s.value}" for s in Severity
            )
            + f" FROM {S}.hazards WHERE campus_id = ANY($1::text[]) AND {f.reported} GROUP BY campus_id",
            ids,
            end,
            at,
        )
    }
    month_end = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    drills: dict[str, dict[str, int]] = {}
    for r in await pool.fetch(
        f"SELECT campus_id, kind, count(*) AS n FROM {S}.drills WHERE campus_id = ANY($1::text[]) "
        "AND conducted_on >= $2 AND conducted_on < $3 AND conducted_on <= $4 GROUP BY campus_id, kind",
        ids,
        month,
        month_end,
        as_of,
    ):
        drills.setdefault(r["campus_id"], {})[r["kind"]] = r["n"]
    agreements: dict[str, list[dict[str, Any]]] = {}
    for r in await pool.fetch(
        f"SELECT c.campus_id, c.campaign_id, c.title, c.term_id, {agreement_counts('$2')} "
        f"FROM {S}.agreement_campaigns c LEFT JOIN {S}.agreements a ON a.campaign_id = c.campaign_id "
        "AND a.issued_at < $2 WHERE c.campus_id = ANY($1::text[]) "
        "GROUP BY c.campus_id, c.campaign_id, c.title, c.term_id ORDER BY c.campaign_id",
        ids,
        end,
    ):
        item = dict(r)
        item["signing_rate"] = round(r["signed"] / r["issued"], 4) if r["issued"] else None
        agreements.setdefault(item.pop("campus_id"), []).append(item)

    out = []
    for campus in campuses:
        cid = campus["campus_id"]
        inspections = []
        for kind in InspectionKind:
            every = rhythm.get((cid, kind.value), DEFAULT_RHYTHM_DAYS[kind])
            row = last.get((cid, kind.value))
            last_done = row["last_completed_at"] if row else None
            next_due = last_done + timedelta(days=every) if (last_done and every) else None
            overdue = bool(every) and (next_due is None or next_due < at)
            inspections.append(
                {
                    "kind": kind.value,
                    "every_days": every,
                    "last_completed_at": last_done,
                    "next_due": next_due,
                    "overdue": overdue,
                    "completed": row["completed"] if row else 0,
                    "in_progress": row["in_progress"] if row else 0,
                }
            )
        h = hazards.get(cid)
        oldest = h["oldest_open_days"] if h else None
        out.append(
            {
                **campus,
                "inspections": inspections,
                "hazards": {
                    "open": h["open"] if h else 0,
                    "open_by_severity": {s.value: (h[f"open_{s.value}"] if h else 0) for s in Severity},
                    "escalated_open": h["escalated_open"] if h else 0,
                    "escalated_total": h["escalated_total"] if h else 0,
                    "closed": h["closed"] if h else 0,
                    "breaching_sla": h["breaching_sla"] if h else 0,
                    "oldest_open_days": None if oldest is None else round(oldest, 2),
                },
                "drills": {
                    "month": month.isoformat(),
                    "by_kind": {k.value: drills.get(cid, {}).get(k.value, 0) for k in DrillKind},
                    "total": sum(drills.get(cid, {}).values()),
                },
                "agreements": agreements.get(cid, []),
                "as_of": as_of.isoformat(),
            }
        )
    return out


async def status_page(
    pool: asyncpg.Pool,
    principal: Principal,
    school_id: str | None,
    ids: str | None,
    month: date | None,
    after: str | None,
    limit: int,
    as_of: date | None = None,
) -> Page:
    """A page of the open campuses in the caller's scope (``ids``: comma-separated), each with its status
    as of ``as_of`` (default: today); the drills are counted in ``month`` (default: the month of ``as_of``)."""
    q = Query(CAMPUSES, "campus_id").scoped(principal)
    q.where.append("NOT closed")
    q.filter("school_id = {}", school_id)
    q.filter("campus_id = ANY({}::text[])", [i for i in ids.split(",") if i] if ids else None)
    page = await q.page(pool, after, limit)
    day = as_of or school_today()
    page.items = await campus_status(pool, page.items, (month or day).replace(day=1), day)
    return page


async def one_status(
    pool: asyncpg.Pool, principal: Principal, campus_id: str, month: date | None, as_of: date | None = None
) -> dict[str, Any]:
    """The status of one campus in the caller's scope as of ``as_of`` (default: today), or a 404."""
    q = Query(CAMPUSES, "campus_id").scoped(principal)
    row = await q.filter("campus_id = {}", campus_id).one(pool)
    if row is None:
        raise NotFound(f"campus {campus_id} not found")
    day = as_of or school_today()
    return (await campus_status(pool, [row], (month or day).replace(day=1), day))[0]
