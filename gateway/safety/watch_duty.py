"""Student watches (重点关注学生) and break-time floor duty (楼层值日): their fields of the root Query.

A watch is read by the safety office, the principal and the teachers of the student's class
only, as the safety service reads it: a list leaves out the others' watches, and one watch
asked for by anyone else is an error (FORBIDDEN), never its content."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from gateway.clients import ServiceError, service_path
from gateway.common.enums import _describe
from gateway.common.pages import Connection, Edge, connection, counts, day, get, graphql_error, page, row
from gateway.context import GatewayContext
from gateway.safety.cameras_comms import FromDay, ToDay
from services.safety.events import BreakPeriod, CheckInStatus, WatchOutcome, WatchPlanKind

Ctx = Info[GatewayContext, None]

_describe(CheckInStatus, "Whether the teacher on duty of a floor came at the break", {
    "ON_TIME": "On the floor when the break began",
    "LATE": "Came after the break began",
    "MISSED": "Did not come",
})  # fmt: skip
_describe(BreakPeriod, "A break of the school day a floor is watched at (楼层值日)", {
    "MORNING_BREAK": "The morning break (上午课间, 大课间)",
    "LUNCH_BREAK": "The lunch break (午间)",
    "AFTERNOON_BREAK": "The afternoon break (下午课间)",
    "ACTIVITY_TIME": "Activity time (活动时间)",
})  # fmt: skip


class DutyAtInjury(StrEnum):
    """The floor duty at an injury, as ``GET /floor-duty/injuries`` filters it (its ``duty``)."""

    ON_TIME = "on_time"
    LATE = "late"
    MISSED = "missed"
    NOT_CHECKED_IN = "not_checked_in"
    NOBODY_ON_DUTY = "nobody_on_duty"
    PLACE_UNKNOWN = "place_unknown"


_describe(DutyAtInjury, "The floor duty of an injury's place and time, as the roster and the check-ins tell it", {
    "ON_TIME": "The teacher on duty was there on time",
    "LATE": "The teacher on duty came late",
    "MISSED": "The teacher on duty did not come",
    "NOT_CHECKED_IN": "Someone was on duty by the roster, but their turn was never checked",
    "NOBODY_ON_DUTY": "The roster had nobody on that floor at that break",
    "PLACE_UNKNOWN": "The injury names no building, floor or break",
})  # fmt: skip
_describe(WatchPlanKind, "A measure of the plan of a watch on a student at risk", {
    "PARENT_CONTACT": "Contacts with the parents (与家长沟通)",
    "ACCOMPANIED_STUDY": "Accompanied study (陪学)",
    "SUBJECT_TEACHERS": "The subject teachers involved (借助任课教师的力量)",
    "MORAL_EDUCATION": "Moral education (品德教育)",
    "OTHER": "Any other measure",
})  # fmt: skip
_describe(WatchOutcome, "What a review of a watch found", {
    "IMPROVED": "The student's behaviour improved",
    "UNCHANGED": "No change",
    "WORSE": "It got worse",
})  # fmt: skip


@strawberry.type(description="One measure of a watch's plan: who does what")
class WatchPlanItem:
    kind: str = strawberry.field(description="parent_contact, accompanied_study, subject_teachers, moral_education")
    who: str = strawberry.field(description="Who carries it out")
    what: str = strawberry.field(description="What is done")


@strawberry.type(description="A dated note on a watch")
class WatchNote:
    noted_at: dt.datetime = strawberry.field(description="When it was noted")
    note: str = strawberry.field(description="What was noted")
    noted_by: str = strawberry.field(description="Who noted it")


@strawberry.type(description="A review of a watch and its outcome")
class WatchReview:
    reviewed_on: dt.date = strawberry.field(description="The day of the review")
    outcome: str = strawberry.field(description="improved, unchanged or worse")
    note: str = strawberry.field(description="What the review says")
    reviewed_by: str = strawberry.field(description="Who reviewed it")


@strawberry.type(
    description="A watch on a student at risk (重点关注学生): the safety office, the principal and the class's "
    "teachers only"
)
class StudentWatch:
    watch_id: strawberry.ID = strawberry.field(description="The watch's id")
    campus_id: strawberry.ID = strawberry.field(description="The student's campus")
    student_id: strawberry.ID = strawberry.field(description="The student watched")
    student_name: str | None = strawberry.field(description="The student's name, from the directory")
    class_id: strawberry.ID = strawberry.field(description="The student's class")
    class_teacher_id: str = strawberry.field(description="The class teacher who keeps the watch with the office")
    reason: str = strawberry.field(description="Why the student is watched")
    opened_on: dt.date = strawberry.field(description="The day the watch was opened")
    status: str = strawberry.field(description="open, reviewed or closed")
    plan_set_on: dt.date | None = strawberry.field(description="The day the plan in force was set")
    notes: int = strawberry.field(description="How many notes it has")
    reviews: int = strawberry.field(description="How many times it was reviewed")
    last_outcome: str | None = strawberry.field(description="The outcome of its last review")
    closed_on: dt.date | None = strawberry.field(description="The day it was closed")
    plan: list[WatchPlanItem] = strawberry.field(description="The plan in force: who does what")
    notes_list: list[WatchNote] | None = strawberry.field(
        default=None, description="Its notes (on a single watch only)"
    )
    reviews_list: list[WatchReview] | None = strawberry.field(
        default=None, description="Its reviews (on a single watch only)"
    )


@strawberry.type(description="A slot of a floor duty roster: the teacher on duty at a floor and break")
class DutySlot:
    slot_key: strawberry.ID = strawberry.field(description="The slot's key")
    campus_id: strawberry.ID = strawberry.field(description="The campus")
    term_id: strawberry.ID = strawberry.field(description="The roster's term")
    effective_from: dt.date = strawberry.field(description="The first day of the roster version")
    building: str = strawberry.field(description="The building's code")
    floor: int = strawberry.field(description="The floor")
    break_period: str = strawberry.field(description="The break")
    weekdays: list[int] = strawberry.field(description="ISO weekdays of the turn (1: Monday)")
    teacher_id: str = strawberry.field(description="The teacher on duty")
    teacher_name: str | None = strawberry.field(description="Their name")


@strawberry.type(description="A floor duty turn checked: on time, late or missed")
class DutyCheckIn:
    turn_id: strawberry.ID = strawberry.field(description="The turn: campus, day, building, floor, break")
    campus_id: strawberry.ID = strawberry.field(description="The campus")
    day: dt.date = strawberry.field(description="The day of the turn")
    building: str = strawberry.field(description="The building's code")
    floor: int = strawberry.field(description="The floor")
    break_period: str = strawberry.field(description="The break")
    teacher_id: str = strawberry.field(description="The teacher on duty by the roster")
    status: str = strawberry.field(description="on_time, late or missed")
    arrived_at: dt.datetime | None = strawberry.field(description="When they arrived")
    recorded_by: str = strawberry.field(description="Who recorded the turn")


@strawberry.type(description="An injury at a break or an activity, with the floor duty of its place and time")
class InjuryDuty:
    injury_id: strawberry.ID = strawberry.field(description="The injury")
    campus_id: strawberry.ID = strawberry.field(description="The campus")
    class_id: strawberry.ID = strawberry.field(description="The injured student's class")
    setting: str = strawberry.field(description="break or activity")
    occurred_at: dt.datetime = strawberry.field(description="When it happened")
    building: str | None = strawberry.field(description="The building's code, if the injury names it")
    floor: int | None = strawberry.field(description="The floor, if the injury names it")
    break_period: str | None = strawberry.field(description="The break, if the injury names it")
    on_duty_id: str | None = strawberry.field(description="The teacher on duty there then")
    on_duty_name: str | None = strawberry.field(description="Their name")
    check_in: str | None = strawberry.field(description="Their turn's check-in, if recorded")
    arrived_at: dt.datetime | None = strawberry.field(description="When they arrived, if they did")
    duty: str = strawberry.field(description="on_time, late, missed, not_checked_in, nobody_on_duty or place_unknown")


@strawberry.type(description="Injuries, and those at breaks or activities by the duty of their floor")
class InjuryDutySummary:
    injuries: int = strawberry.field(description="Injuries of every setting, PE included")
    at_breaks_or_activities: int = strawberry.field(description="Injuries at a break or an activity")
    duty_on_time: int = strawberry.field(description="Of those, with the floor's duty on time")
    duty_late: int = strawberry.field(description="With the floor's duty late")
    duty_missing: int = strawberry.field(description="With the floor's duty missed, not checked in or nobody on it")
    duty_late_or_missing: int = strawberry.field(description="Late or missing: the figure the term's review gives")
    place_unknown: int = strawberry.field(description="Naming no building, floor or break")


def _watch(item: dict[str, Any]) -> StudentWatch:
    data = dict(item)
    data["plan"] = [row(WatchPlanItem, i) for i in item.get("plan") or []]
    if "notes_list" in item:
        data["notes_list"] = [row(WatchNote, n) for n in item["notes_list"]]
        data["reviews_list"] = [row(WatchReview, r) for r in item["reviews_list"]]
    return row(StudentWatch, data)


@strawberry.type
class WatchDutyQuery:
    @strawberry.field(description="Watches on students at risk the caller may read (others are left out)")
    async def student_watches(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        class_id: strawberry.ID | None = None,
        open: bool | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[StudentWatch] | None:
        context = info.context
        context.require()
        body = await get(
            context,
            "safety",
            "/student-watches",
            campus_id=campus_id,
            class_id=class_id,
            open=open,
            limit=max(1, min(first, 500)),
            after=after,
            count=True if counts(info) else None,
        )
        edges = [Edge(cursor=i["watch_id"], node=_watch(i)) for i in body["items"]]
        return connection(edges, body["next_cursor"], after, body.get("total"))

    @strawberry.field(description="A watch on a student at risk (an error for anyone who may not read it)")
    async def student_watch(
        self, info: Ctx, watch_id: Annotated[strawberry.ID, strawberry.argument(description="The watch")]
    ) -> StudentWatch | None:
        info.context.require()
        try:
            body = await info.context.caller.get(
                "safety", service_path("/student-watches/{watch_id}", watch_id=watch_id)
            )
        except ServiceError as exc:
            if exc.status == 404:
                return None
            raise graphql_error(exc) from None
        return _watch(body)

    @strawberry.field(description="The floor duty roster in force on a day (default: each roster's latest)")
    async def floor_duty_roster(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        on: dt.date | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[DutySlot] | None:
        return await page(
            info,
            "safety",
            "/floor-duty/roster",
            DutySlot,
            "slot_key",
            first,
            after,
            campus_id=campus_id,
            on=on.isoformat() if on else None,
        )

    @strawberry.field(description="Floor duty turns checked in the caller's scope")
    async def floor_duty_check_ins(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        status: CheckInStatus | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[DutyCheckIn] | None:
        return await page(
            info,
            "safety",
            "/floor-duty/check-ins",
            DutyCheckIn,
            "turn_id",
            first,
            after,
            campus_id=campus_id,
            status=status,
        )

    @strawberry.field(description="Injuries at breaks or activities with who was on duty on their floor then")
    async def injury_floor_duty(
        self,
        info: Ctx,
        campus_id: strawberry.ID | None = None,
        duty: Annotated[
            DutyAtInjury | None, strawberry.argument(description="Only those whose floor duty was this")
        ] = None,
        from_day: FromDay = None,
        to_day: ToDay = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[InjuryDuty] | None:
        window: dict[str, Any] = {"from": day(from_day), "to": day(to_day)}
        return await page(
            info, "safety", "/floor-duty/injuries", InjuryDuty, "injury_id", first, after,
            campus_id=campus_id, duty=duty.value if duty else None, **window,
        )  # fmt: skip

    @strawberry.field(description="How many injuries had their floor's duty on time, late or missing")
    async def injury_floor_duty_summary(
        self, info: Ctx, campus_id: strawberry.ID | None = None, from_day: FromDay = None, to_day: ToDay = None
    ) -> InjuryDutySummary:
        info.context.require()
        window: dict[str, Any] = {"from": day(from_day), "to": day(to_day)}
        found = await get(info.context, "safety", "/floor-duty/injuries/summary", campus_id=campus_id, **window)
        return row(InjuryDutySummary, found)
