"""The safety service: agreements, health records, inspections, hazards, buses, drills,
safety education and injuries, on every campus of the district."""

from __future__ import annotations

from services.campus.mirror import MIRROR_MIGRATIONS, DirectoryMirror
from services.eventkit.runtime import ReactionSpec, ServiceDefinition
from services.safety.events import SAFETY_EVENTS
from services.safety.history import SAFETY_HISTORY
from services.safety.projections.coverage_outreach import COVERAGE_OUTREACH
from services.safety.projections.health_files import HEALTH_FILES
from services.safety.projections.inspection_status import INSPECTION_STATUS
from services.safety.projections.safety_records import SAFETY_RECORDS
from services.safety.projections.watch_duty import WATCH_DUTY
from services.safety.reactions import HazardsFromServices, HazardsRectifiedByRepairs, HealthRecordOpener
from services.safety.routes import (
    agreements,
    buses,
    cameras,
    drills,
    education,
    hazards,
    health,
    injuries,
    inspections,
    outreach,
    status,
    term_figures,
    watch_duty,
)

SAFETY = ServiceDefinition(
    name="safety",
    title="Houqin safety",
    description="Campus safety (校园安全): responsibility agreements, health records, patrols and inspections, "
    "hazards, school buses, drills, safety education and injuries.",
    registry=SAFETY_EVENTS,
    routers=[
        status.router,
        inspections.router,
        hazards.router,
        agreements.router,
        health.router,
        buses.router,
        drills.router,
        education.router,
        injuries.router,
        watch_duty.watches,
        watch_duty.duty,
        cameras.router,
        outreach.router,
        term_figures.router,
    ],
    migrations=MIRROR_MIGRATIONS,
    projections=[INSPECTION_STATUS, HEALTH_FILES, SAFETY_RECORDS, WATCH_DUTY, COVERAGE_OUTREACH],
    reactions=[
        ReactionSpec(DirectoryMirror(), ["directory"]),
        ReactionSpec(HealthRecordOpener(), ["directory"]),
        ReactionSpec(HazardsFromServices(), ["canteen"]),
        ReactionSpec(HazardsRectifiedByRepairs(), ["inventory"]),
    ],
    history=SAFETY_HISTORY,
    openapi_tags=[
        {"name": "inspection status", "description": "Due and overdue inspections, open hazards, drills, agreements"},
        {"name": "inspections", "description": "Daily patrols, monthly and special checks, fire inspections"},
        {"name": "hazards", "description": "Reported, assigned in-house or escalated, rectified, verified"},
        {"name": "agreements", "description": "Safety agreements (安全责任书): campaigns, issuing, signing, reminders"},
        {"name": "health records", "description": "一人一档: records, reviews, special conditions, acknowledgements"},
        {"name": "school buses", "description": "一车一档: six fixed items, route checks, violations, compliance"},
        {"name": "drills", "description": "Planned, conducted, summarised; monthly coverage by kind"},
        {"name": "safety education", "description": "Friday sessions per class, monthly flag ceremonies, campaigns"},
        {"name": "injuries", "description": "Reported, parents told, followed up, closed; counts by setting"},
        {"name": "student watches", "description": "重点关注学生: a watch, its plan, notes, review and closing"},
        {"name": "floor duty", "description": "楼层值日: rosters per floor and break, check-ins, duty at injuries"},
        {"name": "camera coverage", "description": "Areas with and without cameras, changes, incidents uncovered"},
        {"name": "parent communications", "description": "Letters, expert talks, WeChat posts: themes and reach"},
        {"name": "term report", "description": "A term's figures for the logistics office's term report"},
        {"name": "operations", "description": "Health, readiness, metrics and lag"},
    ],
)
