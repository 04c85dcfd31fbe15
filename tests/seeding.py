"""The seed's school, written through the directory's real command endpoints."""

from __future__ import annotations

import inspect
from datetime import date

from fastapi.routing import APIRoute

from services.directory.campus import OpenCampus
from services.directory.district import RegisterDistrict
from services.directory.events import DIRECTORY_EVENTS, Admission
from services.directory.routes import commands
from services.directory.school import RegisterSchool, ScheduleTerm
from services.directory.school_class import AssignTeacher, OpenClass
from services.directory.scope import DirectoryCommands
from services.directory.staff import JoinStaff
from services.directory.student import EnrollStudent
from services.eventkit.auth import Principal, Role
from services.eventkit.commands import Command, CommandBus, CommandContext, CommandResult
from services.eventkit.store import EventStore

PLATFORM = Principal(subject="platform", roles=frozenset([Role.PLATFORM_ADMIN]))


class Directory:
    """The directory's command endpoints (rows of its table or functions), called without HTTP."""

    def __init__(self, store: EventStore) -> None:
        self.scope = DirectoryCommands(CommandBus("directory", store, DIRECTORY_EVENTS))
        self.endpoints = {
            route.name: inspect.unwrap(route.endpoint)
            for route in commands.router.routes
            if isinstance(route, APIRoute)
        }

    async def send(self, endpoint: str, cmd: Command, ctx: CommandContext, **path: str) -> CommandResult:
        """``send("schedule_term", ScheduleTerm(...), ctx(), school_id="xuexiao")``."""
        result: CommandResult = await self.endpoints[endpoint](cmd=cmd, ctx=ctx, scope=self.scope, **path)
        return result


def ctx(principal: Principal = PLATFORM, command_id: str | None = None) -> CommandContext:
    return CommandContext(principal=principal, command_id=command_id)


async def seed_school(h: Directory, *, students: int = 10, prefix: str = "") -> None:
    """District xinbei, school xuexiao with main and Aoyuan campuses, a term, classes and students."""
    p = prefix
    await h.send("register_district", RegisterDistrict(district_id=f"{p}xinbei", name="新北区"), ctx())
    await h.send(
        "register_school", RegisterSchool(school_id=f"{p}xuexiao", district_id=f"{p}xinbei", name="薛家实验小学"), ctx()
    )
    await h.send(
        "schedule_term",
        ScheduleTerm(
            term_id=f"{p}2020-2021-1", name="2020-2021 第一学期", starts_on=date(2020, 9, 1), ends_on=date(2021, 1, 31)
        ),
        ctx(),
        school_id=f"{p}xuexiao",
    )
    for campus, name in (("main", "本部"), ("aoyuan", "奥园校区")):
        await h.send("open_campus", OpenCampus(campus_id=f"{p}{campus}", school_id=f"{p}xuexiao", name=name), ctx())
    await h.send("open_class", OpenClass(class_id=f"{p}g6c1", campus_id=f"{p}main", name="六1班", grade=6), ctx())
    await h.send("open_class", OpenClass(class_id=f"{p}g1c1", campus_id=f"{p}aoyuan", name="一1班", grade=1), ctx())
    await h.send(
        "join_staff",
        JoinStaff(
            staff_id=f"{p}huang",
            district_id=f"{p}xinbei",
            school_id=f"{p}xuexiao",
            name="黄老师",
            roles=[Role.TEACHER, Role.CLASS_TEACHER],
            campus_ids=[f"{p}main"],
        ),
        ctx(),
    )
    await h.send(
        "assign_teacher",
        AssignTeacher(staff_id=f"{p}huang", subject="语文", is_class_teacher=True),
        ctx(),
        class_id=f"{p}g6c1",
    )
    for i in range(students):
        await h.send(
            "enroll_student",
            EnrollStudent(
                student_id=f"{p}s{i:03d}",
                name=f"学生{i}",
                class_id=f"{p}g6c1",
                admission=Admission.TRANSFER if i % 5 == 0 else Admission.NEW,
                enrolled_on=date(2020, 9, 1),
            ),
            ctx(),
        )
