"""Property tests of the appraisal's deciders: a worker's month is scored by the rule book's caps
over the items that count, finalised only once every deduction is told and answered (or its
window closed), never changed after publication but by a correction that keeps the first
published total; a campus's month is published once.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule

from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Forbidden, InvalidInput, Rejected
from services.hr_eval import appraisal as ap
from services.hr_eval.common import RESPONSE_SCHOOL_DAYS, school_days_after
from services.hr_eval.events import (
    HR_EVAL_EVENTS,
    AppraisalClosed,
    AppraisalCorrected,
    AppraisalFinalised,
    AppraisalItemProposed,
    AppraisalItemWithdrawn,
    AppraisalMonthPublished,
    AppraisalOpened,
    AppraisalPublished,
    Channel,
    DeductionAcknowledged,
    DeductionCommunicated,
    DeductionDisputed,
    DisputeOutcome,
    DisputeResolved,
    RuleCategory,
)
from services.hr_eval.scoring import Score
from tests.properties import (
    QUIET,
    REASONS,
    TEXTS,
    DeciderMachine,
    Step,
    machine,
    machine_ids,
    refused_only_when,
    run_machine,
    school_day,
    step,
    times,
)

pytestmark = QUIET

WORKER = "li-guard"
MONTH = "2020-08"  # appraised after the fact: the machine's clock starts on the 1st of September
APPRAISAL_ID = f"{WORKER}-{MONTH}"
CATEGORIES = [  # small caps, so that a few items reach them
    RuleCategory(code="DISC", name="劳动纪律", deduction_cap=6, bonus_cap=0),
    RuleCategory(code="DUTY", name="岗位职责", deduction_cap=5, bonus_cap=3),
]
CAPS = {c.code: c for c in CATEGORIES}
RULES: dict[str, tuple[str, int, str]] = {  # code -> (category, points, text) in the pinned version
    "D-1": ("DISC", -2, "无故迟到、早退"),
    "D-2": ("DISC", -5, "值班期间脱岗"),
    "T-2": ("DUTY", -3, "责任区域卫生不达标"),
    "B-1": ("DUTY", 2, "受到师生书面表扬"),
}
ITEMS = st.sampled_from(["i1", "i2", "i3"])
AT = st.none() | st.none() | times(60)  # mostly now (the machine's clock), sometimes dated
AUGUST = st.integers(0, 31 * 24 * 60 - 1).map(
    lambda m: datetime(2020, 7, 31, 16, tzinfo=UTC) + timedelta(minutes=m)  # midnight on the 1st at the school
) | st.sampled_from([datetime(2020, 7, 31, 15, 59, tzinfo=UTC), datetime(2020, 8, 31, 16, tzinfo=UTC)])
"""Mostly in the month appraised (at the school), sometimes a minute either side."""


# -- an oracle of the score, category by category -----------------------------------------


def counting(items: Iterable[ap.ItemState]) -> list[tuple[str, int]]:
    return [(i.category, i.points) for i in items if not i.withdrawn]


def expected_score(base: int, items: Iterable[ap.ItemState]) -> Score:
    """The base, less each category's deductions up to its cap, plus its bonuses up to its cap."""
    deductions = bonuses = 0
    for code, category in CAPS.items():
        points = [p for c, p in counting(items) if c == code]
        taken = min(-sum(p for p in points if p < 0), category.deduction_cap)
        given = min(sum(p for p in points if p > 0), category.bonus_cap)
        assert 0 <= taken <= category.deduction_cap and 0 <= given <= category.bonus_cap
        deductions, bonuses = deductions + taken, bonuses + given
    return Score(base, deductions, bonuses)


def total(state: ap.AppraisalState) -> int:
    return expected_score(state.base_score, state.items.values()).total


def scored_as_expected(event: AppraisalFinalised, state: ap.AppraisalState) -> None:
    expected = expected_score(state.base_score, state.items.values())
    assert (event.base_score, event.deductions, event.bonuses) == (expected.base, expected.deductions, expected.bonuses)
    assert event.total == event.base_score - event.deductions + event.bonuses
    taken = -sum(p for _, p in counting(state.items.values()) if p < 0)
    assert event.deductions <= min(taken, sum(c.deduction_cap for c in CATEGORIES)), "a cap was exceeded"


# -- what the appraisal's rules allow ------------------------------------------------------


def _live(state: ap.AppraisalState, item_id: str) -> ap.ItemState | None:
    item = state.items.get(item_id)
    return None if item is None or item.withdrawn else item


def _may_finalise(state: ap.AppraisalState, on: date) -> bool:
    for item in state.items.values():
        if item.withdrawn or item.proposed_points >= 0:
            continue
        if item.communicated_at is None or item.dispute_open:
            return False
        if not item.answered and item.respond_by is not None and on <= item.respond_by:
            return False
    return True


def _may_answer(rc: Resolved[Any], state: ap.AppraisalState) -> ap.ItemState | None:
    item = _live(state, rc.command.item_id)
    if rc.actor != state.staff_id or state.status is not ap.AppraisalStatus.OPEN or item is None:
        return None
    if item.proposed_points >= 0 or item.communicated_at is None or item.answered or rc.at < item.communicated_at:
        return None
    return item


def appraisal_allowed(rc: Resolved[Any], state: ap.AppraisalState) -> bool:
    cmd = rc.command
    status = state.status
    if isinstance(cmd, ap.OpenAppraisal):
        return status is None
    if isinstance(cmd, ap.PublishAppraisal):
        return status is ap.AppraisalStatus.FINALISED and state.finalised_at is not None and rc.at >= state.finalised_at
    if isinstance(cmd, ap.CorrectAppraisal):
        if status is not ap.AppraisalStatus.PUBLISHED or cmd.correction_id in state.corrections:
            return False
        if state.last_step_at is not None and rc.at < state.last_step_at:
            return False
        corrected = state.items.get(cmd.item_id)
        if corrected is None:
            return cmd.rule_code is not None and cmd.points != 0
        current = 0 if corrected.withdrawn else corrected.points
        return cmd.rule_code in (None, corrected.rule_code) and cmd.points != current
    if isinstance(cmd, ap.CloseAppraisal):
        opened = status in (ap.AppraisalStatus.OPEN, ap.AppraisalStatus.FINALISED)
        return opened and state.opened_at is not None and rc.at >= state.opened_at
    if isinstance(cmd, ap.AcknowledgeDeduction):
        return _may_answer(rc, state) is not None
    if isinstance(cmd, ap.DisputeDeduction):
        answered = _may_answer(rc, state)
        return answered is not None and answered.respond_by is not None and rc.on <= answered.respond_by
    if status is not ap.AppraisalStatus.OPEN:
        return False
    if isinstance(cmd, ap.FinaliseAppraisal):
        return state.opened_at is not None and rc.at >= state.opened_at and _may_finalise(state, rc.on)
    if isinstance(cmd, ap.ProposeItem):
        day = school_day(cmd.occurred_at)
        return cmd.item_id not in state.items and state.first_day <= day <= state.last_day and cmd.occurred_at <= rc.at
    item = _live(state, cmd.item_id)
    if item is None:
        return False
    if isinstance(cmd, ap.WithdrawItem):
        return rc.at >= item.proposed_at
    if isinstance(cmd, ap.CommunicateDeduction):
        return item.proposed_points < 0 and item.communicated_at is None and rc.at >= item.proposed_at
    assert isinstance(cmd, ap.ResolveDispute)
    if not item.dispute_open or rc.actor == item.proposed_by or item.disputed_at is None or rc.at < item.disputed_at:
        return False
    if cmd.outcome is DisputeOutcome.REDUCED:
        assert cmd.points is not None
        return (cmd.points < 0) == (item.points < 0) and abs(cmd.points) < abs(item.points)
    return True


# -- what holds of every decided command -------------------------------------------------------


def appraisal_holds(
    rc: Resolved[Any], before: ap.AppraisalState, events: list[DomainEvent], after: ap.AppraisalState
) -> None:
    (event,) = events
    assert before.status is not ap.AppraisalStatus.CLOSED, "a closed appraisal changed"
    if before.status is None:
        assert isinstance(event, AppraisalOpened) and after.status is ap.AppraisalStatus.OPEN
    if before.status is ap.AppraisalStatus.FINALISED:
        assert isinstance(event, AppraisalPublished | AppraisalClosed), "a finalised appraisal's items changed"
    if before.status is ap.AppraisalStatus.PUBLISHED:
        assert isinstance(event, AppraisalCorrected), "a published appraisal changed but by a correction"
        assert after.published_total == before.published_total, "the first published total changed"
        assert after.published_at == before.published_at
    assert after.score == expected_score(after.base_score, after.items.values())
    match event:
        case AppraisalItemProposed():
            category, points, _ = RULES[event.rule_code]
            assert (event.category, event.points) == (category, points), "not the pinned rule's points"
            assert before.first_day <= school_day(event.occurred_at) <= before.last_day
            assert event.occurred_at <= event.proposed_at
        case AppraisalItemWithdrawn():
            assert before.status is ap.AppraisalStatus.OPEN
        case DeductionCommunicated():
            assert before.items[event.item_id].is_deduction
            assert event.respond_by == school_days_after(rc.on, RESPONSE_SCHOOL_DAYS)
            assert event.respond_by > rc.on and event.respond_by.weekday() < 5
        case DeductionAcknowledged() | DeductionDisputed():
            assert rc.actor == before.staff_id == event.staff_id, "someone answered for the worker"
            assert before.items[event.item_id].communicated_at is not None, "answered before being told"
        case DisputeResolved():
            item = before.items[event.item_id]
            assert item.dispute_open and rc.actor != item.proposed_by, "the proposer resolved their own dispute"
            if event.outcome is DisputeOutcome.UPHELD:
                assert event.points == item.points
            elif event.outcome is DisputeOutcome.WITHDRAWN:
                assert event.points == 0
            else:
                assert (event.points < 0) == (item.points < 0) and abs(event.points) < abs(item.points)
        case AppraisalFinalised():
            assert before.status is ap.AppraisalStatus.OPEN
            for item in before.items.values():
                if item.withdrawn or not item.is_deduction:
                    continue
                assert item.communicated_at is not None, "finalised with a deduction not told to the worker"
                assert not item.dispute_open, "finalised with a deduction under dispute"
                assert item.answered or (item.respond_by is not None and rc.on > item.respond_by), (
                    "finalised while the worker may still answer"
                )
            scored_as_expected(event, before)
        case AppraisalPublished():
            assert before.status is ap.AppraisalStatus.FINALISED, "published without being finalised"
            assert event.total == total(before) == after.published_total
        case AppraisalCorrected():
            assert event.correction_id not in before.corrections
            assert (event.total_before, event.total_after) == (total(before), total(after))
            assert event.approved_by == rc.actor
        case AppraisalClosed():
            assert before.status in (ap.AppraisalStatus.OPEN, ap.AppraisalStatus.FINALISED)


def rule_facts(_machine: DeciderMachine, command: Any) -> dict[str, str]:
    """What the handler reads from the pinned version: the rule of a proposed (or new corrected) item."""
    if isinstance(command, ap.ProposeItem):
        category, points, text = RULES[command.rule_code]
        return {"category": category, "points": str(points), "rule_text": text}
    if isinstance(command, ap.CorrectAppraisal) and command.rule_code is not None:
        return {"category": RULES[command.rule_code][0]}
    return {}


def opening(joined_on: date | None, left_on: date | None) -> Step:
    """The worker's month opened, with what the roster and the pinned rule book say."""
    facts = ap.opening_facts(
        staff_name="李师傅",
        role="guard",
        rule_book_version=1,
        base_score=100,
        categories=CATEGORIES,
        joined_on=joined_on,
        left_on=left_on,
    )
    return ap.OpenAppraisal(staff_id=WORKER, month=MONTH), facts


OPEN = st.builds(  # a part month now and then
    opening, st.sampled_from([None, None, date(2020, 8, 10)]), st.sampled_from([None, None, date(2020, 8, 25)])
)
OPENED = opening(None, None)
RULE_CODES = st.sampled_from(sorted(RULES))
PROPOSE = step(
    st.builds(ap.ProposeItem, item_id=ITEMS, rule_code=RULE_CODES, occurred_at=AUGUST, note=TEXTS, at=st.none())
)
COMMUNICATE = step(st.builds(ap.CommunicateDeduction, item_id=ITEMS, channel=st.sampled_from(list(Channel)), at=AT))
ANSWER = step(
    st.builds(ap.AcknowledgeDeduction, item_id=ITEMS, at=AT)
    | st.builds(ap.DisputeDeduction, item_id=ITEMS, reason=TEXTS, at=AT)
)
RESOLVE = step(
    st.builds(
        ap.ResolveDispute,
        item_id=ITEMS,
        outcome=st.sampled_from([DisputeOutcome.UPHELD, DisputeOutcome.WITHDRAWN]),
        reason=REASONS,
        at=AT,
    )
    | st.builds(
        ap.ResolveDispute,
        item_id=ITEMS,
        outcome=st.just(DisputeOutcome.REDUCED),
        points=st.sampled_from([-4, -2, -1, 1]),
        reason=REASONS,
        at=AT,
    )
)
FINALISE = step(st.builds(ap.FinaliseAppraisal, at=AT))
PUBLISH = step(st.builds(ap.PublishAppraisal, at=AT))
CORRECT = step(
    st.builds(
        ap.CorrectAppraisal,
        correction_id=st.sampled_from(["c1", "c2"]),
        item_id=st.sampled_from(["i1", "i2", "i9"]),
        rule_code=st.none() | RULE_CODES,
        points=st.sampled_from([-3, -1, 0, 2]),
        reason=REASONS,
        requested_by=st.just(WORKER),
        at=AT,
    )
)
WITHDRAW = step(st.builds(ap.WithdrawItem, item_id=ITEMS, reason=REASONS, at=AT))
CLOSE = step(st.builds(ap.CloseAppraisal, reason=REASONS, at=AT))
APPRAISAL_STEPS = st.sampled_from(  # the first are drawn most: the work of an open month; closing it, seldom
    [
        *(PROPOSE, COMMUNICATE, ANSWER, PROPOSE, RESOLVE, CORRECT, PROPOSE, COMMUNICATE, ANSWER, WITHDRAW, CORRECT),
        *(PROPOSE, COMMUNICATE, ANSWER, RESOLVE, CORRECT, PROPOSE, CORRECT, PUBLISH, FINALISE, OPEN, CLOSE),
    ]
).flatmap(lambda s: s)

_RANDOM_APPRAISAL = machine(
    "AppraisalMachine",
    ap.Appraisal,
    HR_EVAL_EVENTS,
    APPRAISAL_ID,
    APPRAISAL_STEPS,
    ["zhou", "gu", WORKER],
    check=appraisal_holds,
    resolve=rule_facts,
    refusals=(Rejected, InvalidInput, Forbidden),
    on_refusal=refused_only_when(appraisal_allowed),
)


def last_answer_day(state: ap.AppraisalState) -> datetime | None:
    """The evening of the earliest last day a told deduction may still be answered on (none: now)."""
    windows = [i.respond_by for i in state.items.values() if i.respond_by is not None and not i.answered]
    if not windows:
        return None
    last = min(windows)
    return datetime(last.year, last.month, last.day, 12, tzinfo=UTC)  # 20:00 at the school


class AppraisalMachine(_RANDOM_APPRAISAL):  # type: ignore[misc, valid-type]
    """Random commands, and the office taking the appraisal a step further along its way (an
    item proposed; every deduction told, answered, its dispute resolved; the month finalised,
    published, corrected): random commands alone seldom get as far as publication."""

    @initialize(step=OPEN | st.none(), actor=st.sampled_from(["zhou", "gu"]))
    def open_the_month(self, step: Step | None, actor: str) -> None:
        if step is not None:
            self.send(step, actor, 0)

    @rule(
        settle=st.sampled_from([False, False, True]),
        hurry=st.sampled_from([False, False, True]),
        rule_code=RULE_CODES,
        day=st.integers(1, 31),
        appraiser=st.sampled_from(["zhou", "gu"]),
        answerer=st.sampled_from([WORKER, WORKER, "zhou"]),
        answers=st.lists(st.sampled_from(["dispute", "acknowledge", "wait"]), min_size=3, max_size=3),
        outcome=st.sampled_from(list(DisputeOutcome)),
        points=st.sampled_from([-3, -1, 0, 2]),
        minutes=st.integers(0, 3 * 24 * 60),
    )
    def move_on(
        self,
        settle: bool,
        hurry: bool,
        rule_code: str,
        day: int,
        appraiser: str,
        answerer: str,
        answers: list[str],
        outcome: DisputeOutcome,
        points: int,
        minutes: int,
    ) -> None:
        state: ap.AppraisalState = self.state
        if hurry and state.status is ap.AppraisalStatus.OPEN:  # whatever is pending: refused, or it is not
            self.send((ap.FinaliseAppraisal(at=last_answer_day(state)), {}), appraiser, minutes // 10)
        elif state.status is None:
            self.send(OPENED, appraiser, 0)
        elif state.status is ap.AppraisalStatus.OPEN and not settle and len(state.items) < 3:
            occurred = datetime(2020, 8, day, 2, tzinfo=UTC)  # 10:00 at the school
            propose = ap.ProposeItem(item_id=f"i{len(state.items) + 1}", rule_code=rule_code, occurred_at=occurred)
            self.send((propose, {}), appraiser, minutes // 10)
        elif state.status is ap.AppraisalStatus.OPEN:
            self.settle(state, (appraiser, answerer), answers, outcome, minutes)
        elif state.status is ap.AppraisalStatus.FINALISED:
            self.send((ap.PublishAppraisal(), {}), "houqin-hr-eval", minutes)
        elif state.status is ap.AppraisalStatus.PUBLISHED and state.items:
            item = sorted(state.items)[day % len(state.items)]
            correction = ap.CorrectAppraisal(
                correction_id=f"c{len(state.corrections) + 1}",
                item_id=item,
                points=points,
                reason="复核监控",
                requested_by=WORKER,
            )
            self.send((correction, {}), appraiser, minutes)

    def settle(
        self,
        state: ap.AppraisalState,
        actors: tuple[str, str],
        answers: list[str],
        outcome: DisputeOutcome,
        minutes: int,
    ) -> None:
        """The next step of an open month: tell, answer (the worker, mostly), resolve, and else finalise."""
        appraiser, answerer = actors
        live = [i for i in state.items.values() if not i.withdrawn and i.is_deduction]
        untold = [i for i in live if i.communicated_at is None]
        unanswered = [i for i in live if i.communicated_at is not None and not i.answered]
        disputed = [i for i in live if i.dispute_open]
        if untold:
            for item in untold:
                self.send((ap.CommunicateDeduction(item_id=item.item_id, channel=Channel.IN_PERSON), {}), appraiser, 0)
        elif unanswered and any(a != "wait" for a in answers):
            for item, answer in zip(unanswered, answers, strict=False):
                if answer == "acknowledge":
                    self.send((ap.AcknowledgeDeduction(item_id=item.item_id), {}), answerer, minutes // 10)
                elif answer == "dispute":
                    dispute = ap.DisputeDeduction(item_id=item.item_id, reason="当天不在责任区")
                    self.send((dispute, {}), answerer, minutes // 10)
        elif disputed:
            for item in disputed:
                reduced = item.points // 2 if outcome is DisputeOutcome.REDUCED else None
                decided = DisputeOutcome.WITHDRAWN if reduced == 0 else outcome
                resolve = ap.ResolveDispute(
                    item_id=item.item_id, outcome=decided, points=reduced or None, reason="情节较轻"
                )
                self.send((resolve, {}), appraiser, minutes // 10)  # refused if it is the proposer
        else:
            self.send((ap.FinaliseAppraisal(), {}), appraiser, minutes)


del _RANDOM_APPRAISAL  # run as the machine above


# -- the month of a campus ------------------------------------------------------------------


def published_once(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    assert isinstance(event, AppraisalMonthPublished)
    assert not before.published, "a month published twice"
    assert event.appraisal_ids == rc.facts["appraisal_ids"].split(",") == list(after.appraisal_ids)
    assert (event.campus_id, event.month) == (rc.command.campus_id, rc.command.month)
    assert after.published and after.published_at == event.published_at == rc.at


MONTH_IDS = st.sampled_from(["", APPRAISAL_ID, f"{APPRAISAL_ID},chen-clean-{MONTH}"])
PUBLISH_MONTH = st.builds(
    lambda ids: (ap.PublishAppraisalMonth(campus_id="main", month=MONTH), {"appraisal_ids": ids}), MONTH_IDS
)
APPRAISAL_MONTH = machine(
    "AppraisalMonthMachine",
    ap.AppraisalMonth,
    HR_EVAL_EVENTS,
    ap.month_id("main", MONTH),
    PUBLISH_MONTH,
    ["zhou", "gu"],
    check=published_once,
    on_refusal=refused_only_when(lambda rc, state: not state.published and rc.facts["appraisal_ids"] != ""),
)


MACHINES: list[type[DeciderMachine]] = [AppraisalMachine, APPRAISAL_MONTH]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
