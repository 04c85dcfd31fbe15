"""Where a directory command belongs, resolved from the directory's own store (not a read
model, so that a class can be opened on a campus the moment the campus exists), and the
command bus that runs it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from services.directory.campus import Campus, CampusState
from services.directory.school_class import ClassState, SchoolClass
from services.directory.student import Student, StudentState
from services.eventkit.auth import Principal
from services.eventkit.command_table import ServiceCommands
from services.eventkit.decider import Decider
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import InvalidInput, NotFound


class DirectoryCommands(ServiceCommands):
    """The request's view of the directory: its command bus and the lookups in its store."""

    async def state(self, decider: Decider[Any, Any, Any], entity_id: str) -> Any:
        state, _ = await self.bus.load(decider, decider.stream_id(entity_id))
        return state

    async def existing(
        self, decider: Decider[Any, Any, Any], entity_id: str, what: str, *, field: str | None = None
    ) -> Any:
        """The state of an entity that exists: else a 404, or a 422 naming the body's field."""
        state = await self.state(decider, entity_id)
        if not state.exists:
            missing(what, entity_id, field)
        return state

    async def class_tenant(self, class_id: str, *, field: str | None = None) -> TenantPath:
        """Where a class is: its campus, school and district."""
        school_class: ClassState = await self.existing(SchoolClass, class_id, "class", field=field)
        campus: CampusState = await self.existing(Campus, school_class.campus_id, "campus")
        return TenantPath(district_id=campus.district_id, school_id=campus.school_id, campus_id=school_class.campus_id)

    async def tenant_of(
        self, decider: Decider[Any, Any, Any], entity_id: str, what: str, *, principal: Principal | None = None
    ) -> TenantPath:
        """Where an existing entity lives, or a 404 (also outside ``principal``'s scope, if given): a
        student where their class is now (a student moves), anything else where its first event put it."""
        if decider is Student:
            student: StudentState = await self.existing(Student, entity_id, what)
            tenant = await self.class_tenant(student.class_id)
            if principal is not None and not await self.covers(principal, tenant):
                missing(what, entity_id, None)
            return tenant
        return await super().tenant_of(decider, entity_id, what, principal=principal)


def missing(what: str, entity_id: str, field: str | None) -> None:
    """A reference to nothing: a 404 for the path's entity, a 422 for a field of the body."""
    message = f"{what} {entity_id} does not exist"
    if field is None:
        raise NotFound(message)
    raise InvalidInput(message, field=field)


async def directory_commands(request: Request) -> DirectoryCommands:
    """Async on purpose: a plain ``def`` dependency costs every request a hop to a worker thread."""
    return DirectoryCommands(request.app.state.runtime.bus)


DirectoryCommandsDep = Annotated[DirectoryCommands, Depends(directory_commands)]
