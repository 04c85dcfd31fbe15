"""Responsibility agreement routes: launch a campaign, issue, sign, refuse; signing rates and reminders."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.eventkit.app import Context, CurrentPrincipal
from services.eventkit.auth import Principal
from services.eventkit.commands import CommandContext, CommandResult
from services.eventkit.decider import Resolved
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import Forbidden, InvalidInput, NotFound
from services.eventkit.queries import Page, Query
from services.eventkit.routes import After, Limit, command_route
from services.safety.agreements import (
    AgreementCampaign,
    CampaignState,
    IssueAgreements,
    IssueAgreementsTo,
    LaunchCampaign,
    RefuseAgreement,
    SignAgreement,
)
from services.safety.common import MANAGERS, STAFF_ON_CAMPUS, Safety, SafetyDep
from services.safety.events import IssuedAgreement, PartyKind
from services.safety.projections.inspection_status import INSPECTION_STATUS

router = APIRouter(tags=["agreements"])
S = INSPECTION_STATUS.schema


@command_route(router, "/agreement-campaigns", "Launch a campaign of safety agreements for a campus and term")
async def launch_campaign(cmd: LaunchCampaign, ctx: Context, safety: SafetyDep) -> CommandResult:
    tenant = await safety.campus(cmd.campus_id)
    ctx.principal.require(tenant, *MANAGERS)
    term = await safety.pool.fetchval(
        "SELECT 1 FROM directory_terms WHERE term_id = $1 AND school_id = $2", cmd.term_id, tenant.school_id
    )
    if term is None:
        raise InvalidInput(f"term {cmd.term_id} is not in the calendar of the campus's school", field="term_id")
    return await safety.run(AgreementCampaign, cmd.campaign_id, cmd, ctx, tenant, MANAGERS)


async def _parties(safety: Safety, campus_id: str, kinds: set[PartyKind]) -> list[IssuedAgreement]:
    """Who the directory lists on the campus now: its active staff, and the parents of its active students."""
    parties: list[IssuedAgreement] = []
    if PartyKind.STAFF in kinds:
        rows = await safety.pool.fetch(
            "SELECT staff_id, name FROM directory_staff WHERE active AND $1 = ANY(campus_ids) ORDER BY staff_id",
            campus_id,
        )
        parties += [IssuedAgreement(party_kind=PartyKind.STAFF, party_id=r["staff_id"], name=r["name"]) for r in rows]
    if PartyKind.PARENT in kinds:
        rows = await safety.pool.fetch(
            "SELECT ps.parent_id, coalesce(min(p.name), '') AS name, min(s.class_id) AS class_id "
            "FROM directory_parent_students ps JOIN directory_students s USING (student_id) "
            "LEFT JOIN directory_parents p USING (parent_id) "
            "WHERE s.active AND s.campus_id = $1 GROUP BY ps.parent_id ORDER BY ps.parent_id",
            campus_id,
        )
        parties += [
            IssuedAgreement(
                party_kind=PartyKind.PARENT, party_id=r["parent_id"], name=r["name"], class_id=r["class_id"]
            )
            for r in rows
        ]
    return parties


@command_route(
    router,
    "/agreement-campaigns/{campaign_id}/issue",
    "Issue the agreement to every staff member and parent of the campus who has none yet",
)
async def issue_agreements(campaign_id: str, cmd: IssueAgreements, ctx: Context, safety: SafetyDep) -> CommandResult:
    tenant = await safety.tenant_of(AgreementCampaign, campaign_id, "agreement campaign")
    ctx.principal.require(tenant, *MANAGERS)
    kinds = set(cmd.parties) if cmd.parties is not None else set(PartyKind)
    candidates = await _parties(safety, tenant.campus_id or "", kinds)
    resolved = IssueAgreementsTo(expected_version=cmd.expected_version, parties=cmd.parties, candidates=candidates)
    return await safety.run(AgreementCampaign, campaign_id, resolved, ctx, tenant, MANAGERS)


async def _for_party(
    safety: Safety, ctx: CommandContext, tenant: TenantPath, campaign_id: str, party_id: str, *, on_paper: bool
) -> None:
    """A party acts for themselves; a manager of the campus records for anyone from a paper copy.

    A parent is not scoped to a campus: being an issued party of the campaign is their scope.
    """
    principal = ctx.principal
    if principal.subject == party_id:
        if principal.covers(tenant):
            return  # staff of the campus: the campaign says whether they were issued one
        state: CampaignState
        state, _ = await safety.bus.load(AgreementCampaign, AgreementCampaign.stream_id(campaign_id))
        if party_id not in state.issued:
            raise Forbidden(f"{principal.subject} has no agreement in campaign {campaign_id}")
        return
    principal.require(tenant, *MANAGERS)
    if not on_paper:
        raise Forbidden("only the party signs their own agreement; a manager records a paper copy with on_paper")


@command_route(router, "/agreement-campaigns/{campaign_id}/sign", "Sign one's own agreement (or record a paper one)")
async def sign_agreement(campaign_id: str, cmd: SignAgreement, ctx: Context, safety: SafetyDep) -> CommandResult:
    tenant = await safety.tenant_of(AgreementCampaign, campaign_id, "agreement campaign")
    await _for_party(safety, ctx, tenant, campaign_id, cmd.party_id, on_paper=cmd.on_paper)
    rc = Resolved(cmd, tenant, campaign_id)
    return await safety.bus.execute(AgreementCampaign, campaign_id, rc, ctx, tenant)


@command_route(router, "/agreement-campaigns/{campaign_id}/refuse", "Refuse one's agreement, saying why")
async def refuse_agreement(campaign_id: str, cmd: RefuseAgreement, ctx: Context, safety: SafetyDep) -> CommandResult:
    tenant = await safety.tenant_of(AgreementCampaign, campaign_id, "agreement campaign")
    await _for_party(safety, ctx, tenant, campaign_id, cmd.party_id, on_paper=True)
    rc = Resolved(cmd, tenant, campaign_id)
    return await safety.bus.execute(AgreementCampaign, campaign_id, rc, ctx, tenant)


# -- queries -----------------------------------------------------------------------------

CAMPAIGNS = (
    "SELECT * FROM (SELECT c.campaign_id, c.district_id, c.school_id, c.campus_id, c.term_id, c.title, "
    "count(a.party_id) AS issued, count(*) FILTER (WHERE a.status = 'signed') AS signed, "
    "count(*) FILTER (WHERE a.status = 'refused') AS refused "
    f"FROM {S}.agreement_campaigns c LEFT JOIN {S}.agreements a USING (campaign_id) GROUP BY c.campaign_id) x"
)


def _with_rate(row: dict[str, Any]) -> dict[str, Any]:
    issued, signed = row["issued"], row["signed"]
    return row | {"unsigned": issued - signed, "signing_rate": round(signed / issued, 4) if issued else None}


async def _campaign(safety: Safety, principal: Principal, campaign_id: str) -> dict[str, Any]:
    principal.require_role(*STAFF_ON_CAMPUS)
    row = await Query(CAMPAIGNS, "campaign_id").filter("campaign_id = {}", campaign_id).one(safety.pool)
    if row is None:
        raise NotFound(f"agreement campaign {campaign_id} not found")
    principal.require_scope(
        TenantPath(district_id=row["district_id"], school_id=row["school_id"], campus_id=row["campus_id"])
    )
    return _with_rate(row)


@router.get("/agreement-campaigns", response_model=Page, summary="Agreement campaigns in scope, with signing rates")
async def list_campaigns(
    safety: SafetyDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    term_id: str | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF_ON_CAMPUS)
    q = Query(CAMPAIGNS, "campaign_id").scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("term_id = {}", term_id)
    page = await q.page(safety.pool, after, limit)
    page.items = [_with_rate(r) for r in page.items]
    return page


@router.get("/agreement-campaigns/{campaign_id}/signing", summary="Signing rate of a campaign: per class and for staff")
async def campaign_signing(campaign_id: str, safety: SafetyDep, principal: CurrentPrincipal) -> dict[str, Any]:
    campaign = await _campaign(safety, principal, campaign_id)
    rows = await safety.pool.fetch(
        "SELECT a.party_kind, a.class_id, min(k.name) AS class_name, count(*) AS issued, "
        "count(*) FILTER (WHERE a.status = 'signed') AS signed, "
        "count(*) FILTER (WHERE a.status = 'refused') AS refused "
        f"FROM {S}.agreements a LEFT JOIN directory_classes k USING (class_id) WHERE a.campaign_id = $1 "
        "GROUP BY a.party_kind, a.class_id ORDER BY a.party_kind, a.class_id",
        campaign_id,
    )
    staff = None
    classes = []
    for r in rows:
        line = _with_rate(dict(r))
        if line.pop("party_kind") == PartyKind.STAFF.value:
            line.pop("class_id")
            line.pop("class_name")
            staff = line
        else:
            classes.append(line)
    empty = {"issued": 0, "signed": 0, "refused": 0}
    return campaign | {"staff": staff or _with_rate(empty), "classes": classes}


@router.get(
    "/agreement-campaigns/{campaign_id}/unsigned",
    response_model=Page,
    summary="Who has not signed yet (the reminders list)",
)
async def unsigned_agreements(
    campaign_id: str,
    safety: SafetyDep,
    principal: CurrentPrincipal,
    party_kind: PartyKind | None = None,
    class_id: str | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    await _campaign(safety, principal, campaign_id)
    q = Query(
        "SELECT * FROM (SELECT a.campaign_id, a.party_id, a.party_kind, a.name, a.class_id, a.status, "
        f"p.phone FROM {S}.agreements a LEFT JOIN directory_parents p "
        "ON a.party_kind = 'parent' AND p.parent_id = a.party_id WHERE a.status <> 'signed') u",
        "party_id",
    )
    q.filter("campaign_id = {}", campaign_id).filter("party_kind = {}", party_kind.value if party_kind else None)
    q.filter("class_id = {}", class_id)
    return await q.page(safety.pool, after, limit)
