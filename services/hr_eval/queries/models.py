"""What the staff appraisal's reads answer: the OpenAPI of each read route names its model here
(the columns of the queries beside it, with their types and which may be null)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from services.eventkit.queries import Row

# -- appraisals and totals -------------------------------------------------------------------


class Appraisal(Row):
    """A worker's appraisal of a month, as it stands: its score (every category within its caps),
    its state, and what is still pending on it."""

    appraisal_id: str = Field(examples=["li-guard-2020-10"])
    district_id: str | None
    school_id: str | None
    campus_id: str
    staff_id: str
    staff_name: str
    role: str = Field(description="The worker's logistics role: cleaner, guard, canteen_worker, technician")
    month: str = Field(description="YYYY-MM", examples=["2020-10"])
    rule_book_version: int = Field(description="The version of the rule book the month is appraised under")
    base: int = Field(description="The rule book's base score")
    deductions: int = Field(description="Points taken, each category within its monthly cap (>= 0)")
    bonuses: int = Field(description="Points given, each category within its monthly cap (>= 0)")
    total: int = Field(description="base - deductions + bonuses, after any correction")
    state: str = Field(description="opened, finalised, published or closed")
    published: bool
    published_total: int | None = Field(description="The total first published (a correction leaves it)")
    corrected: bool = Field(description="Corrected after publication")
    corrections: int = Field(description="How many corrections after publication")
    part_month: bool = Field(description="The worker joined or left during the month")
    joined_on: date | None = Field(description="The day the worker joined, when during the month")
    left_on: date | None = Field(description="The day the worker left, when during the month")
    item_count: int = Field(description="Items that count (not withdrawn)")
    uncommunicated: int = Field(description="Deductions not yet told to the worker")
    disputed: int = Field(description="Deductions under dispute, not yet resolved")
    opened_at: datetime
    finalised_at: datetime | None
    published_at: datetime | None
    closed_at: datetime | None


class AppraisalItem(Row):
    """An item of an appraisal: a rule applied to something the worker did, where it stands now."""

    item_id: str
    rule_code: str
    rule_text: str
    category: str
    points: int = Field(description="Its points now (after a dispute or a correction): negative a deduction")
    proposed_points: int = Field(description="Its points as proposed")
    status: str = Field(
        description="proposed, communicated, acknowledged, disputed, resolved, withdrawn; "
        "corrected for an item a correction added (or brought back) after publication"
    )
    source: str = Field(description="patrol, inspection, canteen_audit, complaint, contest, other")
    source_ref: str
    proposal_id: str | None
    proposed_by: str
    proposed_at: datetime
    occurred_at: datetime = Field(description="When what the item is about happened")
    place: str | None = Field(description="Where it happened (evidence: null when withheld)")
    note: str | None = Field(description="The appraiser's note (evidence: null when withheld)")
    evidence_refs: list[str] | None = Field(description="References to the evidence (null when withheld)")
    communicated_by: str | None
    communicated_at: datetime | None
    channel: str | None = Field(description="How the deduction was told: in_person, phone, message, meeting")
    respond_by: date | None = Field(description="The last school day to acknowledge or dispute")
    acknowledged_at: datetime | None
    disputed_at: datetime | None
    resolved_by: str | None
    resolved_at: datetime | None
    outcome: str | None = Field(description="A dispute's outcome: upheld, reduced, withdrawn")
    withdrawn_at: datetime | None
    corrected_at: datetime | None = Field(description="The last correction of the item after publication")


class AppraisalFile(Appraisal):
    """An appraisal with its items (withdrawn ones included, marked so)."""

    items: list[AppraisalItem]


class TrendMonth(Row):
    """A worker's appraisal of one month."""

    month: str
    appraisal_id: str
    campus_id: str
    total: int
    state: str
    published: bool
    published_total: int | None
    corrected: bool


class AppraisalTrend(Row):
    """A worker's appraisals month by month over a span (a term), closed ones left out."""

    staff_id: str
    from_month: str
    to_month: str
    months: list[TrendMonth]


class RuleTally(Row):
    """The items of one rule in a campus's month: how many, and their points (signed)."""

    rule_code: str
    rule_text: str
    category: str
    items: int
    points: int


class WorkerTotal(Row):
    """One worker's line of a campus's month."""

    appraisal_id: str
    staff_id: str
    name: str
    role: str
    base: int
    deductions: int
    bonuses: int
    total: int
    state: str
    published: bool
    corrected: bool
    part_month: bool


class AppraiserTally(Row):
    """What one appraiser gave in a campus's month: items, their points, and the mean total of
    the workers they appraised (to see whether two campuses score alike)."""

    appraiser_id: str
    items: int
    points_given: int = Field(description="The sum of their items' points now (signed)")
    mean_total_of_appraised: float | None


class PendingWork(Row):
    """What is still to do before a campus's month is done."""

    uncommunicated: int = Field(description="Deductions not yet told to their worker")
    disputed: int = Field(description="Deductions under dispute")
    not_finalised: int = Field(description="Appraisals still open")
    not_published: int = Field(description="Appraisals not yet published")


class AppraisalTotals(Row):
    """The monthly appraisal totals of a campus (one role, or all): counts, spread, deductions by
    rule, per worker, per appraiser and pending work. Closed appraisals are not counted. A
    worker sees the published appraisals only, and no rules, appraisers or pending work."""

    campus_id: str
    month: str
    role: str | None = Field(description="The role the totals are of; null: every logistics role")
    threshold: int = Field(description="The total below which a worker counts in below_threshold")
    appraised: int
    published: int
    finalised: int = Field(description="Finalised or published")
    mean: float | None = Field(description="The mean total, to one decimal; null when none is appraised")
    min: int | None
    max: int | None
    spread: int | None = Field(description="max - min")
    stddev: float | None = Field(description="The totals' (population) standard deviation, to one decimal")
    below_threshold: int
    by_rule: list[RuleTally] = Field(description="Items by rule, most frequent first")
    workers: list[WorkerTotal]
    appraisers: list[AppraiserTally]
    pending: PendingWork | None = Field(description="Null for a worker")


# -- rule book ---------------------------------------------------------------------------------


class RuleCategoryRow(Row):
    """A category of a rule book version, with its monthly caps (points)."""

    code: str
    name: str
    deduction_cap: int
    bonus_cap: int


class RuleRow(Row):
    """One rule of a rule book version: negative points deduct, positive points give a bonus."""

    code: str
    text: str
    category: str
    points: int


class RuleBookVersionSummary(Row):
    """A version of a school's rule book: in force from ``effective_on`` until the day before
    ``superseded_on`` (none: still the latest)."""

    school_id: str
    version: int
    title: str
    effective_on: date
    superseded_on: date | None
    studied_on: date | None
    base_score: int
    category_count: int
    rule_count: int
    published_by: str
    published_at: datetime


class RuleBookVersion(RuleBookVersionSummary):
    """A version of a school's rule book with its categories and rules, in the order published."""

    categories: list[RuleCategoryRow]
    items: list[RuleRow]


class StaffAcknowledgement(Row):
    """A member of staff and when they acknowledged a version (none: not yet). ``name``, ``roles``
    and ``campus_ids`` are the directory's, when it knows them."""

    staff_id: str
    name: str | None
    roles: list[str]
    campus_ids: list[str]
    acknowledged_at: datetime | None


class RuleBookAcknowledgements(Row):
    """Who acknowledged a version of the rule book when, and which of the school's logistics
    workers (active cleaners, guards, canteen workers and technicians) have not yet."""

    school_id: str
    version: int
    title: str
    effective_on: date
    campus_id: str | None
    acknowledged_count: int
    pending_count: int
    acknowledged: list[StaffAcknowledgement]
    pending: list[StaffAcknowledgement]


# -- contests ---------------------------------------------------------------------------------


class Contest(Row):
    """A contest as announced, with how many score sheets it holds and its ranking once ranked."""

    contest_id: str
    district_id: str | None
    school_id: str
    campus_id: str | None
    name: str
    kind: str
    level: str
    organiser: str
    held_on: date
    rounds: list[dict[str, Any]]
    criteria: list[dict[str, Any]]
    judges: list[str]
    entrants: list[dict[str, Any]]
    announced_by: str
    announced_at: datetime
    sheets: int
    ranked: bool
    ranking: list[dict[str, Any]] | None
    ranked_by: str | None
    ranked_at: datetime | None


class ScoreSheet(Row):
    """One judge's scores of one entrant in one round, per criterion, and their total."""

    round_id: str
    entrant_id: str
    judge: str
    scores: dict[str, int]
    total: int
    recorded_by: str
    recorded_at: datetime


class ContestFile(Contest):
    """A contest with every judge's score sheet (by round, entrant and judge)."""

    scores: list[ScoreSheet]


class Award(Row):
    award_id: str
    district_id: str | None
    school_id: str
    campus_id: str | None
    contest_id: str | None
    title: str
    prize: str
    level: str
    awarded_on: date
    entrant_id: str | None
    recipient_name: str
    staff_ids: list[str]
    bonus_rule_code: str | None
    granted_by: str
    granted_at: datetime


class Honour(Row):
    honour_id: str
    district_id: str | None
    school_id: str
    campus_id: str | None
    title: str
    level: str
    awarded_by: str
    awarded_on: date
    recorded_by: str
    recorded_at: datetime


# -- proposals -------------------------------------------------------------------------------


class ProposalRow(Row):
    """An item another service (or an award) proposed for a worker's appraisal, and what an
    appraiser made of it: confirmed into the appraisal as an item, or dismissed with a reason."""

    proposal_id: str
    district_id: str | None
    school_id: str | None
    campus_id: str
    staff_id: str = Field(description="The worker the proposal is for")
    month: str = Field(description="The month appraised, YYYY-MM", examples=["2020-10"])
    state: str = Field(description="received, confirmed or dismissed")
    from_event_type: str = Field(description="The event that raised it, e.g. safety.AppraisalItemProposed")
    from_event_id: str
    raised_by: str = Field(description="Who raised it in the other service (the inspector, whoever granted the award)")
    occurred_at: datetime = Field(description="When what it is about happened")
    source: str = Field(description="patrol, inspection, canteen_audit, complaint, contest or other")
    source_ref: str = Field(description="The inspection, audit, complaint or award it comes from")
    rule_code: str = Field(description="The rule the other service suggests (empty: none)")
    place: str
    note: str
    evidence_refs: list[str]
    appraisal_id: str | None = Field(description="Confirmed: the appraisal it became an item of")
    item_id: str | None = Field(description="Confirmed: the item's id in that appraisal")
    confirmed_rule_code: str | None = Field(description="Confirmed: the rule it was confirmed under")
    confirmed_by: str | None
    confirmed_at: datetime | None
    dismissed_reason: str | None
    dismissed_by: str | None
    dismissed_at: datetime | None
