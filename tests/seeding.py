"""The seed's school (``demo.school``), written through the directory's real command handlers."""

from __future__ import annotations

from demo.school import SEED, Command
from services.directory import commands as c
from services.directory.events import DIRECTORY_EVENTS, Admission
from services.directory.handlers import DirectoryHandlers
from services.eventkit.auth import Principal, Role
from services.eventkit.commands import CommandBus, CommandContext
from services.eventkit.store import EventStore

PLATFORM = Principal(subject="platform", roles=frozenset([Role.PLATFORM_ADMIN]))

# Its classes g6-1 (main) and g1-1 (aoyuan) and one class teacher, huang in g6-1; the students
# are the test's own.
SCHOOL = SEED.only(schools=["xuexiao"], classes=["g6-1", "g1-1"], staff=["huang"], students=[], parents=[])


def directory_handlers(store: EventStore) -> DirectoryHandlers:
    return DirectoryHandlers(CommandBus("directory", store, DIRECTORY_EVENTS))


def ctx(principal: Principal = PLATFORM, command_id: str | None = None) -> CommandContext:
    return CommandContext(principal=principal, command_id=command_id)


async def handle(h: DirectoryHandlers, command: Command) -> None:
    """A command of :meth:`demo.school.District.commands`, given to the handler its route calls."""
    body = command.body
    match command.path.strip("/").split("/"):
        case ["districts"]:
            await h.register_district(c.RegisterDistrict.model_validate(body), ctx())
        case ["schools"]:
            await h.register_school(c.RegisterSchool.model_validate(body), ctx())
        case ["schools", school_id, "terms"]:
            await h.schedule_term(school_id, c.ScheduleTerm.model_validate(body), ctx())
        case ["campuses"]:
            await h.open_campus(c.OpenCampus.model_validate(body), ctx())
        case ["staff"]:
            await h.join_staff(c.JoinStaff.model_validate(body), ctx())
        case ["classes"]:
            await h.open_class(c.OpenClass.model_validate(body), ctx())
        case ["classes", class_id, "teachers"]:
            await h.assign_teacher(class_id, c.AssignTeacher.model_validate(body), ctx())
        case ["students"]:
            await h.enroll_student(c.EnrollStudent.model_validate(body), ctx())
        case ["parents"]:
            await h.register_parent(c.RegisterParent.model_validate(body), ctx())
        case ["parents", parent_id, "children"]:
            await h.link_parent(parent_id, c.LinkParent.model_validate(body), ctx())
        case _:
            raise ValueError(f"no handler for {command.path}")


async def seed_school(h: DirectoryHandlers, *, students: int = 10) -> None:
    """District xinbei, school xuexiao with main and Aoyuan campuses, a term, classes g6-1 and
    g1-1, a class teacher, and ``students`` students in g6-1 (s000, s001...; every fifth a transfer)."""
    for command in SCHOOL.commands():
        await handle(h, command)
    for i in range(students):
        await h.enroll_student(
            c.EnrollStudent(
                student_id=f"s{i:03d}",
                name=f"学生{i}",
                class_id="g6-1",
                admission=Admission.TRANSFER if i % 5 == 0 else Admission.NEW,
                enrolled_on=SCHOOL.term.starts_on,
            ),
            ctx(),
        )
