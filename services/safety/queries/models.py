"""What the safety service's reads answer: the OpenAPI of each read route names its model here
(the columns of the queries beside it, with their types and which may be null, and what the
read adds to them)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from services.eventkit.queries import Row


class Tenant(Row):
    district_id: str | None
    school_id: str | None
    campus_id: str


class Inspection(Tenant):
    inspection_id: str
    kind: str
    inspector_id: str
    started_at: datetime
    areas: list[str]
    checklist: list[str]
    findings: int
    problems: int
    sign_offs: list[str]
    completed_at: datetime | None
    summary: str | None


class Hazard(Tenant):
    hazard_id: str
    area: str
    description: str
    severity: str
    status: str
    photo_ref: str | None
    reported_by: str
    reported_at: datetime
    inspection_id: str | None
    assignee_id: str | None
    escalated: bool
    authority: str | None
    escalated_at: datetime | None
    rectified_by: str | None
    rectified_at: datetime | None
    closed_at: datetime | None
    verified_by: str | None
    reopened: int
    as_of: date | None = Field(description="The day the figures relative to now are computed for")
    open: bool | None
    age_days: float | None
    breaches_sla: bool | None


class SigningCounts(Row):
    issued: int
    signed: int
    refused: int
    unsigned: int
    signing_rate: float | None = Field(description="signed / issued, or null when none was issued")


class ClassSigning(SigningCounts):
    class_id: str | None
    class_name: str | None


class CampaignSigning(Tenant, SigningCounts):
    """An agreement campaign's signing rate, for staff and per class."""

    campaign_id: str
    term_id: str
    title: str
    staff: SigningCounts
    classes: list[ClassSigning]


class SpecialCondition(Row):
    condition_id: str
    class_id: str
    description: str
    care_instructions: str
    teachers_to_tell: list[str]
    pending: list[str]
    recorded_by: str | None
    recorded_at: datetime
    acknowledged_by: list[str]


class HealthRecordSummary(Row):
    student_id: str
    student_name: str | None
    class_id: str
    campus_id: str
    school_id: str | None
    district_id: str | None
    at_school: bool
    admission: str
    opened_on: date
    form_ref: str
    opened_by: str | None
    reviews: int
    reviewed_by: str | None
    reviewed_on: date | None
    review_notes: str | None
    special_conditions: int


class HealthRecord(HealthRecordSummary):
    """A health record with its special conditions."""

    conditions: list[SpecialCondition]


class RouteCheckSummary(Row):
    check_id: str
    checked_on: date
    checked_by: str
    all_ok: bool
    failed: list[str]


class OpenViolation(Row):
    violation_id: str
    occurred_on: date
    description: str


class Compliance(Row):
    as_of: date
    compliant: bool
    reasons: list[str]
    missing_items: list[str]
    last_route_check: RouteCheckSummary | None
    open_violations: list[OpenViolation]
    items_in_force: dict[str, Any] = Field(
        default_factory=dict, description="The six items in force on the day judged (as registered, or as changed)"
    )


class ItemChange(Row):
    item: str
    value: Any
    reason: str
    effective_on: date


class RouteCheck(RouteCheckSummary):
    results: Any


class Violation(OpenViolation):
    rectified_on: date | None
    measures: str | None


class Bus(Tenant):
    bus_id: str
    vehicle: str
    driver: str
    route: str
    stops: list[str]
    times: str
    escort: str
    registered_on: date
    changes: int
    compliance: Compliance


class BusFile(Bus):
    """A bus with its item changes, route checks and violations."""

    item_changes: list[ItemChange]
    route_checks: list[RouteCheck]
    violations: list[Violation]


class Drill(Tenant):
    drill_id: str
    kind: str
    title: str
    planned_on: date
    conducted_on: date | None
    participants: int | None
    evacuation_seconds: int | None
    summarised: bool
    status: str


class MonthCoverage(Row):
    month: str = Field(description="YYYY-MM")
    by_kind: dict[str, int]
    kinds: list[str]
    total: int


class DrillCoverage(Row):
    """Drills conducted on a campus per month and kind over a range."""

    campus_id: str
    from_: date = Field(alias="from")
    to: date
    as_of: date
    months: list[MonthCoverage]
    by_kind: dict[str, int]
    total: int
    kinds_covered: list[str]
    kinds_missing: list[str]
    months_without_drill: list[str]


class SafetySession(Tenant):
    session_id: str
    class_id: str
    week_of: date
    theme: str
    teacher_id: str
    lesson_prep_ref: str
    status: str
    delivered_on: date | None
    delivered_by: str | None
    checked_by: str | None
    result: str | None
    note: str | None


class CampaignActivity(Row):
    activity: str
    done_on: date | None
    note: str | None


class SafetyCampaign(Tenant):
    campaign_id: str
    title: str
    starts_on: date
    activities: int
    done: int
    summary: str | None
    summarised: bool
    activity_list: list[CampaignActivity]


class InjurySummary(Row):
    """Injuries counted by setting over a range."""

    campus_id: str | None
    from_: date | None = Field(alias="from")
    to: date | None
    total: int
    by_setting: dict[str, int]
    in_pe: int
    at_breaks_or_activities: int
    open: int
    closed: int
    parent_not_told: int


class FollowUpNote(Row):
    on: date
    note: str
    by: str


class Injury(Tenant):
    """An injury; its details (what happened, first aid, cause, measures, how the parents were
    told, the follow-up notes) are null and empty when ``details_withheld``."""

    injury_id: str
    student_id: str
    class_id: str
    setting: str
    occurred_at: datetime
    occurred_on: date
    injury: str | None
    first_aid: str | None
    reported_by: str
    status: str
    parent_notified_at: datetime | None
    notified_how: str | None
    notified_by: str | None
    follow_ups: int
    last_follow_up_on: date | None
    closed_on: date | None
    cause: str | None
    measures: str | None
    building: str | None = Field(default=None, description="The building it happened in, if the report names it")
    floor: int | None = Field(default=None, description="The floor it happened on, if the report names it")
    break_period: str | None = Field(
        default=None, description="The break or activity time it happened at (the floor duty of that break)"
    )
    camera_area_id: str | None = Field(
        default=None,
        description="The camera area the report places it in; without one, /camera-areas/incidents counts it "
        "as not placed",
    )
    details_withheld: bool


class InjuryFile(Injury):
    follow_up_notes: list[FollowUpNote]


class InspectionDue(Row):
    kind: str
    every_days: int | None = Field(description="The rhythm of this kind of inspection on the campus (days)")
    last_completed_at: datetime | None
    next_due: datetime | None
    overdue: bool
    completed: int
    in_progress: int


class HazardCounts(Row):
    open: int
    open_by_severity: dict[str, int]
    escalated_open: int
    escalated_total: int
    closed: int
    breaching_sla: int
    oldest_open_days: float | None


class DrillMonth(Row):
    month: date
    by_kind: dict[str, int]
    total: int


class CampaignRate(Row):
    campaign_id: str
    title: str
    term_id: str
    issued: int
    signed: int
    refused: int
    signing_rate: float | None


class CampusStatus(Row):
    """A campus's inspections due and overdue, open hazards, the month's drills and its agreement campaigns."""

    campus_id: str
    school_id: str | None
    district_id: str | None
    name: str
    inspections: list[InspectionDue]
    hazards: HazardCounts
    drills: DrillMonth
    agreements: list[CampaignRate]
    as_of: date


class AgreementCampaign(Tenant, SigningCounts):
    campaign_id: str
    term_id: str
    title: str


class UnsignedParty(Row):
    """Someone who has not signed a campaign's agreement yet, with a parent's phone (for reminders)."""

    campaign_id: str
    party_id: str
    party_kind: str
    name: str
    class_id: str | None
    status: str
    phone: str | None


class UnacknowledgedCondition(Row):
    condition_key: str
    student_id: str
    student_name: str | None
    condition_id: str
    class_id: str
    district_id: str | None
    school_id: str | None
    campus_id: str
    description: str
    care_instructions: str
    teachers_to_tell: list[str]
    pending: list[str]
    recorded_at: datetime


class FlagCeremony(Tenant):
    ceremony_id: str
    held_on: date
    month: str | None
    theme: str
    speaker: str
    held_by: str | None


# -- student watches and floor duty -------------------------------------------------------


class WatchPlanItemRow(Row):
    kind: str
    who: str
    what: str


class StudentWatch(Tenant):
    """A watch on a student at risk: the safety office, the principal and the class's teachers only."""

    watch_id: str
    student_id: str
    student_name: str | None
    class_id: str
    class_teacher_id: str
    reason: str
    opened_on: date
    opened_by: str
    status: str = Field(description="open, reviewed or closed")
    plan: list[WatchPlanItemRow] = Field(description="The plan in force: who does what")
    plan_set_on: date | None
    plans: int = Field(description="How many times the plan was set")
    notes: int
    last_note_at: datetime | None
    reviews: int
    last_review_on: date | None
    last_outcome: str | None
    closed_on: date | None
    closing_note: str | None


class WatchNote(Row):
    noted_at: datetime
    note: str
    noted_by: str


class WatchReview(Row):
    reviewed_on: date
    outcome: str
    note: str
    reviewed_by: str


class StudentWatchFile(StudentWatch):
    notes_list: list[WatchNote]
    reviews_list: list[WatchReview]


class DutySlotRow(Tenant):
    slot_key: str
    roster_id: str
    term_id: str
    effective_from: date = Field(description="The first day of the roster version this slot belongs to")
    building: str
    floor: int
    break_period: str
    weekdays: list[int] = Field(description="ISO weekdays of the turn (1: Monday)")
    teacher_id: str
    teacher_name: str | None


class DutyCheckIn(Tenant):
    turn_id: str
    day: date
    building: str
    floor: int
    break_period: str
    teacher_id: str
    status: str = Field(description="on_time, late or missed")
    arrived_at: datetime | None
    recorded_by: str
    note: str


class InjuryDuty(Tenant):
    """An injury at a break or an activity, and the floor duty of its place and time."""

    injury_id: str
    student_id: str
    class_id: str
    setting: str
    occurred_at: datetime
    occurred_on: date
    building: str | None
    floor: int | None
    break_period: str | None
    on_duty_id: str | None = Field(description="The teacher on duty there then, by the roster in force")
    on_duty_name: str | None
    check_in: str | None = Field(description="Their turn's check-in: on_time, late, missed, or null")
    arrived_at: datetime | None
    checked_by: str | None
    duty: str = Field(
        description="on_time, late, missed, not_checked_in, nobody_on_duty, or place_unknown (no building, "
        "floor or break on the injury)"
    )


class InjuryDutySummary(Row):
    """Injuries, and those at breaks or activities by the floor duty of their place and time."""

    campus_id: str | None
    from_: date | None = Field(alias="from")
    to: date | None
    injuries: int = Field(description="Injuries of every setting (PE included)")
    at_breaks_or_activities: int
    by_duty: dict[str, int]
    duty_on_time: int
    duty_late: int
    duty_missing: int = Field(description="Missed, not checked in, or nobody on duty")
    duty_late_or_missing: int
    place_unknown: int


# -- camera coverage ---------------------------------------------------------------------


class CameraOnDay(Row):
    camera_id: str
    status: str = Field(description="working, out_of_order or removed, on the day asked")
    since: date = Field(description="The day of its change that put it so")


class CameraArea(Tenant):
    area_id: str
    building: str
    place: str
    mapped_on: date
    as_of: date = Field(description="The day the coverage is read for")
    covered: bool = Field(description="At least one of its cameras works that day")
    working_cameras: int
    cameras: list[CameraOnDay]


class CameraChange(Row):
    camera_id: str
    change: str = Field(description="installed, removed, out_of_order or repaired")
    on: date
    note: str


class CameraAreaFile(CameraArea):
    changes: list[CameraChange] = Field(description="Every change of its cameras, in order")


class IncidentPlace(Row):
    kind: str = Field(description="injury or hazard")
    incident_id: str
    campus_id: str
    occurred_on: date
    area_id: str | None = Field(description="The camera area it was placed in (null: not placed)")
    placed_by: str | None = Field(description="area_id (its report named the area) or place (its place text)")
    coverage: str = Field(description="covered, uncovered (on the day it happened) or unplaced")


class CoverageCount(Row):
    covered: int
    uncovered: int
    unplaced: int


class IncidentCoverage(Row):
    """Injuries and hazards of a campus and period, by the camera coverage where they happened."""

    campus_id: str
    from_: date | None = Field(alias="from")
    to: date | None
    injuries: CoverageCount
    hazards: CoverageCount
    uncovered: list[IncidentPlace] = Field(description="The injuries and hazards in uncovered areas")
    unplaced: list[IncidentPlace] = Field(description="Those placed in no mapped area")


# -- parent communications ---------------------------------------------------------------


class ParentCommunication(Tenant):
    communication_id: str
    term_id: str
    kind: str
    themes: list[str]
    sent_on: date
    audience: dict[str, Any]
    title: str
    reference: str
    speaker: str
    reached: int
    acknowledged: int
    last_counted_on: date | None


class ReachTotal(Row):
    communications: int
    reached: int
    acknowledged: int


class CommunicationSummary(Row):
    """A campus's parent communications of a term, by theme and by kind, with their reach."""

    campus_id: str
    term_id: str
    total: ReachTotal
    by_theme: dict[str, ReachTotal] = Field(description="A communication on several themes counts in each")
    by_kind: dict[str, ReachTotal]
