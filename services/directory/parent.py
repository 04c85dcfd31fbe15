"""A parent of a school, linked to their children."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from pydantic import Field

from services.directory.events import ParentLinked, ParentRegistered
from services.eventkit.acts import ActAtOrNow
from services.eventkit.bounds import EntityId, Name, Phone
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Rejected

# -- commands ------------------------------------------------------------------------------


class RegisterParent(Command):
    model_config = examples(
        {"parent_id": "yao-mum", "school_id": "xuexiao", "name": "姚妈妈", "phone": "138 0000 0000"}
    )

    parent_id: EntityId
    school_id: EntityId
    name: Name
    phone: Phone = ""
    at: ActAtOrNow = None


class LinkParent(Command):
    model_config = examples({"student_id": "yao", "relation": "mother"})

    student_id: EntityId
    relation: Name = Field(examples=["mother"])
    at: ActAtOrNow = None


# -- state and decisions -------------------------------------------------------------------


@dataclass(frozen=True)
class ParentState:
    exists: bool = False
    name: str = ""
    children: tuple[str, ...] = ()


ParentCommand = Resolved[RegisterParent] | Resolved[LinkParent]


def decide_parent(rc: ParentCommand, state: ParentState) -> Sequence[DomainEvent]:
    cmd, tenant = rc.command, rc.tenant
    if isinstance(cmd, RegisterParent):
        if state.exists:
            raise Rejected(f"parent {cmd.parent_id} is already registered", field="parent_id")
        return [
            ParentRegistered(
                parent_id=cmd.parent_id,
                district_id=tenant.district_id or "",
                school_id=cmd.school_id,
                name=cmd.name,
                phone=cmd.phone,
            )
        ]
    if not state.exists:
        raise Rejected("the parent is not registered")
    assert isinstance(cmd, LinkParent)
    if cmd.student_id in state.children:
        raise Rejected(f"{state.name} is already linked to {cmd.student_id}", field="student_id")
    return [
        ParentLinked(
            parent_id=rc.entity_id, student_id=cmd.student_id, class_id=rc.facts["class_id"], relation=cmd.relation
        )
    ]


def evolve_parent(state: ParentState, event: DomainEvent) -> ParentState:
    if isinstance(event, ParentRegistered):
        return ParentState(True, event.name)
    if isinstance(event, ParentLinked):
        return replace(state, children=(*state.children, event.student_id))
    return state


Parent: Decider[ParentCommand, ParentState, DomainEvent] = Decider(
    "Parent", ParentState(), decide_parent, evolve_parent, "parent", starts=(RegisterParent,)
)
