"""Hazards (安全隐患): reported -> assigned in-house or escalated -> rectified -> verified.

Each step is dated by its act (``at``) and may not precede the step before it.

A hazard is closed only by someone other than whoever fixed it: whoever the
rectification names (who recorded their fix, or the doers of the repair that
rectified it), and the hazard's in-house assignee; not whoever typed the record.
A failed verification reopens it. Assigning it in-house asks for a repair (the
inventory service opens a repair request from that event); that repair, once
verified, rectifies the hazard (:class:`RectifyFromRepair`, once per repair: a
hazard already rectified, closed or reopened is left as it is).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from services.eventkit.acts import ActAt, ActAtOrNow, not_before
from services.eventkit.bounds import EntityId, Name, Ref, ShortText, Text
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Rejected
from services.safety.events import (
    HazardAssignedInHouse,
    HazardClosed,
    HazardEscalated,
    HazardRectified,
    HazardReopened,
    HazardReported,
    Severity,
)

# -- commands ----------------------------------------------------------------------------


class ReportHazard(Command):
    model_config = examples(
        {
            "hazard_id": "aoyuan-wall-tiles",
            "campus_id": "aoyuan",
            "area": "奥园校区 教学楼外墙",
            "description": "外墙墙砖脱落",
            "severity": "high",
            "photo_ref": "photos/2020-10-12/wall.jpg",
            "at": "2020-10-12T08:30:00+08:00",
        }
    )
    hazard_id: EntityId
    campus_id: EntityId
    area: Name = Field(examples=["奥园校区 教学楼外墙"])
    description: Text = Field(min_length=1, examples=["外墙墙砖脱落"])
    severity: Severity = Field(examples=["high"])
    photo_ref: Ref | None = Field(default=None, examples=["photos/2020-10-12/wall.jpg"])
    at: ActAt
    camera_area_id: EntityId | None = Field(
        default=None, description="The camera area it is in (see /camera-areas)", examples=["aoyuan-wall"]
    )


class AssignHazard(Command):
    """Fix it in-house: asks for a repair."""

    model_config = examples({"assignee_id": "wang-tech", "due_on": "2020-10-15", "at": "2020-10-12T09:00:00+08:00"})

    assignee_id: EntityId = Field(examples=["zhang-tech"])
    due_on: date | None = None
    at: ActAtOrNow = None


class EscalateHazard(Command):
    """Report it to an outside authority that must act."""

    model_config = examples(
        {"authority": "新北区教育局 基建科", "reference": "报修单 2020-117", "at": "2020-10-12T10:00:00+08:00"}
    )

    authority: Name = Field(examples=["新北区教育局 基建科"])
    reference: ShortText = ""
    at: ActAtOrNow = None


class RectifyHazard(Command):
    model_config = examples({"at": "2020-10-20T10:00:00+08:00", "note": "重新铺贴墙砖"})
    at: ActAt
    note: Text = ""


class VerifyHazard(Command):
    model_config = examples(
        {"passed": True, "note": "复查合格", "at": "2020-10-21T15:00:00+08:00"}, {"passed": False, "note": "仍有松动"}
    )
    passed: bool
    note: Text = ""
    at: ActAtOrNow = None


@dataclass(frozen=True)
class RectifyFromRepair:
    """Internal: the inventory verified the in-house repair of the hazard (at the act time of
    that verification), done by ``done_by`` (and ``fixed_by``, e.g. the repair's assignee)."""

    repair_id: str
    done_by: str
    fixed_by: tuple[str, ...] = ()
    note: str = ""


# -- state -------------------------------------------------------------------------------


class HazardStatus(StrEnum):
    REPORTED = "reported"
    ASSIGNED = "assigned"
    ESCALATED = "escalated"
    RECTIFIED = "rectified"
    CLOSED = "closed"


@dataclass(frozen=True)
class HazardState:
    status: HazardStatus | None = None
    campus_id: str = ""
    area: str = ""
    description: str = ""
    severity: Severity = Severity.LOW
    rectified_by: str | None = None
    reported_at: datetime | None = None
    last_step: str = ""  # the step an act must follow: reported, assigned, escalated, rectified, reopened
    last_step_at: datetime | None = None
    assignee_id: str | None = None  # in-house: the latest assignee
    fixers: tuple[str, ...] = ()  # who fixed it, besides rectified_by
    rectified_from: tuple[str, ...] = ()  # the repairs that rectified it (each does so once)


HazardCommand = (
    Resolved[ReportHazard]
    | Resolved[AssignHazard]
    | Resolved[EscalateHazard]
    | Resolved[RectifyHazard]
    | Resolved[VerifyHazard]
    | Resolved[RectifyFromRepair]
)


def decide(rc: HazardCommand, state: HazardState) -> Sequence[DomainEvent]:
    cmd = rc.command
    actor, now = rc.actor, rc.at
    if isinstance(cmd, ReportHazard):
        if state.status is not None:
            raise Rejected(f"hazard {cmd.hazard_id} is already reported", field="hazard_id")
        return [
            HazardReported(
                hazard_id=cmd.hazard_id,
                campus_id=cmd.campus_id,
                area=cmd.area,
                description=cmd.description,
                severity=cmd.severity,
                photo_ref=cmd.photo_ref,
                reported_by=actor,
                reported_at=rc.at,
                inspection_id=rc.facts.get("inspection_id"),
                camera_area_id=cmd.camera_area_id,
            )
        ]
    if state.status is None:
        raise Rejected("the hazard was never reported")
    hazard_id = rc.entity_id
    if isinstance(cmd, RectifyFromRepair):  # a closed hazard too is left as it is
        return _rectified_by_repair(hazard_id, cmd, state, now)
    if state.status is HazardStatus.CLOSED:
        raise Rejected("the hazard is closed")
    not_before(now, state.last_step_at, field="at", step=state.last_step, what="hazard")
    if isinstance(cmd, AssignHazard):
        if state.status is HazardStatus.RECTIFIED:
            raise Rejected("the hazard is rectified and waits for verification")
        return [
            HazardAssignedInHouse(
                hazard_id=hazard_id,
                campus_id=state.campus_id,
                area=state.area,
                description=state.description,
                severity=state.severity,
                assignee_id=cmd.assignee_id,
                assigned_by=actor,
                assigned_at=now,
                due_on=cmd.due_on,
            )
        ]
    if isinstance(cmd, EscalateHazard):
        if state.status is HazardStatus.RECTIFIED:
            raise Rejected("the hazard is rectified and waits for verification")
        return [
            HazardEscalated(
                hazard_id=hazard_id,
                authority=cmd.authority,
                escalated_by=actor,
                escalated_at=now,
                reference=cmd.reference,
            )
        ]
    if isinstance(cmd, RectifyHazard):
        if state.status not in (HazardStatus.ASSIGNED, HazardStatus.ESCALATED):
            raise Rejected("a hazard is rectified after it was assigned in-house or escalated")
        return [HazardRectified(hazard_id=hazard_id, rectified_by=actor, rectified_at=now, note=cmd.note)]
    assert isinstance(cmd, VerifyHazard)
    if state.status is not HazardStatus.RECTIFIED:
        raise Rejected("only a rectified hazard can be verified")
    if actor == state.rectified_by or actor in state.fixers or actor == state.assignee_id:
        raise Rejected("the fixer cannot verify their own fix; ask someone else", field="passed")
    if cmd.passed:
        return [HazardClosed(hazard_id=hazard_id, verified_by=actor, closed_at=now, note=cmd.note)]
    if not cmd.note:
        raise Rejected("say why the fix does not pass", field="note")
    return [HazardReopened(hazard_id=hazard_id, verified_by=actor, reopened_at=now, reason=cmd.note)]


def _rectified_by_repair(
    hazard_id: str, cmd: RectifyFromRepair, state: HazardState, verified_at: datetime
) -> Sequence[DomainEvent]:
    """A verified repair rectifies a hazard waiting for its fix (assigned in-house, or escalated
    meanwhile), once; a hazard already rectified (by hand, or by this repair), or reopened, is
    left as it is. Dated by the repair's verification, never before the hazard's latest step."""
    if cmd.repair_id in state.rectified_from or state.status not in (HazardStatus.ASSIGNED, HazardStatus.ESCALATED):
        return []
    at = max(verified_at, state.last_step_at or verified_at)
    others = [who for who in dict.fromkeys(cmd.fixed_by) if who != cmd.done_by]
    return [
        HazardRectified(
            hazard_id=hazard_id,
            rectified_by=cmd.done_by,
            rectified_at=at,
            note=cmd.note,
            repair_id=cmd.repair_id,
            fixed_by=others,
        )
    ]


def evolve(state: HazardState, event: DomainEvent) -> HazardState:
    match event:
        case HazardReported():
            return HazardState(
                HazardStatus.REPORTED,
                event.campus_id,
                event.area,
                event.description,
                event.severity,
                reported_at=event.reported_at,
                last_step="reported",
                last_step_at=event.reported_at,
            )
        case HazardAssignedInHouse():
            return replace(
                state,
                status=HazardStatus.ASSIGNED,
                last_step="assigned",
                last_step_at=event.assigned_at,
                assignee_id=event.assignee_id,
            )
        case HazardEscalated():
            return replace(state, status=HazardStatus.ESCALATED, last_step="escalated", last_step_at=event.escalated_at)
        case HazardRectified():
            return replace(
                state,
                status=HazardStatus.RECTIFIED,
                rectified_by=event.rectified_by,
                last_step="rectified",
                last_step_at=event.rectified_at,
                fixers=tuple(event.fixed_by),
                rectified_from=(*state.rectified_from, event.repair_id) if event.repair_id else state.rectified_from,
            )
        case HazardClosed():
            return replace(state, status=HazardStatus.CLOSED, last_step="closed", last_step_at=event.closed_at)
        case HazardReopened():
            return replace(
                state,
                status=HazardStatus.REPORTED,
                rectified_by=None,
                fixers=(),
                last_step="reopened",
                last_step_at=event.reopened_at,
            )
    return state


Hazard: Decider[HazardCommand, HazardState, DomainEvent] = Decider(
    "Hazard", HazardState(), decide, evolve, "hazard", starts=(ReportHazard,)
)
