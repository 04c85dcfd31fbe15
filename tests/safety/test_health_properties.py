"""Property tests of the health records' decider: only the teachers told of a special condition
acknowledge it.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import strategies as st

from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from services.safety import health as hr
from services.safety.events import (
    SAFETY_EVENTS,
    HealthRecordOpened,
    HealthRecordReviewed,
    SpecialConditionAcknowledged,
    SpecialConditionRecorded,
)
from tests.deciders import when
from tests.properties import (
    QUIET,
    TENANT,
    TEXTS,
    DeciderMachine,
    days,
    machine,
    machine_ids,
    refused_only_when,
    run_machine,
    school_day,
    step,
)

pytestmark = QUIET


TEACHERS = ["huang", "sun", "zhu"]
CONDITIONS = ["peanut-allergy", "asthma"]
NO_CLASS: dict[str, str] = {}  # the student is no longer in the directory: no class, no teachers
CONDITION_FACTS = st.just(NO_CLASS) | st.builds(
    lambda class_id, teachers: {hr.CLASS_ID: class_id, hr.TEACHERS: ",".join(teachers)},
    st.sampled_from(["g6-1", "g6-2"]),
    st.lists(st.sampled_from(TEACHERS), max_size=3, unique=True),
)


def only_told_teachers_acknowledge(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    assert set(before.conditions) <= set(after.conditions), "a special condition vanished"
    for condition_id, condition in after.conditions.items():
        assert condition.acknowledged <= set(condition.teachers_to_tell)
        was = before.conditions.get(condition_id)
        if was is not None:
            assert condition.teachers_to_tell == was.teachers_to_tell and was.acknowledged <= condition.acknowledged
    if before.opened:
        assert (after.class_id, after.admission) == (before.class_id, before.admission)
    (event,) = events
    cmd = rc.command
    match event:
        case HealthRecordOpened():
            assert not before.opened
            assert (event.class_id, event.admission) == (rc.facts[hr.CLASS_ID], rc.facts[hr.ADMISSION])
        case HealthRecordReviewed():
            assert event.reviewed_by == rc.actor and after.reviews == before.reviews + 1
            assert event.reviewed_on >= before.opened_on, "reviewed before the record was opened"
            if cmd.on is not None:
                assert event.reviewed_on == cmd.on
            else:  # the day at the school it is recorded
                assert event.reviewed_on == school_day(rc.at)
        case SpecialConditionRecorded():
            assert before.opened and event.condition_id not in before.conditions
            told = {t for t in rc.facts.get(hr.TEACHERS, "").split(",") if t}
            assert event.teachers_to_tell == sorted(told), "not every teacher of the class is told"
            assert event.class_id == (rc.facts.get(hr.CLASS_ID) or before.class_id)
            assert event.filed_at == rc.at and rc.on >= before.opened_on
        case SpecialConditionAcknowledged():
            condition = before.conditions[event.condition_id]
            assert event.teacher_id == rc.actor
            assert rc.actor in condition.teachers_to_tell and rc.actor not in condition.acknowledged
            assert event.acknowledged_at >= condition.filed_at, "acknowledged before it was filed"
        case _:
            raise AssertionError(f"unexpected {event!r}")


def health_allowed(rc: Resolved[Any], state: Any) -> bool:
    cmd = rc.command
    if isinstance(cmd, hr.OpenHealthRecord):
        return not state.opened
    if not state.opened:
        return False
    if isinstance(cmd, hr.RecordSpecialCondition):
        return cmd.condition_id not in state.conditions and rc.on >= state.opened_on
    if isinstance(cmd, hr.AcknowledgeSpecialCondition):
        condition = state.conditions.get(cmd.condition_id)
        told = condition is not None and rc.actor in set(condition.teachers_to_tell) - condition.acknowledged
        return told and rc.at >= condition.filed_at
    return bool(rc.on >= state.opened_on)


HEALTH_CREATE = st.builds(
    lambda cmd, admission: (cmd, {hr.CLASS_ID: "g6-1", hr.ADMISSION: admission}),
    st.builds(
        hr.OpenHealthRecord,
        student_id=st.just("yao"),
        on=days(),
        form_ref=st.sampled_from(["", "forms/health/yao.pdf"]),
    ),
    st.sampled_from(["new", "transfer"]),
)
HEALTH = machine(
    "HealthRecordMachine",
    hr.HealthRecord,
    SAFETY_EVENTS,
    "yao",
    st.one_of(
        HEALTH_CREATE,
        step(st.builds(hr.ReviewHealthRecord, notes=TEXTS, on=st.none() | days())),
        st.tuples(
            st.builds(
                hr.RecordSpecialCondition,
                condition_id=st.sampled_from(CONDITIONS),
                description=st.just("花生过敏"),
                care_instructions=st.just("避免含花生食物"),
            ),
            CONDITION_FACTS,
        ),
        step(st.builds(hr.AcknowledgeSpecialCondition, condition_id=st.sampled_from([*CONDITIONS, "epilepsy"]))),
    ),
    ["qian-medical", *TEACHERS],
    check=only_told_teachers_acknowledge,
    create=HEALTH_CREATE,
    on_refusal=refused_only_when(health_allowed),
)


def test_a_review_without_a_day_is_dated_at_the_school() -> None:
    """The HealthRecordMachine's shrunk example: the record opened, a review at 00:00 at the school."""
    opened = HealthRecordOpened(student_id="yao", class_id="g6-1", admission="new", opened_on=date(2020, 9, 1))
    at = datetime(2020, 9, 1, 16, 0, tzinfo=UTC)  # 2020-09-02 00:00 at the school
    review = hr.ReviewHealthRecord()
    (event,) = when(
        hr.HealthRecord, review, given=[opened], tenant=TENANT, entity_id="yao", actor="qian-medical", at=at
    )
    assert isinstance(event, HealthRecordReviewed)
    assert event.reviewed_on == date(2020, 9, 2)


MACHINES = [HEALTH]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
