"""Reads of parent communications for safety education: the list, and a campus's term by theme
and by kind with the reach totals."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.errors import NotFound
from services.eventkit.queries import Query
from services.safety.events import CommunicationKind, SafetyTheme
from services.safety.projections.coverage_outreach import COVERAGE_OUTREACH

C = COVERAGE_OUTREACH.schema

COLUMNS = (
    "communication_id, district_id, school_id, campus_id, term_id, kind, themes, sent_on, audience, title, "
    "reference, speaker, reached, acknowledged, last_counted_on"
)


def communication_list(
    principal: Principal,
    campus_id: str | None,
    term_id: str | None,
    kind: CommunicationKind | None,
    theme: SafetyTheme | None,
) -> Query:
    """The communications a list asks for, in the caller's scope."""
    q = Query(f"SELECT {COLUMNS} FROM {C}.parent_communications", "communication_id").scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("term_id = {}", term_id)
    q.filter("kind = {}", kind.value if kind else None).filter("{} = ANY(themes)", theme.value if theme else None)
    return q


async def communication(pool: asyncpg.Pool, principal: Principal, communication_id: str) -> dict[str, Any]:
    """One communication in the caller's scope, or a 404."""
    q = Query(f"SELECT {COLUMNS} FROM {C}.parent_communications", "communication_id").scoped(principal)
    row = await q.filter("communication_id = {}", communication_id).one(pool)
    if row is None:
        raise NotFound(f"parent communication {communication_id} not found")
    return row


def _zero() -> dict[str, int]:
    return {"communications": 0, "reached": 0, "acknowledged": 0}


async def communication_summary(
    pool: asyncpg.Pool, principal: Principal, campus_id: str, term_id: str
) -> dict[str, Any]:
    """A campus's communications of a term (in the caller's scope) by theme and by kind, each with
    how many there were and the families reached and acknowledging; a communication on several
    themes counts under each (the total counts it once). Every theme and kind is listed."""
    q = communication_list(principal, campus_id, term_id, None, None)
    sql = q.select_from + " WHERE " + " AND ".join(q.where)
    total = _zero()
    by_theme = {t.value: _zero() for t in SafetyTheme}
    by_kind = {k.value: _zero() for k in CommunicationKind}
    for r in await pool.fetch(sql, *q.params):
        for bucket in (total, by_kind[r["kind"]], *(by_theme[t] for t in r["themes"])):
            bucket["communications"] += 1
            bucket["reached"] += r["reached"]
            bucket["acknowledged"] += r["acknowledged"]
    return {"campus_id": campus_id, "term_id": term_id, "total": total, "by_theme": by_theme, "by_kind": by_kind}
