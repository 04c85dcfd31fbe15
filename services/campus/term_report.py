"""The term report's figures: what each service tells the logistics office's summary of a term.

The summary (后勤条线总结) cites facts of every area: agreements, inspections, hazards and
drills (safety); the meal committee, parent visits and samples (canteen); purchases, stock,
assets, keys and repairs (inventory); appraisals, contests and honours (hr_eval). Each
service answers ``GET /term-figures?school_id=&term_id=[&campus_id=]`` with its part, computed
from its own read models as of the term's last day; the gateway puts the four together and
the report service drafts the narrative from them.

This module is the contract between them (every service may import ``services.campus``):
the models of each part, and :func:`term_scope`, the one rule of who may read a term's
figures and over which campuses. A part only grows by optional fields, so that a report
drafted from older figures still reads.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Generic, TypeVar

import asyncpg
from pydantic import BaseModel, ConfigDict, Field

from services.eventkit.auth import Principal, Role
from services.eventkit.db import Connection
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import Forbidden, NotFound

# Who reads a term's figures and its report: the district's admins, the school's principal and
# its logistics managers (a manager granted one campus reads that campus only). Teachers,
# workers and parents do not.
REPORT_READERS: tuple[Role, ...] = (
    Role.PLATFORM_ADMIN,
    Role.DISTRICT_ADMIN,
    Role.PRINCIPAL,
    Role.LOGISTICS_MANAGER,
)


class Figures(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Count(Figures):
    """A labelled count (a setting, a kind, a theme, a class, an authority...)."""

    label: str
    count: int


class TermScope(Figures):
    """The term and the campuses a reader's figures cover."""

    school_id: str
    district_id: str
    term_id: str
    term_name: str
    starts_on: date
    ends_on: date
    campus_ids: tuple[str, ...]
    campus_names: tuple[str, ...] = ()
    whole_school: bool = Field(description="Every campus of the school is covered")


async def term_scope(
    db: asyncpg.Pool | Connection,
    principal: Principal,
    school_id: str,
    term_id: str,
    campus_id: str | None = None,
) -> TermScope:
    """The term and campuses ``principal`` may read figures of: 403 for a role that does not
    read reports or a school outside the reader's scope, 404 for a term the school does not have.

    Without ``campus_id``: every campus of the school over which the reader holds a report
    role (a campus manager gets their campus, a principal the school). With it: that campus,
    if covered."""
    principal.require_role(*REPORT_READERS)
    term = await db.fetchrow(
        "SELECT term_id, name, starts_on, ends_on FROM directory_terms WHERE term_id = $1 AND school_id = $2",
        term_id,
        school_id,
    )
    campuses = await db.fetch(
        "SELECT campus_id, district_id, name FROM directory_campuses WHERE school_id = $1 ORDER BY campus_id",
        school_id,
    )
    if not campuses:
        raise NotFound(f"school {school_id} is not known here", field="school_id")
    district_id = campuses[0]["district_id"]
    held = [
        c
        for c in campuses
        if principal.holds(
            TenantPath(district_id=district_id, school_id=school_id, campus_id=c["campus_id"]), *REPORT_READERS
        )
    ]
    if not held:
        raise Forbidden(f"{principal.subject} reads no report of school {school_id}")
    if term is None:
        raise NotFound(f"school {school_id} has no term {term_id}", field="term_id")
    if campus_id is not None:
        held = [c for c in held if c["campus_id"] == campus_id]
        if not held:
            if campus_id not in {c["campus_id"] for c in campuses}:
                raise NotFound(f"campus {campus_id} is not a campus of {school_id}", field="campus_id")
            raise Forbidden(f"{principal.subject} reads no report of campus {campus_id}")
    return TermScope(
        school_id=school_id,
        district_id=district_id,
        term_id=term["term_id"],
        term_name=term["name"],
        starts_on=term["starts_on"],
        ends_on=term["ends_on"],
        campus_ids=tuple(c["campus_id"] for c in held),
        campus_names=tuple(c["name"] for c in held),
        whole_school=len(held) == len(campuses),
    )


P = TypeVar("P", bound=Figures)


class TermPart(Figures, Generic[P]):
    """A service's answer to ``GET /term-figures``: the scope it covered and its part."""

    scope: TermScope
    figures: P


# -- safety ---------------------------------------------------------------------------------


class AgreementFigures(Figures):
    staff_signed: int = 0
    staff_total: int = 0
    parents_signed: int = 0
    parents_total: int = 0
    parents_first_time: bool = Field(False, description="No parent agreement before this term")


class HealthFigures(Figures):
    files_opened: int = 0
    new_pupils: int = 0
    transfer_pupils: int = 0
    special_conditions: int = 0
    teachers_told: int = Field(0, description="Acknowledgements by teachers of a special condition")
    teachers_to_tell: int = 0


class InspectionKindFigures(Figures):
    kind: str  # daily_patrol, monthly_check, special_check, fire ... as the service names them
    done: int = 0
    missed: int = 0


class FireCheckFigures(Figures):
    done: int = 0
    months_with_check: int = 0
    months_in_term: int = 0
    two_directors: int = Field(0, description="Fire checks completed with two distinct directors' sign-offs")
    directors: tuple[str, ...] = ()  # their names


class HazardItem(Figures):
    hazard_id: str
    title: str
    place: str = ""
    campus_id: str
    campus_name: str = ""
    escalated_to: str | None = None
    status: str
    age_days: int | None = Field(None, description="Days from report to closing (or to the term's end if open)")


class HazardFigures(Figures):
    reported: int = 0
    escalated: int = 0
    resolved: int = 0
    open: int = 0
    escalated_to: tuple[Count, ...] = ()  # per authority
    by_age: tuple[Count, ...] = ()  # buckets in this order: "7天内", "8–30天", "30天以上"
    median_age_days: float | None = None
    escalated_items: tuple[HazardItem, ...] = ()


class BusFigures(Figures):
    buses: int = 0
    files_complete: int = Field(0, description="Buses with every one of the six fixed items (六定) on file")
    route_checks: int = 0
    violations: int = 0
    violations_rectified: int = 0


class DrillFigures(Figures):
    kind: str  # epidemic, infectious_disease, food_poisoning, fire, school_bus, gas_leak, ...
    campus_id: str
    held_on: date | None = None
    planned: bool = True
    recorded: bool = False
    summarised: bool = False


class EducationFigures(Figures):
    friday_sessions: int = 0
    sessions_checked: int = 0
    flag_ceremonies: int = 0
    ceremony_months: int = 0


class CampaignFigures(Figures):
    name: str
    theme: str = ""
    activities: int = 0
    activities_done: int = 0


class InjuryFigures(Figures):
    total: int = 0
    by_setting: tuple[Count, ...] = ()  # setting as the service names it: pe_class, break, activity, ...
    causes: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    at_breaks: int = 0
    at_breaks_with_duty: int = Field(0, description="Break-time injuries with the floor's duty teacher checked in")


class SafetyFigures(Figures):
    agreements: AgreementFigures = AgreementFigures()
    health: HealthFigures = HealthFigures()
    inspections: tuple[InspectionKindFigures, ...] = ()
    fire_checks: FireCheckFigures = FireCheckFigures()
    hazards: HazardFigures = HazardFigures()
    buses: BusFigures = BusFigures()
    drills: tuple[DrillFigures, ...] = ()
    education: EducationFigures = EducationFigures()
    campaigns: tuple[CampaignFigures, ...] = ()
    injuries: InjuryFigures = InjuryFigures()
    communications_by_theme: tuple[Count, ...] = ()
    students_watched: int = 0
    camera_areas_uncovered: int = 0
    incidents_in_uncovered_areas: int = 0


# -- canteen --------------------------------------------------------------------------------


class CommitteeFigures(Figures):
    members: int = 0
    meetings: int = 0
    first_meeting_on: date | None = None
    new_this_term: bool = False


class ParentVisitFigures(Figures):
    visits: int = 0
    weeks_with_visit: int = 0
    school_weeks: int = 0
    reflections_published: int = 0


class CoverageFigures(Figures):
    """Days of service in the term, and the days the record was kept."""

    days: int = 0
    days_covered: int = 0


class ServingFigures(Figures):
    audits: int = 0
    uneven: int = Field(0, description="Audits that found uneven portions")


class ContestFigures(Figures):
    name: str
    held_on: date | None = None
    entrants: int = 0
    winners: tuple[str, ...] = ()
    level: str = "school"


class CanteenFigures(Figures):
    committee: CommitteeFigures = CommitteeFigures()
    parent_visits: ParentVisitFigures = ParentVisitFigures()
    accompanied_meals: int = 0
    samples: CoverageFigures = CoverageFigures()
    morning_checks: CoverageFigures = CoverageFigures()
    serving: ServingFigures = ServingFigures()
    contests: tuple[ContestFigures, ...] = ()


# -- inventory ------------------------------------------------------------------------------


class PurchaseFigures(Figures):
    declared: int = 0
    approved: int = 0
    accepted: int = 0
    settled: int = 0
    daily_goods_accepted: int = 0
    daily_goods_acceptors: tuple[str, ...] = ()  # names (the campus vice principals)
    major_accepted: int = 0
    major_acceptors: tuple[str, ...] = ()  # names (the acceptance team)
    spend: Decimal = Decimal(0)  # yuan, of accepted purchases


class StockFigures(Figures):
    requisition_lists: int = 0
    requisition_lines: int = 0
    quota_items: int = 0
    over_quota: int = 0
    stock_takes: int = 0
    variance_lines: int = 0
    net_variance: int = 0
    exchanges: int = Field(0, description="Old-for-new issues")
    compensation_charges: int = 0
    compensation_amount: Decimal = Decimal(0)


class AssetFigures(Figures):
    registered: int = 0
    unregistered: int = 0
    damage_by_class: tuple[Count, ...] = ()  # class name -> damage reports


class KeyFigures(Figures):
    issued: int = 0
    returned: int = 0
    outstanding: int = 0
    lost: int = 0


class RepairFigures(Figures):
    reported: int = 0
    done: int = 0
    verified: int = 0
    median_turnaround_hours: float | None = None
    by_reporter_role: tuple[Count, ...] = ()  # cleaner, guard, logistics_manager ...


class InventoryFigures(Figures):
    purchases: PurchaseFigures = PurchaseFigures()
    stock: StockFigures = StockFigures()
    assets: AssetFigures = AssetFigures()
    keys: KeyFigures = KeyFigures()
    repairs: RepairFigures = RepairFigures()


# -- hr_eval --------------------------------------------------------------------------------


class AppraisalMonthFigures(Figures):
    month: str  # YYYY-MM
    campus_id: str
    workers: int = 0
    average: float | None = None
    published: bool = False


class RuleFigures(Figures):
    code: str
    text: str = ""
    count: int = 0
    points: float = 0


class AwardFigures(Figures):
    title: str
    level: str = ""  # school, district, city ...
    prize: str = ""
    recipient: str = ""


class HonourFigures(Figures):
    title: str
    level: str = ""
    awarded_on: date | None = None


class AppraisalFigures(Figures):
    months: tuple[AppraisalMonthFigures, ...] = ()
    deductions: int = 0
    deductions_told_before: int = Field(0, description="Deductions communicated to the worker before publishing")
    deductions_by_rule: tuple[RuleFigures, ...] = ()
    disputes: int = 0
    disputes_resolved: int = 0
    contests: tuple[ContestFigures, ...] = ()
    awards: tuple[AwardFigures, ...] = ()
    honours: tuple[HonourFigures, ...] = ()


class TermFigures(Figures):
    """The four parts together: what the report is drafted from."""

    scope: TermScope
    safety: SafetyFigures = SafetyFigures()
    canteen: CanteenFigures = CanteenFigures()
    inventory: InventoryFigures = InventoryFigures()
    appraisals: AppraisalFigures = AppraisalFigures()
