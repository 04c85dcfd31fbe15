"""Room assets (各室资产): each asset registered to a room by its tag, moved, damaged and
repaired, and disposed of (报废) only with an approval; and room audits.

A damage caused by a person names who (a person or a class): the handler raises
its compensation charge in the same transaction, priced from the asset's value
unless the command names a share. Whoever asks for a disposal does not approve
it, and nothing is disposed of before the approval. A requested disposal may be refused
(by whoever may approve it, never by whoever asked): the refusal is a fact of the asset's
record (``AssetDisposalRefused``, with why), the asset stays in use and its disposal may be
asked for again. A room audit compares the
tags found in a room with those registered to it.

Each act is dated by its day (``on``): nothing happens to an asset before the day it was
acquired, a repair follows the damage, an approval the request for it and the disposal
its approval. A room audit does not expect an asset acquired after the day of the audit.

Equipment bought and accepted (a catalogued non-consumable item) is received as assets
waiting to be registered (:class:`ReceiveAsset`, once per purchase, line and unit: the id is
:func:`purchased_asset_id`); each is then registered to a room by its tag
(:class:`RegisterReceivedAsset`), acquired the day it was accepted. Until then nothing else
happens to it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Annotated
from uuid import UUID, uuid5

from pydantic import Field, StringConstraints, field_validator

from services.eventkit.acts import ActOn, ActOnOrToday, not_before
from services.eventkit.bounds import EntityId, Fen, Name, Text
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import InvalidInput, Rejected
from services.inventory.events import (
    AssetDamaged,
    AssetDisposalApproved,
    AssetDisposalRefused,
    AssetDisposalRequested,
    AssetDisposed,
    AssetMoved,
    AssetReceived,
    AssetRegistered,
    AssetRepaired,
    ChargeAgainst,
    DamageCause,
    RoomAudited,
)

Tag = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[^\s,]+$")
]  # the label on the asset, e.g. XJ-2020-0301

# -- commands ----------------------------------------------------------------------------


class RegisterAsset(Command):
    """An asset registered to a room; `on` is the day it was acquired."""

    model_config = examples(
        {
            "asset_id": "main-301-projector",
            "tag": "XJ-2020-0301",
            "campus_id": "main",
            "room": "301 六1班教室",
            "item_id": "projector",
            "description": "投影仪 (新增教室)",
            "value_fen": 350000,
            "on": "2020-09-01",
        }
    )

    asset_id: EntityId
    tag: Tag = Field(description="The label on the asset: unique on the campus")
    campus_id: EntityId
    room: Name
    item_id: EntityId | None = Field(default=None, description="The catalogued item it is, if any")
    description: Name
    value_fen: Fen = Field(description="What it is worth, in fen (分)")
    on: ActOn

    @field_validator("asset_id")
    @classmethod
    def _not_a_purchases(cls, asset_id: str) -> str:
        if asset_id.startswith(BOUGHT_PREFIX):
            raise ValueError(f"ids starting with {BOUGHT_PREFIX!r} are kept for the assets of accepted purchases")
        return asset_id


class MoveAsset(Command):
    model_config = examples({"to_room": "302 六2班教室", "on": "2020-10-12"})

    to_room: Name
    on: ActOnOrToday = None


class DamageAsset(Command):
    """A damage by wear, or by a person: then who (a person or a class) and what they pay."""

    model_config = examples(
        {
            "cause": "person",
            "by_kind": "class",
            "by_id": "g6-1",
            "description": "新课桌桌面划痕",
            "on": "2020-10-12",
            "charge_fen": 5000,
        },
        {"cause": "wear", "description": "灯泡老化, 画面发暗", "on": "2020-11-02"},
    )

    cause: DamageCause
    by_kind: ChargeAgainst | None = Field(default=None, description="Who caused it (cause person): person or class")
    by_id: EntityId | None = Field(default=None, description="A student or member of staff, or a class id")
    description: Name
    on: ActOn
    charge_fen: Fen | None = Field(default=None, gt=0, description="What is charged; default: the asset's value")
    charge_id: EntityId | None = Field(default=None, description="Id of the charge raised; default: derived")


class RepairAsset(Command):
    model_config = examples({"on": "2020-10-15", "note": "更换灯泡"})

    on: ActOn
    note: Text = ""


class RequestDisposal(Command):
    model_config = examples({"reason": "主板损坏, 无维修价值", "on": "2020-12-01"})

    reason: Text = Field(min_length=1)
    on: ActOnOrToday = None


class ApproveDisposal(Command):
    model_config = examples({"on": "2020-12-02"})

    on: ActOnOrToday = None


class RefuseDisposal(Command):
    """A requested disposal refused, saying why (the asset is kept in use)."""

    model_config = examples({"reason": "还能修, 先送修", "on": "2020-12-02"})

    reason: Text = Field(min_length=1, description="Why the asset is not disposed of")
    on: ActOnOrToday = None


class DisposeAsset(Command):
    model_config = examples({"on": "2020-12-10"})

    on: ActOn


BOUGHT_PREFIX = "bought-"  # ids of the assets of accepted purchases; not for registered ones
_BOUGHT = UUID("5b0f3c1e-8f0a-4f3c-9d55-3c9b7a2e6d41")


def purchased_asset_id(purchase_id: str, line: int, unit: int) -> str:
    """The one asset of a unit of an accepted purchase's line (``line`` and ``unit`` from 0):
    ``bought-<purchase>-<line>-<unit>`` counted from 1, or, too long for an id, a digest of them."""
    readable = f"{BOUGHT_PREFIX}{purchase_id}-{line + 1}-{unit + 1}"
    if len(readable) <= 63:
        return readable
    return f"{BOUGHT_PREFIX}{uuid5(_BOUGHT, f'{purchase_id}/{line}/{unit}').hex[:24]}"


@dataclass(frozen=True)
class ReceiveAsset:
    """Internal: a unit of equipment of an accepted purchase, an asset waiting to be registered
    (at the act time of the acceptance)."""

    campus_id: str
    item_id: str
    description: str
    value_fen: int
    purchase_id: str
    line: int
    unit: int
    for_room: str | None = None


class RegisterReceivedAsset(Command):
    """An asset received from an accepted purchase, registered to a room by its tag; acquired the
    day its purchase was accepted. The room defaults to the one the purchase said it is for."""

    model_config = examples({"tag": "XJ-2020-0412", "room": "412 新增教室", "on": "2020-09-03"})

    tag: Tag = Field(description="The label on the asset: unique on the campus")
    room: Name | None = Field(default=None, description="Where it stands; default: the room it was bought for")
    on: ActOnOrToday = None


# -- state -------------------------------------------------------------------------------


class Disposal(StrEnum):
    REQUESTED = "disposal_requested"
    APPROVED = "disposal_approved"
    DISPOSED = "disposed"


@dataclass(frozen=True)
class AssetState:
    registered: bool = False
    campus_id: str = ""
    room: str = ""
    value_fen: int = 0
    damaged: bool = False
    disposal: Disposal | None = None
    requested_by: str = ""
    acquired_on: date | None = None
    damaged_on: date | None = None  # the latest damage not yet repaired
    disposal_on: date | None = None  # the day of the latest step of its disposal
    received: ReceiveAsset | None = None  # received from a purchase, waiting to be registered


AssetCommand = (
    Resolved[RegisterAsset]
    | Resolved[MoveAsset]
    | Resolved[DamageAsset]
    | Resolved[RepairAsset]
    | Resolved[RequestDisposal]
    | Resolved[ApproveDisposal]
    | Resolved[DisposeAsset]
    | Resolved[RefuseDisposal]
    | Resolved[ReceiveAsset]
    | Resolved[RegisterReceivedAsset]
)


def decide(rc: AssetCommand, state: AssetState) -> Sequence[DomainEvent]:
    """Facts: for RegisterAsset, ``tag_taken_by`` (the asset of the campus that has the tag, if any)."""
    cmd = rc.command
    if isinstance(cmd, ReceiveAsset | RegisterReceivedAsset):
        return _received(rc, cmd, state)
    if state.received is not None:
        raise Rejected("the asset waits to be registered to a room by its tag")
    if isinstance(cmd, RegisterAsset):
        if state.registered:
            raise Rejected(f"asset {cmd.asset_id} is already registered", field="asset_id")
        taken_by = rc.facts.get("tag_taken_by")
        if taken_by:
            raise Rejected(f"tag {cmd.tag} is already on asset {taken_by} of this campus", field="tag")
        return [
            AssetRegistered(
                asset_id=cmd.asset_id,
                tag=cmd.tag,
                campus_id=cmd.campus_id,
                room=cmd.room,
                item_id=cmd.item_id,
                description=cmd.description,
                value_fen=cmd.value_fen,
                acquired_on=cmd.on,
                registered_by=rc.actor,
            )
        ]
    if not state.registered:
        raise Rejected("the asset was never registered")
    if state.disposal is Disposal.DISPOSED:
        raise Rejected("the asset is disposed of (报废)")
    aid = rc.entity_id
    on = rc.on
    not_before(on, state.acquired_on, field="on", step="acquired", what="asset")
    if isinstance(cmd, MoveAsset):
        if cmd.to_room == state.room:
            return []
        return [AssetMoved(asset_id=aid, from_room=state.room, to_room=cmd.to_room, moved_on=on, moved_by=rc.actor)]
    if isinstance(cmd, DamageAsset):
        return [_damaged(rc.actor, aid, cmd, state)]
    if isinstance(cmd, RepairAsset):
        if not state.damaged:
            raise Rejected("the asset is not damaged")
        not_before(on, state.damaged_on, field="on", step="damaged", what="asset")
        return [AssetRepaired(asset_id=aid, repaired_on=on, repaired_by=rc.actor, note=cmd.note)]
    if isinstance(cmd, RequestDisposal):
        if state.disposal is not None:
            raise Rejected(f"its disposal is already asked for ({state.disposal.value})")
        return [AssetDisposalRequested(asset_id=aid, reason=cmd.reason, requested_by=rc.actor, requested_on=on)]
    if isinstance(cmd, ApproveDisposal):
        if state.disposal is None:
            raise Rejected("no one asked for its disposal")
        if state.disposal is Disposal.APPROVED:
            raise Rejected("its disposal is already approved")
        if rc.actor == state.requested_by:
            raise Rejected("whoever asked for a disposal does not approve it")
        not_before(on, state.disposal_on, field="on", step="requested for disposal", what="asset")
        return [AssetDisposalApproved(asset_id=aid, approved_by=rc.actor, approved_on=on)]
    if isinstance(cmd, RefuseDisposal):
        if state.disposal is None:
            raise Rejected("no one asked for its disposal")
        if state.disposal is not Disposal.REQUESTED:
            raise Rejected("its disposal is already approved")
        if rc.actor == state.requested_by:
            raise Rejected("whoever asked for a disposal does not refuse it")
        not_before(on, state.disposal_on, field="on", step="requested for disposal", what="asset")
        return [AssetDisposalRefused(asset_id=aid, reason=cmd.reason, refused_by=rc.actor, refused_on=on)]
    assert isinstance(cmd, DisposeAsset)
    if state.disposal is not Disposal.APPROVED:
        raise Rejected("an asset is disposed of (报废) only after its disposal is approved")
    not_before(on, state.disposal_on, field="on", step="approved for disposal", what="asset")
    return [AssetDisposed(asset_id=aid, disposed_on=on, disposed_by=rc.actor)]


def _received(rc: AssetCommand, cmd: ReceiveAsset | RegisterReceivedAsset, state: AssetState) -> Sequence[DomainEvent]:
    if isinstance(cmd, ReceiveAsset):
        if state.registered or state.received is not None:
            return []  # the acceptance delivered again: received once
        return [
            AssetReceived(
                asset_id=rc.entity_id,
                campus_id=cmd.campus_id,
                item_id=cmd.item_id,
                description=cmd.description,
                value_fen=cmd.value_fen,
                purchase_id=cmd.purchase_id,
                line=cmd.line,
                unit=cmd.unit,
                accepted_on=rc.on,
                for_room=cmd.for_room,
            )
        ]
    received = state.received
    if received is None:
        if state.registered:
            raise Rejected("the asset is already registered to a room")
        raise Rejected("no accepted purchase brought this asset")
    taken_by = rc.facts.get("tag_taken_by")
    if taken_by:
        raise Rejected(f"tag {cmd.tag} is already on asset {taken_by} of this campus", field="tag")
    room = cmd.room or received.for_room
    if room is None:
        raise InvalidInput("say the room: the purchase did not say which room it is for", field="room")
    not_before(rc.on, state.acquired_on, field="on", step="accepted", what="asset")
    return [
        AssetRegistered(
            asset_id=rc.entity_id,
            tag=cmd.tag,
            campus_id=state.campus_id,
            room=room,
            item_id=received.item_id,
            description=received.description,
            value_fen=received.value_fen,
            acquired_on=state.acquired_on or rc.on,
            registered_by=rc.actor,
        )
    ]


def _damaged(actor: str, asset_id: str, cmd: DamageAsset, state: AssetState) -> AssetDamaged:
    if cmd.cause is DamageCause.WEAR:
        if cmd.by_kind is not None or cmd.by_id is not None:
            raise InvalidInput("wear is no one's doing: name no one", field="by_id" if cmd.by_id else "by_kind")
        if cmd.charge_fen is not None:
            raise InvalidInput("nothing is charged for wear", field="charge_fen")
        charge = 0
    else:
        if cmd.by_kind is None:
            raise InvalidInput("a damage caused by a person says by whom: a person or a class", field="by_kind")
        if cmd.by_id is None:
            raise InvalidInput("a damage caused by a person names who caused it", field="by_id")
        charge = state.value_fen if cmd.charge_fen is None else cmd.charge_fen
        if charge > state.value_fen:
            raise InvalidInput(
                f"the charge is more than the asset is worth ({state.value_fen} fen)", field="charge_fen"
            )
    return AssetDamaged(
        asset_id=asset_id,
        cause=cmd.cause,
        description=cmd.description,
        damaged_on=cmd.on,
        recorded_by=actor,
        by_kind=cmd.by_kind,
        by_id=cmd.by_id,
        charge_fen=charge,
    )


def evolve(state: AssetState, event: DomainEvent) -> AssetState:
    match event:
        case AssetRegistered():
            return AssetState(True, event.campus_id, event.room, event.value_fen, acquired_on=event.acquired_on)
        case AssetReceived():
            received = ReceiveAsset(
                event.campus_id,
                event.item_id,
                event.description,
                event.value_fen,
                event.purchase_id,
                event.line,
                event.unit,
                event.for_room,
            )
            return AssetState(
                campus_id=event.campus_id, value_fen=event.value_fen, acquired_on=event.accepted_on, received=received
            )
        case AssetMoved():
            return replace(state, room=event.to_room)
        case AssetDamaged():
            latest = max(event.damaged_on, state.damaged_on or event.damaged_on)
            return replace(state, damaged=True, damaged_on=latest)
        case AssetRepaired():
            return replace(state, damaged=False, damaged_on=None)
        case AssetDisposalRequested():
            return replace(
                state, disposal=Disposal.REQUESTED, requested_by=event.requested_by, disposal_on=event.requested_on
            )
        case AssetDisposalApproved():
            return replace(state, disposal=Disposal.APPROVED, disposal_on=event.approved_on)
        case AssetDisposed():
            return replace(state, disposal=Disposal.DISPOSED, disposal_on=event.disposed_on)
        case AssetDisposalRefused():
            return replace(state, disposal=None, requested_by="", disposal_on=event.refused_on)
    return state


Asset: Decider[AssetCommand, AssetState, DomainEvent] = Decider(
    "Asset", AssetState(), decide, evolve, "asset", starts=(RegisterAsset, ReceiveAsset)
)

# -- room audits -------------------------------------------------------------------------


class AuditRoom(Command):
    """The tags found in a room, against those registered to it."""

    model_config = examples(
        {
            "audit_id": "audit-main-301-2020-12",
            "campus_id": "main",
            "room": "301 六1班教室",
            "found_tags": ["XJ-2020-0301", "XJ-2019-0117"],
            "on": "2020-12-15",
        }
    )

    audit_id: EntityId
    campus_id: EntityId
    room: Name
    found_tags: list[Tag] = Field(max_length=5000)
    on: ActOn


@dataclass(frozen=True)
class RoomAuditState:
    done: bool = False


def decide_audit(rc: Resolved[AuditRoom], state: RoomAuditState) -> Sequence[DomainEvent]:
    """Facts: ``registered``, a JSON object of the tags registered to the room, each with the
    day its asset was acquired (resolved by the handler). An asset acquired after the day of
    the audit was not there to be found: it is not missing, and finding its tag is refused."""
    cmd = rc.command
    if state.done:
        raise Rejected(f"audit {cmd.audit_id} is already recorded", field="audit_id")
    acquired = {tag: date.fromisoformat(on) for tag, on in json.loads(rc.facts.get("registered", "{}")).items()}
    found = list(dict.fromkeys(cmd.found_tags))
    for tag in found:
        if tag in acquired:
            not_before(cmd.on, acquired[tag], field="on", step="acquired", what=f"asset tagged {tag}")
    registered = {tag for tag, on in acquired.items() if on <= cmd.on}
    return [
        RoomAudited(
            audit_id=cmd.audit_id,
            campus_id=cmd.campus_id,
            room=cmd.room,
            audited_on=cmd.on,
            audited_by=rc.actor,
            found_tags=found,
            missing=sorted(registered - set(found)),
            unregistered=sorted(set(found) - registered),
        )
    ]


def evolve_audit(state: RoomAuditState, event: DomainEvent) -> RoomAuditState:
    return RoomAuditState(True) if isinstance(event, RoomAudited) else state


RoomAudit: Decider[Resolved[AuditRoom], RoomAuditState, DomainEvent] = Decider(
    "RoomAudit", RoomAuditState(), decide_audit, evolve_audit, "roomaudit"
)
