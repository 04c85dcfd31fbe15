"""The directory's commands: also the request bodies of its command endpoints."""

from __future__ import annotations

from datetime import date

from pydantic import Field, ValidationInfo, field_validator

from services.directory.events import Admission
from services.eventkit.auth import Role
from services.eventkit.commands import Command, EntityId, Name, examples


class RegisterDistrict(Command):
    model_config = examples({"district_id": "xinbei", "name": "新北区"})

    district_id: EntityId
    name: Name


class RegisterSchool(Command):
    model_config = examples({"school_id": "xuexiao", "district_id": "xinbei", "name": "薛家实验小学"})

    school_id: EntityId
    district_id: EntityId
    name: Name


class ScheduleTerm(Command):
    model_config = examples(
        {"term_id": "2020-2021-1", "name": "2020-2021 第一学期", "starts_on": "2020-09-01", "ends_on": "2021-01-31"}
    )

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
    model_config = examples(
        {"campus_id": "aoyuan", "school_id": "xuexiao", "name": "奥园校区", "address": "常州市新北区"}
    )

    campus_id: EntityId
    school_id: EntityId
    name: Name
    address: str = Field(default="", max_length=300)


class RenameCampus(Command):
    model_config = examples({"name": "奥园校区 (新)"})

    name: Name


class CloseCampus(Command):
    model_config = examples({"reason": "并入本部"})

    reason: Name


class OpenClass(Command):
    model_config = examples({"class_id": "g6-1", "campus_id": "main", "name": "六1班", "grade": 6})

    class_id: EntityId
    campus_id: EntityId
    name: Name = Field(examples=["六1班"])
    grade: int = Field(ge=1, le=12)


class AssignTeacher(Command):
    model_config = examples({"staff_id": "huang", "subject": "语文", "is_class_teacher": True})

    staff_id: EntityId
    subject: Name = Field(examples=["语文"])
    is_class_teacher: bool = False


class UnassignTeacher(Command):
    model_config = examples({"staff_id": "huang"})

    staff_id: EntityId


class JoinStaff(Command):
    model_config = examples(
        {
            "staff_id": "zhou",
            "district_id": "xinbei",
            "school_id": "xuexiao",
            "name": "周主任",
            "roles": ["logistics_manager"],
            "campus_ids": ["main"],
        }
    )

    staff_id: EntityId
    school_id: EntityId | None = Field(default=None, description="Omit for district-level staff")
    district_id: EntityId
    name: Name
    roles: list[Role] = Field(min_length=1)
    campus_ids: list[EntityId] = Field(default_factory=list)
    phone: str = Field(default="", max_length=40)


class ChangeStaffRoles(Command):
    model_config = examples({"roles": ["logistics_manager", "acceptance_member"], "campus_ids": ["main", "aoyuan"]})

    roles: list[Role] = Field(min_length=1)
    campus_ids: list[EntityId] = Field(default_factory=list)


class LeaveStaff(Command):
    model_config = examples({"left_on": "2021-01-31", "reason": "调往他校"})

    left_on: date
    reason: Name


class EnrollStudent(Command):
    model_config = examples(
        {
            "student_id": "yao",
            "name": "姚同学",
            "class_id": "g6-1",
            "admission": "transfer",
            "enrolled_on": "2020-09-01",
        }
    )

    student_id: EntityId
    name: Name
    class_id: EntityId
    admission: Admission
    enrolled_on: date


class MoveStudent(Command):
    model_config = examples({"to_class_id": "g6-2", "moved_on": "2020-10-08"})

    to_class_id: EntityId
    moved_on: date


class StudentLeaves(Command):
    model_config = examples({"left_on": "2021-01-31", "reason": "转学"})

    left_on: date
    reason: Name


class RegisterParent(Command):
    model_config = examples(
        {"parent_id": "yao-mum", "school_id": "xuexiao", "name": "姚妈妈", "phone": "138 0000 0000"}
    )

    parent_id: EntityId
    school_id: EntityId
    name: Name
    phone: str = Field(default="", max_length=40)


class LinkParent(Command):
    model_config = examples({"student_id": "yao", "relation": "mother"})

    student_id: EntityId
    relation: Name = Field(examples=["mother"])
