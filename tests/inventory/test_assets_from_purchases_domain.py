"""Equipment of an accepted purchase received as assets waiting to be registered to a room, and
their registration, given / when / then."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from services.eventkit.acts import OutOfOrder
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import InvalidInput
from services.inventory.assets import (
    Asset,
    MoveAsset,
    ReceiveAsset,
    RegisterAsset,
    RegisterReceivedAsset,
    purchased_asset_id,
)
from services.inventory.events import (
    AcceptanceSigned,
    AcceptedEquipment,
    AssetReceived,
    AssetRegistered,
    BoughtLine,
    PurchaseAccepted,
    PurchaseApproved,
    PurchaseCategory,
    PurchaseLine,
    PurchaseMade,
    PurchaseRequested,
    RequisitionLine,
)
from services.inventory.procurement import Purchase, SignAcceptance
from tests.deciders import Stream

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
ACCEPTED_AT = datetime(2020, 9, 1, 6, 0, tzinfo=UTC)  # 1 September, 14:00 at the school
AID = purchased_asset_id("p-desks", 0, 1)

RECEIVE = ReceiveAsset(
    campus_id="main",
    item_id="desk",
    description="新课桌椅",
    value_fen=42000,
    purchase_id="p-desks",
    line=0,
    unit=1,
    for_room="412 新增教室",
)
RECEIVED = AssetReceived(
    asset_id=AID,
    campus_id="main",
    item_id="desk",
    description="新课桌椅",
    value_fen=42000,
    purchase_id="p-desks",
    line=0,
    unit=1,
    accepted_on=date(2020, 9, 1),
    for_room="412 新增教室",
)

receiving = Stream(Asset, MAIN, AID, actor="houqin-inventory", at=ACCEPTED_AT)  # dated by the acceptance
asset = Stream(Asset, MAIN, AID, actor="zhou", at=datetime(2020, 10, 12, 1, 0, tzinfo=UTC))


def test_ids_are_made_from_the_purchase_line_and_unit_and_kept_from_registration_by_hand() -> None:
    assert purchased_asset_id("p-desks", 0, 1) == "bought-p-desks-1-2"
    long = "p-" + "x" * 60
    assert purchased_asset_id(long, 0, 0) != purchased_asset_id(long, 0, 1)
    assert len(purchased_asset_id(long, 3, 44)) <= 63 and purchased_asset_id(long, 3, 44).startswith("bought-")
    with pytest.raises(ValidationError) as bad:
        RegisterAsset(
            asset_id=AID, tag="T1", campus_id="main", room="301", description="课桌", value_fen=1, on=date(2020, 9, 1)
        )
    assert [e["loc"] for e in bad.value.errors()] == [("asset_id",)]


def test_a_unit_is_received_once_acquired_the_day_of_the_acceptance() -> None:
    assert receiving.when(RECEIVE) == [RECEIVED]
    assert receiving.when(RECEIVE, given=[RECEIVED]) == []  # the acceptance delivered again
    registered = AssetRegistered(
        asset_id=AID,
        tag="XJ-1",
        campus_id="main",
        room="412 新增教室",
        item_id="desk",
        description="新课桌椅",
        value_fen=42000,
        acquired_on=date(2020, 9, 1),
        registered_by="zhou",
    )
    assert receiving.when(RECEIVE, given=[RECEIVED, registered]) == []  # and after its registration


def test_a_received_asset_is_registered_to_the_room_it_was_bought_for_by_its_tag() -> None:
    (event,) = asset.when(RegisterReceivedAsset(tag="XJ-1", on=date(2020, 9, 3)), given=[RECEIVED], actor="zhou")
    assert event == AssetRegistered(
        asset_id=AID,
        tag="XJ-1",
        campus_id="main",
        room="412 新增教室",
        item_id="desk",
        description="新课桌椅",
        value_fen=42000,
        acquired_on=date(2020, 9, 1),
        registered_by="zhou",
    )
    elsewhere = asset.when(RegisterReceivedAsset(tag="XJ-1", room="413", on=date(2020, 9, 3)), given=[RECEIVED])
    assert isinstance(elsewhere[0], AssetRegistered) and elsewhere[0].room == "413"
    # then it is an asset like any other
    moved = asset.when(MoveAsset(to_room="414", on=date(2020, 9, 4)), given=[RECEIVED, event])
    assert len(moved) == 1


def test_registration_is_refused_twice_with_a_taken_tag_before_acceptance_or_without_a_room() -> None:
    cmd = RegisterReceivedAsset(tag="XJ-1", on=date(2020, 9, 3))
    (registered,) = asset.when(cmd, given=[RECEIVED])
    asset.refused(cmd, given=[RECEIVED, registered], match="already registered")
    asset.refused(cmd, given=[RECEIVED], facts={"tag_taken_by": "a-301"}, field="tag")
    asset.refused(RegisterReceivedAsset(tag="XJ-1", on=date(2020, 8, 31)), given=[RECEIVED], raises=OutOfOrder)
    no_room = AssetReceived(**(RECEIVED.model_dump() | {"for_room": None}))
    asset.refused(cmd, given=[no_room], field="room", raises=InvalidInput)
    asset.refused(cmd, match="no accepted purchase")


def test_nothing_else_happens_to_an_asset_waiting_for_its_room() -> None:
    asset.refused(MoveAsset(to_room="301", on=date(2020, 9, 2)), given=[RECEIVED], match="waits to be registered")


LINES = [
    PurchaseLine(description="新课桌椅", quantity=45, estimated_unit_price_fen=45000, item_id="desk", room="412"),
    PurchaseLine(description="粉笔", quantity=20, estimated_unit_price_fen=300, item_id="chalk"),
    PurchaseLine(description="窗帘安装", quantity=1, estimated_unit_price_fen=80000),
]
BOUGHT = [
    BoughtLine(line=0, quantity=45, unit_price_fen=42000),
    BoughtLine(line=1, quantity=20, unit_price_fen=280),
    BoughtLine(line=2, quantity=1, unit_price_fen=75000),
]
purchase = Stream(Purchase, MAIN, "p-desks", actor="xu-vp", at=ACCEPTED_AT)


def test_an_accepted_purchase_lists_its_equipment_beside_its_consumables() -> None:
    given = [
        PurchaseRequested(
            purchase_id="p-desks",
            campus_id="main",
            category=PurchaseCategory.EVERYDAY,
            lines=LINES,
            reason="新增教室",
            requested_by="zhou",
            requested_at=datetime(2020, 8, 20, tzinfo=UTC),
        ),
        PurchaseApproved(purchase_id="p-desks", approved_by="gu", approved_at=datetime(2020, 8, 21, tzinfo=UTC)),
        PurchaseMade(
            purchase_id="p-desks",
            supplier="某家具厂",
            bought=BOUGHT,
            total_fen=0,
            bought_by="zhou",
            bought_on=date(2020, 8, 28),
        ),
    ]
    facts = {"as_role": "vice_principal", "quorum": "2", "consumables": "chalk", "equipment": "desk"}
    events = purchase.when(SignAcceptance(), given=given, facts=facts)
    assert isinstance(events[0], AcceptanceSigned)
    accepted = events[1]
    assert isinstance(accepted, PurchaseAccepted)
    assert accepted.into_stock == [RequisitionLine(item_id="chalk", quantity=20)]
    # the uncatalogued line (a service) is neither stock nor an asset
    assert accepted.equipment == [
        AcceptedEquipment(line=0, item_id="desk", description="新课桌椅", quantity=45, unit_price_fen=42000, room="412")
    ]
