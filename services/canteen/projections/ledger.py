"""The campus's food-safety ledger (食安台账): what the canteen recorded, as facts a day's or a
week's figures are read from.

One table per kind of record, each row one act with its campus and its day (the act's own day:
the day an event names, or else the school's day of the act's time). The figures are computed
when read (``services.canteen.queries.ledger``), so that an act closing another (a corrective
action closing an out-of-limit reading, a disposal taking a sample out of the fridge, a worker
cleared) is counted wherever it lands, whichever stream it came on and in whatever order the
streams are applied: nothing here reads a row another stream wrote. A corrective action still
open, a worker still stood down, a sample still in the fridge are "as of" an instant: the acts
before it.

Certificates: the health certificates of the canteen's workers and the certificates that came
with deliveries (a supplier's licence, a batch's quarantine certificate), with their expiry;
the district's warning days are kept per rules version (the defaults until it set its own).
"""

from __future__ import annotations

from services.canteen import events as ev
from services.canteen.events import CANTEEN_EVENTS, DinerKind
from services.eventkit.days import local_day
from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.projection import Projection

VISIT_COLUMNS = (
    "week_of",
    "visit_on",
    "parent_id",
    "parent_name",
    "cancelled_at",
    "deliveries_inspected_at",
    "lunch_on",
    "reflection_submitted_at",
    "published_at",
    "channel",
    "kept_internal_at",
)


class FoodSafetyLedger(Projection):
    name = "food_safety_ledger"
    event_types = frozenset(
        {
            "canteen.CanteenRulesSet",
            "canteen.MealAccompanied",
            "canteen.ParentVisitScheduled",
            "canteen.ParentVisitRescheduled",
            "canteen.ParentVisitCancelled",
            "canteen.VisitDeliveriesInspected",
            "canteen.VisitLunchAccompanied",
            "canteen.ReflectionSubmitted",
            "canteen.ReflectionPublished",
            "canteen.ReflectionKeptInternal",
            "canteen.DeliveryReceived",
            "canteen.PesticideTested",
            "canteen.DeliveryLineRejected",
            "canteen.DeliveryAcceptanceSigned",
            "canteen.MealServed",
            "canteen.DishServedWithoutSample",
            "canteen.SampleRetained",
            "canteen.SampleHeld",
            "canteen.SampleHoldLifted",
            "canteen.SampleDisposed",
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
        s = schema
        return f"""
        CREATE TABLE {s}.rules (
            district_id text NOT NULL, effective_on date NOT NULL, warning_days bigint NOT NULL,
            PRIMARY KEY (district_id, effective_on));
        CREATE TABLE {s}.morning_checks (
            campus_id text NOT NULL, staff_id text NOT NULL, checked_on date NOT NULL, shift text NOT NULL,
            passed boolean NOT NULL, checked_at timestamptz NOT NULL,
            PRIMARY KEY (campus_id, checked_on, staff_id, shift));
        CREATE TABLE {s}.stand_downs (
            event_id uuid PRIMARY KEY, campus_id text NOT NULL, staff_id text NOT NULL, at timestamptz NOT NULL,
            on_day date NOT NULL, down boolean NOT NULL);
        CREATE INDEX ON {s}.stand_downs (campus_id, staff_id, at);
        CREATE TABLE {s}.meals (
            meal_id text PRIMARY KEY, campus_id text NOT NULL, served_on date NOT NULL, meal text NOT NULL,
            dishes text[] NOT NULL, diners bigint NOT NULL);
        CREATE INDEX ON {s}.meals (campus_id, served_on);
        CREATE TABLE {s}.unsampled (
            meal_id text NOT NULL, dish text NOT NULL, campus_id text NOT NULL, served_on date NOT NULL,
            meal text NOT NULL, PRIMARY KEY (meal_id, dish));
        CREATE INDEX ON {s}.unsampled (campus_id, served_on);
        CREATE TABLE {s}.samples (
            sample_id text PRIMARY KEY, campus_id text NOT NULL, served_on date NOT NULL, meal text NOT NULL,
            dish text NOT NULL, grams bigint NOT NULL, unit_id text, retained_at timestamptz NOT NULL,
            release_after timestamptz NOT NULL);
        CREATE INDEX ON {s}.samples (campus_id, served_on);
        CREATE INDEX ON {s}.samples (campus_id, retained_at);
        CREATE TABLE {s}.sample_holds (
            event_id uuid PRIMARY KEY, sample_id text NOT NULL, at timestamptz NOT NULL, held boolean NOT NULL);
        CREATE INDEX ON {s}.sample_holds (sample_id, at);
        CREATE TABLE {s}.sample_disposals (
            sample_id text PRIMARY KEY, campus_id text NOT NULL, at timestamptz NOT NULL);
        CREATE INDEX ON {s}.sample_disposals (campus_id, at);
        CREATE TABLE {s}.deliveries (
            delivery_id text PRIMARY KEY, campus_id text NOT NULL, supplier_name text, received_at timestamptz,
            received_on date, lines bigint, signed_at timestamptz, signed_on date);
        CREATE INDEX ON {s}.deliveries (campus_id, received_on);
        CREATE INDEX ON {s}.deliveries (campus_id, signed_on);
        CREATE TABLE {s}.rejected_lines (
            delivery_id text NOT NULL, line_no bigint NOT NULL, campus_id text NOT NULL, rejected_on date NOT NULL,
            PRIMARY KEY (delivery_id, line_no));
        CREATE INDEX ON {s}.rejected_lines (campus_id, rejected_on);
        CREATE TABLE {s}.pesticide_tests (
            test_id text PRIMARY KEY, campus_id text NOT NULL, delivery_id text NOT NULL, line_no bigint NOT NULL,
            tested_on date NOT NULL, failed boolean NOT NULL);
        CREATE INDEX ON {s}.pesticide_tests (campus_id, tested_on);
        CREATE TABLE {s}.delivery_certificates (
            delivery_id text NOT NULL, line_no bigint NOT NULL, kind text NOT NULL, number text NOT NULL,
            campus_id text NOT NULL, expires_on date NOT NULL, received_on date NOT NULL, supplier_name text NOT NULL,
            item text, PRIMARY KEY (delivery_id, line_no, kind, number));
        CREATE INDEX ON {s}.delivery_certificates (campus_id, expires_on);
        CREATE TABLE {s}.health_certificates (
            staff_id text NOT NULL, number text NOT NULL, campus_id text NOT NULL, issued_on date NOT NULL,
            expires_on date NOT NULL, recorded_on date NOT NULL, PRIMARY KEY (staff_id, number));
        CREATE INDEX ON {s}.health_certificates (campus_id);
        CREATE TABLE {s}.units (
            unit_id text PRIMARY KEY, campus_id text NOT NULL, name text NOT NULL, kind text NOT NULL,
            min_c10 bigint NOT NULL, max_c10 bigint NOT NULL);
        CREATE TABLE {s}.readings (
            reading_id text PRIMARY KEY, unit_id text NOT NULL, campus_id text NOT NULL, read_at timestamptz NOT NULL,
            read_on date NOT NULL, c10 bigint NOT NULL, within_limits boolean NOT NULL);
        CREATE INDEX ON {s}.readings (campus_id, read_on);
        CREATE INDEX ON {s}.readings (campus_id, read_at) WHERE NOT within_limits;
        CREATE TABLE {s}.corrective_actions (
            reading_id text PRIMARY KEY, unit_id text NOT NULL, campus_id text NOT NULL, taken_at timestamptz NOT NULL,
            taken_on date NOT NULL, action text NOT NULL);
        CREATE INDEX ON {s}.corrective_actions (campus_id, taken_on);
        CREATE TABLE {s}.accompanied_meals (
            record_id text PRIMARY KEY, campus_id text NOT NULL, served_on date NOT NULL, meal text NOT NULL,
            diner_kind text NOT NULL);
        CREATE INDEX ON {s}.accompanied_meals (campus_id, served_on);
        CREATE TABLE {s}.visits (
            visit_id text PRIMARY KEY, campus_id text NOT NULL, week_of date, visit_on date, parent_id text,
            parent_name text, cancelled_at timestamptz, deliveries_inspected_at timestamptz, lunch_on date,
            reflection_submitted_at timestamptz, published_at timestamptz, channel text,
            kept_internal_at timestamptz);
        CREATE INDEX ON {s}.visits (campus_id, week_of);
        """

    async def apply(self, conn: Connection, schema: str, envelope: Envelope) -> None:
        e = CANTEEN_EVENTS.decode(envelope)
        s = schema
        at = envelope.occurred_at
        day = local_day(at)
        campus = envelope.campus_id or ""
        match e:
            case ev.CanteenRulesSet():
                await conn.execute(
                    f"INSERT INTO {s}.rules (district_id, effective_on, warning_days) VALUES ($1, $2, $3) "
                    "ON CONFLICT (district_id, effective_on) DO UPDATE SET warning_days = EXCLUDED.warning_days",
                    e.district_id,
                    e.effective_on,
                    e.certificate_warning_days,
                )
            # -- morning checks
            case ev.MorningCheckRecorded():
                await conn.execute(
                    f"INSERT INTO {s}.morning_checks (campus_id, staff_id, checked_on, shift, passed, checked_at) "
                    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (campus_id, checked_on, staff_id, shift) "
                    "DO UPDATE SET passed = EXCLUDED.passed, checked_at = EXCLUDED.checked_at",
                    e.campus_id,
                    e.staff_id,
                    e.checked_on,
                    e.shift.value,
                    e.passed,
                    at,
                )
            case ev.WorkerStoodDown() | ev.WorkerCleared():
                await conn.execute(
                    f"INSERT INTO {s}.stand_downs (event_id, campus_id, staff_id, at, on_day, down) "
                    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING",
                    envelope.event_id,
                    e.campus_id,
                    e.staff_id,
                    at,
                    day,
                    isinstance(e, ev.WorkerStoodDown),
                )
            case ev.HealthCertificateRecorded():
                await conn.execute(
                    f"INSERT INTO {s}.health_certificates (staff_id, number, campus_id, issued_on, expires_on, "
                    "recorded_on) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (staff_id, number) DO UPDATE SET "
                    "campus_id = EXCLUDED.campus_id, issued_on = EXCLUDED.issued_on, "
                    "expires_on = EXCLUDED.expires_on, recorded_on = EXCLUDED.recorded_on",
                    e.staff_id,
                    e.number,
                    e.campus_id,
                    e.issued_on,
                    e.expires_on,
                    day,
                )
            # -- meals and samples
            case ev.MealServed():
                await conn.execute(
                    f"INSERT INTO {s}.meals (meal_id, campus_id, served_on, meal, dishes, diners) "
                    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (meal_id) DO UPDATE SET "
                    "dishes = EXCLUDED.dishes, diners = EXCLUDED.diners",
                    e.meal_id,
                    e.campus_id,
                    e.served_on,
                    e.meal.value,
                    e.dishes,
                    e.diners,
                )
            case ev.DishServedWithoutSample():
                await conn.execute(
                    f"INSERT INTO {s}.unsampled (meal_id, dish, campus_id, served_on, meal) "
                    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (meal_id, dish) DO NOTHING",
                    e.meal_id,
                    e.dish,
                    e.campus_id,
                    e.served_on,
                    e.meal.value,
                )
            case ev.SampleRetained():
                await conn.execute(
                    f"INSERT INTO {s}.samples (sample_id, campus_id, served_on, meal, dish, grams, unit_id, "
                    "retained_at, release_after) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
                    "ON CONFLICT (sample_id) DO NOTHING",
                    e.sample_id,
                    e.campus_id,
                    e.served_on,
                    e.meal.value,
                    e.dish,
                    e.grams,
                    e.unit_id,
                    at,
                    e.release_after,
                )
            case ev.SampleHeld() | ev.SampleHoldLifted():
                await conn.execute(
                    f"INSERT INTO {s}.sample_holds (event_id, sample_id, at, held) VALUES ($1, $2, $3, $4) "
                    "ON CONFLICT (event_id) DO NOTHING",
                    envelope.event_id,
                    e.sample_id,
                    at,
                    isinstance(e, ev.SampleHeld),
                )
            case ev.SampleDisposed():
                await conn.execute(
                    f"INSERT INTO {s}.sample_disposals (sample_id, campus_id, at) VALUES ($1, $2, $3) "
                    "ON CONFLICT (sample_id) DO NOTHING",
                    e.sample_id,
                    e.campus_id,
                    at,
                )
            # -- deliveries and pesticide tests
            case ev.DeliveryReceived():
                await conn.execute(
                    f"INSERT INTO {s}.deliveries (delivery_id, campus_id, supplier_name, received_at, received_on, "
                    "lines) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (delivery_id) DO UPDATE SET "
                    "supplier_name = EXCLUDED.supplier_name, received_at = EXCLUDED.received_at, "
                    "received_on = EXCLUDED.received_on, lines = EXCLUDED.lines",
                    e.delivery_id,
                    e.campus_id,
                    e.supplier_name,
                    at,
                    day,
                    len(e.lines),
                )
                certificates = [(0, None, c) for c in e.certificates] + [
                    (line.line_no, line.item, c) for line in e.lines for c in line.certificates
                ]
                supplier = e.supplier_name
                rows = [
                    (e.delivery_id, line_no, c.kind.value, c.number, e.campus_id, c.expires_on, day, supplier, item)
                    for line_no, item, c in certificates
                    if c.expires_on is not None
                ]
                if rows:
                    await conn.executemany(
                        f"INSERT INTO {s}.delivery_certificates (delivery_id, line_no, kind, number, campus_id, "
                        "expires_on, received_on, supplier_name, item) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
                        "ON CONFLICT (delivery_id, line_no, kind, number) DO NOTHING",
                        rows,
                    )
            case ev.DeliveryAcceptanceSigned():
                await conn.execute(
                    f"INSERT INTO {s}.deliveries (delivery_id, campus_id, signed_at, signed_on) "
                    "VALUES ($1, $2, $3, $4) ON CONFLICT (delivery_id) DO UPDATE SET "
                    "signed_at = EXCLUDED.signed_at, signed_on = EXCLUDED.signed_on",
                    e.delivery_id,
                    e.campus_id,
                    at,
                    day,
                )
            case ev.DeliveryLineRejected():
                await conn.execute(
                    f"INSERT INTO {s}.rejected_lines (delivery_id, line_no, campus_id, rejected_on) "
                    "VALUES ($1, $2, $3, $4) ON CONFLICT (delivery_id, line_no) DO NOTHING",
                    e.delivery_id,
                    e.line_no,
                    campus,
                    day,
                )
            case ev.PesticideTested():
                await conn.execute(
                    f"INSERT INTO {s}.pesticide_tests (test_id, campus_id, delivery_id, line_no, tested_on, failed) "
                    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (test_id) DO NOTHING",
                    e.test_id,
                    campus,
                    e.delivery_id,
                    e.line_no,
                    day,
                    e.verdict == ev.Verdict.FAIL,
                )
            # -- temperatures
            case ev.TemperatureUnitRegistered():
                await conn.execute(
                    f"INSERT INTO {s}.units (unit_id, campus_id, name, kind, min_c10, max_c10) "
                    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (unit_id) DO UPDATE SET "
                    "name = EXCLUDED.name, kind = EXCLUDED.kind, min_c10 = EXCLUDED.min_c10, "
                    "max_c10 = EXCLUDED.max_c10",
                    e.unit_id,
                    e.campus_id,
                    e.name,
                    e.kind.value,
                    e.min_c10,
                    e.max_c10,
                )
            case ev.TemperatureRead():
                await conn.execute(
                    f"INSERT INTO {s}.readings (reading_id, unit_id, campus_id, read_at, read_on, c10, within_limits) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (reading_id) DO NOTHING",
                    e.reading_id,
                    e.unit_id,
                    e.campus_id,
                    at,
                    day,
                    e.c10,
                    e.within_limits,
                )
            case ev.CorrectiveActionTaken():
                await conn.execute(
                    f"INSERT INTO {s}.corrective_actions (reading_id, unit_id, campus_id, taken_at, taken_on, action) "
                    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (reading_id) DO NOTHING",
                    e.reading_id,
                    e.unit_id,
                    e.campus_id,
                    at,
                    day,
                    e.action,
                )
            # -- accompanied meals and parent visits
            case ev.MealAccompanied():
                await conn.execute(
                    f"INSERT INTO {s}.accompanied_meals (record_id, campus_id, served_on, meal, diner_kind) "
                    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (record_id) DO NOTHING",
                    e.record_id,
                    e.campus_id,
                    e.served_on,
                    e.meal.value,
                    e.diner_kind.value,
                )
            case ev.VisitLunchAccompanied():
                await conn.execute(
                    f"INSERT INTO {s}.accompanied_meals (record_id, campus_id, served_on, meal, diner_kind) "
                    "VALUES ($1, $2, $3, 'lunch', $4) ON CONFLICT (record_id) DO NOTHING",
                    f"visit-{e.visit_id}",
                    e.campus_id,
                    e.served_on,
                    DinerKind.PARENT.value,
                )
                await self._visit(conn, s, e.visit_id, e.campus_id, lunch_on=e.served_on)
            case ev.ParentVisitScheduled():
                await self._visit(
                    conn,
                    s,
                    e.visit_id,
                    e.campus_id,
                    week_of=e.week_of,
                    visit_on=e.visit_on,
                    parent_id=e.parent_id,
                    parent_name=e.parent_name,
                )
            case ev.ParentVisitRescheduled():
                await self._visit(conn, s, e.visit_id, campus, visit_on=e.visit_on)
            case ev.ParentVisitCancelled():
                await self._visit(conn, s, e.visit_id, campus, cancelled_at=at)
            case ev.VisitDeliveriesInspected():
                await self._visit(conn, s, e.visit_id, campus, deliveries_inspected_at=at)
            case ev.ReflectionSubmitted():
                await self._visit(conn, s, e.visit_id, campus, reflection_submitted_at=at)
            case ev.ReflectionPublished():
                await self._visit(conn, s, e.visit_id, e.campus_id, published_at=at, channel=e.channel)
            case ev.ReflectionKeptInternal():
                await self._visit(conn, s, e.visit_id, campus, kept_internal_at=at)

    @staticmethod
    async def _visit(conn: Connection, s: str, visit_id: str, campus_id: str, **values: object) -> None:
        """Sets a visit's columns (the visit row made if an act of it comes first)."""
        names = [n for n in VISIT_COLUMNS if n in values]
        placeholders = ", ".join(f"${i}" for i in range(3, 3 + len(names)))
        await conn.execute(
            f"INSERT INTO {s}.visits (visit_id, campus_id, {', '.join(names)}) VALUES ($1, $2, {placeholders}) "
            "ON CONFLICT (visit_id) DO UPDATE SET " + ", ".join(f"{n} = EXCLUDED.{n}" for n in names),
            visit_id,
            campus_id,
            *(values[n] for n in names),
        )


FOOD_SAFETY_LEDGER = FoodSafetyLedger()
