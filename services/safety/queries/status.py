"""The inspection status of campuses, derived from the inspection status projection at the
moment it is asked (so "overdue" is never stale): due and overdue inspections, open hazards,
drills of the month, agreement signing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.errors import NotFound
from services.eventkit.queries import Page, Query
from services.safety.events import DrillKind, InspectionKind, Severity
from services.safety.inspections import DEFAULT_RHYTHM_DAYS
from services.safety.projections.inspection_status import INSPECTION_STATUS
from services.safety.queries.hazards import SLA_INTERVAL

S = INSPECTION_STATUS.schema
CAMPUSES = "SELECT campus_id, school_id, district_id, name FROM directory_campuses"


async def campus_status(
    pool: asyncpg.Pool, campuses: list[dict[str, Any]], month: date, now: datetime
) -> list[dict[str, Any]]:
    """The status of a page of campuses: four grouped queries, whatever the page size."""
    ids = [c["campus_id"] for c in campuses]
    last = {
        (r["campus_id"], r["kind"]): r
        for r in await pool.fetch(
            f"SELECT campus_id, kind, max(completed_at) AS last_completed_at, "
            "count(*) FILTER (WHERE completed_at IS NOT NULL) AS completed, "
            "count(*) FILTER (WHERE completed_at IS NULL) AS in_progress "
            f"FROM {S}.inspections WHERE campus_id = ANY($1::text[]) GROUP BY campus_id, kind",
            ids,
        )
    }
    rhythm = {
        (r["campus_id"], r["kind"]): r["every_days"]
        for r in await pool.fetch(
            f"SELECT campus_id, kind, every_days FROM {S}.schedules WHERE campus_id = ANY($1)", ids
        )
    }
    hazards = {
        r["campus_id"]: r
        for r in await pool.fetch(
            f"SELECT campus_id, "
            "count(*) FILTER (WHERE status <> 'closed') AS open, "
            "count(*) FILTER (WHERE status <> 'closed' AND escalated) AS escalated_open, "
            "count(*) FILTER (WHERE escalated) AS escalated_total, "
            "count(*) FILTER (WHERE status = 'closed') AS closed, "
            "count(*) FILTER (WHERE status <> 'closed' "
            f"AND $2::timestamptz - reported_at > (CASE severity {SLA_INTERVAL} END)) AS breaching_sla, "
            "max(extract(epoch FROM ($2::timestamptz - reported_at)) / 86400) FILTER (WHERE status <> 'closed') "
            "AS oldest_open_days, "
            + ", ".join(
                f"count(*) FILTER (WHERE status <> 'closed' AND severity = '{s.value}') AS open_{s.value}"
                for s in Severity
            )
            + f" FROM {S}.hazards WHERE campus_id = ANY($1::text[]) GROUP BY campus_id",
            ids,
            now,
        )
    }
    month_end = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    drills: dict[str, dict[str, int]] = {}
    for r in await pool.fetch(
        f"SELECT campus_id, kind, count(*) AS n FROM {S}.drills WHERE campus_id = ANY($1::text[]) "
        "AND conducted_on >= $2 AND conducted_on < $3 GROUP BY campus_id, kind",
        ids,
        month,
        month_end,
    ):
        drills.setdefault(r["campus_id"], {})[r["kind"]] = r["n"]
    agreements: dict[str, list[dict[str, Any]]] = {}
    for r in await pool.fetch(
        f"SELECT c.campus_id, c.campaign_id, c.title, c.term_id, count(a.party_id) AS issued, "
        "count(*) FILTER (WHERE a.status = 'signed') AS signed, "
        "count(*) FILTER (WHERE a.status = 'refused') AS refused "
        f"FROM {S}.agreement_campaigns c LEFT JOIN {S}.agreements a USING (campaign_id) "
        "WHERE c.campus_id = ANY($1::text[]) GROUP BY c.campus_id, c.campaign_id, c.title, c.term_id "
        "ORDER BY c.campaign_id",
        ids,
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
            overdue = bool(every) and (next_due is None or next_due < now)
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
                    "oldest_open_days": round(h["oldest_open_days"], 2) if h and h["oldest_open_days"] else None,
                },
                "drills": {
                    "month": month.isoformat(),
                    "by_kind": {k.value: drills.get(cid, {}).get(k.value, 0) for k in DrillKind},
                    "total": sum(drills.get(cid, {}).values()),
                },
                "agreements": agreements.get(cid, []),
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
) -> Page:
    """A page of the open campuses in the caller's scope (``ids``: comma-separated), each with its status;
    the drills are counted in ``month`` (default: this month)."""
    q = Query(CAMPUSES, "campus_id").scoped(principal)
    q.where.append("NOT closed")
    q.filter("school_id = {}", school_id)
    q.filter("campus_id = ANY({}::text[])", [i for i in ids.split(",") if i] if ids else None)
    page = await q.page(pool, after, limit)
    now = datetime.now(UTC)
    page.items = await campus_status(pool, page.items, (month or now.date()).replace(day=1), now)
    return page


async def one_status(pool: asyncpg.Pool, principal: Principal, campus_id: str, month: date | None) -> dict[str, Any]:
    """The status of one campus in the caller's scope, or a 404."""
    q = Query(CAMPUSES, "campus_id").scoped(principal)
    row = await q.filter("campus_id = {}", campus_id).one(pool)
    if row is None:
        raise NotFound(f"campus {campus_id} not found")
    now = datetime.now(UTC)
    return (await campus_status(pool, [row], (month or now.date()).replace(day=1), now))[0]
