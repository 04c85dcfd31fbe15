"""Safety records: the files of school buses, safety education and student injuries.

Buses with their six fixed items, route checks and violations (compliance is
derived at query time, for the date asked); Friday sessions per class; flag
ceremonies; campaigns and their activities; injuries with where they happened (building, floor,
break, camera area: each null when the report did not name it) and their follow-ups.
Drills are not here: the inspection status already keeps them.
"""

from __future__ import annotations

from services.eventkit.days import local_day
from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.projection import Projection
from services.safety import events as ev
from services.safety.buses import SchoolBus
from services.safety.education import FlagCeremony, SafetyCampaign, SafetySession
from services.safety.events import SAFETY_EVENTS
from services.safety.injuries import Injury


class SafetyRecords(Projection):
    name = "safety_records"
    streams = (
        SchoolBus,
        SafetySession,
        FlagCeremony,
        SafetyCampaign,
        Injury,
    )
    event_types = frozenset(
        {
            "safety.BusRegistered",
            "safety.BusItemChanged",
            "safety.BusRouteChecked",
            "safety.BusViolationRecorded",
            "safety.BusViolationRectified",
            "safety.SafetySessionPlanned",
            "safety.SafetySessionDelivered",
            "safety.SafetySessionChecked",
            "safety.FlagCeremonyHeld",
            "safety.SafetyCampaignLaunched",
            "safety.SafetyCampaignActivityDone",
            "safety.SafetyCampaignSummarised",
            "safety.InjuryReported",
            "safety.InjuryParentNotified",
            "safety.InjuryFollowedUp",
            "safety.InjuryClosed",
        }
    )

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE {schema}.buses (
            bus_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            vehicle text NOT NULL, driver text NOT NULL, route text NOT NULL, stops text[] NOT NULL,
            times text NOT NULL, escort text NOT NULL, registered_on date NOT NULL,
            changes bigint NOT NULL DEFAULT 0);
        CREATE INDEX ON {schema}.buses (campus_id);
        CREATE TABLE {schema}.bus_item_changes (
            bus_id text NOT NULL, version integer NOT NULL, item text NOT NULL, value jsonb NOT NULL,
            reason text NOT NULL, effective_on date NOT NULL, PRIMARY KEY (bus_id, version));
        CREATE TABLE {schema}.bus_route_checks (
            bus_id text NOT NULL, check_id text NOT NULL, checked_on date NOT NULL, checked_by text NOT NULL,
            results jsonb NOT NULL, all_ok boolean NOT NULL, failed text[] NOT NULL,
            PRIMARY KEY (bus_id, check_id));
        CREATE INDEX ON {schema}.bus_route_checks (bus_id, checked_on);
        CREATE TABLE {schema}.bus_violations (
            bus_id text NOT NULL, violation_id text NOT NULL, occurred_on date NOT NULL, description text NOT NULL,
            rectified_on date, measures text, PRIMARY KEY (bus_id, violation_id));
        CREATE TABLE {schema}.sessions (
            session_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            class_id text NOT NULL, week_of date NOT NULL, theme text NOT NULL, teacher_id text NOT NULL,
            lesson_prep_ref text NOT NULL, status text NOT NULL, delivered_on date, delivered_by text,
            checked_by text, result text, note text);
        CREATE INDEX ON {schema}.sessions (class_id, week_of);
        CREATE TABLE {schema}.flag_ceremonies (
            ceremony_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            held_on date NOT NULL, theme text NOT NULL, speaker text NOT NULL, held_by text);
        CREATE TABLE {schema}.campaigns (
            campaign_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            title text NOT NULL, starts_on date NOT NULL, activities integer NOT NULL,
            done bigint NOT NULL DEFAULT 0, summary text);
        CREATE TABLE {schema}.campaign_activities (
            campaign_id text NOT NULL, seq integer NOT NULL, activity text NOT NULL, done_on date, note text,
            PRIMARY KEY (campaign_id, seq));
        CREATE TABLE {schema}.injuries (
            injury_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            student_id text NOT NULL, class_id text NOT NULL, setting text NOT NULL,
            occurred_at timestamptz NOT NULL, occurred_on date NOT NULL, injury text NOT NULL,
            first_aid text NOT NULL, reported_by text NOT NULL, status text NOT NULL,
            parent_notified_at timestamptz, notified_how text, notified_by text,
            follow_ups bigint NOT NULL DEFAULT 0, last_follow_up_on date,
            closed_on date, cause text, measures text,
            building text, floor integer, break_period text, camera_area_id text);
        CREATE INDEX ON {schema}.injuries (campus_id, occurred_on);
        CREATE TABLE {schema}.injury_follow_ups (
            injury_id text NOT NULL, version integer NOT NULL, on_date date NOT NULL, note text NOT NULL,
            noted_by text NOT NULL, PRIMARY KEY (injury_id, version));
        """

    async def apply(self, conn: Connection, schema: str, envelope: Envelope) -> None:
        e = SAFETY_EVENTS.decode(envelope)
        s = schema
        t = (envelope.district_id, envelope.school_id)
        match e:
            # -- buses -------------------------------------------------------------------
            case ev.BusRegistered():
                f = e.file
                await conn.execute(
                    f"INSERT INTO {s}.buses (bus_id, district_id, school_id, campus_id, vehicle, driver, route, "
                    "stops, times, escort, registered_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    e.bus_id,
                    *t,
                    e.campus_id,
                    f.vehicle,
                    f.driver,
                    f.route,
                    f.stops,
                    f.times,
                    f.escort,
                    e.registered_on,
                )
            case ev.BusItemChanged():
                column = e.item.value  # a BusItem: one of the six columns
                await conn.execute(
                    f"UPDATE {s}.buses SET {column} = $2, changes = changes + 1 WHERE bus_id = $1", e.bus_id, e.value
                )
                await conn.execute(
                    f"INSERT INTO {s}.bus_item_changes (bus_id, version, item, value, reason, effective_on) "
                    "VALUES ($1, $2, $3, $4, $5, $6)",
                    e.bus_id,
                    envelope.version,
                    e.item.value,
                    e.value,
                    e.reason,
                    e.effective_on,
                )
            case ev.BusRouteChecked():
                await conn.execute(
                    f"INSERT INTO {s}.bus_route_checks (bus_id, check_id, checked_on, checked_by, results, all_ok, "
                    "failed) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    e.bus_id,
                    e.check_id,
                    e.checked_on,
                    e.checked_by,
                    [r.model_dump(mode="json") for r in e.results],
                    all(r.ok for r in e.results),
                    [r.point.value for r in e.results if not r.ok],
                )
            case ev.BusViolationRecorded():
                await conn.execute(
                    f"INSERT INTO {s}.bus_violations (bus_id, violation_id, occurred_on, description) "
                    "VALUES ($1, $2, $3, $4)",
                    e.bus_id,
                    e.violation_id,
                    e.occurred_on,
                    e.description,
                )
            case ev.BusViolationRectified():
                await conn.execute(
                    f"UPDATE {s}.bus_violations SET rectified_on = $3, measures = $4 "
                    "WHERE bus_id = $1 AND violation_id = $2",
                    e.bus_id,
                    e.violation_id,
                    e.rectified_on,
                    e.measures,
                )
            # -- safety education --------------------------------------------------------
            case ev.SafetySessionPlanned():
                await conn.execute(
                    f"INSERT INTO {s}.sessions (session_id, district_id, school_id, campus_id, class_id, week_of, "
                    "theme, teacher_id, lesson_prep_ref, status) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'planned')",
                    e.session_id,
                    *t,
                    e.campus_id,
                    e.class_id,
                    e.week_of,
                    e.theme,
                    e.teacher_id,
                    e.lesson_prep_ref,
                )
            case ev.SafetySessionDelivered():
                await conn.execute(
                    f"UPDATE {s}.sessions SET status = 'delivered', delivered_on = $2, delivered_by = $3 "
                    "WHERE session_id = $1",
                    e.session_id,
                    e.delivered_on,
                    envelope.actor,
                )
            case ev.SafetySessionChecked():
                await conn.execute(
                    f"UPDATE {s}.sessions SET status = 'checked', checked_by = $2, result = $3, note = $4 "
                    "WHERE session_id = $1",
                    e.session_id,
                    e.checked_by,
                    e.result.value,
                    e.note,
                )
            case ev.FlagCeremonyHeld():
                await conn.execute(
                    f"INSERT INTO {s}.flag_ceremonies (ceremony_id, district_id, school_id, campus_id, held_on, "
                    "theme, speaker, held_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    e.ceremony_id,
                    *t,
                    e.campus_id,
                    e.held_on,
                    e.theme,
                    e.speaker,
                    envelope.actor,
                )
            case ev.SafetyCampaignLaunched():
                await conn.execute(
                    f"INSERT INTO {s}.campaigns (campaign_id, district_id, school_id, campus_id, title, starts_on, "
                    "activities) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    e.campaign_id,
                    *t,
                    e.campus_id,
                    e.title,
                    e.starts_on,
                    len(e.activities),
                )
                await conn.executemany(
                    f"INSERT INTO {s}.campaign_activities (campaign_id, seq, activity) VALUES ($1, $2, $3)",
                    [(e.campaign_id, i, a) for i, a in enumerate(e.activities, start=1)],
                )
            case ev.SafetyCampaignActivityDone():
                await conn.execute(
                    f"UPDATE {s}.campaign_activities SET done_on = $3, note = $4 "
                    "WHERE campaign_id = $1 AND activity = $2",
                    e.campaign_id,
                    e.activity,
                    e.done_on,
                    e.note,
                )
                await conn.execute(f"UPDATE {s}.campaigns SET done = done + 1 WHERE campaign_id = $1", e.campaign_id)
            case ev.SafetyCampaignSummarised():
                await conn.execute(
                    f"UPDATE {s}.campaigns SET summary = $2 WHERE campaign_id = $1", e.campaign_id, e.summary
                )
            # -- injuries ----------------------------------------------------------------
            case ev.InjuryReported():
                await conn.execute(
                    f"INSERT INTO {s}.injuries (injury_id, district_id, school_id, campus_id, student_id, class_id, "
                    "setting, occurred_at, occurred_on, injury, first_aid, reported_by, status, building, floor, "
                    "break_period, camera_area_id) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'reported', $13, $14, $15, $16)",
                    e.injury_id,
                    *t,
                    e.campus_id,
                    e.student_id,
                    e.class_id,
                    e.setting.value,
                    e.occurred_at,
                    local_day(e.occurred_at),  # the school's day, whatever offset the instant was given in
                    e.injury,
                    e.first_aid,
                    e.reported_by,
                    e.building,
                    e.floor,
                    e.break_period.value if e.break_period else None,
                    e.camera_area_id,
                )
            case ev.InjuryParentNotified():
                await conn.execute(
                    f"UPDATE {s}.injuries SET status = 'parent_told', "
                    "parent_notified_at = coalesce(parent_notified_at, $2), "
                    "notified_how = coalesce(notified_how, $3), notified_by = coalesce(notified_by, $4) "
                    "WHERE injury_id = $1",
                    e.injury_id,
                    e.notified_at,
                    e.how,
                    e.notified_by,
                )
            case ev.InjuryFollowedUp():
                await conn.execute(
                    f"UPDATE {s}.injuries SET follow_ups = follow_ups + 1, "
                    "last_follow_up_on = greatest(last_follow_up_on, $2) WHERE injury_id = $1",
                    e.injury_id,
                    e.on,
                )
                await conn.execute(
                    f"INSERT INTO {s}.injury_follow_ups (injury_id, version, on_date, note, noted_by) "
                    "VALUES ($1, $2, $3, $4, $5)",
                    e.injury_id,
                    envelope.version,
                    e.on,
                    e.note,
                    e.by,
                )
            case ev.InjuryClosed():
                await conn.execute(
                    f"UPDATE {s}.injuries SET status = 'closed', closed_on = $2, cause = $3, measures = $4 "
                    "WHERE injury_id = $1",
                    e.injury_id,
                    e.closed_on,
                    e.cause,
                    e.measures,
                )


SAFETY_RECORDS = SafetyRecords()
