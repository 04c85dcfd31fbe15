"""The safety service: agreements, health records, inspections, hazards, buses, drills,
safety education and injuries, on every campus of the district."""

from __future__ import annotations

from services.directory.mirror import MIRROR_MIGRATIONS, DirectoryMirror
from services.eventkit.runtime import ReactionSpec, ServiceDefinition
from services.safety.events import SAFETY_EVENTS
from services.safety.projections.inspection_status import INSPECTION_STATUS
from services.safety.routes import hazards, inspections, status

SAFETY = ServiceDefinition(
    name="safety",
    title="Houqin safety",
    description="Campus safety (校园安全): responsibility agreements, health records, patrols and inspections, "
    "hazards, school buses, drills, safety education and injuries.",
    registry=SAFETY_EVENTS,
    routers=[status.router, inspections.router, hazards.router],
    migrations=MIRROR_MIGRATIONS,
    projections=[INSPECTION_STATUS],
    reactions=[ReactionSpec(DirectoryMirror(), ["directory"])],
    openapi_tags=[
        {"name": "inspection status", "description": "Due and overdue inspections, open hazards, drills, agreements"},
        {"name": "inspections", "description": "Daily patrols, monthly and special checks, fire inspections"},
        {"name": "hazards", "description": "Reported, assigned in-house or escalated, rectified, verified"},
        {"name": "operations", "description": "Health, readiness, metrics and lag"},
    ],
)
