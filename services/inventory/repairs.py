"""Repairs (维修): reported -> assigned -> done -> verified, and how long it took.

Cleaners, guards, technicians and managers report what needs fixing from where
they see it (the seed's joint group, "fixed on call"); a manager assigns it to a
staff member of the campus; the assignee (or a manager) records it done; a
manager other than whoever did it verifies it. Turnaround is from the report to
the verification (or to the fix, while it waits for verification).

A hazard the safety service assigns in-house also opens a repair (source
``hazard``, already assigned): one repair per hazard, whose id is derived from the
hazard's (:func:`hazard_repair_id`). While that repair is not done, assigning the
hazard to someone else reassigns it; once it is done, a later assignment (after
the hazard was reopened) records nothing new here: the rework is the hazard's.

A verification that fails is a fact of the repair, not a refusal of the command: the
manager records ``passed: false`` with why (``RepairVerificationFailed``), and the repair
goes back to its assignee to be done again (then verified again).

A repair's verification carries the hazard it fixes and who did it (done by, assigned to,
when, the note): the safety service rectifies the hazard from it (once), and keeps whoever
did the repair from verifying the hazard. A failed verification rectifies nothing.

Each step is dated by its act (``at``): assigned no earlier than it was reported (or last
assigned), done no earlier than it was assigned, verified no earlier than it was done.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from services.eventkit.acts import ActAt, ActAtOrNow, not_before
from services.eventkit.bounds import EntityId, Name, Text
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import InvalidInput, Rejected
from services.inventory.events import (
    RepairAssigned,
    RepairDone,
    RepairReported,
    RepairSource,
    RepairVerificationFailed,
    RepairVerified,
)

HAZARD_PREFIX = "hazard-"  # repair ids of hazards' repairs; not for reported ones

# -- commands ----------------------------------------------------------------------------


class ReportRepair(Command):
    model_config = examples(
        {
            "repair_id": "main-301-door-lock",
            "campus_id": "main",
            "place": "本部 行政楼 301",
            "description": "门锁损坏, 关不上",
            "at": "2020-10-12T08:10:00+08:00",
        }
    )

    repair_id: EntityId
    campus_id: EntityId
    place: Name = Field(description="Where: building, floor, room")
    description: Text = Field(min_length=1)
    at: ActAtOrNow = None

    @field_validator("repair_id")
    @classmethod
    def _not_a_hazards(cls, repair_id: str) -> str:
        if repair_id.startswith(HAZARD_PREFIX):
            raise ValueError(f"ids starting with {HAZARD_PREFIX!r} are kept for the repairs of hazards")
        return repair_id


class AssignRepair(Command):
    model_config = examples({"assignee_id": "wang-tech", "at": "2020-10-12T09:00:00+08:00"})

    assignee_id: EntityId = Field(description="A staff member of the repair's campus")
    at: ActAtOrNow = None


class CompleteRepair(Command):
    model_config = examples({"at": "2020-10-12T15:30:00+08:00", "note": "更换门锁"})

    at: ActAt
    note: Text = ""


class VerifyRepair(Command):
    """A manager other than whoever did the repair checks it: passed, or failed saying why
    (then it is done again)."""

    model_config = examples(
        {"at": "2020-10-13T10:00:00+08:00"},
        {},
        {"passed": False, "note": "门锁仍然关不严", "at": "2020-10-13T10:00:00+08:00"},
    )

    at: ActAtOrNow = None
    passed: bool = Field(default=True, description="False: the repair failed its verification (say why in note)")
    note: Text = Field(default="", validate_default=True, description="Why it failed (required when passed is false)")

    @field_validator("note")
    @classmethod
    def _failed_says_why(cls, note: str, info: ValidationInfo) -> str:
        if info.data.get("passed") is False and not note.strip():
            raise ValueError("a failed verification says why")
        return note


@dataclass(frozen=True)
class OpenRepairForHazard:
    """Internal: a hazard assigned in-house by the safety service asks for a repair, reported
    when the hazard was assigned (the act time of the event it answers)."""

    hazard_id: str
    campus_id: str
    place: str
    description: str
    assignee_id: str
    reported_by: str


@dataclass(frozen=True)
class ReassignForHazard:
    """Internal: the hazard was assigned in-house again, to ``assignee_id`` (at the act time of
    the event it answers)."""

    assignee_id: str
    assigned_by: str


class HazardAssignment(BaseModel):
    """What the inventory reads of the safety service's ``safety.HazardAssignedInHouse``.

    Read from the envelope's payload by wire name, never from the safety service's
    code: fields it does not need are ignored, so the upstream may add some.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    hazard_id: str
    area: str
    description: str
    assignee_id: str
    assigned_at: datetime
    campus_id: str | None = None


def hazard_repair_id(hazard_id: str) -> str:
    """The one repair of a hazard."""
    return f"{HAZARD_PREFIX}{hazard_id}"


# -- state -------------------------------------------------------------------------------


class RepairStatus(StrEnum):
    REPORTED = "reported"
    ASSIGNED = "assigned"
    DONE = "done"
    VERIFIED = "verified"


@dataclass(frozen=True)
class RepairState:
    status: RepairStatus | None = None
    campus_id: str = ""
    source: RepairSource = RepairSource.REPORTED
    reported_at: datetime | None = None
    assignee_id: str | None = None
    done_by: str | None = None
    last_step: str = ""  # the step the next one follows: reported, assigned, done
    last_step_at: datetime | None = None
    hazard_id: str | None = None  # the hazard a repair of source hazard fixes
    done_at: datetime | None = None
    done_note: str = ""


RepairCommand = (
    Resolved[ReportRepair]
    | Resolved[AssignRepair]
    | Resolved[CompleteRepair]
    | Resolved[VerifyRepair]
    | Resolved[OpenRepairForHazard]
    | Resolved[ReassignForHazard]
)


def decide(rc: RepairCommand, state: RepairState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, ReportRepair | OpenRepairForHazard):
        if state.status is not None:
            raise Rejected(f"repair {rc.entity_id} is already reported", field="repair_id")
        if isinstance(cmd, ReportRepair):
            return [
                RepairReported(
                    repair_id=cmd.repair_id,
                    campus_id=cmd.campus_id,
                    place=cmd.place,
                    description=cmd.description,
                    reported_by=rc.actor,
                    reported_at=rc.at,
                )
            ]
        return [
            RepairReported(
                repair_id=rc.entity_id,
                campus_id=cmd.campus_id,
                place=cmd.place,
                description=cmd.description,
                reported_by=cmd.reported_by,
                reported_at=rc.at,
                source=RepairSource.HAZARD,
                hazard_id=cmd.hazard_id,
                assignee_id=cmd.assignee_id,
            )
        ]
    if state.status is None:
        raise Rejected("the repair was never reported")
    repair_id = rc.entity_id
    if isinstance(cmd, ReassignForHazard):
        if state.status not in (RepairStatus.REPORTED, RepairStatus.ASSIGNED) or cmd.assignee_id == state.assignee_id:
            return []  # done or verified: the hazard's rework is the hazard's; or nothing changes
        return [
            RepairAssigned(
                repair_id=repair_id,
                assignee_id=cmd.assignee_id,
                assigned_by=cmd.assigned_by,
                assigned_at=rc.at,
            )
        ]
    if state.status is RepairStatus.VERIFIED:
        raise Rejected("the repair is verified")
    if isinstance(cmd, AssignRepair):
        if state.status is RepairStatus.DONE:
            raise Rejected("the repair is done and waits for verification")
        if cmd.assignee_id == state.assignee_id:
            return []
        not_before(rc.at, state.last_step_at, field="at", step=state.last_step, what="repair")
        return [
            RepairAssigned(repair_id=repair_id, assignee_id=cmd.assignee_id, assigned_by=rc.actor, assigned_at=rc.at)
        ]
    if isinstance(cmd, CompleteRepair):
        if state.status is RepairStatus.REPORTED:
            raise Rejected("the repair is assigned to someone before it is done")
        if state.status is RepairStatus.DONE:
            raise Rejected("the repair is already done")
        not_before(rc.at, state.last_step_at, field="at", step=state.last_step, what="repair")
        return [RepairDone(repair_id=repair_id, done_by=rc.actor, done_at=rc.at, note=cmd.note)]
    assert isinstance(cmd, VerifyRepair)
    if state.status is not RepairStatus.DONE:
        raise Rejected("only a repair that is done is verified")
    if rc.actor in (state.done_by, state.assignee_id):
        raise Rejected("whoever did the repair does not verify it; ask another manager")
    not_before(rc.at, state.last_step_at, field="at", step=state.last_step, what="repair")
    if not cmd.passed:
        if not cmd.note.strip():
            raise InvalidInput("a failed verification says why", field="note")
        return [RepairVerificationFailed(repair_id=repair_id, verified_by=rc.actor, verified_at=rc.at, reason=cmd.note)]
    return [
        RepairVerified(
            repair_id=repair_id,
            verified_by=rc.actor,
            verified_at=rc.at,
            hazard_id=state.hazard_id,
            campus_id=state.campus_id or None,
            done_by=state.done_by,
            done_at=state.done_at,
            assignee_id=state.assignee_id,
            note=state.done_note,
        )
    ]


def evolve(state: RepairState, event: DomainEvent) -> RepairState:
    match event:
        case RepairReported():
            status = RepairStatus.ASSIGNED if event.assignee_id else RepairStatus.REPORTED
            return RepairState(
                status,
                event.campus_id,
                event.source,
                event.reported_at,
                event.assignee_id,
                last_step="reported",
                last_step_at=event.reported_at,
                hazard_id=event.hazard_id,
            )
        case RepairAssigned():
            return replace(
                state,
                status=RepairStatus.ASSIGNED,
                assignee_id=event.assignee_id,
                last_step="assigned",
                last_step_at=max(event.assigned_at, state.last_step_at or event.assigned_at),
            )
        case RepairDone():
            return replace(
                state,
                status=RepairStatus.DONE,
                done_by=event.done_by,
                last_step="done",
                last_step_at=event.done_at,
                done_at=event.done_at,
                done_note=event.note,
            )
        case RepairVerified():
            return replace(state, status=RepairStatus.VERIFIED)
        case RepairVerificationFailed():
            # back to its assignee, to be done again
            return replace(
                state,
                status=RepairStatus.ASSIGNED,
                done_by=None,
                done_at=None,
                done_note="",
                last_step="failed its verification",
                last_step_at=event.verified_at,
            )
    return state


Repair: Decider[RepairCommand, RepairState, DomainEvent] = Decider(
    "Repair", RepairState(), decide, evolve, "repair", starts=(ReportRepair, OpenRepairForHazard)
)
