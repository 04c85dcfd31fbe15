"""Property tests of the deliveries' decider: a line accepted only once weighed and, if leafy or
beans, once a pesticide test of it passed, never after a failed one; an expired certificate, a
short weight, an ended shelf life or a warm chilled line accepted only with an override by a
logistics manager, at the weighed grams; signed only with every line decided and weighed by two
different staff, and nothing changes after.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import strategies as st

from services.canteen import deliveries as de
from services.canteen.events import (
    CANTEEN_EVENTS,
    CertificateKind,
    DeliveryAcceptanceSigned,
    DeliveryLineAccepted,
    DeliveryLineInspected,
    DeliveryLineRejected,
    DeliveryReceived,
    FoodCategory,
    PesticideTested,
    Verdict,
)
from services.canteen.rules import RULES_FACT, Rules, rules_fact
from services.eventkit.days import local_day
from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Forbidden, HouqinError, InvalidInput, Rejected
from tests.properties import QUIET, START, DeciderMachine, machine, machine_ids, run_machine, step, times

pytestmark = QUIET

DELIVERY_ID = "main-2020-09-01-lvyuan"
D0 = START.date()  # the first day a delivery may arrive (it arrives within two days of it)
DECLARED = 20000  # every line declares 20 kg: the weighings below are short or not whatever the line
LATE = D0 + timedelta(days=60)
EXPIRIES = st.sampled_from([None, LATE, LATE, LATE, D0 - timedelta(days=1), D0, D0 + timedelta(days=1)])
LINE_NOS = st.sampled_from([1, 1, 1, 1, 2, 2, 3, 3, 4, 5])  # a delivery has one to four lines: 5 never exists
MANAGER = "zhou"
"""The logistics manager among the actors (the override permission is a fact drawn on its own)."""


def certificate(kind: CertificateKind, number: str, expires_on: date | None) -> de.CertificateIn:
    return de.CertificateIn(kind=kind, number=number, expires_on=expires_on)


def receive(
    n: int, at: Any, supplier_expires: date | None, quarantine_expires: date | None, produced: int, rice_life: int
) -> de.ReceiveDelivery:
    lines = [
        de.DeliveryLineIn(
            line_no=1,
            item="大米",
            category=FoodCategory.GRAIN_OIL,
            batch="2019-08-27",
            produced_on=D0 - timedelta(days=370),
            shelf_life_days=rice_life,
            declared_grams=DECLARED,
            certificates=[certificate(CertificateKind.INSPECTION_REPORT, "JC-2019-0871", None)],
        ),
        de.DeliveryLineIn(
            line_no=2,
            item="猪肉",
            category=FoodCategory.MEAT,
            batch="A0901-3",
            declared_grams=DECLARED,
            chilled=True,
            certificates=[certificate(CertificateKind.QUARANTINE, "3201123456", quarantine_expires)],
        ),
        de.DeliveryLineIn(
            line_no=3,
            item="青菜",
            category=FoodCategory.LEAFY_VEGETABLE,
            batch="20200901",
            produced_on=D0 + timedelta(days=produced),  # some after the delivery's day: refused
            shelf_life_days=2,
            declared_grams=DECLARED,
        ),
        de.DeliveryLineIn(line_no=4, item="豇豆", category=FoodCategory.BEANS, batch="0901", declared_grams=DECLARED),
    ]
    return de.ReceiveDelivery(
        delivery_id=DELIVERY_ID,
        campus_id="main",
        supplier_id="lvyuan",
        supplier_name="绿源农产品配送有限公司",
        certificates=[
            certificate(CertificateKind.SUPPLIER_LICENCE, "JY13201050012345", supplier_expires),
            certificate(CertificateKind.INVOICE, "No. 00231877", None),
        ],
        lines=lines[:n],
        at=at,
    )


RECEIVE = step(
    st.builds(
        receive,
        st.sampled_from([1, 1, 1, 2, 2, 3, 4]),
        st.none() | st.none() | times(2),
        EXPIRIES,
        EXPIRIES,
        st.sampled_from([0, 0, -1, -3, 0, 2]),
        st.sampled_from([365, 400, 400]),
    )
)
INSPECT = step(
    st.builds(
        de.InspectDeliveryLine,
        line_no=LINE_NOS,
        weighed_grams=st.sampled_from([20000, 20000, 19800, 19600, 19599, 19000, 20100]),
        temperature_c10=st.sampled_from([None, 42, 42, 42, 80, 81, 120]),
        note=st.just("包装完好"),
    )
)


def pesticide(line_no: int, test_id: str, rate: int | None, verdict: Verdict) -> de.RecordPesticideTest:
    if rate is not None:  # the verdict a rate is
        verdict = Verdict.FAIL if rate >= de.PESTICIDE_FAIL_PERMILLE else Verdict.PASS
    return de.RecordPesticideTest(line_no=line_no, test_id=test_id, inhibition_permille=rate, verdict=verdict)


TEST = step(
    st.builds(
        pesticide,
        LINE_NOS,
        st.sampled_from(["nc-1", "nc-2", "nc-3"]),
        st.sampled_from([None, 120, 120, 499, 500, 800]),
        st.sampled_from([Verdict.PASS, Verdict.PASS, Verdict.FAIL]),
    )
)
ACCEPT = st.builds(
    lambda cmd, tolerance, may: (
        cmd,
        rules_fact(Rules(delivery_weight_tolerance_permille=tolerance)) | {de.MAY_OVERRIDE: may},
    ),
    st.builds(
        de.AcceptDeliveryLine,
        line_no=LINE_NOS,
        override_reason=st.sampled_from([None, None, "", "   ", "供应商次日补证，经理批准"]),
    ),
    st.sampled_from([20, 20, 0, 50]),
    st.sampled_from(["true", "false"]),
)
REJECT = step(st.builds(de.RejectDeliveryLine, line_no=LINE_NOS, reason=st.just("叶片发黄，不新鲜")))
SIGN = step(st.builds(de.SignDeliveryAcceptance))


# -- the model ---------------------------------------------------------------------------------


def delivery_day(state: de.DeliveryState) -> date:
    assert state.received_at is not None
    return local_day(state.received_at)


def needs_override(rc: Resolved[Any], state: de.DeliveryState, line: de.LineState) -> bool:
    """An expired certificate, a short weight, an ended shelf life or a warm chilled line."""
    day = delivery_day(state)
    tolerance = json.loads(rc.facts[RULES_FACT])["delivery_weight_tolerance_permille"]
    expired = any(
        c.expires_on is not None and c.expires_on < day for c in (*state.certificates, *line.line.certificates)
    )
    weighed = line.weighed_grams or 0
    short = (DECLARED - weighed) * 1000 > DECLARED * tolerance  # beyond the tolerance, exactly
    ended = (
        line.line.produced_on is not None
        and line.line.shelf_life_days is not None
        and line.line.produced_on + timedelta(days=line.line.shelf_life_days) < day
    )
    warm = line.line.chilled and line.temperature_c10 is not None and line.temperature_c10 > 80
    return expired or short or ended or warm


def overriding(rc: Resolved[Any]) -> bool:
    return bool((rc.command.override_reason or "").strip())


def delivery_allowed(rc: Resolved[Any], state: de.DeliveryState) -> bool:
    cmd = rc.command
    if isinstance(cmd, de.ReceiveDelivery):
        return state.status is None and all(
            line.produced_on is None or line.produced_on <= local_day(rc.at) for line in cmd.lines
        )
    if state.status is not de.DeliveryStatus.RECEIVED:
        return False
    assert state.received_at is not None
    if rc.at < state.received_at:
        return False
    if isinstance(cmd, de.SignDeliveryAcceptance):
        inspectors = {who for line in state.lines.values() for who in line.inspectors}
        decided = all(line.decision is not None for line in state.lines.values())
        accepted = any(line.decision is de.LineDecision.ACCEPTED for line in state.lines.values())
        return decided and (len(inspectors) >= 2 or not accepted)
    line = state.lines.get(cmd.line_no)
    if line is None or line.decision is not None:
        return False
    if isinstance(cmd, de.InspectDeliveryLine):
        return not line.line.chilled or cmd.temperature_c10 is not None
    if isinstance(cmd, de.RecordPesticideTest):
        tested = {t for other in state.lines.values() for t in other.tests}
        return line.line.category in de.TESTED and cmd.test_id not in tested
    if isinstance(cmd, de.RejectDeliveryLine):
        return True
    if line.weighed_grams is None or (line.line.category in de.TESTED and not line.passed):
        return False
    return not needs_override(rc, state, line) or (overriding(rc) and rc.facts[de.MAY_OVERRIDE] == "true")


def delivery_refused_rightly(rc: Resolved[Any], state: de.DeliveryState, refusal: HouqinError) -> None:
    assert not delivery_allowed(rc, state), f"{type(rc.command).__name__} refused though allowed: {refusal}"
    if isinstance(refusal, Forbidden):  # only the override is a manager's
        assert isinstance(rc.command, de.AcceptDeliveryLine) and overriding(rc)
        assert rc.facts[de.MAY_OVERRIDE] != "true", "a logistics manager refused an override"


def honest_delivery(rc: Resolved[Any], before: de.DeliveryState, events: list[DomainEvent], after: Any) -> None:
    cmd = rc.command
    first = events[0]
    if isinstance(first, DeliveryReceived):
        assert before.status is None, "received twice"
        assert [line.line_no for line in first.lines] == list(range(1, len(cmd.lines) + 1))
        for received in first.lines:
            if received.category in de.QUARANTINED:
                assert any(c.kind is CertificateKind.QUARANTINE for c in received.certificates), "meat unquarantined"
        return
    assert before.status is de.DeliveryStatus.RECEIVED, "a delivery changed once signed, or never received"
    assert before.received_at is not None and rc.at >= before.received_at, "an act before the delivery arrived"
    if isinstance(first, DeliveryAcceptanceSigned):
        assert all(line.decision is not None for line in before.lines.values()), "signed with an undecided line"
        inspectors = sorted({who for line in before.lines.values() for who in line.inspectors})
        assert first.inspectors == inspectors
        assert len(inspectors) >= 2 or first.lines_accepted == 0, "goods taken in without two different inspectors"
        decisions = [line.decision for line in before.lines.values()]
        assert (first.lines_accepted, first.lines_rejected) == (
            decisions.count(de.LineDecision.ACCEPTED),
            decisions.count(de.LineDecision.REJECTED),
        )
        assert after.status is de.DeliveryStatus.SIGNED
        return
    line = before.lines[cmd.line_no]
    assert line.decision is None, "a decided line changed"
    changed = after.lines[cmd.line_no]
    assert {n: s for n, s in after.lines.items() if n != cmd.line_no} == {
        n: s for n, s in before.lines.items() if n != cmd.line_no
    }, "another line changed"
    if isinstance(first, DeliveryLineInspected):
        assert first.inspector_id == rc.actor and (not line.line.chilled or first.temperature_c10 is not None)
        assert (changed.weighed_grams, changed.temperature_c10) == (cmd.weighed_grams, cmd.temperature_c10)
        assert rc.actor in changed.inspectors and len(set(changed.inspectors)) == len(changed.inspectors)
    if isinstance(first, PesticideTested):
        assert line.line.category in de.TESTED, "a quick test of a line that takes none"
        if first.verdict is Verdict.FAIL:
            assert [type(e) for e in events] == [PesticideTested, DeliveryLineRejected], "a failed lot not rejected"
            assert changed.failed and changed.decision is de.LineDecision.REJECTED
        else:
            assert len(events) == 1 and changed.passed and changed.decision is None
    if isinstance(first, DeliveryLineRejected):
        assert changed.decision is de.LineDecision.REJECTED
    if isinstance(first, DeliveryLineAccepted):
        assert line.weighed_grams is not None, "accepted unweighed"
        assert not line.failed, "accepted after a failed pesticide test"
        assert line.line.category not in de.TESTED or line.passed, "a leafy or beans line accepted untested"
        assert first.accepted_grams == line.weighed_grams, "not the latest weighing taken in"
        if needs_override(rc, before, line):
            assert first.override_reason is not None and first.override_reason.strip(), "accepted without override"
            assert rc.facts[de.MAY_OVERRIDE] == "true", "an override by someone who may not give one"
        else:
            assert first.override_reason is None, "an override recorded where none was needed"
        assert changed.decision is de.LineDecision.ACCEPTED


DELIVERY = machine(
    "DeliveryMachine",
    de.Delivery,
    CANTEEN_EVENTS,
    DELIVERY_ID,
    st.sampled_from(
        [INSPECT, INSPECT, INSPECT, INSPECT, TEST, ACCEPT, ACCEPT, ACCEPT, REJECT, SIGN, SIGN, RECEIVE]
    ).flatmap(lambda s: s),
    ["jiang-cook", "han-canteen", MANAGER],
    check=honest_delivery,
    create=RECEIVE,
    refusals=(Rejected, InvalidInput, Forbidden),
    on_refusal=delivery_refused_rightly,
)


MACHINES = [DELIVERY]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
