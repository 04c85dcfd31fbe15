"""Every command of every service, as a typed GraphQL mutation.

The mutations are made from the services' command tables
(``services/<svc>/commands.py``, one row per command route): the command's pydantic
model becomes the GraphQL input type (one source of truth for fields, types and
constraints), path parameters become arguments, and the answer is the
``CommandResult`` union. Each mutation forwards the command, the caller's token,
an idempotency key and the correlation id, to its service. Without a key from the client,
the gateway makes one (a UUID) for the call, so that its one retry after a dropped
connection (``gateway.clients.Caller.command``) cannot apply the command twice; the answer
of such a retry is the command's own (``duplicate`` false). Each path parameter travels as
one encoded segment (``gateway.clients.service_path``).
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Sequence
from typing import Any
from uuid import uuid4

import strawberry
from pydantic import AwareDatetime, BaseModel, FutureDate, NaiveDatetime, PastDate, ValidationError
from strawberry.experimental.pydantic import input as pydantic_input
from strawberry.scalars import JSON
from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition
from strawberry.types import Info

from gateway.clients import InvalidId, ServiceError, ServiceUnavailable, service_path
from gateway.context import GatewayContext
from gateway.results import (
    Accepted,
    CommandResult,
    FieldError,
    InvalidInput,
    camel,
    from_service_error,
    from_unavailable,
    from_validation_error,
)
from services.eventkit.command_table import CommandSpec, CommandTable
from services.eventkit.read_after import read_token

# pydantic's constrained date-times are plain DateTime in GraphQL
SCALAR_OVERRIDES: dict[object, Any] = {
    AwareDatetime: DateTimeDefinition,
    NaiveDatetime: DateTimeDefinition,
    FutureDate: DateDefinition,
    PastDate: DateDefinition,
}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class InputTypes:
    """GraphQL input types made from pydantic models, nested ones first, each made once."""

    def __init__(self) -> None:
        self.made: dict[type[BaseModel], type] = {}
        self.names: set[str] = set()

    def of(self, model: type[BaseModel], name: str | None = None, purpose: str | None = None) -> type:
        if model in self.made:
            return self.made[model]
        for field in model.model_fields.values():
            for nested in _models_in(field.annotation):
                self.of(nested)
        type_name = name or f"{model.__name__}Input"
        if type_name in self.names:
            type_name = f"{model.__module__.rsplit('.', 1)[-1].title()}{type_name}"
        self.names.add(type_name)
        description = (model.__doc__ or "").strip() or purpose
        # GraphQL inputs have no unions: a field that may be one thing or another is JSON
        overrides = {
            name: JSON if field.is_required() else JSON | None
            for name, field in model.model_fields.items()
            if _is_union(field.annotation)
        }
        made = pydantic_input(model=model, all_fields=True, name=type_name, description=description)(
            type(type_name, (), {"__annotations__": overrides})
        )
        self.made[model] = made
        return made


def _is_union(annotation: Any) -> bool:
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return False
    return len([a for a in typing.get_args(annotation) if a is not type(None)]) > 1


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def accepted(service: str, body: dict[str, Any], idempotency_key: str | None) -> Accepted:
    """A service's answer to a command, as GraphQL's ``Accepted``."""
    return Accepted(
        stream_id=body["stream_id"],
        version=body["version"],
        events=body["events"],
        event_ids=[strawberry.ID(e) for e in body["event_ids"]],
        # with the gateway's own key, a duplicate is its retry answering this very command
        duplicate=bool(body.get("duplicate", False)) and bool(idempotency_key),
        read_after=body.get("read_after") or read_token(service, body["stream_id"], body["version"]),
    )


def _mutation(route: CommandSpec, input_type: type) -> Any:
    """A resolver with the route's path parameters as ``ID!`` arguments, and ``input``."""

    async def resolve(info: Info[GatewayContext, None], **kwargs: Any) -> Any:
        context = info.context
        context.require()
        raw = kwargs.pop("input")
        idempotency_key = kwargs.pop("idempotency_key", None)
        try:
            command = raw.to_pydantic()
        except ValidationError as exc:
            return from_validation_error(exc)
        try:
            path = service_path(
                route.path, **{p: kwargs[_camel(p)] if _camel(p) in kwargs else kwargs[p] for p in route.path_params}
            )
        except InvalidId as exc:
            return InvalidInput(message="invalid input", errors=[FieldError(field=camel(exc.name), reason=exc.message)])
        key = idempotency_key or str(uuid4())
        try:
            body = await context.caller.command(
                route.service, path, command.model_dump(mode="json", exclude_unset=True), key
            )
        except ServiceError as exc:
            return from_service_error(exc)
        except ServiceUnavailable as exc:
            return from_unavailable(exc)
        return accepted(route.service, body, idempotency_key)

    parameters = [
        inspect.Parameter("info", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Info[GatewayContext, None]),
        *[inspect.Parameter(p, inspect.Parameter.KEYWORD_ONLY, annotation=strawberry.ID) for p in route.path_params],
        inspect.Parameter("input", inspect.Parameter.KEYWORD_ONLY, annotation=input_type),
        inspect.Parameter("idempotency_key", inspect.Parameter.KEYWORD_ONLY, annotation=str | None, default=None),
    ]
    resolve.__signature__ = inspect.Signature(parameters, return_annotation=CommandResult)  # type: ignore[attr-defined]
    resolve.__annotations__ = {
        "info": Info[GatewayContext, None],
        **{p: strawberry.ID for p in route.path_params},
        "input": input_type,
        "idempotency_key": str | None,
        "return": CommandResult,
    }
    description = f"{route.summary} ({route.service}: POST {route.path})"
    return strawberry.mutation(resolve, name=_camel(route.name), description=description)


def build_mutation_type(tables: Sequence[CommandTable], own: dict[str, Any] | None = None) -> type:
    """One mutation per row of every table, and ``own``: the gateway's own mutations (for the
    rows marked ``mutation=False``, whose body the gateway puts together)."""
    inputs = InputTypes()
    fields: dict[str, Any] = dict(own or {})
    for table in tables:
        for route in table.specs:
            if not route.mutation:
                continue
            name = _camel(route.name)
            if name in fields:
                raise ValueError(f"two commands would be the mutation {name}: rename one endpoint")
            purpose = f"What the command needs: {route.summary[0].lower()}{route.summary[1:]}"
            fields[route.name] = _mutation(route, inputs.of(route.model, f"{route.model.__name__}Input", purpose))
    namespace: dict[str, Any] = {"__annotations__": {}}
    namespace.update(fields)
    return strawberry.type(type("Mutation", (), namespace), description="Every command of every service")
