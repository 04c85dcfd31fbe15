"""Deliveries and pesticide quick tests: each delivery with its lines (their weighings, tests and
decisions), each quick test, and each certificate seen with the deliveries (for the warnings of
certificates about to expire). Every time kept is the act's (the envelope's ``occurred_at``)."""

from __future__ import annotations

from typing import Any

from services.canteen import events as ev
from services.canteen.deliveries import Delivery
from services.canteen.events import CANTEEN_EVENTS
from services.eventkit.days import local_day
from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.projection import Projection


def _certificate(c: ev.Certificate) -> dict[str, Any]:
    return c.model_dump(mode="json")


class Deliveries(Projection):
    name = "canteen_deliveries"
    streams = (Delivery,)
    event_types = frozenset(
        {
            "canteen.DeliveryReceived",
            "canteen.DeliveryLineInspected",
            "canteen.PesticideTested",
            "canteen.DeliveryLineAccepted",
            "canteen.DeliveryLineRejected",
            "canteen.DeliveryAcceptanceSigned",
        }
    )

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE {schema}.deliveries (
            delivery_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            supplier_id text NOT NULL, supplier_name text NOT NULL, certificates jsonb NOT NULL,
            received_by text NOT NULL, received_at timestamptz NOT NULL, received_on date NOT NULL,
            state text NOT NULL, line_count bigint NOT NULL, lines_accepted bigint NOT NULL DEFAULT 0,
            lines_rejected bigint NOT NULL DEFAULT 0, pesticide_tests bigint NOT NULL DEFAULT 0,
            pesticide_failures bigint NOT NULL DEFAULT 0, inspectors text[] NOT NULL DEFAULT '{{}}',
            signed_by text, signed_at timestamptz);
        CREATE INDEX ON {schema}.deliveries (campus_id, received_on);
        CREATE INDEX ON {schema}.deliveries (supplier_id);
        CREATE TABLE {schema}.delivery_lines (
            delivery_id text NOT NULL, line_no integer NOT NULL, item text NOT NULL, category text NOT NULL,
            batch text NOT NULL, produced_on date, shelf_life_days integer, declared_grams integer NOT NULL,
            chilled boolean NOT NULL, certificates jsonb NOT NULL, inspections jsonb NOT NULL DEFAULT '[]',
            weighed_grams integer, temperature_c10 integer, decision text, accepted_grams integer,
            override_reason text, reason text, decided_by text, decided_at timestamptz,
            PRIMARY KEY (delivery_id, line_no));
        CREATE TABLE {schema}.pesticide_tests (
            test_key text PRIMARY KEY, delivery_id text NOT NULL, test_id text NOT NULL, line_no integer NOT NULL,
            district_id text, school_id text, campus_id text NOT NULL, supplier_id text NOT NULL,
            supplier_name text NOT NULL, item text NOT NULL, category text NOT NULL, batch text NOT NULL,
            verdict text NOT NULL, failed boolean NOT NULL, inhibition_permille integer, tested_by text NOT NULL,
            tested_at timestamptz NOT NULL, tested_on date NOT NULL);
        CREATE INDEX ON {schema}.pesticide_tests (campus_id, tested_on);
        CREATE TABLE {schema}.delivery_certificates (
            delivery_id text NOT NULL, line_no integer NOT NULL, kind text NOT NULL, number text NOT NULL,
            expires_on date, district_id text, school_id text, campus_id text NOT NULL, supplier_id text NOT NULL,
            supplier_name text NOT NULL, item text, received_at timestamptz NOT NULL, received_on date NOT NULL,
            accepted boolean NOT NULL DEFAULT false, PRIMARY KEY (delivery_id, line_no, kind, number));
        CREATE INDEX ON {schema}.delivery_certificates (campus_id, supplier_id, kind);
        """

    async def apply(self, conn: Connection, schema: str, envelope: Envelope) -> None:
        e = CANTEEN_EVENTS.decode(envelope)
        s = schema
        at = envelope.occurred_at
        match e:
            case ev.DeliveryReceived():
                received_at = e.received_at or at
                await conn.execute(
                    f"INSERT INTO {s}.deliveries (delivery_id, district_id, school_id, campus_id, supplier_id, "
                    "supplier_name, certificates, received_by, received_at, received_on, state, line_count) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'received', $11) ON CONFLICT DO NOTHING",
                    e.delivery_id,
                    envelope.district_id,
                    envelope.school_id,
                    e.campus_id,
                    e.supplier_id,
                    e.supplier_name,
                    [_certificate(c) for c in e.certificates],
                    e.received_by,
                    received_at,
                    local_day(received_at),
                    len(e.lines),
                )
                await conn.executemany(
                    f"INSERT INTO {s}.delivery_lines (delivery_id, line_no, item, category, batch, produced_on, "
                    "shelf_life_days, declared_grams, chilled, certificates) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
                    [
                        (
                            e.delivery_id,
                            line.line_no,
                            line.item,
                            line.category.value,
                            line.batch,
                            line.produced_on,
                            line.shelf_life_days,
                            line.declared_grams,
                            line.chilled,
                            [_certificate(c) for c in line.certificates],
                        )
                        for line in e.lines
                    ],
                )
                certificates = [(0, None, c) for c in e.certificates] + [
                    (line.line_no, line.item, c) for line in e.lines for c in line.certificates
                ]
                await conn.executemany(
                    f"INSERT INTO {s}.delivery_certificates (delivery_id, line_no, kind, number, expires_on, "
                    "district_id, school_id, campus_id, supplier_id, supplier_name, item, received_at, received_on) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING",
                    [
                        (
                            e.delivery_id,
                            line_no,
                            c.kind.value,
                            c.number,
                            c.expires_on,
                            envelope.district_id,
                            envelope.school_id,
                            e.campus_id,
                            e.supplier_id,
                            e.supplier_name,
                            item,
                            received_at,
                            local_day(received_at),
                        )
                        for line_no, item, c in certificates
                    ],
                )
            case ev.DeliveryLineInspected():
                inspection = {
                    "inspector_id": e.inspector_id,
                    "weighed_grams": e.weighed_grams,
                    "temperature_c10": e.temperature_c10,
                    "note": e.note,
                    "inspected_at": at.isoformat(),
                }
                await conn.execute(
                    f"UPDATE {s}.delivery_lines SET inspections = inspections || jsonb_build_array($3::jsonb), "
                    "weighed_grams = $4, temperature_c10 = $5 WHERE delivery_id = $1 AND line_no = $2",
                    e.delivery_id,
                    e.line_no,
                    inspection,
                    e.weighed_grams,
                    e.temperature_c10,
                )
                await conn.execute(
                    f"UPDATE {s}.deliveries SET inspectors = "
                    "ARRAY(SELECT unnest(array_append(inspectors, $2)) ORDER BY 1) "
                    "WHERE delivery_id = $1 AND NOT ($2 = ANY(inspectors))",
                    e.delivery_id,
                    e.inspector_id,
                )
            case ev.PesticideTested():
                failed = e.verdict is ev.Verdict.FAIL
                await conn.execute(
                    f"INSERT INTO {s}.pesticide_tests (test_key, delivery_id, test_id, line_no, district_id, "
                    "school_id, campus_id, supplier_id, supplier_name, item, category, batch, verdict, failed, "
                    "inhibition_permille, tested_by, tested_at, tested_on) "
                    "SELECT $1 || '/' || $2, d.delivery_id, $2, $3, d.district_id, d.school_id, d.campus_id, "
                    "d.supplier_id, d.supplier_name, l.item, l.category, l.batch, $4, $5, $6, $7, $8, $9 "
                    f"FROM {s}.deliveries d JOIN {s}.delivery_lines l USING (delivery_id) "
                    "WHERE d.delivery_id = $1 AND l.line_no = $3 ON CONFLICT DO NOTHING",
                    e.delivery_id,
                    e.test_id,
                    e.line_no,
                    e.verdict.value,
                    failed,
                    e.inhibition_permille,
                    e.tested_by,
                    at,
                    local_day(at),
                )
                await conn.execute(
                    f"UPDATE {s}.deliveries SET pesticide_tests = pesticide_tests + 1, "
                    "pesticide_failures = pesticide_failures + $2::int WHERE delivery_id = $1",
                    e.delivery_id,
                    1 if failed else 0,
                )
            case ev.DeliveryLineAccepted():
                await conn.execute(
                    f"UPDATE {s}.delivery_lines SET decision = 'accepted', accepted_grams = $3, override_reason = $4, "
                    "decided_by = $5, decided_at = $6 WHERE delivery_id = $1 AND line_no = $2",
                    e.delivery_id,
                    e.line_no,
                    e.accepted_grams,
                    e.override_reason,
                    e.accepted_by,
                    at,
                )
                await conn.execute(
                    f"UPDATE {s}.deliveries SET lines_accepted = lines_accepted + 1 WHERE delivery_id = $1",
                    e.delivery_id,
                )
                await conn.execute(
                    f"UPDATE {s}.delivery_certificates SET accepted = true "
                    "WHERE delivery_id = $1 AND line_no IN (0, $2)",
                    e.delivery_id,
                    e.line_no,
                )
            case ev.DeliveryLineRejected():
                await conn.execute(
                    f"UPDATE {s}.delivery_lines SET decision = 'rejected', reason = $3, decided_by = $4, "
                    "decided_at = $5 WHERE delivery_id = $1 AND line_no = $2",
                    e.delivery_id,
                    e.line_no,
                    e.reason,
                    e.rejected_by,
                    at,
                )
                await conn.execute(
                    f"UPDATE {s}.deliveries SET lines_rejected = lines_rejected + 1 WHERE delivery_id = $1",
                    e.delivery_id,
                )
            case ev.DeliveryAcceptanceSigned():
                await conn.execute(
                    f"UPDATE {s}.deliveries SET state = 'signed', signed_by = $2, signed_at = $3 "
                    "WHERE delivery_id = $1",
                    e.delivery_id,
                    e.signed_by,
                    at,
                )


DELIVERIES = Deliveries()
