"""A service's commands as one table: the routes are made from it, the gateway reads it.

Most command endpoints say the same two things: where the command belongs (a campus
named in the body for a new entity, or the stream of an existing one), then run it
through its decider if the caller holds one of the roles. A row of the table says just
that, as Eventuous's command services do with ``On<New>`` / ``On<Existing>``::

    COMMANDS = campus_command_table("safety")
    COMMANDS.new("hazards", "/hazards", "Report a hazard", ReportHazard, Hazard, id="hazard_id", roles=STAFF)
    COMMANDS.existing("hazards", "/hazards/{hazard_id}/escalate", "Escalate a hazard", EscalateHazard, Hazard,
                      what="hazard", roles=MANAGERS)

``lookup`` adds what a row must check or know beyond the stream (a staff member on the
campus, the class of a student): it runs after the role check and returns the facts the
decider reads. ``check`` is the same, run before the role check: for what the body names,
whose absence is a 422 wherever the caller may act (an item the school does not catalogue).
An endpoint that needs more keeps a function of its own, registered with
:meth:`CommandTable.custom` so that it is still in the table.

Each row becomes a POST made by :func:`services.eventkit.routes.command_route` (so the
command lane serves it and OpenAPI documents its errors and headers); the gateway makes
one mutation of each row, named after it, from the command model alone.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from services.eventkit.acts import time_rule
from services.eventkit.auth import Principal, Role
from services.eventkit.commands import Command, CommandBus, CommandContext, CommandResult, ReadAhead
from services.eventkit.db import Connection
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import NotFound, Rejected, taken
from services.eventkit.routes import command_route

Facts = dict[str, str]


class ServiceCommands:
    """The request's view of a service, as its command table needs it: where an existing entity
    lives, who may act on it, and the command bus that runs a row. A service's scope (the campus
    layer's, the directory's) adds how it finds where a new entity belongs."""

    def __init__(self, bus: CommandBus) -> None:
        self.bus = bus
        # streams read with their tenant check, for the command that follows on them
        self.ahead: dict[str, ReadAhead] = {}

    async def tenant_of(
        self, decider: Decider[Any, Any, Any], entity_id: str, what: str, *, principal: Principal | None = None
    ) -> TenantPath:
        """Where an existing entity lives (its first event put it there), or a 404; with
        ``principal``, the same 404 if it lives outside their scope (see :mod:`services.eventkit.errors`)."""
        tenant = await self.first_tenant(decider, entity_id)
        if tenant is None or (principal is not None and not await self.covers(principal, tenant)):
            raise NotFound(f"{what} {entity_id} does not exist")
        return tenant

    async def first_tenant(self, decider: Decider[Any, Any, Any], entity_id: str) -> TenantPath | None:
        """Where the entity's first event put it, or None if it has none. The stream is read with
        it (from the state the process keeps of it), for the command that follows."""
        stream_id = decider.stream_id(entity_id)
        ahead = self.ahead[stream_id] = await self.bus.read_ahead(decider, stream_id)
        return ahead.tenant()

    async def covers(self, principal: Principal, tenant: TenantPath) -> bool:
        """Whether ``tenant`` is in the principal's scope."""
        return principal.covers(tenant)

    async def taken_outside(self, principal: Principal, decider: Decider[Any, Any, Any], entity_id: str) -> bool:
        """Whether ``entity_id`` names an entity outside the principal's scope (a new one's id taken there)."""
        tenant = await self.first_tenant(decider, entity_id)
        return tenant is not None and not await self.covers(principal, tenant)

    async def starting(
        self,
        principal: Principal,
        decider: Decider[Any, Any, Any],
        entity_id: str,
        field: str,
        attempt: Awaitable[CommandResult],
    ) -> CommandResult:
        """The result of a command starting an entity; refused by the state of an entity the
        principal may not see (its id taken on another campus), the refusal names nothing of it."""
        try:
            return await attempt
        except Rejected:
            if await self.taken_outside(principal, decider, entity_id):
                raise taken(field, entity_id) from None
            raise

    async def authorise(self, principal: Principal, tenant: TenantPath, roles: tuple[Role, ...]) -> None:
        """One of ``roles``, and the tenant in scope (403)."""
        principal.require(tenant, *roles)

    async def run(
        self,
        decider: Decider[Any, Any, Any],
        entity_id: str,
        command: Any,
        ctx: CommandContext,
        tenant: TenantPath,
        roles: tuple[Role, ...],
        *,
        facts: Facts | None = None,
        conn: Connection | None = None,
    ) -> CommandResult:
        """Checks role and scope (403), then load -> decide -> append."""
        await self.authorise(ctx.principal, tenant, roles)
        ahead = self.ahead.pop(decider.stream_id(entity_id), None)
        return await self.bus.execute(
            decider, entity_id, Resolved(command, tenant, entity_id, facts or {}), ctx, tenant, conn=conn, ahead=ahead
        )


@dataclass(frozen=True)
class Target:
    """The entity a command is for, as a check or lookup sees it."""

    entity_id: str
    tenant: TenantPath


TenantOf = Callable[[Any, Any], Awaitable[TenantPath]]  # (scope, command) -> tenant of a new entity
Lookup = Callable[[Any, Any, CommandContext, Target], Awaitable[Facts | None]]  # (scope, command, ctx, target)
EntityId = Callable[[Any], str]


@dataclass(frozen=True)
class CommandSpec:
    """One row: a command, where it goes, who may send it."""

    service: str
    name: str  # snake_case: the endpoint's name, and (camelCased) the GraphQL mutation's
    tag: str
    path: str
    summary: str
    model: type[Command]
    decider: Decider[Any, Any, Any] | None = None  # None: a custom endpoint
    roles: tuple[Role, ...] = ()
    entity_id: EntityId | None = None  # a new entity: its id, from the command
    id_field: str = "id"  # a new entity: the body's field naming its id
    tenant: TenantOf | None = None  # a new entity: where it belongs
    what: str = ""  # an existing entity: its name in a 404
    check: Lookup | None = None  # before the role check: what the body names (422 wherever the caller may act)
    lookup: Lookup | None = None  # after it
    endpoint: Callable[..., Awaitable[CommandResult]] | None = None  # a custom endpoint
    mutation: bool = True  # False: the gateway gives it a mutation of its own (its body is not a client's to type)

    @property
    def path_params(self) -> list[str]:
        return _path_params(self.path)

    @property
    def starts_entity(self) -> bool:
        return self.entity_id is not None


def _path_params(path: str) -> list[str]:
    return re.findall(r"{(\w+)}", path)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class CommandTable:
    """The commands of one service, in the order the routes and mutations appear."""

    def __init__(
        self,
        service: str,
        scope: Callable[[Request], Awaitable[ServiceCommands]],
        *,
        new_tenant: TenantOf | None = None,
    ) -> None:
        self.service = service
        self.specs: list[CommandSpec] = []
        self._scope = scope
        self._new_tenant = new_tenant

    def __iter__(self) -> typing.Iterator[CommandSpec]:
        return iter(self.specs)

    def _add(self, spec: CommandSpec) -> CommandSpec:
        for other in self.specs:
            if other.name == spec.name:
                raise ValueError(f"{self.service}: two commands are named {spec.name}")
            if other.path == spec.path:
                raise ValueError(f"{self.service}: two commands are posted to {spec.path}")
        self.specs.append(spec)
        return spec

    def new(
        self,
        tag: str,
        path: str,
        summary: str,
        model: type[Command],
        decider: Decider[Any, Any, Any],
        *,
        id: str | EntityId,
        roles: Sequence[Role],
        tenant: TenantOf | None = None,
        check: Lookup | None = None,
        lookup: Lookup | None = None,
        name: str | None = None,
    ) -> CommandSpec:
        """A command that starts an entity: ``id`` is the body's field holding its id (or a
        function of the command); ``tenant`` finds where it belongs (default: the table's)."""
        where = tenant or self._new_tenant
        if where is None:
            raise ValueError(f"{path}: a new entity needs a tenant lookup (this table has no default)")
        entity_id: EntityId = (lambda command: str(getattr(command, id))) if isinstance(id, str) else id
        if isinstance(id, str) and id not in model.model_fields:
            raise ValueError(f"{path}: {model.__name__} has no field {id}")
        return self._row(
            tag,
            path,
            summary,
            model,
            decider,
            roles,
            name,
            entity_id=entity_id,
            id_field=id if isinstance(id, str) else "id",
            tenant=where,
            check=check,
            lookup=lookup,
        )

    def existing(
        self,
        tag: str,
        path: str,
        summary: str,
        model: type[Command],
        decider: Decider[Any, Any, Any],
        *,
        what: str,
        roles: Sequence[Role],
        check: Lookup | None = None,
        lookup: Lookup | None = None,
        name: str | None = None,
    ) -> CommandSpec:
        """A command for an existing entity, whose id is the path's one parameter; it lives
        where its first event put it (404 if it has none)."""
        if len(_path_params(path)) != 1:
            raise ValueError(f"{path}: an existing entity is named by exactly one path parameter")
        return self._row(tag, path, summary, model, decider, roles, name, what=what, check=check, lookup=lookup)

    def _row(
        self,
        tag: str,
        path: str,
        summary: str,
        model: type[Command],
        decider: Decider[Any, Any, Any],
        roles: Sequence[Role],
        name: str | None,
        *,
        entity_id: EntityId | None = None,
        id_field: str = "id",
        tenant: TenantOf | None = None,
        what: str = "",
        check: Lookup | None,
        lookup: Lookup | None,
    ) -> CommandSpec:
        """A row's spec, named after its command unless ``name`` says otherwise."""
        spec = CommandSpec(
            self.service,
            name or _snake(model.__name__),
            tag,
            path,
            summary,
            model,
            decider,
            tuple(roles),
            entity_id=entity_id,
            id_field=id_field,
            tenant=tenant,
            what=what,
            check=check,
            lookup=lookup,
        )
        return self._add(spec)

    def custom(
        self, tag: str, path: str, summary: str, *, mutation: bool = True
    ) -> Callable[[Callable[..., Awaitable[CommandResult]]], Callable[..., Awaitable[CommandResult]]]:
        """An endpoint that needs more than a row says: its own function (FastAPI reads its
        parameters: the path's, one command body, ``Context`` and whatever it depends on).
        ``mutation=False``: the gateway makes no mutation of it (it has one of its own)."""

        def register(endpoint: Callable[..., Awaitable[CommandResult]]) -> Callable[..., Awaitable[CommandResult]]:
            hints = typing.get_type_hints(endpoint, include_extras=False)
            models = [t for t in hints.values() if inspect.isclass(t) and issubclass(t, Command)]
            if len(models) != 1:
                raise TypeError(f"{path}: expected one command body, found {models}")
            self._add(
                CommandSpec(
                    self.service, endpoint.__name__, tag, path, summary, models[0], endpoint=endpoint, mutation=mutation
                )
            )
            return endpoint

        return register

    def router(self, tag: str, **kwargs: Any) -> APIRouter:
        """A router of the tag's commands, in the table's order; its module adds the reads."""
        router = APIRouter(tags=[tag], **kwargs)
        specs = [spec for spec in self.specs if spec.tag == tag]
        if not specs:
            raise ValueError(f"{self.service}: no command is tagged {tag}")
        for spec in specs:
            route = command_route(router, spec.path, spec.summary, name=spec.name, description=time_rule(spec.model))
            route(spec.endpoint or self._endpoint(spec))
        return router

    def _endpoint(self, spec: CommandSpec) -> Callable[..., Awaitable[CommandResult]]:
        """The row as an endpoint with a signature FastAPI reads: path parameters, the body,
        the command context and the scope."""
        from services.eventkit.app import Context  # the app imports the kit's routes: import here

        assert spec.decider is not None
        decider, roles, check, lookup = spec.decider, spec.roles, spec.check, spec.lookup

        async def run(
            cmd: Any, ctx: CommandContext, scope: ServiceCommands, entity_id: str, tenant: TenantPath
        ) -> CommandResult:
            facts: Facts = {}
            target = Target(entity_id, tenant)
            if check is not None:  # what the body names, before who may ask
                facts |= await check(scope, cmd, ctx, target) or {}
            if lookup is not None:  # who may ask, before what else is looked up
                await scope.authorise(ctx.principal, tenant, roles)
                facts |= await lookup(scope, cmd, ctx, target) or {}
            result: CommandResult = await scope.run(decider, entity_id, cmd, ctx, tenant, roles, facts=facts)
            return result

        params: list[inspect.Parameter] = []
        if spec.starts_entity:
            assert spec.entity_id is not None and spec.tenant is not None
            entity_of, tenant_of = spec.entity_id, spec.tenant

            id_field = spec.id_field

            async def handle(cmd: Any, ctx: CommandContext, scope: ServiceCommands, **_: str) -> CommandResult:
                entity_id = entity_of(cmd)
                attempt = run(cmd, ctx, scope, entity_id, await tenant_of(scope, cmd))
                return await scope.starting(ctx.principal, decider, entity_id, id_field, attempt)

        else:
            (param,) = spec.path_params
            what = spec.what
            params.append(inspect.Parameter(param, inspect.Parameter.KEYWORD_ONLY, annotation=str))

            async def handle(cmd: Any, ctx: CommandContext, scope: ServiceCommands, **path: str) -> CommandResult:
                entity_id = path[param]
                tenant = await scope.tenant_of(decider, entity_id, what, principal=ctx.principal)
                return await run(cmd, ctx, scope, entity_id, tenant)

        async def endpoint(cmd: Any, ctx: CommandContext, scope: Any, **path: str) -> CommandResult:
            return await handle(cmd, ctx, scope, **path)

        scope_dependency = Annotated[Any, Depends(self._scope)]
        signature = inspect.Signature(
            [
                *params,
                inspect.Parameter("cmd", inspect.Parameter.KEYWORD_ONLY, annotation=spec.model),
                inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=Context),
                inspect.Parameter("scope", inspect.Parameter.KEYWORD_ONLY, annotation=scope_dependency),
            ],
            return_annotation=CommandResult,
        )
        endpoint.__signature__ = signature  # type: ignore[attr-defined]
        endpoint.__annotations__ = {p.name: p.annotation for p in signature.parameters.values()} | {
            "return": CommandResult
        }
        endpoint.__name__ = endpoint.__qualname__ = spec.name
        endpoint.__doc__ = None
        return endpoint
