"""Staff violations: a canteen worker seen breaking a rule of the school (on patrol, on camera,
at an audit), with the rule it falls under, where, and the evidence (photos, footage).

Observing one records it and proposes it as a deduction in the worker's monthly appraisal
(:class:`services.canteen.events.AppraisalItemProposed`), dated by when it was seen; the staff
appraisal keeps that proposal once, where an appraiser confirms or dismisses it. A violation
recorded by mistake is withdrawn with the reason, no earlier than it was seen (the proposal
already raised stays with the appraiser, who dismisses it). One stream per violation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from pydantic import Field

from services.canteen.audits import RuleCode
from services.canteen.events import AppraisalItemProposed, ViolationObserved, ViolationWithdrawn
from services.eventkit.acts import ActAtOrNow, not_before
from services.eventkit.bounds import EntityId, Few, Name, Ref, ShortText, Text
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Rejected
from services.hr_eval.events import ItemSource


class ViolationSource(StrEnum):
    """How the violation was seen."""

    PATROL = "patrol"  # on the manager's patrol (or on camera)
    CANTEEN_AUDIT = "canteen_audit"  # at a canteen audit or self-inspection


# -- commands ----------------------------------------------------------------------------


class ObserveViolation(Command):
    """A canteen worker seen breaking a rule, proposed as a deduction in their appraisal."""

    model_config = examples(
        {
            "violation_id": "main-2020-10-15-1",
            "campus_id": "main",
            "staff_id": "jiang-cook",
            "rule_code": "Q-2",
            "description": "操作时未佩戴口罩",
            "place": "本部 食堂 切配间",
            "evidence_refs": ["cctv/main/kitchen/2020-10-15T10:12"],
            "source": "patrol",
            "at": "2020-10-15T10:12:00+08:00",
        }
    )

    violation_id: EntityId = Field(description="The violation's id, chosen by the client")
    campus_id: EntityId
    staff_id: EntityId = Field(description="The canteen worker (staff id)")
    rule_code: RuleCode
    description: Text = Field(min_length=1, description="What was seen")
    place: Name = Field(description="Where, e.g. 食堂 切配间")
    evidence_refs: Few[Ref] = Field(default_factory=list, description="Photos, footage: references to them")
    source: ViolationSource = Field(default=ViolationSource.PATROL, description="How it was seen")
    at: ActAtOrNow = None


class WithdrawViolation(Command):
    """A violation recorded by mistake, withdrawn with the reason."""

    model_config = examples({"reason": "监控核实为其他人员", "at": "2020-10-16T09:00:00+08:00"})

    reason: ShortText = Field(min_length=1, description="Why it is withdrawn")
    at: ActAtOrNow = None


# -- state -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ViolationState:
    violation_id: str = ""
    observed_at: datetime | None = None
    withdrawn: bool = False


ViolationCommand = Resolved[ObserveViolation] | Resolved[WithdrawViolation]


def decide(rc: ViolationCommand, state: ViolationState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, ObserveViolation):
        if state.observed_at is not None:
            raise Rejected(f"violation {cmd.violation_id} is already recorded", field="violation_id")
        return [
            ViolationObserved(
                violation_id=cmd.violation_id,
                campus_id=cmd.campus_id,
                staff_id=cmd.staff_id,
                rule_code=cmd.rule_code,
                description=cmd.description,
                place=cmd.place,
                evidence_refs=list(cmd.evidence_refs),
                observed_by=rc.actor,
            ),
            AppraisalItemProposed(
                staff_id=cmd.staff_id,
                campus_id=cmd.campus_id,
                occurred_at=rc.at,
                source=ItemSource(cmd.source.value),
                source_ref=cmd.violation_id,
                rule_code=cmd.rule_code,
                place=cmd.place,
                note=cmd.description,
                evidence_refs=list(cmd.evidence_refs),
            ),
        ]
    if state.observed_at is None:
        raise Rejected("the violation was never recorded")
    if state.withdrawn:
        raise Rejected(f"violation {state.violation_id} is already withdrawn")
    not_before(rc.at, state.observed_at, field="at", step="observed", what="violation")
    return [ViolationWithdrawn(violation_id=state.violation_id, reason=cmd.reason, withdrawn_by=rc.actor)]


def evolve(state: ViolationState, event: DomainEvent) -> ViolationState:
    match event:
        case ViolationObserved():
            return replace(state, violation_id=event.violation_id)
        case AppraisalItemProposed():
            return replace(state, observed_at=event.occurred_at)
        case ViolationWithdrawn():
            return replace(state, withdrawn=True)
    return state


Violation: Decider[ViolationCommand, ViolationState, DomainEvent] = Decider(
    "Violation", ViolationState(), decide, evolve, "violation", starts=(ObserveViolation,)
)
"""One stream per violation."""
