"""The kitchen's daily records: food samples (in the fridge, held, when each may be released),
meals served with the dishes found served without a sample, canteen workers (certificate,
stood down) and their morning checks, temperature units and readings with their corrective
actions (an out-of-limit reading without one is open)."""

from __future__ import annotations

from services.canteen import events as ev
from services.canteen.events import CANTEEN_EVENTS
from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.projection import Projection


class Kitchen(Projection):
    name = "kitchen"
    event_types = frozenset(
        {
            "canteen.SampleRetained",
            "canteen.SampleHeld",
            "canteen.SampleHoldLifted",
            "canteen.SampleDisposed",
            "canteen.MealServed",
            "canteen.DishServedWithoutSample",
            "canteen.HealthCertificateRecorded",
            "canteen.MorningCheckRecorded",
            "canteen.WorkerStoodDown",
            "canteen.WorkerCleared",
            "canteen.TemperatureUnitRegistered",
            "canteen.TemperatureRead",
            "canteen.CorrectiveActionTaken",
        }
    )

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE {schema}.samples (
            sample_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            served_on date NOT NULL, meal text NOT NULL, dish text NOT NULL, grams integer NOT NULL,
            unit_id text, retained_by text NOT NULL, retained_at timestamptz NOT NULL,
            release_after timestamptz NOT NULL, status text NOT NULL, held boolean NOT NULL DEFAULT false,
            hold_reason text, held_by text, disposed_by text, disposed_at timestamptz);
        CREATE INDEX ON {schema}.samples (campus_id, served_on, meal);
        CREATE INDEX ON {schema}.samples (campus_id, status);
        CREATE TABLE {schema}.meals (
            meal_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            served_on date NOT NULL, meal text NOT NULL, dishes text[] NOT NULL, servers text[] NOT NULL,
            diners integer NOT NULL, recorded_by text NOT NULL,
            found_without_sample text[] NOT NULL DEFAULT '{{}}');
        CREATE INDEX ON {schema}.meals (campus_id, served_on);
        CREATE TABLE {schema}.workers (
            staff_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            certificate text NOT NULL, issued_on date NOT NULL, expires_on date NOT NULL,
            stood_down boolean NOT NULL DEFAULT false, reasons text[] NOT NULL DEFAULT '{{}}',
            stood_down_at timestamptz, cleared_by text, cleared_at timestamptz, cleared_note text);
        CREATE INDEX ON {schema}.workers (campus_id, expires_on);
        CREATE TABLE {schema}.morning_checks (
            check_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            staff_id text NOT NULL, checked_on date NOT NULL, shift text NOT NULL, fever boolean NOT NULL,
            gastro boolean NOT NULL, hand_wound boolean NOT NULL, respiratory boolean NOT NULL,
            dress_ok boolean NOT NULL, passed boolean NOT NULL, note text NOT NULL, checked_by text NOT NULL,
            checked_at timestamptz NOT NULL);
        CREATE INDEX ON {schema}.morning_checks (campus_id, checked_on);
        CREATE TABLE {schema}.temperature_units (
            unit_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            name text NOT NULL, kind text NOT NULL, min_c10 integer NOT NULL, max_c10 integer NOT NULL,
            registered_by text NOT NULL, readings integer NOT NULL DEFAULT 0,
            out_of_limits integer NOT NULL DEFAULT 0, open_actions integer NOT NULL DEFAULT 0,
            last_c10 integer, last_within_limits boolean, last_read_at timestamptz);
        CREATE INDEX ON {schema}.temperature_units (campus_id);
        CREATE TABLE {schema}.temperature_readings (
            reading_key text PRIMARY KEY, unit_id text NOT NULL, reading_id text NOT NULL,
            district_id text, school_id text, campus_id text NOT NULL, unit_name text NOT NULL,
            kind text NOT NULL, min_c10 integer NOT NULL, max_c10 integer NOT NULL, c10 integer NOT NULL,
            within_limits boolean NOT NULL, read_by text NOT NULL, read_at timestamptz NOT NULL,
            action text, action_by text, action_at timestamptz);
        CREATE INDEX ON {schema}.temperature_readings (campus_id, within_limits) WHERE action IS NULL;
        CREATE INDEX ON {schema}.temperature_readings (unit_id);
        """

    async def apply(self, conn: Connection, schema: str, envelope: Envelope) -> None:
        e = CANTEEN_EVENTS.decode(envelope)
        s = schema
        at = envelope.occurred_at
        where = (envelope.district_id, envelope.school_id)
        match e:
            case ev.SampleRetained():
                await conn.execute(
                    f"INSERT INTO {s}.samples (sample_id, district_id, school_id, campus_id, served_on, meal, dish, "
                    "grams, unit_id, retained_by, retained_at, release_after, status) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'kept') ON CONFLICT DO NOTHING",
                    e.sample_id,
                    *where,
                    e.campus_id,
                    e.served_on,
                    e.meal.value,
                    e.dish,
                    e.grams,
                    e.unit_id,
                    e.retained_by,
                    at,
                    e.release_after,
                )
            case ev.SampleHeld():
                await conn.execute(
                    f"UPDATE {s}.samples SET held = true, hold_reason = $2, held_by = $3 WHERE sample_id = $1",
                    e.sample_id,
                    e.reason,
                    e.held_by,
                )
            case ev.SampleHoldLifted():
                await conn.execute(
                    f"UPDATE {s}.samples SET held = false, hold_reason = NULL, held_by = NULL WHERE sample_id = $1",
                    e.sample_id,
                )
            case ev.SampleDisposed():
                await conn.execute(
                    f"UPDATE {s}.samples SET status = 'disposed', disposed_by = $2, disposed_at = $3 "
                    "WHERE sample_id = $1",
                    e.sample_id,
                    e.disposed_by,
                    at,
                )
            case ev.MealServed():
                await conn.execute(
                    f"INSERT INTO {s}.meals (meal_id, district_id, school_id, campus_id, served_on, meal, dishes, "
                    "servers, diners, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
                    "ON CONFLICT DO NOTHING",
                    e.meal_id,
                    *where,
                    e.campus_id,
                    e.served_on,
                    e.meal.value,
                    e.dishes,
                    e.servers,
                    e.diners,
                    e.recorded_by,
                )
            case ev.DishServedWithoutSample():
                await conn.execute(
                    f"UPDATE {s}.meals SET found_without_sample = array_append(found_without_sample, $2) "
                    "WHERE meal_id = $1 AND NOT ($2 = ANY(found_without_sample))",
                    e.meal_id,
                    e.dish,
                )
            case ev.HealthCertificateRecorded():
                await conn.execute(
                    f"INSERT INTO {s}.workers (staff_id, district_id, school_id, campus_id, certificate, issued_on, "
                    "expires_on) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (staff_id) DO UPDATE SET "
                    "certificate = $5, issued_on = $6, expires_on = $7",
                    e.staff_id,
                    *where,
                    e.campus_id,
                    e.number,
                    e.issued_on,
                    e.expires_on,
                )
            case ev.MorningCheckRecorded():
                await conn.execute(
                    f"INSERT INTO {s}.morning_checks (check_id, district_id, school_id, campus_id, staff_id, "
                    "checked_on, shift, fever, gastro, hand_wound, respiratory, dress_ok, passed, note, checked_by, "
                    "checked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) "
                    "ON CONFLICT DO NOTHING",
                    f"{e.checked_on.isoformat()}/{e.staff_id}/{e.shift.value}",
                    *where,
                    e.campus_id,
                    e.staff_id,
                    e.checked_on,
                    e.shift.value,
                    e.fever,
                    e.gastro,
                    e.hand_wound,
                    e.respiratory,
                    e.dress_ok,
                    e.passed,
                    e.note,
                    e.checked_by,
                    at,
                )
            case ev.WorkerStoodDown():
                await conn.execute(
                    f"UPDATE {s}.workers SET stood_down = true, reasons = $2, stood_down_at = $3, cleared_by = NULL, "
                    "cleared_at = NULL, cleared_note = NULL WHERE staff_id = $1",
                    e.staff_id,
                    e.reasons,
                    at,
                )
            case ev.WorkerCleared():
                await conn.execute(
                    f"UPDATE {s}.workers SET stood_down = false, cleared_by = $2, cleared_at = $3, cleared_note = $4 "
                    "WHERE staff_id = $1",
                    e.staff_id,
                    e.cleared_by,
                    at,
                    e.note,
                )
            case ev.TemperatureUnitRegistered():
                await conn.execute(
                    f"INSERT INTO {s}.temperature_units (unit_id, district_id, school_id, campus_id, name, kind, "
                    "min_c10, max_c10, registered_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
                    "ON CONFLICT DO NOTHING",
                    e.unit_id,
                    *where,
                    e.campus_id,
                    e.name,
                    e.kind.value,
                    e.min_c10,
                    e.max_c10,
                    e.registered_by,
                )
            case ev.TemperatureRead():
                await conn.execute(
                    f"INSERT INTO {s}.temperature_readings (reading_key, unit_id, reading_id, district_id, school_id, "
                    "campus_id, unit_name, kind, min_c10, max_c10, c10, within_limits, read_by, read_at) "
                    "SELECT $1, $2, $3, $4, $5, $6, u.name, u.kind, u.min_c10, u.max_c10, $7, $8, $9, $10 "
                    f"FROM {s}.temperature_units u WHERE u.unit_id = $2 ON CONFLICT DO NOTHING",
                    f"{e.unit_id}/{e.reading_id}",
                    e.unit_id,
                    e.reading_id,
                    *where,
                    e.campus_id,
                    e.c10,
                    e.within_limits,
                    e.read_by,
                    at,
                )
                out = 0 if e.within_limits else 1
                await conn.execute(
                    f"UPDATE {s}.temperature_units SET readings = readings + 1, out_of_limits = out_of_limits + $2, "
                    "open_actions = open_actions + $2, "
                    "last_c10 = CASE WHEN last_read_at IS NULL OR last_read_at <= $3 THEN $4 ELSE last_c10 END, "
                    "last_within_limits = CASE WHEN last_read_at IS NULL OR last_read_at <= $3 THEN $5 "
                    "ELSE last_within_limits END, last_read_at = GREATEST(last_read_at, $3) WHERE unit_id = $1",
                    e.unit_id,
                    out,
                    at,
                    e.c10,
                    e.within_limits,
                )
            case ev.CorrectiveActionTaken():
                await conn.execute(
                    f"UPDATE {s}.temperature_readings SET action = $3, action_by = $4, action_at = $5 "
                    "WHERE reading_key = $1 || '/' || $2",
                    e.unit_id,
                    e.reading_id,
                    e.action,
                    e.taken_by,
                    at,
                )
                await conn.execute(
                    f"UPDATE {s}.temperature_units SET open_actions = open_actions - 1 WHERE unit_id = $1", e.unit_id
                )


KITCHEN_RECORDS = Kitchen()
