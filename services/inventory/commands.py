"""Every command of the inventory service: which aggregate it goes to, where it belongs, who may
send it, what else is looked up. The routes are made from this table (see
``services.eventkit.command_table``); the gateway makes a mutation of each row.

A custom endpoint is one a row cannot say: a role chosen from the entity's state, or several
streams written in one transaction."""

from __future__ import annotations

import json
from dataclasses import replace

from services.campus.mirror import staff_member, term_of
from services.campus.scoped import (
    CampusCommands,
    CampusCommandsDep,
    assignee_on_campus,
    campus_command_table,
    school_in_body,
)
from services.eventkit.acts import act_instant
from services.eventkit.app import Context
from services.eventkit.auth import Role
from services.eventkit.command_table import Facts, Target
from services.eventkit.commands import CommandContext, CommandResult
from services.eventkit.days import local_day
from services.eventkit.db import Connection
from services.eventkit.errors import ConcurrencyConflict, Forbidden, InvalidInput
from services.inventory.assets import (
    ApproveDisposal,
    Asset,
    AssetState,
    AuditRoom,
    DamageAsset,
    DisposeAsset,
    MoveAsset,
    RefuseDisposal,
    RegisterAsset,
    RegisterReceivedAsset,
    RepairAsset,
    RequestDisposal,
    RoomAudit,
)
from services.inventory.common import (
    APPROVERS,
    COUNTERS,
    DISPOSAL_APPROVERS,
    MANAGERS,
    REPAIRERS,
    REPORTERS,
    STAFF,
)
from services.inventory.compensation import (
    ChargeCompensation,
    ChargeForDamage,
    Compensation,
    PayCompensation,
    WaiveCompensation,
)
from services.inventory.events import INVENTORY_EVENTS, AssetDamaged, DamageCause, PurchaseCategory
from services.inventory.keys import IssueKey, Key, KeyState, ReportKeyLost, ReturnKey
from services.inventory.procurement import (
    ApprovePurchase,
    Purchase,
    PurchaseState,
    RecordPurchase,
    RejectPurchase,
    RequestPurchase,
    SettlePurchase,
    SignAcceptance,
)
from services.inventory.queries.assets import tag_taken_by, tags_in_room
from services.inventory.queries.compensation import chargeable_party
from services.inventory.queries.stock import catalogued_item
from services.inventory.queries.stocktake import open_stocktake
from services.inventory.repairs import AssignRepair, CompleteRepair, Repair, RepairState, ReportRepair, VerifyRepair
from services.inventory.stock import (
    ApproveQuotaOverride,
    CatalogueItem,
    ChangeReorderPoint,
    ConsumeQuota,
    IssueFromStock,
    IssueRequisition,
    Item,
    Quota,
    ReceiveStock,
    RepriceItem,
    Requisition,
    SetQuota,
    Stock,
    StockState,
    quota_id,
    returned_item,
    stock_id,
)
from services.inventory.stocktake import (
    CloseStockTake,
    RecordCount,
    StartStockTake,
    StockTake,
    StockTakeState,
    StockTakeStatus,
    adjustments,
)

COMMANDS = campus_command_table("inventory")


async def wait_for(conn: Connection, key: str) -> None:
    """Transactions taking the same key wait for each other (until this one ends): the second
    sees what the first wrote."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", key)


# -- stock: the catalogue (a school's), stock, quotas, requisitions -------------------------------


async def item_of_school(
    inventory: CampusCommands, cmd: ReceiveStock | SetQuota, ctx: CommandContext, at: Target
) -> Facts:
    """The item is one the campus's school catalogues."""
    await catalogued_item(inventory.bus, cmd.item_id, at.tenant.school_id, "item_id")
    return {}


def stock_of(cmd: ReceiveStock) -> str:
    return stock_id(cmd.campus_id, cmd.item_id)


def quota_of(cmd: SetQuota | ApproveQuotaOverride) -> str:
    return quota_id(cmd.campus_id, cmd.department_id, cmd.item_id, cmd.term_id)


# An item belongs to a school: its managers on any of the school's campuses keep the catalogue.
COMMANDS.new(
    "stock",
    "/items",
    "Catalogue an item of the school",
    CatalogueItem,
    Item,
    id="item_id",
    roles=MANAGERS,
    tenant=school_in_body,
)
COMMANDS.existing(
    "stock",
    "/items/{item_id}/price",
    "Change an item's price",
    RepriceItem,
    Item,
    what="item",
    roles=MANAGERS,
)
COMMANDS.existing(
    "stock",
    "/items/{item_id}/reorder-point",
    "Change an item's reorder point",
    ChangeReorderPoint,
    Item,
    what="item",
    roles=MANAGERS,
)
COMMANDS.new(
    "stock",
    "/stock/receipts",
    "Receive goods by hand (not through a purchase), with a reason",
    ReceiveStock,
    Stock,
    id=stock_of,
    roles=MANAGERS,
    check=item_of_school,
)
COMMANDS.new(
    "stock",
    "/quotas",
    "Set a department's quota of an item for a term",
    SetQuota,
    Quota,
    id=quota_of,
    roles=MANAGERS,
    check=item_of_school,
)
COMMANDS.new(
    "stock",
    "/quotas/overrides",
    "Approve issuing beyond a quota",
    ApproveQuotaOverride,
    Quota,
    id=quota_of,
    roles=APPROVERS,
)


@COMMANDS.custom("stock", "/requisitions", "Issue goods against a requisition list (all lines or none)")
async def issue_requisition(cmd: IssueRequisition, ctx: Context, inventory: CampusCommandsDep) -> CommandResult:
    # Custom: the list, each line's stock and each department's quota in one transaction.
    # The lines are issued, and the quotas used, at the requisition's time.
    tenant = await inventory.campus(cmd.campus_id)
    ctx.principal.require(tenant, *MANAGERS)
    acted_at = act_instant(cmd, ctx.occurred_at)
    term_id = cmd.term_id
    if term_id is None:
        term = await term_of(inventory.pool, tenant.school_id or "", local_day(acted_at))
        if term is None:
            raise InvalidInput(
                "the requisition's day is in no term of the school calendar: name the term", field="term_id"
            )
        term_id = term["term_id"]
    for i, line in enumerate(cmd.lines):
        await catalogued_item(inventory.bus, line.item_id, tenant.school_id, f"lines.{i}.item_id")
    facts = {"term_id": term_id}
    async with inventory.pool.acquire() as conn, conn.transaction():
        result = await inventory.run(
            Requisition, cmd.requisition_id, cmd, ctx, tenant, MANAGERS, facts=facts, conn=conn
        )
        if result.duplicate:
            return result
        inner = replace(ctx, command_id=None, expected_version=None, acted_at=acted_at)
        for i, line in enumerate(cmd.lines):
            issue = IssueFromStock(
                campus_id=cmd.campus_id,
                item_id=line.item_id,
                quantity=line.quantity,
                recipient_kind=cmd.recipient_kind,
                recipient_id=cmd.recipient_id,
                department_id=cmd.department_id,
                term_id=term_id,
                requisition_id=cmd.requisition_id,
                exchange=line.exchange,
                override_id=cmd.override_id,
                line=i,
                returned=returned_item(line),
            )
            await inventory.run(Stock, stock_id(cmd.campus_id, line.item_id), issue, inner, tenant, MANAGERS, conn=conn)
            if not line.exchange:
                consume = ConsumeQuota(
                    quantity=line.quantity, requisition_id=cmd.requisition_id, override_id=cmd.override_id, line=i
                )
                qid = quota_id(cmd.campus_id, cmd.department_id, line.item_id, term_id)
                quota_facts = {"department_id": cmd.department_id, "item_id": line.item_id, "term_id": term_id}
                await inventory.run(Quota, qid, consume, inner, tenant, MANAGERS, facts=quota_facts, conn=conn)
    return result


# -- procurement: request, approve or reject, record, accept, settle ------------------------------


async def items_of_school(inventory: CampusCommands, cmd: RequestPurchase, ctx: CommandContext, at: Target) -> Facts:
    """Each item the purchase's lines name is one the campus's school catalogues."""
    for i, line in enumerate(cmd.lines):
        if line.item_id is not None:
            await catalogued_item(inventory.bus, line.item_id, at.tenant.school_id, f"lines.{i}.item_id")
    return {}


COMMANDS.new(
    "procurement",
    "/purchases",
    "Ask for a purchase (declared in advance)",
    RequestPurchase,
    Purchase,
    id="purchase_id",
    roles=STAFF,
    check=items_of_school,
)
COMMANDS.existing(
    "procurement",
    "/purchases/{purchase_id}/approve",
    "Approve a purchase",
    ApprovePurchase,
    Purchase,
    what="purchase",
    roles=APPROVERS,
)
COMMANDS.existing(
    "procurement",
    "/purchases/{purchase_id}/reject",
    "Reject a purchase, saying why",
    RejectPurchase,
    Purchase,
    what="purchase",
    roles=APPROVERS,
)
COMMANDS.existing(
    "procurement",
    "/purchases/{purchase_id}/bought",
    "Record what was bought, from whom, at what price",
    RecordPurchase,
    Purchase,
    what="purchase",
    roles=MANAGERS,
)


@COMMANDS.custom(
    "procurement",
    "/purchases/{purchase_id}/acceptance",
    "Sign the acceptance: the campus's vice principal (everyday) or acceptance team members (major)",
)
async def sign_acceptance(
    purchase_id: str, cmd: SignAcceptance, ctx: Context, inventory: CampusCommandsDep
) -> CommandResult:
    # Custom: the role that signs follows from the purchase's category, read from its state.
    tenant = await inventory.tenant_of(Purchase, purchase_id, "purchase", principal=ctx.principal)
    state: PurchaseState
    state, _ = await inventory.bus.load(Purchase, Purchase.stream_id(purchase_id))
    role = Role.VICE_PRINCIPAL if state.category is PurchaseCategory.EVERYDAY else Role.ACCEPTANCE_MEMBER
    if not ctx.principal.holds(tenant, role):
        raise Forbidden(f"a {state.category.value} purchase is accepted by the {role.value.replace('_', ' ')}")
    consumables: list[str] = []
    equipment: list[str] = []
    for line in state.lines:
        if line.item_id is not None:
            item = await catalogued_item(inventory.bus, line.item_id, None, "item_id")
            (consumables if item.consumable else equipment).append(line.item_id)
    facts = {
        "as_role": role.value,
        "quorum": str(inventory.runtime.settings.acceptance_quorum),
        "consumables": ",".join(consumables),
        "equipment": ",".join(equipment),
    }
    return await inventory.run(Purchase, purchase_id, cmd, ctx, tenant, (role,), facts=facts)


COMMANDS.existing(
    "procurement",
    "/purchases/{purchase_id}/settle",
    "Settle an accepted purchase with its invoice",
    SettlePurchase,
    Purchase,
    what="purchase",
    roles=MANAGERS,
)


# -- keys: issue, return, report lost -------------------------------------------------------------


async def holder_at_school(inventory: CampusCommands, cmd: IssueKey, ctx: CommandContext, at: Target) -> Facts:
    """A key is issued to a member of staff of its school."""
    holder = await staff_member(inventory.pool, cmd.holder_id, field="holder_id")
    if holder["school_id"] != at.tenant.school_id:
        raise InvalidInput(f"{holder['name']} does not work at this school", field="holder_id")
    return {}


COMMANDS.new(
    "keys",
    "/keys",
    "Issue a key to a staff member, with the date it is due back (or issue it again)",
    IssueKey,
    Key,
    id="key_id",
    roles=MANAGERS,
    lookup=holder_at_school,
)
COMMANDS.existing("keys", "/keys/{key_id}/return", "Take a key back", ReturnKey, Key, what="key", roles=MANAGERS)


@COMMANDS.custom("keys", "/keys/{key_id}/lost", "Report a key lost (a manager, or its holder)")
async def report_key_lost(key_id: str, cmd: ReportKeyLost, ctx: Context, inventory: CampusCommandsDep) -> CommandResult:
    # Custom: its holder may report it too, which is read from the key's state.
    tenant = await inventory.tenant_of(Key, key_id, "key", principal=ctx.principal)
    state: KeyState
    state, _ = await inventory.bus.load(Key, Key.stream_id(key_id))
    roles = STAFF if state.holder_id == ctx.principal.subject else MANAGERS
    return await inventory.run(Key, key_id, cmd, ctx, tenant, roles)


# -- repairs: report, assign, record done, verify -------------------------------------------------


COMMANDS.new(
    "repairs",
    "/repairs",
    "Report something that needs repairing (cleaners, guards, technicians, managers)",
    ReportRepair,
    Repair,
    id="repair_id",
    roles=REPORTERS,
)
COMMANDS.existing(
    "repairs",
    "/repairs/{repair_id}/assign",
    "Assign a repair to a staff member of its campus",
    AssignRepair,
    Repair,
    what="repair",
    roles=MANAGERS,
    lookup=assignee_on_campus,
)


@COMMANDS.custom("repairs", "/repairs/{repair_id}/done", "Record a repair done (its assignee, or a manager)")
async def complete_repair(
    repair_id: str, cmd: CompleteRepair, ctx: Context, inventory: CampusCommandsDep
) -> CommandResult:
    # Custom: its assignee may record it done too, which is read from the repair's state.
    tenant = await inventory.tenant_of(Repair, repair_id, "repair", principal=ctx.principal)
    state: RepairState
    state, _ = await inventory.bus.load(Repair, Repair.stream_id(repair_id))
    roles = STAFF if state.assignee_id == ctx.principal.subject else MANAGERS
    return await inventory.run(Repair, repair_id, cmd, ctx, tenant, roles)


COMMANDS.existing(
    "repairs",
    "/repairs/{repair_id}/verify",
    "Verify a repair (a manager other than whoever did it)",
    VerifyRepair,
    Repair,
    what="repair",
    roles=MANAGERS,
)


# -- compensation: charge at price, pay, waive ----------------------------------------------------


async def damage_at_price(inventory: CampusCommands, cmd: ChargeCompensation, ctx: CommandContext, at: Target) -> Facts:
    """The party charged, and what the damage costs: the item's price times the quantity, or the
    asset's value (an asset of the campus, charged once)."""
    if cmd.item_id is None and cmd.asset_id is None:
        raise InvalidInput("name the damaged item or asset", field="item_id")
    if cmd.item_id is not None and cmd.asset_id is not None:
        raise InvalidInput("name the damaged item or the damaged asset, not both", field="asset_id")
    await chargeable_party(inventory.pool, at.tenant, cmd.against, cmd.against_id, "against_id")
    if cmd.item_id is not None:
        item = await catalogued_item(inventory.bus, cmd.item_id, at.tenant.school_id, "item_id")
        amount = cmd.quantity * item.unit_price_fen
    else:
        asset: AssetState
        asset, version = await inventory.bus.load(Asset, Asset.stream_id(cmd.asset_id or ""))
        if version == 0 or asset.campus_id != cmd.campus_id:
            raise InvalidInput(f"asset {cmd.asset_id} is not registered on campus {cmd.campus_id}", field="asset_id")
        if cmd.quantity != 1:
            raise InvalidInput("an asset is charged once, at its value", field="quantity")
        amount = asset.value_fen
    return {"amount_fen": str(amount)}


COMMANDS.new(
    "compensation",
    "/compensations",
    "Charge a person or a class for a damaged item or asset, at price",
    ChargeCompensation,
    Compensation,
    id="charge_id",
    roles=MANAGERS,
    lookup=damage_at_price,
)
COMMANDS.existing(
    "compensation",
    "/compensations/{charge_id}/pay",
    "Record that a charge is paid, with its receipt",
    PayCompensation,
    Compensation,
    what="charge",
    roles=MANAGERS,
)
COMMANDS.existing(
    "compensation",
    "/compensations/{charge_id}/waive",
    "Waive a charge, saying why",
    WaiveCompensation,
    Compensation,
    what="charge",
    roles=APPROVERS,
)


# -- stock-taking: start, count, close ------------------------------------------------------------


@COMMANDS.custom("stock-taking", "/stocktakes", "Start a stock-take on a campus (one open at a time)")
async def start_stocktake(cmd: StartStockTake, ctx: Context, inventory: CampusCommandsDep) -> CommandResult:
    # Custom: the open stock-take is looked up and the new one started in one transaction.
    tenant = await inventory.campus(cmd.campus_id)
    ctx.principal.require(tenant, *MANAGERS)
    async with inventory.pool.acquire() as conn, conn.transaction():
        # Starts on one campus wait for each other: the second sees the first.
        await wait_for(conn, f"houqin.inventory.stocktake.{cmd.campus_id}")
        open_one = await open_stocktake(conn, cmd.campus_id)
        facts = {"open_stocktake": open_one or ""}
        attempt = inventory.run(StockTake, cmd.stocktake_id, cmd, ctx, tenant, MANAGERS, facts=facts, conn=conn)
        return await inventory.starting(ctx.principal, StockTake, cmd.stocktake_id, "stocktake_id", attempt)


async def counted_stock(inventory: CampusCommands, cmd: RecordCount, ctx: CommandContext, at: Target) -> Facts:
    """What is counted is stock: an item of the school's catalogue, and consumable; and what its
    book on the stock-take's campus said at the moment of the count (the count is compared with it)."""
    item = await catalogued_item(inventory.bus, cmd.item_id, at.tenant.school_id, "item_id")
    if not item.consumable:
        raise InvalidInput(f"{cmd.item_id} is an asset, not stock: assets are audited by room", field="item_id")
    stock: StockState
    stock, _ = await inventory.bus.load(Stock, Stock.stream_id(stock_id(at.tenant.campus_id or "", cmd.item_id)))
    return {"book": str(stock.book_at(act_instant(cmd, ctx.occurred_at)))}


COMMANDS.existing(
    "stock-taking",
    "/stocktakes/{stocktake_id}/counts",
    "Record the count of an item (a recount replaces it)",
    RecordCount,
    StockTake,
    what="stock-take",
    roles=COUNTERS,
    lookup=counted_stock,
)


@COMMANDS.custom(
    "stock-taking",
    "/stocktakes/{stocktake_id}/close",
    "Close a stock-take: every count becomes the book, with an adjustment where it differs",
)
async def close_stocktake(
    stocktake_id: str, cmd: CloseStockTake, ctx: Context, inventory: CampusCommandsDep
) -> CommandResult:
    # Custom: the stock is adjusted to the counts and the stock-take closed in one transaction.
    tenant = await inventory.tenant_of(StockTake, stocktake_id, "stock-take", principal=ctx.principal)
    ctx.principal.require(tenant, *MANAGERS)
    async with inventory.pool.acquire() as conn, conn.transaction():
        key = ctx.command_key(cmd, stocktake_id)
        if key is not None and await inventory.bus.store.command_result(key, conn=conn):
            # A retry: the first result, and no adjustment again (another request with the key: a 422).
            return await inventory.run(StockTake, stocktake_id, cmd, ctx, tenant, MANAGERS, conn=conn)
        state: StockTakeState
        state, version = await inventory.bus.load(StockTake, StockTake.stream_id(stocktake_id), conn=conn)
        expected = cmd.expected_version if cmd.expected_version is not None else ctx.expected_version
        if expected is not None and expected != version:
            raise ConcurrencyConflict(StockTake.stream_id(stocktake_id), expected, version)
        variances = 0
        if state.status is StockTakeStatus.OPEN:  # otherwise the stock-take refuses, below
            # the stock is adjusted on the day the stock-take closes
            inner = replace(ctx, command_id=None, expected_version=None, acted_at=act_instant(cmd, ctx.occurred_at))
            for adjust in adjustments(state, stocktake_id):
                sid = stock_id(adjust.campus_id, adjust.item_id)
                adjusted = await inventory.run(Stock, sid, adjust, inner, tenant, MANAGERS, conn=conn)
                variances += len(adjusted.events)
        # Closed on the state the adjustments came from: a count recorded meanwhile is a 409.
        pinned = replace(ctx, expected_version=version)
        facts = {"variances": str(variances)}
        return await inventory.run(StockTake, stocktake_id, cmd, pinned, tenant, MANAGERS, facts=facts, conn=conn)


# -- assets: register, move, damage, repair, dispose of, room audits ------------------------------


@COMMANDS.custom("assets", "/assets", "Register an asset to a room, by its tag (unique on the campus)")
async def register_asset(cmd: RegisterAsset, ctx: Context, inventory: CampusCommandsDep) -> CommandResult:
    # Custom: the tag is looked up and the asset registered in one transaction.
    tenant = await inventory.campus(cmd.campus_id)
    ctx.principal.require(tenant, *MANAGERS)
    if cmd.item_id is not None:
        await catalogued_item(inventory.bus, cmd.item_id, tenant.school_id, "item_id")
    async with inventory.pool.acquire() as conn, conn.transaction():
        # Registrations of one tag on one campus wait for each other: the second sees the first.
        await wait_for(conn, f"houqin.inventory.tag.{cmd.campus_id}.{cmd.tag}")
        taken_by = await tag_taken_by(conn, cmd.campus_id, cmd.tag, cmd.asset_id)
        facts = {"tag_taken_by": taken_by or ""}
        attempt = inventory.run(Asset, cmd.asset_id, cmd, ctx, tenant, MANAGERS, facts=facts, conn=conn)
        return await inventory.starting(ctx.principal, Asset, cmd.asset_id, "asset_id", attempt)


COMMANDS.existing(
    "assets", "/assets/{asset_id}/move", "Move an asset to another room", MoveAsset, Asset, what="asset", roles=MANAGERS
)


@COMMANDS.custom(
    "assets",
    "/assets/{asset_id}/damage",
    "Record a damage (wear, or a person: then who, and the compensation charge is raised with it)",
)
async def damage_asset(asset_id: str, cmd: DamageAsset, ctx: Context, inventory: CampusCommandsDep) -> CommandResult:
    # Custom: a person-caused damage raises its charge on another stream, in the same transaction.
    tenant = await inventory.tenant_of(Asset, asset_id, "asset", principal=ctx.principal)
    ctx.principal.require(tenant, *MANAGERS)
    if cmd.cause is DamageCause.PERSON and cmd.by_kind is not None and cmd.by_id is not None:
        await chargeable_party(inventory.pool, tenant, cmd.by_kind, cmd.by_id, "by_id")
    async with inventory.pool.acquire() as conn, conn.transaction():
        result = await inventory.run(Asset, asset_id, cmd, ctx, tenant, MANAGERS, conn=conn)
        if result.duplicate or not result.events or cmd.cause is not DamageCause.PERSON:
            return result
        recorded = await inventory.bus.store.read_stream(Asset.stream_id(asset_id), result.version, conn=conn)
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
        inner = replace(
            ctx,
            command_id=None,
            expected_version=None,
            causation_id=result.event_ids[0],
            acted_at=act_instant(cmd, ctx.occurred_at),  # charged on the day of the damage
        )
        await inventory.run(Compensation, charge_id, charge, inner, tenant, MANAGERS, conn=conn)
    return result


COMMANDS.existing(
    "assets",
    "/assets/{asset_id}/repair",
    "Record that a damaged asset is repaired",
    RepairAsset,
    Asset,
    what="asset",
    roles=REPAIRERS,
)
COMMANDS.existing(
    "assets",
    "/assets/{asset_id}/disposal",
    "Ask to dispose of an asset (报废), saying why",
    RequestDisposal,
    Asset,
    what="asset",
    roles=MANAGERS,
)
COMMANDS.existing(
    "assets",
    "/assets/{asset_id}/disposal/approve",
    "Approve a disposal: a vice principal or district admin, never whoever asked for it",
    ApproveDisposal,
    Asset,
    what="asset",
    roles=DISPOSAL_APPROVERS,
)
COMMANDS.existing(
    "assets",
    "/assets/{asset_id}/dispose",
    "Dispose of an asset (报废), once its disposal is approved",
    DisposeAsset,
    Asset,
    what="asset",
    roles=MANAGERS,
)


async def registered_in_room(inventory: CampusCommands, cmd: AuditRoom, ctx: CommandContext, at: Target) -> Facts:
    """The tags registered to the room now, that the audit compares with the tags found, each
    with the day its asset was acquired."""
    tags = await tags_in_room(inventory.pool, cmd.campus_id, cmd.room)
    return {"registered": json.dumps(dict(sorted(tags.items())), ensure_ascii=False)}


COMMANDS.new(
    "assets",
    "/room-audits",
    "Audit a room: the tags found, against the assets registered to it",
    AuditRoom,
    RoomAudit,
    id="audit_id",
    roles=APPROVERS,
    lookup=registered_in_room,
)


# -- the loops of stock, quotas, exchanges, damage and refusals -----------------------------------
# (a failed repair verification is VerifyRepair with passed false, on the repairs' row above)

COMMANDS.existing(
    "assets",
    "/assets/{asset_id}/disposal/refuse",
    "Refuse a requested disposal, saying why: a vice principal or district admin, never whoever asked for it",
    RefuseDisposal,
    Asset,
    what="asset",
    roles=DISPOSAL_APPROVERS,
)
# -- asset registration: assets of accepted purchases registered to their rooms --------------------


@COMMANDS.custom(
    "asset registration",
    "/assets/{asset_id}/registration",
    "Register an asset received from an accepted purchase to a room, by its tag (unique on the campus)",
)
async def register_received_asset(
    asset_id: str, cmd: RegisterReceivedAsset, ctx: Context, inventory: CampusCommandsDep
) -> CommandResult:
    # Custom: the tag is looked up and the asset registered in one transaction.
    tenant = await inventory.tenant_of(Asset, asset_id, "asset", principal=ctx.principal)
    ctx.principal.require(tenant, *MANAGERS)
    async with inventory.pool.acquire() as conn, conn.transaction():
        # Registrations of one tag on one campus wait for each other: the second sees the first.
        await wait_for(conn, f"houqin.inventory.tag.{tenant.campus_id}.{cmd.tag}")
        taken_by = await tag_taken_by(conn, tenant.campus_id or "", cmd.tag, asset_id)
        facts = {"tag_taken_by": taken_by or ""}
        return await inventory.run(Asset, asset_id, cmd, ctx, tenant, MANAGERS, facts=facts, conn=conn)
