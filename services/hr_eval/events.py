"""The staff appraisal service's events: the contract published on ``houqin.hr_eval.events``.

Points are whole points (a rule book that needs halves doubles its base, e.g. 200). A month
is written ``YYYY-MM``. An appraisal's id is ``<staff_id>-<YYYY-MM>``: a worker has one
appraisal a month, on the campus whose roster opened it.

Besides its own events, this module publishes the contract any other service raises to
propose an item for a worker's appraisal (:class:`AppraisalItemProposal`): the proposal is
kept apart until an appraiser confirms it into the appraisal or dismisses it, so nothing
from another service is ever applied silently.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from services.eventkit.auth import Role
from services.eventkit.envelope import DomainEvent, EventRegistry, Value
from services.eventkit.redaction import Sensitive

HR_EVAL_EVENTS = EventRegistry()
event = HR_EVAL_EVENTS.register

# Who reads an item's evidence, place and notes, and a dispute's reasons, wherever an event is
# shown outside the service's own reads (the live event stream, dead letters, logs): the
# appraisers and those who read every appraisal in their scope. A worker reads their own
# items through the service's reads, which check that the appraisal is theirs.
EVIDENCE_READERS = (
    Role.LOGISTICS_MANAGER,
    Role.PRINCIPAL,
    Role.VICE_PRINCIPAL,
    Role.DISTRICT_ADMIN,
    Role.PLATFORM_ADMIN,
)


# -- vocabularies ------------------------------------------------------------------------


class ItemSource(StrEnum):
    """Where an appraisal item comes from."""

    PATROL = "patrol"  # what an appraiser saw on the daily patrol
    INSPECTION = "inspection"  # a finding of a safety inspection naming the worker
    CANTEEN_AUDIT = "canteen_audit"  # a canteen self-inspection or serving audit
    COMPLAINT = "complaint"  # from a teacher, a parent or a pupil
    CONTEST = "contest"  # a prize in a contest (a bonus)
    OTHER = "other"


class Channel(StrEnum):
    """How a deduction was told to the worker before publication."""

    IN_PERSON = "in_person"
    PHONE = "phone"
    MESSAGE = "message"  # a private message (not the staff group)
    MEETING = "meeting"


class DisputeOutcome(StrEnum):
    UPHELD = "upheld"  # the item stands as it was
    REDUCED = "reduced"  # fewer points
    WITHDRAWN = "withdrawn"  # the item is taken back


class ContestKind(StrEnum):
    SKILL = "skill"  # e.g. the canteen staff's serving-skill contest 打菜技能评比
    SPORT = "sport"  # e.g. rope-skipping and shuttlecock 跳绳踢毽
    SPEECH = "speech"  # e.g. the young teachers' ethics speech contest 师德演讲
    OTHER = "other"


class Level(StrEnum):
    """The level of a contest, an award or an honour."""

    SCHOOL = "school"
    DISTRICT = "district"
    CITY = "city"
    PROVINCE = "province"
    NATION = "nation"


class Prize(StrEnum):
    FIRST = "first"
    SECOND = "second"
    THIRD = "third"
    EXCELLENCE = "excellence"  # 优秀奖
    SPECIAL = "special"  # 特等奖


# -- rule book 月考核细则 -------------------------------------------------------------------


class RuleCategory(Value):
    """A category of the rule book, with its monthly caps: however many items of the category
    a worker gets in a month, their deductions (and bonuses) count at most this many points."""

    code: str
    name: str
    deduction_cap: int  # points, >= 0
    bonus_cap: int  # points, >= 0


class RuleItem(Value):
    """One rule: a deduction (negative points) or a bonus (positive points)."""

    code: str
    text: str
    category: str
    points: int  # negative: a deduction; positive: a bonus


@event("hr_eval.RuleBookPublished")
class RuleBookPublished(DomainEvent):
    """A version of a school's rule book, in force from ``effective_on`` until the next version's."""

    school_id: str
    version: int
    title: str
    effective_on: date
    base_score: int
    categories: list[RuleCategory]
    items: list[RuleItem]
    published_by: str
    published_at: datetime
    studied_on: date | None = None  # the staff meeting that studied it (the term's first)


@event("hr_eval.RuleBookAcknowledged")
class RuleBookAcknowledged(DomainEvent):
    """A worker acknowledges the version of the rule book they work under."""

    school_id: str
    version: int
    staff_id: str
    acknowledged_at: datetime


# -- monthly appraisal 月考核 -----------------------------------------------------------------


@event("hr_eval.AppraisalOpened")
class AppraisalOpened(DomainEvent):
    """A worker's appraisal for a month, at the rule book's base score, pinned to the version
    in force on the month's first day (or on the day the worker joined, if later)."""

    appraisal_id: str
    campus_id: str
    school_id: str
    staff_id: str
    staff_name: str
    role: Role  # the worker's logistics role: cleaner, guard, canteen worker, technician
    month: str
    rule_book_version: int
    base_score: int
    categories: list[RuleCategory]
    opened_by: str
    opened_at: datetime
    joined_on: date | None = None  # set when the worker joined during the month (a part month)
    left_on: date | None = None  # set when the worker left during the month


@event("hr_eval.AppraisalItemProposed")
class AppraisalItemProposed(DomainEvent):
    """An item of an appraisal: a rule applied to something the worker did on a day.

    Proposed by an appraiser, or confirmed by one from another service's proposal
    (``proposal_id``): it counts at once, and a deduction must be told to the worker before
    the month is published."""

    sensitive = Sensitive(("place", "note", "evidence_refs"), readers=EVIDENCE_READERS)

    appraisal_id: str
    item_id: str
    rule_code: str
    category: str
    points: int  # negative: a deduction; positive: a bonus
    rule_text: str
    occurred_at: datetime
    place: str = ""
    note: str = ""
    evidence_refs: list[str] = Field(default_factory=list)
    source: ItemSource
    source_ref: str = ""  # the inspection, audit, complaint or award it comes from
    proposal_id: str | None = None  # the other service's proposal it was confirmed from
    proposed_by: str
    proposed_at: datetime


@event("hr_eval.AppraisalItemWithdrawn")
class AppraisalItemWithdrawn(DomainEvent):
    """The appraiser takes an item back before the appraisal is finalised."""

    sensitive = Sensitive(("reason",), readers=EVIDENCE_READERS)

    appraisal_id: str
    item_id: str
    reason: str
    withdrawn_by: str
    withdrawn_at: datetime


@event("hr_eval.DeductionCommunicated")
class DeductionCommunicated(DomainEvent):
    """The worker was told of a deduction, and why, before publication (who, when, how)."""

    appraisal_id: str
    item_id: str
    communicated_by: str
    communicated_at: datetime
    channel: Channel
    respond_by: date  # the last school day to acknowledge or dispute


@event("hr_eval.DeductionAcknowledged")
class DeductionAcknowledged(DomainEvent):
    appraisal_id: str
    item_id: str
    staff_id: str
    acknowledged_at: datetime


@event("hr_eval.DeductionDisputed")
class DeductionDisputed(DomainEvent):
    sensitive = Sensitive(("reason",), readers=EVIDENCE_READERS)

    appraisal_id: str
    item_id: str
    staff_id: str
    reason: str
    disputed_at: datetime


@event("hr_eval.DisputeResolved")
class DisputeResolved(DomainEvent):
    """A manager other than the item's proposer decides the dispute."""

    sensitive = Sensitive(("reason",), readers=EVIDENCE_READERS)

    appraisal_id: str
    item_id: str
    outcome: DisputeOutcome
    points: int  # the item's points after the decision (0 when withdrawn)
    reason: str
    resolved_by: str
    resolved_at: datetime


@event("hr_eval.AppraisalFinalised")
class AppraisalFinalised(DomainEvent):
    appraisal_id: str
    campus_id: str
    month: str
    base_score: int
    deductions: int  # points taken, after the caps (>= 0)
    bonuses: int  # points given, after the caps (>= 0)
    total: int
    finalised_by: str
    finalised_at: datetime


@event("hr_eval.AppraisalPublished")
class AppraisalPublished(DomainEvent):
    """Published to the staff group with the rest of its campus and month."""

    appraisal_id: str
    campus_id: str
    month: str
    total: int
    published_by: str
    published_at: datetime


@event("hr_eval.AppraisalMonthPublished")
class AppraisalMonthPublished(DomainEvent):
    """A campus's appraisals of a month, published together."""

    campus_id: str
    month: str
    appraisal_ids: list[str]
    published_by: str
    published_at: datetime


@event("hr_eval.AppraisalCorrected")
class AppraisalCorrected(DomainEvent):
    """A published appraisal corrected: a new item, or an item's points changed, with the
    reason and who approved it. The total before stays in the history."""

    sensitive = Sensitive(("reason",), readers=EVIDENCE_READERS)

    appraisal_id: str
    correction_id: str
    item_id: str
    rule_code: str
    category: str
    points: int  # the item's points after the correction (0: taken back)
    reason: str
    requested_by: str  # who asked (the worker, an appraiser)
    approved_by: str
    corrected_at: datetime
    total_before: int
    total_after: int


@event("hr_eval.AppraisalClosed")
class AppraisalClosed(DomainEvent):
    """An unpublished appraisal closed without a score (e.g. opened for a worker who left
    before the month began): it is not counted in the month's totals."""

    appraisal_id: str
    reason: str
    closed_by: str
    closed_at: datetime


# -- proposals from other services -------------------------------------------------------


class AppraisalItemProposal(DomainEvent):
    """The contract another service raises to propose an item for a worker's appraisal,
    registered in its own registry as ``<service>.AppraisalItemProposed`` (e.g.
    ``safety.AppraisalItemProposed`` for a patrol finding naming a worker).

    The staff appraisal service keeps each one once (by the raising event's id, however often
    it is delivered) as a proposal an appraiser of the campus confirms into the worker's
    appraisal of that month, or dismisses. ``rule_code`` is the rule the raising service
    suggests; the appraiser may confirm it under another."""

    staff_id: str
    campus_id: str
    occurred_at: datetime
    source: ItemSource
    source_ref: str
    rule_code: str = ""
    place: str = ""
    note: str = ""
    evidence_refs: list[str] = Field(default_factory=list)


@event("hr_eval.ProposalReceived")
class ProposalReceived(DomainEvent):
    """Another service's proposal, kept until an appraiser confirms or dismisses it."""

    sensitive = Sensitive(("place", "note", "evidence_refs"), readers=EVIDENCE_READERS)

    proposal_id: str
    from_event_id: str  # the raising event: it is kept once however often it arrives
    from_event_type: str
    staff_id: str
    campus_id: str
    month: str
    occurred_at: datetime
    source: ItemSource
    source_ref: str
    rule_code: str = ""
    place: str = ""
    note: str = ""
    evidence_refs: list[str] = Field(default_factory=list)
    raised_by: str = ""


@event("hr_eval.ProposalConfirmed")
class ProposalConfirmed(DomainEvent):
    proposal_id: str
    appraisal_id: str
    item_id: str
    rule_code: str
    confirmed_by: str
    confirmed_at: datetime


@event("hr_eval.ProposalDismissed")
class ProposalDismissed(DomainEvent):
    sensitive = Sensitive(("reason",), readers=EVIDENCE_READERS)

    proposal_id: str
    reason: str
    dismissed_by: str
    dismissed_at: datetime


# -- contests, awards and honours 竞赛、获奖与荣誉 ----------------------------------------------


class ContestRound(Value):
    round_id: str
    name: str


class Criterion(Value):
    code: str
    name: str
    max_score: int


class Entrant(Value):
    """Who takes part: a member of staff, or a team named by its members."""

    entrant_id: str
    name: str
    staff_ids: list[str] = Field(default_factory=list)


@event("hr_eval.ContestAnnounced")
class ContestAnnounced(DomainEvent):
    contest_id: str
    school_id: str
    campus_id: str | None
    name: str
    kind: ContestKind
    level: Level
    organiser: str  # the school, or the district's education bureau, union, ...
    held_on: date
    rounds: list[ContestRound]
    criteria: list[Criterion]
    judges: list[str]  # staff ids of the judges (the school's own) or names of outside judges
    entrants: list[Entrant]
    announced_by: str
    announced_at: datetime


@event("hr_eval.ContestScoreRecorded")
class ContestScoreRecorded(DomainEvent):
    """One judge's scores of one entrant in one round, per criterion."""

    contest_id: str
    round_id: str
    entrant_id: str
    judge: str
    scores: dict[str, int]  # criterion code -> score (<= the criterion's maximum)
    recorded_by: str
    recorded_at: datetime


class RankedEntrant(Value):
    entrant_id: str
    total: int  # the sum over rounds of the mean of the judges' totals, in hundredths
    rank: int


@event("hr_eval.ContestRanked")
class ContestRanked(DomainEvent):
    contest_id: str
    ranking: list[RankedEntrant]
    ranked_by: str
    ranked_at: datetime


@event("hr_eval.AwardGranted")
class AwardGranted(DomainEvent):
    """A prize to an entrant of a contest (or an award given outside one)."""

    award_id: str
    school_id: str
    campus_id: str | None
    contest_id: str | None
    title: str  # e.g. 跳绳踢毽比赛 团体一等奖
    prize: Prize
    level: Level
    awarded_on: date
    entrant_id: str | None
    recipient_name: str
    staff_ids: list[str]  # the staff members it honours (none for an outside team)
    bonus_rule_code: str | None  # a rule of the rule book that gives logistics workers a bonus for it
    granted_by: str
    granted_at: datetime


class ContestSheet(Value):
    """One judge's scores of one entrant, per criterion code."""

    entrant_id: str
    judge: str
    scores: dict[str, int]


class ContestPrizeGiven(Value):
    entrant_id: str
    prize: Prize
    title: str
    bonus_rule_code: str | None = None


class ContestResults(DomainEvent):
    """The contract another service raises when a contest it ran is over (e.g. the canteen's
    serving-skill contest, ``canteen.ContestResultsPublished``): the staff appraisal keeps it
    once (by the raising event's id) as a contest of one round with its score sheets, its
    ranking and its awards; an award with a bonus rule becomes a proposal like any other."""

    contest_ref: str  # the raising service's contest id
    school_id: str
    campus_id: str | None
    name: str
    kind: ContestKind
    level: Level
    organiser: str
    held_on: date
    criteria: list[Criterion]
    judges: list[str]
    entrants: list[Entrant]
    sheets: list[ContestSheet]
    prizes: list[ContestPrizeGiven]
    published_by: str


@event("hr_eval.HonourRecorded")
class HonourRecorded(DomainEvent):
    """An honour of the school itself (e.g. the city's 园林式单位 garden-style unit)."""

    honour_id: str
    school_id: str
    campus_id: str | None
    title: str
    level: Level
    awarded_by: str  # the authority that conferred it
    awarded_on: date
    recorded_by: str
    recorded_at: datetime
