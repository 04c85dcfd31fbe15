"""Reads of the catalogue (a school's, one item), stock, quotas and requisitions; the school a
catalogue belongs to and the item a command names (shared by the commands of several areas)."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.commands import CommandBus
from services.eventkit.days import school_today
from services.eventkit.errors import InvalidInput, NotFound
from services.eventkit.queries import Query
from services.inventory.projections.inventory_counts import INVENTORY_COUNTS
from services.inventory.stock import Item, ItemState, Requisition

S = INVENTORY_COUNTS.schema


async def catalogued_item(bus: CommandBus, item_id: str, school_id: str | None, field: str) -> ItemState:
    """An item of the catalogue (of ``school_id``, when given), or a 422 naming the field."""
    state, version = await bus.load(Item, Item.stream_id(item_id))
    if version == 0:
        raise InvalidInput(f"item {item_id} is not catalogued", field=field)
    if school_id is not None:
        first = await bus.store.read_stream(Item.stream_id(item_id))
        if first[0].school_id != school_id:
            raise InvalidInput(f"item {item_id} is catalogued by another school", field=field)
    item: ItemState = state
    return item


ITEM_COLUMNS = "item_id, school_id, name, unit, category, consumable, unit_price_fen, reorder_point"


def item_list(school_id: str, ids: list[str] | None = None) -> Query:
    """The catalogue of a school (``ids``: only these items of it)."""
    q = Query(f"SELECT {ITEM_COLUMNS} FROM {S}.items", "item_id")
    return q.filter("school_id = {}", school_id).filter("item_id = ANY({}::text[])", ids)


async def item(pool: asyncpg.Pool, principal: Principal, item_id: str) -> dict[str, Any]:
    """One item of a catalogue, or a 404: seen by whoever covers its school or one of the school's
    campuses (the directory mirror's), as the catalogue of the school is."""
    q = Query(f"SELECT {ITEM_COLUMNS} FROM {S}.items i", "item_id").filter("i.item_id = {}", item_id)
    clause, values = principal.scope_sql(len(q.params) + 1, "c.")
    q.params.extend(values)
    q.where.append(f"EXISTS (SELECT 1 FROM directory_campuses c WHERE c.school_id = i.school_id AND {clause})")
    row = await q.one(pool)
    if row is None:
        raise NotFound(f"item {item_id} not found")
    return row


# ``$1`` is the day "this month" is counted to: from the first of its month to it; and whose term (of
# the school calendar) the quotas are of: quota used and quota are the term's, summed over its
# departments (per department: the quotas read). Quantities are bigint, and so are their sums (``sum``
# of a bigint is a numeric: cast back, as no sum of bounded quantities comes near 2^63; see
# services.eventkit.bounds).
TERM_OF_DAY = (
    "(SELECT t.term_id FROM directory_terms t WHERE t.school_id = i.school_id "
    "AND t.starts_on <= $1::date AND $1::date <= t.ends_on ORDER BY t.starts_on DESC LIMIT 1)"
)
STOCK_SQL = (
    "SELECT s.campus_id, s.item_id, i.name, i.unit, i.category, s.on_hand, s.received, s.issued, s.adjusted, "
    "i.reorder_point, s.on_hand < i.reorder_point AS below_reorder_point, $1::date AS as_of, "
    f"coalesce((SELECT sum(m.quantity) FROM {S}.issued_by_day m WHERE m.campus_id = s.campus_id "
    "AND m.item_id = s.item_id AND m.day BETWEEN date_trunc('month', $1::date)::date AND $1::date), 0)::bigint "
    "AS issued_this_month, "
    f"coalesce((SELECT sum(q.used) FROM {S}.quotas q WHERE q.campus_id = s.campus_id AND q.item_id = s.item_id "
    f"AND q.term_id = {TERM_OF_DAY}), 0)::bigint AS quota_used, "
    f"(SELECT sum(q.quota) FROM {S}.quotas q WHERE q.campus_id = s.campus_id AND q.item_id = s.item_id "
    f"AND q.term_id = {TERM_OF_DAY})::bigint AS quota, {TERM_OF_DAY} AS term_id "
    f"FROM {S}.stock s JOIN {S}.items i USING (item_id)"
)


def stock_list(
    principal: Principal, campus_id: str | None, below_reorder_point: bool, as_of: date | None = None
) -> Query:
    """Stock per campus and item in the caller's scope (the campus's district and school from the directory);
    ``issued_this_month``: issued from the first of the month of ``as_of`` (default: today) to that day."""
    q = Query(
        f"SELECT * FROM (SELECT t.*, t.campus_id || '/' || t.item_id AS key, c.school_id, c.district_id "
        f"FROM ({STOCK_SQL}) t JOIN directory_campuses c USING (campus_id)) x",
        "x.key",
    )
    q.param(as_of or school_today())  # $1 of STOCK_SQL
    q.scoped(principal, "x.").filter("x.campus_id = {}", campus_id)
    if below_reorder_point:
        q.where.append("x.below_reorder_point")
    return q


def quota_list(
    principal: Principal,
    campus_id: str | None,
    term_id: str | None,
    department_id: str | None,
    current_term: bool = False,
    as_of: date | None = None,
    item_id: str | None = None,
) -> Query:
    """Quotas per campus, department, item and term in the caller's scope: set, overridden, used and
    left; ``current``: of the term of ``as_of`` (default today), and ``current_term`` only those."""
    q = Query("", "x.key")
    day = q.param(as_of or school_today())
    q.select_from = (
        "SELECT * FROM (SELECT q.campus_id, q.department_id, q.item_id, q.term_id, q.quota, q.overrides, q.used, "
        'CASE WHEN q.quota IS NULL THEN NULL ELSE q.quota + q.overrides - q.used END AS "left", '
        "t.name AS term_name, "
        f"coalesce(t.starts_on <= {day}::date AND {day}::date <= t.ends_on, false) AS current, "
        "q.campus_id || '/' || q.department_id || '/' || q.item_id || '/' || q.term_id "
        f"AS key, c.school_id, c.district_id FROM {S}.quotas q JOIN directory_campuses c USING (campus_id) "
        "LEFT JOIN directory_terms t ON t.term_id = q.term_id) x"
    )
    q.scoped(principal, "x.")
    q.filter("x.campus_id = {}", campus_id).filter("x.term_id = {}", term_id).filter(
        "x.department_id = {}", department_id
    ).filter("x.item_id = {}", item_id)
    if current_term:
        q.where.append("x.current")
    return q


async def requisition(bus: CommandBus, principal: Principal, requisition_id: str) -> dict[str, Any]:
    """One requisition list as it was issued (from its stream), in the caller's scope, or a 404."""
    events = await bus.store.read_stream(Requisition.stream_id(requisition_id))
    if not events or not principal.covers(events[0].tenant):
        raise NotFound(f"requisition {requisition_id} not found")
    data: dict[str, Any] = events[0].data
    return data
