"""Every command of the term report service. Drafting is its own endpoint (it checks that the
figures are of what the caller reads); the office's edits and the issue are rows of the table.

A report is kept by those who read it (:data:`REPORT_READERS`), over exactly what it covers:
a campus manager keeps the report of their campus, not the school's."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.campus.scoped import CampusCommands
from services.campus.term_report import REPORT_READERS, TermScope, term_scope
from services.eventkit.app import Context
from services.eventkit.auth import Principal, Role
from services.eventkit.command_table import CommandTable
from services.eventkit.commands import CommandResult
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import InvalidInput
from services.report.term_report import (
    AddReportParagraph,
    DraftReport,
    EditReportParagraph,
    IssueReport,
    RemoveReportParagraph,
    TermReport,
    report_id_of,
)


class ReportCommands(CampusCommands):
    """The campus layer's view, strict about a school's report: it is kept by a reader over the
    school, or over every one of its campuses (not by the manager of one of them)."""

    async def covers(self, principal: Principal, tenant: TenantPath, *roles: Role) -> bool:
        held = roles or REPORT_READERS
        if principal.holds(tenant, *held):
            return True
        if tenant.campus_id is not None or tenant.school_id is None:
            return False
        rows = await self.pool.fetch("SELECT campus_id FROM directory_campuses WHERE school_id = $1", tenant.school_id)
        return bool(rows) and all(
            principal.holds(tenant.model_copy(update={"campus_id": row["campus_id"]}), *held) for row in rows
        )


async def report_commands(request: Request) -> ReportCommands:
    return ReportCommands(request.app.state.runtime)


ReportCommandsDep = Annotated[ReportCommands, Depends(report_commands)]


def tenant_of_scope(scope: TermScope) -> TenantPath:
    """A school's report lives at the school; a campus's at the campus."""
    campus = scope.campus_ids[0] if not scope.whole_school and len(scope.campus_ids) == 1 else None
    return TenantPath(district_id=scope.district_id, school_id=scope.school_id, campus_id=campus)


COMMANDS = CommandTable("report", report_commands)


@COMMANDS.custom(
    "term-reports", "/term-reports", "Draft (or redraft) a term's report from the services' figures", mutation=False
)
async def draft_report(cmd: DraftReport, ctx: Context, report: ReportCommandsDep) -> CommandResult:
    scope = await term_scope(report.pool, ctx.principal, cmd.school_id, cmd.term_id, cmd.campus_id)
    if tuple(cmd.figures.scope.campus_ids) != scope.campus_ids:
        given = ", ".join(cmd.figures.scope.campus_ids) or "none"
        raise InvalidInput(
            f"the figures cover {given}; {ctx.principal.subject} reports on {', '.join(scope.campus_ids)}",
            field="figures.scope.campus_ids",
        )
    tenant = tenant_of_scope(scope)
    return await report.run(TermReport, report_id_of(scope), cmd, ctx, tenant, REPORT_READERS)


for model, path, summary in (
    (EditReportParagraph, "/term-reports/{report_id}/edit", "Rewrite a paragraph of a report"),
    (AddReportParagraph, "/term-reports/{report_id}/add", "Add a paragraph of the office's own to a report"),
    (RemoveReportParagraph, "/term-reports/{report_id}/remove", "Take a paragraph out of a report"),
    (IssueReport, "/term-reports/{report_id}/issue", "Issue a report as it stands as its next version"),
):
    COMMANDS.existing("term-reports", path, summary, model, TermReport, what="report", roles=REPORT_READERS)
