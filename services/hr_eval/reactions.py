"""Reactions of the staff appraisal to events (other services' and its own): each keeps what it
is proposed once, as a proposal an appraiser confirms or dismisses (:mod:`services.hr_eval.proposals`)."""

from __future__ import annotations

import logging
from typing import Any

from services.eventkit.acts import start_of_day
from services.eventkit.auth import Principal
from services.eventkit.commands import CommandBus, caused_by
from services.eventkit.consumer import Reaction
from services.eventkit.days import local_day
from services.eventkit.db import Connection
from services.eventkit.decider import Resolved
from services.eventkit.envelope import Envelope, TenantPath
from services.hr_eval.awards import BONUS_FACT, CONTEST_FACT, Award, ContestFacts, GrantAward
from services.hr_eval.common import WORKER_ROLES
from services.hr_eval.contests import AnnounceContest, Contest, ContestState, RankContest, RecordContestScore
from services.hr_eval.events import HR_EVAL_EVENTS, AppraisalItemProposal, AwardGranted, ContestResults, ItemSource
from services.hr_eval.proposals import Proposal, ReceiveProposal, proposal_id_of_award, proposal_id_of_event
from services.hr_eval.rulebook import RuleBook, RuleBookState

SYSTEM = Principal(subject="houqin-hr-eval")
log = logging.getLogger(__name__)

PROPOSING_EVENTS: tuple[str, ...] = ("safety.AppraisalItemProposed", "canteen.AppraisalItemProposed")
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


CONTEST_RESULTS_EVENTS: tuple[str, ...] = ("canteen.ContestResultsPublished",)
"""The wire names of other services' :class:`ContestResults` events the service keeps."""

_RESULTS_FIELDS = frozenset(ContestResults.model_fields)
ROUND = "r1"
"""The one round a contest another service ran is kept as."""


def contest_results_of(envelope: Envelope) -> ContestResults:
    """The results an event carries, read by the contract alone."""
    return ContestResults.model_validate({k: v for k, v in envelope.data.items() if k in _RESULTS_FIELDS})


def contest_id_of_event(envelope: Envelope) -> str:
    """The contest kept for another service's results: named by the raising event, so kept once."""
    return f"{envelope.type.split('.')[0].replace('_', '-')}-{envelope.event_id.hex}"


class ContestsFromServices(Reaction):
    """Another service ran a contest (the canteen's serving-skill contest): kept once, by the
    raising event's id, as a contest of one round with its judges' sheets, ranked from them,
    and its prizes granted as awards — dated when the results were published. An award with a
    bonus rule of the school's rule book in force that day then proposes the bonus to the worker
    (:class:`ProposalsFromAwards`); a bonus rule the rule book does not have (or that is a
    deduction) is left off the award, which is granted all the same."""

    name = "contests-from-services"
    event_types = frozenset(CONTEST_RESULTS_EVENTS)

    async def handle(self, conn: Connection, envelope: Envelope) -> None:
        results = contest_results_of(envelope)
        contest_id = contest_id_of_event(envelope)
        bus = CommandBus.in_transaction("hr_eval", HR_EVAL_EVENTS)
        _, version = await bus.load(Contest, Contest.stream_id(contest_id), conn=conn)
        if version != 0:
            return
        tenant = TenantPath(district_id=envelope.district_id, school_id=results.school_id, campus_id=results.campus_id)
        ctx = caused_by(envelope, SYSTEM)

        async def run(decider: Any, entity_id: str, command: Any, facts: dict[str, str] | None = None) -> None:
            resolved = Resolved(command, tenant, entity_id, facts or {})
            await bus.execute(decider, entity_id, resolved, ctx, tenant, conn=conn)

        announce = AnnounceContest.model_validate(
            {
                "contest_id": contest_id,
                "school_id": results.school_id,
                "campus_id": results.campus_id,
                "name": results.name,
                "kind": results.kind,
                "level": results.level,
                "organiser": results.organiser,
                "held_on": results.held_on,
                "rounds": [{"round_id": ROUND, "name": results.name}],
                "criteria": [c.model_dump() for c in results.criteria],
                "judges": results.judges,
                "entrants": [e.model_dump() for e in results.entrants],
            }
        )
        await run(Contest, contest_id, announce)
        for sheet in results.sheets:
            scores = [{"criterion": code, "score": score} for code, score in sheet.scores.items()]
            score = RecordContestScore.model_validate(
                {"round_id": ROUND, "entrant_id": sheet.entrant_id, "judge": sheet.judge, "scores": scores}
            )
            await run(Contest, contest_id, score)
        await run(Contest, contest_id, RankContest(allow_incomplete=True))
        if not results.prizes:
            return
        contest: ContestState
        contest, _ = await bus.load(Contest, Contest.stream_id(contest_id), conn=conn)
        awarded_on = max(local_day(envelope.occurred_at), results.held_on)
        book: RuleBookState
        book, _ = await bus.load(RuleBook, RuleBook.stream_id(results.school_id), conn=conn)
        in_force = book.in_force(awarded_on)
        for i, prize in enumerate(results.prizes, start=1):
            facts = {CONTEST_FACT: ContestFacts.of(contest).model_dump_json()}
            bonus = prize.bonus_rule_code
            rule = in_force.rule(bonus) if in_force is not None and bonus else None
            if bonus and (rule is None or rule.points <= 0):
                log.warning("contest %s: %s is no bonus rule of the rule book on %s", contest_id, bonus, awarded_on)
                bonus = None
            if bonus and rule is not None:
                facts[BONUS_FACT] = str(rule.points)
            award = GrantAward.model_validate(
                {
                    "award_id": f"{contest_id}-{i}",
                    "school_id": results.school_id,
                    "campus_id": results.campus_id,
                    "contest_id": contest_id,
                    "title": prize.title,
                    "prize": prize.prize,
                    "level": results.level,
                    "on": awarded_on,
                    "entrant_id": prize.entrant_id,
                    "bonus_rule_code": bonus,
                }
            )
            await run(Award, award.award_id, award, facts)
