"""Property tests of the assets of accepted purchases: a unit is received once, waits (nothing else
happens to it) until it is registered to a room by a tag no other asset of the campus has, once,
acquired the day its purchase was accepted.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import HouqinError, InvalidInput, Rejected
from services.inventory import assets as ast
from services.inventory.events import INVENTORY_EVENTS, AssetMoved, AssetReceived, AssetRegistered
from tests.properties import DAYS_OR_TODAY, QUIET, DeciderMachine, machine, machine_ids, run_machine, step

pytestmark = QUIET

ROOMS = ["412 新增教室", "413 新增教室"]


def registration_allowed(rc: Resolved[Any], state: Any) -> bool:
    cmd = rc.command
    if isinstance(cmd, ast.ReceiveAsset):
        return True
    if isinstance(cmd, ast.RegisterReceivedAsset):
        received = state.received
        return (
            received is not None
            and not rc.facts.get("tag_taken_by")
            and (cmd.room or received.for_room) is not None
            and rc.on >= state.acquired_on
        )
    return state.received is None and state.registered and rc.on >= state.acquired_on


def refused_only_when_not_allowed(rc: Resolved[Any], state: Any, refusal: HouqinError) -> None:
    assert not registration_allowed(rc, state), f"refused though allowed: {refusal}"
    if isinstance(refusal, InvalidInput):
        assert isinstance(rc.command, ast.RegisterReceivedAsset) and refusal.field == "room"


def received_once_registered_once(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    cmd = rc.command
    if isinstance(cmd, ast.ReceiveAsset):
        if before.received is not None or before.registered:
            assert events == [], "a unit received twice"
        else:
            (event,) = events
            assert isinstance(event, AssetReceived) and event.accepted_on == rc.on and after.received is not None
        return
    if isinstance(cmd, ast.RegisterReceivedAsset):
        (event,) = events
        assert isinstance(event, AssetRegistered) and before.received is not None and not before.registered
        assert event.room == (cmd.room or before.received.for_room) and event.acquired_on == before.acquired_on
        assert event.value_fen == before.received.value_fen and after.registered and after.received is None
        return
    assert before.registered and before.received is None, "an asset waiting for its room changed"
    assert all(isinstance(e, AssetMoved) for e in events)


RECEIVE = step(
    st.builds(
        ast.ReceiveAsset,
        campus_id=st.just("main"),
        item_id=st.just("desk"),
        description=st.just("新课桌椅"),
        value_fen=st.sampled_from([0, 42000]),
        purchase_id=st.just("p-desks"),
        line=st.just(0),
        unit=st.just(3),
        for_room=st.none() | st.sampled_from(ROOMS),
    )
)
REGISTER = st.builds(
    lambda cmd, taken_by: (cmd, {"tag_taken_by": taken_by}),
    st.builds(
        ast.RegisterReceivedAsset,
        tag=st.just("XJ-2020-0412"),
        room=st.none() | st.sampled_from(ROOMS),
        on=DAYS_OR_TODAY,
    ),
    st.sampled_from(["", "", "main-301-projector"]),
)
PURCHASED_ASSET = machine(
    "PurchasedAssetMachine",
    ast.Asset,
    INVENTORY_EVENTS,
    "bought-p-desks-1-4",
    st.one_of(RECEIVE, REGISTER, step(st.builds(ast.MoveAsset, to_room=st.sampled_from(ROOMS), on=DAYS_OR_TODAY))),
    ["houqin-inventory", "zhou"],
    check=received_once_registered_once,
    create=RECEIVE,
    refusals=(Rejected, InvalidInput),
    on_refusal=refused_only_when_not_allowed,
)

MACHINES = [PURCHASED_ASSET]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
