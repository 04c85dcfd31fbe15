"""The seed's school, written through the directory's real command handlers."""

from __future__ import annotations

from datetime import date

from services.directory import commands as c
from services.directory.events import DIRECTORY_EVENTS, Admission
from services.directory.handlers import DirectoryHandlers
from services.eventkit.auth import Principal, Role
from services.eventkit.commands import CommandBus, CommandContext
from services.eventkit.store import EventStore

PLATFORM = Principal(subject="platform", roles=frozenset([Role.PLATFORM_ADMIN]))


def directory_handlers(store: EventStore) -> DirectoryHandlers:
    return DirectoryHandlers(CommandBus("directory", store, DIRECTORY_EVENTS))


def ctx(principal: Principal = PLATFORM, command_id: str | None = None) -> CommandContext:
    return CommandContext(principal=principal, command_id=command_id)


async def seed_school(h: DirectoryHandlers, *, students: int = 10, prefix: str = "") -> None:
    """District xinbei, school xuexiao with main and Aoyuan campuses, a term, classes and students."""
    p = prefix
    await h.register_district(c.RegisterDistrict(district_id=f"{p}xinbei", name="新北区"), ctx())
    await h.register_school(
        c.RegisterSchool(school_id=f"{p}xuexiao", district_id=f"{p}xinbei", name="薛家实验小学"), ctx()
    )
    await h.schedule_term(
        f"{p}xuexiao",
        c.ScheduleTerm(
            term_id=f"{p}2020-2021-1", name="2020-2021 第一学期", starts_on=date(2020, 9, 1), ends_on=date(2021, 1, 31)
        ),
        ctx(),
    )
    for campus, name in (("main", "本部"), ("aoyuan", "奥园校区")):
        await h.open_campus(c.OpenCampus(campus_id=f"{p}{campus}", school_id=f"{p}xuexiao", name=name), ctx())
    await h.open_class(c.OpenClass(class_id=f"{p}g6c1", campus_id=f"{p}main", name="六1班", grade=6), ctx())
    await h.open_class(c.OpenClass(class_id=f"{p}g1c1", campus_id=f"{p}aoyuan", name="一1班", grade=1), ctx())
    await h.join_staff(
        c.JoinStaff(
            staff_id=f"{p}huang",
            district_id=f"{p}xinbei",
            school_id=f"{p}xuexiao",
            name="黄老师",
            roles=[Role.TEACHER, Role.CLASS_TEACHER],
            campus_ids=[f"{p}main"],
        ),
        ctx(),
    )
    await h.assign_teacher(
        f"{p}g6c1", c.AssignTeacher(staff_id=f"{p}huang", subject="语文", is_class_teacher=True), ctx()
    )
    for i in range(students):
        await h.enroll_student(
            c.EnrollStudent(
                student_id=f"{p}s{i:03d}",
                name=f"学生{i}",
                class_id=f"{p}g6c1",
                admission=Admission.TRANSFER if i % 5 == 0 else Admission.NEW,
                enrolled_on=date(2020, 9, 1),
            ),
            ctx(),
        )
