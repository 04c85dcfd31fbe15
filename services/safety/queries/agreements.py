"""Reads of agreement campaigns (signing rates, the reminders list), from the inspection
status projection and the directory mirror."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import NotFound
from services.eventkit.queries import Page, Query
from services.safety.events import PartyKind
from services.safety.projections.inspection_status import INSPECTION_STATUS

S = INSPECTION_STATUS.schema

CAMPAIGNS = (
    "SELECT * FROM (SELECT c.campaign_id, c.district_id, c.school_id, c.campus_id, c.term_id, c.title, "
    "count(a.party_id) AS issued, count(*) FILTER (WHERE a.status = 'signed') AS signed, "
    "count(*) FILTER (WHERE a.status = 'refused') AS refused "
    f"FROM {S}.agreement_campaigns c LEFT JOIN {S}.agreements a USING (campaign_id) GROUP BY c.campaign_id) x"
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
) -> Page:
    """A page of the campaigns in the caller's scope, each with its signing rate."""
    q = Query(CAMPAIGNS, "campaign_id").scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("term_id = {}", term_id)
    page = await q.page(pool, after, limit)
    page.items = [with_rate(r) for r in page.items]
    return page


async def campaign(pool: asyncpg.Pool, principal: Principal, campaign_id: str) -> dict[str, Any]:
    """One campaign with its signing rate: a 404, then a 403 if it is out of the caller's scope."""
    row = await Query(CAMPAIGNS, "campaign_id").filter("campaign_id = {}", campaign_id).one(pool)
    if row is None:
        raise NotFound(f"agreement campaign {campaign_id} not found")
    principal.require_scope(
        TenantPath(district_id=row["district_id"], school_id=row["school_id"], campus_id=row["campus_id"])
    )
    return with_rate(row)


async def signing_by_class(pool: asyncpg.Pool, principal: Principal, campaign_id: str) -> dict[str, Any]:
    """A campaign with its signing rate per class and for staff."""
    found = await campaign(pool, principal, campaign_id)
    rows = await pool.fetch(
        "SELECT a.party_kind, a.class_id, min(k.name) AS class_name, count(*) AS issued, "
        "count(*) FILTER (WHERE a.status = 'signed') AS signed, "
        "count(*) FILTER (WHERE a.status = 'refused') AS refused "
        f"FROM {S}.agreements a LEFT JOIN directory_classes k USING (class_id) WHERE a.campaign_id = $1 "
        "GROUP BY a.party_kind, a.class_id ORDER BY a.party_kind, a.class_id",
        campaign_id,
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
