"""Reads of agreement campaigns (signing rates, the reminders list), from the inspection
status projection and the directory mirror. Counts are as of a day (default: today): an
agreement counts once issued by its end, signed if signed by then, refused if refused by
then and not signed since."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.days import end_of_day, school_today
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import NotFound
from services.eventkit.queries import Page, Query
from services.safety.events import PartyKind
from services.safety.projections.inspection_status import INSPECTION_STATUS

S = INSPECTION_STATUS.schema


def agreement_counts(end: str) -> str:
    """The SQL of an agreement campaign's counts as of the instant ``end`` (a placeholder), over
    its agreements ``a`` issued before it."""
    signed = f"a.signed_at < {end}::timestamptz"
    return (
        f"count(a.party_id) AS issued, count(*) FILTER (WHERE {signed}) AS signed, "
        f"count(*) FILTER (WHERE a.refused_at < {end}::timestamptz AND NOT coalesce({signed}, false)) AS refused"
    )


def _campaigns(q: Query, as_of: date | None) -> str:
    """The campaigns with their counts as of ``as_of`` (default: today); adds the day's parameter to ``q``."""
    end = q.param(end_of_day(as_of or school_today()))
    return (
        "SELECT * FROM (SELECT c.campaign_id, c.district_id, c.school_id, c.campus_id, c.term_id, c.title, "
        f"{agreement_counts(end)} FROM {S}.agreement_campaigns c LEFT JOIN {S}.agreements a "
        f"ON a.campaign_id = c.campaign_id AND a.issued_at < {end}::timestamptz GROUP BY c.campaign_id) x"
    )


def with_rate(row: dict[str, Any]) -> dict[str, Any]:
    issued, signed = row["issued"], row["signed"]
    return row | {"unsigned": issued - signed, "signing_rate": round(signed / issued, 4) if issued else None}


async def campaign_page(
    pool: asyncpg.Pool,
    principal: Principal,
    campus_id: str | None,
    term_id: str | None,
    after: str | None,
    limit: int,
    as_of: date | None = None,
) -> Page:
    """A page of the campaigns in the caller's scope, each with its signing rate as of ``as_of``."""
    q = Query("", "campaign_id")
    q.select_from = _campaigns(q, as_of)
    q.scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("term_id = {}", term_id)
    page = await q.page(pool, after, limit)
    page.items = [with_rate(r) for r in page.items]
    return page


async def campaign(
    pool: asyncpg.Pool, principal: Principal, campaign_id: str, as_of: date | None = None
) -> dict[str, Any]:
    """One campaign with its signing rate as of ``as_of``, or a 404 (also out of the caller's scope)."""
    q = Query("", "campaign_id")
    q.select_from = _campaigns(q, as_of)
    row = await q.filter("campaign_id = {}", campaign_id).one(pool)
    tenant = None if row is None else TenantPath(**{k: row[k] for k in ("district_id", "school_id", "campus_id")})
    if row is None or tenant is None or not principal.covers(tenant):
        raise NotFound(f"agreement campaign {campaign_id} not found")
    return with_rate(row)


async def signing_by_class(
    pool: asyncpg.Pool, principal: Principal, campaign_id: str, as_of: date | None = None
) -> dict[str, Any]:
    """A campaign with its signing rate per class and for staff, as of ``as_of`` (default: today)."""
    found = await campaign(pool, principal, campaign_id, as_of)
    rows = await pool.fetch(
        f"SELECT a.party_kind, a.class_id, min(k.name) AS class_name, {agreement_counts('$2')} "
        f"FROM {S}.agreements a LEFT JOIN directory_classes k USING (class_id) WHERE a.campaign_id = $1 "
        "AND a.issued_at < $2 GROUP BY a.party_kind, a.class_id ORDER BY a.party_kind, a.class_id",
        campaign_id,
        end_of_day(as_of or school_today()),
    )
    staff = None
    classes = []
    for r in rows:
        line = with_rate(dict(r))
        if line.pop("party_kind") == PartyKind.STAFF.value:
            line.pop("class_id")
            line.pop("class_name")
            staff = line
        else:
            classes.append(line)
    empty = {"issued": 0, "signed": 0, "refused": 0}
    return found | {"staff": staff or with_rate(empty), "classes": classes}


def unsigned_list(campaign_id: str, party_kind: PartyKind | None, class_id: str | None) -> Query:
    """Who has not signed a campaign's agreement yet, with a parent's phone (the reminders list)."""
    q = Query(
        "SELECT * FROM (SELECT a.campaign_id, a.party_id, a.party_kind, a.name, a.class_id, a.status, "
        f"p.phone FROM {S}.agreements a LEFT JOIN directory_parents p "
        "ON a.party_kind = 'parent' AND p.parent_id = a.party_id WHERE a.status <> 'signed') u",
        "party_id",
    )
    q.filter("campaign_id = {}", campaign_id).filter("party_kind = {}", party_kind.value if party_kind else None)
    q.filter("class_id = {}", class_id)
    return q
