"""The district's canteen rules: setting them (the command table's) and reading those in force."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query as Param
from pydantic import BaseModel, Field

from services.campus.scoped import CampusCommandsDep
from services.canteen.commands import COMMANDS, rules_in_force
from services.canteen.events import BannedDish
from services.eventkit.app import CurrentPrincipal
from services.eventkit.days import school_today
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import Forbidden

router = COMMANDS.router("rules")


class CanteenRulesView(BaseModel):
    """The canteen rules in force in a district on a day (the defaults until it set its own)."""

    district_id: str
    on: date
    effective_on: date | None = Field(description="When these rules took effect (none: the defaults)")
    sample_min_grams: int
    sample_min_hours: int
    delivery_weight_tolerance_permille: int
    serving_tolerance_permille: int
    certificate_warning_days: int
    oversight_committee_required: bool
    banned_dishes: list[BannedDish]


@router.get("/canteen-rules/{district_id}", summary="The district's canteen rules in force on a day")
async def get_canteen_rules(
    district_id: str,
    canteen: CampusCommandsDep,
    principal: CurrentPrincipal,
    on: Annotated[date | None, Param(description="The day (YYYY-MM-DD); default: today at the school")] = None,
) -> CanteenRulesView:
    """Anyone with a scope in the district reads them."""
    rows = await canteen.pool.fetch(
        "SELECT school_id, campus_id FROM directory_campuses WHERE district_id = $1", district_id
    )
    if not any(
        principal.covers(TenantPath(district_id=district_id, school_id=r["school_id"], campus_id=r["campus_id"]))
        for r in rows
    ):
        raise Forbidden(f"{principal.subject} has no scope in district {district_id}")
    day = on or school_today()
    rules = await rules_in_force(canteen, district_id, day)
    return CanteenRulesView(
        district_id=district_id,
        on=day,
        effective_on=rules.effective_on,
        sample_min_grams=rules.sample_min_grams,
        sample_min_hours=rules.sample_min_hours,
        delivery_weight_tolerance_permille=rules.delivery_weight_tolerance_permille,
        serving_tolerance_permille=rules.serving_tolerance_permille,
        certificate_warning_days=rules.certificate_warning_days,
        oversight_committee_required=rules.oversight_committee_required,
        banned_dishes=list(rules.banned_dishes),
    )
