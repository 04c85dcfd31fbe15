"""Procurement (采购): declared in advance, approved, bought by the rules, strictly accepted,
settled with evidence.

Everyday purchases are accepted by the campus's vice principal; major purchases
by the acceptance team (a quorum of distinct members, two by default). Whoever
asked for a purchase never signs its acceptance, and nothing is settled before
it is accepted. Acceptance lists the catalogued consumables that go into stock, and the
catalogued equipment (non-consumables) whose units become assets waiting to be registered to
a room (the room a line is for, if the request said).

Each step is dated by its act (``at``, or ``on`` for the days of buying and settling) and
may not precede the step before it: approved or rejected after the request, bought after
the approval, signed for after the goods were bought, settled after the acceptance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from services.eventkit.acts import ActAtOrNow, ActOn, not_before
from services.eventkit.bounds import Count, EntityId, Fen, Many, Name, Quantity, Text
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Rejected
from services.inventory.events import (
    AcceptanceSigned,
    AcceptedEquipment,
    BoughtLine,
    PurchaseAccepted,
    PurchaseApproved,
    PurchaseCategory,
    PurchaseLine,
    PurchaseMade,
    PurchaseRejected,
    PurchaseRequested,
    PurchaseSettled,
    RequisitionLine,
)

# -- commands ----------------------------------------------------------------------------


class PurchaseLineRequest(Command):
    description: Name
    quantity: Quantity = Field(gt=0)
    estimated_unit_price_fen: Fen
    item_id: EntityId | None = Field(default=None, description="A catalogued item (consumables go into stock)")
    room: Name | None = Field(
        default=None, description="The room equipment is for: its assets wait to be registered there"
    )


class RequestPurchase(Command):
    model_config = examples(
        {
            "purchase_id": "p-2020-10-brooms",
            "campus_id": "main",
            "category": "everyday",
            "lines": [
                {"description": "笤帚", "quantity": 30, "estimated_unit_price_fen": 1500, "item_id": "broom"},
                {"description": "橡胶手套", "quantity": 50, "estimated_unit_price_fen": 600, "item_id": "gloves"},
            ],
            "reason": "期初保洁用品补充",
            "at": "2020-10-09T10:00:00+08:00",
        }
    )

    purchase_id: EntityId
    campus_id: EntityId
    category: PurchaseCategory
    lines: list[PurchaseLineRequest] = Field(min_length=1, max_length=200)
    reason: Text = Field(min_length=1)
    at: ActAtOrNow = None


class ApprovePurchase(Command):
    model_config = examples({"note": "同意, 按规采购", "at": "2020-10-10T09:00:00+08:00"})

    note: Text = ""
    at: ActAtOrNow = None


class RejectPurchase(Command):
    model_config = examples({"reason": "库存尚足", "at": "2020-10-10T09:00:00+08:00"})

    reason: Text = Field(min_length=1)
    at: ActAtOrNow = None


class BoughtLineRequest(Command):
    line: Count = Field(description="Index of the requested line")
    quantity: Quantity = Field(gt=0)
    unit_price_fen: Fen


class RecordPurchase(Command):
    model_config = examples(
        {
            "supplier": "常州市新北区某某商贸",
            "bought": [
                {"line": 0, "quantity": 30, "unit_price_fen": 1400},
                {"line": 1, "quantity": 50, "unit_price_fen": 550},
            ],
            "on": "2020-10-14",
        }
    )

    supplier: Name
    bought: Many[BoughtLineRequest] = Field(min_length=1)
    on: ActOn


class SignAcceptance(Command):
    model_config = examples({"note": "数量质量无误", "at": "2020-10-15T14:00:00+08:00"})

    note: Text = ""
    at: ActAtOrNow = None


class SettlePurchase(Command):
    model_config = examples({"invoice_ref": "发票 No. 03217788", "amount_fen": 69500, "on": "2020-10-20"})

    invoice_ref: Name
    amount_fen: Fen
    on: ActOn


# -- state -------------------------------------------------------------------------------


class PurchaseStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    PURCHASED = "purchased"
    ACCEPTED = "accepted"
    SETTLED = "settled"


@dataclass(frozen=True)
class PurchaseState:
    status: PurchaseStatus | None = None
    campus_id: str = ""
    category: PurchaseCategory = PurchaseCategory.EVERYDAY
    requested_by: str = ""
    lines: tuple[PurchaseLine, ...] = ()
    bought: tuple[BoughtLine, ...] = ()
    signers: tuple[str, ...] = ()
    requested_at: datetime | None = None
    approved_at: datetime | None = None
    bought_on: date | None = None
    last_signed_at: datetime | None = None  # the latest signature: the acceptance is complete no earlier
    accepted_at: datetime | None = None


PurchaseCommand = (
    Resolved[RequestPurchase]
    | Resolved[ApprovePurchase]
    | Resolved[RejectPurchase]
    | Resolved[RecordPurchase]
    | Resolved[SignAcceptance]
    | Resolved[SettlePurchase]
)


def signatures_needed(category: PurchaseCategory, quorum: int) -> int:
    return 1 if category is PurchaseCategory.EVERYDAY else quorum


def decide(rc: PurchaseCommand, state: PurchaseState) -> Sequence[DomainEvent]:
    """Facts: for SignAcceptance, ``as_role`` (checked by the handler), ``quorum`` of the
    acceptance team, ``consumables`` (comma-separated catalogued consumable item ids) and
    ``equipment`` (the catalogued non-consumable ones: each unit bought becomes an asset)."""
    cmd = rc.command
    if isinstance(cmd, RequestPurchase):
        if state.status is not None:
            raise Rejected(f"purchase {cmd.purchase_id} already exists", field="purchase_id")
        return [
            PurchaseRequested(
                purchase_id=cmd.purchase_id,
                campus_id=cmd.campus_id,
                category=cmd.category,
                lines=[
                    PurchaseLine(
                        description=li.description,
                        quantity=li.quantity,
                        estimated_unit_price_fen=li.estimated_unit_price_fen,
                        item_id=li.item_id,
                        room=li.room,
                    )
                    for li in cmd.lines
                ],
                reason=cmd.reason,
                requested_by=rc.actor,
                requested_at=rc.at,
            )
        ]
    if state.status is None:
        raise Rejected("the purchase was never requested")
    pid = rc.entity_id
    if isinstance(cmd, ApprovePurchase | RejectPurchase):
        if state.status is not PurchaseStatus.REQUESTED:
            raise Rejected(f"the purchase is {state.status.value}, not waiting for approval")
        if rc.actor == state.requested_by:
            raise Rejected("a purchase is approved by someone other than who asked for it")
        not_before(rc.at, state.requested_at, field="at", step="requested", what="purchase")
        if isinstance(cmd, ApprovePurchase):
            return [PurchaseApproved(purchase_id=pid, approved_by=rc.actor, approved_at=rc.at, note=cmd.note)]
        return [PurchaseRejected(purchase_id=pid, rejected_by=rc.actor, rejected_at=rc.at, reason=cmd.reason)]
    if isinstance(cmd, RecordPurchase):
        if state.status is not PurchaseStatus.APPROVED:
            raise Rejected(f"only an approved purchase is bought (it is {state.status.value})")
        not_before(cmd.on, state.approved_at, field="on", step="approved", what="purchase")
        for i, b in enumerate(cmd.bought):
            if b.line >= len(state.lines):
                raise Rejected(f"the request has no line {b.line}", field=f"bought.{i}.line")
        if len({b.line for b in cmd.bought}) != len(cmd.bought):
            raise Rejected("a requested line is bought once", field="bought")
        bought = [BoughtLine(line=b.line, quantity=b.quantity, unit_price_fen=b.unit_price_fen) for b in cmd.bought]
        return [
            PurchaseMade(
                purchase_id=pid,
                supplier=cmd.supplier,
                bought=bought,
                total_fen=sum(b.quantity * b.unit_price_fen for b in bought),
                bought_by=rc.actor,
                bought_on=cmd.on,
            )
        ]
    if isinstance(cmd, SignAcceptance):
        if state.status is not PurchaseStatus.PURCHASED:
            raise Rejected(f"only goods bought and not yet accepted are signed for (it is {state.status.value})")
        if rc.actor == state.requested_by:
            raise Rejected("whoever asked for a purchase never signs its acceptance")
        if rc.actor in state.signers:
            raise Rejected(f"{rc.actor} already signed this acceptance")
        not_before(rc.at, state.bought_on, field="at", step="bought", what="purchase")
        signed = AcceptanceSigned(
            purchase_id=pid, signed_by=rc.actor, as_role=rc.facts["as_role"], signed_at=rc.at, note=cmd.note
        )
        signers = [*state.signers, rc.actor]
        if len(signers) < signatures_needed(state.category, int(rc.facts.get("quorum", "2"))):
            return [signed]
        # the acceptance is complete with its latest signature, whichever was entered last
        accepted_at = max(rc.at, state.last_signed_at or rc.at)
        consumables = set(filter(None, rc.facts.get("consumables", "").split(",")))
        into_stock = [
            RequisitionLine(item_id=state.lines[b.line].item_id or "", quantity=b.quantity)
            for b in state.bought
            if state.lines[b.line].item_id in consumables
        ]
        equipment_items = set(filter(None, rc.facts.get("equipment", "").split(",")))
        equipment = [
            AcceptedEquipment(
                line=b.line,
                item_id=state.lines[b.line].item_id or "",
                description=state.lines[b.line].description,
                quantity=b.quantity,
                unit_price_fen=b.unit_price_fen,
                room=state.lines[b.line].room,
            )
            for b in state.bought
            if state.lines[b.line].item_id in equipment_items
        ]
        return [
            signed,
            PurchaseAccepted(
                purchase_id=pid,
                campus_id=state.campus_id,
                accepted_at=accepted_at,
                signers=signers,
                into_stock=into_stock,
                equipment=equipment,
            ),
        ]
    assert isinstance(cmd, SettlePurchase)
    if state.status is not PurchaseStatus.ACCEPTED:
        raise Rejected(f"a purchase is settled after its acceptance (it is {state.status.value})")
    not_before(cmd.on, state.accepted_at, field="on", step="accepted", what="purchase")
    return [
        PurchaseSettled(
            purchase_id=pid,
            invoice_ref=cmd.invoice_ref,
            amount_fen=cmd.amount_fen,
            settled_by=rc.actor,
            settled_on=cmd.on,
        )
    ]


def evolve(state: PurchaseState, event: DomainEvent) -> PurchaseState:
    match event:
        case PurchaseRequested():
            return PurchaseState(
                PurchaseStatus.REQUESTED,
                event.campus_id,
                event.category,
                event.requested_by,
                tuple(event.lines),
                requested_at=event.requested_at,
            )
        case PurchaseApproved():
            return replace(state, status=PurchaseStatus.APPROVED, approved_at=event.approved_at)
        case PurchaseRejected():
            return replace(state, status=PurchaseStatus.REJECTED)
        case PurchaseMade():
            return replace(
                state, status=PurchaseStatus.PURCHASED, bought=tuple(event.bought), bought_on=event.bought_on
            )
        case AcceptanceSigned():
            latest = max(event.signed_at, state.last_signed_at or event.signed_at)
            return replace(state, signers=(*state.signers, event.signed_by), last_signed_at=latest)
        case PurchaseAccepted():
            return replace(state, status=PurchaseStatus.ACCEPTED, accepted_at=event.accepted_at)
        case PurchaseSettled():
            return replace(state, status=PurchaseStatus.SETTLED)
    return state


Purchase: Decider[PurchaseCommand, PurchaseState, DomainEvent] = Decider(
    "Purchase", PurchaseState(), decide, evolve, "purchase", starts=(RequestPurchase,)
)
