"""Property tests of the room assets' deciders: an asset is disposed of only after someone other than
the requester approved it; a room audit compares what was found with what is registered.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from hypothesis import strategies as st

from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import HouqinError, InvalidInput, Rejected
from services.inventory import assets as ast
from services.inventory.events import (
    INVENTORY_EVENTS,
    AssetDamaged,
    AssetDisposalApproved,
    AssetDisposalRequested,
    AssetDisposed,
    AssetMoved,
    AssetRegistered,
    AssetRepaired,
    ChargeAgainst,
    DamageCause,
    RoomAudited,
)
from tests.properties import (
    DAYS_OR_TODAY,
    QUIET,
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


ROOMS = ["301 六1班教室", "302 六2班教室"]
DISPOSAL_STEPS = [None, ast.Disposal.REQUESTED, ast.Disposal.APPROVED, ast.Disposal.DISPOSED]
DISPOSAL_COMMANDS = (ast.RequestDisposal, ast.ApproveDisposal, ast.DisposeAsset)


def acceptable_damage(cmd: ast.DamageAsset, state: ast.AssetState) -> bool:
    """Wear is no one's doing and charges nothing; a person's names who, and charges at most the value."""
    if cmd.cause is DamageCause.WEAR:
        return cmd.by_kind is None and cmd.by_id is None and cmd.charge_fen is None
    return cmd.by_kind is not None and cmd.by_id is not None and (cmd.charge_fen or 0) <= state.value_fen


def asset_allowed(rc: Resolved[Any], state: Any) -> bool:
    cmd = rc.command
    if isinstance(cmd, ast.RegisterAsset):
        return not state.registered and not rc.facts.get("tag_taken_by")
    if not state.registered or state.disposal is ast.Disposal.DISPOSED or rc.on < state.acquired_on:
        return False
    match cmd:
        case ast.DamageAsset():
            return acceptable_damage(cmd, state)
        case ast.RepairAsset():
            return bool(state.damaged) and rc.on >= state.damaged_on
        case ast.RequestDisposal():
            return state.disposal is None
        case ast.ApproveDisposal():
            return (
                state.disposal is ast.Disposal.REQUESTED
                and rc.actor != state.requested_by
                and rc.on >= state.disposal_on
            )
        case ast.DisposeAsset():
            return state.disposal is ast.Disposal.APPROVED and rc.on >= state.disposal_on
    return True


def asset_refusals(rc: Resolved[Any], state: Any, refusal: HouqinError) -> None:
    refused_only_when(asset_allowed)(rc, state, refusal)
    live = state.registered and state.disposal is not ast.Disposal.DISPOSED
    if isinstance(refusal, InvalidInput):
        assert isinstance(rc.command, ast.DamageAsset) and live, "invalid input is a damage's, to a registered asset"
    elif isinstance(rc.command, ast.DamageAsset):
        assert not live or rc.on < state.acquired_on, "a damage refused for something else than its input or day"


def disposed_only_once_another_approved(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    cmd = rc.command
    today = school_day(rc.at)
    assert before.disposal is not ast.Disposal.DISPOSED, "a disposed-of asset changed"
    moved = DISPOSAL_STEPS.index(after.disposal) - DISPOSAL_STEPS.index(before.disposal)
    assert moved == (1 if isinstance(cmd, DISPOSAL_COMMANDS) else 0), "a disposal step skipped or repeated"
    if before.registered:
        assert (after.campus_id, after.value_fen) == (before.campus_id, before.value_fen)
    if isinstance(cmd, ast.MoveAsset) and cmd.to_room == before.room:
        assert events == []
        return
    (event,) = events
    if before.registered:
        assert rc.on >= before.acquired_on, "an act dated before the asset was acquired"
    match event:
        case AssetRegistered():
            assert not before.registered and not rc.facts.get("tag_taken_by"), "a tag on two assets of a campus"
            assert event.registered_by == rc.actor
        case AssetMoved():
            assert (event.from_room, event.to_room) == (before.room, after.room) and event.from_room != event.to_room
            assert event.moved_on == (cmd.on or today)
        case AssetDamaged():
            assert acceptable_damage(cmd, before) and after.damaged
            if event.cause is DamageCause.WEAR:
                assert event.charge_fen == 0
            else:
                assert event.charge_fen == (before.value_fen if cmd.charge_fen is None else cmd.charge_fen)
                assert 0 <= event.charge_fen <= before.value_fen
        case AssetRepaired():
            assert before.damaged and not after.damaged and event.repaired_on >= before.damaged_on
        case AssetDisposalRequested():
            assert event.requested_by == rc.actor and event.requested_on == (cmd.on or today)
        case AssetDisposalApproved():
            assert event.approved_by == rc.actor != before.requested_by, "a disposal approved by its requester"
            assert event.approved_on == (cmd.on or today) and event.approved_on >= before.disposal_on
        case AssetDisposed():
            assert before.disposal is ast.Disposal.APPROVED and event.disposed_on >= before.disposal_on
        case _:
            raise AssertionError(f"unexpected {event!r}")


ASSET_CREATE = st.builds(
    lambda cmd, taken_by: (cmd, {"tag_taken_by": taken_by}),
    st.builds(
        ast.RegisterAsset,
        asset_id=st.just("main-301-projector"),
        tag=st.just("XJ-2020-0301"),
        campus_id=st.just("main"),
        room=st.sampled_from(ROOMS),
        item_id=st.none() | st.just("projector"),
        description=st.just("投影仪"),
        value_fen=st.sampled_from([0, 5000, 350000]),
        on=days(),
    ),
    st.sampled_from(["", "", "", "main-302-projector"]),  # the handler: the asset of the campus with the tag
)
PERSON_DAMAGE = st.builds(
    ast.DamageAsset,
    cause=st.just(DamageCause.PERSON),
    by_kind=st.sampled_from(list(ChargeAgainst)),
    by_id=st.sampled_from(["g6-1", "lin"]),
    description=st.just("新课桌桌面划痕"),
    on=days(),
    charge_fen=st.none() | st.sampled_from([1, 5000, 400000]),
)
ANY_DAMAGE = st.builds(
    ast.DamageAsset,
    cause=st.sampled_from(list(DamageCause)),
    by_kind=st.none() | st.sampled_from(list(ChargeAgainst)),
    by_id=st.none() | st.just("lin"),
    description=st.just("灯泡老化"),
    on=days(),
    charge_fen=st.none() | st.just(100),
)
ASSET = machine(
    "AssetMachine",
    ast.Asset,
    INVENTORY_EVENTS,
    "main-301-projector",
    st.one_of(
        ASSET_CREATE,
        step(st.builds(ast.MoveAsset, to_room=st.sampled_from(ROOMS), on=DAYS_OR_TODAY)),
        step(PERSON_DAMAGE | ANY_DAMAGE),
        step(st.builds(ast.RepairAsset, on=days(), note=TEXTS)),
        step(st.builds(ast.RequestDisposal, reason=st.just("主板损坏"), on=DAYS_OR_TODAY)),
        step(st.builds(ast.ApproveDisposal, on=DAYS_OR_TODAY)),
        step(st.builds(ast.DisposeAsset, on=days())),
    ),
    ["zhou", "xu-vp", "gu"],
    check=disposed_only_once_another_approved,
    create=ASSET_CREATE,
    refusals=(Rejected, InvalidInput),
    on_refusal=asset_refusals,
)


TAGS = ["XJ-2020-0301", "XJ-2019-0117", "XJ-2018-0042", "XJ-2016-0007"]


def audit_compares_found_with_registered(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    assert isinstance(event, RoomAudited)
    assert not before.done and after.done
    acquired, found = json.loads(rc.facts["registered"]), rc.command.found_tags
    registered = {tag for tag, on in acquired.items() if date.fromisoformat(on) <= rc.command.on}
    assert not any(date.fromisoformat(acquired[tag]) > rc.command.on for tag in found if tag in acquired)
    assert len(set(event.found_tags)) == len(event.found_tags) and set(event.found_tags) == set(found)
    assert event.found_tags == sorted(set(found), key=found.index), "found tags reordered"
    assert event.missing == sorted(registered - set(found))
    assert event.unregistered == sorted(set(found) - registered)
    assert event.audited_by == rc.actor and event.audit_id == rc.entity_id


def found_before_acquired(rc: Resolved[Any]) -> bool:
    """Whether the audit found a tag whose asset was acquired after the day of the audit."""
    acquired = json.loads(rc.facts["registered"])
    return any(date.fromisoformat(acquired[t]) > rc.command.on for t in rc.command.found_tags if t in acquired)


ROOM_AUDIT = machine(
    "RoomAuditMachine",
    ast.RoomAudit,
    INVENTORY_EVENTS,
    "audit-main-301-2020-12",
    st.tuples(
        st.builds(
            ast.AuditRoom,
            audit_id=st.just("audit-main-301-2020-12"),
            campus_id=st.just("main"),
            room=st.sampled_from(ROOMS),
            found_tags=st.lists(st.sampled_from([*TAGS, "XJ-2017-0999", "XJ-2017-0998"]), max_size=5),
            on=days(),
        ),
        # the handler: the tags registered to the room, each with the day its asset was acquired
        st.lists(st.tuples(st.sampled_from(TAGS), days()), max_size=4, unique_by=lambda t: t[0]).map(
            lambda tags: {"registered": json.dumps({t: d.isoformat() for t, d in sorted(tags)}, ensure_ascii=False)}
        ),
    ),
    ["zhou", "xu-vp"],
    check=audit_compares_found_with_registered,
    on_refusal=refused_only_when(lambda rc, state: not state.done and not found_before_acquired(rc)),
)


MACHINES = [ASSET, ROOM_AUDIT]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
