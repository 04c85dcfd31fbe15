"""Parent visits: each visit with its steps (when, by whom), the lunch's ratings, the reflection,
how it was reviewed, and the school's answers to its suggestions."""

from __future__ import annotations

from services.canteen import events as ev
from services.canteen.events import CANTEEN_EVENTS
from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.projection import Projection


class ParentVisits(Projection):
    name = "canteen_parent_visits"
    event_types = frozenset(
        {
            "canteen.ParentVisitScheduled",
            "canteen.ParentVisitRescheduled",
            "canteen.ParentVisitCancelled",
            "canteen.VisitDeliveriesInspected",
            "canteen.VisitLunchAccompanied",
            "canteen.ReflectionSubmitted",
            "canteen.ReflectionPublished",
            "canteen.ReflectionKeptInternal",
            "canteen.SuggestionAnswered",
        }
    )

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE {schema}.visits (
            visit_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            week_of date NOT NULL, visit_on date NOT NULL, parent_id text NOT NULL, parent_name text NOT NULL,
            status text NOT NULL, scheduled_by text NOT NULL, scheduled_at timestamptz NOT NULL,
            cancel_reason text,
            delivery_ids jsonb, with_staff jsonb, delivery_note text, inspected_at timestamptz,
            ratings jsonb, issues jsonb, lunch_at timestamptz,
            title text, text text, suggestions jsonb, consent_to_publish boolean, submitted_at timestamptz,
            published boolean NOT NULL DEFAULT false, channel text, internal_reason text,
            reviewed_by text, reviewed_at timestamptz);
        CREATE INDEX ON {schema}.visits (campus_id, visit_on);
        CREATE INDEX ON {schema}.visits (parent_id);
        CREATE TABLE {schema}.visit_steps (
            visit_id text NOT NULL, version bigint NOT NULL, step text NOT NULL, at timestamptz NOT NULL,
            by text NOT NULL, detail text NOT NULL DEFAULT '', PRIMARY KEY (visit_id, version));
        CREATE TABLE {schema}.visit_answers (
            visit_id text NOT NULL, suggestion int NOT NULL, answer text NOT NULL, answered_by text NOT NULL,
            answered_at timestamptz NOT NULL, PRIMARY KEY (visit_id, suggestion));
        """

    async def apply(self, conn: Connection, schema: str, envelope: Envelope) -> None:
        e = CANTEEN_EVENTS.decode(envelope)
        s = schema
        at = envelope.occurred_at  # the act's time (the events keep it too, since they carry one)
        match e:
            case ev.ParentVisitScheduled():
                at = e.scheduled_at or at
                await conn.execute(
                    f"INSERT INTO {s}.visits (visit_id, district_id, school_id, campus_id, week_of, visit_on, "
                    "parent_id, parent_name, status, scheduled_by, scheduled_at) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'scheduled', $9, $10) ON CONFLICT (visit_id) DO NOTHING",
                    e.visit_id,
                    envelope.district_id,
                    envelope.school_id,
                    e.campus_id,
                    e.week_of,
                    e.visit_on,
                    e.parent_id,
                    e.parent_name,
                    e.scheduled_by,
                    at,
                )
                await self._step(conn, s, envelope, e.visit_id, "scheduled", at, e.scheduled_by, str(e.visit_on))
            case ev.ParentVisitRescheduled():
                at = e.rescheduled_at or at
                await conn.execute(
                    f"UPDATE {s}.visits SET visit_on = $2, week_of = date_trunc('week', $2::date)::date "
                    "WHERE visit_id = $1",
                    e.visit_id,
                    e.visit_on,
                )
                detail = f"{e.visit_on}: {e.reason}"
                await self._step(conn, s, envelope, e.visit_id, "rescheduled", at, e.rescheduled_by, detail)
            case ev.ParentVisitCancelled():
                at = e.cancelled_at or at
                await conn.execute(
                    f"UPDATE {s}.visits SET status = 'cancelled', cancel_reason = $2 WHERE visit_id = $1",
                    e.visit_id,
                    e.reason,
                )
                await self._step(conn, s, envelope, e.visit_id, "cancelled", at, e.cancelled_by, e.reason)
            case ev.VisitDeliveriesInspected():
                at = e.inspected_at or at
                await conn.execute(
                    f"UPDATE {s}.visits SET status = 'deliveries_inspected', delivery_ids = $2, with_staff = $3, "
                    "delivery_note = $4, inspected_at = $5 WHERE visit_id = $1",
                    e.visit_id,
                    e.delivery_ids,
                    e.with_staff,
                    e.note,
                    at,
                )
                await self._step(conn, s, envelope, e.visit_id, "deliveries_inspected", at, e.recorded_by, e.note)
            case ev.VisitLunchAccompanied():
                at = e.accompanied_at or at
                await conn.execute(
                    f"UPDATE {s}.visits SET status = 'lunch_accompanied', ratings = $2, issues = $3, lunch_at = $4 "
                    "WHERE visit_id = $1",
                    e.visit_id,
                    [r.model_dump() for r in e.ratings],
                    e.issues,
                    at,
                )
                detail = "; ".join(e.issues)
                await self._step(conn, s, envelope, e.visit_id, "lunch_accompanied", at, e.recorded_by, detail)
            case ev.ReflectionSubmitted():
                at = e.submitted_at or at
                await conn.execute(
                    f"UPDATE {s}.visits SET status = 'reflection_submitted', title = $2, text = $3, suggestions = $4, "
                    "consent_to_publish = $5, submitted_at = $6 WHERE visit_id = $1",
                    e.visit_id,
                    e.title,
                    e.text,
                    e.suggestions,
                    e.consent_to_publish,
                    at,
                )
                await self._step(conn, s, envelope, e.visit_id, "reflection_submitted", at, e.submitted_by, e.title)
            case ev.ReflectionPublished():
                at = e.published_at or at
                await conn.execute(
                    f"UPDATE {s}.visits SET status = 'published', published = true, channel = $2, reviewed_by = $3, "
                    "reviewed_at = $4 WHERE visit_id = $1",
                    e.visit_id,
                    e.channel,
                    e.published_by,
                    at,
                )
                await self._step(conn, s, envelope, e.visit_id, "published", at, e.published_by, e.channel)
            case ev.ReflectionKeptInternal():
                at = e.reviewed_at or at
                await conn.execute(
                    f"UPDATE {s}.visits SET status = 'kept_internal', internal_reason = $2, reviewed_by = $3, "
                    "reviewed_at = $4 WHERE visit_id = $1",
                    e.visit_id,
                    e.reason,
                    e.reviewed_by,
                    at,
                )
                await self._step(conn, s, envelope, e.visit_id, "kept_internal", at, e.reviewed_by, e.reason)
            case ev.SuggestionAnswered():
                at = e.answered_at or at
                await conn.execute(
                    f"INSERT INTO {s}.visit_answers (visit_id, suggestion, answer, answered_by, answered_at) "
                    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    e.visit_id,
                    e.suggestion,
                    e.answer,
                    e.answered_by,
                    at,
                )
                detail = f"{e.suggestion}: {e.answer}"
                await self._step(conn, s, envelope, e.visit_id, "suggestion_answered", at, e.answered_by, detail)

    @staticmethod
    async def _step(
        conn: Connection, s: str, envelope: Envelope, visit_id: str, step: str, at: object, by: str, detail: str
    ) -> None:
        await conn.execute(
            f"INSERT INTO {s}.visit_steps (visit_id, version, step, at, by, detail) VALUES ($1, $2, $3, $4, $5, $6) "
            "ON CONFLICT DO NOTHING",
            visit_id,
            envelope.version,
            step,
            at,
            by,
            detail,
        )


PARENT_VISITS = ParentVisits()
