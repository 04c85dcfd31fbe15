"""Reactions of the inventory to events (its own and other services'): each acts once."""

from __future__ import annotations

from dataclasses import replace

from services.eventkit.auth import Principal
from services.eventkit.commands import CommandBus, caused_by
from services.eventkit.consumer import Reaction
from services.eventkit.db import Connection
from services.eventkit.decider import Resolved
from services.eventkit.envelope import Envelope, TenantPath
from services.inventory.assets import Asset, ReceiveAsset, purchased_asset_id
from services.inventory.events import INVENTORY_EVENTS, PurchaseAccepted
from services.inventory.repairs import (
    HazardAssignment,
    OpenRepairForHazard,
    ReassignForHazard,
    Repair,
    hazard_repair_id,
)
from services.inventory.stock import ReceiveFromPurchase, Stock, stock_id

SYSTEM = Principal(subject="houqin-inventory")


class StockFromAcceptedPurchases(Reaction):
    """An accepted purchase of catalogued consumables puts the goods into stock."""

    name = "stock-from-accepted-purchases"
    event_types = frozenset({"inventory.PurchaseAccepted"})

    async def handle(self, conn: Connection, envelope: Envelope) -> None:
        accepted = INVENTORY_EVENTS.decode(envelope)
        assert isinstance(accepted, PurchaseAccepted)
        bus = CommandBus.in_transaction("inventory", INVENTORY_EVENTS)
        ctx = caused_by(envelope, SYSTEM)
        for line in accepted.into_stock:
            receive = ReceiveFromPurchase(
                campus_id=accepted.campus_id,
                item_id=line.item_id,
                quantity=line.quantity,
                purchase_id=accepted.purchase_id,
            )
            sid = stock_id(accepted.campus_id, line.item_id)
            await bus.execute(Stock, sid, Resolved(receive, envelope.tenant, sid), ctx, envelope.tenant, conn=conn)


class RepairsFromHazards(Reaction):
    """A hazard the safety service assigns in-house opens its one repair request, already assigned.

    The hazard is read by its wire name and payload only (:class:`HazardAssignment`). The
    repair's id is derived from the hazard's, so a hazard never makes two: assigned again
    while its repair is not done, the repair goes to the new assignee; once the repair is
    done, nothing new is recorded (see :mod:`services.inventory.repairs`). The repair is
    reported (or reassigned) at the time the hazard was assigned, not when this reaction runs.
    """

    name = "repairs-from-hazards"
    event_types = frozenset({"safety.HazardAssignedInHouse"})

    async def handle(self, conn: Connection, envelope: Envelope) -> None:
        hazard = HazardAssignment.model_validate(envelope.data)
        campus_id = envelope.campus_id or hazard.campus_id
        if not campus_id:
            raise ValueError(f"hazard {hazard.hazard_id} was assigned in-house without a campus")
        tenant = TenantPath(district_id=envelope.district_id, school_id=envelope.school_id, campus_id=campus_id)
        repair_id = hazard_repair_id(hazard.hazard_id)
        requested_by = envelope.actor or SYSTEM.subject
        bus = CommandBus.in_transaction("inventory", INVENTORY_EVENTS)
        _, version = await bus.load(Repair, Repair.stream_id(repair_id), conn=conn)
        command: OpenRepairForHazard | ReassignForHazard
        if version == 0:
            command = OpenRepairForHazard(
                hazard_id=hazard.hazard_id,
                campus_id=campus_id,
                place=hazard.area,
                description=hazard.description,
                assignee_id=hazard.assignee_id,
                reported_by=requested_by,
            )
        else:  # the same hazard assigned again: never a second repair
            command = ReassignForHazard(assignee_id=hazard.assignee_id, assigned_by=requested_by)
        # dated by the hazard's assignment: the act time of the event answered
        ctx = caused_by(envelope, SYSTEM)
        await bus.execute(Repair, repair_id, Resolved(command, tenant, repair_id), ctx, tenant, conn=conn)


class AssetsFromAcceptedPurchases(Reaction):
    """An accepted purchase of catalogued equipment (non-consumables) receives each unit bought as
    an asset waiting to be registered to a room (the room its line is for, if the request said),
    valued at the price paid and acquired the day the purchase was accepted.

    Each unit's asset id is derived from the purchase, the line and the unit
    (:func:`purchased_asset_id`), and an asset is received once: the acceptance delivered again,
    or twice at once, adds nothing (the loser of a race finds the asset there)."""

    name = "assets-from-accepted-purchases"
    event_types = frozenset({"inventory.PurchaseAccepted"})

    async def handle(self, conn: Connection, envelope: Envelope) -> None:
        accepted = INVENTORY_EVENTS.decode(envelope)
        assert isinstance(accepted, PurchaseAccepted)
        if not accepted.equipment:
            return
        bus = CommandBus.in_transaction("inventory", INVENTORY_EVENTS)
        ctx = replace(caused_by(envelope, SYSTEM), acted_at=accepted.accepted_at)
        for line in accepted.equipment:
            for unit in range(line.quantity):
                receive = ReceiveAsset(
                    campus_id=accepted.campus_id,
                    item_id=line.item_id,
                    description=line.description,
                    value_fen=line.unit_price_fen,
                    purchase_id=accepted.purchase_id,
                    line=line.line,
                    unit=unit,
                    for_room=line.room,
                )
                aid = purchased_asset_id(accepted.purchase_id, line.line, unit)
                await bus.execute(Asset, aid, Resolved(receive, envelope.tenant, aid), ctx, envelope.tenant, conn=conn)
