"""Camera coverage (校园监控): the areas of a campus and the cameras that watch them.

An area is a place of a building or of the grounds (教学楼 二楼东走廊, 操场 跑道). Its cameras
are installed, break down (out of order), are repaired and are removed, each on its day. An
area is covered on a day when at least one of its cameras is working that day: installed or
repaired, and neither removed nor out of order since.

Each change is dated by its day (``on``) and follows the step before it: nothing happens to an
area before it was mapped, nor to a camera before its last change. A camera moved elsewhere is
removed here and installed in the other area.

An injury or a hazard is placed in an area by the ``camera_area_id`` its report may carry; a
hazard reported without one is placed by its place text, when that is the area's place or its
building and place (``building place``, or the two run together) on the same campus. An injury
carries no place text: without an area id it is counted as not placed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from pydantic import Field

from services.eventkit.acts import ActOn, not_before
from services.eventkit.bounds import EntityId, Name, Text
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Rejected
from services.safety.events import CameraAreaMapped, CameraInstalled, CameraOutOfOrder, CameraRemoved, CameraRepaired

# -- commands ----------------------------------------------------------------------------


class MapCameraArea(Command):
    model_config = examples(
        {
            "area_id": "main-2f-east",
            "campus_id": "main",
            "building": "教学楼",
            "place": "二楼东走廊",
            "on": "2020-09-01",
        }
    )

    area_id: EntityId
    campus_id: EntityId
    building: Name = Field(description="The building, or the grounds (操场)", examples=["教学楼"])
    place: Name = Field(description="The place in it (a corridor, a staircase)", examples=["二楼东走廊"])
    on: ActOn


class InstallCamera(Command):
    model_config = examples({"camera_id": "cam-2f-east-1", "on": "2020-09-01", "note": "海康 DS-2CD"})

    camera_id: EntityId
    on: ActOn
    note: Text = ""


class RemoveCamera(Command):
    model_config = examples({"camera_id": "cam-2f-east-1", "on": "2020-12-14", "note": "移至楼梯口"})

    camera_id: EntityId
    on: ActOn
    note: Text = ""


class ReportCameraFault(Command):
    """A camera stops working (the area may be left uncovered)."""

    model_config = examples({"camera_id": "cam-2f-east-1", "on": "2020-10-12", "note": "画面无信号"})

    camera_id: EntityId
    on: ActOn
    note: Text = Field(min_length=1, description="What is wrong", examples=["画面无信号"])


class RepairCamera(Command):
    model_config = examples({"camera_id": "cam-2f-east-1", "on": "2020-10-20", "note": "更换电源适配器"})

    camera_id: EntityId
    on: ActOn
    note: Text = ""


# -- state -------------------------------------------------------------------------------


class CameraStatus(StrEnum):
    WORKING = "working"
    OUT_OF_ORDER = "out_of_order"
    REMOVED = "removed"


@dataclass(frozen=True)
class CameraAreaState:
    mapped: bool = False
    campus_id: str = ""
    mapped_on: date | None = None
    cameras: tuple[tuple[str, CameraStatus, date], ...] = ()  # every camera, its status and the day of its change

    def camera(self, camera_id: str) -> tuple[CameraStatus, date] | None:
        for cid, status, on in self.cameras:
            if cid == camera_id:
                return status, on
        return None

    def working(self) -> int:
        """How many of its cameras work now (its latest changes)."""
        return sum(1 for _, status, _ in self.cameras if status is CameraStatus.WORKING)


CameraCommand = (
    Resolved[MapCameraArea]
    | Resolved[InstallCamera]
    | Resolved[RemoveCamera]
    | Resolved[ReportCameraFault]
    | Resolved[RepairCamera]
)


def decide(rc: CameraCommand, state: CameraAreaState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, MapCameraArea):
        if state.mapped:
            raise Rejected(f"camera area {cmd.area_id} is already mapped", field="area_id")
        return [
            CameraAreaMapped(
                area_id=cmd.area_id, campus_id=cmd.campus_id, building=cmd.building, place=cmd.place, mapped_on=cmd.on
            )
        ]
    if not state.mapped:
        raise Rejected("the camera area was never mapped")
    area_id = rc.entity_id
    not_before(cmd.on, state.mapped_on, field="on", step="mapped", what="camera area")
    known = state.camera(cmd.camera_id)
    if known is not None:
        not_before(cmd.on, known[1], field="on", step=f"last changed ({known[0].value})", what="camera")
    status = known[0] if known is not None else None
    if isinstance(cmd, InstallCamera):
        if status in (CameraStatus.WORKING, CameraStatus.OUT_OF_ORDER):
            raise Rejected(f"camera {cmd.camera_id} is already installed here", field="camera_id")
        return [CameraInstalled(area_id=area_id, camera_id=cmd.camera_id, on=cmd.on, note=cmd.note)]
    if status is None or status is CameraStatus.REMOVED:
        raise Rejected(f"camera {cmd.camera_id} is not installed in this area", field="camera_id")
    if isinstance(cmd, RemoveCamera):
        return [CameraRemoved(area_id=area_id, camera_id=cmd.camera_id, on=cmd.on, note=cmd.note)]
    if isinstance(cmd, ReportCameraFault):
        if status is CameraStatus.OUT_OF_ORDER:
            raise Rejected(f"camera {cmd.camera_id} is already out of order", field="camera_id")
        return [CameraOutOfOrder(area_id=area_id, camera_id=cmd.camera_id, on=cmd.on, note=cmd.note)]
    assert isinstance(cmd, RepairCamera)
    if status is not CameraStatus.OUT_OF_ORDER:
        raise Rejected(f"camera {cmd.camera_id} is working: nothing to repair", field="camera_id")
    return [CameraRepaired(area_id=area_id, camera_id=cmd.camera_id, on=cmd.on, note=cmd.note)]


def _with(state: CameraAreaState, camera_id: str, status: CameraStatus, on: date) -> CameraAreaState:
    others = tuple(c for c in state.cameras if c[0] != camera_id)
    return replace(state, cameras=(*others, (camera_id, status, on)))


def evolve(state: CameraAreaState, event: DomainEvent) -> CameraAreaState:
    match event:
        case CameraAreaMapped():
            return CameraAreaState(mapped=True, campus_id=event.campus_id, mapped_on=event.mapped_on)
        case CameraInstalled() | CameraRepaired():
            return _with(state, event.camera_id, CameraStatus.WORKING, event.on)
        case CameraOutOfOrder():
            return _with(state, event.camera_id, CameraStatus.OUT_OF_ORDER, event.on)
        case CameraRemoved():
            return _with(state, event.camera_id, CameraStatus.REMOVED, event.on)
    return state


CameraArea: Decider[CameraCommand, CameraAreaState, DomainEvent] = Decider(
    "CameraArea", CameraAreaState(), decide, evolve, "camera-area", starts=(MapCameraArea,)
)


def place_names(building: str, place: str) -> tuple[str, ...]:
    """The place texts a hazard reported without an area id matches an area by."""
    return (place, f"{building} {place}", f"{building}{place}")
