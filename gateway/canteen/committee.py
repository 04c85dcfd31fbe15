"""The canteen's meal committee, accompanied meals and satisfaction surveys in GraphQL: their
types, the service calls that load them, and their part of ``Campus`` (composed in
``gateway.campus``): the campus's accompanied meals and its weekly coverage."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from gateway.clients import service_path
from gateway.common.campuses import CampusRef, campus_at_once, load_campus
from gateway.common.enums import Audience, DinerKind, Meal, MemberKind
from gateway.common.pages import Connection, one, page
from gateway.context import GatewayContext

Ctx = Info[GatewayContext, None]


# -- types ----------------------------------------------------------------------------------


@strawberry.type(description="A member of a meal committee, current or former, with their written duty")
class CommitteeMemberEntry:
    member_id: strawberry.ID = strawberry.field(description="The member's id on the committee")
    name: str = strawberry.field(description="The member's name as the committee lists it")
    kind: MemberKind = strawberry.field(description="Who the member is: a parent, a teacher, a leader...")
    duty: str = strawberry.field(description="The member's written duty")
    staff_id: strawberry.ID | None = strawberry.field(description="A staff member's id (teachers, leaders, canteen)")
    parent_id: strawberry.ID | None = strawberry.field(description="A parent's id (parent members)")
    joined_on: dt.date = strawberry.field(description="When the member joined (the committee's forming, or later)")
    left_on: dt.date | None = strawberry.field(description="When the member left (null: a member now)")
    left_reason: str | None = strawberry.field(description="Why the member left")


@strawberry.type(description="A meeting of a meal committee: its day, attendees, minutes and decisions")
class CommitteeMeeting:
    meeting_id: strawberry.ID = strawberry.field(description="The meeting's id on the committee")
    held_on: dt.date = strawberry.field(description="The day it was held (within the term)")
    attendees: list[strawberry.ID] = strawberry.field(description="The member ids of those who attended")
    minutes: str = strawberry.field(description="The minutes (会议纪要)")
    decisions: list[str] = strawberry.field(description="What the meeting decided")
    recorded_by: str = strawberry.field(description="Who recorded it")


@strawberry.type(
    description="A school's meal committee of a term (膳食委员会), or its parents' meal-oversight committee "
    "(家长膳食监督委员会): written duties, members and meetings"
)
class MealCommittee:
    committee_id: strawberry.ID = strawberry.field(description="<school>-<term>, or <school>-<term>-oversight")
    school_id: strawberry.ID = strawberry.field(description="The school")
    term_id: strawberry.ID = strawberry.field(description="The term of the school calendar")
    name: str = strawberry.field(description="The committee's name")
    oversight: bool = strawberry.field(description="The parents' meal-oversight committee")
    duties: list[str] = strawberry.field(description="The committee's written duties (管理职责)")
    formed_on: dt.date = strawberry.field(description="When it was formed")
    formed_by: str = strawberry.field(description="Who formed it")
    members: int = strawberry.field(description="How many members it has now")
    meetings: int = strawberry.field(description="How many meetings it held")
    last_meeting_on: dt.date | None = strawberry.field(description="Its latest meeting's day")
    roster: list[CommitteeMemberEntry] = strawberry.field(description="Every member, current and former")
    meeting_records: list[CommitteeMeeting] = strawberry.field(description="Every meeting, by day")


@strawberry.type(
    description="A school's committees of a term, and whether the district requires an oversight committee"
)
class MealCommitteesOfTerm:
    school_id: strawberry.ID = strawberry.field(description="The school")
    term_id: strawberry.ID = strawberry.field(description="The term")
    meal_committee: MealCommittee | None = strawberry.field(description="The meal committee (null: not formed)")
    oversight_committee: MealCommittee | None = strawberry.field(
        description="The parents' meal-oversight committee (null: not formed)"
    )
    oversight_required: bool = strawberry.field(
        description="The district's canteen rules ask each school for an oversight committee"
    )
    oversight_missing: bool = strawberry.field(description="Required, and not formed")


@strawberry.type(description="How a diner found one dish: 1 (poor) to 5 (very good)")
class AccompaniedDishRating:
    dish: str = strawberry.field(description="The dish")
    look: int = strawberry.field(description="Its look, 1 to 5")
    taste: int = strawberry.field(description="Its taste, 1 to 5")
    quantity: int = strawberry.field(description="Its quantity, 1 to 5")


@strawberry.type(description="An accompanied meal (陪餐): a leader, or a visiting parent, ate with the pupils")
class AccompaniedMeal:
    record_id: strawberry.ID = strawberry.field(description="The record's id")
    campus_id: strawberry.ID = strawberry.field(description="The campus")
    served_on: dt.date = strawberry.field(description="The day of the meal")
    meal: Meal = strawberry.field(description="Breakfast, lunch or dinner")
    diner_id: strawberry.ID | None = strawberry.field(description="The diner: a staff id, or a parent's id")
    diner_name: str = strawberry.field(description="The diner's name")
    diner_kind: DinerKind = strawberry.field(description="A leader, a teacher or a parent")
    place: str = strawberry.field(description="Where they ate")
    ratings: list[AccompaniedDishRating] = strawberry.field(description="Each dish, rated")
    issues: list[str] = strawberry.field(description="What the diner found wrong (none: nothing)")
    visit_id: strawberry.ID | None = strawberry.field(description="The parent visit it was part of (a parent's)")
    recorded_by: str = strawberry.field(description="Who recorded it")

    @strawberry.field(description="The campus")
    @campus_at_once
    def campus(self, info: Ctx) -> CampusRef | None:
        return load_campus(info, str(self.campus_id))


@strawberry.type(
    description="A campus's week of accompanied meals: how many of its school days a leader ate lunch with the "
    "pupils, and the leaders' and parents' accompanied meals"
)
class MealCoverage:
    campus_id: strawberry.ID = strawberry.field(description="The campus")
    week_of: dt.date = strawberry.field(description="The Monday of the week")
    school_days: int = strawberry.field(description="Weekdays of the week in a term of the school")
    days_covered: int = strawberry.field(description="School days with a leader's accompanied lunch")
    coverage_permille: int | None = strawberry.field(
        description="daysCovered over schoolDays, per mille (null: no school day that week)"
    )
    uncovered_days: list[dt.date] = strawberry.field(description="School days without a leader's accompanied lunch")
    leader_meals: int = strawberry.field(description="Leaders' accompanied meals of the week, every meal")
    parent_meals: int = strawberry.field(description="Parents' accompanied lunches of the week (parent visits)")


@strawberry.type(description="A question of a satisfaction survey")
class SurveyQuestionEntry:
    code: str = strawberry.field(description="The question's code")
    text: str = strawberry.field(description="The question as asked")


@strawberry.type(description="A question's answers counted so far")
class SurveyQuestionTally:
    code: str = strawberry.field(description="The question's code")
    satisfied: int = strawberry.field(description="Answers satisfied")
    neutral: int = strawberry.field(description="Answers neither satisfied nor dissatisfied")
    dissatisfied: int = strawberry.field(description="Answers dissatisfied")


@strawberry.type(
    description="A satisfaction survey (满意度调查) of a term: its questions, answers counted per question, and "
    "its results once closed"
)
class CanteenSurvey:
    survey_id: strawberry.ID = strawberry.field(description="<school>-<term>-<audience>")
    school_id: strawberry.ID = strawberry.field(description="The school")
    campus_id: strawberry.ID | None = strawberry.field(description="One campus it asked (null: the whole school)")
    term_id: strawberry.ID = strawberry.field(description="The term")
    audience: Audience = strawberry.field(description="Who it asked")
    title: str = strawberry.field(description="Its title")
    questions: list[SurveyQuestionEntry] = strawberry.field(description="Its questions")
    status: str = strawberry.field(description="open or closed")
    respondents: int = strawberry.field(description="How many answered, over every batch")
    batches: int = strawberry.field(description="Batches of answers counted")
    counts: list[SurveyQuestionTally] = strawberry.field(description="Per question, the answers counted")
    satisfaction_permille: int | None = strawberry.field(
        description="Satisfied answers over all answers, per mille (once closed)"
    )
    summary: str | None = strawberry.field(description="What the school makes of the results")
    opened_by: str = strawberry.field(description="Who opened it")
    closed_by: str | None = strawberry.field(description="Who closed it")


# -- loaders ---------------------------------------------------------------------------------


async def accompanied_meals_page(
    info: Ctx,
    campus_id: str | None,
    from_day: dt.date | None,
    to_day: dt.date | None,
    diner_id: str | None,
    diner_kind: DinerKind | None,
    first: int,
    after: str | None,
) -> Connection[AccompaniedMeal] | None:
    span: dict[str, Any] = {  # the service's ``from`` and ``to`` (``from`` is a Python keyword)
        "from": from_day.isoformat() if from_day else None,
        "to": to_day.isoformat() if to_day else None,
    }
    return await page(
        info, "canteen", "/accompanied-meals", AccompaniedMeal, "sort_key", first, after,
        campus_id=campus_id, diner_id=diner_id, diner_kind=diner_kind.value if diner_kind else None, **span,
    )  # fmt: skip


async def meal_coverage(info: Ctx, campus_id: str, week_of: dt.date | None) -> MealCoverage | None:
    path = service_path("/campuses/{campus_id}/meal-coverage", campus_id=campus_id)
    return await one(info.context, "canteen", path, MealCoverage, week_of=week_of.isoformat() if week_of else None)


async def committees_of_term(info: Ctx, school_id: str, term_id: str) -> MealCommitteesOfTerm | None:
    path = service_path("/schools/{school_id}/meal-committees/{term_id}", school_id=school_id, term_id=term_id)
    return await one(info.context, "canteen", path, MealCommitteesOfTerm)


async def surveys_page(
    info: Ctx,
    school_id: str | None,
    term_id: str | None,
    audience: Audience | None,
    status: str | None,
    first: int,
    after: str | None,
) -> Connection[CanteenSurvey] | None:
    return await page(
        info, "canteen", "/surveys", CanteenSurvey, "survey_id", first, after,
        school_id=school_id, term_id=term_id, audience=audience.value if audience else None, status=status,
    )  # fmt: skip


async def survey_file(info: Ctx, survey_id: str) -> CanteenSurvey | None:
    return await one(info.context, "canteen", service_path("/surveys/{survey_id}", survey_id=survey_id), CanteenSurvey)


# -- the campus's part -----------------------------------------------------------------------

WeekOf = Annotated[
    dt.date | None,
    strawberry.argument(description="A day of the week (its Monday names it); null: today at the school"),
]


@strawberry.type
class CommitteeOnCampus:
    if TYPE_CHECKING:
        campus_id: strawberry.ID  # the directory's part of the campus has it

    @strawberry.field(description="The accompanied meals (陪餐) on this campus, leaders' and parents', by day")
    async def accompanied_meals(
        self,
        info: Ctx,
        from_day: Annotated[dt.date | None, strawberry.argument(description="Served on or after")] = None,
        to_day: Annotated[dt.date | None, strawberry.argument(description="Served on or before")] = None,
        diner_id: Annotated[strawberry.ID | None, strawberry.argument(description="One diner's meals")] = None,
        diner_kind: Annotated[DinerKind | None, strawberry.argument(description="Leaders' or parents' meals")] = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[AccompaniedMeal] | None:
        return await accompanied_meals_page(
            info, str(self.campus_id), from_day, to_day, diner_id, diner_kind, first, after
        )

    @strawberry.field(
        description="A week's coverage of accompanied meals on this campus: school days with a leader's lunch "
        "among the pupils, and the leaders' and parents' accompanied meals"
    )
    async def meal_coverage(self, info: Ctx, week_of: WeekOf = None) -> MealCoverage | None:
        return await meal_coverage(info, str(self.campus_id), week_of)
