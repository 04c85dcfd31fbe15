"""What the history of a safety record shows: a one-line summary of each event, and who
sees the details of an injury or a health record.

An injury's details are seen by the managers, the vice principals, the school doctor, the
teachers of the injured student's class and whoever reported it; a health record's by the
medical room and the teachers of the student's class (as ``services.safety.queries.health``
reads them). Anyone else in scope sees the steps, their times and who took them, not what
they say.
"""

from __future__ import annotations

from typing import Any

from services.campus.history import CampusHistoryPolicy
from services.eventkit.auth import Principal, Role
from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.history import Summary, clip, note
from services.safety.common import TEACHERS_OF_CLASS, may_read_injury
from services.safety.queries.watch_duty import WATCH_OVERSEERS, watch_refusal

HEALTH_READERS = (Role.MEDICAL,)


TITLES: dict[str, str] = {  # where the type's own words (the default title) would not do
    "safety.InspectionFindingRecorded": "Finding recorded",
    "safety.HazardAssignedInHouse": "Hazard assigned in-house",
    "safety.HazardClosed": "Hazard verified and closed",
    "safety.InjuryParentNotified": "Parents told",
}

SUMMARIES: dict[str, Summary] = {
    # agreements
    "safety.AgreementCampaignLaunched": lambda e: f"Launched the agreement campaign {clip(e.title)} for {e.term_id}",
    "safety.AgreementsIssued": lambda e: f"Issued {len(e.agreements)} agreement(s)",
    "safety.AgreementSigned": lambda e: f"{e.party_id}'s agreement signed" + (" (paper copy)" if e.on_paper else ""),
    "safety.AgreementRefused": lambda e: f"{e.party_id} refused the agreement: {clip(e.reason)}",
    # health records
    "safety.HealthRecordOpened": lambda e: f"Opened the health record ({e.admission}) in class {e.class_id}",
    "safety.HealthRecordReviewed": lambda e: "Reviewed the health form" + note(e.notes),
    "safety.SpecialConditionRecorded": lambda e: f"Recorded a special condition: {clip(e.description)}",
    "safety.SpecialConditionAcknowledged": lambda e: f"{e.teacher_id} acknowledged condition {e.condition_id}",
    # inspections
    "safety.InspectionScheduleSet": lambda e: (
        f"{e.kind} inspections " + (f"every {e.every_days} days" if e.every_days else "without a fixed rhythm")
    ),
    "safety.InspectionStarted": lambda e: f"Started a {e.kind} inspection of {clip(', '.join(e.areas), 60)}",
    "safety.InspectionFindingRecorded": lambda e: (
        f"{clip(e.item, 40)} at {clip(e.area, 30)}: "
        + ("OK" if e.ok else "problem" + note(e.note))
        + (f" (hazard {e.hazard_id})" if e.hazard_id else "")
    ),
    "safety.InspectionSignedOff": lambda e: f"Signed off by {e.director_id}",
    "safety.InspectionCompleted": lambda e: (
        f"Completed the {e.kind} inspection: {e.findings} finding(s), {e.problems} problem(s)"
    ),
    # hazards
    "safety.HazardReported": lambda e: f"Reported a {e.severity} hazard at {clip(e.area, 40)}: {clip(e.description)}",
    "safety.HazardAssignedInHouse": lambda e: (
        f"Assigned to {e.assignee_id} to fix in-house" + (f", due {e.due_on.isoformat()}" if e.due_on else "")
    ),
    "safety.HazardEscalated": lambda e: (
        f"Escalated to {clip(e.authority, 60)}" + (f" (ref. {clip(e.reference, 40)})" if e.reference else "")
    ),
    "safety.HazardRectified": lambda e: (
        f"Rectified by {e.rectified_by}" + (f" (repair {e.repair_id} verified)" if e.repair_id else "") + note(e.note)
    ),
    "safety.HazardClosed": lambda e: f"Verified by {e.verified_by} and closed" + note(e.note),
    "safety.HazardReopened": lambda e: f"Verification by {e.verified_by} failed, reopened: {clip(e.reason)}",
    # school buses
    "safety.BusRegistered": lambda e: f"Registered {clip(e.file.vehicle, 40)} on route {clip(e.file.route, 40)}",
    "safety.BusItemChanged": lambda e: f"Changed the {e.item}: {clip(e.reason)}",
    "safety.BusRouteChecked": lambda e: (
        f"Route check: {sum(1 for r in e.results if not r.ok)} problem(s) at {len(e.results)} point(s)"
    ),
    "safety.BusViolationRecorded": lambda e: f"Violation recorded: {clip(e.description)}",
    "safety.BusViolationRectified": lambda e: f"Violation {e.violation_id} rectified: {clip(e.measures)}",
    # drills
    "safety.DrillPlanned": lambda e: f"Planned a {e.kind} drill: {clip(e.title)}",
    "safety.DrillConducted": lambda e: (
        f"Conducted the {e.kind} drill with {e.participants} participants"
        + (f", evacuated in {e.evacuation_seconds} s" if e.evacuation_seconds is not None else "")
    ),
    "safety.DrillSummarised": lambda e: f"Summarised: {clip(e.summary)}",
    # safety education
    "safety.SafetySessionPlanned": lambda e: (
        f"Planned the session {clip(e.theme)} for class {e.class_id}, week of {e.week_of.isoformat()}"
    ),
    "safety.SafetySessionDelivered": lambda e: "Session delivered",
    "safety.SafetySessionChecked": lambda e: f"Checked by {e.checked_by}: {e.result}" + note(e.note, "; "),
    "safety.FlagCeremonyHeld": lambda e: f"Flag ceremony on {clip(e.theme)}",
    "safety.SafetyCampaignLaunched": lambda e: f"Launched {clip(e.title)} with {len(e.activities)} activities",
    "safety.SafetyCampaignActivityDone": lambda e: f"Done: {clip(e.activity)}" + note(e.note, "; "),
    "safety.SafetyCampaignSummarised": lambda e: f"Summarised: {clip(e.summary)}",
    # injuries
    "safety.InjuryReported": lambda e: (
        f"Injury ({e.setting}) of {e.student_id}: {clip(e.injury)}; first aid: {clip(e.first_aid, 60)}"
    ),
    "safety.InjuryParentNotified": lambda e: f"Parents told by {e.notified_by} ({clip(e.how, 30)})",
    "safety.InjuryFollowedUp": lambda e: f"Followed up: {clip(e.note)}",
    "safety.InjuryClosed": lambda e: f"Closed. Cause: {clip(e.cause, 60)}; measures: {clip(e.measures, 60)}",
    # student watches and floor duty
    "safety.StudentWatchOpened": lambda e: (
        f"Opened a watch on {e.student_id} of class {e.class_id} with {e.class_teacher_id}: {clip(e.reason)}"
    ),
    "safety.StudentWatchPlanSet": lambda e: "Plan: " + clip("; ".join(f"{i.who} {i.what}" for i in e.items)),
    "safety.StudentWatchNoted": lambda e: f"{e.noted_by}: {clip(e.note)}",
    "safety.StudentWatchReviewed": lambda e: f"Reviewed: {e.outcome}" + note(e.note),
    "safety.StudentWatchClosed": lambda e: "Closed" + note(e.note),
    "safety.FloorDutyRosterSet": lambda e: (
        f"Floor duty roster of {e.term_id} from {e.effective_from.isoformat()}: {len(e.slots)} slot(s)"
    ),
    "safety.FloorDutyCheckedIn": lambda e: (
        f"{e.teacher_id} {e.status} on floor {e.floor} of {e.building} at {e.break_period}"
        + (f" ({e.arrived_at.isoformat()})" if e.arrived_at else "")
    ),
    # camera coverage
    "safety.CameraAreaMapped": lambda e: f"Mapped the camera area {clip(e.building, 30)} {clip(e.place, 40)}",
    "safety.CameraInstalled": lambda e: f"Camera {e.camera_id} installed on {e.on.isoformat()}" + note(e.note),
    "safety.CameraRemoved": lambda e: f"Camera {e.camera_id} removed on {e.on.isoformat()}" + note(e.note),
    "safety.CameraOutOfOrder": lambda e: f"Camera {e.camera_id} out of order on {e.on.isoformat()}" + note(e.note),
    "safety.CameraRepaired": lambda e: f"Camera {e.camera_id} repaired on {e.on.isoformat()}" + note(e.note),
    # parent communications
    "safety.ParentCommunicationRecorded": lambda e: (
        f"{e.kind} on {', '.join(e.themes)} of {e.sent_on.isoformat()}: {clip(e.title)} "
        f"({e.reached} reached, {e.acknowledged} acknowledged)"
    ),
    "safety.ParentCommunicationReachCounted": lambda e: (
        f"Reach counted on {e.counted_on.isoformat()}: {e.reached} reached, {e.acknowledged} acknowledged"
    ),
}


def _class_of(first: Envelope) -> Any:
    return first.data.get("class_id")


class SafetyHistory(CampusHistoryPolicy):
    async def details(self, db: Connection, principal: Principal, first: Envelope) -> bool:
        if first.stream_id.startswith("injury-"):
            return may_read_injury(principal, first.tenant, _class_of(first), first.actor)
        if first.stream_id.startswith("health-record-"):
            if principal.holds(first.tenant, *HEALTH_READERS):
                return True
            if not principal.holds(first.tenant, *TEACHERS_OF_CLASS):
                return False
            # a teacher of the student's class now (the directory's mirror), as the record's read does
            now = await db.fetchval(
                "SELECT class_id FROM directory_students WHERE student_id = $1", first.data.get("student_id")
            )
            return (now or _class_of(first)) in principal.classes
        if first.stream_id.startswith("student-watch-"):
            # a watch is the safety office's, the principal's and its class's teachers' only: to
            # anyone else, its history is refused altogether (as its read is)
            if principal.holds(first.tenant, *WATCH_OVERSEERS):
                return True
            if principal.holds(first.tenant, *TEACHERS_OF_CLASS) and await db.fetchval(
                "SELECT count(*) FROM directory_class_teachers WHERE class_id = $1 AND staff_id = $2",
                _class_of(first),
                principal.subject,
            ):
                return True
            raise watch_refusal(principal)
        return True


SAFETY_HISTORY = SafetyHistory(TITLES, SUMMARIES)
