"""Camera coverage, where injuries and hazards happened, parent communications, and the bus
items in force by day.

- ``camera_areas`` and ``camera_changes``: each area and every dated change of its cameras
  (coverage on a day is derived at query time, for the day asked);
- ``placed_incidents``: each injury and hazard of a campus with its day, the camera area its
  report named and its place text (hazards), to count those in uncovered areas;
- ``parent_communications``: letters, talks and posts with their themes, audience and reach;
- ``bus_files`` and ``bus_changes``: each bus's six items as registered and every change with
  the day it took effect, so a day's compliance uses the items in force that day.
"""

from __future__ import annotations

from services.eventkit.days import local_day
from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.projection import Projection
from services.safety import events as ev
from services.safety.buses import SchoolBus
from services.safety.cameras import CameraArea
from services.safety.events import SAFETY_EVENTS
from services.safety.hazards import Hazard
from services.safety.injuries import Injury
from services.safety.outreach import ParentCommunication

CAMERA_CHANGES = {
    "safety.CameraInstalled": "installed",
    "safety.CameraRemoved": "removed",
    "safety.CameraOutOfOrder": "out_of_order",
    "safety.CameraRepaired": "repaired",
}


class CoverageOutreach(Projection):
    name = "coverage_outreach"
    streams = (CameraArea, ParentCommunication, Injury, Hazard, SchoolBus)
    event_types = frozenset(
        {
            "safety.CameraAreaMapped",
            *CAMERA_CHANGES,
            "safety.InjuryReported",
            "safety.HazardReported",
            "safety.ParentCommunicationRecorded",
            "safety.ParentCommunicationReachCounted",
            "safety.BusRegistered",
            "safety.BusItemChanged",
        }
    )

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE {schema}.camera_areas (
            area_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            building text NOT NULL, place text NOT NULL, mapped_on date NOT NULL);
        CREATE INDEX ON {schema}.camera_areas (campus_id);
        CREATE TABLE {schema}.camera_changes (
            area_id text NOT NULL, version integer NOT NULL, camera_id text NOT NULL, change text NOT NULL,
            on_date date NOT NULL, note text NOT NULL, PRIMARY KEY (area_id, version));
        CREATE TABLE {schema}.placed_incidents (
            kind text NOT NULL, incident_id text NOT NULL, district_id text, school_id text,
            campus_id text NOT NULL, occurred_on date NOT NULL, camera_area_id text, place text,
            PRIMARY KEY (kind, incident_id));
        CREATE INDEX ON {schema}.placed_incidents (campus_id, occurred_on);
        CREATE TABLE {schema}.parent_communications (
            communication_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            term_id text NOT NULL, kind text NOT NULL, themes text[] NOT NULL, sent_on date NOT NULL,
            audience jsonb NOT NULL, title text NOT NULL, reference text NOT NULL, speaker text NOT NULL,
            reached integer NOT NULL, acknowledged integer NOT NULL, last_counted_on date);
        CREATE INDEX ON {schema}.parent_communications (campus_id, term_id);
        CREATE TABLE {schema}.bus_files (
            bus_id text PRIMARY KEY, registered_on date NOT NULL, file jsonb NOT NULL);
        CREATE TABLE {schema}.bus_changes (
            bus_id text NOT NULL, version integer NOT NULL, item text NOT NULL, value jsonb NOT NULL,
            effective_on date NOT NULL, PRIMARY KEY (bus_id, version));
        """

    async def apply(self, conn: Connection, schema: str, envelope: Envelope) -> None:
        e = SAFETY_EVENTS.decode(envelope)
        s = schema
        t = (envelope.district_id, envelope.school_id)
        match e:
            case ev.CameraAreaMapped():
                await conn.execute(
                    f"INSERT INTO {s}.camera_areas (area_id, district_id, school_id, campus_id, building, place, "
                    "mapped_on) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    e.area_id,
                    *t,
                    e.campus_id,
                    e.building,
                    e.place,
                    e.mapped_on,
                )
            case ev.CameraInstalled() | ev.CameraRemoved() | ev.CameraOutOfOrder() | ev.CameraRepaired():
                await conn.execute(
                    f"INSERT INTO {s}.camera_changes (area_id, version, camera_id, change, on_date, note) "
                    "VALUES ($1, $2, $3, $4, $5, $6)",
                    e.area_id,
                    envelope.version,
                    e.camera_id,
                    CAMERA_CHANGES[envelope.type],
                    e.on,
                    e.note,
                )
            case ev.InjuryReported():
                await conn.execute(
                    f"INSERT INTO {s}.placed_incidents (kind, incident_id, district_id, school_id, campus_id, "
                    "occurred_on, camera_area_id, place) VALUES ('injury', $1, $2, $3, $4, $5, $6, NULL)",
                    e.injury_id,
                    *t,
                    e.campus_id,
                    local_day(e.occurred_at),
                    e.camera_area_id,
                )
            case ev.HazardReported():
                await conn.execute(
                    f"INSERT INTO {s}.placed_incidents (kind, incident_id, district_id, school_id, campus_id, "
                    "occurred_on, camera_area_id, place) VALUES ('hazard', $1, $2, $3, $4, $5, $6, $7)",
                    e.hazard_id,
                    *t,
                    e.campus_id,
                    local_day(e.reported_at),
                    e.camera_area_id,
                    e.area,
                )
            case ev.ParentCommunicationRecorded():
                await conn.execute(
                    f"INSERT INTO {s}.parent_communications (communication_id, district_id, school_id, campus_id, "
                    "term_id, kind, themes, sent_on, audience, title, reference, speaker, reached, acknowledged) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                    e.communication_id,
                    *t,
                    e.campus_id,
                    e.term_id,
                    e.kind.value,
                    [theme.value for theme in e.themes],
                    e.sent_on,
                    e.audience.model_dump(mode="json"),
                    e.title,
                    e.reference,
                    e.speaker,
                    e.reached,
                    e.acknowledged,
                )
            case ev.ParentCommunicationReachCounted():
                await conn.execute(
                    f"UPDATE {s}.parent_communications SET reached = $2, acknowledged = $3, last_counted_on = $4 "
                    "WHERE communication_id = $1",
                    e.communication_id,
                    e.reached,
                    e.acknowledged,
                    e.counted_on,
                )
            case ev.BusRegistered():
                await conn.execute(
                    f"INSERT INTO {s}.bus_files (bus_id, registered_on, file) VALUES ($1, $2, $3)",
                    e.bus_id,
                    e.registered_on,
                    e.file.model_dump(mode="json"),
                )
            case ev.BusItemChanged():
                await conn.execute(
                    f"INSERT INTO {s}.bus_changes (bus_id, version, item, value, effective_on) "
                    "VALUES ($1, $2, $3, $4, $5)",
                    e.bus_id,
                    envelope.version,
                    e.item.value,
                    e.value,
                    e.effective_on,
                )


COVERAGE_OUTREACH = CoverageOutreach()
