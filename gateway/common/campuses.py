"""The campus every area's rows link to (a hazard's, a purchase's, a class's ``campus``).

``Campus`` is composed at the top (``gateway.campus``) from the directory's campus row and
the fields the other areas add to it, so an area names it without importing it: in
annotations as :data:`CampusRef` (a lazy reference, resolved when the schema is built), and
at run time as the type the schema holds under that name (:func:`campus_type`). The rows
come from the directory, one call a request for all the campuses a query names
(:func:`campus_loader`), kept across requests per token by ``gateway.memo``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info
from strawberry.types.base import StrawberryObjectDefinition

from gateway.common.pages import Prefetch, get, row, selects
from gateway.context import GatewayContext
from gateway.execution import answered_at_once

if TYPE_CHECKING:
    from gateway.campus import Campus

Ctx = Info[GatewayContext, None]

CampusRef = Annotated["Campus", strawberry.lazy("gateway.campus")]

CAMPUS_LOADER = "campus"


def campus_type(info: Ctx) -> type[Campus]:
    """The composed ``Campus`` of the schema answering the query."""
    definition = info.schema.get_type_by_name("Campus")
    assert isinstance(definition, StrawberryObjectDefinition), "the schema has no Campus type"
    return cast("type[Campus]", definition.origin)


def campus_loader(info: Ctx) -> DataLoader[str, Campus | None]:
    """Campuses by id: one call to the directory for all the campuses a query names (none
    for those the same token was answered within ``campus_cache_ttl_s``: ``gateway.memo``)."""
    context = info.context
    loader = context.loaders.get(CAMPUS_LOADER)
    if loader is None:
        loader = context.loaders[CAMPUS_LOADER] = _campus_loader(context, campus_type(info))
    return cast("DataLoader[str, Campus | None]", loader)


def _campus_loader(context: GatewayContext, cls: type[Campus]) -> DataLoader[str, Campus | None]:
    memo, token = context.campus_memo, context.caller.authorization

    async def load(ids: list[str]) -> list[Campus | None]:
        found: dict[str, Campus | None] = {}
        if memo is not None:
            found = {i: kept for i in ids if (kept := memo.get(token, i)) is not None}
        missing = sorted(set(ids) - found.keys())
        if missing:
            body = await get(context, "directory", "/campuses", ids=",".join(missing), limit=500)
            for item in body["items"]:
                campus = found[item["campus_id"]] = row(cls, item)
                if memo is not None:
                    memo.put(token, campus.campus_id, campus)
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


_UNKNOWN = object()


def _fetched_campus(root: Any, context: GatewayContext) -> Any:
    """The row's campus if it was fetched with its page; None lets the resolver answer."""
    return context.campuses.get(str(root.campus_id))


campus_at_once = answered_at_once(_fetched_campus)
"""For a row's ``campus`` resolver (``load_campus(info, str(self.campus_id))``): a page's rows
are answered from the campuses fetched with it without a resolver call each."""


def load_campus(info: Ctx, campus_id: str) -> Campus | None:
    """The campus: the one fetched with the page, or the dataloader's future, which
    graphql-core awaits.

    A campus fetched with its page (:func:`with_campuses`) is answered at once, so the
    items of a page resolve without an awaitable each (an awaitable per item made
    graphql-core gather a task per item). Otherwise the future, returned from a plain
    (not ``async``) resolver, spares the item a coroutine of its own.
    """
    known = info.context.campuses.get(campus_id, _UNKNOWN)
    if known is not _UNKNOWN:
        return cast("Campus | None", known)
    return cast("Campus | None", campus_loader(info).load(campus_id))


def with_campuses(info: Ctx) -> Prefetch | None:
    """For a page whose query asks for its items' campus: fetches those campuses with the
    page, in one call to the directory (the same dataloader, so still one call a request)."""
    if not selects(info, "campus"):
        return None
    loader = campus_loader(info)

    async def fetch(context: GatewayContext, nodes: list[Any]) -> None:
        ids = sorted({str(node.campus_id) for node in nodes} - context.campuses.keys())
        if not ids:
            return
        try:
            found = await loader.load_many(ids)
        except Exception:  # each item's campus asks again, through the same loader, and reports its own error
            return
        context.campuses.update(zip(ids, found, strict=True))

    return fetch
