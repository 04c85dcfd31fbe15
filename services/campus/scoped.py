"""Commands of a campus-scoped service (safety, inventory, ...): role and scope checks,
tenants resolved from the directory mirror or from an entity's stream, then the command bus."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from services.campus.mirror import CampusCache, staff_member
from services.eventkit.auth import Principal, Role
from services.eventkit.command_table import CommandTable, Facts, ServiceCommands, Target
from services.eventkit.commands import CommandContext
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import InvalidInput
from services.eventkit.runtime import ServiceRuntime


class CampusCommands(ServiceCommands):
    """The request's view of a campus-scoped service: its pool, its command bus, and where a
    command belongs by the directory's mirror."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        super().__init__(runtime.bus)
        self.runtime = runtime
        self.pool = runtime.pool
        campuses = runtime.caches.get("campuses")
        if campuses is None:
            campuses = runtime.caches["campuses"] = CampusCache(runtime.settings.campus_cache_ttl_s)
        self.campuses: CampusCache = campuses

    async def campus(self, campus_id: str, *, field: str = "campus_id") -> TenantPath:
        """An open campus the directory knows, or a 422 naming the field."""
        return await self.campuses.tenant(self.pool, campus_id, field=field)

    async def school(self, school_id: str, *, field: str = "school_id") -> TenantPath:
        """A school the mirror knows (one of its campuses is open or was), as the tenant of the
        school's own things (a catalogue item, a rule book), or a 422 naming the field."""
        district_id = await self.pool.fetchval(
            "SELECT district_id FROM directory_campuses WHERE school_id = $1 LIMIT 1", school_id
        )
        if district_id is None:
            raise InvalidInput(
                f"school {school_id} has no campus the {self.runtime.settings.service} knows", field=field
            )
        return TenantPath(district_id=district_id, school_id=school_id)

    async def covers(self, principal: Principal, tenant: TenantPath, *roles: Role) -> bool:
        """The tenant in scope (with one of ``roles`` held there, when given). A school's own
        things are kept by whoever covers the school or one of its campuses: a logistics
        manager serves campuses."""
        if principal.holds(tenant, *roles) if roles else principal.covers(tenant):
            return True
        if tenant.campus_id is None and tenant.school_id is not None:
            campuses = principal.nodes(*roles)[2] if roles else principal.campuses
            if not campuses:
                return False
            rows = await self.pool.fetch(
                "SELECT campus_id FROM directory_campuses WHERE school_id = $1", tenant.school_id
            )
            return any(row["campus_id"] in campuses for row in rows)
        return False

    async def authorise(self, principal: Principal, tenant: TenantPath, roles: tuple[Role, ...]) -> None:
        """One of ``roles``, held over the tenant (403)."""
        principal.require_role(*roles)
        if not await self.covers(principal, tenant, *roles):
            principal.require(tenant, *roles)


async def campus_commands(request: Request) -> CampusCommands:
    """Async on purpose: a plain ``def`` dependency costs every request a hop to a worker thread."""
    return CampusCommands(request.app.state.runtime)


CampusCommandsDep = Annotated[CampusCommands, Depends(campus_commands)]


async def _campus_in_body(commands: CampusCommands, command: Any) -> TenantPath:
    return await commands.campus(command.campus_id)


async def school_in_body(commands: CampusCommands, command: Any) -> TenantPath:
    """``tenant=`` of a row for a school's own new thing: the school its command names."""
    return await commands.school(command.school_id)


def campus_command_table(service: str) -> CommandTable:
    """The command table of a campus-scoped service: a new entity belongs to the campus its
    command names (``campus_id``, 422 if the directory does not know it or it is closed)."""
    return CommandTable(service, campus_commands, new_tenant=_campus_in_body)


async def assignee_on_campus(commands: CampusCommands, cmd: Any, ctx: CommandContext, at: Target) -> Facts:
    """A lookup for rows whose command names an ``assignee_id``: whoever is given the work (a
    hazard to fix in-house, a repair) works on the campus of the thing to be done (422 if not)."""
    assignee = await staff_member(commands.pool, cmd.assignee_id, field="assignee_id")
    if at.tenant.campus_id not in assignee["campus_ids"]:
        raise InvalidInput(f"{assignee['name']} does not work on this campus", field="assignee_id")
    return {}
