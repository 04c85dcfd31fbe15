"""Camera coverage, parent communications and the bus items in force on a day, given / when / then."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from services.eventkit.acts import OutOfOrder
from services.eventkit.envelope import TenantPath
from services.safety.buses import ChangeBusItem, SchoolBus, items_in_force
from services.safety.cameras import (
    CameraArea,
    CameraStatus,
    InstallCamera,
    MapCameraArea,
    RemoveCamera,
    RepairCamera,
    ReportCameraFault,
    place_names,
)
from services.safety.events import (
    Audience,
    AudienceScope,
    BusFile,
    BusItem,
    BusItemChanged,
    BusRegistered,
    CameraAreaMapped,
    CameraInstalled,
    CameraOutOfOrder,
    CameraRemoved,
    CameraRepaired,
    CommunicationKind,
    ParentCommunicationReachCounted,
    ParentCommunicationRecorded,
    SafetyTheme,
)
from services.safety.outreach import CountReach, ParentCommunication, RecordParentCommunication
from tests.deciders import Stream
from tests.safety.terms import TERM_FACTS

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
AT = datetime(2021, 1, 20, 9, 0, tzinfo=UTC)  # every act below is entered afterwards

# -- camera coverage ---------------------------------------------------------------------

MAPPED = CameraAreaMapped(
    area_id="main-2f-east", campus_id="main", building="教学楼", place="二楼东走廊", mapped_on=date(2020, 9, 1)
)
INSTALLED = CameraInstalled(area_id="main-2f-east", camera_id="cam-1", on=date(2020, 9, 1))
OUT = CameraOutOfOrder(area_id="main-2f-east", camera_id="cam-1", on=date(2020, 10, 12), note="画面无信号")
area = Stream(CameraArea, MAIN, "main-2f-east", actor="zhou", at=AT)


def test_an_area_is_mapped_once() -> None:
    cmd = MapCameraArea(
        area_id="main-2f-east", campus_id="main", building="教学楼", place="二楼东走廊", on=date(2020, 9, 1)
    )
    assert area.when(cmd) == [MAPPED]
    area.refused(cmd, given=[MAPPED], field="area_id")
    assert CameraArea.stream_id("main-2f-east") == "camera-area-main-2f-east"


def test_nothing_happens_to_an_unmapped_area() -> None:
    area.refused(InstallCamera(camera_id="cam-1", on=date(2020, 9, 1)), match="never mapped")


def test_a_camera_is_installed_breaks_down_is_repaired_and_removed() -> None:
    assert area.when(InstallCamera(camera_id="cam-1", on=date(2020, 9, 1)), given=[MAPPED]) == [INSTALLED]
    fault = ReportCameraFault(camera_id="cam-1", on=date(2020, 10, 12), note="画面无信号")
    assert area.when(fault, given=[MAPPED, INSTALLED]) == [OUT]
    assert area.given(MAPPED, INSTALLED, OUT).working() == 0
    repaired = CameraRepaired(area_id="main-2f-east", camera_id="cam-1", on=date(2020, 10, 20))
    assert area.when(RepairCamera(camera_id="cam-1", on=date(2020, 10, 20)), given=[MAPPED, INSTALLED, OUT]) == [
        repaired
    ]
    assert area.given(MAPPED, INSTALLED, OUT, repaired).camera("cam-1") == (CameraStatus.WORKING, date(2020, 10, 20))
    removed = CameraRemoved(area_id="main-2f-east", camera_id="cam-1", on=date(2020, 12, 14), note="移至楼梯口")
    cmd = RemoveCamera(camera_id="cam-1", on=date(2020, 12, 14), note="移至楼梯口")
    assert area.when(cmd, given=[MAPPED, INSTALLED, OUT, repaired]) == [removed]
    # removed: it may be installed again, not repaired or removed twice
    after = [MAPPED, INSTALLED, OUT, repaired, removed]
    area.refused(RemoveCamera(camera_id="cam-1", on=date(2020, 12, 15)), given=after, field="camera_id")
    area.refused(ReportCameraFault(camera_id="cam-1", on=date(2020, 12, 15), note="x"), given=after, field="camera_id")
    assert area.when(InstallCamera(camera_id="cam-1", on=date(2021, 1, 4)), given=after)


def test_a_change_fits_the_camera_it_changes() -> None:
    area.refused(InstallCamera(camera_id="cam-1", on=date(2020, 9, 2)), given=[MAPPED, INSTALLED], field="camera_id")
    area.refused(RepairCamera(camera_id="cam-1", on=date(2020, 9, 2)), given=[MAPPED, INSTALLED], match="working")
    fault = ReportCameraFault(camera_id="cam-1", on=date(2020, 10, 13), note="again")
    area.refused(fault, given=[MAPPED, INSTALLED, OUT], match="already out of order")
    area.refused(RemoveCamera(camera_id="cam-9", on=date(2020, 10, 13)), given=[MAPPED], match="not installed")


def test_a_change_is_dated_after_the_mapping_and_the_cameras_last_change() -> None:
    area.refused(InstallCamera(camera_id="cam-1", on=date(2020, 8, 31)), given=[MAPPED], raises=OutOfOrder, field="on")
    area.refused(
        RepairCamera(camera_id="cam-1", on=date(2020, 10, 11)),
        given=[MAPPED, INSTALLED, OUT],
        raises=OutOfOrder,
        field="on",
    )


def test_a_hazard_names_an_area_by_its_place_or_its_building_and_place() -> None:
    assert place_names("教学楼", "二楼东走廊") == ("二楼东走廊", "教学楼 二楼东走廊", "教学楼二楼东走廊")


# -- parent communications ---------------------------------------------------------------

LETTER = RecordParentCommunication(
    communication_id="main-letter-drowning",
    campus_id="main",
    kind=CommunicationKind.LETTER,
    themes=[SafetyTheme.DROWNING],
    on=date(2020, 9, 4),
    audience={"scope": "campus"},  # type: ignore[arg-type]
    title="致家长的一封信: 珍爱生命 预防溺水",
    reference="docs/letters/2020-09-04-drowning.pdf",
    reached=1180,
    acknowledged=1102,
)
RECORDED = ParentCommunicationRecorded(
    communication_id="main-letter-drowning",
    campus_id="main",
    term_id=TERM_FACTS["term_id"],
    kind=CommunicationKind.LETTER,
    themes=[SafetyTheme.DROWNING],
    sent_on=date(2020, 9, 4),
    audience=Audience(scope=AudienceScope.CAMPUS),
    title="致家长的一封信: 珍爱生命 预防溺水",
    reference="docs/letters/2020-09-04-drowning.pdf",
    reached=1180,
    acknowledged=1102,
)
comms = Stream(ParentCommunication, MAIN, "main-letter-drowning", actor="zhou", at=AT, facts=TERM_FACTS)


def test_a_communication_is_recorded_once_in_its_term() -> None:
    assert comms.when(LETTER) == [RECORDED]
    comms.refused(LETTER, given=[RECORDED], field="communication_id")
    comms.refused(LETTER.model_copy(update={"on": date(2020, 8, 20)}), raises=OutOfOrder, field="on")


def test_a_communication_says_who_it_was_for_and_on_which_themes() -> None:
    with pytest.raises(ValidationError, match="names at least one class"):
        RecordParentCommunication.model_validate(LETTER.model_dump() | {"audience": {"scope": "classes"}})
    with pytest.raises(ValidationError, match="names no grades"):
        RecordParentCommunication.model_validate(LETTER.model_dump() | {"audience": {"scope": "campus", "grades": [6]}})
    with pytest.raises(ValidationError, match="once"):
        RecordParentCommunication.model_validate(LETTER.model_dump() | {"themes": ["drowning", "drowning"]})
    with pytest.raises(ValidationError, match="at least 1"):
        RecordParentCommunication.model_validate(LETTER.model_dump() | {"themes": []})
    with pytest.raises(ValidationError, match=r"more acknowledged \(1200\) than reached \(1180\)"):
        RecordParentCommunication.model_validate(LETTER.model_dump() | {"acknowledged": 1200})
    classes = RecordParentCommunication.model_validate(
        LETTER.model_dump() | {"audience": {"scope": "classes", "class_ids": ["g6-1"]}}
    )
    assert comms.when(classes)[0].audience == Audience(scope=AudienceScope.CLASSES, class_ids=["g6-1"])  # type: ignore[attr-defined]


def test_the_reach_is_counted_again_never_lower_nor_before_it_went_out() -> None:
    counted = ParentCommunicationReachCounted(
        communication_id="main-letter-drowning", reached=1190, acknowledged=1165, counted_on=date(2020, 9, 11)
    )
    cmd = CountReach(reached=1190, acknowledged=1165, on=date(2020, 9, 11))
    assert comms.when(cmd, given=[RECORDED]) == [counted]
    comms.refused(CountReach(reached=1150, acknowledged=1102, on=date(2020, 9, 12)), given=[RECORDED], field="reached")
    lower = CountReach(reached=1190, acknowledged=1000, on=date(2020, 9, 12))
    comms.refused(lower, given=[RECORDED], field="acknowledged")
    comms.refused(CountReach(reached=1180, acknowledged=1102, on=date(2020, 9, 12)), given=[RECORDED], match="already")
    early = CountReach(reached=1190, acknowledged=1165, on=date(2020, 9, 3))
    comms.refused(early, given=[RECORDED], raises=OutOfOrder, field="on")
    comms.refused(
        CountReach(reached=1200, acknowledged=1170, on=date(2020, 9, 10)), given=[RECORDED, counted], raises=OutOfOrder
    )
    comms.refused(cmd, match="never recorded")


# -- the bus items in force on a day -----------------------------------------------------

FILE = BusFile(
    vehicle="苏D·X1234",
    driver="张师傅",
    route="薛家镇—本部",
    stops=["顺园小区", "本部东门"],
    times="07:10",
    escort="刘老师",
)
REGISTERED = BusRegistered(bus_id="bus-1", campus_id="main", file=FILE, registered_on=date(2020, 9, 1))
NO_ESCORT = BusItemChanged(
    bus_id="bus-1", item=BusItem.ESCORT, value="", reason="照管员离职", effective_on=date(2020, 11, 2)
)
NEW_ESCORT = BusItemChanged(
    bus_id="bus-1", item=BusItem.ESCORT, value="陈老师", reason="新照管员到岗", effective_on=date(2020, 11, 16)
)
bus = Stream(SchoolBus, MAIN, "bus-1", actor="zhou", at=AT)


def test_the_items_in_force_are_those_of_the_day() -> None:
    state = bus.given(REGISTERED, NO_ESCORT, NEW_ESCORT)
    assert state.in_force(date(2020, 10, 20))[BusItem.ESCORT] == "刘老师"
    assert state.in_force(date(2020, 11, 10))[BusItem.ESCORT] == ""
    assert state.in_force(date(2020, 11, 20))[BusItem.ESCORT] == "陈老师"
    assert state.item(BusItem.ESCORT) == "陈老师"  # the latest recorded


def test_a_change_recorded_later_for_an_earlier_day_does_not_undo_a_later_one() -> None:
    backdated = BusItemChanged(
        bus_id="bus-1", item=BusItem.ESCORT, value="王老师", reason="补录", effective_on=date(2020, 10, 1)
    )
    state = bus.given(REGISTERED, NEW_ESCORT, backdated)
    assert state.in_force(date(2020, 10, 5))[BusItem.ESCORT] == "王老师"
    assert state.in_force(date(2020, 11, 20))[BusItem.ESCORT] == "陈老师"
    same_day = BusItemChanged(
        bus_id="bus-1", item=BusItem.ESCORT, value="赵老师", reason="更正", effective_on=date(2020, 11, 16)
    )
    assert bus.given(REGISTERED, NEW_ESCORT, same_day).in_force(date(2020, 11, 16))[BusItem.ESCORT] == "赵老师"
    assert items_in_force({BusItem.ESCORT: "a"}, [(date(2020, 12, 1), BusItem.ESCORT, "b")], date(2020, 11, 30)) == {
        BusItem.ESCORT: "a"
    }


def test_a_change_is_refused_only_when_the_item_is_already_that_on_its_day() -> None:
    back = ChangeBusItem(item=BusItem.ESCORT, value="刘老师", reason="原照管员返岗", effective_on=date(2020, 12, 1))
    assert bus.when(back, given=[REGISTERED, NO_ESCORT])  # 刘老师 left on 11-02: coming back is a change
    before = ChangeBusItem(item=BusItem.ESCORT, value="刘老师", reason="x", effective_on=date(2020, 10, 1))
    bus.refused(before, given=[REGISTERED, NO_ESCORT], field="value", match="already that on 2020-10-01")
