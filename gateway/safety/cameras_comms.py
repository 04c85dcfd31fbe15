"""Camera coverage, parent communications, flag ceremonies, safety campaigns and the injury
summary by setting in GraphQL: their types, the safety service's calls that read them, the root
fields and the part of ``Campus`` they add (composed in ``gateway.campus``).

Each reads the safety service's endpoint, so the scope is the service's; the injury summary
counts only, and its incidents come from the injuries list, which withholds what happened,
the first aid, the cause and the measures from whoever may not read them (``detailsWithheld``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from gateway.clients import service_path
from gateway.common.campuses import CampusRef, campus_at_once, load_campus
from gateway.common.enums import InjurySetting, _describe
from gateway.common.pages import AsOf, Connection, day, get, one, page
from gateway.context import GatewayContext
from gateway.safety.types import Incident
from services.safety.events import AudienceScope, CommunicationKind, SafetyTheme

Ctx = Info[GatewayContext, None]

_describe(CommunicationKind, "How the school spoke to parents about safety", {
    "LETTER": "A letter to parents (告家长书)",
    "EXPERT_TALK": "A talk by an expert (专家讲座): police, firefighters, doctors",
    "WECHAT_POST": "A post on the school's WeChat (微信推送)",
    "PARENT_MEETING": "A parents' meeting (家长会)",
    "OTHER": "Any other way",
})  # fmt: skip
_describe(SafetyTheme, "A theme of safety education", {
    "DROWNING": "Preventing drowning (防溺水)",
    "BULLYING": "Preventing bullying at school (防校园欺凌)",
    "FIRE": "Fire safety (消防)",
    "MENTAL_HEALTH": "Mental health (心理健康)",
    "TRAFFIC": "Traffic safety (交通安全)",
    "SCHOOL_BUS": "School bus safety (校车安全)",
    "FOOD_SAFETY": "Food safety (食品安全)",
    "EPIDEMIC": "Epidemics and infectious disease (疫情防控)",
    "GAS": "Gas safety (燃气安全)",
    "OTHER": "Any other theme",
})  # fmt: skip
_describe(AudienceScope, "Who a communication was for", {
    "CAMPUS": "Every family of the campus",
    "GRADES": "The families of some grades",
    "CLASSES": "The families of some classes",
})  # fmt: skip

FromDay = Annotated[dt.date | None, strawberry.argument(description="On or after this day")]
ToDay = Annotated[dt.date | None, strawberry.argument(description="On or before this day")]
TermId = Annotated[strawberry.ID, strawberry.argument(description="The term (e.g. 2020-2021-1)")]

# -- camera coverage -------------------------------------------------------------------------


@strawberry.type(description="A camera of an area, as it was on the day asked")
class CameraOnDay:
    camera_id: strawberry.ID = strawberry.field(description="The camera")
    status: str = strawberry.field(description="working, out_of_order or removed")
    since: dt.date = strawberry.field(description="The day of the change that put it so")


@strawberry.type(description="A change of a camera of an area: installed, removed, out of order, repaired")
class CameraChange:
    camera_id: strawberry.ID = strawberry.field(description="The camera")
    change: str = strawberry.field(description="installed, removed, out_of_order or repaired")
    on: dt.date = strawberry.field(description="The day it happened")
    note: str = strawberry.field(description="What was noted")


@strawberry.type(description="An area of a campus (a place of a building or the grounds) and its camera coverage")
class CameraArea:
    area_id: strawberry.ID = strawberry.field(description="The area")
    campus_id: strawberry.ID
    building: str = strawberry.field(description="The building, or the grounds")
    place: str = strawberry.field(description="The place in it")
    mapped_on: dt.date = strawberry.field(description="The day it was mapped")
    as_of: dt.date = strawberry.field(description="The day its coverage is read for")
    covered: bool = strawberry.field(description="At least one of its cameras works that day")
    working_cameras: int = strawberry.field(description="Its cameras working that day")
    cameras: list[CameraOnDay] = strawberry.field(description="Its cameras as they were that day")

    @strawberry.field(description="The campus")
    @campus_at_once
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))

    @strawberry.field(description="Every change of its cameras, in order")
    async def changes(self, info: Ctx) -> list[CameraChange]:
        path = service_path("/camera-areas/{area_id}", area_id=str(self.area_id))
        found = await one(info.context, "safety", path, CameraAreaChanges)
        return found.changes if found is not None else []


@strawberry.type(description="The changes of a camera area's cameras, as the safety service answers one area")
class CameraAreaChanges:
    changes: list[CameraChange] = strawberry.field(description="Every change of its cameras, in order")


@strawberry.type(description="An injury or a hazard and the camera coverage where it happened")
class IncidentPlace:
    kind: str = strawberry.field(description="injury or hazard")
    incident_id: strawberry.ID = strawberry.field(description="The injury or the hazard")
    campus_id: strawberry.ID
    occurred_on: dt.date = strawberry.field(description="The day it happened (a hazard: was reported)")
    area_id: strawberry.ID | None = strawberry.field(description="The camera area it was placed in (null: none)")
    placed_by: str | None = strawberry.field(
        description="area_id (its report named the area) or place (its place text is the area's)"
    )
    coverage: str = strawberry.field(description="covered, uncovered (on its day) or unplaced")


@strawberry.type(description="How many were in covered areas, in uncovered ones, or placed in no area")
class CoverageCount:
    covered: int = strawberry.field(description="In an area covered that day")
    uncovered: int = strawberry.field(description="In an area no camera covered that day")
    unplaced: int = strawberry.field(description="Placed in no mapped area")


@strawberry.type(description="A campus's injuries and hazards over a range, by the camera coverage where they happened")
class IncidentCoverage:
    campus_id: strawberry.ID
    injuries: CoverageCount = strawberry.field(description="Injuries")
    hazards: CoverageCount = strawberry.field(description="Hazards")
    uncovered: list[IncidentPlace] = strawberry.field(description="The injuries and hazards in uncovered areas")
    unplaced: list[IncidentPlace] = strawberry.field(description="Those placed in no mapped area")


# -- parent communications -------------------------------------------------------------------


@strawberry.type(description="Who a communication was for")
class CommunicationAudience:
    scope: AudienceScope = strawberry.field(description="The whole campus, some grades or some classes")
    grades: list[int] = strawberry.field(description="The grades (scope grades)")
    class_ids: list[strawberry.ID] = strawberry.field(description="The classes (scope classes)")


@strawberry.type(
    description="A letter to parents (告家长书), an expert talk (专家讲座) or a WeChat post (微信推送) on safety themes"
)
class ParentCommunication:
    communication_id: strawberry.ID = strawberry.field(description="The communication")
    campus_id: strawberry.ID
    term_id: strawberry.ID = strawberry.field(description="The term it went out in")
    kind: CommunicationKind = strawberry.field(description="A letter, an expert talk, a WeChat post ...")
    themes: list[SafetyTheme] = strawberry.field(description="Its safety themes")
    sent_on: dt.date = strawberry.field(description="The day it went out or was held")
    audience: CommunicationAudience = strawberry.field(description="Who it was for")
    title: str = strawberry.field(description="Its title")
    reference: str = strawberry.field(description="The letter's file, the post's link, the talk's record")
    speaker: str = strawberry.field(description="Who spoke (an expert talk)")
    reached: int = strawberry.field(description="Families (a talk: people) reached")
    acknowledged: int = strawberry.field(description="Of them, who acknowledged it")
    last_counted_on: dt.date | None = strawberry.field(description="The day the reach was last counted")

    @strawberry.field(description="The campus")
    @campus_at_once
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))


@strawberry.type(description="Communications of one theme or kind and their reach")
class ReachTotal:
    key: str = strawberry.field(description="The theme or the kind (empty: all of them)")
    communications: int = strawberry.field(description="How many communications")
    reached: int = strawberry.field(description="Families (a talk: people) reached")
    acknowledged: int = strawberry.field(description="Of them, who acknowledged")


@strawberry.type(description="A campus's parent communications of a term, by theme and by kind, with their reach")
class CommunicationSummary:
    campus_id: strawberry.ID
    term_id: strawberry.ID = strawberry.field(description="The term")
    total: ReachTotal = strawberry.field(description="Every communication of the term, once each")
    by_theme: list[ReachTotal] = strawberry.field(description="By theme (one on several themes counts in each)")
    by_kind: list[ReachTotal] = strawberry.field(description="By kind")


def _totals(found: dict[str, Any]) -> list[ReachTotal]:
    return [ReachTotal(key=key, **value) for key, value in found.items()]


async def communication_summary(info: Ctx, campus_id: str, term_id: str) -> CommunicationSummary:
    info.context.require()
    found = await get(info.context, "safety", "/parent-communications/summary", campus_id=campus_id, term_id=term_id)
    return CommunicationSummary(
        campus_id=strawberry.ID(found["campus_id"]),
        term_id=strawberry.ID(found["term_id"]),
        total=ReachTotal(key="", **found["total"]),
        by_theme=_totals(found["by_theme"]),
        by_kind=_totals(found["by_kind"]),
    )


# -- flag ceremonies and campaigns -----------------------------------------------------------


@strawberry.type(description="A campus's monthly safety flag ceremony (升旗仪式)")
class FlagCeremony:
    ceremony_id: strawberry.ID = strawberry.field(description="The ceremony (the campus and its month)")
    campus_id: strawberry.ID
    held_on: dt.date = strawberry.field(description="The day it was held")
    month: str | None = strawberry.field(description="Its month, YYYY-MM")
    theme: str = strawberry.field(description="Its safety theme")
    speaker: str = strawberry.field(description="Who spoke")
    held_by: str | None = strawberry.field(description="Who recorded it")

    @strawberry.field(description="The campus")
    @campus_at_once
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))


@strawberry.type(description="An activity of a safety campaign")
class CampaignActivity:
    activity: str = strawberry.field(description="The activity")
    done_on: dt.date | None = strawberry.field(description="The day it was done (null: not yet)")
    note: str | None = strawberry.field(description="What was noted")


@strawberry.type(description='A safety campaign (e.g. traffic-safety day\'s "six ones") and its activities')
class SafetyCampaign:
    campaign_id: strawberry.ID = strawberry.field(description="The campaign")
    campus_id: strawberry.ID
    title: str = strawberry.field(description="Its title")
    starts_on: dt.date = strawberry.field(description="The day it starts")
    activities: int = strawberry.field(description="How many activities it has")
    done: int = strawberry.field(description="How many are done")
    summary: str | None = strawberry.field(description="Its summary, once all are done")
    summarised: bool = strawberry.field(description="It is summarised")
    activity_list: list[CampaignActivity] = strawberry.field(description="Its activities, in order")

    @strawberry.field(description="The campus")
    @campus_at_once
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))


# -- the injury summary ----------------------------------------------------------------------


@strawberry.type(description="Injuries of one setting (PE, a break, an activity ...)")
class SettingCount:
    setting: InjurySetting = strawberry.field(description="Where they happened")
    injuries: int = strawberry.field(description="How many")


@strawberry.type(
    description="A campus's injuries by setting over a range: counts for every reader in scope; the incidents "
    "withhold what happened, the first aid, cause and measures from who may not read them"
)
class InjurySummary:
    campus_id: strawberry.ID | None
    from_day: dt.date | None = strawberry.field(description="The range's first day")
    to_day: dt.date | None = strawberry.field(description="The range's last day")
    total: int = strawberry.field(description="Injuries")
    by_setting: list[SettingCount] = strawberry.field(description="Injuries by setting")
    in_pe: int = strawberry.field(description="In PE lessons")
    at_breaks_or_activities: int = strawberry.field(description="At breaks or during activities")
    open: int = strawberry.field(description="Not closed yet")
    closed: int = strawberry.field(description="Closed")
    parent_not_told: int = strawberry.field(description="The parents not told yet")

    @strawberry.field(description="The injuries counted, of one setting or all (details as the caller may read)")
    async def incidents(
        self,
        info: Ctx,
        setting: Annotated[InjurySetting | None, strawberry.argument(description="Only of this setting")] = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[Incident] | None:
        window: dict[str, Any] = {"from": day(self.from_day), "to": day(self.to_day)}
        return await page(
            info, "safety", "/injuries", Incident, "injury_id", first, after,
            campus_id=self.campus_id, setting=setting, **window,
        )  # fmt: skip


async def injury_summary(info: Ctx, campus_id: str | None, from_day: dt.date | None, to_day: dt.date | None) -> Any:
    window: dict[str, Any] = {"from": day(from_day), "to": day(to_day)}
    info.context.require()
    found = await get(info.context, "safety", "/injuries/summary", campus_id=campus_id, **window)
    return InjurySummary(
        campus_id=strawberry.ID(found["campus_id"]) if found["campus_id"] else None,
        from_day=from_day,
        to_day=to_day,
        total=found["total"],
        by_setting=[SettingCount(setting=InjurySetting(s), injuries=n) for s, n in found["by_setting"].items()],
        in_pe=found["in_pe"],
        at_breaks_or_activities=found["at_breaks_or_activities"],
        open=found["open"],
        closed=found["closed"],
        parent_not_told=found["parent_not_told"],
    )


# -- the calls -------------------------------------------------------------------------------


async def camera_area_page(
    info: Ctx, campus_id: str | None, covered: bool | None, as_of: dt.date | None, first: int, after: str | None
) -> Connection[CameraArea] | None:
    return await page(
        info, "safety", "/camera-areas", CameraArea, "area_id", first, after,
        campus_id=campus_id, covered=covered, as_of=day(as_of),
    )  # fmt: skip


async def incident_coverage(
    info: Ctx, campus_id: str, from_day: dt.date | None, to_day: dt.date | None
) -> IncidentCoverage:
    window: dict[str, Any] = {"from": day(from_day), "to": day(to_day)}
    info.context.require()
    found = await get(info.context, "safety", "/camera-areas/incidents", campus_id=campus_id, **window)
    places = {
        key: [IncidentPlace(**{**p, "occurred_on": dt.date.fromisoformat(p["occurred_on"])}) for p in found[key]]
        for key in ("uncovered", "unplaced")
    }
    return IncidentCoverage(
        campus_id=strawberry.ID(found["campus_id"]),
        injuries=CoverageCount(**found["injuries"]),
        hazards=CoverageCount(**found["hazards"]),
        **places,
    )


async def communication_page(
    info: Ctx,
    campus_id: str | None,
    term_id: str | None,
    kind: CommunicationKind | None,
    theme: SafetyTheme | None,
    first: int,
    after: str | None,
) -> Connection[ParentCommunication] | None:
    return await page(
        info, "safety", "/parent-communications", ParentCommunication, "communication_id", first, after,
        campus_id=campus_id, term_id=term_id, kind=kind, theme=theme,
    )  # fmt: skip


async def ceremony_page(
    info: Ctx, campus_id: str | None, from_day: dt.date | None, to_day: dt.date | None, first: int, after: str | None
) -> Connection[FlagCeremony] | None:
    window: dict[str, Any] = {"from": day(from_day), "to": day(to_day)}
    return await page(
        info, "safety", "/flag-ceremonies", FlagCeremony, "ceremony_id", first, after, campus_id=campus_id, **window
    )


async def campaign_page(
    info: Ctx, campus_id: str | None, first: int, after: str | None
) -> Connection[SafetyCampaign] | None:
    return await page(
        info, "safety", "/safety-campaigns", SafetyCampaign, "campaign_id", first, after, campus_id=campus_id
    )


Kind = Annotated[CommunicationKind | None, strawberry.argument(description="Only of this kind")]
Theme = Annotated[SafetyTheme | None, strawberry.argument(description="Only on this theme")]
Covered = Annotated[
    bool | None, strawberry.argument(description="true: only areas covered on the day; false: uncovered")
]


# -- the campus's part -----------------------------------------------------------------------


@strawberry.type
class CamerasCommsOnCampus:
    if TYPE_CHECKING:
        campus_id: strawberry.ID  # the directory's part of the campus has it

    @strawberry.field(description="The campus's camera areas, each with its coverage on the day asked")
    async def camera_areas(
        self, info: Ctx, covered: Covered = None, as_of: AsOf = None, first: int = 100, after: str | None = None
    ) -> Connection[CameraArea] | None:
        return await camera_area_page(info, str(self.campus_id), covered, as_of, first, after)

    @strawberry.field(description="The campus's injuries and hazards in covered and uncovered camera areas")
    async def incident_coverage(self, info: Ctx, from_day: FromDay = None, to_day: ToDay = None) -> IncidentCoverage:
        return await incident_coverage(info, str(self.campus_id), from_day, to_day)

    @strawberry.field(description="The campus's parent communications of a term by theme and kind, with reach")
    async def parent_communication_summary(self, info: Ctx, term_id: TermId) -> CommunicationSummary:
        return await communication_summary(info, str(self.campus_id), str(term_id))

    @strawberry.field(description="The campus's injuries by setting over a range")
    async def injury_summary(self, info: Ctx, from_day: FromDay = None, to_day: ToDay = None) -> InjurySummary:
        summary: InjurySummary = await injury_summary(info, str(self.campus_id), from_day, to_day)
        return summary

    @strawberry.field(description="The campus's safety flag ceremonies")
    async def flag_ceremonies(
        self, info: Ctx, from_day: FromDay = None, to_day: ToDay = None, first: int = 100, after: str | None = None
    ) -> Connection[FlagCeremony] | None:
        return await ceremony_page(info, str(self.campus_id), from_day, to_day, first, after)

    @strawberry.field(description="The campus's safety campaigns")
    async def safety_campaigns(
        self, info: Ctx, first: int = 100, after: str | None = None
    ) -> Connection[SafetyCampaign] | None:
        return await campaign_page(info, str(self.campus_id), first, after)


# -- the root fields -------------------------------------------------------------------------


@strawberry.type
class CamerasCommsQuery:
    @strawberry.field(description="Camera areas in the caller's scope, each with its coverage on the day asked")
    async def camera_areas(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        covered: Covered = None,
        as_of: AsOf = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[CameraArea] | None:
        campus = str(campus_id) if campus_id is not None else None
        return await camera_area_page(info, campus, covered, as_of, first, after)

    @strawberry.field(description="A camera area (null: unknown or outside the caller's scope)")
    async def camera_area(
        self,
        info: Ctx,
        area_id: Annotated[strawberry.ID, strawberry.argument(description="The area")],
        as_of: AsOf = None,
    ) -> CameraArea | None:
        path = service_path("/camera-areas/{area_id}", area_id=str(area_id))
        return await one(info.context, "safety", path, CameraArea, as_of=day(as_of))

    @strawberry.field(description="A campus's injuries and hazards over a range in covered and uncovered areas")
    async def incident_coverage(
        self, info: Ctx, campus_id: strawberry.ID, from_day: FromDay = None, to_day: ToDay = None
    ) -> IncidentCoverage:
        return await incident_coverage(info, str(campus_id), from_day, to_day)

    @strawberry.field(description="Letters to parents, expert talks and WeChat posts on safety, in the caller's scope")
    async def parent_communications(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        term_id: strawberry.ID | None = None,
        kind: Kind = None,
        theme: Theme = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[ParentCommunication] | None:
        campus = str(campus_id) if campus_id is not None else None
        term = str(term_id) if term_id is not None else None
        return await communication_page(info, campus, term, kind, theme, first, after)

    @strawberry.field(description="A campus's parent communications of a term by theme and kind, with reach")
    async def parent_communication_summary(
        self, info: Ctx, campus_id: strawberry.ID, term_id: TermId
    ) -> CommunicationSummary:
        return await communication_summary(info, str(campus_id), str(term_id))

    @strawberry.field(description="Safety flag ceremonies in the caller's scope")
    async def flag_ceremonies(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        from_day: FromDay = None,
        to_day: ToDay = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[FlagCeremony] | None:
        campus = str(campus_id) if campus_id is not None else None
        return await ceremony_page(info, campus, from_day, to_day, first, after)

    @strawberry.field(description="Safety campaigns in the caller's scope")
    async def safety_campaigns(
        self, info: Ctx, campus_id: strawberry.ID | None = None, first: int = 100, after: str | None = None
    ) -> Connection[SafetyCampaign] | None:
        campus = str(campus_id) if campus_id is not None else None
        return await campaign_page(info, campus, first, after)

    @strawberry.field(description="A safety campaign and its activities (null: unknown or outside the caller's scope)")
    async def safety_campaign(
        self,
        info: Ctx,
        campaign_id: Annotated[strawberry.ID, strawberry.argument(description="The campaign")],
    ) -> SafetyCampaign | None:
        path = service_path("/safety-campaigns/{campaign_id}", campaign_id=str(campaign_id))
        return await one(info.context, "safety", path, SafetyCampaign)

    @strawberry.field(description="Injuries by setting over a range, of a campus or the caller's whole scope")
    async def injury_summary(
        self, info: Ctx, campus_id: strawberry.ID | None = None, from_day: FromDay = None, to_day: ToDay = None
    ) -> InjurySummary:
        campus = str(campus_id) if campus_id is not None else None
        summary: InjurySummary = await injury_summary(info, campus, from_day, to_day)
        return summary
