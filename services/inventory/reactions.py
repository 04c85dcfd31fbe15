"""Reactions of the inventory to events (its own and other services'): each acts once."""

from __future__ import annotations

from services.eventkit.auth import Principal
from services.eventkit.commands import CommandBus, caused_by
from services.eventkit.consumer import Reaction
from services.eventkit.db import Connection
from services.eventkit.decider import Resolved
from services.eventkit.envelope import Envelope
from services.inventory.events import INVENTORY_EVENTS, PurchaseAccepted
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
