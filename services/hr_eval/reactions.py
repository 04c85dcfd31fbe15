"""Reactions of the staff appraisal to events (other services' and its own): each keeps what it
is proposed once, as a proposal an appraiser confirms or dismisses (:mod:`services.hr_eval.proposals`)."""

from __future__ import annotations

from services.eventkit.acts import start_of_day
from services.eventkit.auth import Principal
from services.eventkit.commands import CommandBus, caused_by
from services.eventkit.consumer import Reaction
from services.eventkit.db import Connection
from services.eventkit.decider import Resolved
from services.eventkit.envelope import Envelope, TenantPath
from services.hr_eval.common import WORKER_ROLES
from services.hr_eval.events import HR_EVAL_EVENTS, AppraisalItemProposal, AwardGranted, ItemSource
from services.hr_eval.proposals import Proposal, ReceiveProposal, proposal_id_of_award, proposal_id_of_event

SYSTEM = Principal(subject="houqin-hr-eval")

PROPOSING_EVENTS: tuple[str, ...] = ("safety.AppraisalItemProposed",)
"""The wire names of other services' :class:`AppraisalItemProposal` events the service keeps."""

_CONTRACT_FIELDS = frozenset(AppraisalItemProposal.model_fields)


def proposal_of(envelope: Envelope) -> AppraisalItemProposal:
    """The proposal an event raises, read by the contract alone: what else its payload carries
    (the raising service may add fields) is not read."""
    return AppraisalItemProposal.model_validate({k: v for k, v in envelope.data.items() if k in _CONTRACT_FIELDS})


async def receive(
    conn: Connection, proposal_id: str, command: ReceiveProposal, envelope: Envelope, tenant: TenantPath
) -> bool:
    """Keeps the proposal unless its stream already holds it (the same event delivered again,
    or answered by another path): whether it was kept now."""
    bus = CommandBus.in_transaction("hr_eval", HR_EVAL_EVENTS)
    _, version = await bus.load(Proposal, Proposal.stream_id(proposal_id), conn=conn)
    if version != 0:
        return False
    # dated by the act the event records (a finding, an award), not by when this runs
    ctx = caused_by(envelope, SYSTEM)
    await bus.execute(Proposal, proposal_id, Resolved(command, tenant, proposal_id), ctx, tenant, conn=conn)
    return True


class ProposalsFromServices(Reaction):
    """Another service proposes an item for a worker's appraisal (a patrol finding naming the
    guard on duty): kept as a proposal of the worker's campus for the month it happened in."""

    name = "proposals-from-services"
    event_types = frozenset(PROPOSING_EVENTS)

    async def handle(self, conn: Connection, envelope: Envelope) -> None:
        raised = proposal_of(envelope)
        campus_id = raised.campus_id or envelope.campus_id
        tenant = TenantPath(district_id=envelope.district_id, school_id=envelope.school_id, campus_id=campus_id)
        command = ReceiveProposal(
            from_event_id=str(envelope.event_id),
            from_event_type=envelope.type,
            staff_id=raised.staff_id,
            campus_id=campus_id or "",
            occurred_at=raised.occurred_at,
            source=raised.source,
            source_ref=raised.source_ref,
            rule_code=raised.rule_code,
            place=raised.place,
            note=raised.note,
            evidence_refs=tuple(raised.evidence_refs),
            raised_by=envelope.actor or "",
        )
        await receive(conn, proposal_id_of_event(envelope.event_id), command, envelope, tenant)


class ProposalsFromAwards(Reaction):
    """A prize the rule book rewards (the award names a bonus rule) proposes that bonus to each
    logistics worker it honours, for the month of the award: one proposal per award and worker,
    on the worker's campus (the award's, if the worker works there)."""

    name = "proposals-from-awards"
    event_types = frozenset({"hr_eval.AwardGranted"})

    async def handle(self, conn: Connection, envelope: Envelope) -> None:
        award = HR_EVAL_EVENTS.decode(envelope)
        assert isinstance(award, AwardGranted)
        if not award.bonus_rule_code:
            return
        workers = await conn.fetch(
            "SELECT staff_id, district_id, school_id, campus_ids FROM directory_staff "
            "WHERE staff_id = ANY($1::text[]) AND active AND roles && $2::text[] ORDER BY staff_id",
            sorted(set(award.staff_ids)),
            [r.value for r in WORKER_ROLES],
        )
        for worker in workers:
            campuses = sorted(worker["campus_ids"] or [])
            if not campuses:
                continue
            campus_id: str = award.campus_id if award.campus_id and award.campus_id in campuses else campuses[0]
            tenant = TenantPath(
                district_id=envelope.district_id or worker["district_id"],
                school_id=envelope.school_id or worker["school_id"],
                campus_id=campus_id,
            )
            command = ReceiveProposal(
                from_event_id=str(envelope.event_id),
                from_event_type=envelope.type,
                staff_id=worker["staff_id"],
                campus_id=campus_id,
                occurred_at=start_of_day(award.awarded_on),
                source=ItemSource.CONTEST,
                source_ref=award.award_id,
                rule_code=award.bonus_rule_code,
                note=f"{award.title} ({award.recipient_name})",
                raised_by=award.granted_by,
            )
            await receive(conn, proposal_id_of_award(award.award_id, worker["staff_id"]), command, envelope, tenant)
