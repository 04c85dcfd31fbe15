"""The inventory's part of the term report (后勤条线总结, "规范程序, 节校园资源"): purchases, stock,
assets, keys and repairs of a term, over the campuses of a :class:`TermScope`, from the
inventory's read models as of the term's last day.

Every act counts by when it happened (its own time or day, at the school), between the term's
first day and the end of its last one:

- purchases: declared (requested), approved, accepted and settled in the term; of those
  accepted, the everyday ones (accepted by the campus's vice principal) and the major ones
  (by the acceptance team), with the names of who signed; spend_fen is what the accepted ones
  were bought for, in fen;
- stock: requisition lists issued in the term and their lines; the term's quotas (per
  department and item) and those used beyond their quota; stock-takes closed in the term,
  their items adjusted and the net adjustment; old-for-new lines (以旧换新) issued in the term;
  compensation charged in the term and its amount in yuan;
- assets: registered to a room by the term's end, and received from an accepted purchase by
  then and still waiting to be registered then (disposed ones are neither); damage caused by a
  class or one of its pupils in the term, per class;
- keys: loans begun in the term, ended in it (returned, reported lost), and out at its end;
- repairs: reported, done and verified in the term; the median turnaround of those finished
  in it (report to verification, or to the work done while it waits for verification); the
  reports per role of the reporter (their first role in the directory).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import asyncpg

from services.campus.term_report import (
    AssetFigures,
    Count,
    InventoryFigures,
    KeyFigures,
    PurchaseFigures,
    RepairFigures,
    StockFigures,
    TermScope,
)
from services.eventkit.days import end_of_day
from services.inventory.projections.asset_registration import ASSET_REGISTRATION
from services.inventory.projections.assets import ASSETS
from services.inventory.projections.inventory_counts import INVENTORY_COUNTS
from services.inventory.projections.keys_repairs import KEYS_REPAIRS
from services.inventory.queries.class_damage import DAMAGE_OF_CLASS

C = INVENTORY_COUNTS.schema
A = ASSETS.schema
R = ASSET_REGISTRATION.schema
K = KEYS_REPAIRS.schema

# The parameters, by name (see :func:`_numbered`): :campuses, the term's :first_day and :last_day, the
# instant it :begins (its first day's start at the school) and the one it :ends (its last day's end)
IN_TERM = "{} >= :begins AND {} < :ends"
ON_TERM = "{} BETWEEN :first_day AND :last_day"


def _at(column: str) -> str:
    return IN_TERM.format(column, column)


def _on(column: str) -> str:
    return ON_TERM.format(column)


PURCHASES = (
    "SELECT "
    f"count(*) FILTER (WHERE {_at('requested_at')})::int AS declared, "
    f"count(*) FILTER (WHERE {_at('approved_at')})::int AS approved, "
    f"count(*) FILTER (WHERE {_at('accepted_at')})::int AS accepted, "
    f"count(*) FILTER (WHERE {_on('settled_on')})::int AS settled, "
    f"count(*) FILTER (WHERE {_at('accepted_at')} AND category = 'everyday')::int AS daily_goods_accepted, "
    f"count(*) FILTER (WHERE {_at('accepted_at')} AND category = 'major')::int AS major_accepted, "
    f"coalesce(sum(total_fen) FILTER (WHERE {_at('accepted_at')}), 0)::bigint AS spend_fen "
    f"FROM {C}.purchases WHERE campus_id = ANY(:campuses)"
)

# The names of who signed the acceptances of a category's purchases accepted in the term, in the
# order they first signed (by the acceptance, then by their place among its signers)
ACCEPTORS = (
    "SELECT coalesce(st.name, s.signer) AS name, min(p.accepted_at) AS first, min(s.n) AS place "
    f"FROM {C}.purchases p CROSS JOIN LATERAL unnest(p.signers) WITH ORDINALITY AS s(signer, n) "
    "LEFT JOIN directory_staff st ON st.staff_id = s.signer "
    f"WHERE p.campus_id = ANY(:campuses) AND {_at('p.accepted_at')} AND p.category = :category "
    "GROUP BY coalesce(st.name, s.signer) ORDER BY first, place, name"
)

REQUISITIONS = (
    "SELECT count(*)::int AS lists, coalesce(sum(jsonb_array_length(lines)), 0)::int AS lines, "
    "coalesce(sum((SELECT count(*) FROM jsonb_array_elements(lines) li WHERE (li->>'exchange')::boolean "
    "OR jsonb_typeof(li->'returned') = 'object')), 0)::int AS exchanges "
    f"FROM {C}.requisitions WHERE campus_id = ANY(:campuses) AND {_at('issued_at')}"
)

# A quota is a department's of an item for the term; over it: more used than the quota
QUOTAS = (
    "SELECT count(*)::int AS quota_items, count(*) FILTER (WHERE used > quota)::int AS over_quota "
    f"FROM {C}.quotas WHERE campus_id = ANY(:campuses) AND term_id = :term_id AND quota IS NOT NULL"
)

STOCKTAKES = (
    "SELECT count(DISTINCT t.stocktake_id)::int AS stock_takes, "
    "count(v.item_id) FILTER (WHERE v.delta <> 0)::int AS variance_lines, "
    "coalesce(sum(v.delta), 0)::bigint AS net_variance "
    f"FROM {A}.stocktakes t LEFT JOIN {A}.stocktake_variances v ON v.stocktake_id = t.stocktake_id "
    f"WHERE t.campus_id = ANY(:campuses) AND t.status = 'closed' AND {_on('t.closed_on')}"
)

CHARGES = (
    "SELECT count(*)::int AS charges, coalesce(sum(amount_fen), 0)::bigint AS amount_fen "
    f"FROM {A}.charges WHERE campus_id = ANY(:campuses) AND {_at('charged_at')}"
)

REGISTRATION = (
    "SELECT count(*) FILTER (WHERE status <> 'disposed' AND registered_on <= :last_day)::int AS registered, "
    "count(*) FILTER (WHERE status <> 'disposed' AND accepted_on <= :last_day "
    "AND (registered_on IS NULL OR registered_on > :last_day))::int AS unregistered "
    f"FROM {R}.asset_registration WHERE campus_id = ANY(:campuses)"
)

DAMAGE_BY_CLASS = (
    "SELECT coalesce(cl.name, m.class_id) AS label, count(DISTINCT m.event_id)::int AS count "
    f"FROM ({DAMAGE_OF_CLASS}) m LEFT JOIN directory_classes cl ON cl.class_id = m.class_id "
    f"WHERE m.campus_id = ANY(:campuses) AND {_on('m.damaged_on')} "
    "GROUP BY coalesce(cl.name, m.class_id) ORDER BY count DESC, label"
)

KEYS = (
    "SELECT "
    f"count(*) FILTER (WHERE {_on('issued_on')})::int AS issued, "
    f"count(*) FILTER (WHERE ended = 'returned' AND {_on('ended_on')})::int AS returned, "
    "count(*) FILTER (WHERE issued_on <= :last_day AND (ended_on IS NULL OR ended_on > :last_day))::int "
    "AS outstanding, "
    f"count(*) FILTER (WHERE ended = 'lost' AND {_on('ended_on')})::int AS lost "
    f"FROM {K}.key_loans WHERE campus_id = ANY(:campuses)"
)

# When a repair was finished as of the term's end: verified, or done and waiting for verification
FINISHED = "CASE WHEN verified_at < :ends THEN verified_at WHEN done_at < :ends THEN done_at END"

REPAIRS = (
    "SELECT "
    f"count(*) FILTER (WHERE {_at('reported_at')})::int AS reported, "
    f"count(*) FILTER (WHERE {_at('done_at')})::int AS done, "
    f"count(*) FILTER (WHERE {_at('verified_at')})::int AS verified, "
    "(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished - reported_at) / 3600) "
    "FILTER (WHERE finished >= :begins))::float8 AS median_turnaround_hours "
    f"FROM (SELECT *, {FINISHED} AS finished FROM {K}.repairs WHERE campus_id = ANY(:campuses)) r"
)

REPAIRS_BY_ROLE = (
    "SELECT coalesce(st.roles[1], 'unknown') AS label, count(*)::int AS count "
    f"FROM {K}.repairs r LEFT JOIN directory_staff st ON st.staff_id = r.reported_by "
    f"WHERE r.campus_id = ANY(:campuses) AND {_at('r.reported_at')} "
    "GROUP BY coalesce(st.roles[1], 'unknown') ORDER BY count DESC, label"
)


PARAMETER = re.compile(r"(?<!:):([a-z_]+)\b")


def _numbered(sql: str, values: dict[str, Any]) -> tuple[str, list[Any]]:
    """``sql`` with its ``:name`` parameters numbered (``$1``...), and their values in that order:
    each query is given only the parameters it uses (PostgreSQL cannot type one it never reads)."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    numbered = PARAMETER.sub(number, sql)
    return numbered, [values[name] for name in names]


async def inventory_term_figures(db: asyncpg.Pool, scope: TermScope) -> InventoryFigures:
    """The inventory's figures of ``scope``'s term over its campuses, as of the term's last day."""
    values: dict[str, Any] = {
        "campuses": list(scope.campus_ids),
        "first_day": scope.starts_on,
        "last_day": scope.ends_on,
        "begins": end_of_day(scope.starts_on - timedelta(days=1)),
        "ends": end_of_day(scope.ends_on),
        "term_id": scope.term_id,
    }
    async with db.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):

        async def row(sql: str, **more: Any) -> asyncpg.Record:
            numbered, args = _numbered(sql, values | more)
            found: asyncpg.Record | None = await conn.fetchrow(numbered, *args)
            assert found is not None  # an aggregate without GROUP BY answers one row
            return found

        async def rows(sql: str, **more: Any) -> list[asyncpg.Record]:
            numbered, args = _numbered(sql, values | more)
            return list(await conn.fetch(numbered, *args))

        purchases = await row(PURCHASES)
        everyday = await rows(ACCEPTORS, category="everyday")
        major = await rows(ACCEPTORS, category="major")
        requisitions = await row(REQUISITIONS)
        quotas = await row(QUOTAS)
        stocktakes = await row(STOCKTAKES)
        charges = await row(CHARGES)
        registration = await row(REGISTRATION)
        damage = await rows(DAMAGE_BY_CLASS)
        keys = await row(KEYS)
        repairs = await row(REPAIRS)
        by_role = await rows(REPAIRS_BY_ROLE)
    median = repairs["median_turnaround_hours"]
    return InventoryFigures(
        purchases=PurchaseFigures(
            declared=purchases["declared"],
            approved=purchases["approved"],
            accepted=purchases["accepted"],
            settled=purchases["settled"],
            daily_goods_accepted=purchases["daily_goods_accepted"],
            daily_goods_acceptors=tuple(r["name"] for r in everyday),
            major_accepted=purchases["major_accepted"],
            major_acceptors=tuple(r["name"] for r in major),
            spend_fen=purchases["spend_fen"],
        ),
        stock=StockFigures(
            requisition_lists=requisitions["lists"],
            requisition_lines=requisitions["lines"],
            quota_items=quotas["quota_items"],
            over_quota=quotas["over_quota"],
            stock_takes=stocktakes["stock_takes"],
            variance_lines=stocktakes["variance_lines"],
            net_variance=stocktakes["net_variance"],
            exchanges=requisitions["exchanges"],
            compensation_charges=charges["charges"],
            compensation_fen=charges["amount_fen"],
        ),
        assets=AssetFigures(
            registered=registration["registered"],
            unregistered=registration["unregistered"],
            damage_by_class=tuple(Count(label=r["label"], count=r["count"]) for r in damage),
        ),
        keys=KeyFigures(
            issued=keys["issued"], returned=keys["returned"], outstanding=keys["outstanding"], lost=keys["lost"]
        ),
        repairs=RepairFigures(
            reported=repairs["reported"],
            done=repairs["done"],
            verified=repairs["verified"],
            median_turnaround_hours=None if median is None else round(median, 2),
            by_reporter_role=tuple(Count(label=r["label"], count=r["count"]) for r in by_role),
        ),
    )
