"""Monthly appraisal totals: one row per appraisal (its score as it stands, its state, what is
pending on it) and one per item (where it stands), from which the totals of a campus's month
are read per role, worker, rule and appraiser.

Every score is :func:`services.hr_eval.scoring.score` of the items that count (not withdrawn,
points after any dispute or correction) under the categories the appraisal pinned, so it is
the number the appraisal itself decides with. The total first published is kept apart: a
correction after publication changes the total and marks the appraisal corrected, never the
published total. Times are the acts' (the events' own), never when they were recorded.
"""

from __future__ import annotations

from typing import Any

from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.projection import Projection
from services.hr_eval import events as ev
from services.hr_eval.appraisal import Appraisal, AppraisalMonth
from services.hr_eval.events import HR_EVAL_EVENTS, RuleCategory
from services.hr_eval.scoring import score


class AppraisalTotals(Projection):
    name = "appraisal_totals"
    streams = (Appraisal, AppraisalMonth)
    event_types = frozenset(
        {
            "hr_eval.AppraisalOpened",
            "hr_eval.AppraisalItemProposed",
            "hr_eval.AppraisalItemWithdrawn",
            "hr_eval.DeductionCommunicated",
            "hr_eval.DeductionAcknowledged",
            "hr_eval.DeductionDisputed",
            "hr_eval.DisputeResolved",
            "hr_eval.AppraisalFinalised",
            "hr_eval.AppraisalPublished",
            "hr_eval.AppraisalMonthPublished",
            "hr_eval.AppraisalCorrected",
            "hr_eval.AppraisalClosed",
        }
    )

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE {schema}.appraisals (
            appraisal_id text PRIMARY KEY, stream_id text NOT NULL, district_id text, school_id text,
            campus_id text NOT NULL, staff_id text NOT NULL, staff_name text NOT NULL, role text NOT NULL,
            month text NOT NULL, rule_book_version integer NOT NULL, categories jsonb NOT NULL,
            base bigint NOT NULL, deductions bigint NOT NULL DEFAULT 0, bonuses bigint NOT NULL DEFAULT 0,
            total bigint NOT NULL, state text NOT NULL DEFAULT 'opened', published_total bigint,
            corrected boolean NOT NULL DEFAULT false, corrections bigint NOT NULL DEFAULT 0,
            joined_on date, left_on date, part_month boolean NOT NULL,
            item_count bigint NOT NULL DEFAULT 0, uncommunicated bigint NOT NULL DEFAULT 0,
            disputed bigint NOT NULL DEFAULT 0, opened_by text NOT NULL, opened_at timestamptz NOT NULL,
            finalised_at timestamptz, published_at timestamptz, closed_at timestamptz);
        CREATE INDEX ON {schema}.appraisals (campus_id, month, role);
        CREATE INDEX ON {schema}.appraisals (staff_id, month);
        CREATE TABLE {schema}.items (
            appraisal_id text NOT NULL, item_id text NOT NULL, campus_id text NOT NULL, month text NOT NULL,
            role text NOT NULL, rule_code text NOT NULL, rule_text text NOT NULL, category text NOT NULL,
            points integer NOT NULL, proposed_points integer NOT NULL, status text NOT NULL,
            source text NOT NULL, source_ref text NOT NULL, proposal_id text, proposed_by text NOT NULL,
            proposed_at timestamptz NOT NULL, occurred_at timestamptz NOT NULL, place text NOT NULL,
            note text NOT NULL, evidence_refs text[] NOT NULL,
            communicated_by text, communicated_at timestamptz, channel text, respond_by date,
            acknowledged_at timestamptz, disputed_at timestamptz, resolved_by text, resolved_at timestamptz,
            outcome text, withdrawn_at timestamptz, corrected_at timestamptz,
            PRIMARY KEY (appraisal_id, item_id));
        CREATE INDEX ON {schema}.items (campus_id, month, role);
        CREATE TABLE {schema}.published_months (
            campus_id text NOT NULL, month text NOT NULL, appraisal_ids text[] NOT NULL,
            published_by text NOT NULL, published_at timestamptz NOT NULL, PRIMARY KEY (campus_id, month));
        """

    async def apply(self, conn: Connection, schema: str, envelope: Envelope) -> None:
        e = HR_EVAL_EVENTS.decode(envelope)
        s = schema
        match e:
            case ev.AppraisalOpened():
                await conn.execute(
                    f"INSERT INTO {s}.appraisals (appraisal_id, stream_id, district_id, school_id, campus_id, "
                    "staff_id, staff_name, role, month, rule_book_version, categories, base, total, joined_on, "
                    "left_on, part_month, opened_by, opened_at) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14, $15, $16, $17)",
                    e.appraisal_id,
                    envelope.stream_id,
                    envelope.district_id,
                    envelope.school_id or e.school_id,
                    e.campus_id,
                    e.staff_id,
                    e.staff_name,
                    e.role.value,
                    e.month,
                    e.rule_book_version,
                    [c.model_dump(mode="json") for c in e.categories],
                    e.base_score,
                    e.joined_on,
                    e.left_on,
                    e.joined_on is not None or e.left_on is not None,
                    e.opened_by,
                    e.opened_at,
                )
            case ev.AppraisalItemProposed():
                await conn.execute(
                    f"INSERT INTO {s}.items (appraisal_id, item_id, campus_id, month, role, rule_code, rule_text, "
                    "category, points, proposed_points, status, source, source_ref, proposal_id, proposed_by, "
                    "proposed_at, occurred_at, place, note, evidence_refs) "
                    "SELECT a.appraisal_id, $2, a.campus_id, a.month, a.role, $3, $4, $5, $6, $6, 'proposed', "
                    f"$7, $8, $9, $10, $11, $12, $13, $14, $15 FROM {s}.appraisals a WHERE a.appraisal_id = $1",
                    e.appraisal_id,
                    e.item_id,
                    e.rule_code,
                    e.rule_text,
                    e.category,
                    e.points,
                    e.source.value,
                    e.source_ref,
                    e.proposal_id,
                    e.proposed_by,
                    e.proposed_at,
                    e.occurred_at,
                    e.place,
                    e.note,
                    e.evidence_refs,
                )
                await self._rescore(conn, s, e.appraisal_id)
            case ev.AppraisalItemWithdrawn():
                await self._item(
                    conn, s, e.appraisal_id, e.item_id, "status = 'withdrawn', withdrawn_at = $3", e.withdrawn_at
                )
            case ev.DeductionCommunicated():
                await conn.execute(
                    f"UPDATE {s}.items SET status = 'communicated', communicated_by = $3, communicated_at = $4, "
                    "channel = $5, respond_by = $6 WHERE appraisal_id = $1 AND item_id = $2",
                    e.appraisal_id,
                    e.item_id,
                    e.communicated_by,
                    e.communicated_at,
                    e.channel.value,
                    e.respond_by,
                )
                await self._rescore(conn, s, e.appraisal_id)
            case ev.DeductionAcknowledged():
                await self._item(
                    conn,
                    s,
                    e.appraisal_id,
                    e.item_id,
                    "status = 'acknowledged', acknowledged_at = $3",
                    e.acknowledged_at,
                )
            case ev.DeductionDisputed():
                await self._item(
                    conn, s, e.appraisal_id, e.item_id, "status = 'disputed', disputed_at = $3", e.disputed_at
                )
            case ev.DisputeResolved():
                await conn.execute(
                    f"UPDATE {s}.items SET status = 'resolved', points = $3, outcome = $4, resolved_by = $5, "
                    "resolved_at = $6 WHERE appraisal_id = $1 AND item_id = $2",
                    e.appraisal_id,
                    e.item_id,
                    e.points,
                    e.outcome.value,
                    e.resolved_by,
                    e.resolved_at,
                )
                await self._rescore(conn, s, e.appraisal_id)
            case ev.AppraisalFinalised():
                await conn.execute(
                    f"UPDATE {s}.appraisals SET state = 'finalised', finalised_at = $2 "
                    "WHERE appraisal_id = $1 AND state = 'opened'",
                    e.appraisal_id,
                    e.finalised_at,
                )
                # Its month published already (that event is on another stream, and came first)
                await conn.execute(
                    f"UPDATE {s}.appraisals a SET state = 'published', published_total = a.total, "
                    f"published_at = m.published_at FROM {s}.published_months m "
                    "WHERE a.appraisal_id = $1 AND a.state = 'finalised' AND m.campus_id = a.campus_id "
                    "AND m.month = a.month AND a.appraisal_id = ANY(m.appraisal_ids)",
                    e.appraisal_id,
                )
            case ev.AppraisalPublished():
                await conn.execute(
                    f"UPDATE {s}.appraisals SET state = 'published', published_total = coalesce(published_total, $2), "
                    "published_at = coalesce(published_at, $3) WHERE appraisal_id = $1",
                    e.appraisal_id,
                    e.total,
                    e.published_at,
                )
            case ev.AppraisalMonthPublished():
                await conn.execute(
                    f"INSERT INTO {s}.published_months (campus_id, month, appraisal_ids, published_by, published_at) "
                    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (campus_id, month) DO UPDATE SET "
                    f"appraisal_ids = {s}.published_months.appraisal_ids || EXCLUDED.appraisal_ids, "
                    "published_by = EXCLUDED.published_by, published_at = EXCLUDED.published_at",
                    e.campus_id,
                    e.month,
                    e.appraisal_ids,
                    e.published_by,
                    e.published_at,
                )
                await conn.execute(
                    f"UPDATE {s}.appraisals SET state = 'published', "
                    "published_total = coalesce(published_total, total), published_at = coalesce(published_at, $2) "
                    "WHERE appraisal_id = ANY($1::text[]) AND state = 'finalised'",
                    e.appraisal_ids,
                    e.published_at,
                )
            case ev.AppraisalCorrected():
                await conn.execute(
                    f"INSERT INTO {s}.items (appraisal_id, item_id, campus_id, month, role, rule_code, rule_text, "
                    "category, points, proposed_points, status, source, source_ref, proposed_by, proposed_at, "
                    "occurred_at, place, note, evidence_refs, corrected_at) "
                    "SELECT a.appraisal_id, $2, a.campus_id, a.month, a.role, $3, coalesce(("
                    f"SELECT i.rule_text FROM {s}.items i WHERE i.appraisal_id = $1 AND i.rule_code = $3 "
                    "LIMIT 1), ''), "
                    "$4, $5, $5, 'corrected', 'other', $6, $7, $8, $8, '', '', '{}', $8 "
                    f"FROM {s}.appraisals a WHERE a.appraisal_id = $1 "
                    f"ON CONFLICT (appraisal_id, item_id) DO UPDATE SET points = EXCLUDED.points, "
                    f"corrected_at = EXCLUDED.corrected_at, status = CASE {s}.items.status "
                    f"WHEN 'withdrawn' THEN 'corrected' ELSE {s}.items.status END",
                    e.appraisal_id,
                    e.item_id,
                    e.rule_code,
                    e.category,
                    e.points,
                    e.correction_id,
                    e.approved_by,
                    e.corrected_at,
                )
                await conn.execute(
                    f"UPDATE {s}.appraisals SET corrected = true, corrections = corrections + 1 "
                    "WHERE appraisal_id = $1",
                    e.appraisal_id,
                )
                await self._rescore(conn, s, e.appraisal_id)
            case ev.AppraisalClosed():
                await conn.execute(
                    f"UPDATE {s}.appraisals SET state = 'closed', closed_at = $2 WHERE appraisal_id = $1",
                    e.appraisal_id,
                    e.closed_at,
                )

    async def _item(self, conn: Connection, s: str, appraisal_id: str, item_id: str, update: str, value: Any) -> None:
        await conn.execute(
            f"UPDATE {s}.items SET {update} WHERE appraisal_id = $1 AND item_id = $2", appraisal_id, item_id, value
        )
        await self._rescore(conn, s, appraisal_id)

    @staticmethod
    async def _rescore(conn: Connection, s: str, appraisal_id: str) -> None:
        """The appraisal's score and pending counts, from its items as they stand."""
        head = await conn.fetchrow(f"SELECT base, categories FROM {s}.appraisals WHERE appraisal_id = $1", appraisal_id)
        if head is None:
            return
        items = await conn.fetch(
            f"SELECT category, points, status FROM {s}.items WHERE appraisal_id = $1", appraisal_id
        )
        counting = [(r["category"], r["points"]) for r in items if r["status"] != "withdrawn"]
        categories = [RuleCategory.model_validate(c) for c in head["categories"]]
        scored = score(head["base"], categories, counting)
        await conn.execute(
            f"UPDATE {s}.appraisals SET deductions = $2, bonuses = $3, total = $4, item_count = $5, "
            "uncommunicated = $6, disputed = $7 WHERE appraisal_id = $1",
            appraisal_id,
            scored.deductions,
            scored.bonuses,
            scored.total,
            sum(1 for r in items if r["status"] != "withdrawn" and r["points"] != 0),
            sum(1 for r in items if r["status"] == "proposed" and r["points"] < 0),
            sum(1 for r in items if r["status"] == "disputed"),
        )


APPRAISAL_TOTALS = AppraisalTotals()
