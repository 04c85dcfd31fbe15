"""Districts, schools (with their calendar) and campuses: given events, when a command, then events or a refusal."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from services.directory.campus import Campus, CampusState, CloseCampus, OpenCampus, RenameCampus
from services.directory.district import District, DistrictState, RegisterDistrict
from services.directory.events import (
    CampusClosed,
    CampusOpened,
    CampusRenamed,
    DistrictRegistered,
    SchoolRegistered,
    TermScheduled,
)
from services.directory.school import RegisterSchool, ScheduleTerm, School, SchoolState, Term, term_on
from services.eventkit.envelope import TenantPath
from tests.deciders import Stream

XINBEI = TenantPath(district_id="xinbei")
XUEXIAO = TenantPath(district_id="xinbei", school_id="xuexiao")
MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")

DISTRICT = DistrictRegistered(district_id="xinbei", name="新北区")
SCHOOL = SchoolRegistered(school_id="xuexiao", district_id="xinbei", name="薛家实验小学")
AUTUMN_2020 = TermScheduled(
    school_id="xuexiao",
    term_id="2020-2021-1",
    name="2020-2021学年第一学期",
    starts_on=date(2020, 9, 1),
    ends_on=date(2021, 1, 31),
)
MAIN_OPENED = CampusOpened(campus_id="main", school_id="xuexiao", district_id="xinbei", name="本部", address="")

district = Stream(District, XINBEI, "xinbei")
school = Stream(School, XUEXIAO, "xuexiao")
campus = Stream(Campus, MAIN, "main")


def term(term_id: str, starts_on: date, ends_on: date, name: str = "学期") -> ScheduleTerm:
    return ScheduleTerm(term_id=term_id, name=name, starts_on=starts_on, ends_on=ends_on)


# -- District ----------------------------------------------------------------------------


def test_a_district_is_registered() -> None:
    cmd = RegisterDistrict(district_id="xinbei", name="新北区")
    assert district.when(cmd) == [DISTRICT]


def test_a_district_is_registered_once() -> None:
    cmd = RegisterDistrict(district_id="xinbei", name="新北区")
    district.refused(cmd, given=[DISTRICT], field="district_id")


def test_district_state_and_stream() -> None:
    assert district.given(DISTRICT) == DistrictState(exists=True, name="新北区")
    assert District.stream_id("xinbei") == "district-xinbei"


# -- School ------------------------------------------------------------------------------


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


# -- Campus ------------------------------------------------------------------------------


def test_a_campus_is_opened_in_the_district_of_its_school() -> None:
    cmd = OpenCampus(campus_id="main", school_id="xuexiao", name="本部")
    assert campus.when(cmd) == [MAIN_OPENED]


def test_a_campus_keeps_its_address() -> None:
    aoyuan = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="aoyuan")
    cmd = OpenCampus(campus_id="aoyuan", school_id="xuexiao", name="奥园校区", address="奥园路1号")
    assert campus.when(cmd, tenant=aoyuan, entity_id="aoyuan") == [
        CampusOpened(
            campus_id="aoyuan", school_id="xuexiao", district_id="xinbei", name="奥园校区", address="奥园路1号"
        )
    ]


def test_a_campus_is_opened_once() -> None:
    cmd = OpenCampus(campus_id="main", school_id="xuexiao", name="本部")
    campus.refused(cmd, given=[MAIN_OPENED], field="campus_id")


def test_a_campus_is_renamed() -> None:
    events = campus.when(RenameCampus(name="本部校区"), given=[MAIN_OPENED])
    assert events == [CampusRenamed(campus_id="main", name="本部校区")]
    assert campus.given(MAIN_OPENED, *events).name == "本部校区"


def test_renaming_to_the_same_name_changes_nothing() -> None:
    assert campus.when(RenameCampus(name="本部"), given=[MAIN_OPENED]) == []


def test_renaming_an_unknown_campus_is_refused() -> None:
    campus.refused(RenameCampus(name="本部"))


def test_a_campus_is_closed() -> None:
    events = campus.when(CloseCampus(reason="合并"), given=[MAIN_OPENED])
    assert events == [CampusClosed(campus_id="main", reason="合并")]
    assert campus.given(MAIN_OPENED, *events) == CampusState(True, "xuexiao", "xinbei", "本部", closed=True)


@pytest.mark.parametrize("cmd", [RenameCampus(name="新本部"), RenameCampus(name="本部"), CloseCampus(reason="again")])
def test_a_closed_campus_refuses_changes(cmd: RenameCampus | CloseCampus) -> None:
    closed = [MAIN_OPENED, CampusClosed(campus_id="main", reason="合并")]
    campus.refused(cmd, given=closed, match="closed")
