"""Districts: given events, when a command, then events or a refusal."""

from __future__ import annotations

from services.directory.district import District, DistrictState, RegisterDistrict
from services.directory.events import DistrictRegistered
from services.eventkit.envelope import TenantPath
from tests.deciders import Stream

XINBEI = TenantPath(district_id="xinbei")

DISTRICT = DistrictRegistered(district_id="xinbei", name="新北区")

district = Stream(District, XINBEI, "xinbei")


def test_a_district_is_registered() -> None:
    cmd = RegisterDistrict(district_id="xinbei", name="新北区")
    assert district.when(cmd) == [DISTRICT]


def test_a_district_is_registered_once() -> None:
    cmd = RegisterDistrict(district_id="xinbei", name="新北区")
    district.refused(cmd, given=[DISTRICT], field="district_id")


def test_district_state_and_stream() -> None:
    assert district.given(DISTRICT) == DistrictState(exists=True, name="新北区")
    assert District.stream_id("xinbei") == "district-xinbei"
