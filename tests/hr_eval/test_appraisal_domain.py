"""The monthly appraisal and the publication of a campus's month, given / when / then."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from services.eventkit.acts import OutOfOrder
from services.eventkit.auth import Role
from services.eventkit.envelope import DomainEvent, TenantPath
from services.eventkit.errors import Forbidden, InvalidInput
from services.hr_eval.appraisal import (
    AcknowledgeDeduction,
    Appraisal,
    AppraisalMonth,
    AppraisalStatus,
    CloseAppraisal,
    CommunicateDeduction,
    CorrectAppraisal,
    DisputeDeduction,
    FinaliseAppraisal,
    OpenAppraisal,
    ProposeItem,
    PublishAppraisal,
    PublishAppraisalMonth,
    ResolveDispute,
    WithdrawItem,
    opening_facts,
)
from services.hr_eval.common import school_days_after
from services.hr_eval.events import (
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
    ItemSource,
    RuleCategory,
)
from tests.deciders import Stream

CST = timezone(timedelta(hours=8))
MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
AID = "li-guard-2020-10"
CATEGORIES = [
    RuleCategory(code="DISC", name="劳动纪律", deduction_cap=5, bonus_cap=0),
    RuleCategory(code="DUTY", name="岗位职责", deduction_cap=30, bonus_cap=0),
    RuleCategory(code="MERIT", name="加分项", deduction_cap=0, bonus_cap=10),
]
# what a handler looks up in the pinned rule book for each rule
RULES = {
    "D-1": {"category": "DISC", "points": "-2", "rule_text": "无故迟到、早退"},
    "R-2": {"category": "DUTY", "points": "-3", "rule_text": "责任区卫生不达标"},
    "B-1": {"category": "MERIT", "points": "5", "rule_text": "技能比赛获奖"},
}


def t(day: int, hour: int = 9, month: int = 10) -> datetime:
    return datetime(2020, month, day, hour, tzinfo=CST)


appraisal = Stream(Appraisal, MAIN, AID, actor="zhou", at=t(31, 16))

OPENED = AppraisalOpened(
    appraisal_id=AID,
    campus_id="main",
    school_id="xuexiao",
    staff_id="li-guard",
    staff_name="李师傅",
    role=Role.GUARD,
    month="2020-10",
    rule_book_version=1,
    base_score=100,
    categories=CATEGORIES,
    opened_by="zhou",
    opened_at=t(1, 8),
)


def proposed(item_id: str = "late-1", rule: str = "D-1", day: int = 12, by: str = "zhou") -> AppraisalItemProposed:
    facts = RULES[rule]
    return AppraisalItemProposed(
        appraisal_id=AID,
        item_id=item_id,
        rule_code=rule,
        category=facts["category"],
        points=int(facts["points"]),
        rule_text=facts["rule_text"],
        occurred_at=t(day, 7),
        place="本部 大门",
        source=ItemSource.PATROL,
        proposed_by=by,
        proposed_at=t(day, 10),
    )


def told(item_id: str = "late-1", day: int = 12) -> DeductionCommunicated:
    return DeductionCommunicated(
        appraisal_id=AID,
        item_id=item_id,
        communicated_by="zhou",
        communicated_at=t(day, 11),
        channel=Channel.IN_PERSON,
        respond_by=school_days_after(date(2020, 10, day), 3),
    )


def propose(item_id: str = "late-1", rule: str = "D-1", day: int = 12, **extra: Any) -> ProposeItem:
    return ProposeItem(item_id=item_id, rule_code=rule, occurred_at=t(day, 7), place="本部 大门", **extra)


def when_proposed(cmd: ProposeItem, given: list[DomainEvent], **kw: Any) -> list[DomainEvent]:
    return appraisal.when(cmd, given=given, facts=RULES[cmd.rule_code], **kw)


# -- opening ---------------------------------------------------------------------------------


def open_facts(joined_on: date | None = None, left_on: date | None = None) -> dict[str, str]:
    return opening_facts(
        staff_name="李师傅",
        role="guard",
        rule_book_version=1,
        base_score=100,
        categories=CATEGORIES,
        joined_on=joined_on,
        left_on=left_on,
    )


def test_an_appraisal_opens_at_the_base_score_pinned_to_its_rule_book_version() -> None:
    (opened,) = appraisal.when(OpenAppraisal(staff_id="li-guard", month="2020-10"), facts=open_facts(), at=t(1, 8))
    assert opened == OPENED
    state = appraisal.given(OPENED)
    assert state.status is AppraisalStatus.OPEN and state.score.total == 100 and not state.part_month


def test_an_appraisal_opens_once() -> None:
    appraisal.refused(
        OpenAppraisal(staff_id="li-guard", month="2020-10"), given=[OPENED], facts=open_facts(), field="staff_id"
    )


def test_a_worker_who_joins_during_the_month_has_a_flagged_part_month_at_the_same_base() -> None:
    (opened,) = appraisal.when(
        OpenAppraisal(staff_id="li-guard", month="2020-10"), facts=open_facts(joined_on=date(2020, 10, 19))
    )
    assert isinstance(opened, AppraisalOpened) and opened.joined_on == date(2020, 10, 19) and opened.base_score == 100
    state = appraisal.given(opened)
    assert state.part_month and state.score.total == 100
    # nothing before they joined is theirs
    refusal = appraisal.refused(propose(day=12), given=[opened], facts=RULES["D-1"], raises=OutOfOrder)
    assert refusal.field == "occurred_at" and isinstance(refusal, OutOfOrder) and refusal.step == "joined"
    assert when_proposed(propose(day=20), given=[opened])


def test_a_worker_who_left_during_the_month_is_appraised_until_they_left() -> None:
    (opened,) = appraisal.when(
        OpenAppraisal(staff_id="li-guard", month="2020-10"), facts=open_facts(left_on=date(2020, 10, 9))
    )
    assert isinstance(opened, AppraisalOpened) and opened.left_on == date(2020, 10, 9)
    assert appraisal.given(opened).part_month
    appraisal.refused(propose(day=12), given=[opened], facts=RULES["D-1"], raises=OutOfOrder, field="occurred_at")


# -- items -----------------------------------------------------------------------------------


def test_an_item_copies_its_rule_from_the_pinned_version() -> None:
    (item,) = when_proposed(propose(), given=[OPENED], at=t(12, 10))
    assert item == proposed()
    assert appraisal.given(OPENED, item).score.total == 98


def test_an_item_happens_within_the_month_and_before_it_is_proposed() -> None:
    early = ProposeItem(item_id="xx", rule_code="D-1", occurred_at=t(30, 9, month=9))
    late = ProposeItem(item_id="xx", rule_code="D-1", occurred_at=t(2, 9, month=11))
    for cmd in (early, late):
        appraisal.refused(cmd, given=[OPENED], facts=RULES["D-1"], raises=OutOfOrder, field="occurred_at")
    appraisal.refused(propose(day=20), given=[OPENED], facts=RULES["D-1"], at=t(15), raises=OutOfOrder)


def test_an_item_id_is_used_once() -> None:
    appraisal.refused(propose(), given=[OPENED, proposed()], facts=RULES["D-1"], field="item_id")


def test_a_withdrawn_item_no_longer_counts() -> None:
    (withdrawn,) = appraisal.when(WithdrawItem(item_id="late-1", reason="记录有误"), given=[OPENED, proposed()])
    assert withdrawn == AppraisalItemWithdrawn(
        appraisal_id=AID, item_id="late-1", reason="记录有误", withdrawn_by="zhou", withdrawn_at=t(31, 16)
    )
    assert appraisal.given(OPENED, proposed(), withdrawn).score.total == 100
    appraisal.refused(WithdrawItem(item_id="late-1", reason="again"), given=[OPENED, proposed(), withdrawn])
    appraisal.refused(WithdrawItem(item_id="nothing", reason="none"), given=[OPENED], field="item_id")


def test_caps_apply_per_category() -> None:
    # three lateness deductions of 2 in a category capped at 5; a bonus of 5 twice capped at 10, plus 3 more
    items = [proposed(f"late-{i}", "D-1", 10 + i) for i in range(3)]
    items += [proposed(f"prize-{i}", "B-1", 20 + i) for i in range(3)]
    items += [proposed("dirty", "R-2", 14)]
    state = appraisal.given(OPENED, *items)
    assert (state.score.deductions, state.score.bonuses) == (5 + 3, 10)
    assert state.score.total == 102


# -- communication, answers, disputes --------------------------------------------------------


def test_a_deduction_is_told_with_three_school_days_to_answer() -> None:
    # told on Friday 2020-10-16: Monday, Tuesday, Wednesday
    cmd = CommunicateDeduction(item_id="late-1", channel=Channel.PHONE, at=t(16, 17))
    (event,) = appraisal.when(cmd, given=[OPENED, proposed()])
    assert isinstance(event, DeductionCommunicated) and event.respond_by == date(2020, 10, 21)
    appraisal.refused(cmd, given=[OPENED, proposed(), event], field="item_id")


def test_only_deductions_are_told() -> None:
    prize = proposed("prize", "B-1")
    appraisal.refused(CommunicateDeduction(item_id="prize", channel=Channel.MEETING), given=[OPENED, prize])


def test_only_the_worker_answers_and_only_after_being_told() -> None:
    ack = AcknowledgeDeduction(item_id="late-1", at=t(13))
    appraisal.refused(ack, given=[OPENED, proposed()], actor="li-guard", field="item_id")
    appraisal.refused(ack, given=[OPENED, proposed(), told()], actor="wang-tech", raises=Forbidden)
    appraisal.refused(ack, given=[OPENED, proposed(), told()], actor="zhou", raises=Forbidden)
    (event,) = appraisal.when(ack, given=[OPENED, proposed(), told()], actor="li-guard")
    assert event == DeductionAcknowledged(
        appraisal_id=AID, item_id="late-1", staff_id="li-guard", acknowledged_at=t(13)
    )
    appraisal.refused(
        DisputeDeduction(item_id="late-1", reason="no", at=t(13)),
        given=[OPENED, proposed(), told(), event],
        actor="li-guard",
        match="already acknowledged",
    )


def test_a_dispute_comes_within_the_window() -> None:
    events = [OPENED, proposed(), told()]  # respond by 2020-10-15
    late = DisputeDeduction(item_id="late-1", reason="我当天请假", at=t(16))
    refusal = appraisal.refused(late, given=events, actor="li-guard", raises=OutOfOrder, field="at")
    assert isinstance(refusal, OutOfOrder) and refusal.step_time == date(2020, 10, 15)
    (event,) = appraisal.when(
        DisputeDeduction(item_id="late-1", reason="我当天请假", at=t(15, 20)), given=events, actor="li-guard"
    )
    assert isinstance(event, DeductionDisputed) and event.staff_id == "li-guard"


def test_a_blank_dispute_reason_is_refused() -> None:
    with pytest.raises(ValidationError, match="reason"):
        DisputeDeduction(item_id="late-1", reason="  ")


DISPUTED = DeductionDisputed(
    appraisal_id=AID, item_id="late-1", staff_id="li-guard", reason="我当天请假", disputed_at=t(13)
)


def test_the_proposer_cannot_resolve_their_own_dispute() -> None:
    events = [OPENED, proposed(by="zhou"), told(), DISPUTED]
    upheld = ResolveDispute(item_id="late-1", outcome=DisputeOutcome.UPHELD, reason="有监控记录", at=t(14))
    appraisal.refused(upheld, given=events, actor="zhou", raises=Forbidden, match="proposer")
    (event,) = appraisal.when(upheld, given=events, actor="gu")
    assert event == DisputeResolved(
        appraisal_id=AID,
        item_id="late-1",
        outcome=DisputeOutcome.UPHELD,
        points=-2,
        reason="有监控记录",
        resolved_by="gu",
        resolved_at=t(14),
    )


def test_a_dispute_is_reduced_to_fewer_points_or_withdrawn() -> None:
    events = [
        OPENED,
        proposed("dirty", "R-2"),
        told("dirty"),
        DeductionDisputed(appraisal_id=AID, item_id="dirty", staff_id="li-guard", reason="已清理", disputed_at=t(13)),
    ]
    reduced = ResolveDispute(item_id="dirty", outcome=DisputeOutcome.REDUCED, points=-1, reason="情节较轻", at=t(14))
    (event,) = appraisal.when(reduced, given=events, actor="gu")
    assert appraisal.given(*events, event).score.total == 99
    for points in (-3, -5, 2):
        bigger = ResolveDispute(item_id="dirty", outcome=DisputeOutcome.REDUCED, points=points, reason="x", at=t(14))
        appraisal.refused(bigger, given=events, actor="gu", raises=InvalidInput, field="points")
    withdrawn = ResolveDispute(item_id="dirty", outcome=DisputeOutcome.WITHDRAWN, reason="误判", at=t(14))
    (event,) = appraisal.when(withdrawn, given=events, actor="gu")
    assert isinstance(event, DisputeResolved) and event.points == 0
    assert appraisal.given(*events, event).score.total == 100
    appraisal.refused(withdrawn, given=[*events, event], actor="gu", field="item_id")  # no longer disputed


def test_a_reduction_says_its_points_and_other_outcomes_do_not() -> None:
    with pytest.raises(ValidationError, match="points"):
        ResolveDispute(item_id="xx", outcome=DisputeOutcome.REDUCED, reason="r")
    with pytest.raises(ValidationError, match="points"):
        ResolveDispute(item_id="xx", outcome=DisputeOutcome.UPHELD, points=-1, reason="r")


# -- finalising, publishing, correcting ----------------------------------------------------


FINAL = AppraisalFinalised(
    appraisal_id=AID,
    campus_id="main",
    month="2020-10",
    base_score=100,
    deductions=2,
    bonuses=0,
    total=98,
    finalised_by="zhou",
    finalised_at=t(31, 16),
)
ACKED = DeductionAcknowledged(appraisal_id=AID, item_id="late-1", staff_id="li-guard", acknowledged_at=t(13))


def test_finalising_is_refused_while_a_deduction_is_untold_disputed_or_may_still_be_answered() -> None:
    finalise = FinaliseAppraisal(at=t(31, 16))
    appraisal.refused(finalise, given=[OPENED, proposed()], match="not been told")
    appraisal.refused(finalise, given=[OPENED, proposed(), told(), DISPUTED], match="disputed")
    appraisal.refused(FinaliseAppraisal(at=t(15, 16)), given=[OPENED, proposed(), told()], match="answered until")


def test_silence_after_the_window_counts_as_accepted() -> None:
    (event,) = appraisal.when(FinaliseAppraisal(at=t(16, 9)), given=[OPENED, proposed(), told()])
    assert isinstance(event, AppraisalFinalised) and event.total == 98


def test_finalising_scores_with_the_caps() -> None:
    items: list[DomainEvent] = []
    for i in range(4):
        items += [proposed(f"late-{i}", "D-1", 12), told(f"late-{i}")]
    items += [proposed("prize", "B-1", 20)]
    (event,) = appraisal.when(FinaliseAppraisal(at=t(31, 16)), given=[OPENED, *items])
    assert isinstance(event, AppraisalFinalised)
    assert (event.deductions, event.bonuses, event.total) == (5, 5, 100)
    appraisal.refused(propose("more", day=30), given=[OPENED, *items, event], facts=RULES["D-1"], match="finalised")


def test_an_acknowledged_deduction_is_finalised_at_once() -> None:
    assert appraisal.when(FinaliseAppraisal(at=t(13, 16)), given=[OPENED, proposed(), told(), ACKED]) == [
        FINAL.model_copy(update={"finalised_at": t(13, 16)})
    ]


PUBLISHED = AppraisalPublished(
    appraisal_id=AID, campus_id="main", month="2020-10", total=98, published_by="zhou", published_at=t(2, 12, month=11)
)
DONE = [OPENED, proposed(), told(), ACKED, FINAL]


def test_only_a_finalised_appraisal_is_published() -> None:
    publish = PublishAppraisal()
    at = t(2, 12, month=11)
    appraisal.refused(publish, given=[OPENED, proposed(), told()], at=at)
    assert appraisal.when(publish, given=DONE, at=at) == [PUBLISHED]
    appraisal.refused(publish, given=[*DONE, PUBLISHED], at=at)


def test_a_correction_after_publishing_keeps_the_first_total_in_history() -> None:
    before = CorrectAppraisal(
        correction_id="c-1", item_id="late-1", points=0, reason="监控显示准时到岗", requested_by="li-guard"
    )
    appraisal.refused(before, given=DONE, match="only a published appraisal")
    (event,) = appraisal.when(before, given=[*DONE, PUBLISHED], actor="gu", at=t(10, 9, month=11))
    assert event == AppraisalCorrected(
        appraisal_id=AID,
        correction_id="c-1",
        item_id="late-1",
        rule_code="D-1",
        category="DISC",
        points=0,
        reason="监控显示准时到岗",
        requested_by="li-guard",
        approved_by="gu",
        corrected_at=t(10, 9, month=11),
        total_before=98,
        total_after=100,
    )
    state = appraisal.given(*DONE, PUBLISHED, event)
    assert state.published_total == 98 and state.score.total == 100
    appraisal.refused(before, given=[*DONE, PUBLISHED, event], field="correction_id")
    # a new item names its rule, whose category the handler looks up
    new = CorrectAppraisal(
        correction_id="c-2", item_id="prize", rule_code="B-1", points=5, reason="补录获奖", requested_by="zhou"
    )
    (added,) = appraisal.when(
        new, given=[*DONE, PUBLISHED, event], facts={"category": "MERIT"}, actor="gu", at=t(11, 9, month=11)
    )
    assert isinstance(added, AppraisalCorrected) and (added.total_before, added.total_after) == (100, 105)
    nameless = new.model_copy(update={"rule_code": None})
    later = t(12, 9, month=11)
    appraisal.refused(nameless, given=[*DONE, PUBLISHED], raises=InvalidInput, field="rule_code", at=later)
    appraisal.refused(before.model_copy(update={"points": -2}), given=[*DONE, PUBLISHED], field="points", at=later)
    # nor before it was published
    appraisal.refused(before, given=[*DONE, PUBLISHED], raises=OutOfOrder, field="at", at=t(1, 9, month=11))


def test_an_unpublished_appraisal_is_closed_once_and_then_nothing_changes() -> None:
    close = CloseAppraisal(reason="上月已离职")
    (event,) = appraisal.when(close, given=[OPENED])
    assert event == AppraisalClosed(appraisal_id=AID, reason="上月已离职", closed_by="zhou", closed_at=t(31, 16))
    appraisal.refused(close, given=[OPENED, event])
    appraisal.refused(close, given=[*DONE, PUBLISHED])
    appraisal.refused(propose(), given=[OPENED, event], facts=RULES["D-1"], match="closed")
    appraisal.refused(FinaliseAppraisal(), given=[OPENED, event])


# -- the month ----------------------------------------------------------------------------------


month = Stream(AppraisalMonth, MAIN, "main-2020-10", actor="zhou", at=t(2, 12, month=11))


def test_a_month_is_published_once_with_its_appraisals() -> None:
    publish = PublishAppraisalMonth(campus_id="main", month="2020-10")
    (event,) = month.when(publish, facts={"appraisal_ids": "li-guard-2020-10,wang-tech-2020-10"})
    assert event == AppraisalMonthPublished(
        campus_id="main",
        month="2020-10",
        appraisal_ids=["li-guard-2020-10", "wang-tech-2020-10"],
        published_by="zhou",
        published_at=t(2, 12, month=11),
    )
    assert month.given(event).published
    month.refused(publish, given=[event], facts={"appraisal_ids": "li-guard-2020-10"}, field="month")
    month.refused(publish, facts={"appraisal_ids": ""}, field="month")
