"""Room asset routes (各室资产): register, move, damage (a person-caused damage raises its charge),
repair, dispose of with approval (报废), and room audits."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Literal

from fastapi import APIRouter

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import Context, CurrentPrincipal
from services.eventkit.auth import Role
from services.eventkit.commands import CommandResult
from services.eventkit.errors import NotFound
from services.eventkit.queries import Page, Query
from services.eventkit.routes import After, Limit, command_route
from services.inventory.assets import (
    ApproveDisposal,
    Asset,
    AuditRoom,
    DamageAsset,
    DisposeAsset,
    MoveAsset,
    RegisterAsset,
    RepairAsset,
    RequestDisposal,
    RoomAudit,
)
from services.inventory.common import APPROVERS, MANAGERS, STAFF
from services.inventory.compensation import ChargeForDamage, Compensation
from services.inventory.events import INVENTORY_EVENTS, AssetDamaged, DamageCause
from services.inventory.projections.assets import ASSETS
from services.inventory.queries.compensation import chargeable_party
from services.inventory.queries.stock import catalogued_item as _item

router = APIRouter(tags=["assets"])
S = ASSETS.schema

REPAIRERS = (*MANAGERS, Role.TECHNICIAN)
DISPOSAL_APPROVERS = (Role.VICE_PRINCIPAL, Role.DISTRICT_ADMIN)

TAG_ON_CAMPUS = (
    "SELECT data->>'asset_id' FROM events WHERE type = 'inventory.AssetRegistered' AND campus_id = $1 "
    "AND data->>'tag' = $2 AND stream_id <> $3 LIMIT 1"
)
# The tags of the assets in a room now, from the store (no projection lag): registered
# there or moved there last, and not disposed of.
TAGS_IN_ROOM = (
    "SELECT r.data->>'tag' FROM events r WHERE r.type = 'inventory.AssetRegistered' AND r.campus_id = $1 "
    "AND coalesce((SELECT m.data->>'to_room' FROM events m WHERE m.stream_id = r.stream_id "
    "AND m.type = 'inventory.AssetMoved' ORDER BY m.version DESC LIMIT 1), r.data->>'room') = $2 "
    "AND NOT EXISTS (SELECT 1 FROM events d WHERE d.stream_id = r.stream_id AND d.type = 'inventory.AssetDisposed')"
)


@command_route(router, "/assets", "Register an asset to a room, by its tag (unique on the campus)")
async def register_asset(cmd: RegisterAsset, ctx: Context, commands: CampusCommandsDep) -> CommandResult:
    tenant = await commands.campus(cmd.campus_id)
    ctx.principal.require(tenant, *MANAGERS)
    if cmd.item_id is not None:
        await _item(commands.bus, cmd.item_id, tenant.school_id, "item_id")
    async with commands.pool.acquire() as conn, conn.transaction():
        # Registrations of one tag on one campus wait for each other: the second sees the first.
        await conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext($1))", f"houqin.inventory.tag.{cmd.campus_id}.{cmd.tag}"
        )
        taken_by = await conn.fetchval(TAG_ON_CAMPUS, cmd.campus_id, cmd.tag, Asset.stream_id(cmd.asset_id))
        facts = {"tag_taken_by": taken_by or ""}
        return await commands.run(Asset, cmd.asset_id, cmd, ctx, tenant, MANAGERS, facts=facts, conn=conn)


@command_route(router, "/assets/{asset_id}/move", "Move an asset to another room")
async def move_asset(asset_id: str, cmd: MoveAsset, ctx: Context, commands: CampusCommandsDep) -> CommandResult:
    tenant = await commands.tenant_of(Asset, asset_id, "asset")
    return await commands.run(Asset, asset_id, cmd, ctx, tenant, MANAGERS)


@command_route(
    router,
    "/assets/{asset_id}/damage",
    "Record a damage (wear, or a person: then who, and the compensation charge is raised with it)",
)
async def damage_asset(asset_id: str, cmd: DamageAsset, ctx: Context, commands: CampusCommandsDep) -> CommandResult:
    tenant = await commands.tenant_of(Asset, asset_id, "asset")
    ctx.principal.require(tenant, *MANAGERS)
    if cmd.cause is DamageCause.PERSON and cmd.by_kind is not None and cmd.by_id is not None:
        await chargeable_party(commands.pool, tenant, cmd.by_kind, cmd.by_id, "by_id")
    async with commands.pool.acquire() as conn, conn.transaction():
        result = await commands.run(Asset, asset_id, cmd, ctx, tenant, MANAGERS, conn=conn)
        if result.duplicate or not result.events or cmd.cause is not DamageCause.PERSON:
            return result
        recorded = await commands.bus.store.read_stream(Asset.stream_id(asset_id), result.version, conn=conn)
        damaged = INVENTORY_EVENTS.decode(recorded[0])
        assert isinstance(damaged, AssetDamaged) and damaged.by_kind is not None and damaged.by_id is not None
        charge = ChargeForDamage(
            campus_id=tenant.campus_id or "",
            against=damaged.by_kind,
            against_id=damaged.by_id,
            asset_id=asset_id,
            amount_fen=damaged.charge_fen,
            reason=damaged.description,
        )
        # One damage, one charge: its id follows from the damage, and the damage is its cause.
        charge_id = cmd.charge_id or f"{asset_id}-damage-{result.version}"
        inner = replace(ctx, command_id=None, expected_version=None, causation_id=result.event_ids[0])
        await commands.run(Compensation, charge_id, charge, inner, tenant, MANAGERS, conn=conn)
    return result


@command_route(router, "/assets/{asset_id}/repair", "Record that a damaged asset is repaired")
async def repair_asset(asset_id: str, cmd: RepairAsset, ctx: Context, commands: CampusCommandsDep) -> CommandResult:
    tenant = await commands.tenant_of(Asset, asset_id, "asset")
    return await commands.run(Asset, asset_id, cmd, ctx, tenant, REPAIRERS)


@command_route(router, "/assets/{asset_id}/disposal", "Ask to dispose of an asset (报废), saying why")
async def request_disposal(
    asset_id: str, cmd: RequestDisposal, ctx: Context, commands: CampusCommandsDep
) -> CommandResult:
    tenant = await commands.tenant_of(Asset, asset_id, "asset")
    return await commands.run(Asset, asset_id, cmd, ctx, tenant, MANAGERS)


@command_route(
    router,
    "/assets/{asset_id}/disposal/approve",
    "Approve a disposal: a vice principal or district admin, never whoever asked for it",
)
async def approve_disposal(
    asset_id: str, cmd: ApproveDisposal, ctx: Context, commands: CampusCommandsDep
) -> CommandResult:
    tenant = await commands.tenant_of(Asset, asset_id, "asset")
    return await commands.run(Asset, asset_id, cmd, ctx, tenant, DISPOSAL_APPROVERS)


@command_route(router, "/assets/{asset_id}/dispose", "Dispose of an asset (报废), once its disposal is approved")
async def dispose_asset(asset_id: str, cmd: DisposeAsset, ctx: Context, commands: CampusCommandsDep) -> CommandResult:
    tenant = await commands.tenant_of(Asset, asset_id, "asset")
    return await commands.run(Asset, asset_id, cmd, ctx, tenant, MANAGERS)


@command_route(router, "/room-audits", "Audit a room: the tags found, against the assets registered to it")
async def audit_room(cmd: AuditRoom, ctx: Context, commands: CampusCommandsDep) -> CommandResult:
    tenant = await commands.campus(cmd.campus_id)
    ctx.principal.require(tenant, *APPROVERS)
    tags = [r[0] for r in await commands.pool.fetch(TAGS_IN_ROOM, cmd.campus_id, cmd.room)]
    facts = {"registered": json.dumps(sorted(tags), ensure_ascii=False)}
    return await commands.run(RoomAudit, cmd.audit_id, cmd, ctx, tenant, APPROVERS, facts=facts)


# -- queries -------------------------------------------------------------------------------

AssetStatus = Literal["in_use", "damaged", "disposal_requested", "disposal_approved", "disposed"]
ASSET_COLUMNS = (
    "asset_id, district_id, school_id, campus_id, tag, room, item_id, description, value_fen, acquired_on, "
    "registered_by, status, damaged, damages, disposal_reason, disposal_requested_by, disposal_approved_by, "
    "disposed_on"
)


@router.get("/assets", response_model=Page, summary="Assets, by campus, room and status")
async def list_assets(
    commands: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    room: str | None = None,
    status: AssetStatus | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF)
    q = Query(f"SELECT {ASSET_COLUMNS} FROM {S}.assets", "asset_id").scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("room = {}", room).filter("status = {}", status)
    return await q.page(commands.pool, after, limit)


@router.get("/assets/rooms", summary="Each room's assets (not disposed of) and what they are worth")
async def assets_per_room(
    commands: CampusCommandsDep, principal: CurrentPrincipal, campus_id: str | None = None
) -> list[dict[str, Any]]:
    principal.require_role(*STAFF)
    q = Query(
        "SELECT campus_id, room, count(*) AS assets, sum(value_fen)::bigint AS value_fen, "
        "count(*) FILTER (WHERE damaged) AS damaged, array_agg(tag ORDER BY tag) AS tags "
        f"FROM {S}.assets",
        "room",
    ).scoped(principal)
    q.filter("campus_id = {}", campus_id)
    q.where.append("status <> 'disposed'")
    sql = q.select_from + " WHERE " + " AND ".join(q.where) + " GROUP BY campus_id, room ORDER BY campus_id, room"
    return [dict(r) for r in await commands.pool.fetch(sql, *q.params)]


@router.get("/assets/{asset_id}", summary="One asset, with its damages and charges")
async def get_asset(asset_id: str, commands: CampusCommandsDep, principal: CurrentPrincipal) -> dict[str, Any]:
    principal.require_role(*STAFF)
    q = Query(f"SELECT {ASSET_COLUMNS} FROM {S}.assets", "asset_id").scoped(principal)
    row = await q.filter("asset_id = {}", asset_id).one(commands.pool)
    if row is None:
        raise NotFound(f"asset {asset_id} not found")
    damages = await commands.pool.fetch(
        f"SELECT event_id::text AS event_id, room, cause, by_kind, by_id, description, damaged_on, recorded_by, "
        f"charge_fen FROM {S}.damages WHERE asset_id = $1 ORDER BY version",
        asset_id,
    )
    charges = await commands.pool.fetch(
        f"SELECT charge_id, against, against_id, amount_fen, status, damage_event_id FROM {S}.charges "
        "WHERE asset_id = $1 ORDER BY charged_at",
        asset_id,
    )
    return row | {"damage_records": [dict(r) for r in damages], "charges": [dict(r) for r in charges]}


@router.get("/room-audits", response_model=Page, summary="Room audits: what was missing and what unregistered")
async def list_room_audits(
    commands: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    room: str | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF)
    q = Query(
        "SELECT audit_id, district_id, school_id, campus_id, room, audited_on, audited_by, found_tags, missing, "
        f"unregistered FROM {S}.room_audits",
        "audit_id",
    ).scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("room = {}", room)
    return await q.page(commands.pool, after, limit)
