"""Inspection status: what the gateway shows of a campus's safety at a glance.

Per campus and inspection kind: last completed, next due, overdue or not; open
hazards by severity and age (and how many escalated); drills done per month and
kind; agreement signing. The tables here are the facts; ``services.safety.queries.status``
derives the status from them at the moment it is asked (so "overdue" is never stale).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.projection import Projection, StatementPipeline
from services.safety import events as ev
from services.safety.agreements import AgreementCampaign
from services.safety.drills import Drill
from services.safety.events import SAFETY_EVENTS
from services.safety.hazards import Hazard
from services.safety.inspections import Inspection, InspectionSchedule

_FINDING = "safety.InspectionFindingRecorded"
_SIGNED = "safety.AgreementSigned"
_REFUSED = "safety.AgreementRefused"


class InspectionStatus(Projection):
    name = "inspection_status"
    streams = (
        InspectionSchedule,
        Inspection,
        Hazard,
        Drill,
        AgreementCampaign,
    )
    event_types = frozenset(
        {
            "safety.InspectionScheduleSet",
            "safety.InspectionStarted",
            "safety.InspectionFindingRecorded",
            "safety.InspectionSignedOff",
            "safety.InspectionCompleted",
            "safety.HazardReported",
            "safety.HazardAssignedInHouse",
            "safety.HazardEscalated",
            "safety.HazardRectified",
            "safety.HazardClosed",
            "safety.HazardReopened",
            "safety.DrillPlanned",
            "safety.DrillConducted",
            "safety.DrillSummarised",
            "safety.AgreementCampaignLaunched",
            "safety.AgreementsIssued",
            "safety.AgreementSigned",
            "safety.AgreementRefused",
        }
    )

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE {schema}.schedules (
            campus_id text NOT NULL, kind text NOT NULL, every_days integer, PRIMARY KEY (campus_id, kind));
        CREATE TABLE {schema}.inspections (
            inspection_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            kind text NOT NULL, inspector_id text NOT NULL, started_at timestamptz NOT NULL,
            areas text[] NOT NULL, checklist text[] NOT NULL, findings bigint NOT NULL DEFAULT 0,
            problems bigint NOT NULL DEFAULT 0, sign_offs text[] NOT NULL DEFAULT '{{}}',
            completed_at timestamptz, summary text);
        CREATE INDEX ON {schema}.inspections (campus_id, kind, completed_at);
        CREATE INDEX ON {schema}.inspections (campus_id, inspection_id);  -- a campus's pages, in order
        CREATE TABLE {schema}.hazards (
            hazard_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            area text NOT NULL, description text NOT NULL, severity text NOT NULL, status text NOT NULL,
            photo_ref text, reported_by text NOT NULL, reported_at timestamptz NOT NULL, inspection_id text,
            assignee_id text, escalated boolean NOT NULL DEFAULT false, authority text, escalated_at timestamptz,
            first_escalated_at timestamptz,
            rectified_by text, rectified_at timestamptz, closed_at timestamptz, verified_by text,
            reopened bigint NOT NULL DEFAULT 0);
        CREATE INDEX ON {schema}.hazards (campus_id, status);
        CREATE INDEX ON {schema}.hazards (campus_id, hazard_id);  -- a campus's pages, in order
        CREATE TABLE {schema}.drills (
            drill_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL, kind text NOT NULL,
            title text NOT NULL, planned_on date NOT NULL, conducted_on date, participants integer,
            evacuation_seconds integer, summarised boolean NOT NULL DEFAULT false);
        CREATE INDEX ON {schema}.drills (campus_id, conducted_on);
        CREATE TABLE {schema}.agreement_campaigns (
            campaign_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            term_id text NOT NULL, title text NOT NULL);
        CREATE TABLE {schema}.agreements (
            campaign_id text NOT NULL, party_id text NOT NULL, party_kind text NOT NULL, name text NOT NULL,
            class_id text, campus_id text, status text NOT NULL, issued_at timestamptz NOT NULL,
            signed_at timestamptz, refused_at timestamptz, PRIMARY KEY (campaign_id, party_id));
        """

    async def apply(self, conn: Connection, schema: str, envelope: Envelope) -> None:
        e = SAFETY_EVENTS.decode(envelope)
        s = schema
        t = (envelope.district_id, envelope.school_id)
        match e:
            case ev.InspectionScheduleSet():
                await conn.execute(
                    f"INSERT INTO {s}.schedules (campus_id, kind, every_days) VALUES ($1, $2, $3) "
                    "ON CONFLICT (campus_id, kind) DO UPDATE SET every_days = $3",
                    e.campus_id,
                    e.kind.value,
                    e.every_days,
                )
            case ev.InspectionStarted():
                await conn.execute(
                    f"INSERT INTO {s}.inspections (inspection_id, district_id, school_id, campus_id, kind, "
                    "inspector_id, started_at, areas, checklist) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    e.inspection_id,
                    *t,
                    e.campus_id,
                    e.kind.value,
                    e.inspector_id,
                    e.started_at,
                    e.areas,
                    e.checklist,
                )
            case ev.InspectionFindingRecorded():
                await conn.execute(
                    f"UPDATE {s}.inspections SET findings = findings + 1, problems = problems + $2 "
                    "WHERE inspection_id = $1",
                    e.inspection_id,
                    0 if e.ok else 1,
                )
            case ev.InspectionSignedOff():
                await conn.execute(
                    f"UPDATE {s}.inspections SET sign_offs = array_append(sign_offs, $2) WHERE inspection_id = $1",
                    e.inspection_id,
                    e.director_id,
                )
            case ev.InspectionCompleted():
                await conn.execute(
                    f"UPDATE {s}.inspections SET completed_at = $2, summary = $3 WHERE inspection_id = $1",
                    e.inspection_id,
                    e.completed_at,
                    e.summary,
                )
            case ev.HazardReported():
                await conn.execute(
                    f"INSERT INTO {s}.hazards (hazard_id, district_id, school_id, campus_id, area, description, "
                    "severity, status, photo_ref, reported_by, reported_at, inspection_id) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, 'reported', $8, $9, $10, $11)",
                    e.hazard_id,
                    *t,
                    e.campus_id,
                    e.area,
                    e.description,
                    e.severity.value,
                    e.photo_ref,
                    e.reported_by,
                    e.reported_at,
                    e.inspection_id,
                )
            case ev.HazardAssignedInHouse():
                await conn.execute(
                    f"UPDATE {s}.hazards SET status = 'assigned', assignee_id = $2 WHERE hazard_id = $1",
                    e.hazard_id,
                    e.assignee_id,
                )
            case ev.HazardEscalated():
                await conn.execute(
                    f"UPDATE {s}.hazards SET status = 'escalated', escalated = true, authority = $2, "
                    "escalated_at = $3, first_escalated_at = coalesce(first_escalated_at, $3) WHERE hazard_id = $1",
                    e.hazard_id,
                    e.authority,
                    e.escalated_at,
                )
            case ev.HazardRectified():
                await conn.execute(
                    f"UPDATE {s}.hazards SET status = 'rectified', rectified_by = $2, rectified_at = $3 "
                    "WHERE hazard_id = $1",
                    e.hazard_id,
                    e.rectified_by,
                    e.rectified_at,
                )
            case ev.HazardClosed():
                await conn.execute(
                    f"UPDATE {s}.hazards SET status = 'closed', closed_at = $2, verified_by = $3 WHERE hazard_id = $1",
                    e.hazard_id,
                    e.closed_at,
                    e.verified_by,
                )
            case ev.HazardReopened():
                await conn.execute(
                    f"UPDATE {s}.hazards SET status = 'reported', reopened = reopened + 1, rectified_by = NULL, "
                    "rectified_at = NULL WHERE hazard_id = $1",
                    e.hazard_id,
                )
            case ev.DrillPlanned():
                await conn.execute(
                    f"INSERT INTO {s}.drills (drill_id, district_id, school_id, campus_id, kind, title, planned_on) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    e.drill_id,
                    *t,
                    e.campus_id,
                    e.kind.value,
                    e.title,
                    e.planned_on,
                )
            case ev.DrillConducted():
                await conn.execute(
                    f"UPDATE {s}.drills SET conducted_on = $2, participants = $3, evacuation_seconds = $4 "
                    "WHERE drill_id = $1",
                    e.drill_id,
                    e.conducted_on,
                    e.participants,
                    e.evacuation_seconds,
                )
            case ev.DrillSummarised():
                await conn.execute(f"UPDATE {s}.drills SET summarised = true WHERE drill_id = $1", e.drill_id)
            case ev.AgreementCampaignLaunched():
                await conn.execute(
                    f"INSERT INTO {s}.agreement_campaigns (campaign_id, district_id, school_id, campus_id, term_id, "
                    "title) VALUES ($1, $2, $3, $4, $5, $6)",
                    e.campaign_id,
                    *t,
                    e.campus_id,
                    e.term_id,
                    e.title,
                )
            case ev.AgreementsIssued():
                await conn.executemany(
                    f"INSERT INTO {s}.agreements (campaign_id, party_id, party_kind, name, class_id, campus_id, "
                    "status, issued_at) VALUES ($1, $2, $3, $4, $5, $6, 'issued', $7) ON CONFLICT DO NOTHING",
                    [
                        (
                            e.campaign_id,
                            a.party_id,
                            a.party_kind.value,
                            a.name,
                            a.class_id,
                            envelope.campus_id,
                            envelope.occurred_at,  # the act's time: the event carries none of its own
                        )
                        for a in e.agreements
                    ],
                )
            case ev.AgreementSigned():
                await conn.execute(
                    f"UPDATE {s}.agreements SET status = 'signed', signed_at = $3 WHERE campaign_id = $1 "
                    "AND party_id = $2",
                    e.campaign_id,
                    e.party_id,
                    e.signed_at,
                )
            case ev.AgreementRefused():
                await conn.execute(
                    f"UPDATE {s}.agreements SET status = 'refused', refused_at = $3 WHERE campaign_id = $1 "
                    "AND party_id = $2",
                    e.campaign_id,
                    e.party_id,
                    envelope.occurred_at,  # the act's time: the event carries none of its own
                )

    async def apply_batch(self, conn: Connection, schema: str, envelopes: Sequence[Envelope]) -> None:
        """Set-based for the bulk of a term: patrol findings and agreement signatures.

        A batch's findings become one ``UPDATE ... FROM unnest(...)`` adding each
        inspection's counts once, and its signatures one ``UPDATE`` of every signed
        agreement; every other event goes through :meth:`apply` (pipelined), in order.
        The tables end as one by one: the finding counters are increments nothing else
        reads or overwrites, and an inspection's row is inserted by its first event (so it
        exists before its findings are counted at the end); a signature overwrites its
        agreement's status, and is applied at once whenever a refusal of the same agreement
        comes later in the batch, so the last word stays last.
        """
        counts: dict[str, list[int]] = {}  # inspection -> [findings, problems]
        signed: dict[tuple[str, str], datetime] = {}  # (campaign, party) -> signed at
        pipeline = StatementPipeline(conn)
        try:
            for env in envelopes:
                if env.type == _FINDING:
                    finding = cast(ev.InspectionFindingRecorded, SAFETY_EVENTS.decode(env))
                    acc = counts.setdefault(finding.inspection_id, [0, 0])
                    acc[0] += 1
                    acc[1] += 0 if finding.ok else 1
                elif env.type == _SIGNED:
                    signature = cast(ev.AgreementSigned, SAFETY_EVENTS.decode(env))
                    signed[(signature.campaign_id, signature.party_id)] = signature.signed_at
                else:
                    if env.type == _REFUSED and signed:
                        refusal = cast(ev.AgreementRefused, SAFETY_EVENTS.decode(env))
                        if (refusal.campaign_id, refusal.party_id) in signed:
                            await pipeline.drain()
                            await self._sign(conn, schema, signed)
                            signed = {}
                    await self.apply(cast(Connection, pipeline), schema, env)
            await pipeline.drain()
        finally:
            await pipeline.settle()
        if counts:
            await conn.execute(
                f"UPDATE {schema}.inspections i SET findings = i.findings + d.n, problems = i.problems + d.p "
                "FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS d(inspection_id, n, p) "
                "WHERE i.inspection_id = d.inspection_id",
                list(counts),
                [c[0] for c in counts.values()],
                [c[1] for c in counts.values()],
            )
        if signed:
            await self._sign(conn, schema, signed)

    @staticmethod
    async def _sign(conn: Connection, schema: str, signed: dict[tuple[str, str], datetime]) -> None:
        await conn.execute(
            f"UPDATE {schema}.agreements a SET status = 'signed', signed_at = d.signed_at "
            "FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS d(campaign_id, party_id, signed_at) "
            "WHERE a.campaign_id = d.campaign_id AND a.party_id = d.party_id",
            [k[0] for k in signed],
            [k[1] for k in signed],
            list(signed.values()),
        )


INSPECTION_STATUS = InspectionStatus()
