"""Parent visits (家长进校园) in GraphQL: their types, the canteen's calls that read them, and
the part of ``Campus`` they add (composed in ``gateway.campus``): the campus's visits and its
published reflections. A parent reads through them only what the canteen lets them: their own
visits, and the published reflections of their child's campus."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from gateway.clients import service_path
from gateway.common.campuses import CampusRef, campus_at_once, load_campus
from gateway.common.pages import Connection, day, one, page
from gateway.context import GatewayContext

Ctx = Info[GatewayContext, None]

STATUSES = (
    "scheduled, cancelled, deliveries_inspected, lunch_accompanied, reflection_submitted, published or kept_internal"
)

# -- types ---------------------------------------------------------------------------------------


@strawberry.type(description="How the parent found one dish of the lunch: 1 (poor) to 5 (very good)")
class ParentVisitRating:
    dish: str = strawberry.field(description="The dish")
    look: int = strawberry.field(description="Its look, 1 to 5")
    taste: int = strawberry.field(description="Its taste, 1 to 5")
    quantity: int = strawberry.field(description="Its quantity, 1 to 5")


@strawberry.type(description="A step of a parent visit: what was done, when, by whom")
class ParentVisitStep:
    step: str = strawberry.field(description=f"The step: {STATUSES}, rescheduled or suggestion_answered")
    at: dt.datetime = strawberry.field(description="When it was done")
    by: str = strawberry.field(description="Who recorded it")
    detail: str = strawberry.field(description="What it says (a day, a reason, a channel, an answer)")


@strawberry.type(description="A suggestion of a parent's reflection, and the school's answer to it")
class ReflectionSuggestion:
    suggestion: int = strawberry.field(description="Its position in the reflection, from 0")
    text: str = strawberry.field(description="What the parent suggests")
    answer: str | None = strawberry.field(description="The school's answer (null: not answered yet)")
    answered_by: str | None = strawberry.field(description="Who answered it")
    answered_at: dt.datetime | None = strawberry.field(description="When it was answered")


@strawberry.type(
    description="A parent visit (家长进校园): one parent a week per campus inspects the morning's deliveries "
    "with the staff, eats lunch with the pupils and writes a reflection"
)
class ParentVisit:
    visit_id: strawberry.ID = strawberry.field(description="The visit")
    campus_id: strawberry.ID
    week_of: dt.date = strawberry.field(description="The Monday of the visit's week")
    visit_on: dt.date = strawberry.field(description="The day of the visit")
    parent_id: strawberry.ID
    parent_name: str = strawberry.field(description="The visiting parent's name")
    status: str = strawberry.field(description=f"How far it went: {STATUSES}")
    scheduled_by: str = strawberry.field(description="Who scheduled it")
    scheduled_at: dt.datetime = strawberry.field(description="When it was scheduled")
    cancel_reason: str | None = strawberry.field(description="Why it was cancelled")
    delivery_ids: list[str] | None = strawberry.field(description="The deliveries inspected with the parent")
    with_staff: list[str] | None = strawberry.field(description="The staff who inspected them with the parent")
    delivery_note: str | None = strawberry.field(description="What the inspection found")
    inspected_at: dt.datetime | None = strawberry.field(description="When the deliveries were inspected")
    ratings: list[ParentVisitRating] | None = strawberry.field(
        description="The lunch's dishes, as the parent rated them"
    )
    issues: list[str] | None = strawberry.field(description="What the parent found wrong at lunch")
    lunch_at: dt.datetime | None = strawberry.field(description="When the parent ate with the pupils")
    title: str | None = strawberry.field(description="The reflection's title")
    text: str | None = strawberry.field(description="The reflection (心得体会)")
    consent_to_publish: bool | None = strawberry.field(
        description="Whether the parent consents to its publication (null: no reflection yet)"
    )
    submitted_at: dt.datetime | None = strawberry.field(description="When the parent submitted the reflection")
    published: bool = strawberry.field(description="Published to the parents")
    channel: str | None = strawberry.field(description="Where it was published, e.g. 薛小家长微信群")
    internal_reason: str | None = strawberry.field(description="Why it was kept internal")
    reviewed_by: str | None = strawberry.field(description="Who reviewed the reflection")
    reviewed_at: dt.datetime | None = strawberry.field(description="When it was reviewed")
    suggestions: list[ReflectionSuggestion] = strawberry.field(description="The suggestions, each with its answer")
    answered: int = strawberry.field(description="How many of the suggestions the school answered")

    @strawberry.field(description="The campus")
    @campus_at_once
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))

    @strawberry.field(description="Every step of the visit, in order")
    async def steps(self, info: Ctx) -> list[ParentVisitStep]:
        path = service_path("/parent-visits/{visit_id}", visit_id=str(self.visit_id))
        found = await one(info.context, "canteen", path, ParentVisitFile)
        return found.steps if found is not None else []


@strawberry.type(description="A visit with its steps, as the canteen answers one visit")
class ParentVisitFile:
    visit_id: strawberry.ID = strawberry.field(description="The visit")
    steps: list[ParentVisitStep] = strawberry.field(description="Every step of the visit, in order")


@strawberry.type(description="A parent's reflection, published to the parents of the campus")
class PublishedReflection:
    visit_id: strawberry.ID = strawberry.field(description="The visit it is about")
    campus_id: strawberry.ID
    week_of: dt.date = strawberry.field(description="The Monday of the visit's week")
    visit_on: dt.date = strawberry.field(description="The day of the visit")
    parent_name: str = strawberry.field(description="The parent who wrote it")
    title: str = strawberry.field(description="Its title")
    text: str = strawberry.field(description="The reflection (心得体会)")
    channel: str = strawberry.field(description="Where it was published, e.g. 薛小家长微信群")
    published_at: dt.datetime = strawberry.field(description="When it was published")
    suggestions: list[ReflectionSuggestion] = strawberry.field(description="The suggestions, each with its answer")


# -- the canteen's calls ------------------------------------------------------------------------


async def visits_page(
    info: Ctx,
    campus_id: str | None,
    from_day: dt.date | None,
    to_day: dt.date | None,
    status: str | None,
    parent_id: str | None,
    first: int,
    after: str | None,
) -> Connection[ParentVisit] | None:
    window: dict[str, Any] = {"from": day(from_day), "to": day(to_day)}
    return await page(
        info, "canteen", "/parent-visits", ParentVisit, "list_key", first, after,
        campus_id=campus_id, status=status, parent_id=parent_id, **window,
    )  # fmt: skip


async def published_page(
    info: Ctx, campus_id: str | None, from_day: dt.date | None, to_day: dt.date | None, first: int, after: str | None
) -> Connection[PublishedReflection] | None:
    window: dict[str, Any] = {"from": day(from_day), "to": day(to_day)}
    return await page(
        info, "canteen", "/parent-visits/published", PublishedReflection, "list_key", first, after,
        campus_id=campus_id, **window,
    )  # fmt: skip


# -- the campus's part ----------------------------------------------------------------------------

FromDay = Annotated[
    dt.date | None, strawberry.argument(description="Only visits on or after this day (e.g. the term's first)")
]
ToDay = Annotated[
    dt.date | None, strawberry.argument(description="Only visits on or before this day (e.g. the term's last)")
]


@strawberry.type
class VisitsOnCampus:
    if TYPE_CHECKING:
        campus_id: strawberry.ID  # the directory's part of the campus has it

    @strawberry.field(
        description="The campus's parent visits by day (a parent: only their own; the canteen's readers: all)"
    )
    async def parent_visits(
        self,
        info: Ctx,
        from_day: FromDay = None,
        to_day: ToDay = None,
        status: Annotated[str | None, strawberry.argument(description=f"Only visits now {STATUSES}")] = None,
        parent_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only the visits of this parent")
        ] = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[ParentVisit] | None:
        return await visits_page(info, str(self.campus_id), from_day, to_day, status, parent_id, first, after)

    @strawberry.field(description="The parents' reflections published on this campus (its pupils' parents read them)")
    async def published_reflections(
        self, info: Ctx, from_day: FromDay = None, to_day: ToDay = None, first: int = 100, after: str | None = None
    ) -> Connection[PublishedReflection] | None:
        return await published_page(info, str(self.campus_id), from_day, to_day, first, after)


# -- the root fields (a parent reaches no Campus of the directory: these are their way in) -------------


@strawberry.type
class VisitsQuery:
    @strawberry.field(
        description="Parent visits by day: of the caller's campuses (the canteen's readers), or their own (a parent)"
    )
    async def parent_visits(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        from_day: FromDay = None,
        to_day: ToDay = None,
        status: Annotated[str | None, strawberry.argument(description=f"Only visits now {STATUSES}")] = None,
        parent_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only the visits of this parent")
        ] = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[ParentVisit] | None:
        campus = str(campus_id) if campus_id is not None else None
        parent = str(parent_id) if parent_id is not None else None
        return await visits_page(info, campus, from_day, to_day, status, parent, first, after)

    @strawberry.field(description="One parent visit, or null when it does not exist or the caller may not read it")
    async def parent_visit(
        self, info: Ctx, visit_id: Annotated[strawberry.ID, strawberry.argument(description="The visit")]
    ) -> ParentVisit | None:
        path = service_path("/parent-visits/{visit_id}", visit_id=str(visit_id))
        return await one(info.context, "canteen", path, ParentVisit)

    @strawberry.field(
        description="Published reflections: a parent's of their child's campus (another campus is refused), "
        "the canteen's readers' of their campuses"
    )
    async def published_reflections(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        from_day: FromDay = None,
        to_day: ToDay = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[PublishedReflection] | None:
        campus = str(campus_id) if campus_id is not None else None
        return await published_page(info, campus, from_day, to_day, first, after)
