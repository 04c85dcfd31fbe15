"""Damage compensation (照价赔偿): damage caused by a person is paid at price.

A charge is raised against a person (a student or a member of staff) or a class,
priced from the catalogue (quantity x unit price, resolved by the handler) or,
for a damaged asset, from the asset's value. It is then paid, with a receipt, or
waived, with a reason: once, and never both; no earlier than the day it was charged.
A charge is dated by its act (``at``); one raised with a damage, at the damage's day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from pydantic import Field

from services.eventkit.acts import ActAtOrNow, ActOn, ActOnOrToday, not_before
from services.eventkit.bounds import EntityId, Name, Quantity, Text
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Rejected
from services.inventory.events import ChargeAgainst, CompensationCharged, CompensationPaid, CompensationWaived

# -- commands ----------------------------------------------------------------------------


class ChargeCompensation(Command):
    """A charge for something a person or a class damaged: an item of the catalogue or an asset."""

    model_config = examples(
        {
            "charge_id": "c-2020-10-g6-1-brooms",
            "campus_id": "main",
            "against": "class",
            "against_id": "g6-1",
            "item_id": "broom",
            "quantity": 2,
            "reason": "课间打闹折断笤帚两把",
            "at": "2020-10-16T16:00:00+08:00",
        },
        {
            "charge_id": "c-2020-11-lin-projector",
            "campus_id": "main",
            "against": "person",
            "against_id": "lin",
            "asset_id": "main-301-projector",
            "reason": "投影仪镜头被篮球砸坏",
        },
    )

    charge_id: EntityId
    campus_id: EntityId
    against: ChargeAgainst
    against_id: EntityId = Field(description="A student or member of staff (person), or a class id (class)")
    item_id: EntityId | None = Field(default=None, description="A catalogued item: priced quantity x unit price")
    asset_id: EntityId | None = Field(default=None, description="A registered asset: priced at its value")
    quantity: Quantity = Field(default=1, gt=0)
    reason: Text = Field(min_length=1)
    at: ActAtOrNow = None


class PayCompensation(Command):
    model_config = examples({"on": "2020-11-20", "receipt_ref": "收据 No. 0012"})

    on: ActOn
    receipt_ref: Name


class WaiveCompensation(Command):
    model_config = examples({"reason": "家庭困难, 经校务会研究免于赔偿", "on": "2020-11-20"})

    reason: Text = Field(min_length=1)
    on: ActOnOrToday = None


@dataclass(frozen=True)
class ChargeForDamage:
    """Internal: the charge of a person-caused damage to an asset, in the damage's transaction
    (dated by the damage: the handler passes its time as the act time)."""

    campus_id: str
    against: ChargeAgainst
    against_id: str
    asset_id: str
    amount_fen: int
    reason: str


# -- state -------------------------------------------------------------------------------


class ChargeStatus(StrEnum):
    CHARGED = "charged"
    PAID = "paid"
    WAIVED = "waived"


@dataclass(frozen=True)
class CompensationState:
    status: ChargeStatus | None = None
    amount_fen: int = 0
    charged_at: datetime | None = None


CompensationCommand = (
    Resolved[ChargeCompensation] | Resolved[ChargeForDamage] | Resolved[PayCompensation] | Resolved[WaiveCompensation]
)


def decide(rc: CompensationCommand, state: CompensationState) -> Sequence[DomainEvent]:
    """Facts: for ChargeCompensation, ``amount_fen`` priced by the handler."""
    cmd = rc.command
    if isinstance(cmd, ChargeCompensation | ChargeForDamage):
        if state.status is not None:
            raise Rejected(f"charge {rc.entity_id} already exists", field="charge_id")
        if isinstance(cmd, ChargeCompensation):
            item_id, asset_id, quantity = cmd.item_id, cmd.asset_id, cmd.quantity
            amount = int(rc.facts["amount_fen"])
        else:
            item_id, asset_id, quantity, amount = None, cmd.asset_id, 1, cmd.amount_fen
        return [
            CompensationCharged(
                charge_id=rc.entity_id,
                campus_id=cmd.campus_id,
                against=cmd.against,
                against_id=cmd.against_id,
                item_id=item_id,
                asset_id=asset_id,
                quantity=quantity,
                amount_fen=amount,
                reason=cmd.reason,
                charged_by=rc.actor,
                charged_at=rc.at,
            )
        ]
    if state.status is None:
        raise Rejected("the charge was never raised")
    if state.status is ChargeStatus.PAID:
        raise Rejected("the charge is already paid")
    if state.status is ChargeStatus.WAIVED:
        raise Rejected("the charge was waived")
    not_before(rc.on, state.charged_at, field="on", step="charged", what="charge")
    if isinstance(cmd, PayCompensation):
        return [
            CompensationPaid(charge_id=rc.entity_id, paid_on=rc.on, receipt_ref=cmd.receipt_ref, recorded_by=rc.actor)
        ]
    assert isinstance(cmd, WaiveCompensation)
    return [
        CompensationWaived(
            charge_id=rc.entity_id,
            reason=cmd.reason,
            waived_by=rc.actor,
            waived_on=rc.on,
        )
    ]


def evolve(state: CompensationState, event: DomainEvent) -> CompensationState:
    match event:
        case CompensationCharged():
            return CompensationState(ChargeStatus.CHARGED, event.amount_fen, event.charged_at)
        case CompensationPaid():
            return replace(state, status=ChargeStatus.PAID)
        case CompensationWaived():
            return replace(state, status=ChargeStatus.WAIVED)
    return state


Compensation: Decider[CompensationCommand, CompensationState, DomainEvent] = Decider(
    "Compensation", CompensationState(), decide, evolve, "compensation", starts=(ChargeCompensation, ChargeForDamage)
)
