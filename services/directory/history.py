"""What the history of a directory record shows: a one-line summary of each event, without
phone numbers (the directory's reads never show them)."""

from __future__ import annotations

from services.eventkit.history import HistoryPolicy, Summary, clip

SUMMARIES: dict[str, Summary] = {
    "directory.DistrictRegistered": lambda e: f"Registered the district {clip(e.name, 40)}",
    "directory.SchoolRegistered": lambda e: f"Registered the school {clip(e.name, 40)}",
    "directory.TermScheduled": lambda e: (
        f"Scheduled {clip(e.name, 40)}: {e.starts_on.isoformat()} to {e.ends_on.isoformat()}"
    ),
    "directory.CampusOpened": lambda e: f"Opened the campus {clip(e.name, 40)}",
    "directory.CampusRenamed": lambda e: f"Renamed {clip(e.name, 40)}",
    "directory.CampusClosed": lambda e: f"Closed: {clip(e.reason)}",
    "directory.ClassOpened": lambda e: f"Opened {clip(e.name, 40)} (grade {e.grade}) on {e.campus_id}",
    "directory.TeacherAssigned": lambda e: (
        f"{e.staff_id} teaches {clip(e.subject, 30)}" + (" as class teacher" if e.is_class_teacher else "")
    ),
    "directory.TeacherUnassigned": lambda e: f"{e.staff_id} no longer teaches the class",
    "directory.StaffJoined": lambda e: f"{clip(e.name, 40)} joined as {', '.join(e.roles)}",
    "directory.StaffRolesChanged": lambda e: f"Roles now {', '.join(e.roles)} on {', '.join(e.campus_ids) or '-'}",
    "directory.StaffLeft": lambda e: f"Left: {clip(e.reason)}",
    "directory.StudentEnrolled": lambda e: f"Enrolled {clip(e.name, 40)} ({e.admission}) in {e.class_id}",
    "directory.StudentMovedClass": lambda e: f"Moved from {e.from_class_id} to {e.to_class_id}",
    "directory.StudentLeft": lambda e: f"Left {e.class_id}: {clip(e.reason)}",
    "directory.ParentRegistered": lambda e: f"Registered {clip(e.name, 40)}",
    "directory.ParentLinked": lambda e: f"Linked as {clip(e.relation, 20)} of {e.student_id}",
}

DIRECTORY_HISTORY = HistoryPolicy(summaries=SUMMARIES, hidden=frozenset({"phone"}))
