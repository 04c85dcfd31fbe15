"""Damage compensation, given / when / then."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from services.eventkit.acts import OutOfOrder
from services.eventkit.days import local_day
from services.eventkit.envelope import TenantPath
from services.inventory.compensation import (
    ChargeCompensation,
    ChargeForDamage,
    ChargeStatus,
    Compensation,
    PayCompensation,
    WaiveCompensation,
)
from services.inventory.events import ChargeAgainst, CompensationCharged, CompensationPaid, CompensationWaived
from tests.deciders import Stream

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
T0 = datetime(2020, 10, 12, 8, 30, tzinfo=UTC)
T1 = datetime(2020, 11, 20, 17, 0, tzinfo=UTC)  # 21 November at the school

CHARGED = CompensationCharged(
    charge_id="c1",
    campus_id="main",
    against=ChargeAgainst.CLASS,
    against_id="g6-1",
    item_id="broom",
    asset_id=None,
    quantity=2,
    amount_fen=3000,
    reason="课间打闹折断笤帚",
    charged_by="zhou",
    charged_at=T0,
)
PAID = CompensationPaid(charge_id="c1", paid_on=date(2020, 11, 20), receipt_ref="收据 0012", recorded_by="zhou")
WAIVED = CompensationWaived(charge_id="c1", reason="家庭困难", waived_by="xu-vp", waived_on=date(2020, 11, 21))


compensation = Stream(Compensation, MAIN, "c1", actor="zhou", at=T0)


def charge(**overrides: Any) -> ChargeCompensation:
    body: dict[str, Any] = {
        "charge_id": "c1",
        "campus_id": "main",
        "against": "class",
        "against_id": "g6-1",
        "item_id": "broom",
        "quantity": 2,
        "reason": "课间打闹折断笤帚",
    }
    return ChargeCompensation.model_validate(body | overrides)


def test_a_charge_is_priced_by_the_handler_and_names_who_raised_it() -> None:
    assert compensation.when(charge(), facts={"amount_fen": "3000"}) == [CHARGED]


def test_a_charge_is_raised_once() -> None:
    compensation.refused(charge(), given=[CHARGED], facts={"amount_fen": "3000"}, field="charge_id")


def test_a_damage_charge_carries_the_asset_and_its_amount() -> None:
    cmd = ChargeForDamage(
        campus_id="main",
        against=ChargeAgainst.PERSON,
        against_id="lin",
        asset_id="projector-301",
        amount_fen=350000,
        reason="镜头砸坏",
    )
    [event] = compensation.when(cmd)
    assert isinstance(event, CompensationCharged)
    assert (event.asset_id, event.item_id, event.quantity, event.amount_fen) == ("projector-301", None, 1, 350000)
    assert (event.against, event.against_id) == (ChargeAgainst.PERSON, "lin")


def test_a_charge_is_paid_with_its_receipt() -> None:
    cmd = PayCompensation(on=date(2020, 11, 20), receipt_ref="收据 0012")
    assert compensation.when(cmd, given=[CHARGED], at=T1) == [PAID]
    assert compensation.given(CHARGED, PAID).status is ChargeStatus.PAID


def test_a_charge_is_waived_with_a_reason_on_the_day_at_the_school() -> None:
    assert compensation.when(WaiveCompensation(reason="家庭困难"), given=[CHARGED], actor="xu-vp", at=T1) == [WAIVED]
    assert local_day(T1) == date(2020, 11, 21)


def test_a_waived_charge_is_not_paid() -> None:
    compensation.refused(
        PayCompensation(on=date(2020, 11, 21), receipt_ref="r"), given=[CHARGED, WAIVED], match="waived", at=T1
    )


def test_a_paid_charge_is_neither_waived_nor_paid_again() -> None:
    compensation.refused(WaiveCompensation(reason="x"), given=[CHARGED, PAID], match="paid")
    compensation.refused(
        PayCompensation(on=date(2020, 11, 21), receipt_ref="r"), given=[CHARGED, PAID], match="paid", at=T1
    )


def test_nothing_is_paid_or_waived_before_a_charge() -> None:
    compensation.refused(PayCompensation(on=date(2020, 11, 21), receipt_ref="r"), match="never raised", at=T1)
    compensation.refused(WaiveCompensation(reason="x"), match="never raised")


def test_nothing_is_paid_or_waived_before_the_day_it_was_charged() -> None:
    for cmd in (
        PayCompensation(on=date(2020, 10, 11), receipt_ref="r"),
        WaiveCompensation(reason="x", on=date(2020, 10, 11)),
    ):
        refusal = compensation.refused(cmd, given=[CHARGED], field="on", raises=OutOfOrder, at=T1)
        assert isinstance(refusal, OutOfOrder) and (refusal.step, refusal.step_time) == ("charged", T0)
    # the day it was charged, at the school, will do
    (paid,) = compensation.when(PayCompensation(on=local_day(T0), receipt_ref="r"), given=[CHARGED], at=T1)
    assert isinstance(paid, CompensationPaid) and paid.paid_on == date(2020, 10, 12)
