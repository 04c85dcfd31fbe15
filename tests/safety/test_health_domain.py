"""Health records: given events, when a command, then events or a refusal."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from services.eventkit.acts import OutOfOrder
from services.eventkit.envelope import TenantPath
from services.safety.events import (
    HealthRecordOpened,
    HealthRecordReviewed,
    SpecialConditionAcknowledged,
    SpecialConditionRecorded,
)
from services.safety.health import (
    ADMISSION,
    CLASS_ID,
    TEACHERS,
    AcknowledgeSpecialCondition,
    ConditionState,
    HealthRecord,
    HealthRecordState,
    OpenHealthRecord,
    RecordSpecialCondition,
    ReviewHealthRecord,
)
from tests.deciders import Stream

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
AT = datetime(2020, 9, 3, 9, 0, tzinfo=UTC)

OPENED = HealthRecordOpened(
    student_id="yao", class_id="g6-1", admission="transfer", opened_on=date(2020, 9, 1), form_ref="forms/yao.pdf"
)
PEANUTS = SpecialConditionRecorded(
    student_id="yao",
    class_id="g6-1",
    condition_id="peanuts",
    description="花生过敏",
    care_instructions="避免含花生食物",
    teachers_to_tell=["huang", "sun"],
    filed_at=AT,
)
HUANG_KNOWS = SpecialConditionAcknowledged(
    student_id="yao", condition_id="peanuts", teacher_id="huang", acknowledged_at=AT
)


record = Stream(HealthRecord, MAIN, "yao", actor="doctor-he", at=AT)


CLASS = {CLASS_ID: "g6-1"}
OPEN = OpenHealthRecord(student_id="yao", on=date(2020, 9, 1), form_ref="forms/yao.pdf")
RECORD_PEANUTS = RecordSpecialCondition(
    condition_id="peanuts", description="花生过敏", care_instructions="避免含花生食物"
)


# -- open --------------------------------------------------------------------------------


def test_a_record_is_opened_with_the_class_and_admission_the_directory_knows() -> None:
    assert record.when(OPEN, facts=CLASS | {ADMISSION: "transfer"}) == [OPENED]


def test_a_record_is_opened_once() -> None:
    record.refused(OPEN, given=[OPENED], facts=CLASS | {ADMISSION: "transfer"}, field="student_id")


# -- review ------------------------------------------------------------------------------


def test_the_medical_room_reviews_the_form() -> None:
    events = record.when(ReviewHealthRecord(notes="体检表齐全", on=date(2020, 9, 2)), given=[OPENED])
    assert events == [
        HealthRecordReviewed(
            student_id="yao", reviewed_by="doctor-he", reviewed_on=date(2020, 9, 2), notes="体检表齐全"
        )
    ]


def test_a_review_without_a_day_is_dated_the_day_it_arrives() -> None:
    (event,) = record.when(ReviewHealthRecord(), given=[OPENED])
    assert isinstance(event, HealthRecordReviewed)
    assert event.reviewed_on == AT.date()


def test_no_review_without_a_record() -> None:
    record.refused(ReviewHealthRecord(notes="?"))


# -- special conditions ------------------------------------------------------------------


def test_a_special_condition_tells_the_teachers_of_the_class_now() -> None:
    events = record.when(RECORD_PEANUTS, given=[OPENED], facts=CLASS | {TEACHERS: "sun,huang"})
    assert events == [PEANUTS]


def test_a_special_condition_goes_with_the_class_the_student_is_in_now() -> None:
    (event,) = record.when(RECORD_PEANUTS, given=[OPENED], facts={CLASS_ID: "g6-2", TEACHERS: "qian"})
    assert isinstance(event, SpecialConditionRecorded)
    assert (event.class_id, event.teachers_to_tell) == ("g6-2", ["qian"])


def test_a_condition_is_filed_once() -> None:
    record.refused(RECORD_PEANUTS, given=[OPENED, PEANUTS], facts=CLASS | {TEACHERS: "huang"}, field="condition_id")


def test_a_condition_needs_a_description_and_care_instructions() -> None:
    with pytest.raises(ValidationError):
        RecordSpecialCondition(condition_id="x1", description="", care_instructions="休息")
    with pytest.raises(ValidationError):
        RecordSpecialCondition(condition_id="x1", description="哮喘", care_instructions=" ")


def test_a_teacher_told_acknowledges() -> None:
    events = record.when(AcknowledgeSpecialCondition(condition_id="peanuts"), given=[OPENED, PEANUTS], actor="huang")
    assert events == [HUANG_KNOWS]


def test_acknowledging_twice_is_refused() -> None:
    record.refused(
        AcknowledgeSpecialCondition(condition_id="peanuts"), given=[OPENED, PEANUTS, HUANG_KNOWS], actor="huang"
    )


def test_a_teacher_not_of_the_class_cannot_acknowledge() -> None:
    record.refused(AcknowledgeSpecialCondition(condition_id="peanuts"), given=[OPENED, PEANUTS], actor="zhu")


def test_acknowledging_an_unknown_condition_is_refused() -> None:
    record.refused(
        AcknowledgeSpecialCondition(condition_id="asthma"), given=[OPENED, PEANUTS], actor="huang", field="condition_id"
    )


# -- state -------------------------------------------------------------------------------


def test_health_record_state_and_stream() -> None:
    reviewed = HealthRecordReviewed(student_id="yao", reviewed_by="doctor-he", reviewed_on=date(2020, 9, 2))
    state = record.given(OPENED, reviewed, PEANUTS, HUANG_KNOWS)
    assert state == HealthRecordState(
        opened=True,
        class_id="g6-1",
        admission="transfer",
        reviews=1,
        conditions={"peanuts": ConditionState(("huang", "sun"), frozenset({"huang"}), filed_at=AT)},
        opened_on=date(2020, 9, 1),
    )
    assert HealthRecord.stream_id("yao") == "health-record-yao"


# -- the time of each act ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "given", "field", "step", "step_time"),
    [
        (ReviewHealthRecord(on=date(2020, 8, 31)), [OPENED], "on", "opened", date(2020, 9, 1)),
        (
            RECORD_PEANUTS.model_copy(update={"at": datetime(2020, 8, 31, 2, 0, tzinfo=UTC)}),
            [OPENED],
            "at",
            "opened",
            date(2020, 9, 1),
        ),
        (
            AcknowledgeSpecialCondition(condition_id="peanuts", at=AT - timedelta(minutes=5)),
            [OPENED, PEANUTS],
            "at",
            "recorded",
            AT,
        ),
    ],
)
def test_no_step_is_dated_before_the_step_it_follows(
    command: Any, given: list[Any], field: str, step: str, step_time: object
) -> None:
    refusal = record.refused(
        command, given=given, actor="huang", facts=CLASS | {TEACHERS: "huang"}, field=field, raises=OutOfOrder
    )
    assert isinstance(refusal, OutOfOrder) and refusal.step == step and refusal.step_time == step_time


def test_a_condition_filed_earlier_is_dated_by_its_own_time() -> None:
    morning = datetime(2020, 9, 2, 1, 30, tzinfo=UTC)
    (event,) = record.when(RECORD_PEANUTS.model_copy(update={"at": morning}), given=[OPENED], facts=CLASS)
    assert isinstance(event, SpecialConditionRecorded) and event.filed_at == morning
