"""The directory's fields of the root Query."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from gateway.clients import service_path
from gateway.common.campuses import CampusRef, campus_type
from gateway.common.enums import Role
from gateway.common.pages import Connection, one, page
from gateway.context import GatewayContext
from gateway.directory.loaders import classes_page
from gateway.directory.types import District, Parent, School, SchoolClass, StaffMember, Student

Ctx = Info[GatewayContext, None]


@strawberry.type
class DirectoryQuery:
    @strawberry.field(description="The districts in the caller's scope")
    async def districts(self, info: Ctx, first: int = 100, after: str | None = None) -> Connection[District] | None:
        return await page(info, "directory", "/districts", District, "district_id", first, after)

    @strawberry.field(description="The schools in the caller's scope")
    async def schools(
        self, info: Ctx, district_id: strawberry.ID | None = None, first: int = 100, after: str | None = None
    ) -> Connection[School] | None:
        return await page(info, "directory", "/schools", School, "school_id", first, after, district_id=district_id)

    @strawberry.field(description="The campuses in the caller's scope")
    async def campuses(
        self, info: Ctx, school_id: strawberry.ID | None = None, first: int = 100, after: str | None = None
    ) -> Connection[CampusRef] | None:
        return await page(
            info, "directory", "/campuses", campus_type(info), "campus_id", first, after, school_id=school_id
        )

    @strawberry.field(description="A campus (null: unknown or outside the caller's scope)")
    async def campus(self, info: Ctx, campus_id: strawberry.ID) -> CampusRef | None:
        return await one(
            info.context, "directory", service_path("/campuses/{campus_id}", campus_id=campus_id), campus_type(info)
        )

    @strawberry.field(description="The classes in the caller's scope (with their teachers and headcount)")
    async def classes(
        self, info: Ctx, campus_id: strawberry.ID | None = None, first: int = 100, after: str | None = None
    ) -> Connection[SchoolClass] | None:
        return await classes_page(info, campus_id, first, after)

    @strawberry.field(description="The staff in the caller's scope, by campus and role")
    async def staff(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        role: Role | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[StaffMember] | None:
        return await page(
            info, "directory", "/staff", StaffMember, "staff_id", first, after, campus_id=campus_id, role=role
        )

    @strawberry.field(description="Students in the caller's scope, or of the classes the caller teaches")
    async def students(
        self, info: Ctx, class_id: strawberry.ID | None = None, first: int = 100, after: str | None = None
    ) -> Connection[Student] | None:
        return await page(info, "directory", "/students", Student, "student_id", first, after, class_id=class_id)

    @strawberry.field(description="Parents of the schools in scope, with their children")
    async def parents(
        self,
        info: Ctx,
        school_id: strawberry.ID | None = None,
        student_id: strawberry.ID | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[Parent] | None:
        return await page(
            info, "directory", "/parents", Parent, "parent_id", first, after,
            school_id=school_id, student_id=student_id,
        )  # fmt: skip

    @strawberry.field(description="A parent, with their children (null: unknown or outside the caller's scope)")
    async def parent(self, info: Ctx, parent_id: strawberry.ID) -> Parent | None:
        return await one(info.context, "directory", service_path("/parents/{parent_id}", parent_id=parent_id), Parent)
