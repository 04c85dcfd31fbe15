"""The term report service (后勤条线总结): each school's term summarised from every service's
figures, drafted by rules, edited by the office, issued in versions."""

from __future__ import annotations

from services.campus.mirror import MIRROR_MIGRATIONS, DirectoryMirror
from services.eventkit.runtime import ReactionSpec, ServiceDefinition
from services.report.events import REPORT_EVENTS
from services.report.projections.term_reports import TERM_REPORTS
from services.report.routes import term_reports

REPORT = ServiceDefinition(
    name="report",
    title="Houqin term reports",
    description="The logistics office's term summary (后勤条线总结): drafted from the figures of safety, "
    "canteen, inventory and staff appraisal by rules, edited paragraph by paragraph, issued in versions.",
    registry=REPORT_EVENTS,
    routers=[term_reports.router],
    migrations=MIRROR_MIGRATIONS,
    projections=[TERM_REPORTS],
    reactions=[ReactionSpec(DirectoryMirror(), ["directory"])],
    openapi_tags=[
        {"name": "term-reports", "description": "Drafts, the office's edits, issued versions"},
        {"name": "operations", "description": "Health, readiness, metrics and lag"},
    ],
)
