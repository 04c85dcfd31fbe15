"""Every command of the directory: which aggregate it goes to, where it belongs, who may send
it. The routes are made from this table (see ``services.eventkit.command_table``); the
gateway makes a mutation of each row.

Only admins reach these routes (``routes/commands.py``). Where a new entity belongs is
looked up in the directory's own store (``services.directory.scope``), and the references
of its body are checked there too, before the caller's scope (a reference to nothing is a
422 wherever the caller may act): by the rows' ``tenant=`` functions for a new entity, by
their ``check=`` functions for an existing one. A student's move between two classes keeps
a function of its own: the caller must cover both.
"""

from __future__ import annotations

from services.directory.campus import Campus, CampusState, CloseCampus, OpenCampus, RenameCampus
from services.directory.common import ADMINS, PLATFORM
from services.directory.district import District, RegisterDistrict
from services.directory.parent import LinkParent, Parent, RegisterParent
from services.directory.school import RegisterSchool, ScheduleTerm, School, SchoolState
from services.directory.school_class import AssignTeacher, OpenClass, SchoolClass, UnassignTeacher
from services.directory.scope import DirectoryCommands, DirectoryCommandsDep, directory_commands, missing
from services.directory.staff import ChangeStaffRoles, JoinStaff, LeaveStaff, StaffMember, StaffState
from services.directory.student import EnrollStudent, MoveStudent, Student, StudentLeaves, StudentState
from services.eventkit.app import Context
from services.eventkit.auth import Role
from services.eventkit.command_table import CommandTable, Facts, Target
from services.eventkit.commands import CommandContext, CommandResult
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import InvalidInput

COMMANDS = CommandTable("directory", directory_commands)


# -- where a new entity belongs (a reference to nothing is a 422 naming the field) ----------


async def the_district(directory: DirectoryCommands, cmd: RegisterDistrict) -> TenantPath:
    return TenantPath(district_id=cmd.district_id)


async def school_in_district(directory: DirectoryCommands, cmd: RegisterSchool) -> TenantPath:
    await directory.existing(District, cmd.district_id, "district", field="district_id")
    return TenantPath(district_id=cmd.district_id, school_id=cmd.school_id)


async def campus_of_school(directory: DirectoryCommands, cmd: OpenCampus) -> TenantPath:
    school: SchoolState = await directory.existing(School, cmd.school_id, "school", field="school_id")
    return TenantPath(district_id=school.district_id, school_id=cmd.school_id, campus_id=cmd.campus_id)


async def class_on_open_campus(directory: DirectoryCommands, cmd: OpenClass) -> TenantPath:
    campus: CampusState = await directory.existing(Campus, cmd.campus_id, "campus", field="campus_id")
    if campus.closed:
        raise InvalidInput(f"campus {cmd.campus_id} is closed", field="campus_id")
    return TenantPath(district_id=campus.district_id, school_id=campus.school_id, campus_id=cmd.campus_id)


async def staff_in_district(directory: DirectoryCommands, cmd: JoinStaff) -> TenantPath:
    """A staff member belongs to their district, or to their school in it; their campuses are in both."""
    await directory.existing(District, cmd.district_id, "district", field="district_id")
    if cmd.school_id is not None:
        school: SchoolState = await directory.existing(School, cmd.school_id, "school", field="school_id")
        if school.district_id != cmd.district_id:
            raise InvalidInput(f"school {cmd.school_id} is not in {cmd.district_id}", field="school_id")
    await campuses_in(directory, cmd.campus_ids, cmd.school_id, cmd.district_id)
    return TenantPath(district_id=cmd.district_id, school_id=cmd.school_id)


async def campuses_in(
    directory: DirectoryCommands, campus_ids: list[str], school_id: str | None, district_id: str
) -> None:
    for i, campus_id in enumerate(campus_ids):
        campus: CampusState = await directory.existing(Campus, campus_id, "campus", field=f"campus_ids.{i}")
        if campus.district_id != district_id or (school_id is not None and campus.school_id != school_id):
            raise InvalidInput(f"campus {campus_id} is not in this school", field=f"campus_ids.{i}")


async def student_in_class(directory: DirectoryCommands, cmd: EnrollStudent) -> TenantPath:
    return await directory.class_tenant(cmd.class_id, field="class_id")


async def parent_in_school(directory: DirectoryCommands, cmd: RegisterParent) -> TenantPath:
    school: SchoolState = await directory.existing(School, cmd.school_id, "school", field="school_id")
    return TenantPath(district_id=school.district_id, school_id=cmd.school_id)


# -- the tenant tree -----------------------------------------------------------------------

COMMANDS.new(
    "commands",
    "/districts",
    "Register a district",
    RegisterDistrict,
    District,
    id="district_id",
    roles=PLATFORM,
    tenant=the_district,
)
COMMANDS.new(
    "commands",
    "/schools",
    "Register a school in a district",
    RegisterSchool,
    School,
    id="school_id",
    roles=ADMINS,
    tenant=school_in_district,
)
COMMANDS.existing(
    "commands",
    "/schools/{school_id}/terms",
    "Schedule a term in the school calendar",
    ScheduleTerm,
    School,
    what="school",
    roles=ADMINS,
)
COMMANDS.new(
    "commands",
    "/campuses",
    "Open a campus of a school",
    OpenCampus,
    Campus,
    id="campus_id",
    roles=ADMINS,
    tenant=campus_of_school,
)
COMMANDS.existing(
    "commands",
    "/campuses/{campus_id}/rename",
    "Rename a campus",
    RenameCampus,
    Campus,
    what="campus",
    roles=ADMINS,
)
COMMANDS.existing(
    "commands",
    "/campuses/{campus_id}/close",
    "Close a campus",
    CloseCampus,
    Campus,
    what="campus",
    roles=ADMINS,
)

# -- classes -------------------------------------------------------------------------------

COMMANDS.new(
    "commands",
    "/classes",
    "Open a class on a campus",
    OpenClass,
    SchoolClass,
    id="class_id",
    roles=ADMINS,
    tenant=class_on_open_campus,
)


async def teacher_of_the_school(
    directory: DirectoryCommands, cmd: AssignTeacher, ctx: CommandContext, at: Target
) -> Facts:
    """The teacher works at the class's school, as a teacher (as its class teacher, if named so)."""
    staff: StaffState = await directory.state(StaffMember, cmd.staff_id)
    if not staff.exists or staff.left:
        missing("staff member", cmd.staff_id, "staff_id")
    if not staff.roles & {Role.TEACHER, Role.CLASS_TEACHER}:
        raise InvalidInput(f"{staff.name} is not a teacher", field="staff_id")
    if cmd.is_class_teacher and Role.CLASS_TEACHER not in staff.roles:
        raise InvalidInput(f"{staff.name} does not have the class teacher role", field="is_class_teacher")
    staff_tenant = await directory.tenant_of(StaffMember, cmd.staff_id, "staff member")
    if staff_tenant.school_id != at.tenant.school_id:
        raise InvalidInput(f"{staff.name} works at another school", field="staff_id")
    return {}


COMMANDS.existing(
    "commands",
    "/classes/{class_id}/teachers",
    "Assign a teacher (or the class teacher) to a class",
    AssignTeacher,
    SchoolClass,
    what="class",
    roles=ADMINS,
    check=teacher_of_the_school,
)
COMMANDS.existing(
    "commands",
    "/classes/{class_id}/teachers/remove",
    "Remove a teacher from a class",
    UnassignTeacher,
    SchoolClass,
    what="class",
    roles=ADMINS,
)

# -- staff ---------------------------------------------------------------------------------

COMMANDS.new(
    "commands",
    "/staff",
    "A staff member joins, with roles and campuses",
    JoinStaff,
    StaffMember,
    id="staff_id",
    roles=ADMINS,
    tenant=staff_in_district,
)


async def campuses_of_the_school(
    directory: DirectoryCommands, cmd: ChangeStaffRoles, ctx: CommandContext, at: Target
) -> Facts:
    """A staff member's new campuses are in their school (or district)."""
    await campuses_in(directory, cmd.campus_ids, at.tenant.school_id, at.tenant.district_id or "")
    return {}


COMMANDS.existing(
    "commands",
    "/staff/{staff_id}/roles",
    "Change a staff member's roles and campuses",
    ChangeStaffRoles,
    StaffMember,
    what="staff member",
    roles=ADMINS,
    check=campuses_of_the_school,
)
COMMANDS.existing(
    "commands",
    "/staff/{staff_id}/leave",
    "A staff member leaves",
    LeaveStaff,
    StaffMember,
    what="staff member",
    roles=ADMINS,
    name="staff_leaves",
)

# -- students and parents ------------------------------------------------------------------

COMMANDS.new(
    "commands",
    "/students",
    "Enrol a new or transfer student in a class",
    EnrollStudent,
    Student,
    id="student_id",
    roles=ADMINS,
    tenant=student_in_class,
)


@COMMANDS.custom("commands", "/students/{student_id}/move", "Move a student to another class of the school")
async def move_student(student_id: str, cmd: MoveStudent, ctx: Context, scope: DirectoryCommandsDep) -> CommandResult:
    # Two tenants: the caller covers the class the student leaves and the one they join.
    old_tenant = await scope.tenant_of(Student, student_id, "student")
    new_tenant = await scope.class_tenant(cmd.to_class_id, field="to_class_id")
    if new_tenant.school_id != old_tenant.school_id:
        raise InvalidInput("a move to another school is a leave and an enrolment", field="to_class_id")
    ctx.principal.require(old_tenant, *ADMINS)
    return await scope.run(Student, student_id, cmd, ctx, new_tenant, ADMINS)


COMMANDS.existing(
    "commands",
    "/students/{student_id}/leave",
    "A student leaves the school",
    StudentLeaves,
    Student,
    what="student",
    roles=ADMINS,
)
COMMANDS.new(
    "commands",
    "/parents",
    "Register a parent",
    RegisterParent,
    Parent,
    id="parent_id",
    roles=ADMINS,
    tenant=parent_in_school,
)


async def child_in_the_school(directory: DirectoryCommands, cmd: LinkParent, ctx: CommandContext, at: Target) -> Facts:
    """The child is a student of the parent's school; the decider records the child's class."""
    student: StudentState = await directory.existing(Student, cmd.student_id, "student", field="student_id")
    class_tenant = await directory.class_tenant(student.class_id)
    if class_tenant.school_id != at.tenant.school_id:
        raise InvalidInput("the student is in another school", field="student_id")
    return {"class_id": student.class_id}


COMMANDS.existing(
    "commands",
    "/parents/{parent_id}/children",
    "Link a parent to their child",
    LinkParent,
    Parent,
    what="parent",
    roles=ADMINS,
    check=child_in_the_school,
)
