"""Delivery acceptance and pesticide quick tests, given / when / then."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from services.canteen.deliveries import (
    MAY_OVERRIDE,
    AcceptDeliveryLine,
    Delivery,
    DeliveryStatus,
    InspectDeliveryLine,
    LineDecision,
    ReceiveDelivery,
    RecordPesticideTest,
    RejectDeliveryLine,
    SignDeliveryAcceptance,
)
from services.canteen.events import (
    Certificate,
    CertificateKind,
    DeliveryAcceptanceSigned,
    DeliveryLine,
    DeliveryLineAccepted,
    DeliveryLineInspected,
    DeliveryLineRejected,
    DeliveryReceived,
    FoodCategory,
    PesticideTested,
    Verdict,
)
from services.canteen.rules import Rules, rules_fact
from services.eventkit.acts import OutOfOrder
from services.eventkit.days import CHINA
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import Forbidden, InvalidInput
from tests.deciders import Stream

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
ARRIVED = datetime(2020, 9, 7, 6, 40, tzinfo=CHINA)
LATER = datetime(2020, 9, 7, 7, 0, tzinfo=CHINA)
MANAGER = {MAY_OVERRIDE: "true"}

delivery = Stream(Delivery, MAIN, "d1", actor="jiang-cook", at=LATER)

LICENCE = Certificate(kind=CertificateKind.SUPPLIER_LICENCE, number="JY1320", expires_on=date(2024, 5, 31))
OLD_LICENCE = Certificate(kind=CertificateKind.SUPPLIER_LICENCE, number="JY1320", expires_on=date(2020, 9, 6))
QUARANTINE = Certificate(kind=CertificateKind.QUARANTINE, number="Q3201", expires_on=date(2020, 9, 9))
GREENS = DeliveryLine(
    line_no=1,
    item="青菜",
    category=FoodCategory.LEAFY_VEGETABLE,
    batch="20200907",
    produced_on=date(2020, 9, 7),
    shelf_life_days=3,
    declared_grams=20000,
    chilled=False,
    certificates=[],
)
PORK = DeliveryLine(
    line_no=2,
    item="猪肉",
    category=FoodCategory.MEAT,
    batch="A0907-3",
    produced_on=date(2020, 9, 6),
    shelf_life_days=3,
    declared_grams=15000,
    chilled=True,
    certificates=[QUARANTINE],
)


def received(*lines: DeliveryLine, certificates: tuple[Certificate, ...] = (LICENCE,)) -> DeliveryReceived:
    return DeliveryReceived(
        delivery_id="d1",
        campus_id="main",
        supplier_id="lvyuan",
        supplier_name="绿源配送",
        certificates=list(certificates),
        lines=list(lines or (GREENS, PORK)),
        received_by="han-canteen",
        received_at=ARRIVED,
    )


RECEIVED = received()


def weighed(line_no: int, grams: int, by: str = "jiang-cook", c10: int | None = None) -> DeliveryLineInspected:
    return DeliveryLineInspected(
        delivery_id="d1", line_no=line_no, inspector_id=by, weighed_grams=grams, temperature_c10=c10, note=""
    )


def quick_test(verdict: Verdict, test_id: str = "t1", rate: int | None = None) -> PesticideTested:
    return PesticideTested(
        delivery_id="d1", line_no=1, test_id=test_id, verdict=verdict, inhibition_permille=rate, tested_by="jiang-cook"
    )


def accepted(line_no: int, grams: int, override: str | None = None, by: str = "jiang-cook") -> DeliveryLineAccepted:
    return DeliveryLineAccepted(
        delivery_id="d1", line_no=line_no, accepted_grams=grams, override_reason=override, accepted_by=by
    )


def receive(**changes: Any) -> ReceiveDelivery:
    body: dict[str, Any] = {
        "delivery_id": "d1",
        "campus_id": "main",
        "supplier_id": "lvyuan",
        "supplier_name": "绿源配送",
        "certificates": [{"kind": "supplier_licence", "number": "JY1320", "expires_on": "2024-05-31"}],
        "lines": [
            GREENS.model_dump(mode="json"),
            PORK.model_dump(mode="json"),
        ],
        "at": ARRIVED.isoformat(),
    }
    return ReceiveDelivery.model_validate(body | changes)


PASSED = quick_test(Verdict.PASS)
GREENS_WEIGHED = weighed(1, 19900)
PORK_WEIGHED = weighed(2, 15000, by="han-canteen", c10=40)


def test_a_delivery_is_received_with_its_certificates_and_lines() -> None:
    assert delivery.when(receive(), actor="han-canteen") == [RECEIVED]
    state = delivery.given(RECEIVED)
    assert state.status is DeliveryStatus.RECEIVED and sorted(state.lines) == [1, 2]


def test_a_delivery_is_received_once() -> None:
    delivery.refused(receive(), given=[RECEIVED], field="delivery_id")


def test_a_meat_line_without_its_quarantine_certificate_is_not_received() -> None:
    pork = PORK.model_dump(mode="json") | {"certificates": []}
    with pytest.raises(ValidationError) as caught:
        receive(lines=[GREENS.model_dump(mode="json"), pork])
    assert [e["loc"] for e in caught.value.errors()] == [("lines", 1, "certificates")]


def test_the_lines_are_numbered_one_to_n_each_once() -> None:
    twice = GREENS.model_dump(mode="json")
    with pytest.raises(ValidationError, match="numbered 1 to n"):
        receive(lines=[twice, twice])
    with pytest.raises(ValidationError, match="numbered 1 to n"):
        receive(lines=[PORK.model_dump(mode="json")])


def test_a_line_is_not_produced_after_it_arrived() -> None:
    tomorrow = GREENS.model_dump(mode="json") | {"produced_on": "2020-09-08"}
    delivery.refused(receive(lines=[tomorrow]), raises=InvalidInput, field="lines.0.produced_on")


def test_a_chilled_line_is_weighed_with_its_temperature() -> None:
    delivery.refused(
        InspectDeliveryLine(line_no=2, weighed_grams=15000),
        given=[RECEIVED],
        raises=InvalidInput,
        field="temperature_c10",
    )
    inspect = InspectDeliveryLine(line_no=2, weighed_grams=15000, temperature_c10=40)
    assert delivery.when(inspect, given=[RECEIVED], actor="han-canteen") == [PORK_WEIGHED]


def test_a_line_the_delivery_does_not_have_is_not_weighed() -> None:
    delivery.refused(
        InspectDeliveryLine(line_no=3, weighed_grams=1), given=[RECEIVED], raises=InvalidInput, field="line_no"
    )


def test_nothing_is_weighed_before_the_delivery_arrived() -> None:
    early = InspectDeliveryLine(line_no=1, weighed_grams=19900, at=datetime(2020, 9, 7, 6, 0, tzinfo=CHINA))
    delivery.refused(early, given=[RECEIVED], raises=OutOfOrder, field="at")


def test_a_weighed_line_is_accepted_at_its_weighed_grams() -> None:
    got = delivery.when(AcceptDeliveryLine(line_no=2), given=[RECEIVED, PORK_WEIGHED])
    assert got == [accepted(2, 15000)]


def test_a_line_not_weighed_is_not_accepted() -> None:
    delivery.refused(AcceptDeliveryLine(line_no=2), given=[RECEIVED], field="line_no", match="weighed")


def test_leafy_vegetables_are_accepted_only_after_a_passed_quick_test() -> None:
    delivery.refused(AcceptDeliveryLine(line_no=1), given=[RECEIVED, GREENS_WEIGHED], match="pesticide")
    got = delivery.when(AcceptDeliveryLine(line_no=1), given=[RECEIVED, GREENS_WEIGHED, PASSED])
    assert got == [accepted(1, 19900)]


def test_only_leafy_vegetables_and_beans_are_quick_tested() -> None:
    test = RecordPesticideTest(line_no=2, test_id="t1", verdict=Verdict.PASS)
    delivery.refused(test, given=[RECEIVED], raises=InvalidInput, field="line_no")


def test_a_failed_pesticide_lot_is_rejected_and_unusable_even_by_override() -> None:
    fail = RecordPesticideTest(line_no=1, test_id="t1", inhibition_permille=620, verdict=Verdict.FAIL)
    got = delivery.when(fail, given=[RECEIVED, GREENS_WEIGHED])
    assert got[0] == quick_test(Verdict.FAIL, rate=620)
    assert isinstance(got[1], DeliveryLineRejected) and got[1].line_no == 1 and "t1" in got[1].reason
    history = [RECEIVED, GREENS_WEIGHED, *got]
    assert delivery.given(*history).lines[1].decision is LineDecision.REJECTED
    override = AcceptDeliveryLine(line_no=1, override_reason="急用")
    delivery.refused(override, given=history, facts=MANAGER, field="line_no", match="rejected")
    delivery.refused(RecordPesticideTest(line_no=1, test_id="t2", verdict=Verdict.PASS), given=history)


def test_a_quick_test_reading_agrees_with_its_verdict() -> None:
    with pytest.raises(ValidationError, match="is a fail"):
        RecordPesticideTest(line_no=1, test_id="t1", inhibition_permille=500, verdict=Verdict.PASS)


def test_a_test_id_is_recorded_once() -> None:
    again = RecordPesticideTest(line_no=1, test_id="t1", verdict=Verdict.PASS)
    delivery.refused(again, given=[RECEIVED, PASSED], field="test_id")


def test_an_expired_certificate_is_refused_without_an_override() -> None:
    history = [received(certificates=(OLD_LICENCE,)), PORK_WEIGHED]
    refusal = delivery.refused(AcceptDeliveryLine(line_no=2), given=history, field="override_reason")
    assert "expired on 2020-09-06" in refusal.reason
    override = AcceptDeliveryLine(line_no=2, override_reason="新证已在办理，区局电话确认")
    delivery.refused(override, given=history, raises=Forbidden, field="override_reason")
    got = delivery.when(override, given=history, facts=MANAGER, actor="zhou")
    assert got == [accepted(2, 15000, "新证已在办理，区局电话确认", by="zhou")]


def test_a_certificate_is_valid_through_its_expiry_day() -> None:
    today = Certificate(kind=CertificateKind.SUPPLIER_LICENCE, number="JY1320", expires_on=date(2020, 9, 7))
    history = [received(certificates=(today,)), PORK_WEIGHED]
    assert delivery.when(AcceptDeliveryLine(line_no=2), given=history) == [accepted(2, 15000)]


def test_a_line_short_beyond_the_tolerance_needs_an_override() -> None:
    short = weighed(2, 14600, c10=40)  # 2.7 % short, the default tolerance is 2 %
    delivery.refused(AcceptDeliveryLine(line_no=2), given=[RECEIVED, short], field="override_reason", match="14600")
    within = weighed(2, 14700, c10=40)  # 2 % short: within
    assert delivery.when(AcceptDeliveryLine(line_no=2), given=[RECEIVED, within]) == [accepted(2, 14700)]


def test_the_tolerance_is_the_districts() -> None:
    loose = rules_fact(Rules(delivery_weight_tolerance_permille=50))
    short = weighed(2, 14600, c10=40)
    assert delivery.when(AcceptDeliveryLine(line_no=2), given=[RECEIVED, short], facts=loose) == [accepted(2, 14600)]


def test_a_line_past_its_shelf_life_or_warm_needs_an_override() -> None:
    stale = PORK.model_copy(update={"produced_on": date(2020, 9, 1)})
    history = [received(GREENS, stale), PORK_WEIGHED]
    delivery.refused(AcceptDeliveryLine(line_no=2), given=history, field="override_reason", match="shelf life")
    warm = weighed(2, 15000, c10=95)
    delivery.refused(AcceptDeliveryLine(line_no=2), given=[RECEIVED, warm], field="override_reason", match="9.5")


def test_an_override_is_recorded_only_when_it_was_needed() -> None:
    got = delivery.when(AcceptDeliveryLine(line_no=2, override_reason="无"), given=[RECEIVED, PORK_WEIGHED])
    assert got == [accepted(2, 15000)]


def test_a_line_is_decided_once() -> None:
    history = [RECEIVED, PORK_WEIGHED, accepted(2, 15000)]
    delivery.refused(RejectDeliveryLine(line_no=2, reason="错了"), given=history, field="line_no")
    delivery.refused(InspectDeliveryLine(line_no=2, weighed_grams=1, temperature_c10=40), given=history)


def test_two_different_inspectors_sign_the_acceptance() -> None:
    one = [RECEIVED, GREENS_WEIGHED, PASSED, accepted(1, 19900), weighed(2, 15000, c10=40), accepted(2, 15000)]
    delivery.refused(SignDeliveryAcceptance(), given=one, match="two different staff")
    two = [RECEIVED, GREENS_WEIGHED, PASSED, accepted(1, 19900), PORK_WEIGHED, accepted(2, 15000)]
    signed = DeliveryAcceptanceSigned(
        delivery_id="d1",
        campus_id="main",
        inspectors=["han-canteen", "jiang-cook"],
        lines_accepted=2,
        lines_rejected=0,
        signed_by="zhou",
    )
    assert delivery.when(SignDeliveryAcceptance(), given=two, actor="zhou") == [signed]
    after = [*two, signed]
    assert delivery.given(*after).status is DeliveryStatus.SIGNED
    delivery.refused(SignDeliveryAcceptance(), given=after, match="signed")
    delivery.refused(RejectDeliveryLine(line_no=1, reason="后悔"), given=after, match="signed")


def test_the_acceptance_is_signed_once_every_line_is_decided() -> None:
    history = [RECEIVED, GREENS_WEIGHED, PORK_WEIGHED, accepted(2, 15000)]
    delivery.refused(SignDeliveryAcceptance(), given=history, match="lines 1 ")
    rejected = DeliveryLineRejected(delivery_id="d1", line_no=1, reason="发黄", rejected_by="jiang-cook")
    (signed,) = delivery.when(SignDeliveryAcceptance(), given=[*history, rejected])
    assert isinstance(signed, DeliveryAcceptanceSigned) and (signed.lines_accepted, signed.lines_rejected) == (1, 1)


def test_nothing_happens_to_a_delivery_never_received() -> None:
    delivery.refused(InspectDeliveryLine(line_no=1, weighed_grams=1), match="never received")


def test_a_delivery_turned_away_whole_is_signed_without_two_weighers() -> None:
    """Nothing taken in, nothing to weigh twice: wilted greens and pork refused at the door."""
    turned_away = [
        RECEIVED,
        DeliveryLineRejected(delivery_id="d1", line_no=1, reason="叶片发黄", rejected_by="jiang-cook"),
        DeliveryLineRejected(delivery_id="d1", line_no=2, reason="无检疫证明", rejected_by="jiang-cook"),
    ]
    (signed,) = delivery.when(SignDeliveryAcceptance(), given=turned_away)
    assert isinstance(signed, DeliveryAcceptanceSigned)
    assert (signed.inspectors, signed.lines_accepted, signed.lines_rejected) == ([], 0, 2)
