"""Reads of proposals from other services, from the proposals projection."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.errors import NotFound
from services.eventkit.queries import Query
from services.hr_eval.common import READERS_OF_ALL
from services.hr_eval.projections.proposals import PROPOSALS
from services.hr_eval.proposals import ProposalStatus

S = PROPOSALS.schema

PROPOSAL_COLUMNS = (
    "proposal_id, district_id, school_id, campus_id, staff_id, month, state, from_event_type, from_event_id, "
    "raised_by, occurred_at, source, source_ref, rule_code, place, note, evidence_refs, appraisal_id, "
    "item_id, confirmed_rule_code, confirmed_by, confirmed_at, dismissed_reason, dismissed_by, dismissed_at"
)


def proposal_list(
    principal: Principal,
    campus_id: str | None,
    month: str | None,
    state: ProposalStatus | None,
    staff_id: str | None,
) -> Query:
    """Proposals on the campuses where the caller appraises or oversees the appraisals."""
    q = Query(f"SELECT {PROPOSAL_COLUMNS} FROM {S}.proposals", "proposal_id").scoped(principal, roles=READERS_OF_ALL)
    q.filter("campus_id = {}", campus_id).filter("month = {}", month).filter("staff_id = {}", staff_id)
    return q.filter("state = {}", state.value if state else None)


async def proposal(pool: asyncpg.Pool, principal: Principal, proposal_id: str) -> dict[str, Any]:
    """One proposal where the caller appraises or oversees, or a 404."""
    q = Query(f"SELECT {PROPOSAL_COLUMNS} FROM {S}.proposals", "proposal_id").scoped(principal, roles=READERS_OF_ALL)
    row = await q.filter("proposal_id = {}", proposal_id).one(pool)
    if row is None:
        raise NotFound(f"proposal {proposal_id} not found")
    return row
