"""Room assets and room audits, given / when / then."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from services.eventkit.acts import OutOfOrder
from services.eventkit.envelope import DomainEvent, TenantPath
from services.eventkit.errors import InvalidInput
from services.inventory.assets import (
    ApproveDisposal,
    Asset,
    AuditRoom,
    DamageAsset,
    Disposal,
    DisposeAsset,
    MoveAsset,
    RegisterAsset,
    RepairAsset,
    RequestDisposal,
    RoomAudit,
)
from services.inventory.events import (
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
from tests.deciders import Stream

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
T0 = datetime(2020, 10, 12, 8, 30, tzinfo=UTC)
TODAY = date(2020, 10, 12)
LATE = datetime(2020, 11, 2, 8, 0, tzinfo=UTC)  # when a command arrives that dates acts after TODAY

REGISTERED = AssetRegistered(
    asset_id="a1",
    tag="XJ-0301",
    campus_id="main",
    room="301",
    item_id="projector",
    description="投影仪",
    value_fen=350000,
    acquired_on=date(2020, 9, 1),
    registered_by="zhou",
)
WORN = AssetDamaged(asset_id="a1", cause=DamageCause.WEAR, description="灯泡老化", damaged_on=TODAY, recorded_by="zhou")
REQUESTED = AssetDisposalRequested(asset_id="a1", reason="无维修价值", requested_by="zhou", requested_on=TODAY)
APPROVED = AssetDisposalApproved(asset_id="a1", approved_by="xu-vp", approved_on=TODAY)
DISPOSED = AssetDisposed(asset_id="a1", disposed_on=TODAY, disposed_by="zhou")


asset = Stream(Asset, MAIN, "a1", actor="zhou", at=T0)
room_audit = Stream(RoomAudit, MAIN, "r1", actor="xu-vp", at=T0)


def register(**overrides: Any) -> RegisterAsset:
    body: dict[str, Any] = {
        "asset_id": "a1",
        "tag": "XJ-0301",
        "campus_id": "main",
        "room": "301",
        "item_id": "projector",
        "description": "投影仪",
        "value_fen": 350000,
        "on": "2020-09-01",
    }
    return RegisterAsset.model_validate(body | overrides)


def damage(**overrides: Any) -> DamageAsset:
    body: dict[str, Any] = {"cause": "person", "by_kind": "person", "by_id": "lin", "description": "镜头砸坏"}
    return DamageAsset.model_validate(body | {"on": "2020-10-12"} | overrides)


# -- registering and moving ----------------------------------------------------------------


def test_an_asset_is_registered_to_a_room_by_its_registrar() -> None:
    assert asset.when(register(), facts={"tag_taken_by": ""}) == [REGISTERED]


def test_an_asset_is_registered_once_and_a_tag_is_unique_on_the_campus() -> None:
    asset.refused(register(), given=[REGISTERED], field="asset_id")
    asset.refused(register(), facts={"tag_taken_by": "a0"}, match="a0", field="tag")


def test_a_tag_has_no_blanks() -> None:
    with pytest.raises(ValidationError):
        register(tag="XJ 0301")


def test_an_asset_moves_from_its_room_and_moving_it_where_it_is_records_nothing() -> None:
    moved = asset.when(MoveAsset(to_room="302"), given=[REGISTERED])
    assert moved == [AssetMoved(asset_id="a1", from_room="301", to_room="302", moved_on=TODAY, moved_by="zhou")]
    assert asset.given(REGISTERED, *moved).room == "302"
    assert asset.when(MoveAsset(to_room="301"), given=[REGISTERED]) == []


def test_nothing_happens_to_an_asset_never_registered() -> None:
    asset.refused(MoveAsset(to_room="302"), match="never registered")


# -- damage and repair -------------------------------------------------------------------------


def test_a_person_caused_damage_is_charged_at_the_assets_value() -> None:
    [event] = asset.when(damage(), given=[REGISTERED])
    assert event == AssetDamaged(
        asset_id="a1",
        cause=DamageCause.PERSON,
        description="镜头砸坏",
        damaged_on=TODAY,
        recorded_by="zhou",
        by_kind=ChargeAgainst.PERSON,
        by_id="lin",
        charge_fen=350000,
    )


def test_a_person_caused_damage_may_charge_a_share_but_never_more_than_the_value() -> None:
    [event] = asset.when(damage(by_kind="class", by_id="g6-1", charge_fen=5000), given=[REGISTERED])
    assert isinstance(event, AssetDamaged) and event.charge_fen == 5000
    asset.refused(damage(charge_fen=350001), given=[REGISTERED], raises=InvalidInput, field="charge_fen")


def test_a_person_caused_damage_without_who_is_refused_naming_the_field() -> None:
    asset.refused(damage(by_id=None), given=[REGISTERED], raises=InvalidInput, field="by_id")
    asset.refused(damage(by_kind=None), given=[REGISTERED], raises=InvalidInput, field="by_kind")


def test_wear_names_no_one_and_charges_nothing() -> None:
    wear = damage(cause="wear", by_kind=None, by_id=None, description="灯泡老化")
    assert asset.when(wear, given=[REGISTERED]) == [WORN]
    asset.refused(damage(cause="wear"), given=[REGISTERED], raises=InvalidInput, field="by_id")
    asset.refused(
        damage(cause="wear", by_kind=None, by_id=None, charge_fen=100), given=[REGISTERED], raises=InvalidInput
    )


def test_only_a_damaged_asset_is_repaired() -> None:
    asset.refused(RepairAsset(on=TODAY), given=[REGISTERED], match="not damaged")
    repaired = asset.when(RepairAsset(on=TODAY, note="换灯泡"), given=[REGISTERED, WORN], actor="wang-tech")
    assert repaired == [AssetRepaired(asset_id="a1", repaired_on=TODAY, repaired_by="wang-tech", note="换灯泡")]
    assert not asset.given(REGISTERED, WORN, *repaired).damaged


# -- disposal (报废) ------------------------------------------------------------------------------


def test_a_disposal_is_asked_for_approved_by_someone_else_then_done() -> None:
    assert asset.when(RequestDisposal(reason="无维修价值"), given=[REGISTERED]) == [REQUESTED]
    assert asset.when(ApproveDisposal(), given=[REGISTERED, REQUESTED], actor="xu-vp") == [APPROVED]
    assert asset.when(DisposeAsset(on=TODAY), given=[REGISTERED, REQUESTED, APPROVED]) == [DISPOSED]
    assert asset.given(REGISTERED, REQUESTED, APPROVED, DISPOSED).disposal is Disposal.DISPOSED


def test_disposal_without_approval_is_refused() -> None:
    asset.refused(DisposeAsset(on=TODAY), given=[REGISTERED], match="approved")
    asset.refused(DisposeAsset(on=TODAY), given=[REGISTERED, REQUESTED], match="approved")


def test_whoever_asked_for_a_disposal_does_not_approve_it() -> None:
    asset.refused(ApproveDisposal(), given=[REGISTERED, REQUESTED], actor="zhou", match="does not approve")


def test_a_disposal_is_approved_once_and_only_when_asked_for() -> None:
    asset.refused(ApproveDisposal(), given=[REGISTERED], actor="xu-vp", match="no one asked")
    asset.refused(ApproveDisposal(), given=[REGISTERED, REQUESTED, APPROVED], actor="wu-vp", match="already approved")
    asset.refused(RequestDisposal(reason="again"), given=[REGISTERED, REQUESTED], match="already asked")


def test_a_disposed_asset_is_neither_moved_nor_damaged() -> None:
    gone = [REGISTERED, REQUESTED, APPROVED, DISPOSED]
    asset.refused(MoveAsset(to_room="302"), given=gone, match="disposed")
    asset.refused(damage(), given=gone, match="disposed")


# -- room audits ----------------------------------------------------------------------------------


def audit(found: list[str], registered: list[str], on: date = TODAY) -> list[DomainEvent]:
    """An audit of room 301: the tags ``registered`` to it were acquired on September 1st, but XJ-new on
    October 12th."""
    cmd = AuditRoom(audit_id="r1", campus_id="main", room="301", found_tags=found, on=on)
    acquired = {tag: "2020-10-12" if tag == "XJ-new" else "2020-09-01" for tag in registered}
    return room_audit.when(cmd, facts={"registered": json.dumps(acquired)})


def test_a_room_audit_names_what_is_missing_and_what_is_unregistered() -> None:
    [event] = audit(["XJ-2", "XJ-9", "XJ-1", "XJ-9"], ["XJ-1", "XJ-2", "XJ-3"])
    assert event == RoomAudited(
        audit_id="r1",
        campus_id="main",
        room="301",
        audited_on=TODAY,
        audited_by="xu-vp",
        found_tags=["XJ-2", "XJ-9", "XJ-1"],
        missing=["XJ-3"],
        unregistered=["XJ-9"],
    )


def test_a_room_audit_is_recorded_once() -> None:
    cmd = AuditRoom(audit_id="r1", campus_id="main", room="301", found_tags=[], on=TODAY)
    room_audit.refused(cmd, given=audit([], []), facts={"registered": "{}"})


def test_a_room_audit_does_not_expect_what_was_acquired_after_it_nor_find_it() -> None:
    [event] = audit(["XJ-1"], ["XJ-1", "XJ-new"], on=date(2020, 10, 11))
    assert isinstance(event, RoomAudited) and event.missing == [] and event.unregistered == []
    [event] = audit(["XJ-1"], ["XJ-1", "XJ-new"])
    assert isinstance(event, RoomAudited) and event.missing == ["XJ-new"]
    with pytest.raises(OutOfOrder, match="XJ-new") as refused:
        audit(["XJ-1", "XJ-new"], ["XJ-1", "XJ-new"], on=date(2020, 10, 11))
    assert (refused.value.field, refused.value.step, refused.value.step_time) == ("on", "acquired", TODAY)


# -- the order of the steps -----------------------------------------------------------------------

DAMAGED_LATER = WORN.model_copy(update={"damaged_on": date(2020, 10, 20)})
AUG_31 = date(2020, 8, 31)


@pytest.mark.parametrize(
    ("command", "given", "step", "step_time"),
    [
        (MoveAsset(to_room="302", on=AUG_31), [REGISTERED], "acquired", date(2020, 9, 1)),
        (damage(on="2020-08-31"), [REGISTERED], "acquired", date(2020, 9, 1)),
        (RequestDisposal(reason="r", on=AUG_31), [REGISTERED], "acquired", date(2020, 9, 1)),
        (RepairAsset(on=date(2020, 10, 19)), [REGISTERED, DAMAGED_LATER], "damaged", date(2020, 10, 20)),
        (ApproveDisposal(on=date(2020, 10, 11)), [REGISTERED, REQUESTED], "requested for disposal", TODAY),
        (DisposeAsset(on=date(2020, 10, 11)), [REGISTERED, REQUESTED, APPROVED], "approved for disposal", TODAY),
    ],
)
def test_no_step_is_dated_before_the_step_it_follows(
    command: Any, given: list[DomainEvent], step: str, step_time: date
) -> None:
    refusal = asset.refused(command, given=given, actor="xu-vp", field="on", raises=OutOfOrder, at=LATE)
    assert isinstance(refusal, OutOfOrder) and (refusal.step, refusal.step_time) == (step, step_time)


def test_every_example_of_these_commands_is_a_valid_command() -> None:
    from services.eventkit.commands import Command
    from services.inventory import assets, compensation, stocktake

    checked = 0
    for module in (assets, compensation, stocktake):
        for model in vars(module).values():
            if isinstance(model, type) and issubclass(model, Command) and model.__module__ == module.__name__:
                extra = model.model_config.get("json_schema_extra") or {}
                examples = extra.get("examples") if isinstance(extra, dict) else None
                assert isinstance(examples, list) and examples, model.__name__
                for example in examples:
                    model.model_validate(example)
                    checked += 1
    assert checked >= 14
