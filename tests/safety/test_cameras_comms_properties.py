"""Property tests of camera areas and parent communications: a camera's changes follow one another
(installed, out of order, repaired, removed) in day order; a communication's reach never goes down.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from services.safety import cameras as cam
from services.safety import outreach as out
from services.safety.events import (
    SAFETY_EVENTS,
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
from tests.properties import (
    QUIET,
    TEXTS,
    DeciderMachine,
    days,
    machine,
    machine_ids,
    refused_only_when,
    run_machine,
    step,
)
from tests.safety.terms import TERM_FACTS, in_term

pytestmark = QUIET

CAMERAS = st.sampled_from(["cam-1", "cam-2"])
CameraChange = CameraInstalled | CameraOutOfOrder | CameraRepaired | CameraRemoved
NEXT: dict[type[DomainEvent], tuple[set[cam.CameraStatus | None], cam.CameraStatus]] = {
    CameraInstalled: ({None, cam.CameraStatus.REMOVED}, cam.CameraStatus.WORKING),
    CameraOutOfOrder: ({cam.CameraStatus.WORKING}, cam.CameraStatus.OUT_OF_ORDER),
    CameraRepaired: ({cam.CameraStatus.OUT_OF_ORDER}, cam.CameraStatus.WORKING),
    CameraRemoved: ({cam.CameraStatus.WORKING, cam.CameraStatus.OUT_OF_ORDER}, cam.CameraStatus.REMOVED),
}


def status_of(state: Any, camera_id: str) -> Any:
    known = state.camera(camera_id)
    return None if known is None else known[0]


def changes_follow(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    if isinstance(event, CameraAreaMapped):
        assert not before.mapped and after.mapped
        return
    assert before.mapped and isinstance(event, CameraChange)
    was, now = NEXT[type(event)]
    assert status_of(before, event.camera_id) in was
    assert status_of(after, event.camera_id) is now
    assert event.on >= before.mapped_on
    known = before.camera(event.camera_id)
    assert known is None or event.on >= known[1], "a change dated before the camera's last"
    others = {c for c in before.cameras if c[0] != event.camera_id}
    assert others == {c for c in after.cameras if c[0] != event.camera_id}, "another camera changed"


EVENT_OF: dict[type[Any], type[DomainEvent]] = {
    cam.InstallCamera: CameraInstalled,
    cam.ReportCameraFault: CameraOutOfOrder,
    cam.RepairCamera: CameraRepaired,
    cam.RemoveCamera: CameraRemoved,
}


def camera_allowed(rc: Resolved[Any], state: Any) -> bool:
    cmd = rc.command
    if isinstance(cmd, cam.MapCameraArea):
        return not state.mapped
    if not state.mapped or cmd.on < state.mapped_on:
        return False
    known = state.camera(cmd.camera_id)
    if known is not None and cmd.on < known[1]:
        return False
    status = None if known is None else known[0]
    return status in NEXT[EVENT_OF[type(cmd)]][0]


AREA_CREATE = step(
    st.builds(
        cam.MapCameraArea,
        area_id=st.just("main-2f-east"),
        campus_id=st.just("main"),
        building=st.just("教学楼"),
        place=st.just("二楼东走廊"),
        on=days(),
    )
)
AREA = machine(
    "CameraAreaMachine",
    cam.CameraArea,
    SAFETY_EVENTS,
    "main-2f-east",
    st.one_of(
        AREA_CREATE,
        step(st.builds(cam.InstallCamera, camera_id=CAMERAS, on=days(), note=TEXTS)),
        step(st.builds(cam.ReportCameraFault, camera_id=CAMERAS, on=days(), note=st.just("画面无信号"))),
        step(st.builds(cam.RepairCamera, camera_id=CAMERAS, on=days(), note=TEXTS)),
        step(st.builds(cam.RemoveCamera, camera_id=CAMERAS, on=days(), note=TEXTS)),
    ),
    ["zhou", "wang-tech"],
    check=changes_follow,
    create=AREA_CREATE,
    on_refusal=refused_only_when(camera_allowed),
)


def reach_never_goes_down(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    if isinstance(event, ParentCommunicationRecorded):
        assert not before.recorded and in_term(event.sent_on)
        assert event.term_id == TERM_FACTS["term_id"]
    else:
        assert isinstance(event, ParentCommunicationReachCounted)
        assert before.recorded and event.counted_on >= before.sent_on
        assert event.reached >= before.reached and event.acknowledged >= before.acknowledged
        assert (event.reached, event.acknowledged) != (before.reached, before.acknowledged)
    assert after.acknowledged <= after.reached


def reach_allowed(rc: Resolved[Any], state: Any) -> bool:
    cmd = rc.command
    if isinstance(cmd, out.RecordParentCommunication):
        return not state.recorded and in_term(cmd.on)
    if not state.recorded or cmd.on < state.sent_on:
        return False
    if state.last_counted_on is not None and cmd.on < state.last_counted_on:
        return False
    grows = cmd.reached >= state.reached and cmd.acknowledged >= state.acknowledged
    return grows and (cmd.reached, cmd.acknowledged) != (state.reached, state.acknowledged)


def _reach(reached: int, share: int) -> tuple[int, int]:
    return reached, reached * share // 4


REACH = st.builds(_reach, st.integers(0, 40), st.integers(0, 4))
COMMS_CREATE = step(
    REACH.flatmap(
        lambda r: st.builds(
            out.RecordParentCommunication,
            communication_id=st.just("main-letter-drowning"),
            campus_id=st.just("main"),
            kind=st.sampled_from(list(CommunicationKind)),
            themes=st.lists(st.sampled_from(list(SafetyTheme)), min_size=1, max_size=3, unique=True),
            on=days(),
            audience=st.just(out.AudienceOf.model_validate({"scope": "campus"})),
            title=st.just("致家长的一封信"),
            reference=st.just("docs/letters/1.pdf"),
            reached=st.just(r[0]),
            acknowledged=st.just(r[1]),
        )
    ),
    TERM_FACTS,
)
COMMS = machine(
    "ParentCommunicationMachine",
    out.ParentCommunication,
    SAFETY_EVENTS,
    "main-letter-drowning",
    st.one_of(
        COMMS_CREATE,
        step(
            REACH.flatmap(
                lambda r: st.builds(out.CountReach, reached=st.just(r[0]), acknowledged=st.just(r[1]), on=days())
            )
        ),
    ),
    ["zhou"],
    check=reach_never_goes_down,
    create=COMMS_CREATE,
    on_refusal=refused_only_when(reach_allowed),
)


MACHINES = [AREA, COMMS]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
