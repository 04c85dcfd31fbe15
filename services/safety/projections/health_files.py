"""Health files: every student's health record, special conditions filed apart, and
which teachers acknowledged each condition (and who still has to)."""

from __future__ import annotations

from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.projection import Projection
from services.safety import events as ev
from services.safety.events import SAFETY_EVENTS
from services.safety.health import HealthRecord


class HealthFiles(Projection):
    name = "health_files"
    streams = (HealthRecord,)
    event_types = frozenset(
        {
            "safety.HealthRecordOpened",
            "safety.HealthRecordReviewed",
            "safety.SpecialConditionRecorded",
            "safety.SpecialConditionAcknowledged",
        }
    )

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE {schema}.records (
            student_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            class_id text NOT NULL, admission text NOT NULL, opened_on date NOT NULL, form_ref text NOT NULL,
            opened_by text, reviews bigint NOT NULL DEFAULT 0, reviewed_by text, reviewed_on date,
            review_notes text);
        CREATE INDEX ON {schema}.records (campus_id, class_id);
        CREATE TABLE {schema}.conditions (
            student_id text NOT NULL, condition_id text NOT NULL, district_id text, school_id text,
            campus_id text NOT NULL, class_id text NOT NULL, description text NOT NULL,
            care_instructions text NOT NULL, teachers_to_tell text[] NOT NULL, pending text[] NOT NULL,
            recorded_by text, recorded_at timestamptz NOT NULL, PRIMARY KEY (student_id, condition_id));
        CREATE INDEX ON {schema}.conditions USING gin (pending);
        CREATE TABLE {schema}.acknowledgements (
            student_id text NOT NULL, condition_id text NOT NULL, teacher_id text NOT NULL,
            acknowledged_at timestamptz NOT NULL, PRIMARY KEY (student_id, condition_id, teacher_id));
        """

    async def apply(self, conn: Connection, schema: str, envelope: Envelope) -> None:
        e = SAFETY_EVENTS.decode(envelope)
        s = schema
        t = (envelope.district_id, envelope.school_id, envelope.campus_id or "")
        match e:
            case ev.HealthRecordOpened():
                await conn.execute(
                    f"INSERT INTO {s}.records (student_id, district_id, school_id, campus_id, class_id, admission, "
                    "opened_on, form_ref, opened_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    e.student_id,
                    *t,
                    e.class_id,
                    e.admission,
                    e.opened_on,
                    e.form_ref,
                    envelope.actor,
                )
            case ev.HealthRecordReviewed():
                await conn.execute(
                    f"UPDATE {s}.records SET reviews = reviews + 1, reviewed_by = $2, reviewed_on = $3, "
                    "review_notes = $4 WHERE student_id = $1",
                    e.student_id,
                    e.reviewed_by,
                    e.reviewed_on,
                    e.notes,
                )
            case ev.SpecialConditionRecorded():
                await conn.execute(
                    f"INSERT INTO {s}.conditions (student_id, condition_id, district_id, school_id, campus_id, "
                    "class_id, description, care_instructions, teachers_to_tell, pending, recorded_by, recorded_at) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11)",
                    e.student_id,
                    e.condition_id,
                    *t,
                    e.class_id,
                    e.description,
                    e.care_instructions,
                    e.teachers_to_tell,
                    envelope.actor,
                    envelope.occurred_at,
                )
            case ev.SpecialConditionAcknowledged():
                await conn.execute(
                    f"INSERT INTO {s}.acknowledgements (student_id, condition_id, teacher_id, acknowledged_at) "
                    "VALUES ($1, $2, $3, $4)",
                    e.student_id,
                    e.condition_id,
                    e.teacher_id,
                    e.acknowledged_at,
                )
                await conn.execute(
                    f"UPDATE {s}.conditions SET pending = array_remove(pending, $3) "
                    "WHERE student_id = $1 AND condition_id = $2",
                    e.student_id,
                    e.condition_id,
                    e.teacher_id,
                )


HEALTH_FILES = HealthFiles()
