"""The safety service's events: the contract published on ``houqin.safety.events``.

Wire names are stable (``safety.HazardReported``); a change of shape is a new
schema version with an upcaster. Every event's envelope carries the tenant path.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid5

from pydantic import BaseModel, ConfigDict, Field

from services.eventkit.auth import Role
from services.eventkit.envelope import DomainEvent, Envelope, EventRegistry, Value
from services.eventkit.redaction import Sensitive
from services.hr_eval.events import EVIDENCE_READERS, AppraisalItemProposal

SAFETY_EVENTS = EventRegistry()
event = SAFETY_EVENTS.register


def _acted_when_recorded(name: str, field: str) -> None:
    """Version 2 of ``name`` carries its act's time in ``field``: a version 1 payload, stored
    before the act was dated apart from its arrival, took place at its envelope's time."""

    @SAFETY_EVENTS.upcaster_with_envelope(name, from_version=1)
    def v1(data: dict[str, Any], envelope: Envelope) -> dict[str, Any]:
        return data | {field: envelope.occurred_at.isoformat()}


# Who reads what the events below withhold from everyone else wherever an event is shown or
# kept outside the service's own reads (the live event stream, dead letters, error logs):
# a student's health, the medical room; an injury's details, the campus's safety managers,
# the vice principals and the medical room (services/safety/common.py: INJURY_READERS).
HEALTH = (Role.MEDICAL,)
INJURY = (Role.LOGISTICS_MANAGER, Role.DISTRICT_ADMIN, Role.VICE_PRINCIPAL, Role.MEDICAL, Role.PLATFORM_ADMIN)


# -- vocabularies ------------------------------------------------------------------------


class PartyKind(StrEnum):
    STAFF = "staff"
    PARENT = "parent"


class InspectionKind(StrEnum):
    DAILY_PATROL = "daily_patrol"  # 日巡视
    MONTHLY_CHECK = "monthly_check"  # 月检查
    SPECIAL_CHECK = "special_check"  # 专项问题集中检查
    FIRE = "fire"  # 消防检查


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


# Days a hazard of each severity may stay open before it breaches its SLA.
HAZARD_SLA_DAYS: dict[Severity, int] = {Severity.CRITICAL: 1, Severity.HIGH: 3, Severity.MEDIUM: 7, Severity.LOW: 30}


class BusItem(StrEnum):
    """The "six fixed" (六定) of a school bus."""

    VEHICLE = "vehicle"
    DRIVER = "driver"
    ROUTE = "route"
    STOPS = "stops"
    TIMES = "times"
    ESCORT = "escort"


class RoutePoint(StrEnum):
    SIGNS = "signs"  # 标识
    WARNING_BOARDS = "warning_boards"  # 警示标牌
    GUARDRAILS = "guardrails"  # 隔离护栏
    SPEED_HUMPS = "speed_humps"  # 减速设施


class DrillKind(StrEnum):
    EPIDEMIC = "epidemic"  # 新冠疫情
    INFECTIOUS_DISEASE = "infectious_disease"  # 传染病
    FOOD_POISONING = "food_poisoning"  # 群体性食物中毒
    FIRE = "fire"  # 119 消防
    SCHOOL_BUS = "school_bus"  # 校车安全
    GAS_LEAK = "gas_leak"  # 燃气泄漏
    OTHER = "other"


class InjurySetting(StrEnum):
    PE = "pe"  # 体育课
    BREAK = "break"  # 课间
    ACTIVITY = "activity"  # 活动
    OTHER = "other"


class BreakPeriod(StrEnum):
    """The breaks of a school day a floor is watched at (楼层值日)."""

    MORNING_BREAK = "morning_break"  # 上午课间 / 大课间
    LUNCH_BREAK = "lunch_break"  # 午间
    AFTERNOON_BREAK = "afternoon_break"  # 下午课间
    ACTIVITY_TIME = "activity_time"  # 活动时间


class SessionResult(StrEnum):
    GOOD = "good"
    NEEDS_IMPROVEMENT = "needs_improvement"


# -- responsibility agreements 安全责任书 ----------------------------------------------------


@event("safety.AgreementCampaignLaunched")
class AgreementCampaignLaunched(DomainEvent):
    campaign_id: str
    campus_id: str
    term_id: str
    title: str
    document_ref: str
    parties: list[PartyKind]


class IssuedAgreement(Value):
    party_kind: PartyKind
    party_id: str
    name: str = ""
    class_id: str | None = None  # for a parent: the child's class


@event("safety.AgreementsIssued", version=2)
class AgreementsIssued(DomainEvent):
    campaign_id: str
    agreements: list[IssuedAgreement]
    issued_at: datetime


_acted_when_recorded("safety.AgreementsIssued", "issued_at")


@event("safety.AgreementSigned")
class AgreementSigned(DomainEvent):
    campaign_id: str
    party_id: str
    signed_by: str
    signed_at: datetime
    on_paper: bool = False  # recorded by staff from a paper copy


@event("safety.AgreementRefused")
class AgreementRefused(DomainEvent):
    campaign_id: str
    party_id: str
    reason: str


# -- health records 一人一档 -----------------------------------------------------------------


@event("safety.HealthRecordOpened")
class HealthRecordOpened(DomainEvent):
    sensitive = Sensitive(("form_ref",), readers=HEALTH)

    student_id: str
    class_id: str
    admission: str  # new | transfer
    opened_on: date
    form_ref: str = ""


@event("safety.HealthRecordReviewed")
class HealthRecordReviewed(DomainEvent):
    sensitive = Sensitive(("notes",), readers=HEALTH)

    student_id: str
    reviewed_by: str
    reviewed_on: date
    notes: str = ""


@event("safety.SpecialConditionRecorded", version=2)
class SpecialConditionRecorded(DomainEvent):
    sensitive = Sensitive(("description", "care_instructions"), readers=HEALTH)

    student_id: str
    class_id: str
    condition_id: str
    description: str
    care_instructions: str
    teachers_to_tell: list[str] = Field(default_factory=list)
    filed_at: datetime  # when the medical room filed it


_acted_when_recorded("safety.SpecialConditionRecorded", "filed_at")


@event("safety.SpecialConditionAcknowledged")
class SpecialConditionAcknowledged(DomainEvent):
    student_id: str
    condition_id: str
    teacher_id: str
    acknowledged_at: datetime


# -- inspections 巡视与检查 -------------------------------------------------------------------


@event("safety.InspectionScheduleSet")
class InspectionScheduleSet(DomainEvent):
    campus_id: str
    kind: InspectionKind
    every_days: int | None  # None: no fixed rhythm (special checks)


@event("safety.InspectionStarted")
class InspectionStarted(DomainEvent):
    inspection_id: str
    campus_id: str
    kind: InspectionKind
    areas: list[str]
    checklist: list[str]
    inspector_id: str
    started_at: datetime


@event("safety.InspectionFindingRecorded")
class InspectionFindingRecorded(DomainEvent):
    inspection_id: str
    item: str
    area: str
    ok: bool
    note: str = ""
    hazard_id: str | None = None  # the hazard this finding raised
    responsible_staff_id: str | None = None  # the worker the finding is put down to


@event("safety.AppraisalItemProposed")
class AppraisalItemProposed(AppraisalItemProposal):
    """A finding names the worker responsible for it: proposed for their month's appraisal
    (the staff appraisal service's contract), where an appraiser confirms or dismisses it."""

    sensitive = Sensitive(("place", "note", "evidence_refs"), readers=EVIDENCE_READERS)


@event("safety.InspectionSignedOff")
class InspectionSignedOff(DomainEvent):
    inspection_id: str
    director_id: str
    signed_at: datetime


@event("safety.InspectionCompleted")
class InspectionCompleted(DomainEvent):
    inspection_id: str
    campus_id: str
    kind: InspectionKind
    completed_at: datetime
    findings: int
    problems: int
    summary: str = ""


# -- hazards 安全隐患 ------------------------------------------------------------------------


class HazardRaised(DomainEvent):
    """The contract another service raises to report a hazard it found (e.g. the canteen's
    ``canteen.HazardFound`` for a broken fly screen found in a self-inspection), registered in
    its own registry. Safety reports each once as a hazard of the campus (its id made from the
    raising event's id, however often the event is delivered), dated when it was found."""

    campus_id: str
    area: str
    description: str
    severity: Severity
    found_at: datetime
    source_ref: str  # the raising record (a self-inspection's id)
    raised_by: str  # who found it
    photo_ref: str | None = None


RAISED_HAZARDS = UUID("cb37a2b5-1ad5-43b7-9dcb-b25013eb28ee")
"""The namespace of the ids of hazards other services raise."""


def hazard_id_of_raising(event_id: UUID | str) -> str:
    """The one hazard a :class:`HazardRaised` event reports (``h-`` and 20 hex digits made from
    the event's id): the raising service can name it, and a second delivery finds it there."""
    return f"h-{uuid5(RAISED_HAZARDS, str(UUID(str(event_id)))).hex[:20]}"


@event("safety.HazardReported")
class HazardReported(DomainEvent):
    hazard_id: str
    campus_id: str
    area: str
    description: str
    severity: Severity
    photo_ref: str | None = None
    reported_by: str
    reported_at: datetime
    inspection_id: str | None = None
    camera_area_id: str | None = None  # the camera area it is in, when the reporter named one


@event("safety.HazardAssignedInHouse")
class HazardAssignedInHouse(DomainEvent):
    """Asks for an in-house repair: the inventory service opens a repair request from it."""

    hazard_id: str
    campus_id: str
    area: str
    description: str
    severity: Severity
    assignee_id: str
    assigned_by: str
    assigned_at: datetime
    due_on: date | None = None


@event("safety.HazardEscalated")
class HazardEscalated(DomainEvent):
    hazard_id: str
    authority: str  # the outside authority told (上级部门, a contractor, ...)
    escalated_by: str
    escalated_at: datetime
    reference: str = ""


@event("safety.HazardRectified")
class HazardRectified(DomainEvent):
    """The fix is done. ``rectified_by`` is who fixed it: whoever recorded it, or, for a hazard
    rectified by its verified in-house repair (``repair_id``), the repair's doer (the record is
    then the system's); ``fixed_by`` names the others who did the repair. None of them verifies it."""

    hazard_id: str
    rectified_by: str
    rectified_at: datetime
    note: str = ""
    repair_id: str | None = None  # the inventory's verified repair that rectified it
    fixed_by: list[str] = Field(default_factory=list)


@event("safety.HazardClosed")
class HazardClosed(DomainEvent):
    hazard_id: str
    verified_by: str
    closed_at: datetime
    note: str = ""


@event("safety.HazardReopened")
class HazardReopened(DomainEvent):
    hazard_id: str
    verified_by: str
    reopened_at: datetime
    reason: str


# -- school buses 一车一档 -------------------------------------------------------------------


class BusFile(Value):
    """The six fixed items."""

    vehicle: str  # plate and model
    driver: str
    route: str
    stops: list[str]
    times: str  # e.g. "07:10-07:50, 16:00-16:40"
    escort: str


@event("safety.BusRegistered")
class BusRegistered(DomainEvent):
    bus_id: str
    campus_id: str
    file: BusFile
    registered_on: date


@event("safety.BusItemChanged")
class BusItemChanged(DomainEvent):
    bus_id: str
    item: BusItem
    value: str | list[str]
    reason: str
    effective_on: date


class RoutePointResult(Value):
    point: RoutePoint
    ok: bool
    note: str = ""


@event("safety.BusRouteChecked")
class BusRouteChecked(DomainEvent):
    bus_id: str
    check_id: str
    checked_on: date
    checked_by: str
    results: list[RoutePointResult]


@event("safety.BusViolationRecorded")
class BusViolationRecorded(DomainEvent):
    bus_id: str
    violation_id: str
    occurred_on: date
    description: str


@event("safety.BusViolationRectified")
class BusViolationRectified(DomainEvent):
    bus_id: str
    violation_id: str
    rectified_on: date
    measures: str


# -- drills 演练 ----------------------------------------------------------------------------


@event("safety.DrillPlanned", version=2)
class DrillPlanned(DomainEvent):
    drill_id: str
    campus_id: str
    kind: DrillKind
    title: str
    planned_on: date  # the day the drill is planned for
    plan_ref: str
    planned_at: datetime  # when the plan was made


_acted_when_recorded("safety.DrillPlanned", "planned_at")


@event("safety.DrillConducted")
class DrillConducted(DomainEvent):
    drill_id: str
    campus_id: str
    kind: DrillKind
    conducted_on: date
    participants: int
    evacuation_seconds: int | None = None
    record_ref: str = ""


@event("safety.DrillSummarised")
class DrillSummarised(DomainEvent):
    drill_id: str
    summary: str
    report_ref: str = ""  # the write-up published afterwards (报道)


# -- safety education 安全教育 ---------------------------------------------------------------


@event("safety.SafetySessionPlanned", version=2)
class SafetySessionPlanned(DomainEvent):
    session_id: str
    class_id: str
    campus_id: str
    week_of: date
    theme: str
    teacher_id: str
    lesson_prep_ref: str
    planned_at: datetime  # when the session was planned (week_of: the Friday it is for)


_acted_when_recorded("safety.SafetySessionPlanned", "planned_at")


@event("safety.SafetySessionDelivered")
class SafetySessionDelivered(DomainEvent):
    session_id: str
    delivered_on: date


@event("safety.SafetySessionChecked")
class SafetySessionChecked(DomainEvent):
    session_id: str
    checked_by: str
    result: SessionResult
    note: str = ""


@event("safety.FlagCeremonyHeld")
class FlagCeremonyHeld(DomainEvent):
    ceremony_id: str
    campus_id: str
    held_on: date
    theme: str
    speaker: str = ""


@event("safety.SafetyCampaignLaunched")
class SafetyCampaignLaunched(DomainEvent):
    campaign_id: str
    campus_id: str
    title: str  # e.g. 交通安全日 "六个一"
    activities: list[str]
    starts_on: date


@event("safety.SafetyCampaignActivityDone")
class SafetyCampaignActivityDone(DomainEvent):
    campaign_id: str
    activity: str
    done_on: date
    note: str = ""


@event("safety.SafetyCampaignSummarised")
class SafetyCampaignSummarised(DomainEvent):
    campaign_id: str
    summary: str


# -- injuries 学生受伤事故 -------------------------------------------------------------------


@event("safety.InjuryReported")
class InjuryReported(DomainEvent):
    sensitive = Sensitive(("injury", "first_aid"), readers=INJURY)

    injury_id: str
    campus_id: str
    student_id: str
    class_id: str
    setting: InjurySetting
    occurred_at: datetime
    injury: str
    first_aid: str
    reported_by: str
    building: str | None = None  # where it happened, if known (floor duty: who was on duty there)
    floor: int | None = None
    break_period: BreakPeriod | None = None  # which break or activity time
    camera_area_id: str | None = None  # the camera area it happened in, when the reporter named one


@event("safety.InjuryParentNotified")
class InjuryParentNotified(DomainEvent):
    sensitive = Sensitive(("how",), readers=INJURY)

    injury_id: str
    notified_at: datetime
    how: str  # phone, in person, ...
    notified_by: str


@event("safety.InjuryFollowedUp")
class InjuryFollowedUp(DomainEvent):
    sensitive = Sensitive(("note",), readers=INJURY)

    injury_id: str
    on: date
    note: str
    by: str


@event("safety.InjuryClosed")
class InjuryClosed(DomainEvent):
    sensitive = Sensitive(("cause", "measures"), readers=INJURY)

    injury_id: str
    closed_on: date
    cause: str
    measures: str


# -- verified repairs of hazards (inventory) ----------------------------------------------


class RepairOfHazardVerified(BaseModel):
    """The contract safety reads of the inventory's ``inventory.RepairVerified`` (by wire name
    and payload alone; fields it does not need are ignored): a verified repair that fixes a
    hazard (``hazard_id`` set) rectifies that hazard, once, named after who did the repair
    (``done_by``, and ``assignee_id``), who therefore do not verify the hazard. The hazard's
    own verification stays with safety's managers. A verification without ``hazard_id`` (a
    repair reported by hand, or one recorded before these fields were carried) rectifies nothing."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    repair_id: str
    verified_by: str
    verified_at: datetime
    hazard_id: str | None = None
    campus_id: str | None = None
    done_by: str | None = None
    done_at: datetime | None = None
    assignee_id: str | None = None
    note: str = ""


# -- student watches 重点关注学生 ------------------------------------------------------------
# A student whose behaviour could endanger others: watched by the safety office with the class
# teacher. Who reads a watch: the safety managers, the principal, the class's teachers (the
# reads check the class); elsewhere (the live event stream, dead letters) its words are the
# managers' and the principal's only.
WATCH = (Role.LOGISTICS_MANAGER, Role.DISTRICT_ADMIN, Role.PRINCIPAL)


class WatchPlanKind(StrEnum):
    PARENT_CONTACT = "parent_contact"  # 与家长沟通
    ACCOMPANIED_STUDY = "accompanied_study"  # 陪学
    SUBJECT_TEACHERS = "subject_teachers"  # 借助任课教师的力量
    MORAL_EDUCATION = "moral_education"  # 品德教育
    OTHER = "other"


class WatchOutcome(StrEnum):
    IMPROVED = "improved"
    UNCHANGED = "unchanged"
    WORSE = "worse"


class WatchPlanItem(Value):
    kind: WatchPlanKind
    who: str  # who carries it out (a teacher's staff id, a parent)
    what: str


@event("safety.StudentWatchOpened")
class StudentWatchOpened(DomainEvent):
    sensitive = Sensitive(("reason",), readers=WATCH)

    watch_id: str
    student_id: str
    class_id: str
    class_teacher_id: str
    reason: str
    opened_on: date
    opened_by: str


@event("safety.StudentWatchPlanSet")
class StudentWatchPlanSet(DomainEvent):
    sensitive = Sensitive(("items",), readers=WATCH)

    watch_id: str
    items: list[WatchPlanItem]
    set_on: date
    set_by: str


@event("safety.StudentWatchNoted")
class StudentWatchNoted(DomainEvent):
    sensitive = Sensitive(("note",), readers=WATCH)

    watch_id: str
    noted_at: datetime
    note: str
    noted_by: str


@event("safety.StudentWatchReviewed")
class StudentWatchReviewed(DomainEvent):
    sensitive = Sensitive(("note",), readers=WATCH)

    watch_id: str
    reviewed_on: date
    outcome: WatchOutcome
    note: str
    reviewed_by: str


@event("safety.StudentWatchClosed")
class StudentWatchClosed(DomainEvent):
    sensitive = Sensitive(("note",), readers=WATCH)

    watch_id: str
    closed_on: date
    note: str
    closed_by: str


# -- floor duty 楼层值日 -----------------------------------------------------------------------


class DutySlot(Value):
    building: str
    floor: int
    break_period: BreakPeriod
    weekdays: list[int]  # ISO weekdays, 1 = Monday
    teacher_id: str


@event("safety.FloorDutyRosterSet")
class FloorDutyRosterSet(DomainEvent):
    """The roster of a campus's term, in force from ``effective_from`` until the next one."""

    roster_id: str
    campus_id: str
    term_id: str
    effective_from: date
    slots: list[DutySlot]
    set_by: str
    note: str = ""


class CheckInStatus(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    MISSED = "missed"


@event("safety.FloorDutyCheckedIn")
class FloorDutyCheckedIn(DomainEvent):
    """One duty turn (a floor, a break, a day): whether its teacher was there, and when."""

    turn_id: str
    campus_id: str
    day: date
    building: str
    floor: int
    break_period: BreakPeriod
    teacher_id: str  # the teacher on the roster for the turn
    status: CheckInStatus
    arrived_at: datetime | None
    recorded_by: str
    note: str = ""


# -- camera coverage 校园监控 ----------------------------------------------------------------


@event("safety.CameraAreaMapped")
class CameraAreaMapped(DomainEvent):
    """An area of a campus (a place of a building, or of the grounds) whose camera coverage is kept."""

    area_id: str
    campus_id: str
    building: str  # 教学楼, 综合楼, 操场 ...
    place: str  # 二楼东走廊, 楼梯, 跑道 ...
    mapped_on: date


@event("safety.CameraInstalled")
class CameraInstalled(DomainEvent):
    area_id: str
    camera_id: str
    on: date
    note: str = ""


@event("safety.CameraRemoved")
class CameraRemoved(DomainEvent):
    area_id: str
    camera_id: str
    on: date
    note: str = ""


@event("safety.CameraOutOfOrder")
class CameraOutOfOrder(DomainEvent):
    area_id: str
    camera_id: str
    on: date
    note: str = ""


@event("safety.CameraRepaired")
class CameraRepaired(DomainEvent):
    area_id: str
    camera_id: str
    on: date
    note: str = ""


# -- parent communications for safety education 家校安全宣传 -----------------------------------


class CommunicationKind(StrEnum):
    LETTER = "letter"  # 告家长书
    EXPERT_TALK = "expert_talk"  # 专家讲座
    WECHAT_POST = "wechat_post"  # 微信推送
    PARENT_MEETING = "parent_meeting"  # 家长会
    OTHER = "other"


class SafetyTheme(StrEnum):
    DROWNING = "drowning"  # 防溺水
    BULLYING = "bullying"  # 防校园欺凌
    FIRE = "fire"  # 消防
    MENTAL_HEALTH = "mental_health"  # 心理健康
    TRAFFIC = "traffic"  # 交通安全
    SCHOOL_BUS = "school_bus"  # 校车安全
    FOOD_SAFETY = "food_safety"  # 食品安全
    EPIDEMIC = "epidemic"  # 疫情防控, 传染病
    GAS = "gas"  # 燃气安全
    OTHER = "other"


class AudienceScope(StrEnum):
    CAMPUS = "campus"  # every family of the campus
    GRADES = "grades"  # the families of some grades
    CLASSES = "classes"  # the families of some classes


class Audience(Value):
    scope: AudienceScope
    grades: list[int] = Field(default_factory=list)
    class_ids: list[str] = Field(default_factory=list)


@event("safety.ParentCommunicationRecorded")
class ParentCommunicationRecorded(DomainEvent):
    communication_id: str
    campus_id: str
    term_id: str
    kind: CommunicationKind
    themes: list[SafetyTheme]
    sent_on: date  # the day it went out (a letter, a post) or was held (a talk)
    audience: Audience
    title: str
    reference: str  # the letter's file, the post's link, the talk's record
    speaker: str = ""
    reached: int = 0  # families (or people, for a talk) reached
    acknowledged: int = 0  # of them, who acknowledged (a signed receipt, a read confirmation)


@event("safety.ParentCommunicationReachCounted")
class ParentCommunicationReachCounted(DomainEvent):
    communication_id: str
    reached: int
    acknowledged: int
    counted_on: date
