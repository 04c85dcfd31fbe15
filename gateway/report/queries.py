"""The term report in GraphQL: ``termReport`` (the figures of every area, the text, its
versions and history, the document's address), ``termReports`` (a school's reports), and the
mutation ``draftTermReport``, which asks every service for the figures and drafts the report
from them. The office's edits and the issue are the report service's own mutations
(``editReportParagraph``, ``addReportParagraph``, ``removeReportParagraph``, ``issueReport``)."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated, Any
from urllib.parse import quote, urlencode
from uuid import uuid4

import strawberry
from strawberry.experimental.pydantic import type as pydantic_type
from strawberry.types import Info

from gateway.clients import ServiceError, ServiceUnavailable
from gateway.common.pages import get, graphql_error
from gateway.context import GatewayContext
from gateway.mutations import accepted
from gateway.report.figures import figures_and_name
from gateway.report.loading import LoadedReport, load_report
from gateway.results import CommandResult, from_service_error, from_unavailable
from services.campus import term_report as tr

Ctx = Info[GatewayContext, None]

# -- the figures: one GraphQL type per model of the contract (services.campus.term_report) ---


def _figures_type(model: type[Any]) -> Any:
    name = model.__name__ if model.__name__.startswith("Term") else f"Term{model.__name__}"
    doc = (model.__doc__ or f"The term report's {model.__name__}").strip().splitlines()[0]
    return pydantic_type(model, all_fields=True, name=name, description=doc)(type(name, (), {}))


# In the order the models depend on each other: a nested model's type before its container's.
_MODELS = (
    tr.Count, tr.TermScope, tr.AgreementFigures, tr.HealthFigures, tr.InspectionKindFigures, tr.FireCheckFigures,
    tr.HazardItem, tr.HazardFigures, tr.BusFigures, tr.DrillFigures, tr.EducationFigures, tr.CampaignFigures,
    tr.InjuryFigures, tr.SafetyFigures, tr.CommitteeFigures, tr.ParentVisitFigures, tr.CoverageFigures,
    tr.ServingFigures, tr.ContestFigures, tr.CanteenFigures, tr.PurchaseFigures, tr.StockFigures, tr.AssetFigures,
    tr.KeyFigures, tr.RepairFigures, tr.InventoryFigures, tr.AppraisalMonthFigures, tr.RuleFigures,
    tr.AwardFigures, tr.HonourFigures, tr.AppraisalFigures, tr.TermFigures,
)  # fmt: skip
FIGURE_TYPES = {m: _figures_type(m) for m in _MODELS}
TermFiguresType = FIGURE_TYPES[tr.TermFigures]
TermScopeType = FIGURE_TYPES[tr.TermScope]


# -- the text -------------------------------------------------------------------------------


@strawberry.enum(description="Where a paragraph's text comes from")
class ParagraphOrigin(Enum):
    DRAFTED = strawberry.enum_value("drafted", description="Written by the rules: a new draft rewrites it")
    EDITED = strawberry.enum_value("edited", description="A drafted paragraph the office rewrote: a draft keeps it")
    ADDED = strawberry.enum_value("added", description="Written by the office")
    REMOVED = strawberry.enum_value("removed", description="Taken out by the office: a new draft keeps it out")


@strawberry.enum(description="A format of the report's document")
class ReportFormat(Enum):
    HTML = strawberry.enum_value("html", description="A web page")
    PDF = strawberry.enum_value("pdf", description="A PDF (A4, fonts embedded)")
    DOCX = strawberry.enum_value("docx", description="A Word document, to edit further")


@strawberry.type(description="One paragraph of the report")
class ReportParagraph:
    paragraph_id: strawberry.ID = strawberry.field(description="Its id: the rule's key, or office-<n>")
    text: str = strawberry.field(description="Its text")
    origin: ParagraphOrigin = strawberry.field(description="Drafted by the rules, or the office's")


@strawberry.type(description="One part of the report in the seed's shape (goals, safety, service...)")
class ReportSection:
    key: str = strawberry.field(description="goals, achievements, safety, service, resources, team, closing")
    heading: str = strawberry.field(description="Its heading")
    paragraphs: list[ReportParagraph] = strawberry.field(description="Its paragraphs (removed ones included)")


@strawberry.type(description="A version of the report as it was issued")
class IssuedReportVersion:
    version: int
    digest: str = strawberry.field(description="SHA-256 of its title and text")
    issued_by: str = strawberry.field(description="Who issued it")
    issued_at: dt.datetime = strawberry.field(description="When")
    note: str = strawberry.field(description="The note it was issued with")


@strawberry.type(description="One event of the report's history")
class ReportChange:
    version: int = strawberry.field(description="The report's version after it")
    kind: str = strawberry.field(description="drafted, edited or issued")
    action: str = strawberry.field(description="For an edit: replaced, added or removed")
    paragraph_id: str = strawberry.field(description="For an edit: the paragraph")
    section_key: str = strawberry.field(description="For an edit: its section")
    by: str = strawberry.field(description="Who")
    at: dt.datetime = strawberry.field(description="When the act happened")
    reason: str = strawberry.field(description="The edit's reason, or the issue's note")


@strawberry.type(description="A term's report (后勤条线总结) of a school, or of the campuses the reader covers")
class TermReport:
    report_id: strawberry.ID = strawberry.field(description="<school>-<term>, or with the campuses covered")
    scope: TermScopeType = strawberry.field(description="The term and the campuses it covers")  # type: ignore[valid-type]
    figures: TermFiguresType = strawberry.field(  # type: ignore[valid-type]
        description="Every area's figures as the services give them now, as of the term's last day"
    )
    drafted: bool = strawberry.field(description="Whether the report was drafted and kept (false: a live draft)")
    title: str = strawberry.field(description="Its title")
    subtitle: str = strawberry.field(description="Its subtitle (——<term>后勤条线总结)")
    sections: list[ReportSection] = strawberry.field(description="Its parts in the seed's order")
    version: int = strawberry.field(description="The report's version: send it as expectedVersion of an edit")
    drafts: int = strawberry.field(description="How many times it was drafted")
    issued: list[IssuedReportVersion] = strawberry.field(description="The versions issued, oldest first")
    changed_since_issue: bool = strawberry.field(description="The text differs from the last version issued")
    changes: list[ReportChange] = strawberry.field(description="Its history: drafts, edits, issues")
    school_id: strawberry.Private[str]
    term_id: strawberry.Private[str]
    campus_id: strawberry.Private[str | None]

    @strawberry.field(description="Where the document is: GET it with the same bearer token")
    def document_url(
        self,
        format: Annotated[ReportFormat, strawberry.argument(description="The document's format")] = ReportFormat.PDF,
        version: Annotated[
            int | None, strawberry.argument(description="An issued version (default: as it stands)")
        ] = None,
    ) -> str:
        params: dict[str, Any] = {"format": format.value}
        if self.campus_id:
            params["campus_id"] = self.campus_id
        if version is not None:
            params["version"] = version
        return f"/reports/{quote(self.school_id, safe='')}/{quote(self.term_id, safe='')}?{urlencode(params)}"


def _paragraph(p: Any) -> ReportParagraph:
    return ReportParagraph(
        paragraph_id=strawberry.ID(p.paragraph_id), text=p.text, origin=ParagraphOrigin(p.origin.value)
    )


def _sections(raw: list[Any]) -> list[ReportSection]:
    return [ReportSection(key=s.key, heading=s.heading, paragraphs=[_paragraph(p) for p in s.paragraphs]) for s in raw]


def as_term_report(loaded: LoadedReport, school_id: str, term_id: str, campus_id: str | None) -> TermReport:
    doc = loaded.document()
    s = loaded.stored or {}
    return TermReport(
        report_id=strawberry.ID(loaded.report_id),
        scope=TermScopeType.from_pydantic(loaded.figures.scope),
        figures=TermFiguresType.from_pydantic(loaded.figures),
        drafted=loaded.stored is not None,
        title=doc.title,
        subtitle=doc.subtitle,
        sections=_sections(list(doc.sections)),
        version=int(s.get("version", 0)),
        drafts=int(s.get("drafts", 0)),
        issued=[IssuedReportVersion(**i) for i in s.get("issued", [])],
        changed_since_issue=bool(s.get("changed_since_issue", True)),
        changes=[ReportChange(**c) for c in s.get("changes", [])],
        school_id=school_id,
        term_id=term_id,
        campus_id=campus_id,
    )


@strawberry.type(description="A report of a school's term as the report service lists it")
class TermReportSummary:
    report_id: strawberry.ID = strawberry.field(description="The report")
    term_id: strawberry.ID = strawberry.field(description="Its term")
    campus_ids: list[strawberry.ID] = strawberry.field(description="The campuses it covers")
    whole_school: bool = strawberry.field(description="It covers every campus of the school")
    title: str = strawberry.field(description="Its title")
    drafts: int = strawberry.field(description="How many times it was drafted")
    edits: int = strawberry.field(description="How many edits the office made")
    issued_version: int | None = strawberry.field(description="The last version issued (null: none yet)")
    issued_at: dt.datetime | None = strawberry.field(description="When it was issued")
    updated_at: dt.datetime = strawberry.field(description="When it last changed")


@strawberry.type
class ReportQuery:
    @strawberry.field(
        description="The term's report (后勤条线总结): every area's figures as of the term's last day, the text "
        "as the office keeps it (or as the rules draft it now), its versions and history. For district admins, "
        "the principal and the school's logistics managers; a campus manager's covers their campus only."
    )
    async def term_report(
        self,
        info: Ctx,
        school_id: strawberry.ID,
        term_id: strawberry.ID,
        campus_id: strawberry.ID | None = None,
        version: Annotated[
            int | None, strawberry.argument(description="An issued version (default: as it stands)")
        ] = None,
    ) -> TermReport:
        info.context.require()
        campus = str(campus_id) if campus_id else None
        try:
            loaded = await load_report(info.context.caller, str(school_id), str(term_id), campus, version)
        except (ServiceError, ServiceUnavailable) as exc:
            raise graphql_error(exc) from None
        return as_term_report(loaded, str(school_id), str(term_id), campus)

    @strawberry.field(description="The reports kept of a school's terms, as far as the caller reads them")
    async def term_reports(
        self, info: Ctx, school_id: strawberry.ID, term_id: strawberry.ID | None = None
    ) -> list[TermReportSummary]:
        info.context.require()
        body = await get(info.context, "report", "/term-reports", school_id=str(school_id), term_id=term_id)
        return [
            TermReportSummary(
                report_id=strawberry.ID(r["report_id"]),
                term_id=strawberry.ID(r["term_id"]),
                campus_ids=[strawberry.ID(c) for c in r["campus_ids"]],
                whole_school=r["whole_school"],
                title=r["title"],
                drafts=r["drafts"],
                edits=r["edits"],
                issued_version=r["issued_version"],
                issued_at=dt.datetime.fromisoformat(r["issued_at"]) if r["issued_at"] else None,
                updated_at=dt.datetime.fromisoformat(r["updated_at"]),
            )
            for r in body["items"]
        ]


async def draft_term_report(
    info: Ctx,
    school_id: strawberry.ID,
    term_id: strawberry.ID,
    campus_id: strawberry.ID | None = None,
    idempotency_key: str | None = None,
) -> CommandResult:
    """Asks every service for the term's figures (with the caller's token) and drafts the report
    from them; a redraft rewrites the rules' paragraphs and keeps the office's edits."""
    context = info.context
    context.require()
    campus = str(campus_id) if campus_id else None
    try:
        figures, name = await figures_and_name(context.caller, str(school_id), str(term_id), campus)
        body = await context.caller.command(
            "report",
            "/term-reports",
            {
                "school_id": str(school_id),
                "term_id": str(term_id),
                "campus_id": campus,
                "school_name": name,
                "figures": figures.model_dump(mode="json"),
            },
            idempotency_key or str(uuid4()),
        )
    except ServiceError as exc:
        refused: CommandResult = from_service_error(exc)
        return refused
    except ServiceUnavailable as exc:
        return from_unavailable(exc)
    return accepted("report", body, idempotency_key)


REPORT_MUTATIONS: dict[str, Any] = {
    "draft_term_report": strawberry.mutation(
        draft_term_report,
        name="draftTermReport",
        description="Draft (or redraft) a term's report from every service's figures (report: POST /term-reports)",
    )
}
