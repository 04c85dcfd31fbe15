"""What the directory's reads answer: the OpenAPI of each read route names its model here
(the columns of the queries beside it, with their types and which may be null)."""

from __future__ import annotations

from datetime import date

from services.eventkit.queries import Row


class Campus(Row):
    campus_id: str
    school_id: str
    district_id: str
    name: str
    address: str
    closed: bool
    students: int


class ClassTeacher(Row):
    staff_id: str
    subject: str


class SchoolClass(Row):
    """A class with its teachers and headcount."""

    class_id: str
    campus_id: str
    school_id: str
    district_id: str
    name: str
    grade: int
    class_teacher_id: str | None
    students: int
    teachers: list[ClassTeacher]


class Child(Row):
    student_id: str
    class_id: str
    relation: str


class Parent(Row):
    """A parent with their children (no phone number)."""

    parent_id: str
    district_id: str
    school_id: str
    name: str
    children: list[Child]


class District(Row):
    district_id: str
    name: str


class School(Row):
    school_id: str
    district_id: str
    name: str


class Term(Row):
    term_id: str
    school_id: str
    name: str
    starts_on: date
    ends_on: date


class Staff(Row):
    staff_id: str
    district_id: str
    school_id: str | None
    name: str
    roles: list[str]
    campus_ids: list[str]
    active: bool


class Student(Row):
    student_id: str
    class_id: str
    campus_id: str
    school_id: str
    district_id: str
    name: str
    admission: str
    enrolled_on: date
    active: bool
