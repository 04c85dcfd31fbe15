"""Contests, awards and honours: each contest with its rounds, criteria, judges and entrants,
every judge's score sheet, and its ranking once ranked; the awards granted; the school's honours."""

from __future__ import annotations

import json

from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.projection import Projection
from services.hr_eval import events as ev
from services.hr_eval.events import HR_EVAL_EVENTS


def _json(values: list[ev.ContestRound] | list[ev.Criterion] | list[ev.Entrant] | list[ev.RankedEntrant]) -> object:
    return [json.loads(v.model_dump_json()) for v in values]


class Contests(Projection):
    name = "contests"
    event_types = frozenset(
        {
            "hr_eval.ContestAnnounced",
            "hr_eval.ContestScoreRecorded",
            "hr_eval.ContestRanked",
            "hr_eval.AwardGranted",
            "hr_eval.HonourRecorded",
        }
    )

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE {schema}.contests (
            contest_id text PRIMARY KEY, district_id text, school_id text NOT NULL, campus_id text,
            name text NOT NULL, kind text NOT NULL, level text NOT NULL, organiser text NOT NULL,
            held_on date NOT NULL, rounds jsonb NOT NULL, criteria jsonb NOT NULL, judges jsonb NOT NULL,
            entrants jsonb NOT NULL, announced_by text NOT NULL, announced_at timestamptz NOT NULL,
            sheets bigint NOT NULL DEFAULT 0, ranked boolean NOT NULL DEFAULT false, ranking jsonb,
            ranked_by text, ranked_at timestamptz);
        CREATE INDEX ON {schema}.contests (school_id, held_on);
        CREATE TABLE {schema}.contest_scores (
            contest_id text NOT NULL, round_id text NOT NULL, entrant_id text NOT NULL, judge text NOT NULL,
            scores jsonb NOT NULL, total bigint NOT NULL, recorded_by text NOT NULL,
            recorded_at timestamptz NOT NULL, PRIMARY KEY (contest_id, round_id, entrant_id, judge));
        CREATE TABLE {schema}.awards (
            award_id text PRIMARY KEY, district_id text, school_id text NOT NULL, campus_id text,
            contest_id text, title text NOT NULL, prize text NOT NULL, level text NOT NULL,
            awarded_on date NOT NULL, entrant_id text, recipient_name text NOT NULL, staff_ids text[] NOT NULL,
            bonus_rule_code text, granted_by text NOT NULL, granted_at timestamptz NOT NULL);
        CREATE INDEX ON {schema}.awards (school_id, awarded_on);
        CREATE INDEX ON {schema}.awards USING gin (staff_ids);
        CREATE TABLE {schema}.honours (
            honour_id text PRIMARY KEY, district_id text, school_id text NOT NULL, campus_id text,
            title text NOT NULL, level text NOT NULL, awarded_by text NOT NULL, awarded_on date NOT NULL,
            recorded_by text NOT NULL, recorded_at timestamptz NOT NULL);
        CREATE INDEX ON {schema}.honours (school_id, awarded_on);
        """

    async def apply(self, conn: Connection, schema: str, envelope: Envelope) -> None:
        e = HR_EVAL_EVENTS.decode(envelope)
        s = schema
        match e:
            case ev.ContestAnnounced():
                await conn.execute(
                    f"INSERT INTO {s}.contests (contest_id, district_id, school_id, campus_id, name, kind, level, "
                    "organiser, held_on, rounds, criteria, judges, entrants, announced_by, announced_at) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
                    e.contest_id,
                    envelope.district_id,
                    e.school_id,
                    e.campus_id,
                    e.name,
                    e.kind.value,
                    e.level.value,
                    e.organiser,
                    e.held_on,
                    _json(e.rounds),
                    _json(e.criteria),
                    list(e.judges),
                    _json(e.entrants),
                    e.announced_by,
                    e.announced_at,
                )
            case ev.ContestScoreRecorded():
                await conn.execute(
                    f"INSERT INTO {s}.contest_scores (contest_id, round_id, entrant_id, judge, scores, total, "
                    "recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    e.contest_id,
                    e.round_id,
                    e.entrant_id,
                    e.judge,
                    dict(e.scores),
                    sum(e.scores.values()),
                    e.recorded_by,
                    e.recorded_at,
                )
                await conn.execute(f"UPDATE {s}.contests SET sheets = sheets + 1 WHERE contest_id = $1", e.contest_id)
            case ev.ContestRanked():
                await conn.execute(
                    f"UPDATE {s}.contests SET ranked = true, ranking = $2, ranked_by = $3, ranked_at = $4 "
                    "WHERE contest_id = $1",
                    e.contest_id,
                    _json(e.ranking),
                    e.ranked_by,
                    e.ranked_at,
                )
            case ev.AwardGranted():
                await conn.execute(
                    f"INSERT INTO {s}.awards (award_id, district_id, school_id, campus_id, contest_id, title, prize, "
                    "level, awarded_on, entrant_id, recipient_name, staff_ids, bonus_rule_code, granted_by, "
                    "granted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
                    e.award_id,
                    envelope.district_id,
                    e.school_id,
                    e.campus_id,
                    e.contest_id,
                    e.title,
                    e.prize.value,
                    e.level.value,
                    e.awarded_on,
                    e.entrant_id,
                    e.recipient_name,
                    list(e.staff_ids),
                    e.bonus_rule_code,
                    e.granted_by,
                    e.granted_at,
                )
            case ev.HonourRecorded():
                await conn.execute(
                    f"INSERT INTO {s}.honours (honour_id, district_id, school_id, campus_id, title, level, "
                    "awarded_by, awarded_on, recorded_by, recorded_at) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    e.honour_id,
                    envelope.district_id,
                    e.school_id,
                    e.campus_id,
                    e.title,
                    e.level.value,
                    e.awarded_by,
                    e.awarded_on,
                    e.recorded_by,
                    e.recorded_at,
                )


CONTESTS = Contests()
