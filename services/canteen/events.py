"""The canteen service's events: the contract published on ``houqin.canteen.events``.

Weights are whole grams, temperatures tenths of a degree Celsius (``-180`` is -18.0 °C),
tolerances per mille (``50`` is 5 %). A meal is breakfast, lunch or dinner of a day at a
campus. Besides its own events, the canteen raises three contracts other services publish:

- :class:`AppraisalItemProposed` (the staff appraisal's ``AppraisalItemProposal``): a
  violation observed, or a server's uneven portions in a serving audit, proposed as a
  deduction in the worker's monthly appraisal;
- :class:`ContestResultsPublished` (the staff appraisal's ``ContestResults``): the
  serving-skill contest's score sheets and prizes, kept there as a contest with awards;
- :class:`HazardFound` (safety's ``HazardRaised``): a self-inspection finding that is a
  hazard (a broken fly screen, a cracked gas hose), reported as a hazard in safety.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from services.eventkit.auth import Role
from services.eventkit.envelope import DomainEvent, EventRegistry, Value
from services.eventkit.redaction import Sensitive
from services.hr_eval.events import AppraisalItemProposal, ContestResults
from services.safety.events import HazardRaised, Severity

CANTEEN_EVENTS = EventRegistry()
event = CANTEEN_EVENTS.register

# Who reads a worker's morning check (symptoms are health data) and a violation's evidence
# wherever an event is shown outside the service's own reads (the live stream, dead letters).
HEALTH_READERS = (
    Role.LOGISTICS_MANAGER,
    Role.PRINCIPAL,
    Role.MEDICAL,
    Role.DISTRICT_ADMIN,
    Role.PLATFORM_ADMIN,
)
EVIDENCE_READERS = (
    Role.LOGISTICS_MANAGER,
    Role.PRINCIPAL,
    Role.VICE_PRINCIPAL,
    Role.DISTRICT_ADMIN,
    Role.PLATFORM_ADMIN,
)


# -- vocabularies ------------------------------------------------------------------------


class Meal(StrEnum):
    BREAKFAST = "breakfast"
    LUNCH = "lunch"
    DINNER = "dinner"


class MemberKind(StrEnum):
    """Who sits on the meal committee."""

    PARENT = "parent"
    TEACHER = "teacher"
    LEADER = "leader"  # a school leader (principal, vice principal, director)
    CANTEEN = "canteen"  # the canteen's manager or a worker
    PUPIL = "pupil"  # a pupils' representative
    OTHER = "other"


class DinerKind(StrEnum):
    """Who ate with the pupils at an accompanied meal (陪餐)."""

    LEADER = "leader"
    PARENT = "parent"
    TEACHER = "teacher"


class CertificateKind(StrEnum):
    """What a delivery (or a line of it) must come with (索证索票)."""

    SUPPLIER_LICENCE = "supplier_licence"  # 食品经营许可证 / 营业执照
    QUARANTINE = "quarantine"  # 动物检疫合格证明 (meat)
    INSPECTION_REPORT = "inspection_report"  # 检验检测报告 (a batch's test report)
    INVOICE = "invoice"  # 票据 (the delivery note or invoice)


class FoodCategory(StrEnum):
    """A delivery line's kind of food: it says which checks the line needs."""

    LEAFY_VEGETABLE = "leafy_vegetable"  # pesticide quick test
    BEANS = "beans"  # pesticide quick test (豆类)
    VEGETABLE = "vegetable"
    MEAT = "meat"  # quarantine certificate; chilled
    POULTRY = "poultry"  # quarantine certificate; chilled
    AQUATIC = "aquatic"  # chilled
    EGGS = "eggs"
    DAIRY = "dairy"  # chilled
    GRAIN_OIL = "grain_oil"  # rice, flour, oil
    CONDIMENT = "condiment"
    FRUIT = "fruit"
    OTHER = "other"


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"


class UnitKind(StrEnum):
    """A piece of equipment whose temperature is logged."""

    FRIDGE = "fridge"
    FREEZER = "freezer"
    HOT_HOLDING = "hot_holding"
    SAMPLE_FRIDGE = "sample_fridge"  # the food-sample fridge (留样冰箱)
    DISHWASHER = "dishwasher"  # the rinse temperature of a dish-washing machine


class Cadence(StrEnum):
    """A self-inspection: the daily control, the weekly sweep, the monthly review (日管控、周排查、月调度)."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class Audience(StrEnum):
    PUPILS = "pupils"
    PARENTS = "parents"
    STAFF = "staff"


# -- district rules (district data) ----------------------------------------------------------


class BannedDish(Value):
    """A dish a school canteen may not serve, and why: a menu naming it (or containing one of
    its words) is refused."""

    name: str  # e.g. 四季豆
    reason: str  # e.g. 易加热不彻底致食物中毒
    words: list[str] = Field(default_factory=list)  # other names and spellings matched too


@event("canteen.CanteenRulesSet")
class CanteenRulesSet(DomainEvent):
    """The district's canteen rules, replacing the previous ones from ``effective_on``."""

    district_id: str
    sample_min_grams: int  # each dish's sample weighs at least this (default 125 g)
    sample_min_hours: int  # and is kept at least this long (default 48 h)
    delivery_weight_tolerance_permille: int  # a line weighing less than declared beyond this is short
    serving_tolerance_permille: int  # a server's portions spread beyond this is a finding
    certificate_warning_days: int  # a certificate expiring within this many days is warned (30)
    banned_dishes: list[BannedDish]
    oversight_committee_required: bool  # schools keep a parents' meal-oversight committee
    set_by: str
    set_at: datetime
    effective_on: date


# -- meal committee 膳食委员会 ---------------------------------------------------------------


class CommitteeMember(Value):
    member_id: str
    name: str
    kind: MemberKind
    duty: str  # the member's written duty
    staff_id: str | None = None
    parent_id: str | None = None


@event("canteen.MealCommitteeFormed")
class MealCommitteeFormed(DomainEvent):
    """A school's meal committee for a term (or its parents' meal-oversight committee)."""

    committee_id: str
    school_id: str
    term_id: str
    name: str  # e.g. 薛小第X届膳食委员会
    oversight: bool  # the parents' meal-oversight committee (家长膳食监督委员会)
    duties: list[str]  # the committee's written duties (管理职责)
    members: list[CommitteeMember]
    formed_on: date
    formed_by: str


@event("canteen.CommitteeMemberJoined")
class CommitteeMemberJoined(DomainEvent):
    committee_id: str
    member: CommitteeMember
    joined_on: date
    recorded_by: str


@event("canteen.CommitteeMemberLeft")
class CommitteeMemberLeft(DomainEvent):
    committee_id: str
    member_id: str
    left_on: date
    reason: str
    recorded_by: str


@event("canteen.CommitteeMeetingHeld")
class CommitteeMeetingHeld(DomainEvent):
    committee_id: str
    meeting_id: str
    held_on: date
    attendees: list[str]  # member ids
    minutes: str
    decisions: list[str]
    recorded_by: str


# -- accompanied meals 陪餐 -------------------------------------------------------------------


class DishRating(Value):
    """How a diner found one dish: 1 (poor) to 5 (very good) for look, taste and quantity."""

    dish: str
    look: int
    taste: int
    quantity: int


@event("canteen.MealAccompanied")
class MealAccompanied(DomainEvent):
    """A school leader (or a teacher) ate with the pupils at a meal and records it. A parent's
    accompanied meal is part of a parent visit (:class:`VisitLunchAccompanied`)."""

    record_id: str
    campus_id: str
    served_on: date
    meal: Meal
    diner_id: str
    diner_name: str
    diner_kind: DinerKind
    place: str  # e.g. 一楼学生餐厅
    ratings: list[DishRating]
    issues: list[str]  # what the diner found wrong (none: nothing)
    recorded_by: str


# -- parent visits 家长进校园 -----------------------------------------------------------------


@event("canteen.ParentVisitScheduled")
class ParentVisitScheduled(DomainEvent):
    """One parent a week per campus: weighs and inspects the morning's deliveries with the
    staff, eats lunch with the pupils and writes a reflection."""

    visit_id: str
    campus_id: str
    week_of: date  # the Monday of the visit's week
    visit_on: date
    parent_id: str
    parent_name: str
    scheduled_by: str
    scheduled_at: datetime | None = None  # when the visit was scheduled (the act's time; none before it was kept)


@event("canteen.ParentVisitRescheduled")
class ParentVisitRescheduled(DomainEvent):
    visit_id: str
    visit_on: date
    reason: str
    rescheduled_by: str
    rescheduled_at: datetime | None = None  # when it was rescheduled (the act's time; none before it was kept)


@event("canteen.ParentVisitCancelled")
class ParentVisitCancelled(DomainEvent):
    visit_id: str
    reason: str
    cancelled_by: str
    cancelled_at: datetime | None = None  # when it was cancelled (the act's time; none before it was kept)


@event("canteen.VisitDeliveriesInspected")
class VisitDeliveriesInspected(DomainEvent):
    """The parent weighed and inspected the morning's deliveries with the staff (称菜、验菜)."""

    visit_id: str
    delivery_ids: list[str]  # the deliveries inspected together (may be none recorded here)
    with_staff: list[str]  # staff ids who inspected with the parent
    note: str
    recorded_by: str
    inspected_at: datetime | None = None  # when the deliveries were inspected (the act's time; none before it was kept)


@event("canteen.VisitLunchAccompanied")
class VisitLunchAccompanied(DomainEvent):
    """The parent ate lunch with the pupils (the parent's accompanied meal)."""

    visit_id: str
    campus_id: str
    served_on: date
    ratings: list[DishRating]
    issues: list[str]
    recorded_by: str
    accompanied_at: datetime | None = None  # when the lunch was eaten (the act's time; none before it was kept)


@event("canteen.ReflectionSubmitted")
class ReflectionSubmitted(DomainEvent):
    """The parent's reflection (心得体会), with their suggestions and whether they consent to
    its publication in the parents' group."""

    visit_id: str
    parent_id: str
    title: str
    text: str
    suggestions: list[str]
    consent_to_publish: bool
    submitted_by: str
    submitted_at: datetime | None = None  # when the parent submitted it (the act's time; none before it was kept)


@event("canteen.ReflectionPublished")
class ReflectionPublished(DomainEvent):
    """Reviewed and posted (e.g. to the parents' WeChat group): parents of the campus read it."""

    visit_id: str
    campus_id: str
    channel: str  # e.g. 薛小家长微信群
    published_by: str
    published_at: datetime | None = None  # when it was published (the act's time; none before it was kept)


@event("canteen.ReflectionKeptInternal")
class ReflectionKeptInternal(DomainEvent):
    visit_id: str
    reason: str
    reviewed_by: str
    reviewed_at: datetime | None = None  # when it was reviewed (the act's time; none before it was kept)


@event("canteen.SuggestionAnswered")
class SuggestionAnswered(DomainEvent):
    """The school's answer to one of the parent's suggestions (by its position, from 0)."""

    visit_id: str
    suggestion: int
    answer: str
    answered_by: str
    answered_at: datetime | None = None  # when the answer was given (the act's time; none before it was kept)


# -- deliveries 进货查验 and pesticide quick tests 农残快检 ------------------------------------


class Certificate(Value):
    kind: CertificateKind
    number: str
    expires_on: date | None = None  # none: it does not expire (an invoice)


class DeliveryLine(Value):
    line_no: int  # from 1
    item: str  # e.g. 青菜
    category: FoodCategory
    batch: str  # a batch number, or the production date as written on the pack
    produced_on: date | None
    shelf_life_days: int | None
    declared_grams: int
    chilled: bool  # delivered chilled: its temperature is taken
    certificates: list[Certificate]


@event("canteen.DeliveryReceived")
class DeliveryReceived(DomainEvent):
    """A supplier's delivery arrived at the canteen, with the certificates that came with it."""

    delivery_id: str
    campus_id: str
    supplier_id: str
    supplier_name: str
    certificates: list[Certificate]  # the supplier's (licence, invoice)
    lines: list[DeliveryLine]
    received_by: str
    received_at: datetime | None = None  # when it arrived: its day is the day certificates and shelf lives are checked


@event("canteen.DeliveryLineInspected")
class DeliveryLineInspected(DomainEvent):
    """One inspector weighed (and, if chilled, took the temperature of) one line."""

    delivery_id: str
    line_no: int
    inspector_id: str
    weighed_grams: int
    temperature_c10: int | None  # tenths of a degree, for a chilled line
    note: str


@event("canteen.PesticideTested")
class PesticideTested(DomainEvent):
    """A quick test of a leafy vegetable or beans line: a failed lot is rejected and unusable."""

    delivery_id: str
    line_no: int
    test_id: str
    verdict: Verdict
    inhibition_permille: int | None  # the enzyme inhibition rate (≥ 500 fails), when read
    tested_by: str


@event("canteen.DeliveryLineAccepted")
class DeliveryLineAccepted(DomainEvent):
    delivery_id: str
    line_no: int
    accepted_grams: int
    override_reason: str | None  # set when accepted despite an expired certificate or a short weight
    accepted_by: str


@event("canteen.DeliveryLineRejected")
class DeliveryLineRejected(DomainEvent):
    delivery_id: str
    line_no: int
    reason: str
    rejected_by: str


@event("canteen.DeliveryAcceptanceSigned")
class DeliveryAcceptanceSigned(DomainEvent):
    """The acceptance closed, signed by at least two different inspectors (two-person acceptance)."""

    delivery_id: str
    campus_id: str
    inspectors: list[str]
    lines_accepted: int
    lines_rejected: int
    signed_by: str


# -- meals served and food samples 留样 -------------------------------------------------------


@event("canteen.MealServed")
class MealServed(DomainEvent):
    """A meal was served: its dishes and who served them."""

    meal_id: str  # <campus>-<YYYY-MM-DD>-<meal>
    campus_id: str
    served_on: date
    meal: Meal
    dishes: list[str]
    servers: list[str]  # staff ids
    diners: int  # pupils and staff served
    recorded_by: str


@event("canteen.DishServedWithoutSample")
class DishServedWithoutSample(DomainEvent):
    """A finding: a dish of a meal was served and no sample of it was retained."""

    meal_id: str
    campus_id: str
    served_on: date
    meal: Meal
    dish: str
    found_by: str


@event("canteen.SampleRetained")
class SampleRetained(DomainEvent):
    sample_id: str
    campus_id: str
    served_on: date
    meal: Meal
    dish: str
    grams: int
    unit_id: str | None  # the sample fridge
    retained_by: str
    release_after: datetime  # the earliest the sample may be disposed of


@event("canteen.SampleHeld")
class SampleHeld(DomainEvent):
    """Kept past its time for an investigation (e.g. a suspected food-poisoning case)."""

    sample_id: str
    reason: str
    held_by: str


@event("canteen.SampleHoldLifted")
class SampleHoldLifted(DomainEvent):
    sample_id: str
    reason: str
    lifted_by: str


@event("canteen.SampleDisposed")
class SampleDisposed(DomainEvent):
    sample_id: str
    campus_id: str
    disposed_by: str


# -- canteen staff: health certificates and morning checks 健康证与晨检 ------------------------


@event("canteen.HealthCertificateRecorded")
class HealthCertificateRecorded(DomainEvent):
    """A canteen worker's health certificate (健康证): without a valid one, no morning check."""

    staff_id: str
    campus_id: str
    number: str
    issued_on: date
    expires_on: date
    recorded_by: str


@event("canteen.MorningCheckRecorded")
class MorningCheckRecorded(DomainEvent):
    """A worker's check before a shift: passed, or stood down until cleared."""

    sensitive = Sensitive(("fever", "gastro", "hand_wound", "respiratory", "note"), readers=HEALTH_READERS)

    staff_id: str
    campus_id: str
    checked_on: date
    shift: Meal
    fever: bool
    gastro: bool  # diarrhoea or vomiting
    hand_wound: bool  # a skin wound or infection on the hands
    respiratory: bool  # cough or sore throat
    dress_ok: bool  # hat, mask, clean clothes, nails, no jewellery
    passed: bool
    note: str
    checked_by: str


@event("canteen.WorkerStoodDown")
class WorkerStoodDown(DomainEvent):
    sensitive = Sensitive(("reasons",), readers=HEALTH_READERS)

    staff_id: str
    campus_id: str
    reasons: list[str]
    stood_down_by: str


@event("canteen.WorkerCleared")
class WorkerCleared(DomainEvent):
    staff_id: str
    campus_id: str
    note: str
    cleared_by: str


# -- temperatures 温度记录 ----------------------------------------------------------------------


@event("canteen.TemperatureUnitRegistered")
class TemperatureUnitRegistered(DomainEvent):
    unit_id: str
    campus_id: str
    name: str  # e.g. 留样冰箱, 2号冷藏柜
    kind: UnitKind
    min_c10: int
    max_c10: int
    registered_by: str


@event("canteen.TemperatureRead")
class TemperatureRead(DomainEvent):
    unit_id: str
    campus_id: str
    reading_id: str
    c10: int
    within_limits: bool
    read_by: str


@event("canteen.CorrectiveActionTaken")
class CorrectiveActionTaken(DomainEvent):
    """What was done about an out-of-limit reading: it closes that reading's corrective action."""

    unit_id: str
    campus_id: str
    reading_id: str
    action: str
    taken_by: str


# -- menu 菜谱 -----------------------------------------------------------------------------------


class MenuMeal(Value):
    served_on: date
    meal: Meal
    dishes: list[str]


@event("canteen.MenuPlanned")
class MenuPlanned(DomainEvent):
    """A campus's menu for a week (a later one replaces it whole)."""

    menu_id: str  # <campus>-<YYYY-MM-DD of the Monday>
    campus_id: str
    week_of: date
    meals: list[MenuMeal]
    planned_by: str


@event("canteen.MenuPublished")
class MenuPublished(DomainEvent):
    menu_id: str
    campus_id: str
    published_by: str


# -- serving audits 打菜均匀 and violations ------------------------------------------------------


class ServerPortions(Value):
    server_id: str
    grams: list[int]  # the portions weighed


class ServerResult(Value):
    server_id: str
    mean_grams: int
    spread_permille: int  # (heaviest - lightest) / target
    within_tolerance: bool


@event("canteen.ServingAuditRecorded")
class ServingAuditRecorded(DomainEvent):
    audit_id: str
    campus_id: str
    served_on: date
    meal: Meal
    dish: str
    target_grams: int
    tolerance_permille: int
    portions: list[ServerPortions]
    results: list[ServerResult]
    auditor_id: str


@event("canteen.ViolationObserved")
class ViolationObserved(DomainEvent):
    """A canteen worker broke a rule of the school (seen on patrol, on camera, ...)."""

    sensitive = Sensitive(("description", "evidence_refs"), readers=EVIDENCE_READERS)

    violation_id: str
    campus_id: str
    staff_id: str
    rule_code: str  # the rule book's code the deduction is proposed under
    description: str
    place: str
    evidence_refs: list[str]
    observed_by: str


@event("canteen.ViolationWithdrawn")
class ViolationWithdrawn(DomainEvent):
    violation_id: str
    reason: str
    withdrawn_by: str


@event("canteen.AppraisalItemProposed")
class AppraisalItemProposed(AppraisalItemProposal):
    """A violation or a server's uneven portions, proposed as a deduction in the worker's
    monthly appraisal (the staff appraisal's contract), where an appraiser confirms or dismisses it."""

    sensitive = Sensitive(("place", "note", "evidence_refs"), readers=EVIDENCE_READERS)


# -- the serving-skill contest 打菜技能评比 -----------------------------------------------------


class ContestCriterion(Value):
    code: str
    name: str  # e.g. 均匀度, 速度, 卫生规范
    max_score: int


@event("canteen.ServingContestAnnounced")
class ServingContestAnnounced(DomainEvent):
    contest_id: str
    school_id: str
    campus_id: str
    name: str
    held_on: date
    criteria: list[ContestCriterion]
    judges: list[str]  # staff ids
    entrants: list[str]  # canteen workers' staff ids
    announced_by: str


@event("canteen.ServingContestScored")
class ServingContestScored(DomainEvent):
    contest_id: str
    judge: str
    entrant: str
    scores: dict[str, int]  # criterion code -> score
    recorded_by: str


class ContestPrize(Value):
    entrant: str  # staff id
    prize: str  # the staff appraisal's Prize: first, second, third, excellence, special
    title: str  # e.g. 打菜技能评比 一等奖
    bonus_rule_code: str | None = None


@event("canteen.ServingContestConcluded")
class ServingContestConcluded(DomainEvent):
    contest_id: str
    ranking: list[str]  # staff ids, best first
    prizes: list[ContestPrize]
    concluded_by: str


@event("canteen.ContestResultsPublished")
class ContestResultsPublished(ContestResults):
    """The contest's score sheets and prizes, for the staff appraisal (its contract): kept there
    as a contest of kind ``skill`` with its awards."""


# -- self-inspection 自查 ------------------------------------------------------------------------


class CheckResult(Value):
    item: str  # e.g. 防蝇设施, 燃气软管
    area: str  # e.g. 粗加工间
    ok: bool
    note: str = ""
    hazard: bool = False  # a finding that is a hazard: reported to safety
    severity: Severity | None = None


@event("canteen.SelfInspectionRecorded")
class SelfInspectionRecorded(DomainEvent):
    inspection_id: str
    campus_id: str
    cadence: Cadence
    results: list[CheckResult]
    inspected_by: str


@event("canteen.HazardFound")
class HazardFound(HazardRaised):
    """A self-inspection finding that is a hazard (safety's contract): safety reports it once."""


# -- satisfaction survey 满意度调查 ---------------------------------------------------------------


class SurveyQuestion(Value):
    code: str
    text: str


class QuestionCount(Value):
    code: str
    satisfied: int
    neutral: int
    dissatisfied: int


@event("canteen.SurveyOpened")
class SurveyOpened(DomainEvent):
    survey_id: str
    school_id: str
    campus_id: str | None
    term_id: str
    audience: Audience
    title: str
    questions: list[SurveyQuestion]
    opened_by: str


@event("canteen.SurveyAnswersCounted")
class SurveyAnswersCounted(DomainEvent):
    """A batch of answers counted (paper forms, an online form's export)."""

    survey_id: str
    respondents: int
    counts: list[QuestionCount]
    counted_by: str


@event("canteen.SurveyClosed")
class SurveyClosed(DomainEvent):
    survey_id: str
    respondents: int
    satisfaction_permille: int  # satisfied answers over all answers
    summary: str
    closed_by: str
