"""Delivery acceptance (进货查验, 索证索票) and the pesticide quick test (农残快检).

One stream per delivery: a supplier's delivery arrives with its certificates (the supplier's
licence and invoice, and per line a meat quarantine certificate or a batch's test report),
then each line is weighed (and, if chilled, its temperature taken) by the canteen's staff,
leafy vegetables and beans are quick-tested for pesticide residues, each line is accepted or
rejected, and the acceptance is signed.

The rules:

- A meat or poultry line comes with its quarantine certificate: a delivery without one is not
  received at all (422 naming the line's ``certificates``), since such meat may not enter the
  kitchen whatever is decided later.
- A line is accepted only once it was weighed, and a leafy vegetable or beans line only once a
  pesticide test of it passed. A failed test rejects the lot with it, and a rejected line is
  never accepted (no override reopens it).
- A line whose certificate (its own or the supplier's) expired before the delivery day (a
  certificate is valid through its expiry day), whose weighed grams fall short of the declared
  beyond the district's tolerance, whose shelf life ended before the delivery day, or which
  arrived chilled above 8.0 °C, is accepted only with a recorded ``override_reason``, and only
  a logistics manager may give one. The accepted grams are the weighed grams (the line's latest
  weighing).
- The acceptance is signed once every line is decided and at least two different staff
  weighed its lines (two-person acceptance); after that nothing of the delivery changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import Field, ValidationInfo, field_validator

from services.canteen.common import Grams, Permille, TenthsC
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
from services.canteen.rules import rules_from
from services.eventkit.acts import ActAtOrNow, not_before
from services.eventkit.bounds import MANY_ITEMS, EntityId, Few, Many, Name, ShortText, Text
from services.eventkit.commands import Command, examples
from services.eventkit.days import local_day
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent, Value
from services.eventkit.errors import Forbidden, InvalidInput, Rejected

CHILLED_MAX_C10 = 80
"""Chilled food above 8.0 °C is not accepted without an override."""
PESTICIDE_FAIL_PERMILLE = 500
"""An enzyme inhibition rate of 50 % or more fails the quick test (GB/T 5009.199)."""
TESTED = (FoodCategory.LEAFY_VEGETABLE, FoodCategory.BEANS)
"""The lines quick-tested for pesticide residues before they are accepted."""
QUARANTINED = (FoodCategory.MEAT, FoodCategory.POULTRY)
"""The lines that come with an animal quarantine certificate."""
MAY_OVERRIDE = "may_override"
"""The fact a lookup sets ("true") when the sender is a logistics manager of the campus."""

_LINE_NO = Field(ge=1, le=MANY_ITEMS, description="The line's number in the delivery (from 1)")

# -- commands ----------------------------------------------------------------------------


class CertificateIn(Value):
    """A certificate that came with the delivery or a line of it (索证索票)."""

    kind: CertificateKind = Field(description="What the certificate is (licence, quarantine, test report, invoice)")
    number: Name = Field(description="The certificate's number as printed on it")
    expires_on: date | None = Field(default=None, description="The last day it is valid (none: it does not expire)")


class DeliveryLineIn(Value):
    """One line of a delivery: an item of one batch, as the supplier declared it."""

    line_no: int = _LINE_NO
    item: Name = Field(description="The item, e.g. 青菜")
    category: FoodCategory = Field(description="The kind of food: it says which checks the line needs")
    batch: ShortText = Field(min_length=1, description="The batch number, or the production date as on the pack")
    produced_on: date | None = Field(default=None, description="The day it was produced, if known")
    shelf_life_days: int | None = Field(
        default=None, ge=0, le=3650, description="Its shelf life in days from the production day"
    )
    declared_grams: Grams = Field(gt=0, description="The weight the supplier declared, in grams")
    chilled: bool = Field(default=False, description="Delivered chilled: its temperature is taken when weighed")
    certificates: Few[CertificateIn] = Field(
        default_factory=list, description="The line's own certificates (a meat quarantine certificate, a test report)"
    )

    @field_validator("shelf_life_days")
    @classmethod
    def _shelf_life_needs_a_day(cls, days: int | None, info: ValidationInfo) -> int | None:
        if days is not None and info.data.get("produced_on") is None and "produced_on" in info.data:
            raise ValueError("a shelf life counts from the production day: give produced_on too")
        return days

    @field_validator("certificates")
    @classmethod
    def _quarantined(cls, certificates: list[CertificateIn], info: ValidationInfo) -> list[CertificateIn]:
        category = info.data.get("category")
        if category in QUARANTINED and not any(c.kind is CertificateKind.QUARANTINE for c in certificates):
            raise ValueError(f"a {category} line comes with its quarantine certificate (动物检疫合格证明)")
        return certificates


class ReceiveDelivery(Command):
    """A supplier's delivery arrives, with its certificates and lines."""

    model_config = examples(
        {
            "delivery_id": "main-2020-09-07-lvyuan",
            "campus_id": "main",
            "supplier_id": "lvyuan",
            "supplier_name": "绿源农产品配送有限公司",
            "certificates": [
                {"kind": "supplier_licence", "number": "JY13201050012345", "expires_on": "2024-05-31"},
                {"kind": "invoice", "number": "No. 00231877"},
            ],
            "lines": [
                {
                    "line_no": 1,
                    "item": "青菜",
                    "category": "leafy_vegetable",
                    "batch": "20200907",
                    "produced_on": "2020-09-07",
                    "shelf_life_days": 3,
                    "declared_grams": 20000,
                },
                {
                    "line_no": 2,
                    "item": "猪肉",
                    "category": "meat",
                    "batch": "A0907-3",
                    "produced_on": "2020-09-06",
                    "shelf_life_days": 3,
                    "declared_grams": 15000,
                    "chilled": True,
                    "certificates": [{"kind": "quarantine", "number": "3201123456", "expires_on": "2020-09-09"}],
                },
            ],
            "at": "2020-09-07T06:40:00+08:00",
        }
    )

    delivery_id: EntityId = Field(description="A new id for this delivery")
    campus_id: EntityId
    supplier_id: EntityId = Field(description="The supplier (its id in the canteen's records)")
    supplier_name: Name = Field(description="The supplier's name")
    certificates: Few[CertificateIn] = Field(
        default_factory=list, description="The supplier's certificates: its licence, the invoice"
    )
    lines: Many[DeliveryLineIn] = Field(min_length=1, description="The delivery's lines, numbered 1 to n")
    at: ActAtOrNow = None

    @field_validator("lines")
    @classmethod
    def _numbered(cls, lines: list[DeliveryLineIn]) -> list[DeliveryLineIn]:
        numbers = sorted(line.line_no for line in lines)
        if numbers != list(range(1, len(lines) + 1)):
            raise ValueError("the lines are numbered 1 to n, each once")
        return lines


class InspectDeliveryLine(Command):
    """The sender weighs a line (and takes its temperature if it came chilled)."""

    model_config = examples({"line_no": 2, "weighed_grams": 14900, "temperature_c10": 42, "note": "包装完好"})

    line_no: int = _LINE_NO
    weighed_grams: Grams = Field(description="What the line weighed, in grams")
    temperature_c10: TenthsC | None = Field(
        default=None, description="Its temperature in tenths of a degree (required for a chilled line)"
    )
    note: Text = ""
    at: ActAtOrNow = None


class RecordPesticideTest(Command):
    """A pesticide quick test of a leafy vegetable or beans line: a failed lot is rejected."""

    model_config = examples({"line_no": 1, "test_id": "nc-0907-1", "inhibition_permille": 120, "verdict": "pass"})

    line_no: int = _LINE_NO
    test_id: EntityId = Field(description="The test's id (its number in the quick-test book)")
    inhibition_permille: Permille | None = Field(
        default=None, description="The enzyme inhibition rate read, per mille (500 or more fails)"
    )
    verdict: Verdict = Field(description="Pass or fail")
    at: ActAtOrNow = None

    @field_validator("verdict")
    @classmethod
    def _agrees(cls, verdict: Verdict, info: ValidationInfo) -> Verdict:
        rate = info.data.get("inhibition_permille")
        if rate is not None and (rate >= PESTICIDE_FAIL_PERMILLE) != (verdict is Verdict.FAIL):
            outcome = "fail" if rate >= PESTICIDE_FAIL_PERMILLE else "pass"
            raise ValueError(f"an inhibition rate of {rate}‰ is a {outcome}")
        return verdict


class AcceptDeliveryLine(Command):
    """Accept a weighed line: its weighed grams are taken in."""

    model_config = examples({"line_no": 2})

    line_no: int = _LINE_NO
    override_reason: Text | None = Field(
        default=None,
        description="Why it is accepted despite an expired certificate, a short weight, an ended shelf life "
        "or a warm chilled line (a logistics manager only)",
    )
    at: ActAtOrNow = None


class RejectDeliveryLine(Command):
    """Reject a line, saying why: it goes back to the supplier."""

    model_config = examples({"line_no": 1, "reason": "叶片发黄，不新鲜"})

    line_no: int = _LINE_NO
    reason: ShortText = Field(min_length=1, description="Why the line is rejected")
    at: ActAtOrNow = None


class SignDeliveryAcceptance(Command):
    """Close the delivery: every line decided, weighed by at least two different staff."""

    model_config = examples({"at": "2020-09-07T07:20:00+08:00"})

    at: ActAtOrNow = None


# -- state -------------------------------------------------------------------------------


class DeliveryStatus(StrEnum):
    RECEIVED = "received"
    SIGNED = "signed"


class LineDecision(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True)
class LineState:
    line: DeliveryLine
    inspectors: tuple[str, ...] = ()
    weighed_grams: int | None = None  # the latest weighing
    temperature_c10: int | None = None
    tests: tuple[str, ...] = ()
    passed: bool = False  # a pesticide test of it passed
    failed: bool = False  # one failed: the lot is unusable
    decision: LineDecision | None = None


@dataclass(frozen=True)
class DeliveryState:
    status: DeliveryStatus | None = None
    campus_id: str = ""
    certificates: tuple[Certificate, ...] = ()
    received_at: datetime | None = None
    lines: dict[int, LineState] = field(default_factory=dict)

    def line(self, line_no: int) -> LineState:
        found = self.lines.get(line_no)
        if found is None:
            raise InvalidInput(f"the delivery has no line {line_no}", field="line_no")
        return found

    @property
    def inspectors(self) -> list[str]:
        return sorted({who for line in self.lines.values() for who in line.inspectors})


DeliveryCommand = (
    Resolved[ReceiveDelivery]
    | Resolved[InspectDeliveryLine]
    | Resolved[RecordPesticideTest]
    | Resolved[AcceptDeliveryLine]
    | Resolved[RejectDeliveryLine]
    | Resolved[SignDeliveryAcceptance]
)


def _certificate(c: CertificateIn) -> Certificate:
    return Certificate(kind=c.kind, number=c.number, expires_on=c.expires_on)


def problems(state: DeliveryState, line: LineState, tolerance_permille: int, day: date) -> list[str]:
    """Why a line may not be accepted without an override (none: it may)."""
    found: list[str] = []
    for owner, certificates in (("the supplier's", state.certificates), ("its", tuple(line.line.certificates))):
        for c in certificates:
            if c.expires_on is not None and c.expires_on < day:
                found.append(f"{owner} {c.kind.value} certificate {c.number} expired on {c.expires_on.isoformat()}")
    declared, weighed = line.line.declared_grams, line.weighed_grams or 0
    if (declared - weighed) * 1000 > declared * tolerance_permille:
        found.append(f"it weighed {weighed} g of {declared} g declared (tolerance {tolerance_permille}‰)")
    if line.line.produced_on is not None and line.line.shelf_life_days is not None:
        ends = line.line.produced_on + timedelta(days=line.line.shelf_life_days)
        if ends < day:
            found.append(f"its shelf life ended on {ends.isoformat()}")
    if line.line.chilled and line.temperature_c10 is not None and line.temperature_c10 > CHILLED_MAX_C10:
        found.append(f"it arrived chilled at {line.temperature_c10 / 10:.1f} °C (above 8.0 °C)")
    return found


def _receive(rc: Resolved[ReceiveDelivery], state: DeliveryState) -> list[DomainEvent]:
    cmd = rc.command
    if state.status is not None:
        raise Rejected(f"delivery {cmd.delivery_id} was received already", field="delivery_id")
    for i, line in enumerate(cmd.lines):
        if line.produced_on is not None and line.produced_on > rc.on:
            raise InvalidInput(
                f"line {line.line_no} cannot have been produced after it was delivered ({rc.on.isoformat()})",
                field=f"lines.{i}.produced_on",
            )
    lines = [
        DeliveryLine(
            line_no=line.line_no,
            item=line.item,
            category=line.category,
            batch=line.batch,
            produced_on=line.produced_on,
            shelf_life_days=line.shelf_life_days,
            declared_grams=line.declared_grams,
            chilled=line.chilled,
            certificates=[_certificate(c) for c in line.certificates],
        )
        for line in sorted(cmd.lines, key=lambda line: line.line_no)
    ]
    return [
        DeliveryReceived(
            delivery_id=cmd.delivery_id,
            campus_id=cmd.campus_id,
            supplier_id=cmd.supplier_id,
            supplier_name=cmd.supplier_name,
            certificates=[_certificate(c) for c in cmd.certificates],
            lines=lines,
            received_by=rc.actor,
            received_at=rc.at,
        )
    ]


def _undecided(line: LineState) -> None:
    if line.decision is not None:
        raise Rejected(f"line {line.line.line_no} was {line.decision.value} already", field="line_no")


def decide(rc: DeliveryCommand, state: DeliveryState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, ReceiveDelivery):
        return _receive(rc, state)  # type: ignore[arg-type]
    if state.status is None:
        raise Rejected("the delivery was never received")
    if state.status is DeliveryStatus.SIGNED:
        raise Rejected("the delivery's acceptance is signed: nothing of it changes any more")
    not_before(rc.at, state.received_at, field="at", step="received", what="delivery")
    delivery_id = rc.entity_id
    if isinstance(cmd, SignDeliveryAcceptance):
        open_lines = [n for n, line in sorted(state.lines.items()) if line.decision is None]
        if open_lines:
            raise Rejected(f"lines {', '.join(map(str, open_lines))} are neither accepted nor rejected yet")
        inspectors = state.inspectors
        decisions = [line.decision for line in state.lines.values()]
        # two people weigh what is taken in; a delivery turned away whole (every line rejected,
        # e.g. wilted greens refused at the door, a failed quick test) is signed as refused
        if LineDecision.ACCEPTED in decisions and len(inspectors) < 2:
            raise Rejected(
                "two different staff weigh a delivery's lines before its acceptance is signed "
                f"(weighed by: {', '.join(inspectors) or 'nobody'})"
            )
        return [
            DeliveryAcceptanceSigned(
                delivery_id=delivery_id,
                campus_id=state.campus_id,
                inspectors=inspectors,
                lines_accepted=decisions.count(LineDecision.ACCEPTED),
                lines_rejected=decisions.count(LineDecision.REJECTED),
                signed_by=rc.actor,
            )
        ]
    line = state.line(cmd.line_no)
    _undecided(line)
    if isinstance(cmd, InspectDeliveryLine):
        if line.line.chilled and cmd.temperature_c10 is None:
            raise InvalidInput(f"line {cmd.line_no} came chilled: take its temperature", field="temperature_c10")
        return [
            DeliveryLineInspected(
                delivery_id=delivery_id,
                line_no=cmd.line_no,
                inspector_id=rc.actor,
                weighed_grams=cmd.weighed_grams,
                temperature_c10=cmd.temperature_c10,
                note=cmd.note,
            )
        ]
    if isinstance(cmd, RecordPesticideTest):
        if line.line.category not in TESTED:
            raise InvalidInput(
                f"line {cmd.line_no} is {line.line.category.value}: only leafy vegetables and beans are quick-tested",
                field="line_no",
            )
        if any(cmd.test_id in other.tests for other in state.lines.values()):
            raise Rejected(f"test {cmd.test_id} is recorded already", field="test_id")
        tested = PesticideTested(
            delivery_id=delivery_id,
            line_no=cmd.line_no,
            test_id=cmd.test_id,
            verdict=cmd.verdict,
            inhibition_permille=cmd.inhibition_permille,
            tested_by=rc.actor,
        )
        if cmd.verdict is Verdict.PASS:
            return [tested]
        rate = f", inhibition {cmd.inhibition_permille}‰" if cmd.inhibition_permille is not None else ""
        reason = f"pesticide quick test {cmd.test_id} failed{rate}: the lot is unusable"
        return [
            tested,
            DeliveryLineRejected(delivery_id=delivery_id, line_no=cmd.line_no, reason=reason, rejected_by=rc.actor),
        ]
    if isinstance(cmd, RejectDeliveryLine):
        return [
            DeliveryLineRejected(delivery_id=delivery_id, line_no=cmd.line_no, reason=cmd.reason, rejected_by=rc.actor)
        ]
    assert isinstance(cmd, AcceptDeliveryLine)
    if line.weighed_grams is None:
        raise Rejected(f"line {cmd.line_no} is accepted once it was weighed", field="line_no")
    if line.line.category in TESTED and not line.passed:
        raise Rejected(f"line {cmd.line_no} is accepted once a pesticide quick test of it passed", field="line_no")
    day = local_day(state.received_at) if state.received_at is not None else rc.on
    found = problems(state, line, rules_from(rc.facts).delivery_weight_tolerance_permille, day)
    override = (cmd.override_reason or "").strip() or None
    if found and override is None:
        raise Rejected(
            f"line {cmd.line_no} cannot be accepted without an override: {'; '.join(found)}", field="override_reason"
        )
    if found and rc.facts.get(MAY_OVERRIDE) != "true":
        raise Forbidden("only a logistics manager accepts a line by override", field="override_reason")
    return [
        DeliveryLineAccepted(
            delivery_id=delivery_id,
            line_no=cmd.line_no,
            accepted_grams=line.weighed_grams,
            override_reason=override if found else None,
            accepted_by=rc.actor,
        )
    ]


def _with_line(state: DeliveryState, line_no: int, **changes: object) -> DeliveryState:
    line = state.lines.get(line_no)
    if line is None:
        return state
    return replace(state, lines=state.lines | {line_no: replace(line, **changes)})  # type: ignore[arg-type]


def evolve(state: DeliveryState, event: DomainEvent) -> DeliveryState:
    match event:
        case DeliveryReceived():
            return DeliveryState(
                status=DeliveryStatus.RECEIVED,
                campus_id=event.campus_id,
                certificates=tuple(event.certificates),
                received_at=event.received_at,
                lines={line.line_no: LineState(line) for line in event.lines},
            )
        case DeliveryLineInspected():
            line = state.lines.get(event.line_no)
            if line is None:
                return state
            inspectors = line.inspectors
            if event.inspector_id not in inspectors:
                inspectors = (*inspectors, event.inspector_id)
            return _with_line(
                state,
                event.line_no,
                inspectors=inspectors,
                weighed_grams=event.weighed_grams,
                temperature_c10=event.temperature_c10,
            )
        case PesticideTested():
            line = state.lines.get(event.line_no)
            tests = (*line.tests, event.test_id) if line is not None else ()
            if event.verdict is Verdict.PASS:
                return _with_line(state, event.line_no, tests=tests, passed=True)
            return _with_line(state, event.line_no, tests=tests, failed=True)
        case DeliveryLineAccepted():
            return _with_line(state, event.line_no, decision=LineDecision.ACCEPTED)
        case DeliveryLineRejected():
            return _with_line(state, event.line_no, decision=LineDecision.REJECTED)
        case DeliveryAcceptanceSigned():
            return replace(state, status=DeliveryStatus.SIGNED)
    return state


Delivery: Decider[DeliveryCommand, DeliveryState, DomainEvent] = Decider(
    "Delivery", DeliveryState(), decide, evolve, "delivery", starts=(ReceiveDelivery,)
)
"""One stream per delivery."""
