"""Deliveries and pesticide quick tests: the commands of the table (receive, weigh, test, accept or
reject a line, sign), and the reads (a campus's deliveries, one delivery, the quick tests, the
certificates about to expire). The canteen's readers read them; a parent does not."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query as Param

from services.campus.scoped import CampusCommands, CampusCommandsDep
from services.canteen.commands import COMMANDS, rules_in_force
from services.canteen.common import READERS
from services.canteen.deliveries import DeliveryStatus
from services.canteen.queries.deliveries import (
    delivery,
    delivery_list,
    expiring_certificate_list,
    pesticide_test_list,
)
from services.canteen.queries.delivery_models import DeliveryFile, DeliverySummary, ExpiringCertificate, PesticideTest
from services.eventkit.app import CurrentPrincipal
from services.eventkit.auth import Principal
from services.eventkit.days import school_today
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import Forbidden, NotFound
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, AsOf, Limit

router = COMMANDS.router("deliveries")

FromDay = Annotated[date | None, Param(description="From this day on (YYYY-MM-DD)")]
ToDay = Annotated[date | None, Param(description="Up to this day, inclusive (YYYY-MM-DD)")]


async def campus_in_scope(canteen: CampusCommands, principal: Principal, campus_id: str | None) -> TenantPath | None:
    """The campus a read names, which the caller reads (403 if not; 404 if nobody knows it)."""
    principal.require_role(*READERS)
    if campus_id is None:
        return None
    row = await canteen.pool.fetchrow(
        "SELECT district_id, school_id FROM directory_campuses WHERE campus_id = $1", campus_id
    )
    if row is None:
        raise NotFound(f"campus {campus_id} not found")
    tenant = TenantPath(district_id=row["district_id"], school_id=row["school_id"], campus_id=campus_id)
    if not principal.holds(tenant, *READERS):
        raise Forbidden(f"{principal.subject} does not read the canteen of campus {campus_id}")
    return tenant


@page_route(router, "/deliveries", DeliverySummary, summary="Deliveries: received, weighed, accepted, signed")
async def list_deliveries(
    canteen: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    from_day: FromDay = None,
    to_day: ToDay = None,
    supplier_id: str | None = None,
    state: DeliveryStatus | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    await campus_in_scope(canteen, principal, campus_id)
    value = state.value if state is not None else None
    query = delivery_list(principal, campus_id, from_day, to_day, supplier_id, value)
    return await query.page(canteen.pool, after, limit)


@page_route(router, "/pesticide-tests", PesticideTest, summary="Pesticide quick tests of deliveries, and failures")
async def list_pesticide_tests(
    canteen: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    from_day: FromDay = None,
    to_day: ToDay = None,
    failed: Annotated[bool | None, Param(description="true: only the failed tests; false: only the passed")] = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    await campus_in_scope(canteen, principal, campus_id)
    return await pesticide_test_list(principal, campus_id, from_day, to_day, failed).page(canteen.pool, after, limit)


@page_route(
    router,
    "/supplier-certificates/expiring",
    ExpiringCertificate,
    summary="Certificates of a campus's suppliers expiring within the district's warning days (or expired)",
)
async def list_expiring_certificates(
    canteen: CampusCommandsDep,
    principal: CurrentPrincipal,
    campus_id: str,
    within_days: Annotated[
        int | None, Param(ge=0, le=366, description="Within this many days (default: the district's warning days)")
    ] = None,
    as_of: AsOf = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    tenant = await campus_in_scope(canteen, principal, campus_id)
    assert tenant is not None and tenant.district_id is not None
    day = as_of or school_today()
    if within_days is None:
        within_days = (await rules_in_force(canteen, tenant.district_id, day)).certificate_warning_days
    return await expiring_certificate_list(principal, campus_id, day, within_days).page(canteen.pool, after, limit)


@router.get("/deliveries/{delivery_id}", summary="One delivery with its lines, weighings, tests and decisions")
async def get_delivery(delivery_id: str, canteen: CampusCommandsDep, principal: CurrentPrincipal) -> DeliveryFile:
    principal.require_role(*READERS)
    return DeliveryFile.model_validate(await delivery(canteen.pool, principal, delivery_id))
