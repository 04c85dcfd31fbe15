"""Staff members, their roles and campuses: given events, when a command, then events or a refusal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from uuid import uuid4

import pytest

from services.directory.events import DIRECTORY_EVENTS, StaffJoined, StaffLeft, StaffRolesChanged
from services.directory.staff import ChangeStaffRoles, JoinStaff, LeaveStaff, StaffMember, StaffState
from services.eventkit.acts import OutOfOrder
from services.eventkit.auth import Role
from services.eventkit.decider import EPOCH
from services.eventkit.envelope import Envelope, TenantPath
from tests.deciders import Stream

CST = timezone(timedelta(hours=8))
XUEXIAO = TenantPath(district_id="xinbei", school_id="xuexiao")

WANG_JOINED = StaffJoined(
    staff_id="wang",
    district_id="xinbei",
    school_id="xuexiao",
    name="王老师",
    roles=[Role.TEACHER],
    campus_ids=["main"],
    joined_at=EPOCH,  # a test's command without a time of its own happens at the epoch
)


def join(**overrides: object) -> JoinStaff:
    fields: dict[str, object] = {
        "staff_id": "wang",
        "district_id": "xinbei",
        "school_id": "xuexiao",
        "name": "王老师",
        "roles": [Role.TEACHER],
        "campus_ids": ["main"],
    }
    return JoinStaff.model_validate(fields | overrides)


staff = Stream(StaffMember, XUEXIAO, "wang")


def test_a_staff_member_joins() -> None:
    assert staff.when(join()) == [WANG_JOINED]
    assert staff.given(WANG_JOINED) == StaffState(True, "王老师", frozenset({Role.TEACHER}), ("main",), joined_at=EPOCH)


def test_roles_are_stored_sorted_and_campuses_in_the_order_given_each_once() -> None:
    """The first campus given is the home campus (where a logistics worker is appraised)."""
    cmd = join(roles=[Role.TEACHER, Role.CLASS_TEACHER, Role.TEACHER], campus_ids=["main", "aoyuan", "main"])
    [joined] = staff.when(cmd)
    assert isinstance(joined, StaffJoined)
    assert joined.roles == [Role.CLASS_TEACHER, Role.TEACHER]
    assert joined.campus_ids == ["main", "aoyuan"]


def test_district_staff_need_no_campus() -> None:
    cmd = join(staff_id="admin-1", school_id=None, roles=[Role.DISTRICT_ADMIN], campus_ids=[])
    assert staff.when(cmd, entity_id="admin-1") == [
        StaffJoined(
            staff_id="admin-1",
            district_id="xinbei",
            school_id=None,
            name="王老师",
            roles=[Role.DISTRICT_ADMIN],
            joined_at=EPOCH,
        )
    ]


def test_a_staff_member_joins_once() -> None:
    staff.refused(join(), given=[WANG_JOINED], field="staff_id")


@pytest.mark.parametrize("role", [Role.PARENT, Role.PLATFORM_ADMIN])
def test_roles_not_given_through_the_staff_list(role: Role) -> None:
    staff.refused(join(roles=[Role.TEACHER, role]), field="roles")
    staff.refused(ChangeStaffRoles(roles=[role]), given=[WANG_JOINED], field="roles")


@pytest.mark.parametrize(
    "role",
    [
        Role.LOGISTICS_MANAGER,
        Role.VICE_PRINCIPAL,
        Role.MEDICAL,
        Role.CLEANER,
        Role.GUARD,
        Role.CANTEEN_WORKER,
        Role.TECHNICIAN,
        Role.TEACHER,
        Role.CLASS_TEACHER,
    ],
)
def test_campus_roles_need_a_campus(role: Role) -> None:
    staff.refused(join(roles=[role], campus_ids=[]), field="campus_ids")
    staff.refused(ChangeStaffRoles(roles=[role]), given=[WANG_JOINED], field="campus_ids")


@pytest.mark.parametrize("role", [Role.DISTRICT_ADMIN, Role.ACCEPTANCE_MEMBER, Role.OPERATOR])
def test_other_roles_need_no_campus(role: Role) -> None:
    [joined] = staff.when(join(roles=[role], campus_ids=[]))
    assert isinstance(joined, StaffJoined)
    assert joined.roles == [role]


def test_roles_are_changed() -> None:
    cmd = ChangeStaffRoles(roles=[Role.CLASS_TEACHER, Role.TEACHER], campus_ids=["aoyuan"])
    events = staff.when(cmd, given=[WANG_JOINED])
    assert events == [
        StaffRolesChanged(staff_id="wang", roles=[Role.CLASS_TEACHER, Role.TEACHER], campus_ids=["aoyuan"])
    ]
    state = staff.given(WANG_JOINED, *events)
    assert state.roles == {Role.TEACHER, Role.CLASS_TEACHER}
    assert state.campus_ids == ("aoyuan",)


def test_the_same_roles_again_change_nothing() -> None:
    cmd = ChangeStaffRoles(roles=[Role.TEACHER, Role.TEACHER], campus_ids=["main"])
    assert staff.when(cmd, given=[WANG_JOINED]) == []


def test_changing_the_roles_of_someone_unknown_is_refused() -> None:
    staff.refused(ChangeStaffRoles(roles=[Role.OPERATOR]))


def test_a_staff_member_leaves() -> None:
    cmd = LeaveStaff(on=date(2021, 1, 31), reason="退休")
    events = staff.when(cmd, given=[WANG_JOINED])
    assert events == [StaffLeft(staff_id="wang", left_on=date(2021, 1, 31), reason="退休")]
    assert staff.given(WANG_JOINED, *events).left


@pytest.mark.parametrize(
    "cmd",
    [
        ChangeStaffRoles(roles=[Role.TEACHER], campus_ids=["aoyuan"]),
        ChangeStaffRoles(roles=[Role.TEACHER], campus_ids=["main"]),
        LeaveStaff(on=date(2021, 2, 1), reason="again"),
    ],
)
def test_someone_who_left_refuses_changes(cmd: ChangeStaffRoles | LeaveStaff) -> None:
    left = [WANG_JOINED, StaffLeft(staff_id="wang", left_on=date(2021, 1, 31), reason="退休")]
    staff.refused(cmd, given=left, match="has left")


def test_a_staff_member_leaves_no_earlier_than_the_day_they_joined() -> None:
    joined = WANG_JOINED.model_copy(update={"joined_at": datetime(2020, 8, 17, 9, 0, tzinfo=CST)})
    refusal = staff.refused(LeaveStaff(on=date(2020, 8, 16), reason="调往他校"), given=[joined], raises=OutOfOrder)
    assert isinstance(refusal, OutOfOrder) and (refusal.field, refusal.step) == ("on", "joined")
    same_day = LeaveStaff(on=date(2020, 8, 17), reason="调往他校")
    assert staff.when(same_day, given=[joined]) == [
        StaffLeft(staff_id="wang", left_on=date(2020, 8, 17), reason="调往他校")
    ]


def test_a_joining_stored_without_its_time_joined_when_it_was_recorded() -> None:
    """Version 1 of StaffJoined had no time: read through its upcaster, the staff member joined when
    the event was recorded, and a leaving is checked against that."""
    recorded = datetime(2020, 8, 17, 1, 0, tzinfo=UTC)
    v1 = {k: v for k, v in WANG_JOINED.model_dump(mode="json").items() if k != "joined_at"}
    stored = Envelope(
        event_id=uuid4(), stream_id="staff-wang", version=1, type="directory.StaffJoined", schema_version=1,
        occurred_at=recorded, recorded_at=recorded, data=v1,
    )  # fmt: skip
    joined = DIRECTORY_EVENTS.decode(stored)
    assert joined == WANG_JOINED.model_copy(update={"joined_at": recorded})
    staff.refused(LeaveStaff(on=date(2020, 8, 16), reason="调往他校"), given=[joined], field="on")
