"""Proposals from other services (and awards): each with what it proposes, and whether an
appraiser confirmed it (into which appraisal, as which item, under which rule) or dismissed it."""

from __future__ import annotations

from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.projection import Projection
from services.hr_eval import events as ev
from services.hr_eval.events import HR_EVAL_EVENTS
from services.hr_eval.proposals import Proposal


class Proposals(Projection):
    name = "proposals"
    event_types = frozenset({"hr_eval.ProposalReceived", "hr_eval.ProposalConfirmed", "hr_eval.ProposalDismissed"})
    streams = (Proposal,)

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE {schema}.proposals (
            proposal_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            staff_id text NOT NULL, month text NOT NULL, state text NOT NULL,
            from_event_id text NOT NULL, from_event_type text NOT NULL, raised_by text NOT NULL,
            occurred_at timestamptz NOT NULL,
            source text NOT NULL, source_ref text NOT NULL, rule_code text NOT NULL,
            place text NOT NULL, note text NOT NULL, evidence_refs text[] NOT NULL,
            appraisal_id text, item_id text, confirmed_rule_code text, confirmed_by text, confirmed_at timestamptz,
            dismissed_reason text, dismissed_by text, dismissed_at timestamptz);
        CREATE INDEX ON {schema}.proposals (campus_id, month, state);
        CREATE INDEX ON {schema}.proposals (staff_id, month);
        """

    async def apply(self, conn: Connection, schema: str, envelope: Envelope) -> None:
        e = HR_EVAL_EVENTS.decode(envelope)
        s = schema
        match e:
            case ev.ProposalReceived():
                await conn.execute(
                    f"INSERT INTO {s}.proposals (proposal_id, district_id, school_id, campus_id, staff_id, month, "
                    "state, from_event_id, from_event_type, raised_by, occurred_at, source, source_ref, rule_code, "
                    "place, note, evidence_refs) VALUES ($1, $2, $3, $4, $5, $6, 'received', $7, $8, $9, $10, $11, "
                    "$12, $13, $14, $15, $16) ON CONFLICT (proposal_id) DO NOTHING",
                    e.proposal_id,
                    envelope.district_id,
                    envelope.school_id,
                    e.campus_id,
                    e.staff_id,
                    e.month,
                    e.from_event_id,
                    e.from_event_type,
                    e.raised_by,
                    e.occurred_at,
                    e.source.value,
                    e.source_ref,
                    e.rule_code,
                    e.place,
                    e.note,
                    list(e.evidence_refs),
                )
            case ev.ProposalConfirmed():
                await conn.execute(
                    f"UPDATE {s}.proposals SET state = 'confirmed', appraisal_id = $2, item_id = $3, "
                    "confirmed_rule_code = $4, confirmed_by = $5, confirmed_at = $6 WHERE proposal_id = $1",
                    e.proposal_id,
                    e.appraisal_id,
                    e.item_id,
                    e.rule_code,
                    e.confirmed_by,
                    e.confirmed_at,
                )
            case ev.ProposalDismissed():
                await conn.execute(
                    f"UPDATE {s}.proposals SET state = 'dismissed', dismissed_reason = $2, dismissed_by = $3, "
                    "dismissed_at = $4 WHERE proposal_id = $1",
                    e.proposal_id,
                    e.reason,
                    e.dismissed_by,
                    e.dismissed_at,
                )


PROPOSALS = Proposals()
