"""The seed's school (``demo.school``), written through the directory's real command endpoints."""

from __future__ import annotations

import inspect
import re

from fastapi.routing import APIRoute

from demo.school import SEED
from demo.school import Command as SeedCommand
from services.directory.commands import COMMANDS
from services.directory.events import DIRECTORY_EVENTS, Admission
from services.directory.routes import commands
from services.directory.scope import DirectoryCommands
from services.directory.student import EnrollStudent
from services.eventkit.auth import Principal, Role
from services.eventkit.commands import Command, CommandBus, CommandContext, CommandResult
from services.eventkit.store import EventStore

PLATFORM = Principal(subject="platform", roles=frozenset([Role.PLATFORM_ADMIN]))

# Its classes g6-1 (main) and g1-1 (aoyuan) and one class teacher, huang in g6-1; the students
# are the test's own.
SCHOOL = SEED.only(schools=["xuexiao"], classes=["g6-1", "g1-1"], staff=["huang"], students=[], parents=[])


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

    async def post(self, command: SeedCommand) -> CommandResult:
        """A command of :meth:`demo.school.District.commands`, to the row its path names."""
        for spec in COMMANDS.specs:
            pattern = "^" + re.sub(r"{(\w+)}", r"(?P<\1>[^/]+)", spec.path) + "$"
            if matched := re.match(pattern, command.path):
                return await self.send(spec.name, spec.model.model_validate(command.body), ctx(), **matched.groupdict())
        raise ValueError(f"no directory command is posted to {command.path}")


def ctx(principal: Principal = PLATFORM, command_id: str | None = None) -> CommandContext:
    return CommandContext(principal=principal, command_id=command_id)


async def seed_school(h: Directory, *, students: int = 10) -> None:
    """District xinbei, school xuexiao with main and Aoyuan campuses, a term, classes g6-1 and
    g1-1, a class teacher, and ``students`` students in g6-1 (s000, s001...; every fifth a transfer)."""
    for command in SCHOOL.commands():
        await h.post(command)
    for i in range(students):
        await h.send(
            "enroll_student",
            EnrollStudent(
                student_id=f"s{i:03d}",
                name=f"学生{i}",
                class_id="g6-1",
                admission=Admission.TRANSFER if i % 5 == 0 else Admission.NEW,
                on=SCHOOL.term.starts_on,
            ),
            ctx(),
        )
