"""Reads of room assets (all, per room, one with its damages and charges) and room audits, from
the assets projection; and, from the store (no projection lag), a tag's asset on a campus and the
tags in a room now, for the commands."""

from __future__ import annotations

from typing import Any, Literal

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.db import Connection
from services.eventkit.errors import NotFound
from services.eventkit.queries import Query
from services.inventory.assets import Asset
from services.inventory.projections.assets import ASSETS

S = ASSETS.schema

TAG_ON_CAMPUS = (
    "SELECT data->>'asset_id' FROM events WHERE type = 'inventory.AssetRegistered' AND campus_id = $1 "
    "AND data->>'tag' = $2 AND stream_id <> $3 LIMIT 1"
)
# The tags of the assets in a room now, from the store (no projection lag): registered
# there or moved there last, and not disposed of; each with the day its asset was acquired.
TAGS_IN_ROOM = (
    "SELECT r.data->>'tag', r.data->>'acquired_on' FROM events r "
    "WHERE r.type = 'inventory.AssetRegistered' AND r.campus_id = $1 "
    "AND coalesce((SELECT m.data->>'to_room' FROM events m WHERE m.stream_id = r.stream_id "
    "AND m.type = 'inventory.AssetMoved' ORDER BY m.version DESC LIMIT 1), r.data->>'room') = $2 "
    "AND NOT EXISTS (SELECT 1 FROM events d WHERE d.stream_id = r.stream_id AND d.type = 'inventory.AssetDisposed')"
)


async def tag_taken_by(conn: Connection, campus_id: str, tag: str, asset_id: str) -> str | None:
    """Another asset registered on the campus with this tag, if any."""
    taken_by: str | None = await conn.fetchval(TAG_ON_CAMPUS, campus_id, tag, Asset.stream_id(asset_id))
    return taken_by


async def tags_in_room(pool: asyncpg.Pool, campus_id: str, room: str) -> dict[str, str]:
    """The tags of the assets in a room now, each with the day its asset was acquired (ISO)."""
    return {r[0]: r[1] for r in await pool.fetch(TAGS_IN_ROOM, campus_id, room)}


AssetStatus = Literal["in_use", "damaged", "disposal_requested", "disposal_approved", "disposed"]
ASSET_COLUMNS = (
    "asset_id, district_id, school_id, campus_id, tag, room, item_id, description, value_fen, acquired_on, "
    "registered_by, status, damaged, damages, disposal_reason, disposal_requested_by, disposal_approved_by, "
    "disposed_on, disposal_refusals, disposal_refused_by, disposal_refused_on, disposal_refusal_reason"
)


# An asset with its damages (oldest first) and the charges raised for it (in the order charged).
ASSET = (
    f"SELECT {ASSET_COLUMNS}, "
    "coalesce((SELECT json_agg(json_build_object('event_id', d.event_id::text, 'room', d.room, 'cause', d.cause, "
    "'by_kind', d.by_kind, 'by_id', d.by_id, 'description', d.description, 'damaged_on', d.damaged_on, "
    "'recorded_by', d.recorded_by, 'charge_fen', d.charge_fen) ORDER BY d.version) "
    f"FROM {S}.damages d WHERE d.asset_id = a.asset_id), '[]') AS damage_records, "
    "coalesce((SELECT json_agg(json_build_object('charge_id', c.charge_id, 'against', c.against, "
    "'against_id', c.against_id, 'amount_fen', c.amount_fen, 'status', c.status, "
    "'damage_event_id', c.damage_event_id) ORDER BY c.charged_at, c.charge_id) "
    f"FROM {S}.charges c WHERE c.asset_id = a.asset_id), '[]') AS charges "
    f"FROM {S}.assets a"
)


def asset_list(
    principal: Principal,
    campus_id: str | None,
    room: str | None,
    status: AssetStatus | None,
    ids: list[str] | None = None,
) -> Query:
    """The assets a list asks for (``ids``: only those), in the caller's scope, each with its damages and charges."""
    q = Query(ASSET, "asset_id").scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("room = {}", room).filter("status = {}", status)
    return q.filter("asset_id = ANY({}::text[])", ids)


async def rooms(pool: asyncpg.Pool, principal: Principal, campus_id: str | None) -> list[dict[str, Any]]:
    """Each room's assets (not disposed of) and what they are worth, in the caller's scope."""
    q = Query(
        "SELECT campus_id, room, count(*) AS assets, sum(value_fen)::bigint AS value_fen, "
        "count(*) FILTER (WHERE damaged) AS damaged, array_agg(tag ORDER BY tag) AS tags "
        f"FROM {S}.assets",
        "room",
    ).scoped(principal)
    q.filter("campus_id = {}", campus_id)
    q.where.append("status <> 'disposed'")
    sql = q.select_from + " WHERE " + " AND ".join(q.where) + " GROUP BY campus_id, room ORDER BY campus_id, room"
    return [dict(r) for r in await pool.fetch(sql, *q.params)]


async def asset(pool: asyncpg.Pool, principal: Principal, asset_id: str) -> dict[str, Any]:
    """One asset in the caller's scope, with its damages and charges, or a 404."""
    row = await Query(ASSET, "asset_id").scoped(principal).filter("asset_id = {}", asset_id).one(pool)
    if row is None:
        raise NotFound(f"asset {asset_id} not found")
    return row


def room_audit_list(
    principal: Principal, campus_id: str | None, room: str | None, asset_ids: list[str] | None = None
) -> Query:
    """Room audits (what was missing and what unregistered), in the caller's scope; with ``asset_ids``,
    only those that name the tag of one of these assets on its campus (found, missing or unregistered)."""
    q = Query(
        "SELECT audit_id, district_id, school_id, campus_id, room, audited_on, audited_by, found_tags, missing, "
        f"unregistered FROM {S}.room_audits r",
        "audit_id",
    ).scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("room = {}", room)
    return q.filter(
        f"EXISTS (SELECT 1 FROM {S}.assets a WHERE a.asset_id = ANY({{}}::text[]) AND a.campus_id = r.campus_id "
        "AND (a.tag = ANY(r.found_tags) OR a.tag = ANY(r.missing) OR a.tag = ANY(r.unregistered)))",
        asset_ids,
    )
