"""Campuses: given events, when a command, then events or a refusal."""

from __future__ import annotations

import pytest

from services.directory.campus import Campus, CampusState, CloseCampus, OpenCampus, RenameCampus
from services.directory.events import CampusClosed, CampusOpened, CampusRenamed
from services.eventkit.envelope import TenantPath
from tests.deciders import Stream

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")

MAIN_OPENED = CampusOpened(campus_id="main", school_id="xuexiao", district_id="xinbei", name="本部", address="")

campus = Stream(Campus, MAIN, "main")


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
