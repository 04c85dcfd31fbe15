"""Schools and their calendar: given events, when a command, then events or a refusal."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from services.directory.events import SchoolRegistered, TermScheduled
from services.directory.school import RegisterSchool, ScheduleTerm, School, SchoolState, Term, term_on
from services.eventkit.envelope import TenantPath
from tests.deciders import Stream

XUEXIAO = TenantPath(district_id="xinbei", school_id="xuexiao")

SCHOOL = SchoolRegistered(school_id="xuexiao", district_id="xinbei", name="薛家实验小学")
AUTUMN_2020 = TermScheduled(
    school_id="xuexiao",
    term_id="2020-2021-1",
    name="2020-2021学年第一学期",
    starts_on=date(2020, 9, 1),
    ends_on=date(2021, 1, 31),
)

school = Stream(School, XUEXIAO, "xuexiao")


def term(term_id: str, starts_on: date, ends_on: date, name: str = "学期") -> ScheduleTerm:
    return ScheduleTerm(term_id=term_id, name=name, starts_on=starts_on, ends_on=ends_on)


def test_a_school_is_registered_in_its_district() -> None:
    cmd = RegisterSchool(school_id="xuexiao", district_id="xinbei", name="薛家实验小学")
    assert school.when(cmd) == [SCHOOL]
    assert school.given(SCHOOL) == SchoolState(exists=True, district_id="xinbei", name="薛家实验小学")


def test_a_school_is_registered_once() -> None:
    cmd = RegisterSchool(school_id="xuexiao", district_id="xinbei", name="薛家实验小学")
    school.refused(cmd, given=[SCHOOL], field="school_id")


def test_a_term_is_scheduled() -> None:
    cmd = term("2020-2021-1", date(2020, 9, 1), date(2021, 1, 31), name="2020-2021学年第一学期")
    assert school.when(cmd, given=[SCHOOL]) == [AUTUMN_2020]


def test_a_term_needs_a_registered_school() -> None:
    cmd = term("2020-2021-1", date(2020, 9, 1), date(2021, 1, 31))
    school.refused(cmd)


def test_the_next_term_follows_without_overlap() -> None:
    cmd = term("2020-2021-2", date(2021, 2, 20), date(2021, 7, 10))
    events = school.when(cmd, given=[SCHOOL, AUTUMN_2020])
    assert events == [
        TermScheduled(
            school_id="xuexiao",
            term_id="2020-2021-2",
            name="学期",
            starts_on=date(2021, 2, 20),
            ends_on=date(2021, 7, 10),
        )
    ]


@pytest.mark.parametrize(
    ("starts_on", "ends_on"),
    [
        (date(2021, 1, 31), date(2021, 6, 30)),  # starts on the last day of the autumn term
        (date(2020, 7, 1), date(2020, 9, 1)),  # ends on its first day
        (date(2020, 10, 1), date(2020, 11, 1)),  # inside it
        (date(2020, 8, 1), date(2021, 3, 1)),  # around it
    ],
)
def test_an_overlapping_term_is_refused(starts_on: date, ends_on: date) -> None:
    cmd = term("other", starts_on, ends_on)
    school.refused(cmd, given=[SCHOOL, AUTUMN_2020], field="starts_on")


def test_a_term_id_is_scheduled_once() -> None:
    cmd = term("2020-2021-1", date(2022, 9, 1), date(2023, 1, 31))
    school.refused(cmd, given=[SCHOOL, AUTUMN_2020], field="term_id")


@pytest.mark.parametrize("ends_on", [date(2020, 9, 1), date(2020, 8, 31)])
def test_a_term_ends_after_it_starts(ends_on: date) -> None:
    with pytest.raises(ValidationError) as invalid:
        term("t1", date(2020, 9, 1), ends_on)
    [error] = invalid.value.errors()
    assert error["loc"] == ("ends_on",)
    assert "ends_on must be after starts_on" in error["msg"]


def test_terms_are_kept_in_calendar_order() -> None:
    spring = TermScheduled(
        school_id="xuexiao", term_id="2019-2020-2", name="春", starts_on=date(2020, 2, 10), ends_on=date(2020, 7, 5)
    )
    state = school.given(SCHOOL, AUTUMN_2020, spring)
    assert [t.term_id for t in state.terms] == ["2019-2020-2", "2020-2021-1"]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2020, 9, 1), "2020-2021-1"),
        (date(2020, 10, 1), "2020-2021-1"),
        (date(2021, 1, 31), "2020-2021-1"),
        (date(2020, 8, 31), None),
        (date(2021, 2, 1), None),
    ],
)
def test_term_on_a_day(day: date, expected: str | None) -> None:
    state = school.given(SCHOOL, AUTUMN_2020)
    found = term_on(state, day)
    assert (found.term_id if found else None) == expected
    if found:
        assert found == Term("2020-2021-1", "2020-2021学年第一学期", date(2020, 9, 1), date(2021, 1, 31))
