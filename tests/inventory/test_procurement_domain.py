"""Procurement, given / when / then: each step dated by its act, none before the one it follows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.eventkit.acts import OutOfOrder
from services.eventkit.envelope import DomainEvent, TenantPath
from services.inventory.events import (
    AcceptanceSigned,
    BoughtLine,
    PurchaseAccepted,
    PurchaseApproved,
    PurchaseCategory,
    PurchaseLine,
    PurchaseMade,
    PurchaseRejected,
    PurchaseRequested,
    PurchaseSettled,
)
from services.inventory.procurement import (
    ApprovePurchase,
    BoughtLineRequest,
    Purchase,
    RecordPurchase,
    RejectPurchase,
    RequestPurchase,
    SettlePurchase,
    SignAcceptance,
)
from tests.deciders import Stream

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
REQUESTED_AT = datetime(2020, 8, 24, 2, 0, tzinfo=UTC)  # 24 August, 10:00 at the school
APPROVED_AT = datetime(2020, 8, 25, 1, 0, tzinfo=UTC)  # 25 August, 09:00 at the school
BOUGHT_ON = date(2020, 8, 27)
SIGNED_AT = datetime(2020, 8, 28, 6, 0, tzinfo=UTC)
LATER_SIGNED_AT = datetime(2020, 8, 28, 8, 0, tzinfo=UTC)
ARRIVES = datetime(2020, 10, 12, 1, 0, tzinfo=UTC)  # the office types it all in weeks later

LINES = [PurchaseLine(description="笤帚", quantity=30, estimated_unit_price_fen=1500, item_id="broom")]
REQUESTED = PurchaseRequested(
    purchase_id="p1",
    campus_id="main",
    category=PurchaseCategory.MAJOR,
    lines=LINES,
    reason="期初保洁用品补充",
    requested_by="huang",
    requested_at=REQUESTED_AT,
)
APPROVED = PurchaseApproved(purchase_id="p1", approved_by="gu", approved_at=APPROVED_AT)
MADE = PurchaseMade(
    purchase_id="p1",
    supplier="s",
    bought=[BoughtLine(line=0, quantity=30, unit_price_fen=1400)],
    total_fen=42000,
    bought_by="zhou",
    bought_on=BOUGHT_ON,
)
SIGNED = AcceptanceSigned(purchase_id="p1", signed_by="team-a", as_role="acceptance_member", signed_at=LATER_SIGNED_AT)
ACCEPTED = PurchaseAccepted(
    purchase_id="p1", campus_id="main", accepted_at=LATER_SIGNED_AT, signers=["team-a", "team-b"], into_stock=[]
)
SIGN = {"as_role": "acceptance_member", "quorum": "2", "consumables": ""}

purchase = Stream(Purchase, MAIN, "p1", actor="gu", at=ARRIVES, facts=SIGN)


def test_each_step_is_recorded_at_its_own_time_not_when_it_was_typed() -> None:
    request = RequestPurchase.model_validate(
        {
            "purchase_id": "p1",
            "campus_id": "main",
            "category": "major",
            "lines": [{"description": "笤帚", "quantity": 30, "estimated_unit_price_fen": 1500, "item_id": "broom"}],
            "reason": "期初保洁用品补充",
            "at": REQUESTED_AT,
        }
    )
    assert purchase.when(request, actor="huang") == [REQUESTED]
    assert purchase.when(ApprovePurchase(at=APPROVED_AT), given=[REQUESTED]) == [APPROVED]
    bought = RecordPurchase(
        supplier="s", bought=[BoughtLineRequest(line=0, quantity=30, unit_price_fen=1400)], on=BOUGHT_ON
    )
    assert purchase.when(bought, given=[REQUESTED, APPROVED], actor="zhou") == [MADE]
    settled = purchase.when(
        SettlePurchase(invoice_ref="发票", amount_fen=42000, on=date(2020, 9, 3)),
        given=[REQUESTED, APPROVED, MADE, SIGNED, ACCEPTED],
        actor="zhou",
    )
    assert settled == [
        PurchaseSettled(
            purchase_id="p1", invoice_ref="发票", amount_fen=42000, settled_by="zhou", settled_on=date(2020, 9, 3)
        )
    ]
    # a step without a time of its own happens when it arrives
    (rejected,) = purchase.when(RejectPurchase(reason="库存尚足"), given=[REQUESTED])
    assert isinstance(rejected, PurchaseRejected) and rejected.rejected_at == ARRIVES


def test_the_acceptance_is_complete_with_its_latest_signature_whichever_came_in_last() -> None:
    signed_too, accepted = purchase.when(
        SignAcceptance(at=SIGNED_AT), given=[REQUESTED, APPROVED, MADE, SIGNED], actor="team-b"
    )
    assert isinstance(signed_too, AcceptanceSigned) and signed_too.signed_at == SIGNED_AT
    assert isinstance(accepted, PurchaseAccepted) and accepted.accepted_at == LATER_SIGNED_AT


@pytest.mark.parametrize(
    ("command", "given", "field", "step", "step_time"),
    [
        (ApprovePurchase(at=REQUESTED_AT - timedelta(minutes=1)), [REQUESTED], "at", "requested", REQUESTED_AT),
        (RejectPurchase(reason="r", at=REQUESTED_AT - timedelta(days=1)), [REQUESTED], "at", "requested", REQUESTED_AT),
        (
            RecordPurchase(
                supplier="s", bought=[BoughtLineRequest(line=0, quantity=1, unit_price_fen=1)], on=date(2020, 8, 24)
            ),
            [REQUESTED, APPROVED],
            "on",
            "approved",
            APPROVED_AT,
        ),
        (
            SignAcceptance(at=datetime(2020, 8, 26, 9, 0, tzinfo=UTC)),
            [REQUESTED, APPROVED, MADE],
            "at",
            "bought",
            BOUGHT_ON,
        ),
        (
            SignAcceptance(at=datetime(2020, 8, 26, 9, 0, tzinfo=UTC)),
            [REQUESTED, APPROVED, MADE, SIGNED],
            "at",
            "bought",
            BOUGHT_ON,
        ),
        (
            SettlePurchase(invoice_ref="发票", amount_fen=1, on=date(2020, 8, 27)),
            [REQUESTED, APPROVED, MADE, SIGNED, ACCEPTED],
            "on",
            "accepted",
            LATER_SIGNED_AT,
        ),
    ],
)
def test_no_step_is_dated_before_the_step_it_follows(
    command: Any, given: list[DomainEvent], field: str, step: str, step_time: date | datetime
) -> None:
    refusal = purchase.refused(command, given=given, actor="team-b", field=field, raises=OutOfOrder)
    assert isinstance(refusal, OutOfOrder) and (refusal.step, refusal.step_time) == (step, step_time)


def test_a_step_on_the_day_of_the_one_before_is_in_order() -> None:
    bought = RecordPurchase(
        supplier="s", bought=[BoughtLineRequest(line=0, quantity=30, unit_price_fen=1400)], on=date(2020, 8, 25)
    )
    assert purchase.when(bought, given=[REQUESTED, APPROVED], actor="zhou") != []
