"""Keys and repairs: who holds which key (outstanding, overdue) and each key's loans; each
repair with where it came from, who has it, and its turnaround."""

from __future__ import annotations

from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.projection import Projection
from services.inventory import events as ev
from services.inventory.events import INVENTORY_EVENTS


class KeysRepairs(Projection):
    name = "keys_repairs"
    event_types = frozenset(
        {
            "inventory.KeyIssued",
            "inventory.KeyReturned",
            "inventory.KeyLost",
            "inventory.RepairReported",
            "inventory.RepairAssigned",
            "inventory.RepairDone",
            "inventory.RepairVerified",
            "inventory.RepairVerificationFailed",
        }
    )

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE {schema}.keys (
            key_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            door text NOT NULL, state text NOT NULL, holder_id text NOT NULL, issued_on date NOT NULL,
            due_on date NOT NULL, issued_by text NOT NULL, returned_on date, received_by text, lost_on date,
            lock_changed boolean, note text NOT NULL DEFAULT '', loans bigint NOT NULL DEFAULT 0);
        CREATE INDEX ON {schema}.keys (campus_id, state);
        CREATE INDEX ON {schema}.keys (holder_id);
        CREATE TABLE {schema}.key_loans (
            key_id text NOT NULL, loan bigint NOT NULL, campus_id text NOT NULL, door text NOT NULL,
            holder_id text NOT NULL, issued_on date NOT NULL, due_on date NOT NULL, issued_by text NOT NULL,
            ended text, ended_on date, PRIMARY KEY (key_id, loan));
        CREATE TABLE {schema}.repairs (
            repair_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            place text NOT NULL, description text NOT NULL, source text NOT NULL, hazard_id text,
            state text NOT NULL, reported_by text NOT NULL, reported_at timestamptz NOT NULL,
            assignee_id text, assigned_by text, assigned_at timestamptz, done_by text, done_at timestamptz,
            note text NOT NULL DEFAULT '', verified_by text, verified_at timestamptz,
            turnaround_hours double precision, failed_verifications integer NOT NULL DEFAULT 0,
            failed_by text, failed_at timestamptz, failed_reason text);
        CREATE INDEX ON {schema}.repairs (campus_id, state);
        CREATE INDEX ON {schema}.repairs (hazard_id);
        """

    async def apply(self, conn: Connection, schema: str, envelope: Envelope) -> None:
        e = INVENTORY_EVENTS.decode(envelope)
        s = schema
        match e:
            case ev.KeyIssued():
                loans = await conn.fetchval(
                    f"INSERT INTO {s}.keys (key_id, district_id, school_id, campus_id, door, state, holder_id, "
                    "issued_on, due_on, issued_by, loans) VALUES ($1, $2, $3, $4, $5, 'issued', $6, $7, $8, $9, 1) "
                    "ON CONFLICT (key_id) DO UPDATE SET campus_id = $4, door = $5, state = 'issued', holder_id = $6, "
                    "issued_on = $7, due_on = $8, issued_by = $9, returned_on = NULL, received_by = NULL, "
                    f"lost_on = NULL, lock_changed = NULL, note = '', loans = {s}.keys.loans + 1 RETURNING loans",
                    e.key_id,
                    envelope.district_id,
                    envelope.school_id,
                    e.campus_id,
                    e.door,
                    e.holder_id,
                    e.issued_on,
                    e.due_on,
                    e.issued_by,
                )
                await conn.execute(
                    f"INSERT INTO {s}.key_loans (key_id, loan, campus_id, door, holder_id, issued_on, due_on, "
                    "issued_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    e.key_id,
                    loans,
                    e.campus_id,
                    e.door,
                    e.holder_id,
                    e.issued_on,
                    e.due_on,
                    e.issued_by,
                )
            case ev.KeyReturned():
                await conn.execute(
                    f"UPDATE {s}.keys SET state = 'returned', returned_on = $2, received_by = $3 WHERE key_id = $1",
                    e.key_id,
                    e.returned_on,
                    e.received_by,
                )
                await self._end_loan(conn, s, e.key_id, "returned", e.returned_on)
            case ev.KeyLost():
                await conn.execute(
                    f"UPDATE {s}.keys SET state = 'lost', lost_on = $2, lock_changed = $3, note = $4 WHERE key_id = $1",
                    e.key_id,
                    e.reported_on,
                    e.lock_changed,
                    e.note,
                )
                await self._end_loan(conn, s, e.key_id, "lost", e.reported_on)
            case ev.RepairReported():
                await conn.execute(
                    f"INSERT INTO {s}.repairs (repair_id, district_id, school_id, campus_id, place, description, "
                    "source, hazard_id, state, reported_by, reported_at, assignee_id, assigned_by, assigned_at) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                    e.repair_id,
                    envelope.district_id,
                    envelope.school_id,
                    e.campus_id,
                    e.place,
                    e.description,
                    e.source.value,
                    e.hazard_id,
                    "assigned" if e.assignee_id else "reported",
                    e.reported_by,
                    e.reported_at,
                    e.assignee_id,
                    e.reported_by if e.assignee_id else None,
                    e.reported_at if e.assignee_id else None,
                )
            case ev.RepairAssigned():
                await conn.execute(
                    f"UPDATE {s}.repairs SET state = 'assigned', assignee_id = $2, assigned_by = $3, "
                    "assigned_at = $4 WHERE repair_id = $1",
                    e.repair_id,
                    e.assignee_id,
                    e.assigned_by,
                    e.assigned_at,
                )
            case ev.RepairDone():
                await conn.execute(
                    f"UPDATE {s}.repairs SET state = 'done', done_by = $2, done_at = $3, note = $4, "
                    "turnaround_hours = round((extract(epoch FROM $3::timestamptz - reported_at) / 3600)::numeric, 2) "
                    "WHERE repair_id = $1",
                    e.repair_id,
                    e.done_by,
                    e.done_at,
                    e.note,
                )
            case ev.RepairVerified():
                await conn.execute(
                    f"UPDATE {s}.repairs SET state = 'verified', verified_by = $2, verified_at = $3, "
                    "turnaround_hours = round((extract(epoch FROM $3::timestamptz - reported_at) / 3600)::numeric, 2) "
                    "WHERE repair_id = $1",
                    e.repair_id,
                    e.verified_by,
                    e.verified_at,
                )
            case ev.RepairVerificationFailed():
                # back to its assignee: done again, then verified again
                await conn.execute(
                    f"UPDATE {s}.repairs SET state = 'assigned', done_by = NULL, done_at = NULL, "
                    "turnaround_hours = NULL, failed_verifications = failed_verifications + 1, failed_by = $2, "
                    "failed_at = $3, failed_reason = $4 WHERE repair_id = $1",
                    e.repair_id,
                    e.verified_by,
                    e.verified_at,
                    e.reason,
                )

    @staticmethod
    async def _end_loan(conn: Connection, s: str, key_id: str, how: str, on: object) -> None:
        await conn.execute(
            f"UPDATE {s}.key_loans SET ended = $2, ended_on = $3 WHERE key_id = $1 AND ended IS NULL",
            key_id,
            how,
            on,
        )


KEYS_REPAIRS = KeysRepairs()
