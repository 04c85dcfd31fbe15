"""A service's JSON row becomes a typed strawberry object: known fields only, converted."""

from __future__ import annotations

import datetime as dt

import strawberry

from gateway.common.pages import row
from gateway.directory.types import ClassTeacher, SchoolClass
from gateway.safety.types import Hazard

HAZARD = {
    "hazard_id": "h1",
    "campus_id": "main",
    "area": "教学楼",
    "description": "外墙墙砖脱落",
    "severity": "high",
    "status": "reported",
    "photo_ref": None,
    "reported_by": "wang",
    "reported_at": "2020-10-12T08:30:00+08:00",
    "inspection_id": None,
    "assignee_id": None,
    "escalated": False,
    "authority": None,
    "escalated_at": None,
    "rectified_by": None,
    "rectified_at": None,
    "closed_at": "2020-10-13T09:00:00+08:00",
    "verified_by": "li",
    "reopened": 0,
    "age_days": 1.02,
    "breaches_sla": False,
    "open": False,
    "not_a_field": "ignored",
}


def test_times_are_parsed_nulls_kept_and_unknown_fields_dropped() -> None:
    for _ in range(2):  # the second time from the per-type plan
        hazard = row(Hazard, HAZARD)
        assert hazard.reported_at == dt.datetime(2020, 10, 12, 0, 30, tzinfo=dt.UTC)
        assert hazard.closed_at is not None and hazard.closed_at.utcoffset() == dt.timedelta(hours=8)
        assert hazard.escalated_at is None and hazard.photo_ref is None
        assert (hazard.age_days, hazard.reopened, hazard.escalated) == (1.02, 0, False)
        assert not hasattr(hazard, "not_a_field")


def test_nested_lists_of_types_become_objects() -> None:
    cls = row(
        SchoolClass,
        {"class_id": "c1", "campus_id": "main", "school_id": "s", "district_id": "d", "name": "六1班", "grade": 6,
         "teachers": [{"staff_id": "t1", "subject": "语文"}, {"staff_id": "t2", "subject": "数学"}]},
    )  # fmt: skip
    assert cls.teachers == [
        ClassTeacher(staff_id=strawberry.ID("t1"), subject="语文"),
        ClassTeacher(staff_id=strawberry.ID("t2"), subject="数学"),
    ]
    assert cls.students == 0 and cls.class_teacher_id is None  # defaults where the row is silent
