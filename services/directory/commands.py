"""The directory's commands: also the request bodies of its command endpoints."""

from __future__ import annotations

from datetime import date

from pydantic import Field, ValidationInfo, field_validator

from services.directory.events import Admission
from services.eventkit.auth import Role
from services.eventkit.commands import Command, EntityId, Name


class RegisterDistrict(Command):
    district_id: EntityId
    name: Name


class RegisterSchool(Command):
    school_id: EntityId
    district_id: EntityId
    name: Name


class ScheduleTerm(Command):
    term_id: EntityId
    name: Name
    starts_on: date
    ends_on: date

    @field_validator("ends_on")
    @classmethod
    def _ends_after_start(cls, ends_on: date, info: ValidationInfo) -> date:
        # A field validator (not a model one), so that the error names ends_on.
        starts_on = info.data.get("starts_on")
        if starts_on is not None and ends_on <= starts_on:
            raise ValueError("ends_on must be after starts_on")
        return ends_on


class OpenCampus(Command):
    campus_id: EntityId
    school_id: EntityId
    name: Name
    address: str = Field(default="", max_length=300)


class RenameCampus(Command):
    name: Name


class CloseCampus(Command):
    reason: Name


class OpenClass(Command):
    class_id: EntityId
    campus_id: EntityId
    name: Name = Field(examples=["六1班"])
    grade: int = Field(ge=1, le=12)


class AssignTeacher(Command):
    staff_id: EntityId
    subject: Name = Field(examples=["语文"])
    is_class_teacher: bool = False


class UnassignTeacher(Command):
    staff_id: EntityId


class JoinStaff(Command):
    staff_id: EntityId
    school_id: EntityId | None = Field(default=None, description="Omit for district-level staff")
    district_id: EntityId
    name: Name
    roles: list[Role] = Field(min_length=1)
    campus_ids: list[EntityId] = Field(default_factory=list)
    phone: str = Field(default="", max_length=40)


class ChangeStaffRoles(Command):
    roles: list[Role] = Field(min_length=1)
    campus_ids: list[EntityId] = Field(default_factory=list)


class LeaveStaff(Command):
    left_on: date
    reason: Name


class EnrollStudent(Command):
    student_id: EntityId
    name: Name
    class_id: EntityId
    admission: Admission
    enrolled_on: date


class MoveStudent(Command):
    to_class_id: EntityId
    moved_on: date


class StudentLeaves(Command):
    left_on: date
    reason: Name


class RegisterParent(Command):
    parent_id: EntityId
    school_id: EntityId
    name: Name
    phone: str = Field(default="", max_length=40)


class LinkParent(Command):
    student_id: EntityId
    relation: Name = Field(examples=["mother"])
