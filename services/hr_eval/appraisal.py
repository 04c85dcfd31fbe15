"""The monthly appraisal (月考核) of one logistics worker, and the publication of a campus's month.

One stream per worker and month (``appraisal-<staff_id>-<YYYY-MM>``), on the worker's home
campus (the first of their campuses): they are appraised there, by that campus's appraisers.

- **Opened** at the rule book's base score, pinned to the version in force on the month's
  first day (or on the day the worker joined, if later): a new version never changes a month
  already opened.
- **Part months.** A worker who joins during the month is opened with ``joined_on`` and one
  who leaves during it with ``left_on``: the month is flagged as a part month and keeps the
  same base score (no proration: points are given for what was seen, and a reader sees the
  flag). A worker who left before the month began is not on its roster; one opened by mistake
  is closed (``CloseAppraisal``), which leaves it out of the month's totals.
- **Items** are proposed by an appraiser of the campus under a rule of the pinned version
  (its category, points and text are copied into the item), for something that happened in
  the month (within the part month's days for a part month), and may be withdrawn until the
  appraisal is finalised. An item is proposed (``at``) no earlier than it happened, but may be
  dated before the appraisal was opened: what a patrol saw early in the month counts once the
  month is opened.
- **Each deduction is told to the worker** (who, when, how) before the month is published;
  the worker then has :data:`~services.hr_eval.common.RESPONSE_SCHOOL_DAYS` school days (to
  ``respond_by``) to acknowledge or dispute it. Only the worker answers for themself.
- **Silence counts as accepted**: a communicated deduction neither acknowledged nor disputed
  by the end of its ``respond_by`` day stands, and the appraisal can be finalised; before
  then it cannot (the worker still has the right to dispute).
- **A dispute** is resolved by an appraiser other than the item's proposer: upheld, reduced
  (to fewer points, of the same sign) or withdrawn (0 points).
- **Finalised** when no deduction is uncommunicated, no dispute is open and every answer
  window has closed or been answered; the score is :func:`services.hr_eval.scoring.score`
  (caps per category). Nothing is edited after that but by a correction.
- **Published** with the rest of its campus and month (:data:`AppraisalMonth`): the first
  published total stays in the history; a **correction** after publication is an event of
  its own with its reason, who asked and who approved, and the totals before and after.
- **Closed** before publication: not scored, not counted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum

from pydantic import Field, ValidationInfo, field_validator

from services.eventkit.acts import ActAt, ActAtOrNow, OutOfOrder, not_after, not_before
from services.eventkit.auth import Role
from services.eventkit.bounds import EntityId, Few, Name, Ref, ShortText, Text
from services.eventkit.commands import Command, examples
from services.eventkit.days import local_day
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Forbidden, InvalidInput, Rejected
from services.hr_eval.common import (
    RESPONSE_SCHOOL_DAYS,
    Month,
    Points,
    RuleCode,
    first_day,
    last_day,
    school_days_after,
)
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
from services.hr_eval.scoring import Score, score

# -- commands ----------------------------------------------------------------------------

_ITEM = "The item's id, unique in the appraisal"


class OpenAppraisals(Command):
    """Open the month's appraisal of every worker on the campus's roster who has none yet."""

    model_config = examples({"campus_id": "main", "month": "2020-10", "at": "2020-10-30T16:00:00+08:00"})

    campus_id: EntityId = Field(description="The campus whose roster is appraised")
    month: Month
    at: ActAtOrNow = None


class OpenAppraisal(Command):
    """Open one worker's appraisal of a month (on their home campus's roster for that month)."""

    model_config = examples({"staff_id": "li-guard", "month": "2020-10"})

    staff_id: EntityId = Field(description="The worker appraised")
    month: Month
    at: ActAtOrNow = None


class ProposeItem(Command):
    """An item under a rule of the pinned rule book, for something done in the month."""

    model_config = examples(
        {
            "item_id": "r2-1015",
            "rule_code": "R-2",
            "occurred_at": "2020-10-15T07:40:00+08:00",
            "place": "本部 东楼 二楼 卫生间",
            "note": "巡查时地面积水未清理",
            "evidence_refs": ["photos/2020-10-15/toilet.jpg"],
            "source": "patrol",
        }
    )

    item_id: EntityId = Field(description=_ITEM)
    rule_code: RuleCode = Field(description="The rule applied, a code of the appraisal's rule book version")
    occurred_at: ActAt = Field(description="When what the item is for happened (in the month), with its UTC offset")
    place: ShortText = Field(default="", description="Where it happened")
    note: Text = Field(default="", description="What was seen")
    evidence_refs: Few[Ref] = Field(default_factory=list, description="Where the photos or records are kept")
    source: ItemSource = Field(default=ItemSource.PATROL, description="Where the item comes from")
    source_ref: ShortText = Field(default="", description="The inspection, audit, complaint or award it comes from")
    proposal_id: EntityId | None = Field(default=None, description="Another service's proposal it confirms")
    at: ActAtOrNow = None


class WithdrawItem(Command):
    """Take an item back before the appraisal is finalised."""

    model_config = examples({"item_id": "r2-1015", "reason": "责任区划分有误"})

    item_id: EntityId = Field(description=_ITEM)
    reason: Name = Field(description="Why the item is taken back")
    at: ActAtOrNow = None


class CommunicateDeduction(Command):
    """Tell the worker of a deduction, and why (who, when, how), before publication."""

    model_config = examples({"item_id": "r2-1015", "channel": "in_person", "at": "2020-10-15T10:00:00+08:00"})

    item_id: EntityId = Field(description="The deduction told")
    channel: Channel = Field(description="How the worker was told")
    at: ActAtOrNow = None


class AcknowledgeDeduction(Command):
    """The worker accepts a deduction they were told of."""

    model_config = examples({"item_id": "r2-1015"})

    item_id: EntityId = Field(description="The deduction acknowledged")
    at: ActAtOrNow = None


class DisputeDeduction(Command):
    """The worker disputes a deduction they were told of, within the answer window."""

    model_config = examples({"item_id": "r2-1015", "reason": "当天我在奥园校区支援，不在本部"})

    item_id: EntityId = Field(description="The deduction disputed")
    reason: Text = Field(min_length=1, description="Why the worker disputes it")
    at: ActAtOrNow = None


class ResolveDispute(Command):
    """Decide a dispute (an appraiser other than the item's proposer)."""

    model_config = examples({"item_id": "r2-1015", "outcome": "reduced", "points": -1, "reason": "情节较轻"})

    item_id: EntityId = Field(description="The disputed deduction")
    outcome: DisputeOutcome = Field(description="Upheld, reduced or withdrawn")
    points: Points | None = Field(
        default=None,
        validate_default=True,
        description="The item's points when reduced (fewer than proposed, same sign); else omitted",
    )
    reason: Name = Field(description="Why it was decided so")
    at: ActAtOrNow = None

    @field_validator("points")
    @classmethod
    def _points_when_reduced(cls, points: int | None, info: ValidationInfo) -> int | None:
        outcome = info.data.get("outcome")
        if outcome is DisputeOutcome.REDUCED and (points is None or points == 0):
            raise ValueError("a reduced item says its points (fewer than proposed, not 0)")
        if outcome is not None and outcome is not DisputeOutcome.REDUCED and points is not None:
            raise ValueError("points are given only when the item is reduced")
        return points


class FinaliseAppraisal(Command):
    """Finalise the month's score once every deduction is told and answered (or its window closed)."""

    model_config = examples({"at": "2020-11-05T16:00:00+08:00"})

    at: ActAtOrNow = None


class PublishAppraisal(Command):
    """One appraisal published with its campus's month (sent by :class:`PublishAppraisalMonth`)."""

    at: ActAtOrNow = None


class PublishAppraisalMonth(Command):
    """Publish a campus's appraisals of a month together: every one not closed is finalised."""

    model_config = examples({"campus_id": "main", "month": "2020-10", "at": "2020-11-06T12:00:00+08:00"})

    campus_id: EntityId = Field(description="The campus whose month is published")
    month: Month
    at: ActAtOrNow = None


class CorrectAppraisal(Command):
    """Correct a published appraisal: an item's points changed, or a new item (with its rule)."""

    model_config = examples(
        {
            "correction_id": "c-1",
            "item_id": "r2-1015",
            "points": 0,
            "reason": "复核监控：当天责任区已由他人占用",
            "requested_by": "li-guard",
        }
    )

    correction_id: EntityId = Field(description="The correction's id, unique in the appraisal")
    item_id: EntityId = Field(description="The item corrected, or a new item's id")
    rule_code: RuleCode | None = Field(default=None, description="A new item's rule (omitted for an existing item)")
    points: Points = Field(description="The item's points after the correction (0: taken back)")
    reason: Name = Field(description="Why the published appraisal is corrected")
    requested_by: EntityId = Field(description="Who asked for it (the worker, an appraiser)")
    at: ActAtOrNow = None


class CloseAppraisal(Command):
    """Close an unpublished appraisal without a score (not counted in the month's totals)."""

    model_config = examples({"reason": "该员工已于上月离职"})

    reason: Name = Field(description="Why the appraisal is closed")
    at: ActAtOrNow = None


# -- state -------------------------------------------------------------------------------


class AppraisalStatus(StrEnum):
    OPEN = "open"
    FINALISED = "finalised"
    PUBLISHED = "published"
    CLOSED = "closed"


@dataclass(frozen=True)
class ItemState:
    item_id: str
    rule_code: str
    category: str
    proposed_points: int
    points: int  # after any dispute or correction
    proposed_by: str
    proposed_at: datetime
    withdrawn: bool = False
    communicated_at: datetime | None = None
    respond_by: date | None = None
    acknowledged_at: datetime | None = None
    disputed_at: datetime | None = None
    resolved_at: datetime | None = None

    @property
    def is_deduction(self) -> bool:
        return self.proposed_points < 0

    @property
    def answered(self) -> bool:
        return self.acknowledged_at is not None or self.disputed_at is not None

    @property
    def dispute_open(self) -> bool:
        return self.disputed_at is not None and self.resolved_at is None and not self.withdrawn


@dataclass(frozen=True)
class AppraisalState:
    status: AppraisalStatus | None = None
    campus_id: str = ""
    school_id: str = ""
    staff_id: str = ""
    month: str = ""
    rule_book_version: int = 0
    base_score: int = 0
    categories: tuple[RuleCategory, ...] = ()
    opened_at: datetime | None = None
    joined_on: date | None = None
    left_on: date | None = None
    items: Mapping[str, ItemState] = field(default_factory=dict)
    corrections: frozenset[str] = frozenset()
    finalised_at: datetime | None = None
    published_at: datetime | None = None
    published_total: int | None = None  # the first published total (corrections never change it)
    last_step_at: datetime | None = None  # the latest of publication and corrections

    @property
    def counted(self) -> list[tuple[str, int]]:
        """(category, points) of the items that count."""
        return [(i.category, i.points) for i in self.items.values() if not i.withdrawn]

    @property
    def score(self) -> Score:
        return score(self.base_score, self.categories, self.counted)

    @property
    def part_month(self) -> bool:
        return self.joined_on is not None or self.left_on is not None

    @property
    def first_day(self) -> date:
        return self.joined_on or first_day(self.month)

    @property
    def last_day(self) -> date:
        return self.left_on or last_day(self.month)

    def pending(self, on: date) -> list[str]:
        """Why the appraisal cannot be finalised on ``on`` (empty: it can)."""
        why = []
        for i in self.items.values():
            if i.withdrawn or not i.is_deduction:
                continue
            if i.communicated_at is None:
                why.append(f"deduction {i.item_id} has not been told to the worker")
            elif i.dispute_open:
                why.append(f"deduction {i.item_id} is disputed")
            elif not i.answered and i.respond_by is not None and on <= i.respond_by:
                why.append(f"deduction {i.item_id} may be answered until {i.respond_by.isoformat()}")
        return why


AppraisalCommand = (
    Resolved[OpenAppraisal]
    | Resolved[ProposeItem]
    | Resolved[WithdrawItem]
    | Resolved[CommunicateDeduction]
    | Resolved[AcknowledgeDeduction]
    | Resolved[DisputeDeduction]
    | Resolved[ResolveDispute]
    | Resolved[FinaliseAppraisal]
    | Resolved[PublishAppraisal]
    | Resolved[CorrectAppraisal]
    | Resolved[CloseAppraisal]
)


def opening_facts(
    *,
    staff_name: str,
    role: str,
    rule_book_version: int,
    base_score: int,
    categories: Sequence[RuleCategory],
    joined_on: date | None,
    left_on: date | None,
) -> dict[str, str]:
    """The facts an :class:`OpenAppraisal` is decided with (what the roster and the rule book say)."""
    return {
        "staff_name": staff_name,
        "role": role,
        "rule_book_version": str(rule_book_version),
        "base_score": str(base_score),
        "categories": json.dumps([c.model_dump(mode="json") for c in categories], ensure_ascii=False),
        "joined_on": joined_on.isoformat() if joined_on else "",
        "left_on": left_on.isoformat() if left_on else "",
    }


def _day_fact(facts: Mapping[str, str], name: str) -> date | None:
    value = facts.get(name, "")
    return date.fromisoformat(value) if value else None


def _open(rc: Resolved[OpenAppraisal], state: AppraisalState) -> list[DomainEvent]:
    cmd, facts = rc.command, rc.facts
    if state.status is not None:
        raise Rejected(f"{cmd.staff_id}'s appraisal of {cmd.month} is already open", field="staff_id")
    categories = [RuleCategory.model_validate(c) for c in json.loads(facts["categories"])]
    return [
        AppraisalOpened(
            appraisal_id=rc.entity_id,
            campus_id=rc.tenant.campus_id or "",
            school_id=rc.tenant.school_id or "",
            staff_id=cmd.staff_id,
            staff_name=facts["staff_name"],
            role=Role(facts["role"]),
            month=cmd.month,
            rule_book_version=int(facts["rule_book_version"]),
            base_score=int(facts["base_score"]),
            categories=categories,
            opened_by=rc.actor,
            opened_at=rc.at,
            joined_on=_day_fact(facts, "joined_on"),
            left_on=_day_fact(facts, "left_on"),
        )
    ]


def _item(state: AppraisalState, item_id: str) -> ItemState:
    item = state.items.get(item_id)
    if item is None:
        raise Rejected(f"the appraisal has no item {item_id}", field="item_id")
    if item.withdrawn:
        raise Rejected(f"item {item_id} was withdrawn", field="item_id")
    return item


def _open_for_items(state: AppraisalState) -> None:
    if state.status is AppraisalStatus.OPEN:
        return
    if state.status is None:
        raise Rejected("the appraisal was never opened")
    raise Rejected(
        f"the appraisal is {state.status.value}: its items no longer change (a correction does, once published)"
    )


def _propose(rc: Resolved[ProposeItem], state: AppraisalState) -> list[DomainEvent]:
    cmd, facts = rc.command, rc.facts
    _open_for_items(state)
    if cmd.item_id in state.items:
        raise Rejected(f"the appraisal already has an item {cmd.item_id}", field="item_id")
    day = local_day(cmd.occurred_at)
    if day < state.first_day:
        step = "joined" if state.joined_on else "month began"
        raise OutOfOrder(
            f"occurred_at {day.isoformat()} is before the appraised month's first day ({state.first_day.isoformat()})",
            field="occurred_at",
            step=step,
            step_time=state.first_day,
        )
    if day > state.last_day:
        step = "left" if state.left_on else "month ended"
        raise OutOfOrder(
            f"occurred_at {day.isoformat()} is after the appraised month's last day ({state.last_day.isoformat()})",
            field="occurred_at",
            step=step,
            step_time=state.last_day,
        )
    not_after(cmd.occurred_at, rc.at, field="occurred_at", step="proposed", what="item")
    return [
        AppraisalItemProposed(
            appraisal_id=rc.entity_id,
            item_id=cmd.item_id,
            rule_code=cmd.rule_code,
            category=facts["category"],
            points=int(facts["points"]),
            rule_text=facts["rule_text"],
            occurred_at=cmd.occurred_at,
            place=cmd.place,
            note=cmd.note,
            evidence_refs=list(cmd.evidence_refs),
            source=cmd.source,
            source_ref=cmd.source_ref,
            proposal_id=cmd.proposal_id,
            proposed_by=rc.actor,
            proposed_at=rc.at,
        )
    ]


def _withdraw(rc: Resolved[WithdrawItem], state: AppraisalState) -> list[DomainEvent]:
    cmd = rc.command
    _open_for_items(state)
    item = _item(state, cmd.item_id)
    not_before(rc.at, item.proposed_at, field="at", step="proposed", what="item")
    return [
        AppraisalItemWithdrawn(
            appraisal_id=rc.entity_id, item_id=cmd.item_id, reason=cmd.reason, withdrawn_by=rc.actor, withdrawn_at=rc.at
        )
    ]


def _communicate(rc: Resolved[CommunicateDeduction], state: AppraisalState) -> list[DomainEvent]:
    cmd = rc.command
    _open_for_items(state)
    item = _item(state, cmd.item_id)
    if not item.is_deduction:
        raise Rejected(f"item {cmd.item_id} is a bonus: only deductions are told beforehand", field="item_id")
    if item.communicated_at is not None:
        raise Rejected(f"deduction {cmd.item_id} was already told to the worker", field="item_id")
    not_before(rc.at, item.proposed_at, field="at", step="proposed", what="deduction")
    return [
        DeductionCommunicated(
            appraisal_id=rc.entity_id,
            item_id=cmd.item_id,
            communicated_by=rc.actor,
            communicated_at=rc.at,
            channel=cmd.channel,
            respond_by=school_days_after(rc.on, RESPONSE_SCHOOL_DAYS),
        )
    ]


def _told(rc: Resolved[AcknowledgeDeduction] | Resolved[DisputeDeduction], state: AppraisalState) -> ItemState:
    """The deduction the worker answers: told to them, not yet answered."""
    if state.status is not None and rc.actor != state.staff_id:
        raise Forbidden("only the worker answers for a deduction of their own appraisal")
    _open_for_items(state)
    item = _item(state, rc.command.item_id)
    if not item.is_deduction:
        raise Rejected(f"item {item.item_id} is a bonus: there is nothing to answer", field="item_id")
    if item.communicated_at is None:
        raise Rejected(f"deduction {item.item_id} has not been told to the worker yet", field="item_id")
    if item.answered:
        answer = "acknowledged" if item.acknowledged_at is not None else "disputed"
        raise Rejected(f"deduction {item.item_id} was already {answer}", field="item_id")
    not_before(rc.at, item.communicated_at, field="at", step="communicated", what="deduction")
    return item


def _acknowledge(rc: Resolved[AcknowledgeDeduction], state: AppraisalState) -> list[DomainEvent]:
    item = _told(rc, state)
    return [
        DeductionAcknowledged(
            appraisal_id=rc.entity_id, item_id=item.item_id, staff_id=state.staff_id, acknowledged_at=rc.at
        )
    ]


def _dispute(rc: Resolved[DisputeDeduction], state: AppraisalState) -> list[DomainEvent]:
    item = _told(rc, state)
    not_after(rc.at, item.respond_by, field="at", step="due to be answered", what="deduction")
    return [
        DeductionDisputed(
            appraisal_id=rc.entity_id,
            item_id=item.item_id,
            staff_id=state.staff_id,
            reason=rc.command.reason,
            disputed_at=rc.at,
        )
    ]


def _resolve(rc: Resolved[ResolveDispute], state: AppraisalState) -> list[DomainEvent]:
    cmd = rc.command
    _open_for_items(state)
    item = _item(state, cmd.item_id)
    if not item.dispute_open:
        raise Rejected(f"item {cmd.item_id} is not under dispute", field="item_id")
    if rc.actor == item.proposed_by:
        raise Forbidden("the proposer cannot resolve their own dispute: another appraiser of the campus decides it")
    assert item.disputed_at is not None
    not_before(rc.at, item.disputed_at, field="at", step="disputed", what="deduction")
    if cmd.outcome is DisputeOutcome.UPHELD:
        points = item.points
    elif cmd.outcome is DisputeOutcome.WITHDRAWN:
        points = 0
    else:
        assert cmd.points is not None
        if (cmd.points < 0) != (item.points < 0) or abs(cmd.points) >= abs(item.points):
            raise InvalidInput(
                f"a reduced item has fewer points than its {item.points}, of the same sign", field="points"
            )
        points = cmd.points
    return [
        DisputeResolved(
            appraisal_id=rc.entity_id,
            item_id=cmd.item_id,
            outcome=cmd.outcome,
            points=points,
            reason=cmd.reason,
            resolved_by=rc.actor,
            resolved_at=rc.at,
        )
    ]


def _finalise(rc: Resolved[FinaliseAppraisal], state: AppraisalState) -> list[DomainEvent]:
    _open_for_items(state)
    assert state.opened_at is not None
    not_before(rc.at, state.opened_at, field="at", step="opened", what="appraisal")
    pending = state.pending(rc.on)
    if pending:
        raise Rejected("the appraisal cannot be finalised yet: " + "; ".join(pending[:5]))
    s = state.score
    return [
        AppraisalFinalised(
            appraisal_id=rc.entity_id,
            campus_id=state.campus_id,
            month=state.month,
            base_score=s.base,
            deductions=s.deductions,
            bonuses=s.bonuses,
            total=s.total,
            finalised_by=rc.actor,
            finalised_at=rc.at,
        )
    ]


def _publish(rc: Resolved[PublishAppraisal], state: AppraisalState) -> list[DomainEvent]:
    if state.status is not AppraisalStatus.FINALISED:
        status = state.status.value if state.status else "not opened"
        raise Rejected(f"appraisal {rc.entity_id} is {status}: only a finalised appraisal is published")
    assert state.finalised_at is not None
    not_before(rc.at, state.finalised_at, field="at", step="finalised", what="appraisal")
    return [
        AppraisalPublished(
            appraisal_id=rc.entity_id,
            campus_id=state.campus_id,
            month=state.month,
            total=state.score.total,
            published_by=rc.actor,
            published_at=rc.at,
        )
    ]


def _correct(rc: Resolved[CorrectAppraisal], state: AppraisalState) -> list[DomainEvent]:
    cmd, facts = rc.command, rc.facts
    if state.status is not AppraisalStatus.PUBLISHED:
        status = state.status.value if state.status else "not opened"
        raise Rejected(f"the appraisal is {status}: only a published appraisal is corrected (before, edit its items)")
    if cmd.correction_id in state.corrections:
        raise Rejected(f"correction {cmd.correction_id} was already made", field="correction_id")
    not_before(rc.at, state.last_step_at, field="at", step="published", what="appraisal")
    item = state.items.get(cmd.item_id)
    if item is not None:
        if cmd.rule_code is not None and cmd.rule_code != item.rule_code:
            raise InvalidInput(f"item {cmd.item_id} is under rule {item.rule_code}", field="rule_code")
        current = 0 if item.withdrawn else item.points
        if cmd.points == current:
            raise Rejected(f"item {cmd.item_id} already counts {current} points", field="points")
        rule_code, category = item.rule_code, item.category
        others = [(i.category, i.points) for i in state.items.values() if not i.withdrawn and i.item_id != item.item_id]
    else:
        if cmd.rule_code is None:
            raise InvalidInput(f"a new item {cmd.item_id} names its rule", field="rule_code")
        if cmd.points == 0:
            raise InvalidInput("a new item deducts or gives points", field="points")
        rule_code, category = cmd.rule_code, facts["category"]
        others = state.counted
    after = score(state.base_score, state.categories, [*others, (category, cmd.points)])
    return [
        AppraisalCorrected(
            appraisal_id=rc.entity_id,
            correction_id=cmd.correction_id,
            item_id=cmd.item_id,
            rule_code=rule_code,
            category=category,
            points=cmd.points,
            reason=cmd.reason,
            requested_by=cmd.requested_by,
            approved_by=rc.actor,
            corrected_at=rc.at,
            total_before=state.score.total,
            total_after=after.total,
        )
    ]


def _close(rc: Resolved[CloseAppraisal], state: AppraisalState) -> list[DomainEvent]:
    if state.status is None:
        raise Rejected("the appraisal was never opened")
    if state.status in (AppraisalStatus.PUBLISHED, AppraisalStatus.CLOSED):
        raise Rejected(f"the appraisal is {state.status.value}: it is no longer closed")
    assert state.opened_at is not None
    not_before(rc.at, state.opened_at, field="at", step="opened", what="appraisal")
    return [AppraisalClosed(appraisal_id=rc.entity_id, reason=rc.command.reason, closed_by=rc.actor, closed_at=rc.at)]


def decide(rc: AppraisalCommand, state: AppraisalState) -> Sequence[DomainEvent]:
    match rc.command:
        case OpenAppraisal():
            return _open(rc, state)  # type: ignore[arg-type]
        case ProposeItem():
            return _propose(rc, state)  # type: ignore[arg-type]
        case WithdrawItem():
            return _withdraw(rc, state)  # type: ignore[arg-type]
        case CommunicateDeduction():
            return _communicate(rc, state)  # type: ignore[arg-type]
        case AcknowledgeDeduction():
            return _acknowledge(rc, state)  # type: ignore[arg-type]
        case DisputeDeduction():
            return _dispute(rc, state)  # type: ignore[arg-type]
        case ResolveDispute():
            return _resolve(rc, state)  # type: ignore[arg-type]
        case FinaliseAppraisal():
            return _finalise(rc, state)  # type: ignore[arg-type]
        case PublishAppraisal():
            return _publish(rc, state)  # type: ignore[arg-type]
        case CorrectAppraisal():
            return _correct(rc, state)  # type: ignore[arg-type]
        case CloseAppraisal():
            return _close(rc, state)  # type: ignore[arg-type]
    raise TypeError(f"not an appraisal command: {type(rc.command).__name__}")


def _with_item(state: AppraisalState, item_id: str, **changes: object) -> AppraisalState:
    items = dict(state.items)
    items[item_id] = replace(items[item_id], **changes)  # type: ignore[arg-type]
    return replace(state, items=items)


def evolve(state: AppraisalState, event: DomainEvent) -> AppraisalState:
    match event:
        case AppraisalOpened():
            return AppraisalState(
                status=AppraisalStatus.OPEN,
                campus_id=event.campus_id,
                school_id=event.school_id,
                staff_id=event.staff_id,
                month=event.month,
                rule_book_version=event.rule_book_version,
                base_score=event.base_score,
                categories=tuple(event.categories),
                opened_at=event.opened_at,
                joined_on=event.joined_on,
                left_on=event.left_on,
            )
        case AppraisalItemProposed():
            item = ItemState(
                event.item_id,
                event.rule_code,
                event.category,
                event.points,
                event.points,
                event.proposed_by,
                event.proposed_at,
            )
            return replace(state, items={**state.items, event.item_id: item})
        case AppraisalItemWithdrawn():
            return _with_item(state, event.item_id, withdrawn=True)
        case DeductionCommunicated():
            return _with_item(state, event.item_id, communicated_at=event.communicated_at, respond_by=event.respond_by)
        case DeductionAcknowledged():
            return _with_item(state, event.item_id, acknowledged_at=event.acknowledged_at)
        case DeductionDisputed():
            return _with_item(state, event.item_id, disputed_at=event.disputed_at)
        case DisputeResolved():
            return _with_item(state, event.item_id, resolved_at=event.resolved_at, points=event.points)
        case AppraisalFinalised():
            return replace(state, status=AppraisalStatus.FINALISED, finalised_at=event.finalised_at)
        case AppraisalPublished():
            return replace(
                state,
                status=AppraisalStatus.PUBLISHED,
                published_at=event.published_at,
                published_total=event.total,
                last_step_at=event.published_at,
            )
        case AppraisalCorrected():
            corrected = replace(
                state, corrections=state.corrections | {event.correction_id}, last_step_at=event.corrected_at
            )
            if event.item_id in state.items:
                return _with_item(corrected, event.item_id, points=event.points, withdrawn=False)
            item = ItemState(
                event.item_id,
                event.rule_code,
                event.category,
                event.points,
                event.points,
                event.approved_by,
                event.corrected_at,
            )
            return replace(corrected, items={**corrected.items, event.item_id: item})
        case AppraisalClosed():
            return replace(state, status=AppraisalStatus.CLOSED)
    return state


Appraisal: Decider[AppraisalCommand, AppraisalState, DomainEvent] = Decider(
    "Appraisal", AppraisalState(), decide, evolve, "appraisal", starts=(OpenAppraisal,)
)
"""One stream per worker and month: its id is :func:`services.hr_eval.common.appraisal_id`."""


# -- the month of a campus ----------------------------------------------------------------


def month_id(campus_id: str, month: str) -> str:
    """A campus's month: ``<campus_id>-<YYYY-MM>``."""
    return f"{campus_id}-{month}"


@dataclass(frozen=True)
class AppraisalMonthState:
    published: bool = False
    published_at: datetime | None = None
    appraisal_ids: tuple[str, ...] = ()


def decide_month(rc: Resolved[PublishAppraisalMonth], state: AppraisalMonthState) -> Sequence[DomainEvent]:
    """Facts: ``appraisal_ids``, comma-separated: the month's appraisals not closed (each finalised)."""
    cmd = rc.command
    if state.published:
        raise Rejected(f"the appraisals of {cmd.month} on campus {cmd.campus_id} are already published", field="month")
    ids = [i for i in rc.facts.get("appraisal_ids", "").split(",") if i]
    if not ids:
        raise Rejected(f"campus {cmd.campus_id} has no appraisal of {cmd.month} to publish", field="month")
    return [
        AppraisalMonthPublished(
            campus_id=cmd.campus_id, month=cmd.month, appraisal_ids=ids, published_by=rc.actor, published_at=rc.at
        )
    ]


def evolve_month(state: AppraisalMonthState, event: DomainEvent) -> AppraisalMonthState:
    if isinstance(event, AppraisalMonthPublished):
        return AppraisalMonthState(True, event.published_at, tuple(event.appraisal_ids))
    return state


AppraisalMonth: Decider[Resolved[PublishAppraisalMonth], AppraisalMonthState, DomainEvent] = Decider(
    "AppraisalMonth", AppraisalMonthState(), decide_month, evolve_month, "appraisal-month"
)
"""One stream per campus and month (:func:`month_id`): its publication."""
