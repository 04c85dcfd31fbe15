"""Inventory counts: per campus and item, on hand, issued per day (for "this month" as of any
day), quota used, below the reorder point; the catalogue, quotas, requisitions and the
procurement pipeline. Times are the acts' (the events' own), never when they were recorded."""

from __future__ import annotations

import json

from services.eventkit.days import local_day
from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.projection import Projection
from services.inventory import events as ev
from services.inventory.events import INVENTORY_EVENTS


class InventoryCounts(Projection):
    name = "inventory_counts"
    event_types = frozenset(
        {
            "inventory.ItemCatalogued",
            "inventory.ItemRepriced",
            "inventory.ReorderPointChanged",
            "inventory.StockReceived",
            "inventory.StockIssued",
            "inventory.StockAdjusted",
            "inventory.QuotaSet",
            "inventory.QuotaOverrideApproved",
            "inventory.QuotaConsumed",
            "inventory.RequisitionFulfilled",
            "inventory.PurchaseRequested",
            "inventory.PurchaseApproved",
            "inventory.PurchaseRejected",
            "inventory.PurchaseMade",
            "inventory.AcceptanceSigned",
            "inventory.PurchaseAccepted",
            "inventory.PurchaseSettled",
        }
    )

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE {schema}.items (
            item_id text PRIMARY KEY, school_id text NOT NULL, name text NOT NULL, unit text NOT NULL,
            category text NOT NULL, consumable boolean NOT NULL, unit_price_fen integer NOT NULL,
            reorder_point integer NOT NULL);
        CREATE TABLE {schema}.stock (
            campus_id text NOT NULL, item_id text NOT NULL, on_hand bigint NOT NULL DEFAULT 0,
            received bigint NOT NULL DEFAULT 0, issued bigint NOT NULL DEFAULT 0,
            adjusted bigint NOT NULL DEFAULT 0, PRIMARY KEY (campus_id, item_id));
        CREATE TABLE {schema}.issued_by_day (
            campus_id text NOT NULL, item_id text NOT NULL, day date NOT NULL, quantity bigint NOT NULL,
            PRIMARY KEY (campus_id, item_id, day));
        CREATE TABLE {schema}.quotas (
            campus_id text NOT NULL, department_id text NOT NULL, item_id text NOT NULL, term_id text NOT NULL,
            quota integer, overrides bigint NOT NULL DEFAULT 0, used bigint NOT NULL DEFAULT 0,
            PRIMARY KEY (campus_id, department_id, item_id, term_id));
        CREATE TABLE {schema}.requisitions (
            requisition_id text PRIMARY KEY, campus_id text NOT NULL, department_id text NOT NULL,
            recipient_kind text NOT NULL, recipient_id text NOT NULL, term_id text NOT NULL, lines jsonb NOT NULL,
            issued_by text NOT NULL, issued_at timestamptz NOT NULL);
        CREATE TABLE {schema}.purchases (
            purchase_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            category text NOT NULL, status text NOT NULL, reason text NOT NULL, requested_by text NOT NULL,
            requested_at timestamptz NOT NULL, estimated_fen bigint NOT NULL, lines jsonb NOT NULL,
            decided_by text, approved_at timestamptz, supplier text, total_fen bigint,
            signers text[] NOT NULL DEFAULT '{{}}', accepted_at timestamptz, invoice_ref text, settled_fen bigint,
            settled_on date);
        CREATE INDEX ON {schema}.purchases (campus_id, status);
        """

    async def apply(self, conn: Connection, schema: str, envelope: Envelope) -> None:
        e = INVENTORY_EVENTS.decode(envelope)
        s = schema
        match e:
            case ev.ItemCatalogued():
                await conn.execute(
                    f"INSERT INTO {s}.items (item_id, school_id, name, unit, category, consumable, unit_price_fen, "
                    "reorder_point) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    e.item_id,
                    e.school_id,
                    e.name,
                    e.unit,
                    e.category,
                    e.consumable,
                    e.unit_price_fen,
                    e.reorder_point,
                )
            case ev.ItemRepriced():
                await conn.execute(
                    f"UPDATE {s}.items SET unit_price_fen = $2 WHERE item_id = $1", e.item_id, e.unit_price_fen
                )
            case ev.ReorderPointChanged():
                await conn.execute(
                    f"UPDATE {s}.items SET reorder_point = $2 WHERE item_id = $1", e.item_id, e.reorder_point
                )
            case ev.StockReceived():
                await self._stock(conn, s, e.campus_id, e.item_id, e.quantity, "received", e.quantity)
            case ev.StockIssued():
                await self._stock(conn, s, e.campus_id, e.item_id, -e.quantity, "issued", e.quantity)
                await conn.execute(
                    f"INSERT INTO {s}.issued_by_day (campus_id, item_id, day, quantity) VALUES ($1, $2, $3, $4) "
                    f"ON CONFLICT (campus_id, item_id, day) DO UPDATE SET quantity = {s}.issued_by_day.quantity + $4",
                    e.campus_id,
                    e.item_id,
                    local_day(e.issued_at),  # the act's day at the school
                    e.quantity,
                )
            case ev.StockAdjusted():
                await self._stock(conn, s, e.campus_id, e.item_id, e.delta, "adjusted", e.delta)
            case ev.QuotaSet():
                await self._quota(conn, s, e, "quota = $5", e.quantity)
            case ev.QuotaOverrideApproved():
                await self._quota(conn, s, e, f"overrides = {s}.quotas.overrides + $5", e.extra)
            case ev.QuotaConsumed():
                await self._quota(conn, s, e, f"used = {s}.quotas.used + $5", e.quantity)
            case ev.RequisitionFulfilled():
                await conn.execute(
                    f"INSERT INTO {s}.requisitions (requisition_id, campus_id, department_id, recipient_kind, "
                    "recipient_id, term_id, lines, issued_by, issued_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    e.requisition_id,
                    e.campus_id,
                    e.department_id,
                    e.recipient_kind.value,
                    e.recipient_id,
                    e.term_id,
                    [json.loads(li.model_dump_json()) for li in e.lines],
                    e.issued_by,
                    e.issued_at,
                )
            case ev.PurchaseRequested():
                await conn.execute(
                    f"INSERT INTO {s}.purchases (purchase_id, district_id, school_id, campus_id, category, status, "
                    "reason, requested_by, requested_at, estimated_fen, lines) "
                    "VALUES ($1, $2, $3, $4, $5, 'requested', $6, $7, $8, $9, $10)",
                    e.purchase_id,
                    envelope.district_id,
                    envelope.school_id,
                    e.campus_id,
                    e.category.value,
                    e.reason,
                    e.requested_by,
                    e.requested_at,
                    sum(li.quantity * li.estimated_unit_price_fen for li in e.lines),
                    [json.loads(li.model_dump_json()) for li in e.lines],
                )
            case ev.PurchaseApproved():
                await conn.execute(
                    f"UPDATE {s}.purchases SET status = 'approved', decided_by = $2, approved_at = $3 "
                    "WHERE purchase_id = $1",
                    e.purchase_id,
                    e.approved_by,
                    e.approved_at,
                )
            case ev.PurchaseRejected():
                await self._purchase(conn, s, e.purchase_id, "status = 'rejected', decided_by = $2", e.rejected_by)
            case ev.PurchaseMade():
                await conn.execute(
                    f"UPDATE {s}.purchases SET status = 'purchased', supplier = $2, total_fen = $3 "
                    "WHERE purchase_id = $1",
                    e.purchase_id,
                    e.supplier,
                    e.total_fen,
                )
            case ev.AcceptanceSigned():
                await self._purchase(conn, s, e.purchase_id, "signers = array_append(signers, $2)", e.signed_by)
            case ev.PurchaseAccepted():
                await self._purchase(conn, s, e.purchase_id, "status = 'accepted', accepted_at = $2", e.accepted_at)
            case ev.PurchaseSettled():
                await conn.execute(
                    f"UPDATE {s}.purchases SET status = 'settled', invoice_ref = $2, settled_fen = $3, "
                    "settled_on = $4 WHERE purchase_id = $1",
                    e.purchase_id,
                    e.invoice_ref,
                    e.amount_fen,
                    e.settled_on,
                )

    @staticmethod
    async def _stock(
        conn: Connection, s: str, campus_id: str, item_id: str, delta: int, column: str, amount: int
    ) -> None:
        await conn.execute(
            f"INSERT INTO {s}.stock (campus_id, item_id, on_hand, {column}) VALUES ($1, $2, $3, $4) "
            f"ON CONFLICT (campus_id, item_id) DO UPDATE SET on_hand = {s}.stock.on_hand + $3, "
            f"{column} = {s}.stock.{column} + $4",
            campus_id,
            item_id,
            delta,
            amount,
        )

    @staticmethod
    async def _quota(
        conn: Connection, s: str, e: ev.QuotaSet | ev.QuotaOverrideApproved | ev.QuotaConsumed, update: str, value: int
    ) -> None:
        column = update.split(" = ")[0]
        await conn.execute(
            f"INSERT INTO {s}.quotas (campus_id, department_id, item_id, term_id, {column}) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (campus_id, department_id, item_id, term_id) "
            f"DO UPDATE SET {update}",
            e.campus_id,
            e.department_id,
            e.item_id,
            e.term_id,
            value,
        )

    @staticmethod
    async def _purchase(conn: Connection, s: str, purchase_id: str, update: str, value: object) -> None:
        await conn.execute(f"UPDATE {s}.purchases SET {update} WHERE purchase_id = $1", purchase_id, value)


INVENTORY_COUNTS = InventoryCounts()
