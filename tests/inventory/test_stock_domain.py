"""Stock, quotas, requisitions and procurement, given / when / then."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from services.eventkit.acts import OutOfOrder
from services.eventkit.envelope import TenantPath
from services.inventory.events import (
    AcceptanceSigned,
    BoughtLine,
    PurchaseAccepted,
    PurchaseApproved,
    PurchaseCategory,
    PurchaseLine,
    PurchaseMade,
    PurchaseRequested,
    QuotaConsumed,
    QuotaOverrideApproved,
    QuotaSet,
    RecipientKind,
    RequisitionLine,
    StockIssued,
    StockReceived,
)
from services.inventory.procurement import (
    ApprovePurchase,
    Purchase,
    SettlePurchase,
    SignAcceptance,
)
from services.inventory.stock import AdjustToCount, ConsumeQuota, IssueFromStock, Quota, Stock
from tests.deciders import Stream

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
T = datetime(2020, 10, 12, 9, 0, tzinfo=UTC)


stock = Stream(Stock, MAIN, "x1", actor="zhou", at=T)


def received(n: int) -> StockReceived:
    return StockReceived(campus_id="main", item_id="broom", quantity=n, received_by="zhou", received_at=T, reason="r")


def issue(n: int, line: int = 0) -> IssueFromStock:
    return IssueFromStock(
        campus_id="main",
        item_id="broom",
        quantity=n,
        recipient_kind=RecipientKind.PERSON,
        recipient_id="chen-clean",
        department_id="cleaning",
        term_id="2020-2021-1",
        requisition_id="r1",
        exchange=False,
        override_id=None,
        line=line,
    )


def test_stock_is_issued_while_there_is_enough() -> None:
    (event,) = stock.when(issue(5), given=[received(5)])
    assert isinstance(event, StockIssued) and event.quantity == 5


def test_stock_never_goes_below_zero() -> None:
    issued = StockIssued(**(stock.when(issue(5), given=[received(5)])[0].model_dump()))
    err = stock.refused(issue(1, line=2), given=[received(5), issued], field="lines.2.quantity")
    assert "0" in err.reason


def test_stock_is_not_issued_before_the_goods_it_holds_were_received() -> None:
    refusal = stock.refused(
        issue(1, line=1), given=[received(5)], at=T - timedelta(minutes=1), field="at", raises=OutOfOrder
    )
    assert isinstance(refusal, OutOfOrder) and (refusal.step, refusal.step_time) == ("received", T)
    # a receipt dated earlier than the latest one does not move it back
    earlier = received(5).model_copy(update={"received_at": T - timedelta(days=1)})
    stock.refused(issue(1), given=[received(5), earlier], at=T - timedelta(minutes=1), field="at", raises=OutOfOrder)
    # nor does an issue: it is the goods received that an issue draws on
    issued = StockIssued(**(stock.when(issue(1), given=[received(5)], at=T + timedelta(hours=2))[0].model_dump()))
    assert stock.when(issue(1), given=[received(5), issued], at=T + timedelta(hours=1)) != []


def test_a_count_becomes_the_book_and_an_equal_count_changes_nothing() -> None:
    (adjusted,) = stock.when(AdjustToCount("main", "broom", 7, "st1", "chen-clean"), given=[received(10)])
    assert adjusted.delta == -3 and adjusted.book == 10 and adjusted.counted == 7  # type: ignore[attr-defined]
    assert stock.when(AdjustToCount("main", "broom", 10, "st1", "chen-clean"), given=[received(10)]) == []


QUOTA = QuotaSet(campus_id="main", department_id="office", item_id="pen", term_id="t1", quantity=10)
FACTS = {"department_id": "office", "item_id": "pen", "term_id": "t1"}
quota = Stream(Quota, MAIN, "x1", actor="zhou", at=T, facts=FACTS)


def consumed(n: int) -> QuotaConsumed:
    return QuotaConsumed(
        campus_id="main", department_id="office", item_id="pen", term_id="t1", quantity=n, requisition_id="r0"
    )


def test_issuing_within_the_quota_consumes_it() -> None:
    assert quota.when(ConsumeQuota(10, "r1", None, 0), given=[QUOTA]) == [
        QuotaConsumed(
            campus_id="main", department_id="office", item_id="pen", term_id="t1", quantity=10, requisition_id="r1"
        )
    ]


def test_issuing_beyond_the_quota_without_an_override_is_refused() -> None:
    quota.refused(ConsumeQuota(3, "r1", None, 0), given=[QUOTA, consumed(8)], match="override is needed")


def test_an_approved_override_lets_it_pass_up_to_its_extra() -> None:
    override = QuotaOverrideApproved(
        campus_id="main",
        department_id="office",
        item_id="pen",
        term_id="t1",
        override_id="ov1",
        extra=5,
        reason="期末",
        approved_by="gu",
    )
    (event,) = quota.when(ConsumeQuota(7, "r1", "ov1", 0), given=[QUOTA, consumed(8), override])
    assert isinstance(event, QuotaConsumed) and event.override_id == "ov1"
    quota.refused(ConsumeQuota(8, "r1", "ov1", 0), given=[QUOTA, consumed(8), override], match="its overrides")
    quota.refused(ConsumeQuota(3, "r1", "ov1", 0), given=[QUOTA, consumed(8)], match="not approved")


def test_an_item_without_a_quota_is_not_limited() -> None:
    assert quota.when(ConsumeQuota(1000, "r1", None, 0)) == []


# -- procurement ---------------------------------------------------------------------------

LINES = [
    PurchaseLine(description="笤帚", quantity=30, estimated_unit_price_fen=1500, item_id="broom"),
    PurchaseLine(description="投影仪", quantity=1, estimated_unit_price_fen=350000, item_id="projector"),
]


def requested(category: PurchaseCategory, by: str = "huang") -> PurchaseRequested:
    return PurchaseRequested(
        purchase_id="x1", campus_id="main", category=category, lines=LINES, reason="r", requested_by=by, requested_at=T
    )


APPROVED = PurchaseApproved(purchase_id="x1", approved_by="gu", approved_at=T)
MADE = PurchaseMade(
    purchase_id="x1",
    supplier="s",
    bought=[
        BoughtLine(line=0, quantity=30, unit_price_fen=1400),
        BoughtLine(line=1, quantity=1, unit_price_fen=340000),
    ],
    total_fen=382000,
    bought_by="zhou",
    bought_on=date(2020, 10, 14),
)
SIGN = {"as_role": "acceptance_member", "quorum": "2", "consumables": "broom"}
purchase = Stream(Purchase, MAIN, "x1", actor="zhou", at=datetime(2020, 10, 21, 2, 0, tzinfo=UTC))


def test_the_requester_never_signs_their_own_acceptance() -> None:
    purchase.refused(
        SignAcceptance(),
        given=[requested(PurchaseCategory.MAJOR, by="team-a"), APPROVED, MADE],
        actor="team-a",
        facts=SIGN,
        match="never signs",
    )


def test_a_major_purchase_accepted_by_one_member_is_not_accepted() -> None:
    given = [requested(PurchaseCategory.MAJOR), APPROVED, MADE]
    (signed,) = purchase.when(SignAcceptance(), given=given, actor="team-a", facts=SIGN)
    assert isinstance(signed, AcceptanceSigned)
    purchase.refused(SignAcceptance(), given=[*given, signed], actor="team-a", facts=SIGN, match="already signed")
    signed_too, accepted = purchase.when(SignAcceptance(), given=[*given, signed], actor="team-b", facts=SIGN)
    assert isinstance(accepted, PurchaseAccepted) and isinstance(signed_too, AcceptanceSigned)
    assert accepted.signers == ["team-a", "team-b"]
    assert accepted.into_stock == [RequisitionLine(item_id="broom", quantity=30)]  # the projector is no consumable


def test_an_everyday_purchase_is_accepted_by_one_vice_principal() -> None:
    events = purchase.when(
        SignAcceptance(),
        given=[requested(PurchaseCategory.EVERYDAY), APPROVED, MADE],
        actor="xu-vp",
        facts=SIGN | {"as_role": "vice_principal"},
    )
    assert tuple(type(e) for e in events) == (AcceptanceSigned, PurchaseAccepted)


def test_settlement_needs_acceptance_first_and_approval_needs_someone_else() -> None:
    purchase.refused(
        SettlePurchase(invoice_ref="发票", amount_fen=1, on=date(2020, 10, 20)),
        given=[requested(PurchaseCategory.EVERYDAY), APPROVED, MADE],
        match="after its acceptance",
    )
    purchase.refused(
        ApprovePurchase(), given=[requested(PurchaseCategory.EVERYDAY, by="zhou")], actor="zhou", match="someone other"
    )
