"""The directory's types: districts, schools and their terms, classes, staff, students and parents.
(The campus row is the directory's part of ``Campus``: ``gateway.directory.campus``.)"""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from gateway.clients import service_path
from gateway.common.campuses import CampusRef, campus_at_once, load_campus
from gateway.common.enums import Admission, Role
from gateway.common.history import HISTORY, HistoryEntry, history_of
from gateway.common.nodes import Node
from gateway.common.pages import Connection, page
from gateway.context import GatewayContext

Ctx = Info[GatewayContext, None]


@strawberry.type(description="A school district (区教育局): the schools it runs")
class District:
    district_id: strawberry.ID
    name: str

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "directory", f"district-{self.district_id}", first)


@strawberry.type(description="A school of a district; its campuses share its catalogue and calendar")
class School:
    school_id: strawberry.ID
    district_id: strawberry.ID
    name: str

    @strawberry.field(description="The school calendar; `on` picks the term a day falls in")
    async def terms(
        self, info: Ctx, on: dt.date | None = None, first: int = 20, after: str | None = None
    ) -> Connection[Term] | None:
        return await page(
            info,
            "directory",
            service_path("/schools/{school_id}/terms", school_id=self.school_id),
            Term,
            "term_id",
            first,
            after,
            on=on.isoformat() if on else None,
        )

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "directory", f"school-{self.school_id}", first)


@strawberry.type(description="A term of a school's calendar")
class Term:
    term_id: strawberry.ID
    school_id: strawberry.ID
    name: str
    starts_on: dt.date = strawberry.field(description="Its first day")
    ends_on: dt.date = strawberry.field(description="Its last day")


@strawberry.type(description="A teacher of a class and the subject they teach it")
class ClassTeacher:
    staff_id: strawberry.ID
    subject: str = strawberry.field(description="The subject they teach the class")


@strawberry.type(description="A class (班级) of a campus: its grade, teachers and headcount")
class SchoolClass(Node):
    class_id: strawberry.ID
    campus_id: strawberry.ID
    school_id: strawberry.ID
    district_id: strawberry.ID
    name: str
    grade: int = strawberry.field(description="The grade (1 to 12)")
    class_teacher_id: strawberry.ID | None = strawberry.field(default=None, description="The head teacher (班主任)")
    students: int = strawberry.field(default=0, description="Students in the class now")
    teachers: list[ClassTeacher] = strawberry.field(
        description="The class's teachers and their subjects", default_factory=list
    )

    @strawberry.field
    @campus_at_once
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "directory", f"class-{self.class_id}", first)


@strawberry.type(description="A member of staff of a district (or of one school), with their roles and campuses")
class StaffMember:
    staff_id: strawberry.ID
    district_id: strawberry.ID
    school_id: strawberry.ID | None
    name: str
    roles: list[Role]
    campus_ids: list[strawberry.ID]
    active: bool = strawberry.field(description="Still on the staff")

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "directory", f"staff-{self.staff_id}", first)


@strawberry.type(description="A student of a class")
class Student:
    student_id: strawberry.ID
    class_id: strawberry.ID
    campus_id: strawberry.ID
    school_id: strawberry.ID
    name: str
    admission: Admission
    enrolled_on: dt.date = strawberry.field(description="The day the student was enrolled")
    active: bool = strawberry.field(description="Still at the school")

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
    children: list[ParentChild] = strawberry.field(description="The parent's children at the school")

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "directory", f"parent-{self.parent_id}", first)
