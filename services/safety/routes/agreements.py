"""Responsibility agreement routes: the commands of the table (launch a campaign, issue, sign,
refuse), and the reads (campaigns with their signing rates, signing per class, reminders)."""

from __future__ import annotations

from services.campus.scoped import CampusCommandsDep
from services.eventkit.app import CurrentPrincipal
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, AsOf, Limit
from services.safety.commands import COMMANDS
from services.safety.common import STAFF_ON_CAMPUS
from services.safety.events import PartyKind
from services.safety.queries.agreements import campaign, campaign_page, signing_by_class, unsigned_list
from services.safety.queries.models import AgreementCampaign, CampaignSigning, UnsignedParty

router = COMMANDS.router("agreements")


@page_route(
    router, "/agreement-campaigns", AgreementCampaign, summary="Agreement campaigns in scope, with signing rates"
)
async def list_campaigns(
    safety: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    term_id: str | None = None,
    after: After = None,
    limit: Limit = 100,
    as_of: AsOf = None,
) -> Page:
    principal.require_role(*STAFF_ON_CAMPUS)
    return await campaign_page(safety.pool, principal, campus_id, term_id, after, limit, as_of)


@router.get("/agreement-campaigns/{campaign_id}/signing", summary="Signing rate of a campaign: per class and for staff")
async def campaign_signing(
    campaign_id: str, safety: CampusCommandsDep, principal: CurrentPrincipal, as_of: AsOf = None
) -> CampaignSigning:
    principal.require_role(*STAFF_ON_CAMPUS)
    return CampaignSigning.model_validate(await signing_by_class(safety.pool, principal, campaign_id, as_of))


@page_route(
    router,
    "/agreement-campaigns/{campaign_id}/unsigned",
    UnsignedParty,
    summary="Who has not signed yet (the reminders list)",
)
async def unsigned_agreements(
    campaign_id: str,
    safety: CampusCommandsDep,
    principal: CurrentPrincipal,
    party_kind: PartyKind | None = None,
    class_id: str | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    principal.require_role(*STAFF_ON_CAMPUS)
    await campaign(safety.pool, principal, campaign_id)
    return await unsigned_list(campaign_id, party_kind, class_id).page(safety.pool, after, limit)
