"""The rule books: every version of each school's rule book (its categories with their caps,
and its rules), and who acknowledged which version when."""

from __future__ import annotations

from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.projection import Projection
from services.hr_eval import events as ev
from services.hr_eval.acknowledgements import RuleBookAcknowledgement
from services.hr_eval.events import HR_EVAL_EVENTS
from services.hr_eval.rulebook import RuleBook


class RuleBooks(Projection):
    name = "rule_books"
    event_types = frozenset({"hr_eval.RuleBookPublished", "hr_eval.RuleBookAcknowledged"})
    streams = (RuleBook, RuleBookAcknowledgement)

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE {schema}.versions (
            school_id text NOT NULL, version integer NOT NULL, district_id text,
            title text NOT NULL, effective_on date NOT NULL, studied_on date, base_score integer NOT NULL,
            categories jsonb NOT NULL, items jsonb NOT NULL, published_by text NOT NULL,
            published_at timestamptz NOT NULL, PRIMARY KEY (school_id, version));
        CREATE INDEX ON {schema}.versions (school_id, effective_on);
        CREATE TABLE {schema}.acknowledgements (
            school_id text NOT NULL, version integer NOT NULL, staff_id text NOT NULL,
            acknowledged_at timestamptz NOT NULL, PRIMARY KEY (school_id, version, staff_id));
        """

    async def apply(self, conn: Connection, schema: str, envelope: Envelope) -> None:
        e = HR_EVAL_EVENTS.decode(envelope)
        s = schema
        match e:
            case ev.RuleBookPublished():
                await conn.execute(
                    f"INSERT INTO {s}.versions (school_id, version, district_id, title, effective_on, studied_on, "
                    "base_score, categories, items, published_by, published_at) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING",
                    e.school_id,
                    e.version,
                    envelope.district_id,
                    e.title,
                    e.effective_on,
                    e.studied_on,
                    e.base_score,
                    [c.model_dump(mode="json") for c in e.categories],
                    [i.model_dump(mode="json") for i in e.items],
                    e.published_by,
                    e.published_at,
                )
            case ev.RuleBookAcknowledged():
                await conn.execute(
                    f"INSERT INTO {s}.acknowledgements (school_id, version, staff_id, acknowledged_at) "
                    "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                    e.school_id,
                    e.version,
                    e.staff_id,
                    e.acknowledged_at,
                )


RULE_BOOKS = RuleBooks()
