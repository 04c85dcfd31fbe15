"""Requisition lists (领用清单) in GraphQL: what was issued, to whom, for which department and term,
each line with its catalogue item; the campus's part, :class:`RequisitionsOnCampus` (composed in
``gateway.campus``), and the root's, :class:`RequisitionsQuery`.

A line's item comes through a dataloader: a page of requisitions asks the inventory once per
school for the items of all its lines, whatever the page's size.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from gateway.common.campuses import CampusRef, campus_at_once, load_campus, with_campuses
from gateway.common.enums import RecipientKind
from gateway.common.history import HISTORY, HistoryEntry, history_of
from gateway.common.pages import Connection, Prefetch, get, page, row
from gateway.context import GatewayContext
from gateway.inventory.asset_links import every_item
from gateway.inventory.types import CatalogueItem

Ctx = Info[GatewayContext, None]

ItemKey = tuple[str, str]  # school id, item id


def _items(context: GatewayContext) -> DataLoader[ItemKey, CatalogueItem | None]:
    async def load(keys: list[ItemKey]) -> list[CatalogueItem | None]:
        per_school: dict[str, set[str]] = defaultdict(set)
        for school_id, item_id in keys:
            per_school[school_id].add(item_id)
        found: dict[ItemKey, CatalogueItem] = {}
        for school_id, ids in sorted(per_school.items()):
            for i in await every_item(context, "inventory", "/items", school_id=school_id, ids=",".join(sorted(ids))):
                found[(school_id, i["item_id"])] = row(CatalogueItem, i)
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load)


@strawberry.type(description="A line of a requisition list as issued")
class RequisitionLine:
    item_id: strawberry.ID
    quantity: int = strawberry.field(description="How many were issued")
    exchange: bool = strawberry.field(
        description="Issued old for new (以旧换新): an old one was handed back, so no quota was used"
    )
    school_id: strawberry.Private[str | None] = None  # whose catalogue names the item (its requisition's school)

    @strawberry.field(description="The item issued, from the school's catalogue")
    def item(self, info: Ctx) -> CatalogueItem | None:
        if self.school_id is None:
            return None
        loader = info.context.loader("inventory_requisition_items", _items)
        return cast("CatalogueItem | None", loader.load((self.school_id, str(self.item_id))))


@strawberry.type(description="A requisition list (领用清单): goods issued from a campus's stock, all lines at once")
class Requisition:
    requisition_id: strawberry.ID = strawberry.field(description="The requisition list's id")
    campus_id: strawberry.ID
    school_id: strawberry.ID
    department_id: str = strawberry.field(description="The department whose quotas the lines were charged to")
    recipient_kind: RecipientKind = strawberry.field(description="Issued to a person or a department")
    recipient_id: str = strawberry.field(description="Who received the goods (a member of staff or a department)")
    term_id: str = strawberry.field(description="The term whose quotas the lines were charged to")
    lines: list[RequisitionLine] = strawberry.field(description="What was issued, line by line")
    issued_by: str = strawberry.field(description="Who issued the goods")
    issued_at: dt.datetime = strawberry.field(description="When the goods were issued")

    @strawberry.field
    @campus_at_once
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "inventory", f"requisition-{self.requisition_id}", first)


def _with_schools(requisitions: Iterable[Requisition]) -> None:
    """Tells each line the school whose catalogue names its item."""
    for requisition in requisitions:
        for line in requisition.lines:
            line.school_id = str(requisition.school_id)


def _then(info: Ctx) -> Prefetch:
    campuses = with_campuses(info)

    async def fetch(context: GatewayContext, nodes: list[Any]) -> None:
        _with_schools(nodes)
        if campuses is not None:
            await campuses(context, nodes)

    return fetch


async def requisitions_page(
    info: Ctx,
    campus_id: str | None,
    department_id: str | None,
    term_id: str | None,
    recipient_id: str | None,
    first: int,
    after: str | None,
) -> Connection[Requisition] | None:
    return await page(
        info, "inventory", "/requisitions", Requisition, "requisition_id", first, after,
        campus_id=campus_id, department_id=department_id, term_id=term_id, recipient_id=recipient_id,
        then=_then(info),
    )  # fmt: skip


async def one_requisition(info: Ctx, requisition_id: str, keep: Callable[[Requisition], bool]) -> Requisition | None:
    """One requisition list in the caller's scope that ``keep`` keeps, or null."""
    info.context.require()
    body = await get(info.context, "inventory", "/requisitions", ids=requisition_id, limit=1)
    found = [row(Requisition, i) for i in body["items"]]
    _with_schools(found)
    return found[0] if found and keep(found[0]) else None


@strawberry.type
class RequisitionsOnCampus:
    if TYPE_CHECKING:
        campus_id: strawberry.ID  # the directory's part of the campus has it

    @strawberry.field(description="The requisition lists issued on this campus (领用清单), in the order of their ids")
    async def requisitions(
        self,
        info: Ctx,
        department_id: strawberry.ID | None = None,
        term_id: strawberry.ID | None = None,
        recipient_id: strawberry.ID | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[Requisition] | None:
        return await requisitions_page(
            info, str(self.campus_id), department_id, term_id, recipient_id, first, after
        )  # fmt: skip

    @strawberry.field(
        description="A requisition list of this campus (null: unknown, of another campus, or outside the caller's "
        "scope)"
    )
    async def requisition(self, info: Ctx, requisition_id: strawberry.ID) -> Requisition | None:
        return await one_requisition(info, str(requisition_id), lambda r: r.campus_id == self.campus_id)


@strawberry.type
class RequisitionsQuery:
    @strawberry.field(
        description="Requisition lists in the caller's scope, by campus, department, term and recipient, in the "
        "order of their ids"
    )
    async def requisitions(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        department_id: strawberry.ID | None = None,
        term_id: strawberry.ID | None = None,
        recipient_id: strawberry.ID | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[Requisition] | None:
        return await requisitions_page(info, campus_id, department_id, term_id, recipient_id, first, after)

    @strawberry.field(description="A requisition list (null: unknown or outside the caller's scope)")
    async def requisition(self, info: Ctx, requisition_id: strawberry.ID) -> Requisition | None:
        return await one_requisition(info, str(requisition_id), lambda _: True)
