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
from typing import Annotated, Generic, TypeVar

import asyncpg
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.eventkit.auth import Principal, Role
from services.eventkit.bounds import NO_NUL, SHORT_TEXT_LENGTH
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


# Every value is bounded: a client (the gateway) sends them to the report service in a draft.
INT4_MAX = 2**31 - 1
T = TypeVar("T")
Number = Annotated[int, Field(ge=0, le=INT4_MAX)]
Signed = Annotated[int, Field(ge=-INT4_MAX, le=INT4_MAX)]
Measure = Annotated[float, Field(ge=-1e9, le=1e9)]
Label = Annotated[str, StringConstraints(max_length=SHORT_TEXT_LENGTH, pattern=NO_NUL)]
Many = Annotated[tuple[T, ...], Field(max_length=1000)]


class Figures(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", use_attribute_docstrings=True)


class Count(Figures):
    """A labelled count (a setting, a kind, a theme, a class, an authority...)."""

    label: Label
    """What is counted (a setting, kind, theme, class, authority or role, as the service names it)"""
    count: Number
    """How many"""


class TermScope(Figures):
    """The term and the campuses a reader's figures cover."""

    school_id: Label
    """The school"""
    district_id: Label
    """Its district"""
    term_id: Label
    """The term of the school calendar"""
    term_name: Label
    """The term's name (2020-2021 第一学期)"""
    starts_on: date
    """The term's first day"""
    ends_on: date
    """The term's last day: the figures are as of its end"""
    campus_ids: Many[Label]
    """The campuses the figures cover"""
    campus_names: Many[Label] = ()
    """Their names, in the same order"""
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
    """The term and the campuses covered"""
    figures: P
    """The service's part"""


# -- safety ---------------------------------------------------------------------------------


class AgreementFigures(Figures):
    staff_signed: Number = 0
    """Staff of the campuses who signed the term's safety agreement by its end"""
    staff_total: Number = 0
    """Staff of the campuses at the term's end"""
    parents_signed: Number = 0
    """Parents who signed the agreement for their child by the term's end"""
    parents_total: Number = 0
    """Parents of the pupils on the campuses"""
    parents_first_time: bool = Field(False, description="No parent agreement before this term")


class HealthFigures(Figures):
    files_opened: Number = 0
    """Health files (一人一档) opened in the term"""
    new_pupils: Number = 0
    """Of them, of new pupils"""
    transfer_pupils: Number = 0
    """Of them, of transfer pupils (插班生)"""
    special_conditions: Number = 0
    """Special conditions (特殊体质) filed in the term"""
    teachers_told: Number = Field(0, description="Acknowledgements by teachers of a special condition")
    teachers_to_tell: Number = 0
    """Teachers still to acknowledge a special condition at the term's end"""


class InspectionKindFigures(Figures):
    kind: Label  # daily_patrol, monthly_check, special_check, fire ... as the service names them
    """daily_patrol, monthly_check, special_check or fire"""
    done: Number = 0
    """Completed in the term"""
    missed: Number = 0
    """Due by the campus's rhythm and not done"""


class FireCheckFigures(Figures):
    done: Number = 0
    """Fire checks completed in the term"""
    months_with_check: Number = 0
    """Months in which every campus completed one"""
    months_in_term: Number = 0
    """Months of the term"""
    two_directors: Number = Field(0, description="Fire checks completed with two distinct directors' sign-offs")
    directors: Many[Label] = ()  # their names
    """The directors who signed them, most sign-offs first"""


class HazardItem(Figures):
    hazard_id: Label
    """The hazard"""
    title: Label
    """What it is"""
    place: Label = ""
    """Where"""
    campus_id: Label
    """Its campus"""
    campus_name: Label = ""
    """Its campus's name"""
    escalated_to: Label | None = None
    """The outside authority it was escalated to"""
    status: Label
    """Its status at the term's end"""
    age_days: Number | None = Field(None, description="Days from report to closing (or to the term's end if open)")


class HazardFigures(Figures):
    reported: Number = 0
    """Hazards reported in the term"""
    escalated: Number = 0
    """Escalated to an outside authority by the term's end"""
    resolved: Number = 0
    """Closed in the term"""
    open: Number = 0
    """Open at the term's end"""
    escalated_to: Many[Count] = ()  # per authority
    """Escalations per authority"""
    by_age: Many[Count] = ()  # buckets in this order: "7天内", "8–30天", "30天以上"
    """Hazards by age: 7天内, 8–30天, 30天以上"""
    median_age_days: Measure | None = None
    """The median age in days"""
    escalated_items: Many[HazardItem] = ()
    """The hazards escalated"""


class BusFigures(Figures):
    buses: Number = 0
    """School buses on the campuses (一车一档)"""
    files_complete: Number = Field(0, description="Buses with every one of the six fixed items (六定) on file")
    route_checks: Number = 0
    """Route checks in the term"""
    violations: Number = 0
    """Traffic violations in the term"""
    violations_rectified: Number = 0
    """Of them, rectified"""


class DrillFigures(Figures):
    kind: Label  # epidemic, infectious_disease, food_poisoning, fire, school_bus, gas_leak, ...
    """epidemic, infectious_disease, food_poisoning, fire, school_bus, gas_leak or other"""
    campus_id: Label
    """Its campus"""
    held_on: date | None = None
    """The day it was held (none: planned, not held)"""
    planned: bool = True
    """It had a plan"""
    recorded: bool = False
    """It was held and recorded"""
    summarised: bool = False
    """Its summary was written"""


class EducationFigures(Figures):
    friday_sessions: Number = 0
    """Friday safety sessions (夕会) delivered in the term"""
    sessions_checked: Number = 0
    """Of them, checked"""
    flag_ceremonies: Number = 0
    """Safety flag ceremonies held"""
    ceremony_months: Number = 0
    """Months with one"""


class CampaignFigures(Figures):
    name: Label
    """The campaign (交通安全日“六个一”)"""
    theme: Label = ""
    """Its theme"""
    activities: Number = 0
    """Activities planned"""
    activities_done: Number = 0
    """Activities done"""


class InjuryFigures(Figures):
    total: Number = 0
    """Pupils' injuries in the term"""
    by_setting: Many[Count] = ()  # setting as the service names it: pe_class, break, activity, ...
    """Injuries per setting: pe, break, activity, other"""
    causes: Many[Label] = ()
    """The causes found when closing them"""
    measures: Many[Label] = ()
    """The measures taken"""
    at_breaks: Number = 0
    """Injuries at breaks or in activities"""
    at_breaks_with_duty: Number = Field(0, description="Break-time injuries with the floor's duty teacher checked in")


class SafetyFigures(Figures):
    agreements: AgreementFigures = AgreementFigures()
    """Safety agreements (责任状)"""
    health: HealthFigures = HealthFigures()
    """Health files and special conditions"""
    inspections: Many[InspectionKindFigures] = ()
    """The patrol and check regime, per kind"""
    fire_checks: FireCheckFigures = FireCheckFigures()
    """Monthly fire checks by two directors"""
    hazards: HazardFigures = HazardFigures()
    """Hazards"""
    buses: BusFigures = BusFigures()
    """School buses"""
    drills: Many[DrillFigures] = ()
    """Drills"""
    education: EducationFigures = EducationFigures()
    """Safety education"""
    campaigns: Many[CampaignFigures] = ()
    """Safety campaigns"""
    injuries: InjuryFigures = InjuryFigures()
    """Pupils' injuries"""
    communications_by_theme: Many[Count] = ()
    """Communications to parents per theme"""
    students_watched: Number = 0
    """Pupils under a watch in the term (a number only)"""
    camera_areas_uncovered: Number = 0
    """Areas without camera coverage at the term's end"""
    incidents_in_uncovered_areas: Number = 0
    """Injuries and hazards in them"""


# -- canteen --------------------------------------------------------------------------------


class CommitteeFigures(Figures):
    members: Number = 0
    """Members on the term's last day"""
    meetings: Number = 0
    """Meetings held in the term"""
    first_meeting_on: date | None = None
    """Its first meeting"""
    new_this_term: bool = False
    """Formed in the term (新一届)"""


class ParentVisitFigures(Figures):
    visits: Number = 0
    """Parents' visits to the canteen in the term"""
    weeks_with_visit: Number = 0
    """School weeks with a visit"""
    school_weeks: Number = 0
    """Weeks of the term"""
    reflections_published: Number = 0
    """Reflections published (心得体会)"""


class CoverageFigures(Figures):
    """Days of service in the term, and the days the record was kept."""

    days: Number = 0
    """Days of service in the term"""
    days_covered: Number = 0
    """Days every serving campus kept the record"""


class ServingFigures(Figures):
    audits: Number = 0
    """Serving audits in the term"""
    uneven: Number = Field(0, description="Audits that found uneven portions")


class ContestFigures(Figures):
    name: Label
    """The contest"""
    held_on: date | None = None
    """When"""
    entrants: Number = 0
    """How many took part"""
    winners: Many[Label] = ()
    """The prize winners, best first"""
    level: Label = "school"
    """school, district, city..."""


class CanteenFigures(Figures):
    committee: CommitteeFigures = CommitteeFigures()
    """The meal committee (膳食委员会)"""
    parent_visits: ParentVisitFigures = ParentVisitFigures()
    """Parents in the canteen (家长进校园)"""
    accompanied_meals: Number = 0
    """Accompanied meals (陪餐)"""
    samples: CoverageFigures = CoverageFigures()
    """Food samples kept (留样)"""
    morning_checks: CoverageFigures = CoverageFigures()
    """Staff morning checks (晨检)"""
    serving: ServingFigures = ServingFigures()
    """Serving audits"""
    contests: Many[ContestFigures] = ()
    """The canteen's contests"""


# -- inventory ------------------------------------------------------------------------------


class PurchaseFigures(Figures):
    declared: Number = 0
    """Purchases declared in the term"""
    approved: Number = 0
    """Approved in the term"""
    accepted: Number = 0
    """Accepted in the term"""
    settled: Number = 0
    """Settled in the term"""
    daily_goods_accepted: Number = 0
    """Everyday goods accepted (by a vice principal)"""
    daily_goods_acceptors: Many[Label] = ()  # names (the campus vice principals)
    """Who signed them"""
    major_accepted: Number = 0
    """Major purchases accepted (by the acceptance team)"""
    major_acceptors: Many[Label] = ()  # names (the acceptance team)
    """Who signed them"""
    spend_fen: Number = 0  # yuan, of accepted purchases
    """What the accepted purchases cost, in fen (a hundredth of a yuan)"""


class StockFigures(Figures):
    requisition_lists: Number = 0
    """Requisition lists (领用清单) issued"""
    requisition_lines: Number = 0
    """Their lines"""
    quota_items: Number = 0
    """Department items with a quota for the term"""
    over_quota: Number = 0
    """Of them, used beyond the quota"""
    stock_takes: Number = 0
    """Stock-takes closed"""
    variance_lines: Number = 0
    """Their lines with a variance"""
    net_variance: Signed = 0
    """The net variance, in units"""
    exchanges: Number = Field(0, description="Old-for-new issues")
    compensation_charges: Number = 0
    """Charges for person-caused damage (照价赔偿)"""
    compensation_fen: Number = 0
    """Their amount, in fen"""


class AssetFigures(Figures):
    registered: Number = 0
    """Assets registered by the term's end"""
    unregistered: Number = 0
    """Assets received and not yet registered"""
    damage_by_class: Many[Count] = ()  # class name -> damage reports
    """Damage reports per class"""


class KeyFigures(Figures):
    issued: Number = 0
    """Keys issued in the term"""
    returned: Number = 0
    """Returned"""
    outstanding: Number = 0
    """Not returned at the term's end"""
    lost: Number = 0
    """Reported lost"""


class RepairFigures(Figures):
    reported: Number = 0
    """Repairs reported in the term"""
    done: Number = 0
    """Done"""
    verified: Number = 0
    """Verified"""
    median_turnaround_hours: Measure | None = None
    """Median hours from report to verification (or to done)"""
    by_reporter_role: Many[Count] = ()  # cleaner, guard, logistics_manager ...
    """Repairs per reporter's role (cleaner, guard...)"""


class InventoryFigures(Figures):
    purchases: PurchaseFigures = PurchaseFigures()
    """Procurement"""
    stock: StockFigures = StockFigures()
    """Stock, quotas and requisitions"""
    assets: AssetFigures = AssetFigures()
    """Assets"""
    keys: KeyFigures = KeyFigures()
    """Keys"""
    repairs: RepairFigures = RepairFigures()
    """Repairs"""


# -- hr_eval --------------------------------------------------------------------------------


class AppraisalMonthFigures(Figures):
    month: Label  # YYYY-MM
    """The month, YYYY-MM"""
    campus_id: Label
    """The campus"""
    workers: Number = 0
    """Workers appraised"""
    average: Measure | None = None
    """Their average total"""
    published: bool = False
    """The month was published by the term's end"""


class RuleFigures(Figures):
    code: Label
    """The rule's code"""
    text: Label = ""
    """What it says"""
    count: Number = 0
    """Items under it"""
    points: Signed = 0
    """Their points"""


class AwardFigures(Figures):
    title: Label
    """The award"""
    level: Label = ""  # school, district, city ...
    """school, district, city..."""
    prize: Label = ""
    """first, second, third..."""
    recipient: Label = ""
    """Who received it"""


class HonourFigures(Figures):
    title: Label
    """The honour (常州市园林式单位)"""
    level: Label = ""
    """Its level"""
    awarded_on: date | None = None
    """When it was conferred"""


class AppraisalFigures(Figures):
    months: Many[AppraisalMonthFigures] = ()
    """Per month and campus"""
    deductions: Number = 0
    """Deductions in the term's months"""
    deductions_told_before: Number = Field(0, description="Deductions communicated to the worker before publishing")
    deductions_by_rule: Many[RuleFigures] = ()
    """Deductions per rule, most frequent first"""
    disputes: Number = 0
    """Items disputed"""
    disputes_resolved: Number = 0
    """Of them, resolved"""
    contests: Many[ContestFigures] = ()
    """The school's contests"""
    awards: Many[AwardFigures] = ()
    """Awards in the term"""
    honours: Many[HonourFigures] = ()
    """The school's honours in the term"""


class TermFigures(Figures):
    """The four parts together: what the report is drafted from."""

    scope: TermScope
    """The term and the campuses"""
    safety: SafetyFigures = SafetyFigures()
    """Safety's part"""
    canteen: CanteenFigures = CanteenFigures()
    """The canteen's part"""
    inventory: InventoryFigures = InventoryFigures()
    """The inventory's part"""
    appraisals: AppraisalFigures = AppraisalFigures()
    """The staff appraisal's part"""
