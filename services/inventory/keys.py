"""Keys (钥匙): issued to a holder with a due date, returned, or reported lost.

The seed's complaint is that keys are "issued, never collected back": every key
in someone's hands is outstanding until it comes back, and overdue past its due
date. A key that came back, or was lost (and its lock changed or not), can be
issued again under the same key id; while it is out it is not issued twice.

Each step is dated by its day (``on``): a key comes back, or is reported lost, no earlier
than the day it was issued, and is issued again no earlier than the day it came back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from pydantic import Field, ValidationInfo, field_validator

from services.eventkit.acts import ActOn, not_before
from services.eventkit.bounds import EntityId, Name, Text
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Rejected
from services.inventory.events import KeyIssued, KeyLost, KeyReturned

# -- commands ----------------------------------------------------------------------------


class IssueKey(Command):
    model_config = examples(
        {
            "key_id": "main-office-301",
            "campus_id": "main",
            "door": "本部 行政楼 301 办公室",
            "holder_id": "huang",
            "on": "2020-09-01",
            "due_on": "2021-01-31",
        }
    )

    key_id: EntityId
    campus_id: EntityId
    door: Name = Field(description="The door (or cabinet) the key opens")
    holder_id: EntityId = Field(description="The staff member who takes the key")
    on: ActOn
    due_on: date = Field(description="When the key is to be back (on or after the day it is issued)")

    @field_validator("due_on")
    @classmethod
    def _due_after_issue(cls, due_on: date, info: ValidationInfo) -> date:
        # A field validator (not a model one), so that the error names due_on.
        issued_on = info.data.get("on")
        if issued_on is not None and due_on < issued_on:
            raise ValueError("due_on must be on or after the day the key is issued (on)")
        return due_on


class ReturnKey(Command):
    model_config = examples({"on": "2021-01-29"})

    on: ActOn


class ReportKeyLost(Command):
    model_config = examples({"on": "2020-11-03", "lock_changed": True, "note": "锁芯已更换"})

    on: ActOn
    lock_changed: bool = Field(default=False, description="Whether the lock was changed since")
    note: Text = ""


# -- state -------------------------------------------------------------------------------


class KeyStatus(StrEnum):
    ISSUED = "issued"
    RETURNED = "returned"
    LOST = "lost"


@dataclass(frozen=True)
class KeyState:
    status: KeyStatus | None = None
    campus_id: str = ""
    holder_id: str = ""
    issued_on: date | None = None
    back_on: date | None = None  # when it last came back (or was reported lost)
    back_step: str = ""  # how it came back: returned, or reported lost


KeyCommand = Resolved[IssueKey] | Resolved[ReturnKey] | Resolved[ReportKeyLost]


def decide(rc: KeyCommand, state: KeyState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, IssueKey):
        if state.status is KeyStatus.ISSUED:
            raise Rejected(f"key {cmd.key_id} is out with {state.holder_id}: it comes back first", field="key_id")
        if state.status is not None and cmd.campus_id != state.campus_id:
            raise Rejected(f"key {cmd.key_id} belongs to campus {state.campus_id}", field="campus_id")
        not_before(cmd.on, state.back_on, field="on", step=state.back_step, what="key")
        return [
            KeyIssued(
                key_id=cmd.key_id,
                campus_id=cmd.campus_id,
                door=cmd.door,
                holder_id=cmd.holder_id,
                issued_on=cmd.on,
                due_on=cmd.due_on,
                issued_by=rc.actor,
            )
        ]
    if state.status is None:
        raise Rejected("the key was never issued")
    if state.status is KeyStatus.RETURNED:
        raise Rejected("the key is already back")
    if state.status is KeyStatus.LOST:
        raise Rejected("the key is reported lost: issue it again once it is found or replaced")
    assert state.issued_on is not None
    not_before(cmd.on, state.issued_on, field="on", step="issued", what="key")
    if isinstance(cmd, ReturnKey):
        return [KeyReturned(key_id=rc.entity_id, returned_on=cmd.on, received_by=rc.actor)]
    assert isinstance(cmd, ReportKeyLost)
    return [KeyLost(key_id=rc.entity_id, reported_on=cmd.on, lock_changed=cmd.lock_changed, note=cmd.note)]


def evolve(state: KeyState, event: DomainEvent) -> KeyState:
    match event:
        case KeyIssued():
            return KeyState(KeyStatus.ISSUED, event.campus_id, event.holder_id, event.issued_on, None)
        case KeyReturned():
            return replace(state, status=KeyStatus.RETURNED, back_on=event.returned_on, back_step="returned")
        case KeyLost():
            return replace(state, status=KeyStatus.LOST, back_on=event.reported_on, back_step="reported lost")
    return state


Key: Decider[KeyCommand, KeyState, DomainEvent] = Decider("Key", KeyState(), decide, evolve, "key")
