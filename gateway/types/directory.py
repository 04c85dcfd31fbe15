"""The directory in GraphQL: districts, schools, terms, campuses, classes, staff, students."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from gateway.context import GatewayContext
from gateway.types.common import Connection, Prefetch, get, one, page, row, selects

if TYPE_CHECKING:
    from gateway.types.inventory import StockLine
    from gateway.types.safety import CampusSafety

Ctx = Info[GatewayContext, None]


@strawberry.type
class District:
    district_id: strawberry.ID
    name: str


@strawberry.type
class School:
    school_id: strawberry.ID
    district_id: strawberry.ID
    name: str

    @strawberry.field(description="The school calendar; `on` picks the term a day falls in")
    async def terms(
        self, info: Ctx, on: dt.date | None = None, first: int = 20, after: str | None = None
    ) -> Connection[Term] | None:
        return await page(
            info.context,
            "directory",
            f"/schools/{self.school_id}/terms",
            Term,
            "term_id",
            first,
            after,
            on=on.isoformat() if on else None,
        )


@strawberry.type
class Term:
    term_id: strawberry.ID
    school_id: strawberry.ID
    name: str
    starts_on: dt.date
    ends_on: dt.date


@strawberry.type
class Campus:
    campus_id: strawberry.ID
    school_id: strawberry.ID
    district_id: strawberry.ID
    name: str
    address: str = ""
    closed: bool = False
    students: int = 0

    @strawberry.field
    async def classes(self, info: Ctx, first: int = 100, after: str | None = None) -> Connection[SchoolClass] | None:
        return await classes_page(info, self.campus_id, first, after)

    @strawberry.field(description="Inspections due and overdue, open hazards, drills and agreements")
    async def inspection_status(
        self, info: Ctx
    ) -> Annotated[CampusSafety, strawberry.lazy("gateway.types.safety")] | None:
        from gateway.types.safety import campus_safety_loader

        loaded: CampusSafety | None = await info.context.loader("campus_safety", campus_safety_loader).load(
            str(self.campus_id)
        )
        return loaded

    @strawberry.field(description="Stock per item on this campus (the inventory counts)")
    async def stock(
        self, info: Ctx, first: int = 100, after: str | None = None, below_reorder_point: bool = False
    ) -> Connection[Annotated[StockLine, strawberry.lazy("gateway.types.inventory")]] | None:
        from gateway.types.inventory import stock_page

        return await stock_page(info.context, str(self.campus_id), below_reorder_point, first, after)


@strawberry.type
class ClassTeacher:
    staff_id: strawberry.ID
    subject: str


@strawberry.type
class SchoolClass:
    class_id: strawberry.ID
    campus_id: strawberry.ID
    school_id: strawberry.ID
    district_id: strawberry.ID
    name: str
    grade: int
    class_teacher_id: strawberry.ID | None = None
    students: int = 0
    teachers: list[ClassTeacher] = strawberry.field(default_factory=list)

    @strawberry.field
    def campus(self, info: Ctx) -> Campus | None:
        return load_campus(info, str(self.campus_id))


@strawberry.type
class StaffMember:
    staff_id: strawberry.ID
    district_id: strawberry.ID
    school_id: strawberry.ID | None
    name: str
    roles: list[str]
    campus_ids: list[strawberry.ID]
    active: bool


@strawberry.type
class Student:
    student_id: strawberry.ID
    class_id: strawberry.ID
    campus_id: strawberry.ID
    school_id: strawberry.ID
    name: str
    admission: str
    enrolled_on: dt.date
    active: bool


async def classes_page(
    info: Ctx, campus_id: strawberry.ID | None, first: int, after: str | None
) -> Connection[SchoolClass] | None:
    """A page of classes (of one campus, or all in scope), with their campuses when asked for."""
    return await page(
        info.context, "directory", "/classes", SchoolClass, "class_id", first, after,
        campus_id=campus_id, then=with_campuses(info),
    )  # fmt: skip


def campus_loader(context: GatewayContext) -> DataLoader[str, Campus | None]:
    """Campuses by id: one call to the directory for all the campuses a query names (none
    for those the same token was answered within ``campus_cache_ttl_s``: ``gateway.memo``)."""

    memo, token = context.campus_memo, context.caller.authorization

    async def load(ids: list[str]) -> list[Campus | None]:
        found: dict[str, Campus | None] = {}
        if memo is not None:
            found = {i: kept for i in ids if (kept := memo.get(token, i)) is not None}
        missing = sorted(set(ids) - found.keys())
        if missing:
            body = await get(context, "directory", "/campuses", ids=",".join(missing), limit=500)
            for item in body["items"]:
                campus = found[item["campus_id"]] = row(Campus, item)
                if memo is not None:
                    memo.put(token, campus.campus_id, campus)
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


_UNKNOWN = object()


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
    return cast("Campus | None", info.context.loader("campus", campus_loader).load(campus_id))


def with_campuses(info: Ctx) -> Prefetch | None:
    """For a page whose query asks for its items' campus: fetches those campuses with the
    page, in one call to the directory (the same dataloader, so still one call a request)."""
    return _fetch_campuses if selects(info, "campus") else None


async def _fetch_campuses(context: GatewayContext, nodes: list[Any]) -> None:
    ids = sorted({str(node.campus_id) for node in nodes} - context.campuses.keys())
    if not ids:
        return
    try:
        found = await context.loader("campus", campus_loader).load_many(ids)
    except Exception:  # each item's campus asks again, through the same loader, and reports its own error
        return
    context.campuses.update(zip(ids, found, strict=True))


@strawberry.type
class DirectoryQuery:
    @strawberry.field
    async def districts(self, info: Ctx, first: int = 100, after: str | None = None) -> Connection[District] | None:
        return await page(info.context, "directory", "/districts", District, "district_id", first, after)

    @strawberry.field
    async def schools(
        self, info: Ctx, district_id: strawberry.ID | None = None, first: int = 100, after: str | None = None
    ) -> Connection[School] | None:
        return await page(
            info.context, "directory", "/schools", School, "school_id", first, after, district_id=district_id
        )

    @strawberry.field
    async def campuses(
        self, info: Ctx, school_id: strawberry.ID | None = None, first: int = 100, after: str | None = None
    ) -> Connection[Campus] | None:
        return await page(
            info.context, "directory", "/campuses", Campus, "campus_id", first, after, school_id=school_id
        )

    @strawberry.field
    async def campus(self, info: Ctx, campus_id: strawberry.ID) -> Campus | None:
        return await one(info.context, "directory", f"/campuses/{campus_id}", Campus)

    @strawberry.field
    async def classes(
        self, info: Ctx, campus_id: strawberry.ID | None = None, first: int = 100, after: str | None = None
    ) -> Connection[SchoolClass] | None:
        return await classes_page(info, campus_id, first, after)

    @strawberry.field
    async def staff(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        role: str | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[StaffMember] | None:
        return await page(
            info.context, "directory", "/staff", StaffMember, "staff_id", first, after, campus_id=campus_id, role=role
        )

    @strawberry.field
    async def students(
        self, info: Ctx, class_id: strawberry.ID | None = None, first: int = 100, after: str | None = None
    ) -> Connection[Student] | None:
        return await page(
            info.context, "directory", "/students", Student, "student_id", first, after, class_id=class_id
        )
