"""Proposals (提议): items other services propose for a worker's appraisal.

Another service raises an :class:`~services.hr_eval.events.AppraisalItemProposal` (a patrol
finding naming the guard at the gate, a canteen audit); a prize of a contest that the rule
book rewards proposes a bonus too. Each is kept here once as a proposal, however often
its event is delivered: the proposal's id is derived from the raising event's id (or, for an
award, from the award and the worker). Nothing of it counts until an appraiser of its campus
confirms it into the worker's appraisal of its month (under the suggested rule or another)
or dismisses it with a reason: nothing from another service is ever applied silently.

received -> confirmed | dismissed. The proposal is received at the time of what it is about
(the finding, the award); it is confirmed or dismissed no earlier than that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid5

from pydantic import Field

from services.eventkit.acts import ActAtOrNow, not_before
from services.eventkit.bounds import EntityId, Name
from services.eventkit.commands import Command, examples
from services.eventkit.days import local_day
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Rejected
from services.hr_eval.common import RuleCode, appraisal_id, month_of
from services.hr_eval.events import ItemSource, ProposalConfirmed, ProposalDismissed, ProposalReceived

AWARDS = UUID("5b0e4f1e-6a43-4c39-9a53-0f8f3d1c7a21")
"""The namespace of the ids of awards' proposals (one per award and worker)."""


def proposal_id_of_event(event_id: UUID | str) -> str:
    """The one proposal of another service's raising event: its id is the event's."""
    return str(UUID(str(event_id)))


def proposal_id_of_award(award_id: str, staff_id: str) -> str:
    """The one proposal of an award for one of the workers it honours."""
    return str(uuid5(AWARDS, f"{award_id}/{staff_id}"))


def month_of_act(at: datetime) -> str:
    """The appraised month of something that happened at ``at``: the month of its day at the school."""
    return month_of(local_day(at))


# -- commands ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiveProposal:
    """Internal: a proposal raised by another service's event (or an award), received at the
    time of what it is about (the act time of the event it answers)."""

    from_event_id: str
    from_event_type: str
    staff_id: str
    campus_id: str
    occurred_at: datetime
    source: ItemSource
    source_ref: str
    rule_code: str = ""
    place: str = ""
    note: str = ""
    evidence_refs: tuple[str, ...] = ()
    raised_by: str = ""


class DismissProposal(Command):
    """The proposal does not become an item of the worker's appraisal, for the reason given."""

    model_config = examples({"reason": "当日由代班人员值守, 与本人无关", "at": "2020-10-16T09:00:00+08:00"})

    reason: Name = Field(description="Why the proposal is not taken up")
    at: ActAtOrNow = None


class ConfirmProposal(Command):
    """The proposal becomes an item of the worker's appraisal of its month (opened already),
    under the rule it suggests or another of the appraisal's rule book."""

    model_config = examples(
        {"item_id": "patrol-1015-gate", "at": "2020-10-16T09:00:00+08:00"},
        {"item_id": "patrol-1015-gate", "rule_code": "D-3"},
    )

    item_id: EntityId = Field(description="The id of the item in the worker's appraisal")
    rule_code: RuleCode | None = Field(
        default=None, description="The rule applied; omit for the rule the proposal suggests"
    )
    at: ActAtOrNow = None


# -- state -------------------------------------------------------------------------------


class ProposalStatus(StrEnum):
    RECEIVED = "received"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


@dataclass(frozen=True)
class ProposalState:
    status: ProposalStatus | None = None
    staff_id: str = ""
    campus_id: str = ""
    month: str = ""
    occurred_at: datetime | None = None
    source: ItemSource = ItemSource.OTHER
    source_ref: str = ""
    rule_code: str = ""
    place: str = ""
    note: str = ""
    evidence_refs: tuple[str, ...] = field(default_factory=tuple)

    @property
    def appraisal_id(self) -> str:
        """The appraisal it is confirmed into: its worker's, of its month."""
        return appraisal_id(self.staff_id, self.month)


ProposalCommand = Resolved[ReceiveProposal] | Resolved[DismissProposal] | Resolved[ConfirmProposal]


def decide(rc: ProposalCommand, state: ProposalState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, ReceiveProposal):
        if state.status is not None:
            raise Rejected(f"proposal {rc.entity_id} was already received")
        return [
            ProposalReceived(
                proposal_id=rc.entity_id,
                from_event_id=cmd.from_event_id,
                from_event_type=cmd.from_event_type,
                staff_id=cmd.staff_id,
                campus_id=cmd.campus_id,
                month=month_of_act(cmd.occurred_at),
                occurred_at=cmd.occurred_at,
                source=cmd.source,
                source_ref=cmd.source_ref,
                rule_code=cmd.rule_code,
                place=cmd.place,
                note=cmd.note,
                evidence_refs=list(cmd.evidence_refs),
                raised_by=cmd.raised_by,
            )
        ]
    if state.status is None:
        raise Rejected("the proposal was never received")
    if state.status is not ProposalStatus.RECEIVED:
        raise Rejected(f"the proposal is already {state.status.value}")
    not_before(rc.at, state.occurred_at, field="at", step="proposed", what="proposal")
    if isinstance(cmd, DismissProposal):
        return [
            ProposalDismissed(proposal_id=rc.entity_id, reason=cmd.reason, dismissed_by=rc.actor, dismissed_at=rc.at)
        ]
    rule_code = cmd.rule_code or state.rule_code
    if not rule_code:
        raise Rejected("the proposal suggests no rule: name the rule applied", field="rule_code")
    return [
        ProposalConfirmed(
            proposal_id=rc.entity_id,
            appraisal_id=state.appraisal_id,
            item_id=cmd.item_id,
            rule_code=rule_code,
            confirmed_by=rc.actor,
            confirmed_at=rc.at,
        )
    ]


def evolve(state: ProposalState, event: DomainEvent) -> ProposalState:
    match event:
        case ProposalReceived():
            return ProposalState(
                status=ProposalStatus.RECEIVED,
                staff_id=event.staff_id,
                campus_id=event.campus_id,
                month=event.month,
                occurred_at=event.occurred_at,
                source=event.source,
                source_ref=event.source_ref,
                rule_code=event.rule_code,
                place=event.place,
                note=event.note,
                evidence_refs=tuple(event.evidence_refs),
            )
        case ProposalConfirmed():
            return replace(state, status=ProposalStatus.CONFIRMED)
        case ProposalDismissed():
            return replace(state, status=ProposalStatus.DISMISSED)
    return state


Proposal: Decider[ProposalCommand, ProposalState, DomainEvent] = Decider(
    "Proposal", ProposalState(), decide, evolve, "proposal", starts=(ReceiveProposal,)
)
"""One stream per proposal (its id derived from what raised it)."""
