"""The directory's types: districts, schools and their terms, classes, staff, students and parents.
(The campus row is the directory's part of ``Campus``: ``gateway.directory.campus``.)"""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from gateway.common.campuses import CampusRef, load_campus
from gateway.common.enums import Admission, Role
from gateway.common.history import HISTORY, HistoryEntry, history_of
from gateway.common.nodes import Node
from gateway.common.pages import Connection, page
from gateway.context import GatewayContext

Ctx = Info[GatewayContext, None]


@strawberry.type
class District:
    district_id: strawberry.ID
    name: str

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "directory", f"district-{self.district_id}", first)


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

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "directory", f"school-{self.school_id}", first)


@strawberry.type
class Term:
    term_id: strawberry.ID
    school_id: strawberry.ID
    name: str
    starts_on: dt.date
    ends_on: dt.date


@strawberry.type
class ClassTeacher:
    staff_id: strawberry.ID
    subject: str


@strawberry.type
class SchoolClass(Node):
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
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "directory", f"class-{self.class_id}", first)


@strawberry.type
class StaffMember:
    staff_id: strawberry.ID
    district_id: strawberry.ID
    school_id: strawberry.ID | None
    name: str
    roles: list[Role]
    campus_ids: list[strawberry.ID]
    active: bool

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "directory", f"staff-{self.staff_id}", first)


@strawberry.type
class Student:
    student_id: strawberry.ID
    class_id: strawberry.ID
    campus_id: strawberry.ID
    school_id: strawberry.ID
    name: str
    admission: Admission
    enrolled_on: dt.date
    active: bool

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "directory", f"student-{self.student_id}", first)


@strawberry.type(description="A child of a parent, and the class it was in when they were linked")
class ParentChild:
    student_id: strawberry.ID
    class_id: strawberry.ID
    relation: str


@strawberry.type(description="A parent of a school, linked to their children (the directory shows no phone numbers)")
class Parent(Node):
    parent_id: strawberry.ID
    district_id: strawberry.ID
    school_id: strawberry.ID
    name: str
    children: list[ParentChild]

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "directory", f"parent-{self.parent_id}", first)
