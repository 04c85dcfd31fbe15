"""Menus, serving audits, violations and serving-skill contests, as the canteen's reads show them:
each week's menu with its meals and whether it is published; each audit with its results per
server; each violation (its evidence kept, shown only to those who may see it); each contest
with its criteria, judges, entrants, the latest sheet of each judge and entrant, its ranking
and prizes."""

from __future__ import annotations

import json
from typing import Any

from services.canteen import events as ev
from services.canteen.events import CANTEEN_EVENTS
from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope, Value
from services.eventkit.projection import Projection


def _json(values: list[Any]) -> object:
    return [json.loads(v.model_dump_json()) if isinstance(v, Value) else v for v in values]


class Serving(Projection):
    name = "serving"
    event_types = frozenset(
        {
            "canteen.MenuPlanned",
            "canteen.MenuPublished",
            "canteen.ServingAuditRecorded",
            "canteen.ViolationObserved",
            "canteen.ViolationWithdrawn",
            "canteen.ServingContestAnnounced",
            "canteen.ServingContestScored",
            "canteen.ServingContestConcluded",
        }
    )

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE {schema}.menus (
            menu_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            week_of date NOT NULL, meals jsonb NOT NULL, dishes bigint NOT NULL, planned_by text NOT NULL,
            planned_at timestamptz NOT NULL, plans bigint NOT NULL DEFAULT 1,
            published boolean NOT NULL DEFAULT false, published_by text, published_at timestamptz);
        CREATE INDEX ON {schema}.menus (campus_id, week_of);
        CREATE TABLE {schema}.serving_audits (
            audit_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            served_on date NOT NULL, meal text NOT NULL, dish text NOT NULL, target_grams bigint NOT NULL,
            tolerance_permille bigint NOT NULL, portions jsonb NOT NULL, results jsonb NOT NULL,
            servers_beyond text[] NOT NULL, auditor_id text NOT NULL, audited_at timestamptz NOT NULL);
        CREATE INDEX ON {schema}.serving_audits (campus_id, served_on);
        CREATE TABLE {schema}.violations (
            violation_id text PRIMARY KEY, district_id text, school_id text, campus_id text NOT NULL,
            staff_id text NOT NULL, rule_code text NOT NULL, description text NOT NULL, place text NOT NULL,
            evidence_refs jsonb NOT NULL, observed_by text NOT NULL, observed_at timestamptz NOT NULL,
            withdrawn boolean NOT NULL DEFAULT false, withdrawn_reason text, withdrawn_by text,
            withdrawn_at timestamptz);
        CREATE INDEX ON {schema}.violations (campus_id, observed_at);
        CREATE INDEX ON {schema}.violations (staff_id);
        CREATE TABLE {schema}.serving_contests (
            contest_id text PRIMARY KEY, district_id text, school_id text NOT NULL, campus_id text NOT NULL,
            name text NOT NULL, held_on date NOT NULL, criteria jsonb NOT NULL, judges jsonb NOT NULL,
            entrants jsonb NOT NULL, announced_by text NOT NULL, sheets jsonb NOT NULL DEFAULT '{{}}',
            concluded boolean NOT NULL DEFAULT false, ranking jsonb, prizes jsonb, concluded_by text,
            concluded_at timestamptz);
        CREATE INDEX ON {schema}.serving_contests (campus_id, held_on);
        """

    async def apply(self, conn: Connection, schema: str, envelope: Envelope) -> None:
        e = CANTEEN_EVENTS.decode(envelope)
        s = schema
        tenant = (envelope.district_id, envelope.school_id)
        match e:
            case ev.MenuPlanned():
                await conn.execute(
                    f"INSERT INTO {s}.menus (menu_id, district_id, school_id, campus_id, week_of, meals, dishes, "
                    "planned_by, planned_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
                    "ON CONFLICT (menu_id) DO UPDATE SET meals = $6, dishes = $7, planned_by = $8, planned_at = $9, "
                    f"plans = {s}.menus.plans + 1, published = false, published_by = NULL, published_at = NULL",
                    e.menu_id,
                    *tenant,
                    e.campus_id,
                    e.week_of,
                    _json(e.meals),
                    sum(len(m.dishes) for m in e.meals),
                    e.planned_by,
                    envelope.occurred_at,
                )
            case ev.MenuPublished():
                await conn.execute(
                    f"UPDATE {s}.menus SET published = true, published_by = $2, published_at = $3 WHERE menu_id = $1",
                    e.menu_id,
                    e.published_by,
                    envelope.occurred_at,
                )
            case ev.ServingAuditRecorded():
                await conn.execute(
                    f"INSERT INTO {s}.serving_audits (audit_id, district_id, school_id, campus_id, served_on, meal, "
                    "dish, target_grams, tolerance_permille, portions, results, servers_beyond, auditor_id, "
                    "audited_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                    e.audit_id,
                    *tenant,
                    e.campus_id,
                    e.served_on,
                    e.meal.value,
                    e.dish,
                    e.target_grams,
                    e.tolerance_permille,
                    _json(e.portions),
                    _json(e.results),
                    [r.server_id for r in e.results if not r.within_tolerance],
                    e.auditor_id,
                    envelope.occurred_at,
                )
            case ev.ViolationObserved():
                await conn.execute(
                    f"INSERT INTO {s}.violations (violation_id, district_id, school_id, campus_id, staff_id, "
                    "rule_code, description, place, evidence_refs, observed_by, observed_at) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                    e.violation_id,
                    *tenant,
                    e.campus_id,
                    e.staff_id,
                    e.rule_code,
                    e.description,
                    e.place,
                    list(e.evidence_refs),
                    e.observed_by,
                    envelope.occurred_at,
                )
            case ev.ViolationWithdrawn():
                await conn.execute(
                    f"UPDATE {s}.violations SET withdrawn = true, withdrawn_reason = $2, withdrawn_by = $3, "
                    "withdrawn_at = $4 WHERE violation_id = $1",
                    e.violation_id,
                    e.reason,
                    e.withdrawn_by,
                    envelope.occurred_at,
                )
            case ev.ServingContestAnnounced():
                await conn.execute(
                    f"INSERT INTO {s}.serving_contests (contest_id, district_id, school_id, campus_id, name, held_on, "
                    "criteria, judges, entrants, announced_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    e.contest_id,
                    envelope.district_id,
                    e.school_id,
                    e.campus_id,
                    e.name,
                    e.held_on,
                    _json(e.criteria),
                    list(e.judges),
                    list(e.entrants),
                    e.announced_by,
                )
            case ev.ServingContestScored():
                # the latest sheet of each judge and entrant, under "<judge>|<entrant>"
                await conn.execute(
                    f"UPDATE {s}.serving_contests SET sheets = sheets || jsonb_build_object($2::text, $3::jsonb) "
                    "WHERE contest_id = $1",
                    e.contest_id,
                    f"{e.judge}|{e.entrant}",
                    {"judge": e.judge, "entrant": e.entrant, "scores": e.scores, "total": sum(e.scores.values())},
                )
            case ev.ServingContestConcluded():
                await conn.execute(
                    f"UPDATE {s}.serving_contests SET concluded = true, ranking = $2, prizes = $3, concluded_by = $4, "
                    "concluded_at = $5 WHERE contest_id = $1",
                    e.contest_id,
                    list(e.ranking),
                    _json(e.prizes),
                    e.concluded_by,
                    envelope.occurred_at,
                )


SERVING = Serving()
