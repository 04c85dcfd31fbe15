"""The directory's events: the contract other services read from ``houqin.directory.events``.

Wire names are stable; a change of shape is a new schema version with an upcaster.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from services.eventkit.auth import Role
from services.eventkit.envelope import DomainEvent, Envelope, EventRegistry

DIRECTORY_EVENTS = EventRegistry()
event = DIRECTORY_EVENTS.register


class Admission(StrEnum):
    NEW = "new"  # 新生
    TRANSFER = "transfer"  # 插班生


@event("directory.DistrictRegistered")
class DistrictRegistered(DomainEvent):
    district_id: str
    name: str


@event("directory.SchoolRegistered")
class SchoolRegistered(DomainEvent):
    school_id: str
    district_id: str
    name: str


@event("directory.TermScheduled")
class TermScheduled(DomainEvent):
    school_id: str
    term_id: str
    name: str
    starts_on: date
    ends_on: date


@event("directory.CampusOpened", version=2)
class CampusOpened(DomainEvent):
    campus_id: str
    school_id: str
    district_id: str
    name: str
    address: str = ""


@DIRECTORY_EVENTS.upcaster("directory.CampusOpened", from_version=1)
def _campus_opened_v1(data: dict[str, object]) -> dict[str, object]:
    """v1 had no address."""
    return {**data, "address": ""}


@event("directory.CampusRenamed")
class CampusRenamed(DomainEvent):
    campus_id: str
    name: str


@event("directory.CampusClosed")
class CampusClosed(DomainEvent):
    campus_id: str
    reason: str


@event("directory.ClassOpened")
class ClassOpened(DomainEvent):
    class_id: str
    campus_id: str
    school_id: str
    district_id: str
    name: str
    grade: int


@event("directory.TeacherAssigned")
class TeacherAssigned(DomainEvent):
    class_id: str
    staff_id: str
    subject: str
    is_class_teacher: bool = False


@event("directory.TeacherUnassigned")
class TeacherUnassigned(DomainEvent):
    class_id: str
    staff_id: str


@event("directory.StaffJoined", version=2)
class StaffJoined(DomainEvent):
    staff_id: str
    district_id: str
    school_id: str | None
    name: str
    roles: list[Role]
    joined_at: datetime
    campus_ids: list[str] = Field(default_factory=list)
    phone: str = ""


@DIRECTORY_EVENTS.upcaster_with_envelope("directory.StaffJoined", from_version=1)
def _staff_joined_v1(data: dict[str, object], envelope: Envelope) -> dict[str, object]:
    """v1 had no time of its own: the staff member joined when the event was recorded."""
    return {**data, "joined_at": (envelope.recorded_at or envelope.occurred_at).isoformat()}


@event("directory.StaffRolesChanged")
class StaffRolesChanged(DomainEvent):
    staff_id: str
    roles: list[Role]
    campus_ids: list[str]


@event("directory.StaffLeft")
class StaffLeft(DomainEvent):
    staff_id: str
    left_on: date
    reason: str


@event("directory.StudentEnrolled")
class StudentEnrolled(DomainEvent):
    student_id: str
    name: str
    class_id: str
    campus_id: str
    school_id: str
    district_id: str
    admission: Admission
    enrolled_on: date


@event("directory.StudentMovedClass")
class StudentMovedClass(DomainEvent):
    student_id: str
    from_class_id: str
    to_class_id: str
    campus_id: str
    moved_on: date


@event("directory.StudentLeft")
class StudentLeft(DomainEvent):
    student_id: str
    class_id: str
    left_on: date
    reason: str


@event("directory.ParentRegistered")
class ParentRegistered(DomainEvent):
    parent_id: str
    district_id: str
    school_id: str
    name: str
    phone: str = ""


@event("directory.ParentLinked")
class ParentLinked(DomainEvent):
    parent_id: str
    student_id: str
    class_id: str
    relation: str
