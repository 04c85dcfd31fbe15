"""Watch duty: the watches on students at risk (with their notes and reviews), the floor duty
rosters of each campus and term (each version from its first day), the duty turns checked, and
where and when each injury happened (its building, floor and break), to say who was on duty."""

from __future__ import annotations

import orjson

from services.eventkit.days import local_day
from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.projection import Projection
from services.safety import events as ev
from services.safety.events import SAFETY_EVENTS
from services.safety.floor_duty import DutyTurn, FloorDutyRoster
from services.safety.injuries import Injury
from services.safety.student_watch import StudentWatch


class WatchDuty(Projection):
    name = "watch_duty"
    streams = (StudentWatch, FloorDutyRoster, DutyTurn, Injury)
    event_types = frozenset(
        {
            "safety.StudentWatchOpened",
            "safety.StudentWatchPlanSet",
            "safety.StudentWatchNoted",
            "safety.StudentWatchReviewed",
            "safety.StudentWatchClosed",
            "safety.FloorDutyRosterSet",
            "safety.FloorDutyCheckedIn",
            "safety.InjuryReported",
        }
    )

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE {schema}.watches (
            watch_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            student_id text NOT NULL, class_id text NOT NULL, class_teacher_id text NOT NULL, reason text NOT NULL,
            opened_on date NOT NULL, opened_by text NOT NULL, status text NOT NULL DEFAULT 'open',
            plan jsonb NOT NULL DEFAULT '[]', plan_set_on date, plans bigint NOT NULL DEFAULT 0,
            notes bigint NOT NULL DEFAULT 0, last_note_at timestamptz, reviews bigint NOT NULL DEFAULT 0,
            last_review_on date, last_outcome text, closed_on date, closing_note text);
        CREATE INDEX ON {schema}.watches (campus_id, class_id);
        CREATE TABLE {schema}.watch_notes (
            watch_id text NOT NULL, version integer NOT NULL, noted_at timestamptz NOT NULL, note text NOT NULL,
            noted_by text NOT NULL, PRIMARY KEY (watch_id, version));
        CREATE TABLE {schema}.watch_reviews (
            watch_id text NOT NULL, version integer NOT NULL, reviewed_on date NOT NULL, outcome text NOT NULL,
            note text NOT NULL, reviewed_by text NOT NULL, PRIMARY KEY (watch_id, version));
        CREATE TABLE {schema}.roster_versions (
            roster_id text NOT NULL, district_id text, school_id text, campus_id text NOT NULL, term_id text NOT NULL,
            effective_from date NOT NULL, set_by text NOT NULL, note text NOT NULL,
            PRIMARY KEY (roster_id, effective_from));
        CREATE INDEX ON {schema}.roster_versions (campus_id, effective_from);
        CREATE TABLE {schema}.roster_slots (
            roster_id text NOT NULL, effective_from date NOT NULL, district_id text, school_id text,
            campus_id text NOT NULL, term_id text NOT NULL, building text NOT NULL, floor integer NOT NULL,
            break_period text NOT NULL, weekdays integer[] NOT NULL, teacher_id text NOT NULL);
        CREATE INDEX ON {schema}.roster_slots (campus_id, effective_from, building, floor, break_period);
        CREATE TABLE {schema}.check_ins (
            turn_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL, day date NOT NULL,
            building text NOT NULL, floor integer NOT NULL, break_period text NOT NULL, teacher_id text NOT NULL,
            status text NOT NULL, arrived_at timestamptz, recorded_by text NOT NULL, note text NOT NULL);
        CREATE INDEX ON {schema}.check_ins (campus_id, day, building, floor, break_period);
        CREATE TABLE {schema}.injury_places (
            injury_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            student_id text NOT NULL, class_id text NOT NULL, setting text NOT NULL,
            occurred_at timestamptz NOT NULL, occurred_on date NOT NULL, building text, floor integer,
            break_period text);
        CREATE INDEX ON {schema}.injury_places (campus_id, occurred_on);
        """

    async def apply(self, conn: Connection, schema: str, envelope: Envelope) -> None:
        e = SAFETY_EVENTS.decode(envelope)
        s = schema
        t = (envelope.district_id, envelope.school_id, envelope.campus_id or "")
        match e:
            case ev.StudentWatchOpened():
                await conn.execute(
                    f"INSERT INTO {s}.watches (watch_id, district_id, school_id, campus_id, student_id, class_id, "
                    "class_teacher_id, reason, opened_on, opened_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    e.watch_id,
                    *t,
                    e.student_id,
                    e.class_id,
                    e.class_teacher_id,
                    e.reason,
                    e.opened_on,
                    e.opened_by,
                )
            case ev.StudentWatchPlanSet():
                plan = orjson.dumps([i.model_dump(mode="json") for i in e.items]).decode()
                await conn.execute(
                    f"UPDATE {s}.watches SET plan = $2::jsonb, plan_set_on = $3, plans = plans + 1 WHERE watch_id = $1",
                    e.watch_id,
                    plan,
                    e.set_on,
                )
            case ev.StudentWatchNoted():
                await conn.execute(
                    f"INSERT INTO {s}.watch_notes (watch_id, version, noted_at, note, noted_by) "
                    "VALUES ($1, $2, $3, $4, $5)",
                    e.watch_id,
                    envelope.version,
                    e.noted_at,
                    e.note,
                    e.noted_by,
                )
                await conn.execute(
                    f"UPDATE {s}.watches SET notes = notes + 1, last_note_at = greatest(last_note_at, $2) "
                    "WHERE watch_id = $1",
                    e.watch_id,
                    e.noted_at,
                )
            case ev.StudentWatchReviewed():
                await conn.execute(
                    f"INSERT INTO {s}.watch_reviews (watch_id, version, reviewed_on, outcome, note, reviewed_by) "
                    "VALUES ($1, $2, $3, $4, $5, $6)",
                    e.watch_id,
                    envelope.version,
                    e.reviewed_on,
                    e.outcome.value,
                    e.note,
                    e.reviewed_by,
                )
                await conn.execute(
                    f"UPDATE {s}.watches SET reviews = reviews + 1, status = 'reviewed', last_review_on = $2, "
                    "last_outcome = $3 WHERE watch_id = $1",
                    e.watch_id,
                    e.reviewed_on,
                    e.outcome.value,
                )
            case ev.StudentWatchClosed():
                await conn.execute(
                    f"UPDATE {s}.watches SET status = 'closed', closed_on = $2, closing_note = $3 WHERE watch_id = $1",
                    e.watch_id,
                    e.closed_on,
                    e.note,
                )
            case ev.FloorDutyRosterSet():
                for table in ("roster_slots", "roster_versions"):  # a version from the same day or later is replaced
                    await conn.execute(
                        f"DELETE FROM {s}.{table} WHERE roster_id = $1 AND effective_from >= $2",
                        e.roster_id,
                        e.effective_from,
                    )
                await conn.execute(
                    f"INSERT INTO {s}.roster_versions (roster_id, district_id, school_id, campus_id, term_id, "
                    "effective_from, set_by, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    e.roster_id,
                    *t,
                    e.term_id,
                    e.effective_from,
                    e.set_by,
                    e.note,
                )
                await conn.executemany(
                    f"INSERT INTO {s}.roster_slots (roster_id, effective_from, district_id, school_id, campus_id, "
                    "term_id, building, floor, break_period, weekdays, teacher_id) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    [
                        (
                            e.roster_id,
                            e.effective_from,
                            *t,
                            e.term_id,
                            slot.building,
                            slot.floor,
                            slot.break_period.value,
                            slot.weekdays,
                            slot.teacher_id,
                        )
                        for slot in e.slots
                    ],
                )
            case ev.FloorDutyCheckedIn():
                await conn.execute(
                    f"INSERT INTO {s}.check_ins (turn_id, district_id, school_id, campus_id, day, building, floor, "
                    "break_period, teacher_id, status, arrived_at, recorded_by, note) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                    e.turn_id,
                    *t,
                    e.day,
                    e.building,
                    e.floor,
                    e.break_period.value,
                    e.teacher_id,
                    e.status.value,
                    e.arrived_at,
                    e.recorded_by,
                    e.note,
                )
            case ev.InjuryReported():
                await conn.execute(
                    f"INSERT INTO {s}.injury_places (injury_id, district_id, school_id, campus_id, student_id, "
                    "class_id, setting, occurred_at, occurred_on, building, floor, break_period) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    e.injury_id,
                    *t,
                    e.student_id,
                    e.class_id,
                    e.setting.value,
                    e.occurred_at,
                    local_day(e.occurred_at),
                    e.building,
                    e.floor,
                    e.break_period.value if e.break_period else None,
                )


WATCH_DUTY = WatchDuty()
