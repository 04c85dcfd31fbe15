"""Self-inspections of each campus: when each was done, what failed, the hazards it reported to
safety (their ids, which safety made from the reporting events'), and the standard items a
weekly sweep or a monthly review did not cover."""

from __future__ import annotations

from typing import Any

from services.canteen import events as ev
from services.canteen.events import CANTEEN_EVENTS
from services.canteen.self_inspection import SelfInspection, hazard_description, missing_items, period_of
from services.eventkit.days import local_day
from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.projection import Projection
from services.safety.events import hazard_id_of_raising


class SelfInspections(Projection):
    name = "canteen_self_inspections"
    event_types = frozenset({"canteen.SelfInspectionRecorded", "canteen.HazardFound"})
    streams = (SelfInspection,)

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE {schema}.self_inspections (
            inspection_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            cadence text NOT NULL, period_start date NOT NULL, inspected_on date NOT NULL,
            inspected_at timestamptz NOT NULL, inspected_by text NOT NULL, items bigint NOT NULL,
            failed bigint NOT NULL, hazards bigint NOT NULL, failed_items jsonb NOT NULL,
            hazard_ids text[] NOT NULL DEFAULT '{{}}', uncovered text[] NOT NULL);
        CREATE INDEX ON {schema}.self_inspections (campus_id, inspection_id);
        CREATE INDEX ON {schema}.self_inspections (campus_id, cadence, inspected_on);
        """

    async def apply(self, conn: Connection, schema: str, envelope: Envelope) -> None:
        e = CANTEEN_EVENTS.decode(envelope)
        s = schema
        match e:
            case ev.SelfInspectionRecorded():
                day = local_day(envelope.occurred_at)
                failed = [
                    {
                        "item": r.item,
                        "area": r.area,
                        "note": r.note,
                        "hazard": r.hazard,
                        "severity": r.severity.value if r.severity else None,
                        "hazard_id": None,
                    }
                    for r in e.results
                    if not r.ok
                ]
                await conn.execute(
                    f"INSERT INTO {s}.self_inspections (inspection_id, district_id, school_id, campus_id, cadence, "
                    "period_start, inspected_on, inspected_at, inspected_by, items, failed, hazards, failed_items, "
                    "uncovered) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
                    "ON CONFLICT (inspection_id) DO NOTHING",
                    e.inspection_id,
                    envelope.district_id,
                    envelope.school_id,
                    e.campus_id,
                    e.cadence.value,
                    period_of(e.cadence, day),
                    day,
                    envelope.occurred_at,
                    e.inspected_by,
                    len(e.results),
                    len(failed),
                    sum(1 for r in e.results if r.hazard),
                    failed,
                    missing_items(e.cadence, [r.item for r in e.results]),
                )
            case ev.HazardFound():
                hazard_id = hazard_id_of_raising(envelope.event_id)
                row = await conn.fetchrow(
                    f"SELECT failed_items, hazard_ids FROM {s}.self_inspections WHERE inspection_id = $1",
                    e.source_ref,
                )
                if row is None or hazard_id in row["hazard_ids"]:
                    return
                listed: list[dict[str, Any]] = list(row["failed_items"])
                for item in listed:  # the first hazard of the inspection it describes, not yet named
                    if (
                        item["hazard"]
                        and item["hazard_id"] is None
                        and item["area"] == e.area
                        and hazard_description(item["item"], item["note"]) == e.description
                    ):
                        item["hazard_id"] = hazard_id
                        break
                await conn.execute(
                    f"UPDATE {s}.self_inspections SET failed_items = $2, "
                    "hazard_ids = array_append(hazard_ids, $3) WHERE inspection_id = $1",
                    e.source_ref,
                    listed,
                    hazard_id,
                )


SELF_INSPECTIONS = SelfInspections()
