"""The reports of every school and term: where each stands (drafts, edits, the last version
issued), for the lists; a report's text is read from its stream."""

from __future__ import annotations

from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.projection import Projection
from services.report import events as ev
from services.report.events import REPORT_EVENTS
from services.report.term_report import TermReport


class TermReports(Projection):
    name = "term_reports"
    event_types = frozenset({"report.ReportDrafted", "report.ReportParagraphEdited", "report.ReportIssued"})
    streams = (TermReport,)

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE {schema}.reports (
            report_id text PRIMARY KEY, district_id text, school_id text NOT NULL, campus_id text,
            term_id text NOT NULL, campus_ids text[] NOT NULL, whole_school boolean NOT NULL,
            title text NOT NULL, drafts integer NOT NULL, edits integer NOT NULL DEFAULT 0,
            issued_version integer, issued_at timestamptz, issued_by text,
            updated_at timestamptz NOT NULL, version integer NOT NULL);
        CREATE INDEX ON {schema}.reports (school_id, term_id);
        """

    async def apply(self, conn: Connection, schema: str, envelope: Envelope) -> None:
        e = REPORT_EVENTS.decode(envelope)
        s = schema
        match e:
            case ev.ReportDrafted():
                await conn.execute(
                    f"INSERT INTO {s}.reports (report_id, district_id, school_id, campus_id, term_id, campus_ids, "
                    "whole_school, title, drafts, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
                    "$10, $11) ON CONFLICT (report_id) DO UPDATE SET title = EXCLUDED.title, drafts = EXCLUDED.drafts, "
                    "campus_ids = EXCLUDED.campus_ids, updated_at = EXCLUDED.updated_at, version = EXCLUDED.version",
                    e.report_id,
                    envelope.district_id,
                    e.school_id,
                    envelope.campus_id,
                    e.term_id,
                    e.campus_ids,
                    e.whole_school,
                    e.title,
                    e.draft,
                    envelope.occurred_at,
                    envelope.version,
                )
            case ev.ReportParagraphEdited():
                await conn.execute(
                    f"UPDATE {s}.reports SET edits = edits + 1, updated_at = $2, version = $3 WHERE report_id = $1",
                    e.report_id,
                    envelope.occurred_at,
                    envelope.version,
                )
            case ev.ReportIssued():
                await conn.execute(
                    f"UPDATE {s}.reports SET issued_version = $2, issued_at = $3, issued_by = $4, updated_at = $3, "
                    "version = $5 WHERE report_id = $1",
                    e.report_id,
                    e.version,
                    e.issued_at,
                    e.issued_by,
                    envelope.version,
                )


TERM_REPORTS = TermReports()
