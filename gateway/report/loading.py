"""A term's report as the caller may read it: the figures every service gives, and the text
the report service keeps (the office's draft, or an issued version) — or, before anyone
drafted it, the text the rules draft from the figures now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gateway.clients import Caller, ServiceError, service_path
from gateway.report.documents import ReportDocument
from gateway.report.figures import figures_and_name
from services.campus.term_report import TermFigures
from services.report.events import Section
from services.report.narrative import draft
from services.report.term_report import report_id_of


@dataclass(frozen=True)
class LoadedReport:
    report_id: str
    figures: TermFigures  # live: as the services answer now, for the term's last day
    stored: dict[str, Any] | None  # the report service's view (None: never drafted)
    school_name: str

    @property
    def document_figures(self) -> TermFigures:
        """What the text and charts were drafted from: the draft's own figures once drafted."""
        if self.stored is None:
            return self.figures
        return TermFigures.model_validate(self.stored["figures"])

    def document(self) -> ReportDocument:
        now = datetime.now(UTC)
        if self.stored is None:
            drafted = draft(self.figures, self.school_name)
            return ReportDocument(
                self.report_id,
                drafted.title,
                drafted.subtitle,
                drafted.sections,
                self.figures,
                "实时草稿（未保存）",
                now,
            )
        s = self.stored
        shown = s.get("showing_version")
        state = f"第{shown}版（已发布）" if shown else f"草稿（第{s['drafts']}稿）"
        sections = tuple(Section.model_validate(x) for x in s["sections"])
        return ReportDocument(self.report_id, s["title"], s["subtitle"], sections, self.document_figures, state, now)


async def load_report(
    caller: Caller, school_id: str, term_id: str, campus_id: str | None, version: int | None = None
) -> LoadedReport:
    """Raises the services' refusals (:class:`ServiceError`): 403 for a reader who may not, 404
    for a term the school does not have or a version not issued."""
    figures, name = await figures_and_name(caller, school_id, term_id, campus_id)
    report_id = report_id_of(figures.scope)
    path = service_path("/term-reports/{report_id}", report_id=report_id)
    if version is not None:
        path += f"/versions/{version}"
    try:
        stored = await caller.get("report", path)
    except ServiceError as exc:
        if exc.status != 404 or version is not None:
            raise
        stored = None
    return LoadedReport(report_id, figures, stored, name)
