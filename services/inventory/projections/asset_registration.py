"""Asset registration (各室财产登记): every asset of a campus, received from an accepted purchase
and waiting to be registered to a room, or registered to one (by hand, or after it was received);
a room's registration is complete when no asset bought for it still waits."""

from __future__ import annotations

from services.eventkit.days import local_day
from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.projection import Projection
from services.inventory import events as ev
from services.inventory.assets import Asset
from services.inventory.events import INVENTORY_EVENTS


class AssetRegistration(Projection):
    name = "asset_registration"
    streams = (Asset,)
    event_types = frozenset(
        {"inventory.AssetReceived", "inventory.AssetRegistered", "inventory.AssetMoved", "inventory.AssetDisposed"}
    )

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE {schema}.asset_registration (
            asset_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            item_id text, description text NOT NULL, value_fen bigint NOT NULL,
            purchase_id text, line integer, unit integer, accepted_on date, for_room text,
            status text NOT NULL, room text, tag text, acquired_on date, registered_by text, registered_on date,
            -- the room it counts for: where it is, or, while it waits, where it was bought for ('' if unsaid)
            counted_room text GENERATED ALWAYS AS (coalesce(room, for_room, '')) STORED);
        CREATE INDEX ON {schema}.asset_registration (campus_id, counted_room);
        CREATE INDEX ON {schema}.asset_registration (purchase_id);
        """

    async def apply(self, conn: Connection, schema: str, envelope: Envelope) -> None:
        e = INVENTORY_EVENTS.decode(envelope)
        s = schema
        match e:
            case ev.AssetReceived():
                await conn.execute(
                    f"INSERT INTO {s}.asset_registration (asset_id, district_id, school_id, campus_id, item_id, "
                    "description, value_fen, purchase_id, line, unit, accepted_on, for_room, status) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'waiting') "
                    "ON CONFLICT (asset_id) DO NOTHING",
                    e.asset_id,
                    envelope.district_id,
                    envelope.school_id,
                    e.campus_id,
                    e.item_id,
                    e.description,
                    e.value_fen,
                    e.purchase_id,
                    e.line,
                    e.unit,
                    e.accepted_on,
                    e.for_room,
                )
            case ev.AssetRegistered():
                await conn.execute(
                    f"INSERT INTO {s}.asset_registration (asset_id, district_id, school_id, campus_id, item_id, "
                    "description, value_fen, status, room, tag, acquired_on, registered_by, registered_on) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, 'registered', $8, $9, $10, $11, $12) "
                    "ON CONFLICT (asset_id) DO UPDATE SET status = 'registered', room = excluded.room, "
                    "tag = excluded.tag, acquired_on = excluded.acquired_on, registered_by = excluded.registered_by, "
                    "registered_on = excluded.registered_on",
                    e.asset_id,
                    envelope.district_id,
                    envelope.school_id,
                    e.campus_id,
                    e.item_id,
                    e.description,
                    e.value_fen,
                    e.room,
                    e.tag,
                    e.acquired_on,
                    e.registered_by,
                    local_day(envelope.occurred_at),  # the day it was registered (the act's own time)
                )
            case ev.AssetMoved():
                await conn.execute(
                    f"UPDATE {s}.asset_registration SET room = $2 WHERE asset_id = $1", e.asset_id, e.to_room
                )
            case ev.AssetDisposed():
                await conn.execute(
                    f"UPDATE {s}.asset_registration SET status = 'disposed' WHERE asset_id = $1", e.asset_id
                )


ASSET_REGISTRATION = AssetRegistration()
