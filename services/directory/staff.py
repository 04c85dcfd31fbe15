"""A staff member: roles, campuses, leaving."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from pydantic import Field

from services.directory.events import StaffJoined, StaffLeft, StaffRolesChanged
from services.eventkit.acts import ActAtOrNow, ActOn, not_before
from services.eventkit.auth import Role
from services.eventkit.bounds import EntityId, Few, Name, Phone
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Rejected

# -- commands ------------------------------------------------------------------------------


class JoinStaff(Command):
    model_config = examples(
        {
            "staff_id": "zhou",
            "district_id": "xinbei",
            "school_id": "xuexiao",
            "name": "周主任",
            "roles": ["logistics_manager"],
            "campus_ids": ["main"],
        }
    )

    staff_id: EntityId
    school_id: EntityId | None = Field(default=None, description="Omit for district-level staff")
    district_id: EntityId
    name: Name
    roles: Few[Role] = Field(min_length=1)
    campus_ids: Few[EntityId] = Field(
        default_factory=list,
        description="The campuses they work on; the first is their home campus (where a logistics worker is appraised)",
    )
    phone: Phone = ""
    at: ActAtOrNow = None


class ChangeStaffRoles(Command):
    model_config = examples({"roles": ["logistics_manager", "acceptance_member"], "campus_ids": ["main", "aoyuan"]})

    roles: Few[Role] = Field(min_length=1)
    campus_ids: Few[EntityId] = Field(
        default_factory=list,
        description="The campuses they work on; the first is their home campus (where a logistics worker is appraised)",
    )
    at: ActAtOrNow = None


class LeaveStaff(Command):
    model_config = examples({"on": "2021-01-31", "reason": "调往他校"})

    on: ActOn
    reason: Name


# -- state and decisions -------------------------------------------------------------------


# Roles whose work happens on a campus: they need at least one.
CAMPUS_ROLES = frozenset(
    {
        Role.LOGISTICS_MANAGER,
        Role.VICE_PRINCIPAL,
        Role.MEDICAL,
        Role.CLEANER,
        Role.GUARD,
        Role.CANTEEN_WORKER,
        Role.TECHNICIAN,
        Role.TEACHER,
        Role.CLASS_TEACHER,
    }
)


@dataclass(frozen=True)
class StaffState:
    exists: bool = False
    name: str = ""
    roles: frozenset[Role] = frozenset()
    campus_ids: tuple[str, ...] = ()
    left: bool = False
    joined_at: datetime | None = None


StaffCommand = Resolved[JoinStaff] | Resolved[ChangeStaffRoles] | Resolved[LeaveStaff]


def _check_roles(roles: Sequence[Role], campus_ids: Sequence[str]) -> None:
    if Role.PARENT in roles:
        raise Rejected("parents are registered as parents, not staff", field="roles")
    if Role.PLATFORM_ADMIN in roles:
        raise Rejected("the platform admin role is not given through the directory", field="roles")
    if CAMPUS_ROLES.intersection(roles) and not campus_ids:
        raise Rejected("a campus role needs at least one campus", field="campus_ids")


def decide_staff(rc: StaffCommand, state: StaffState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, JoinStaff):
        if state.exists:
            raise Rejected(f"staff {cmd.staff_id} already exists", field="staff_id")
        _check_roles(cmd.roles, cmd.campus_ids)
        return [
            StaffJoined(
                staff_id=cmd.staff_id,
                district_id=cmd.district_id,
                school_id=cmd.school_id,
                name=cmd.name,
                roles=sorted(set(cmd.roles)),
                campus_ids=list(dict.fromkeys(cmd.campus_ids)),  # in the order given: the first is home
                phone=cmd.phone,
                joined_at=rc.at,
            )
        ]
    if not state.exists:
        raise Rejected("the staff member does not exist")
    if state.left:
        raise Rejected(f"{state.name} has left")
    staff_id = rc.entity_id
    if isinstance(cmd, ChangeStaffRoles):
        _check_roles(cmd.roles, cmd.campus_ids)
        roles, campuses = sorted(set(cmd.roles)), list(dict.fromkeys(cmd.campus_ids))
        if frozenset(roles) == state.roles and tuple(campuses) == state.campus_ids:
            return []
        return [StaffRolesChanged(staff_id=staff_id, roles=roles, campus_ids=campuses)]
    assert isinstance(cmd, LeaveStaff)
    not_before(cmd.on, state.joined_at, field="on", step="joined", what="staff member")
    return [StaffLeft(staff_id=staff_id, left_on=cmd.on, reason=cmd.reason)]


def evolve_staff(state: StaffState, event: DomainEvent) -> StaffState:
    if isinstance(event, StaffJoined):
        return StaffState(True, event.name, frozenset(event.roles), tuple(event.campus_ids), joined_at=event.joined_at)
    if isinstance(event, StaffRolesChanged):
        return replace(state, roles=frozenset(event.roles), campus_ids=tuple(event.campus_ids))
    if isinstance(event, StaffLeft):
        return replace(state, left=True)
    return state


StaffMember: Decider[StaffCommand, StaffState, DomainEvent] = Decider(
    "StaffMember", StaffState(), decide_staff, evolve_staff, "staff", starts=(JoinStaff,)
)
