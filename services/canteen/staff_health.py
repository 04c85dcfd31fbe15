"""Canteen workers' health certificates (健康证) and morning checks (晨检).

A canteen worker works with food only with a valid health certificate: without one valid on
the day, no morning check checks them in. Before each shift each worker is checked for fever,
diarrhoea or vomiting, a wound on the hands, a cough or sore throat, and the hygiene of their
dress; any symptom, or dress not in order, stands the worker down until a manager clears them
(and a worker stood down serves no meal). One check per worker, day and shift.

One stream per worker (their staff id), on the campus of their first certificate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from pydantic import Field, ValidationInfo, field_validator

from services.canteen.common import KITCHEN, MANAGERS
from services.canteen.events import (
    HealthCertificateRecorded,
    Meal,
    MorningCheckRecorded,
    WorkerCleared,
    WorkerStoodDown,
)
from services.eventkit.acts import ActAtOrNow, ActOnOrToday, not_before
from services.eventkit.auth import Role
from services.eventkit.bounds import EntityId, Name, ShortText
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Rejected

CERTIFICATE_KEEPERS = (*MANAGERS, Role.MEDICAL)
"""Record the canteen workers' health certificates: the logistics managers and the school doctor."""
CHECKERS = (*KITCHEN, Role.MEDICAL)
"""Check the canteen workers in before a shift: the managers, the canteen's own staff, the school doctor."""

# -- commands ----------------------------------------------------------------------------


class RecordHealthCertificate(Command):
    """A canteen worker's health certificate (a renewal replaces the one before)."""

    model_config = examples(
        {
            "staff_id": "jiang-cook",
            "campus_id": "main",
            "number": "苏卫健证 2020-0412",
            "issued_on": "2020-04-12",
            "expires_on": "2021-04-11",
        }
    )

    staff_id: EntityId = Field(description="The canteen worker")
    campus_id: EntityId
    number: Name = Field(description="The certificate's number")
    issued_on: date = Field(description="The day it was issued")
    expires_on: date = Field(description="The last day it is valid (after the day it was issued)")
    at: ActAtOrNow = None

    @field_validator("expires_on")
    @classmethod
    def _expires_after_issue(cls, expires_on: date, info: ValidationInfo) -> date:
        issued_on = info.data.get("issued_on")
        if issued_on is not None and expires_on <= issued_on:
            raise ValueError("expires_on must be after issued_on")
        return expires_on


class RecordMorningCheck(Command):
    """A worker's check before a shift: any symptom, or dress not in order, stands them down."""

    model_config = examples(
        {
            "staff_id": "jiang-cook",
            "campus_id": "main",
            "on": "2020-10-12",
            "shift": "lunch",
            "fever": False,
            "gastro": False,
            "hand_wound": False,
            "respiratory": False,
            "dress_ok": True,
            "note": "体温36.5℃",
        }
    )

    staff_id: EntityId = Field(description="The canteen worker checked")
    campus_id: EntityId
    on: ActOnOrToday = None
    shift: Meal = Field(description="The shift (meal) the check comes before")
    fever: bool = Field(description="A fever (37.3 °C or more)")
    gastro: bool = Field(description="Diarrhoea or vomiting")
    hand_wound: bool = Field(description="A skin wound or infection on the hands")
    respiratory: bool = Field(description="A cough or a sore throat")
    dress_ok: bool = Field(description="Hat, mask, clean clothes, short nails, no jewellery")
    note: ShortText = ""


class ClearWorker(Command):
    """A manager clears a worker stood down to work again."""

    model_config = examples({"note": "腹泻已愈，复查正常", "at": "2020-10-14T07:00:00+08:00"})

    note: ShortText = Field(min_length=1, description="Why the worker may work again")
    at: ActAtOrNow = None


# -- state -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerState:
    campus_id: str = ""
    certificate: str = ""
    issued_on: date | None = None
    expires_on: date | None = None
    stood_down: bool = False
    stood_down_on: date | None = None
    checks: frozenset[tuple[date, Meal]] = frozenset()

    def certified_on(self, day: date) -> bool:
        """Whether the worker holds a certificate valid on ``day``."""
        return self.issued_on is not None and self.expires_on is not None and self.issued_on <= day <= self.expires_on


WorkerCommand = Resolved[RecordHealthCertificate] | Resolved[RecordMorningCheck] | Resolved[ClearWorker]


def reasons_of(cmd: RecordMorningCheck) -> list[str]:
    """Why a check fails (none: it passes)."""
    found = [
        ("fever", cmd.fever),
        ("gastro", cmd.gastro),
        ("hand_wound", cmd.hand_wound),
        ("respiratory", cmd.respiratory),
        ("dress", not cmd.dress_ok),
    ]
    return [name for name, present in found if present]


def decide(rc: WorkerCommand, state: WorkerState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, RecordHealthCertificate):
        if state.campus_id and cmd.campus_id != state.campus_id:
            raise Rejected(f"{cmd.staff_id} is a canteen worker of campus {state.campus_id}", field="campus_id")
        if cmd.issued_on > rc.on:
            raise Rejected(f"issued_on {cmd.issued_on.isoformat()} is after today", field="issued_on")
        return [
            HealthCertificateRecorded(
                staff_id=cmd.staff_id,
                campus_id=cmd.campus_id,
                number=cmd.number,
                issued_on=cmd.issued_on,
                expires_on=cmd.expires_on,
                recorded_by=rc.actor,
            )
        ]
    if isinstance(cmd, RecordMorningCheck):
        day = rc.on
        if not state.certified_on(day):
            if state.expires_on is not None and state.expires_on < day:
                why = f"the health certificate expired on {state.expires_on.isoformat()}"
            else:
                why = "no health certificate is recorded valid on that day"
            raise Rejected(f"{cmd.staff_id} cannot be checked in on {day.isoformat()}: {why}", field="staff_id")
        if state.campus_id and cmd.campus_id != state.campus_id:
            raise Rejected(f"{cmd.staff_id} is a canteen worker of campus {state.campus_id}", field="campus_id")
        if (day, cmd.shift) in state.checks:
            raise Rejected(f"{cmd.staff_id} was already checked before {cmd.shift} on {day.isoformat()}", field="shift")
        reasons = reasons_of(cmd)
        events: list[DomainEvent] = [
            MorningCheckRecorded(
                staff_id=cmd.staff_id,
                campus_id=cmd.campus_id,
                checked_on=day,
                shift=cmd.shift,
                fever=cmd.fever,
                gastro=cmd.gastro,
                hand_wound=cmd.hand_wound,
                respiratory=cmd.respiratory,
                dress_ok=cmd.dress_ok,
                passed=not reasons,
                note=cmd.note,
                checked_by=rc.actor,
            )
        ]
        if reasons and not state.stood_down:
            events.append(
                WorkerStoodDown(staff_id=cmd.staff_id, campus_id=cmd.campus_id, reasons=reasons, stood_down_by=rc.actor)
            )
        return events
    assert isinstance(cmd, ClearWorker)
    if not state.stood_down:
        raise Rejected("the worker is not stood down")
    not_before(rc.on, state.stood_down_on, field="at", step="stood down", what="worker")
    return [WorkerCleared(staff_id=rc.entity_id, campus_id=state.campus_id, note=cmd.note, cleared_by=rc.actor)]


def evolve(state: WorkerState, event: DomainEvent) -> WorkerState:
    match event:
        case HealthCertificateRecorded():
            return replace(
                state,
                campus_id=state.campus_id or event.campus_id,
                certificate=event.number,
                issued_on=event.issued_on,
                expires_on=event.expires_on,
            )
        case MorningCheckRecorded():
            checks = state.checks | {(event.checked_on, event.shift)}
            if event.passed:
                return replace(state, checks=checks)
            return replace(state, checks=checks, stood_down_on=event.checked_on)
        case WorkerStoodDown():
            return replace(state, stood_down=True)
        case WorkerCleared():
            return replace(state, stood_down=False)
    return state


CanteenWorker: Decider[WorkerCommand, WorkerState, DomainEvent] = Decider(
    "CanteenWorker", WorkerState(), decide, evolve, "canteen-worker"
)
"""One stream per canteen worker (their staff id)."""
