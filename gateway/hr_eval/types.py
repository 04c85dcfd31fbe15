"""The staff appraisal's types: the monthly appraisal totals of a campus, appraisals and their
items, a worker's trend, the rule book, proposals from other services, contests, awards and
the school's honours."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from gateway.clients import service_path
from gateway.common.campuses import CampusRef, campus_at_once, load_campus
from gateway.common.enums import Channel, ContestKind, DisputeOutcome, ItemSource, Level, Prize, Role
from gateway.common.history import HISTORY, HistoryEntry, history_of
from gateway.common.nodes import Node
from gateway.common.pages import one
from gateway.context import GatewayContext

Ctx = Info[GatewayContext, None]


# -- monthly appraisal totals ------------------------------------------------------------------


@strawberry.type(description="The items of one rule in a campus's month: how many, and their points (signed)")
class RuleTally:
    rule_code: str
    rule_text: str
    category: str
    items: int = strawberry.field(description="How many items of the rule")
    points: int = strawberry.field(description="Their points summed (negative: deducted)")


@strawberry.type(description="One worker's line of a campus's month")
class WorkerTotal:
    appraisal_id: strawberry.ID
    staff_id: strawberry.ID
    name: str
    role: Role
    base: int
    deductions: int
    bonuses: int
    total: int
    state: str = strawberry.field(description="opened, finalised, published or closed")
    published: bool
    corrected: bool = strawberry.field(description="Corrected after publication")
    part_month: bool = strawberry.field(description="The worker joined or left during the month")


@strawberry.type(description="What one appraiser gave in a campus's month (to see whether two campuses score alike)")
class AppraiserTally:
    appraiser_id: strawberry.ID
    items: int = strawberry.field(description="Items they proposed that count")
    points_given: int = strawberry.field(description="The sum of their items' points now (signed)")
    mean_total_of_appraised: float | None = strawberry.field(
        description="The mean total of the workers they gave items to"
    )


@strawberry.type(description="What is still to do before a campus's month is done")
class PendingWork:
    uncommunicated: int = strawberry.field(description="Deductions not yet told to their worker")
    disputed: int = strawberry.field(description="Deductions under dispute")
    not_finalised: int = strawberry.field(description="Appraisals still open")
    not_published: int = strawberry.field(description="Appraisals not yet published")


@strawberry.type(
    description="The monthly appraisal totals of a campus (one role, or all): counts, spread, deductions by "
    "rule, per worker, per appraiser and pending work. A worker sees the published appraisals only."
)
class AppraisalTotals:
    campus_id: strawberry.ID
    month: str = strawberry.field(description="The month, YYYY-MM")
    role: Role | None = strawberry.field(description="The role the totals are of; null: every logistics role")
    threshold: int = strawberry.field(description="The total below which a worker counts in belowThreshold")
    appraised: int = strawberry.field(description="Appraisals counted (closed ones are not)")
    published: int = strawberry.field(description="Appraisals published")
    finalised: int = strawberry.field(description="Appraisals finalised or published")
    mean: float | None = strawberry.field(description="The mean total, to one decimal")
    min: int | None = strawberry.field(description="The lowest total")
    max: int | None = strawberry.field(description="The highest total")
    spread: int | None = strawberry.field(description="max - min")
    stddev: float | None = strawberry.field(description="The totals' standard deviation, to one decimal")
    below_threshold: int = strawberry.field(description="Workers whose total is below the threshold")
    by_rule: list[RuleTally] = strawberry.field(description="Items by rule, most frequent first")
    workers: list[WorkerTotal] = strawberry.field(description="Every worker's line")
    appraisers: list[AppraiserTally] = strawberry.field(description="What each appraiser gave")
    pending: PendingWork | None = strawberry.field(description="What is still to do (null for a worker)")

    @strawberry.field
    @campus_at_once
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))


# -- appraisals --------------------------------------------------------------------------------


@strawberry.type(description="An item of an appraisal: a rule applied to something the worker did")
class AppraisalItem:
    item_id: strawberry.ID
    rule_code: str
    rule_text: str
    category: str
    points: int = strawberry.field(description="Its points now (after a dispute or a correction): negative deducts")
    proposed_points: int = strawberry.field(description="Its points as proposed")
    status: str = strawberry.field(
        description="proposed, communicated, acknowledged, disputed, resolved, withdrawn, or corrected"
    )
    source: ItemSource
    source_ref: str = strawberry.field(description="The inspection, audit, complaint or award it comes from")
    proposal_id: strawberry.ID | None = strawberry.field(description="The other service's proposal it came from")
    proposed_by: str
    proposed_at: dt.datetime
    occurred_at: dt.datetime = strawberry.field(description="When what the item is about happened")
    place: str | None = strawberry.field(description="Where it happened (null when withheld)")
    note: str | None = strawberry.field(description="The appraiser's note (null when withheld)")
    evidence_refs: list[str] | None = strawberry.field(description="References to the evidence (null when withheld)")
    communicated_by: str | None = strawberry.field(description="Who told the worker of the deduction")
    communicated_at: dt.datetime | None = strawberry.field(description="When the worker was told")
    channel: Channel | None = strawberry.field(description="How the worker was told")
    respond_by: dt.date | None = strawberry.field(description="The last school day to acknowledge or dispute")
    acknowledged_at: dt.datetime | None = strawberry.field(description="When the worker acknowledged it")
    disputed_at: dt.datetime | None = strawberry.field(description="When the worker disputed it")
    resolved_by: str | None = strawberry.field(description="The manager who decided the dispute")
    resolved_at: dt.datetime | None = strawberry.field(description="When the dispute was decided")
    outcome: DisputeOutcome | None = strawberry.field(description="How the dispute was decided")
    withdrawn_at: dt.datetime | None = strawberry.field(description="When the appraiser took it back")
    corrected_at: dt.datetime | None = strawberry.field(description="Its last correction after publication")


@strawberry.type(description="A worker's appraisal of a month (月考核): its score, state, pending work and items")
class Appraisal(Node):
    appraisal_id: strawberry.ID
    campus_id: strawberry.ID
    school_id: strawberry.ID | None
    staff_id: strawberry.ID
    staff_name: str
    role: Role
    month: str = strawberry.field(description="The month, YYYY-MM")
    rule_book_version: int = strawberry.field(description="The version of the rule book it is appraised under")
    base: int = strawberry.field(description="The rule book's base score")
    deductions: int = strawberry.field(description="Points taken, each category within its monthly cap")
    bonuses: int = strawberry.field(description="Points given, each category within its monthly cap")
    total: int = strawberry.field(description="base - deductions + bonuses, after any correction")
    state: str = strawberry.field(description="opened, finalised, published or closed")
    published: bool
    published_total: int | None = strawberry.field(description="The total first published (a correction leaves it)")
    corrected: bool = strawberry.field(description="Corrected after publication")
    corrections: int = strawberry.field(description="How many corrections after publication")
    part_month: bool = strawberry.field(description="The worker joined or left during the month")
    joined_on: dt.date | None = strawberry.field(description="The day the worker joined, when during the month")
    left_on: dt.date | None = strawberry.field(description="The day the worker left, when during the month")
    item_count: int = strawberry.field(description="Items that count (not withdrawn)")
    uncommunicated: int = strawberry.field(description="Deductions not yet told to the worker")
    disputed: int = strawberry.field(description="Deductions under dispute")
    opened_at: dt.datetime
    finalised_at: dt.datetime | None = strawberry.field(description="When it was finalised")
    published_at: dt.datetime | None = strawberry.field(description="When it was published")
    closed_at: dt.datetime | None = strawberry.field(description="When it was closed without a score")
    items: list[AppraisalItem] | None = strawberry.field(
        default=None, description="Its items, withdrawn ones included (only on a single appraisal)"
    )

    @strawberry.field
    @campus_at_once
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "hr_eval", f"appraisal-{self.appraisal_id}", first)


@strawberry.type(description="A worker's appraisal of one month, in a trend")
class TrendMonth:
    month: str = strawberry.field(description="The month, YYYY-MM")
    appraisal_id: strawberry.ID
    campus_id: strawberry.ID
    total: int
    state: str = strawberry.field(description="opened, finalised, published or closed")
    published: bool
    published_total: int | None = strawberry.field(description="The total first published")
    corrected: bool = strawberry.field(description="Corrected after publication")


@strawberry.type(description="A worker's appraisals month by month over a span (a term)")
class AppraisalTrend:
    staff_id: strawberry.ID
    from_month: str = strawberry.field(description="The first month, YYYY-MM")
    to_month: str = strawberry.field(description="The last month, YYYY-MM")
    months: list[TrendMonth] = strawberry.field(description="Each month's appraisal, closed ones left out")


# -- the rule book -----------------------------------------------------------------------------


@strawberry.type(description="A category of the rule book, with its monthly caps (points)")
class RuleCategory:
    code: str
    name: str
    deduction_cap: int = strawberry.field(description="At most this many points deducted in the category a month")
    bonus_cap: int = strawberry.field(description="At most this many bonus points in the category a month")


@strawberry.type(description="One rule of the rule book: negative points deduct, positive points give a bonus")
class Rule:
    code: str
    text: str
    category: str
    points: int


@strawberry.type(description="A member of staff and when they acknowledged a version of the rule book")
class StaffAcknowledgement:
    staff_id: strawberry.ID
    name: str | None = strawberry.field(description="Their name, as the directory knows it")
    roles: list[Role] = strawberry.field(description="Their roles")
    campus_ids: list[strawberry.ID] = strawberry.field(description="Their campuses (the first is home)")
    acknowledged_at: dt.datetime | None = strawberry.field(description="When they acknowledged it (null: not yet)")


@strawberry.type(description="Who acknowledged a version of the rule book, and which logistics workers have not yet")
class RuleBookAcknowledgements:
    acknowledged_count: int = strawberry.field(description="How many acknowledged it")
    pending_count: int = strawberry.field(description="How many logistics workers have not yet")
    acknowledged: list[StaffAcknowledgement] = strawberry.field(description="Who acknowledged it, and when")
    pending: list[StaffAcknowledgement] = strawberry.field(description="The logistics workers who have not yet")


@strawberry.type(description="A version of a school's rule book (月考核细则), with its categories and rules")
class RuleBook:
    school_id: strawberry.ID
    version: int
    title: str
    effective_on: dt.date = strawberry.field(description="The first day it is in force")
    superseded_on: dt.date | None = strawberry.field(description="The day the next version took over")
    studied_on: dt.date | None = strawberry.field(description="The staff meeting that studied it")
    base_score: int = strawberry.field(description="Every worker's month opens at this score")
    published_by: str
    published_at: dt.datetime
    categories: list[RuleCategory]
    items: list[Rule] = strawberry.field(description="The rules, in the order published")

    @strawberry.field(description="Who acknowledged this version, and which logistics workers have not yet")
    async def acknowledgements(
        self, info: Ctx, campus_id: strawberry.ID | None = None
    ) -> RuleBookAcknowledgements | None:
        template = "/rule-books/{school_id}/versions/{version}/acknowledgements"
        path = service_path(template, school_id=str(self.school_id), version=str(self.version))
        return await one(info.context, "hr_eval", path, RuleBookAcknowledgements, campus_id=campus_id)


# -- proposals from other services -------------------------------------------------------------


@strawberry.type(description="An item another service (or an award) proposed for a worker's appraisal")
class AppraisalProposal:
    proposal_id: strawberry.ID
    campus_id: strawberry.ID
    staff_id: strawberry.ID = strawberry.field(description="The worker the proposal is for")
    month: str = strawberry.field(description="The month appraised, YYYY-MM")
    state: str = strawberry.field(description="received, confirmed or dismissed")
    from_event_type: str = strawberry.field(description="The event that raised it")
    raised_by: str = strawberry.field(description="Who raised it in the other service")
    occurred_at: dt.datetime = strawberry.field(description="When what it is about happened")
    source: ItemSource
    source_ref: str = strawberry.field(description="The inspection, audit, complaint or award it comes from")
    rule_code: str = strawberry.field(description="The rule the other service suggests (empty: none)")
    place: str
    note: str
    appraisal_id: strawberry.ID | None = strawberry.field(description="Confirmed: the appraisal it became an item of")
    item_id: strawberry.ID | None = strawberry.field(description="Confirmed: the item's id in that appraisal")
    confirmed_by: str | None = strawberry.field(description="The appraiser who confirmed it")
    confirmed_at: dt.datetime | None = strawberry.field(description="When it was confirmed")
    dismissed_reason: str | None = strawberry.field(description="Why it was dismissed")
    dismissed_by: str | None = strawberry.field(description="The appraiser who dismissed it")
    dismissed_at: dt.datetime | None = strawberry.field(description="When it was dismissed")


# -- contests, awards, honours -----------------------------------------------------------------


@strawberry.type(description="A contest (比赛): its rounds, criteria, judges and entrants, and its ranking once ranked")
class Contest:
    contest_id: strawberry.ID
    school_id: strawberry.ID
    campus_id: strawberry.ID | None
    name: str
    kind: ContestKind
    level: Level
    organiser: str = strawberry.field(description="Who holds it: the school, the district's bureau or union")
    held_on: dt.date = strawberry.field(description="The day it was held")
    rounds: JSON = strawberry.field(description="Its rounds: [{round_id, name}]")
    criteria: JSON = strawberry.field(description="Its criteria: [{code, name, max_score}]")
    judges: list[str] = strawberry.field(description="Its judges")
    entrants: JSON = strawberry.field(description="Its entrants: [{entrant_id, name, staff_ids}]")
    sheets: int = strawberry.field(description="Score sheets recorded")
    ranked: bool
    ranking: JSON | None = strawberry.field(description="The ranking: [{entrant_id, total, rank}] (hundredths)")
    ranked_at: dt.datetime | None = strawberry.field(description="When it was ranked")


@strawberry.type(description="An award (获奖): a prize of a contest, or given outside one")
class Award:
    award_id: strawberry.ID
    school_id: strawberry.ID
    campus_id: strawberry.ID | None
    contest_id: strawberry.ID | None
    title: str
    prize: Prize
    level: Level
    awarded_on: dt.date = strawberry.field(description="The day it was awarded")
    entrant_id: strawberry.ID | None = strawberry.field(description="The contest's entrant it went to")
    recipient_name: str = strawberry.field(description="Who received it")
    staff_ids: list[strawberry.ID] = strawberry.field(description="The staff it honours")
    bonus_rule_code: str | None = strawberry.field(description="The rule that gives logistics workers a bonus for it")


@strawberry.type(description="An honour of the school itself (e.g. the city's 园林式单位 garden-style unit)")
class Honour:
    honour_id: strawberry.ID
    school_id: strawberry.ID
    campus_id: strawberry.ID | None
    title: str
    level: Level
    awarded_by: str = strawberry.field(description="The authority that conferred it")
    awarded_on: dt.date = strawberry.field(description="The day it was conferred")
