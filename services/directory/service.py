"""The directory service: districts, schools, campuses, calendar, classes and people."""

from __future__ import annotations

from services.directory.events import DIRECTORY_EVENTS
from services.directory.history import DIRECTORY_HISTORY
from services.directory.projections.roster import ROSTER
from services.directory.routes import commands, queries
from services.eventkit.runtime import ServiceDefinition

DIRECTORY = ServiceDefinition(
    name="directory",
    title="Houqin directory",
    description="Districts, schools, campuses, the school calendar, classes, staff, students and parents: "
    "what every other service refers to.",
    registry=DIRECTORY_EVENTS,
    routers=[commands.router, queries.router],
    projections=[ROSTER],
    history=DIRECTORY_HISTORY,
    openapi_tags=[
        {"name": "commands", "description": "Change the directory (district admins)"},
        {"name": "queries", "description": "Read the directory, filtered to the caller's scope"},
        {"name": "operations", "description": "Health, readiness, metrics and lag"},
    ],
)
