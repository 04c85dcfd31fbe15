"""Command handlers: resolve where a command belongs, check who may send it, decide, append.

References are checked against the store itself (not a read model), so a class
can be opened on a campus the moment the campus exists.
"""

from __future__ import annotations

from typing import Any

from services.directory import commands as c
from services.directory.organisation import Campus, CampusState, District, School, SchoolState
from services.directory.people import ClassState, Parent, SchoolClass, StaffMember, Student, StudentState
from services.eventkit.auth import Role
from services.eventkit.commands import CommandBus, CommandContext, CommandResult
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import InvalidInput, NotFound

ADMINS = (Role.DISTRICT_ADMIN, Role.PLATFORM_ADMIN)


class DirectoryHandlers:
    def __init__(self, bus: CommandBus) -> None:
        self.bus = bus

    # -- lookups ---------------------------------------------------------------------------

    async def _state(self, decider: Decider[Any, Any, Any], entity_id: str) -> Any:
        state, _ = await self.bus.load(decider, decider.stream_id(entity_id))
        return state

    async def _school(self, school_id: str, *, field: str | None = None) -> SchoolState:
        state: SchoolState = await self._state(School, school_id)
        if not state.exists:
            _missing("school", school_id, field)
        return state

    async def _campus(self, campus_id: str, *, field: str | None = None) -> CampusState:
        state: CampusState = await self._state(Campus, campus_id)
        if not state.exists:
            _missing("campus", campus_id, field)
        return state

    async def _class(self, class_id: str, *, field: str | None = None) -> tuple[ClassState, TenantPath]:
        state: ClassState = await self._state(SchoolClass, class_id)
        if not state.exists:
            _missing("class", class_id, field)
        campus = await self._campus(state.campus_id)
        return state, TenantPath(district_id=campus.district_id, school_id=campus.school_id, campus_id=state.campus_id)

    async def _run(
        self,
        decider: Decider[Any, Any, Any],
        entity_id: str,
        cmd: Any,
        ctx: CommandContext,
        tenant: TenantPath,
        facts: dict[str, str] | None = None,
    ) -> CommandResult:
        ctx.principal.require(tenant, *ADMINS)
        return await self.bus.execute(decider, entity_id, Resolved(cmd, tenant, entity_id, facts or {}), ctx, tenant)

    # -- the tenant tree -------------------------------------------------------------------

    async def register_district(self, cmd: c.RegisterDistrict, ctx: CommandContext) -> CommandResult:
        ctx.principal.require_role(Role.PLATFORM_ADMIN)
        tenant = TenantPath(district_id=cmd.district_id)
        return await self._run(District, cmd.district_id, cmd, ctx, tenant)

    async def register_school(self, cmd: c.RegisterSchool, ctx: CommandContext) -> CommandResult:
        district = await self._state(District, cmd.district_id)
        if not district.exists:
            _missing("district", cmd.district_id, "district_id")
        tenant = TenantPath(district_id=cmd.district_id, school_id=cmd.school_id)
        return await self._run(School, cmd.school_id, cmd, ctx, tenant)

    async def schedule_term(self, school_id: str, cmd: c.ScheduleTerm, ctx: CommandContext) -> CommandResult:
        school = await self._school(school_id)
        tenant = TenantPath(district_id=school.district_id, school_id=school_id)
        return await self._run(School, school_id, cmd, ctx, tenant)

    async def open_campus(self, cmd: c.OpenCampus, ctx: CommandContext) -> CommandResult:
        school = await self._school(cmd.school_id, field="school_id")
        tenant = TenantPath(district_id=school.district_id, school_id=cmd.school_id, campus_id=cmd.campus_id)
        return await self._run(Campus, cmd.campus_id, cmd, ctx, tenant)

    async def _campus_command(self, campus_id: str, cmd: Any, ctx: CommandContext) -> CommandResult:
        campus = await self._campus(campus_id)
        tenant = TenantPath(district_id=campus.district_id, school_id=campus.school_id, campus_id=campus_id)
        return await self._run(Campus, campus_id, cmd, ctx, tenant)

    async def rename_campus(self, campus_id: str, cmd: c.RenameCampus, ctx: CommandContext) -> CommandResult:
        return await self._campus_command(campus_id, cmd, ctx)

    async def close_campus(self, campus_id: str, cmd: c.CloseCampus, ctx: CommandContext) -> CommandResult:
        return await self._campus_command(campus_id, cmd, ctx)

    # -- classes ---------------------------------------------------------------------------

    async def open_class(self, cmd: c.OpenClass, ctx: CommandContext) -> CommandResult:
        campus = await self._campus(cmd.campus_id, field="campus_id")
        if campus.closed:
            raise InvalidInput(f"campus {cmd.campus_id} is closed", field="campus_id")
        tenant = TenantPath(district_id=campus.district_id, school_id=campus.school_id, campus_id=cmd.campus_id)
        return await self._run(SchoolClass, cmd.class_id, cmd, ctx, tenant)

    async def assign_teacher(self, class_id: str, cmd: c.AssignTeacher, ctx: CommandContext) -> CommandResult:
        _, tenant = await self._class(class_id)
        staff = await self._state(StaffMember, cmd.staff_id)
        if not staff.exists or staff.left:
            _missing("staff member", cmd.staff_id, "staff_id")
        if not staff.roles & {Role.TEACHER, Role.CLASS_TEACHER}:
            raise InvalidInput(f"{staff.name} is not a teacher", field="staff_id")
        if cmd.is_class_teacher and Role.CLASS_TEACHER not in staff.roles:
            raise InvalidInput(f"{staff.name} does not have the class teacher role", field="is_class_teacher")
        _, staff_tenant = await self._staff_tenant(cmd.staff_id)
        if staff_tenant.school_id != tenant.school_id:
            raise InvalidInput(f"{staff.name} works at another school", field="staff_id")
        return await self._run(SchoolClass, class_id, cmd, ctx, tenant)

    async def unassign_teacher(self, class_id: str, cmd: c.UnassignTeacher, ctx: CommandContext) -> CommandResult:
        _, tenant = await self._class(class_id)
        return await self._run(SchoolClass, class_id, cmd, ctx, tenant)

    # -- staff -----------------------------------------------------------------------------

    async def join_staff(self, cmd: c.JoinStaff, ctx: CommandContext) -> CommandResult:
        district = await self._state(District, cmd.district_id)
        if not district.exists:
            _missing("district", cmd.district_id, "district_id")
        if cmd.school_id is not None:
            school = await self._school(cmd.school_id, field="school_id")
            if school.district_id != cmd.district_id:
                raise InvalidInput(f"school {cmd.school_id} is not in {cmd.district_id}", field="school_id")
        await self._check_campuses(cmd.campus_ids, cmd.school_id, cmd.district_id)
        tenant = TenantPath(district_id=cmd.district_id, school_id=cmd.school_id)
        return await self._run(StaffMember, cmd.staff_id, cmd, ctx, tenant)

    async def _check_campuses(self, campus_ids: list[str], school_id: str | None, district_id: str) -> None:
        for i, campus_id in enumerate(campus_ids):
            campus = await self._campus(campus_id, field=f"campus_ids.{i}")
            if campus.district_id != district_id or (school_id is not None and campus.school_id != school_id):
                raise InvalidInput(f"campus {campus_id} is not in this school", field=f"campus_ids.{i}")

    async def _staff_tenant(self, staff_id: str) -> tuple[Any, TenantPath]:
        staff_events = await self.bus.store.read_stream(StaffMember.stream_id(staff_id))
        if not staff_events:
            raise NotFound(f"staff member {staff_id} does not exist")
        first = staff_events[0]
        return await self._state(StaffMember, staff_id), TenantPath(
            district_id=first.district_id, school_id=first.school_id
        )

    async def change_staff_roles(self, staff_id: str, cmd: c.ChangeStaffRoles, ctx: CommandContext) -> CommandResult:
        _, tenant = await self._staff_tenant(staff_id)
        await self._check_campuses(cmd.campus_ids, tenant.school_id, tenant.district_id or "")
        return await self._run(StaffMember, staff_id, cmd, ctx, tenant)

    async def staff_leaves(self, staff_id: str, cmd: c.LeaveStaff, ctx: CommandContext) -> CommandResult:
        _, tenant = await self._staff_tenant(staff_id)
        return await self._run(StaffMember, staff_id, cmd, ctx, tenant)

    # -- students and parents --------------------------------------------------------------

    async def enroll_student(self, cmd: c.EnrollStudent, ctx: CommandContext) -> CommandResult:
        _, tenant = await self._class(cmd.class_id, field="class_id")
        return await self._run(Student, cmd.student_id, cmd, ctx, tenant)

    async def _student(self, student_id: str) -> StudentState:
        state: StudentState = await self._state(Student, student_id)
        if not state.exists:
            raise NotFound(f"student {student_id} does not exist")
        return state

    async def move_student(self, student_id: str, cmd: c.MoveStudent, ctx: CommandContext) -> CommandResult:
        student = await self._student(student_id)
        _, old_tenant = await self._class(student.class_id)
        _, new_tenant = await self._class(cmd.to_class_id, field="to_class_id")
        if new_tenant.school_id != old_tenant.school_id:
            raise InvalidInput("a move to another school is a leave and an enrolment", field="to_class_id")
        ctx.principal.require(old_tenant, *ADMINS)
        return await self._run(Student, student_id, cmd, ctx, new_tenant)

    async def student_leaves(self, student_id: str, cmd: c.StudentLeaves, ctx: CommandContext) -> CommandResult:
        student = await self._student(student_id)
        _, tenant = await self._class(student.class_id)
        return await self._run(Student, student_id, cmd, ctx, tenant)

    async def register_parent(self, cmd: c.RegisterParent, ctx: CommandContext) -> CommandResult:
        school = await self._school(cmd.school_id, field="school_id")
        tenant = TenantPath(district_id=school.district_id, school_id=cmd.school_id)
        return await self._run(Parent, cmd.parent_id, cmd, ctx, tenant)

    async def link_parent(self, parent_id: str, cmd: c.LinkParent, ctx: CommandContext) -> CommandResult:
        parent_events = await self.bus.store.read_stream(Parent.stream_id(parent_id))
        if not parent_events:
            raise NotFound(f"parent {parent_id} does not exist")
        student: StudentState = await self._state(Student, cmd.student_id)
        if not student.exists:
            _missing("student", cmd.student_id, "student_id")
        _, class_tenant = await self._class(student.class_id)
        first = parent_events[0]
        if class_tenant.school_id != first.school_id:
            raise InvalidInput("the student is in another school", field="student_id")
        tenant = TenantPath(district_id=first.district_id, school_id=first.school_id)
        return await self._run(Parent, parent_id, cmd, ctx, tenant, {"class_id": student.class_id})


def _missing(what: str, entity_id: str, field: str | None) -> None:
    message = f"{what} {entity_id} does not exist"
    if field is None:
        raise NotFound(message)
    raise InvalidInput(message, field=field)
