"""Assets: each room's assets and what they are worth, damages, compensation charges and
their status, stock-takes with their counts and variances, and room audits."""

from __future__ import annotations

from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.projection import Projection
from services.inventory import events as ev
from services.inventory.events import INVENTORY_EVENTS

TENANT = "district_id text, school_id text, campus_id text NOT NULL"


class Assets(Projection):
    name = "assets"
    event_types = frozenset(
        {
            "inventory.AssetRegistered",
            "inventory.AssetMoved",
            "inventory.AssetDamaged",
            "inventory.AssetRepaired",
            "inventory.AssetDisposalRequested",
            "inventory.AssetDisposalApproved",
            "inventory.AssetDisposed",
            "inventory.AssetDisposalRefused",
            "inventory.RoomAudited",
            "inventory.CompensationCharged",
            "inventory.CompensationPaid",
            "inventory.CompensationWaived",
            "inventory.StockTakeStarted",
            "inventory.StockCounted",
            "inventory.StockTakeClosed",
            "inventory.StockAdjusted",
        }
    )

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE {schema}.assets (
            asset_id text PRIMARY KEY, {TENANT}, tag text NOT NULL, room text NOT NULL, item_id text,
            description text NOT NULL, value_fen bigint NOT NULL, acquired_on date NOT NULL,
            registered_by text NOT NULL, damaged boolean NOT NULL DEFAULT false,
            damages bigint NOT NULL DEFAULT 0, disposal text, disposal_reason text,
            disposal_requested_by text, disposal_approved_by text, disposed_on date,
            disposal_refusals integer NOT NULL DEFAULT 0, disposal_refused_by text, disposal_refused_on date,
            disposal_refusal_reason text,
            status text GENERATED ALWAYS AS (
                CASE WHEN disposal IS NOT NULL THEN disposal WHEN damaged THEN 'damaged' ELSE 'in_use' END) STORED);
        CREATE INDEX ON {schema}.assets (campus_id, room);
        CREATE TABLE {schema}.damages (
            event_id uuid PRIMARY KEY, asset_id text NOT NULL, version integer NOT NULL, {TENANT},
            room text NOT NULL, cause text NOT NULL, by_kind text, by_id text, description text NOT NULL,
            damaged_on date NOT NULL, recorded_by text NOT NULL, charge_fen bigint NOT NULL);
        CREATE INDEX ON {schema}.damages (asset_id);
        CREATE TABLE {schema}.charges (
            charge_id text PRIMARY KEY, {TENANT}, against text NOT NULL, against_id text NOT NULL, item_id text,
            asset_id text, quantity integer NOT NULL, amount_fen bigint NOT NULL, reason text NOT NULL,
            charged_by text NOT NULL, charged_at timestamptz NOT NULL, damage_event_id text,
            status text NOT NULL DEFAULT 'charged', paid_on date, receipt_ref text, waived_on date,
            waived_reason text, closed_by text);
        CREATE INDEX ON {schema}.charges (campus_id, status);
        CREATE TABLE {schema}.stocktakes (
            stocktake_id text PRIMARY KEY, {TENANT}, period text NOT NULL, started_on date NOT NULL,
            started_by text NOT NULL, status text NOT NULL DEFAULT 'open', closed_on date, closed_by text,
            items integer, variances integer);
        CREATE TABLE {schema}.stocktake_counts (
            stocktake_id text NOT NULL, item_id text NOT NULL, counted integer NOT NULL, counted_by text NOT NULL,
            counted_at timestamptz, book_at_count bigint, PRIMARY KEY (stocktake_id, item_id));
        CREATE TABLE {schema}.stocktake_variances (
            stocktake_id text NOT NULL, item_id text NOT NULL, campus_id text NOT NULL, book bigint NOT NULL,
            counted integer NOT NULL, delta bigint NOT NULL, counted_by text NOT NULL,
            adjusted_at timestamptz NOT NULL, PRIMARY KEY (stocktake_id, item_id));
        CREATE TABLE {schema}.room_audits (
            audit_id text PRIMARY KEY, {TENANT}, room text NOT NULL, audited_on date NOT NULL,
            audited_by text NOT NULL, found_tags text[] NOT NULL, missing text[] NOT NULL,
            unregistered text[] NOT NULL);
        """

    async def apply(self, conn: Connection, schema: str, envelope: Envelope) -> None:
        e = INVENTORY_EVENTS.decode(envelope)
        s = schema
        tenant = (envelope.district_id, envelope.school_id)
        match e:
            case ev.AssetRegistered():
                await conn.execute(
                    f"INSERT INTO {s}.assets (asset_id, district_id, school_id, campus_id, tag, room, item_id, "
                    "description, value_fen, acquired_on, registered_by) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    e.asset_id,
                    *tenant,
                    e.campus_id,
                    e.tag,
                    e.room,
                    e.item_id,
                    e.description,
                    e.value_fen,
                    e.acquired_on,
                    e.registered_by,
                )
            case ev.AssetMoved():
                await self._asset(conn, s, e.asset_id, "room = $2", e.to_room)
            case ev.AssetDamaged():
                await conn.execute(
                    f"INSERT INTO {s}.damages (event_id, asset_id, version, district_id, school_id, campus_id, room, "
                    "cause, by_kind, by_id, description, damaged_on, recorded_by, charge_fen) "
                    f"SELECT $1, $2, $12, $3, $4, a.campus_id, a.room, $5, $6, $7, $8, $9, $10, $11 FROM {s}.assets a "
                    "WHERE a.asset_id = $2",
                    envelope.event_id,
                    e.asset_id,
                    *tenant,
                    e.cause.value,
                    e.by_kind.value if e.by_kind else None,
                    e.by_id,
                    e.description,
                    e.damaged_on,
                    e.recorded_by,
                    e.charge_fen,
                    envelope.version,
                )
                await self._asset(conn, s, e.asset_id, "damaged = true, damages = damages + $2", 1)
            case ev.AssetRepaired():
                await self._asset(conn, s, e.asset_id, "damaged = $2", False)
            case ev.AssetDisposalRequested():
                await conn.execute(
                    f"UPDATE {s}.assets SET disposal = 'disposal_requested', disposal_reason = $2, "
                    "disposal_requested_by = $3 WHERE asset_id = $1",
                    e.asset_id,
                    e.reason,
                    e.requested_by,
                )
            case ev.AssetDisposalApproved():
                await conn.execute(
                    f"UPDATE {s}.assets SET disposal = 'disposal_approved', disposal_approved_by = $2 "
                    "WHERE asset_id = $1",
                    e.asset_id,
                    e.approved_by,
                )
            case ev.AssetDisposed():
                await conn.execute(
                    f"UPDATE {s}.assets SET disposal = 'disposed', disposed_on = $2 WHERE asset_id = $1",
                    e.asset_id,
                    e.disposed_on,
                )
            case ev.AssetDisposalRefused():
                await conn.execute(
                    f"UPDATE {s}.assets SET disposal = NULL, disposal_reason = NULL, disposal_requested_by = NULL, "
                    "disposal_refusals = disposal_refusals + 1, disposal_refused_by = $2, disposal_refused_on = $3, "
                    "disposal_refusal_reason = $4 WHERE asset_id = $1",
                    e.asset_id,
                    e.refused_by,
                    e.refused_on,
                    e.reason,
                )
            case ev.RoomAudited():
                await conn.execute(
                    f"INSERT INTO {s}.room_audits (audit_id, district_id, school_id, campus_id, room, audited_on, "
                    "audited_by, found_tags, missing, unregistered) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    e.audit_id,
                    *tenant,
                    e.campus_id,
                    e.room,
                    e.audited_on,
                    e.audited_by,
                    e.found_tags,
                    e.missing,
                    e.unregistered,
                )
            case ev.CompensationCharged():
                await conn.execute(
                    f"INSERT INTO {s}.charges (charge_id, district_id, school_id, campus_id, against, against_id, "
                    "item_id, asset_id, quantity, amount_fen, reason, charged_by, charged_at, damage_event_id) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                    e.charge_id,
                    *tenant,
                    e.campus_id,
                    e.against.value,
                    e.against_id,
                    e.item_id,
                    e.asset_id,
                    e.quantity,
                    e.amount_fen,
                    e.reason,
                    e.charged_by,
                    e.charged_at,
                    envelope.causation_id if e.asset_id else None,  # the damage that raised it
                )
            case ev.CompensationPaid():
                await conn.execute(
                    f"UPDATE {s}.charges SET status = 'paid', paid_on = $2, receipt_ref = $3, closed_by = $4 "
                    "WHERE charge_id = $1",
                    e.charge_id,
                    e.paid_on,
                    e.receipt_ref,
                    e.recorded_by,
                )
            case ev.CompensationWaived():
                await conn.execute(
                    f"UPDATE {s}.charges SET status = 'waived', waived_on = $2, waived_reason = $3, closed_by = $4 "
                    "WHERE charge_id = $1",
                    e.charge_id,
                    e.waived_on,
                    e.reason,
                    e.waived_by,
                )
            case ev.StockTakeStarted():
                await conn.execute(
                    f"INSERT INTO {s}.stocktakes (stocktake_id, district_id, school_id, campus_id, period, "
                    "started_on, started_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    e.stocktake_id,
                    *tenant,
                    e.campus_id,
                    e.period.value,
                    e.started_on,
                    e.started_by,
                )
            case ev.StockCounted():
                await conn.execute(
                    f"INSERT INTO {s}.stocktake_counts (stocktake_id, item_id, counted, counted_by, counted_at, "
                    "book_at_count) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (stocktake_id, item_id) DO UPDATE SET "
                    "counted = EXCLUDED.counted, counted_by = EXCLUDED.counted_by, counted_at = EXCLUDED.counted_at, "
                    "book_at_count = EXCLUDED.book_at_count",
                    e.stocktake_id,
                    e.item_id,
                    e.counted,
                    e.counted_by,
                    e.counted_at,
                    e.book,
                )
            case ev.StockTakeClosed():
                await conn.execute(
                    f"UPDATE {s}.stocktakes SET status = 'closed', closed_on = $2, closed_by = $3, items = $4, "
                    "variances = $5 WHERE stocktake_id = $1",
                    e.stocktake_id,
                    e.closed_on,
                    e.closed_by,
                    e.items,
                    e.variances,
                )
            case ev.StockAdjusted():
                await conn.execute(
                    f"INSERT INTO {s}.stocktake_variances (stocktake_id, item_id, campus_id, book, counted, delta, "
                    "counted_by, adjusted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                    "ON CONFLICT (stocktake_id, item_id) DO NOTHING",
                    e.stocktake_id,
                    e.item_id,
                    e.campus_id,
                    e.book,
                    e.counted,
                    e.delta,
                    e.counted_by,
                    e.adjusted_at,
                )

    @staticmethod
    async def _asset(conn: Connection, s: str, asset_id: str, update: str, value: object) -> None:
        await conn.execute(f"UPDATE {s}.assets SET {update} WHERE asset_id = $1", asset_id, value)


ASSETS = Assets()
