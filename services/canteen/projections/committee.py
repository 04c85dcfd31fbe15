"""The meal committees (members over time, meetings), every accompanied meal of a campus — the
leaders' and the parents' (a parent visit's lunch) — and the satisfaction surveys with their
running counts and results."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from services.canteen import events as ev
from services.canteen.events import CANTEEN_EVENTS, DinerKind, Meal
from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.projection import Projection


def _json(values: list[Any]) -> object:
    return [json.loads(v.model_dump_json()) if isinstance(v, BaseModel) else v for v in values]


def visit_record_id(visit_id: str) -> str:
    """A parent visit's accompanied lunch, as a row of the accompanied meals."""
    return f"visit-{visit_id}"


class CommitteeMeals(Projection):
    name = "canteen_committee"
    event_types = frozenset(
        {
            "canteen.MealCommitteeFormed",
            "canteen.CommitteeMemberJoined",
            "canteen.CommitteeMemberLeft",
            "canteen.CommitteeMeetingHeld",
            "canteen.MealAccompanied",
            "canteen.ParentVisitScheduled",
            "canteen.VisitLunchAccompanied",
            "canteen.SurveyOpened",
            "canteen.SurveyAnswersCounted",
            "canteen.SurveyClosed",
        }
    )
    # Every stream: the parent visits' streams are read too (their lunch is a parent's accompanied meal).

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE {schema}.committees (
            committee_id text PRIMARY KEY, district_id text, school_id text NOT NULL, term_id text NOT NULL,
            name text NOT NULL, oversight boolean NOT NULL, duties jsonb NOT NULL, formed_on date NOT NULL,
            formed_by text NOT NULL, members bigint NOT NULL DEFAULT 0, meetings bigint NOT NULL DEFAULT 0,
            last_meeting_on date);
        CREATE INDEX ON {schema}.committees (school_id, term_id);
        CREATE TABLE {schema}.committee_members (
            committee_id text NOT NULL, member_id text NOT NULL, name text NOT NULL, kind text NOT NULL,
            duty text NOT NULL, staff_id text, parent_id text, joined_on date NOT NULL, left_on date,
            left_reason text, PRIMARY KEY (committee_id, member_id));
        CREATE TABLE {schema}.committee_meetings (
            committee_id text NOT NULL, meeting_id text NOT NULL, held_on date NOT NULL, attendees text[] NOT NULL,
            minutes text NOT NULL, decisions jsonb NOT NULL, recorded_by text NOT NULL,
            PRIMARY KEY (committee_id, meeting_id));
        CREATE TABLE {schema}.accompanied_meals (
            record_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            served_on date NOT NULL, meal text NOT NULL, diner_id text, diner_name text NOT NULL,
            diner_kind text NOT NULL, place text NOT NULL, ratings jsonb NOT NULL, issues jsonb NOT NULL,
            visit_id text, recorded_by text NOT NULL);
        CREATE INDEX ON {schema}.accompanied_meals (campus_id, served_on);
        CREATE TABLE {schema}.visit_parents (
            visit_id text PRIMARY KEY, parent_id text NOT NULL, parent_name text NOT NULL);
        CREATE TABLE {schema}.surveys (
            survey_id text PRIMARY KEY, district_id text, school_id text NOT NULL, campus_id text,
            term_id text NOT NULL, audience text NOT NULL, title text NOT NULL, questions jsonb NOT NULL,
            status text NOT NULL, respondents bigint NOT NULL DEFAULT 0, batches bigint NOT NULL DEFAULT 0,
            counts jsonb NOT NULL, satisfaction_permille integer, summary text, opened_by text NOT NULL,
            closed_by text);
        CREATE INDEX ON {schema}.surveys (school_id, term_id);
        """

    async def apply(self, conn: Connection, schema: str, envelope: Envelope) -> None:
        e = CANTEEN_EVENTS.decode(envelope)
        s = schema
        match e:
            case ev.MealCommitteeFormed():
                await conn.execute(
                    f"INSERT INTO {s}.committees (committee_id, district_id, school_id, term_id, name, oversight, "
                    "duties, formed_on, formed_by, members) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    e.committee_id,
                    envelope.district_id,
                    e.school_id,
                    e.term_id,
                    e.name,
                    e.oversight,
                    list(e.duties),
                    e.formed_on,
                    e.formed_by,
                    len(e.members),
                )
                for member in e.members:
                    await self._join(conn, s, e.committee_id, member, e.formed_on)
            case ev.CommitteeMemberJoined():
                await self._join(conn, s, e.committee_id, e.member, e.joined_on)
                await conn.execute(
                    f"UPDATE {s}.committees SET members = members + 1 WHERE committee_id = $1", e.committee_id
                )
            case ev.CommitteeMemberLeft():
                await conn.execute(
                    f"UPDATE {s}.committee_members SET left_on = $3, left_reason = $4 "
                    "WHERE committee_id = $1 AND member_id = $2",
                    e.committee_id,
                    e.member_id,
                    e.left_on,
                    e.reason,
                )
                await conn.execute(
                    f"UPDATE {s}.committees SET members = members - 1 WHERE committee_id = $1", e.committee_id
                )
            case ev.CommitteeMeetingHeld():
                await conn.execute(
                    f"INSERT INTO {s}.committee_meetings (committee_id, meeting_id, held_on, attendees, minutes, "
                    "decisions, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    e.committee_id,
                    e.meeting_id,
                    e.held_on,
                    list(e.attendees),
                    e.minutes,
                    list(e.decisions),
                    e.recorded_by,
                )
                await conn.execute(
                    f"UPDATE {s}.committees SET meetings = meetings + 1, "
                    "last_meeting_on = greatest(last_meeting_on, $2) WHERE committee_id = $1",
                    e.committee_id,
                    e.held_on,
                )
            case ev.MealAccompanied():
                await conn.execute(
                    f"INSERT INTO {s}.accompanied_meals (record_id, district_id, school_id, campus_id, served_on, "
                    "meal, diner_id, diner_name, diner_kind, place, ratings, issues, recorded_by) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                    e.record_id,
                    envelope.district_id,
                    envelope.school_id,
                    e.campus_id,
                    e.served_on,
                    e.meal.value,
                    e.diner_id,
                    e.diner_name,
                    e.diner_kind.value,
                    e.place,
                    _json(e.ratings),
                    list(e.issues),
                    e.recorded_by,
                )
            case ev.ParentVisitScheduled():
                await conn.execute(
                    f"INSERT INTO {s}.visit_parents (visit_id, parent_id, parent_name) VALUES ($1, $2, $3) "
                    "ON CONFLICT (visit_id) DO UPDATE SET parent_id = $2, parent_name = $3",
                    e.visit_id,
                    e.parent_id,
                    e.parent_name,
                )
            case ev.VisitLunchAccompanied():
                parent = await conn.fetchrow(
                    f"SELECT parent_id, parent_name FROM {s}.visit_parents WHERE visit_id = $1", e.visit_id
                )
                await conn.execute(
                    f"INSERT INTO {s}.accompanied_meals (record_id, district_id, school_id, campus_id, served_on, "
                    "meal, diner_id, diner_name, diner_kind, place, ratings, issues, visit_id, recorded_by) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', $10, $11, $12, $13) "
                    "ON CONFLICT (record_id) DO UPDATE SET campus_id = $4, served_on = $5, ratings = $10, "
                    "issues = $11, recorded_by = $13",
                    visit_record_id(e.visit_id),
                    envelope.district_id,
                    envelope.school_id,
                    e.campus_id,
                    e.served_on,
                    Meal.LUNCH.value,
                    parent["parent_id"] if parent else None,
                    parent["parent_name"] if parent else "",
                    DinerKind.PARENT.value,
                    _json(e.ratings),
                    list(e.issues),
                    e.visit_id,
                    e.recorded_by,
                )
            case ev.SurveyOpened():
                counts = [{"code": q.code, "satisfied": 0, "neutral": 0, "dissatisfied": 0} for q in e.questions]
                await conn.execute(
                    f"INSERT INTO {s}.surveys (survey_id, district_id, school_id, campus_id, term_id, audience, "
                    "title, questions, status, counts, opened_by) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $10)",
                    e.survey_id,
                    envelope.district_id,
                    e.school_id,
                    e.campus_id,
                    e.term_id,
                    e.audience.value,
                    e.title,
                    _json(e.questions),
                    counts,
                    e.opened_by,
                )
            case ev.SurveyAnswersCounted():
                tallies = await conn.fetchval(f"SELECT counts FROM {s}.surveys WHERE survey_id = $1", e.survey_id)
                if tallies is None:
                    return
                batch = {c.code: c for c in e.counts}
                for line in tallies:
                    counted = batch.get(line["code"])
                    if counted is not None:
                        line["satisfied"] += counted.satisfied
                        line["neutral"] += counted.neutral
                        line["dissatisfied"] += counted.dissatisfied
                await conn.execute(
                    f"UPDATE {s}.surveys SET respondents = respondents + $2, batches = batches + 1, counts = $3 "
                    "WHERE survey_id = $1",
                    e.survey_id,
                    e.respondents,
                    tallies,
                )
            case ev.SurveyClosed():
                await conn.execute(
                    f"UPDATE {s}.surveys SET status = 'closed', respondents = $2, satisfaction_permille = $3, "
                    "summary = $4, closed_by = $5 WHERE survey_id = $1",
                    e.survey_id,
                    e.respondents,
                    e.satisfaction_permille,
                    e.summary,
                    e.closed_by,
                )

    @staticmethod
    async def _join(conn: Connection, s: str, committee_id: str, member: ev.CommitteeMember, on: object) -> None:
        await conn.execute(
            f"INSERT INTO {s}.committee_members (committee_id, member_id, name, kind, duty, staff_id, parent_id, "
            "joined_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (committee_id, member_id) DO UPDATE "
            "SET name = $3, kind = $4, duty = $5, staff_id = $6, parent_id = $7, joined_on = $8, left_on = NULL, "
            "left_reason = NULL",
            committee_id,
            member.member_id,
            member.name,
            member.kind.value,
            member.duty,
            member.staff_id,
            member.parent_id,
            on,
        )


COMMITTEE_MEALS = CommitteeMeals()
