"""The term reports: drafting, the office's edits and the issue (the command table's), and the
reads: the reports of a school's term, one report as it stands, one issued version."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BaseModel, Field

from services.campus.term_report import REPORT_READERS
from services.eventkit.app import CurrentPrincipal
from services.eventkit.bounds import REF_LENGTH
from services.eventkit.errors import NotFound
from services.eventkit.queries import Page, page_route
from services.eventkit.queries import Query as RowQuery
from services.eventkit.routes import After, Limit
from services.report.commands import COMMANDS, ReportCommands, ReportCommandsDep
from services.report.events import REPORT_EVENTS, ReportDrafted, ReportIssued, ReportParagraphEdited, Section
from services.report.projections.term_reports import TERM_REPORTS
from services.report.term_report import TermReport, TermReportState, as_issued

router = COMMANDS.router("term-reports")
ReportId = Annotated[str, Path(max_length=80)]


class IssuedVersionView(BaseModel):
    version: int
    digest: str
    issued_by: str
    issued_at: datetime
    note: str = ""


class ReportChange(BaseModel):
    """One event of the report's history: a draft, an edit or an issue."""

    version: int = Field(description="The stream's version after it")
    kind: str
    action: str = ""
    paragraph_id: str = ""
    section_key: str = ""
    by: str
    at: datetime
    reason: str = ""


class TermReportView(BaseModel):
    report_id: str
    school_id: str
    term_id: str
    campus_ids: list[str]
    whole_school: bool
    version: int = Field(description="The stream's version: send it as expected_version of an edit")
    drafts: int
    title: str
    subtitle: str
    sections: list[Section]
    figures: dict[str, Any]
    issued: list[IssuedVersionView]
    changed_since_issue: bool
    showing_version: int | None = Field(None, description="The issued version shown (none: the report as it stands)")
    changes: list[ReportChange]


class ReportSummary(BaseModel):
    report_id: str
    school_id: str
    term_id: str
    campus_ids: list[str]
    whole_school: bool
    title: str
    drafts: int
    edits: int
    issued_version: int | None
    issued_at: datetime | None
    issued_by: str | None
    updated_at: datetime
    version: int


def _view(state: TermReportState, version: int, changes: list[ReportChange], showing: int | None) -> TermReportView:
    return TermReportView(
        report_id=state.report_id,
        school_id=state.school_id,
        term_id=state.term_id,
        campus_ids=list(state.campus_ids),
        whole_school=state.whole_school,
        version=version,
        drafts=state.drafts,
        title=state.title,
        subtitle=state.subtitle,
        sections=list(state.sections),
        figures=state.figures,
        issued=[IssuedVersionView(**vars(i)) for i in state.issued],
        changed_since_issue=state.changed_since_issue,
        showing_version=showing,
        changes=changes,
    )


async def _events(report: ReportCommands, principal: Any, report_id: str) -> tuple[list[Any], list[ReportChange]]:
    principal.require_role(*REPORT_READERS)
    await report.tenant_of(TermReport, report_id, "report", principal=principal)
    envelopes = await report.bus.store.read_stream(TermReport.stream_id(report_id))
    events, changes = [], []
    for envelope in envelopes:
        e = REPORT_EVENTS.decode(envelope)
        events.append(e)
        match e:
            case ReportDrafted():
                changes.append(ReportChange(version=envelope.version, kind="drafted", by=e.drafted_by, at=e.drafted_at))
            case ReportParagraphEdited():
                changes.append(
                    ReportChange(
                        version=envelope.version,
                        kind="edited",
                        action=e.action.value,
                        paragraph_id=e.paragraph_id,
                        section_key=e.section_key,
                        by=e.edited_by,
                        at=e.edited_at,
                        reason=e.reason,
                    )
                )
            case ReportIssued():
                changes.append(
                    ReportChange(version=envelope.version, kind="issued", by=e.issued_by, at=e.issued_at, reason=e.note)
                )
    return events, changes


@page_route(router, "/term-reports", ReportSummary, summary="The reports of a school's terms, as far as one reads them")
async def list_term_reports(
    report: ReportCommandsDep,
    principal: CurrentPrincipal,
    school_id: Annotated[str, Query(max_length=REF_LENGTH)],
    term_id: Annotated[str | None, Query(max_length=REF_LENGTH)] = None,
    after: After = None,
    limit: Limit = 50,
) -> Page:
    """By report id. A campus manager reads their campus's reports; the school's are read by
    those over the school (a report lives at the school, or at the campus it covers)."""
    principal.require_role(*REPORT_READERS)
    query = RowQuery(f"SELECT * FROM {TERM_REPORTS.schema}.reports", "report_id")
    query.filter("school_id = {}", school_id).filter("term_id = {}", term_id).scoped(principal, roles=REPORT_READERS)
    return await query.page(report.pool, after, limit)


@router.get("/term-reports/{report_id}", summary="A report as it stands, with its history")
async def get_term_report(
    report_id: ReportId, report: ReportCommandsDep, principal: CurrentPrincipal
) -> TermReportView:
    events, changes = await _events(report, principal, report_id)
    return _view(TermReport.fold(events), len(events), changes, None)


@router.get("/term-reports/{report_id}/versions/{version}", summary="A report as one of its versions was issued")
async def get_issued_version(
    report_id: ReportId,
    version: Annotated[int, Path(ge=1, le=10_000)],
    report: ReportCommandsDep,
    principal: CurrentPrincipal,
) -> TermReportView:
    events, changes = await _events(report, principal, report_id)
    state = as_issued(events, version)
    if state is None:
        raise NotFound(f"report {report_id} has no version {version}", field="version")
    upto = [c.version for c in changes if c.kind == "issued"][version - 1]
    return _view(state, upto, [c for c in changes if c.version <= upto], version)
