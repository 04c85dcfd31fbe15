"""Relay-style connections over the services' keyset pages, and typed rows from JSON."""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.types import Info
from strawberry.types.nodes import SelectedField

from gateway.clients import ServiceError, ServiceUnavailable
from gateway.context import GatewayContext

T = TypeVar("T")
MAX_FIRST = 500

AsOf = Annotated[dt.date | None, strawberry.argument(name="asOf")]
"""``as_of: AsOf = None`` on every field showing a figure relative to now (an age, overdue, this
month): the day it is computed for, as things stood at its end (default: today at the school, as
they stand now); pass it on to the service with :func:`day`."""


def day(value: dt.date | None) -> str | None:
    """A day as a service's query parameter (None: the service's default, today)."""
    return value.isoformat() if value is not None else None


@strawberry.type(
    description="Where a page stands in its list. Lists are read forward only (first, after): "
    "hasPreviousPage is true exactly when the page was asked for with an `after` cursor, since a "
    "cursor the API gave is the key of an item of an earlier page, so items come before this page; "
    "it is false for the first page"
)
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow: ask again with after: endCursor")
    end_cursor: str | None = strawberry.field(
        description="The cursor to pass as `after` for the next page (null: no page follows)"
    )
    has_previous_page: bool = strawberry.field(
        default=False, description="Items come before this page: it was asked for with an `after` cursor"
    )
    start_cursor: str | None = strawberry.field(
        default=None, description="The cursor of the first item of the page (null when the page is empty)"
    )


@strawberry.type(description="An item of a page, with the cursor that names its place in the list")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Pass it as `after` to read the items that follow this one")
    node: T = strawberry.field(description="The item")


@strawberry.type(description="A page of a list; pass pageInfo.endCursor as `after` for the next one")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of the page with their cursors, in list order")
    page_info: PageInfo = strawberry.field(description="Whether items come before and after this page")
    total_count: int | None = strawberry.field(
        default=None,
        description="How many items the whole list holds, its arguments and the caller's scope applied: the "
        "same on every page (`first` and `after` do not change it). Every connection here is a service's list "
        "read, which counts in the statement that reads the page when the query asks for totalCount (and "
        "only then). A list computed otherwise gives it only when the first page holds the whole list (no "
        "`after`, no next page), null when it runs over more pages",
    )

    @strawberry.field(description="The nodes of the edges, for clients that need no cursors")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


def connection(
    edges: list[Edge[T]], next_cursor: str | None, after: str | None, total: int | None = None
) -> Connection[T]:
    """A connection from a service's page asked for with ``after`` (see ``PageInfo``); ``total``:
    the count the service answered, if it was asked for one (see ``Connection.total_count``)."""
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=next_cursor is not None,
            end_cursor=next_cursor,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
        ),
        total_count=total if total is not None else len(edges) if after is None and next_cursor is None else None,
    )


Converter = Callable[[Any], Any]


def _as_is(value: Any) -> Any:
    return value


def _converter(annotation: Any) -> Converter:
    """How a JSON value becomes the field's Python value (None stays None)."""
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        return _converter(args[0])
    if origin is list and args:
        inner = _converter(args[0])
        return _as_is if inner is _as_is else lambda values: [None if v is None else inner(v) for v in values]
    if annotation is dt.datetime:
        return lambda v: dt.datetime.fromisoformat(v) if isinstance(v, str) else v
    if annotation is dt.date:
        return lambda v: dt.date.fromisoformat(v[:10]) if isinstance(v, str) else v
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        return lambda v: row(annotation, v) if isinstance(v, dict) else v
    return _as_is


_FIELDS: dict[type, tuple[tuple[str, ...], tuple[tuple[str, Converter], ...]]] = {}


def _fields(cls: type) -> tuple[tuple[str, ...], tuple[tuple[str, Converter], ...]]:
    """A strawberry type's fields taken as they come, and those with a converter, worked out
    once per type (resolving the type hints on every row took a third of the gateway's time)."""
    found = _FIELDS.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        converters = [(f.name, _converter(hints.get(f.name))) for f in dataclasses.fields(cls)]
        found = _FIELDS[cls] = (
            tuple(name for name, convert in converters if convert is _as_is),
            tuple((name, convert) for name, convert in converters if convert is not _as_is),
        )
    return found


def row(cls: type[T], data: dict[str, Any]) -> T:
    """A strawberry type from a service's JSON row: known fields only, typed."""
    plain, converted = _fields(cls)
    values = {name: data[name] for name in plain if name in data}
    for name, convert in converted:
        value = data.get(name)
        if value is not None:
            values[name] = convert(value)
        elif name in data:
            values[name] = None
    return cls(**values)


def selects(info: Info[Any, Any], name: str) -> bool:
    """Whether the query asks for a field ``name`` anywhere under the field being resolved."""
    stack: list[Any] = list(info.selected_fields)
    while stack:
        selection = stack.pop()
        if getattr(selection, "name", None) == name:
            return True
        stack.extend(getattr(selection, "selections", None) or ())
    return False


def counts(info: Info[Any, Any]) -> bool:
    """Whether the connection being resolved is asked for its ``totalCount`` (among its own fields,
    fragments included; not a ``totalCount`` of a connection further down)."""
    stack: list[Any] = [child for field in info.selected_fields for child in field.selections]
    while stack:
        selection = stack.pop()
        if isinstance(selection, SelectedField):
            if selection.name == "totalCount":
                return True
        else:  # a fragment spread or an inline fragment: its fields are the connection's
            stack.extend(selection.selections)
    return False


def graphql_error(exc: Exception) -> GraphQLError:
    """A service's refusal or absence as a GraphQL error the client can act on."""
    if isinstance(exc, ServiceUnavailable):
        return GraphQLError(str(exc), extensions={"code": "UNAVAILABLE", "service": exc.service})
    assert isinstance(exc, ServiceError)
    code = {401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND", 422: "BAD_USER_INPUT"}.get(exc.status, "ERROR")
    reason = exc.body.get("reason") or exc.body.get("detail") or exc.body
    return GraphQLError(f"{exc.service}: {reason}", extensions={"code": code, "service": exc.service})


async def get(context: GatewayContext, service: str, path: str, **params: Any) -> Any:
    try:
        return await context.caller.get(service, path, **params)
    except (ServiceError, ServiceUnavailable) as exc:
        raise graphql_error(exc) from None


Prefetch = Callable[[GatewayContext, list[Any]], Awaitable[None]]


async def page(
    info: Info[GatewayContext, Any],
    service: str,
    path: str,
    cls: type[T],
    key: str | Callable[[dict[str, Any]], str],
    first: int,
    after: str | None,
    *,
    then: Prefetch | None = None,
    **params: Any,
) -> Connection[T] | None:
    """One page from a service's list endpoint, as a connection (with the service's count of the
    list when the query asks for ``totalCount``); ``then`` fetches what the query asks of every
    item at once (see ``gateway.common.campuses.with_campuses``)."""
    context = info.context
    context.require()
    first = max(1, min(first, MAX_FIRST))
    count = True if counts(info) else None
    body = await get(context, service, path, limit=first, after=after, count=count, **params)
    key_of = key if callable(key) else (lambda item: str(item[key]))
    edges = [Edge(cursor=key_of(item), node=row(cls, item)) for item in body["items"]]
    if then is not None and edges:
        await then(context, [edge.node for edge in edges])
    return connection(edges, body["next_cursor"], after, body.get("total"))


async def one(context: GatewayContext, service: str, path: str, cls: type[T], **params: Any) -> T | None:
    """One entity, or null when it does not exist or is outside the caller's scope."""
    context.require()
    try:
        return row(cls, await context.caller.get(service, path, **params))
    except ServiceError as exc:
        if exc.status == 404:
            return None
        raise graphql_error(exc) from None
    except ServiceUnavailable as exc:
        raise graphql_error(exc) from None
