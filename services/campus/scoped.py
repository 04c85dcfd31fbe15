"""Commands of a campus-scoped service (safety, inventory, ...): role and scope checks,
tenants resolved from the directory mirror or from an entity's stream, then the command bus."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from services.campus.mirror import CampusCache, staff_member
from services.eventkit.auth import Role
from services.eventkit.command_table import CommandTable, Facts, Target
from services.eventkit.commands import CommandBus, CommandContext, CommandResult
from services.eventkit.db import Connection
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import InvalidInput, NotFound
from services.eventkit.runtime import ServiceRuntime


class CampusCommands:
    """The request's view of a service: its pool, its command bus, and tenant lookups."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self.runtime = runtime
        self.pool = runtime.pool
        self.bus: CommandBus = runtime.bus
        campuses = runtime.caches.get("campuses")
        if campuses is None:
            campuses = runtime.caches["campuses"] = CampusCache(runtime.settings.campus_cache_ttl_s)
        self.campuses: CampusCache = campuses

    async def campus(self, campus_id: str, *, field: str = "campus_id") -> TenantPath:
        """An open campus the directory knows, or a 422 naming the field."""
        return await self.campuses.tenant(self.pool, campus_id, field=field)

    async def tenant_of(self, decider: Decider[Any, Any, Any], entity_id: str, what: str) -> TenantPath:
        """Where an existing entity lives (from its first event), or a 404."""
        row = await self.pool.fetchrow(
            "SELECT district_id, school_id, campus_id FROM events WHERE stream_id = $1 AND version = 1",
            decider.stream_id(entity_id),
        )
        if row is None:
            raise NotFound(f"{what} {entity_id} does not exist")
        return TenantPath(district_id=row["district_id"], school_id=row["school_id"], campus_id=row["campus_id"])

    async def run(
        self,
        decider: Decider[Any, Any, Any],
        entity_id: str,
        command: Any,
        ctx: CommandContext,
        tenant: TenantPath,
        roles: tuple[Role, ...],
        *,
        facts: dict[str, str] | None = None,
        conn: Connection | None = None,
    ) -> CommandResult:
        """Checks role and scope (403), then load -> decide -> append."""
        ctx.principal.require(tenant, *roles)
        return await self.bus.execute(
            decider, entity_id, Resolved(command, tenant, entity_id, facts or {}), ctx, tenant, conn=conn
        )


async def campus_commands(request: Request) -> CampusCommands:
    """Async on purpose: a plain ``def`` dependency costs every request a hop to a worker thread."""
    return CampusCommands(request.app.state.runtime)


CampusCommandsDep = Annotated[CampusCommands, Depends(campus_commands)]


async def _campus_in_body(commands: CampusCommands, command: Any) -> TenantPath:
    return await commands.campus(command.campus_id)


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
