"""Inventory figures as of a day: keys outstanding and overdue, repairs open and their turnaround,
stock issued this month, as they stood then.

The events go through the real event store and a rebuild of the projections, recorded in
an order other than the acts' (a later act often first); the figures are read with the
service's own queries, as of past days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any
from uuid import uuid4

import asyncpg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.eventkit.acts import start_of_day
from services.eventkit.days import CHINA, end_of_day, local_day
from services.eventkit.envelope import TenantPath
from services.eventkit.store import EventStore
from services.inventory import events as ev
from services.inventory.keys import Key
from services.inventory.projections.inventory_counts import INVENTORY_COUNTS
from services.inventory.projections.keys_repairs import KEYS_REPAIRS
from services.inventory.queries.keys import outstanding_key_list, overdue_key_list
from services.inventory.queries.repairs import open_repair_list, repair_list
from services.inventory.queries.stock import stock_list
from services.inventory.repairs import Repair
from services.inventory.stock import Item, Stock
from tests.histories import ADMIN, HISTORY_SETTINGS, START, History, history_pool, picks, rebuild_from_store, record

__all__ = ["history_pool"]

PROJECTIONS = (KEYS_REPAIRS, INVENTORY_COUNTS)


def cst(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA)


async def new_campus(pool: asyncpg.Pool) -> tuple[str, TenantPath]:
    campus = f"c-{uuid4().hex[:8]}"
    await pool.execute(
        "INSERT INTO directory_campuses (campus_id, school_id, district_id, name) VALUES ($1, 'xuexiao', 'xinbei', $1)",
        campus,
    )
    return campus, TenantPath(district_id="xinbei", school_id="xuexiao", campus_id=campus)


async def load(pool: asyncpg.Pool, h: History, order: list[int] | None = None) -> None:
    store = EventStore(pool, notify=False)
    await record(store, h.recorded(order or []))
    await rebuild_from_store(pool, store, PROJECTIONS)


async def items(query: Any, pool: asyncpg.Pool) -> list[dict[str, Any]]:
    page = await query.page(pool, None, 500)
    found: list[dict[str, Any]] = page.items
    return found


def issue_key(h: History, key_id: str, campus: str, holder: str, on: date, due: date) -> None:
    h.add(
        Key.stream_id(key_id),
        ev.KeyIssued(
            key_id=key_id,
            campus_id=campus,
            door="实验室",
            holder_id=holder,
            issued_on=on,
            due_on=due,
            issued_by="guard",
        ),
        start_of_day(on),
    )


def return_key(h: History, key_id: str, on: date) -> None:
    h.add(Key.stream_id(key_id), ev.KeyReturned(key_id=key_id, returned_on=on, received_by="guard"), start_of_day(on))


def lose_key(h: History, key_id: str, on: date) -> None:
    h.add(Key.stream_id(key_id), ev.KeyLost(key_id=key_id, reported_on=on, lock_changed=True), start_of_day(on))


def report_repair(h: History, rid: str, campus: str, at: datetime) -> None:
    h.add(
        Repair.stream_id(rid),
        ev.RepairReported(
            repair_id=rid,
            campus_id=campus,
            place="三楼男厕",
            description="水龙头漏水",
            reported_by="guard",
            reported_at=at,
        ),
        at,
    )


def assign_repair(h: History, rid: str, at: datetime) -> None:
    h.add(
        Repair.stream_id(rid),
        ev.RepairAssigned(repair_id=rid, assignee_id="tech", assigned_by="manager", assigned_at=at),
        at,
    )


def repair_done(h: History, rid: str, at: datetime) -> None:
    h.add(Repair.stream_id(rid), ev.RepairDone(repair_id=rid, done_by="tech", done_at=at), at)


def verify_repair(h: History, rid: str, at: datetime) -> None:
    h.add(Repair.stream_id(rid), ev.RepairVerified(repair_id=rid, verified_by="manager", verified_at=at), at)


def catalogue(h: History, item: str, at: datetime) -> None:
    h.add(
        Item.stream_id(item),
        ev.ItemCatalogued(
            item_id=item,
            school_id="xuexiao",
            name="A4 纸",
            unit="包",
            category="办公用品",
            consumable=True,
            unit_price_fen=2500,
            reorder_point=5,
        ),
        at,
    )


def issue_stock(h: History, campus: str, item: str, quantity: int, at: datetime) -> None:
    h.add(
        Stock.stream_id(f"{campus}:{item}"),
        ev.StockIssued(
            campus_id=campus,
            item_id=item,
            quantity=quantity,
            recipient_kind=ev.RecipientKind.DEPARTMENT,
            recipient_id="jiaowu",
            department_id="jiaowu",
            term_id="2020-autumn",
            requisition_id=f"r-{uuid4().hex[:6]}",
            issued_by="keeper",
            issued_at=at,
        ),
        at,
    )


# -- examples ------------------------------------------------------------------------------


async def test_a_key_is_overdue_once_its_due_day_passed_until_it_came_back(history_pool: asyncpg.Pool) -> None:
    """Issued 2020-09-01, due 2021-01-22, returned 2021-01-30 (recorded before the issue)."""
    pool = history_pool
    campus, tenant = await new_campus(pool)
    h = History(tenant)
    issue_key(h, f"k-{campus}", campus, "teacher-li", date(2020, 9, 1), date(2021, 1, 22))
    return_key(h, f"k-{campus}", date(2021, 1, 30))
    await load(pool, h)

    async def out(as_of: date) -> list[dict[str, Any]]:
        return await items(outstanding_key_list(ADMIN, campus, None, as_of), pool)

    async def overdue(as_of: date) -> list[dict[str, Any]]:
        return await items(overdue_key_list(ADMIN, as_of, campus, None), pool)

    assert await out(date(2020, 8, 31)) == []
    (held,) = await out(date(2021, 1, 1))
    assert (held["holder_id"], held["state"], held["due_on"]) == ("teacher-li", "issued", date(2021, 1, 22))
    assert await overdue(date(2021, 1, 1)) == [] and await overdue(date(2021, 1, 22)) == []
    (late,) = await overdue(date(2021, 1, 25))
    assert late["days_overdue"] == 3 and late["as_of"] == date(2021, 1, 25)
    assert (await overdue(date(2021, 1, 29)))[0]["days_overdue"] == 7
    assert await out(date(2021, 1, 30)) == [] and await overdue(date(2021, 1, 30)) == []  # back that day


async def test_a_repair_is_open_until_verified_and_turns_around_when_done(history_pool: asyncpg.Pool) -> None:
    pool = history_pool
    campus, tenant = await new_campus(pool)
    h = History(tenant)
    rid = f"r-{campus}"
    report_repair(h, rid, campus, cst(date(2020, 10, 12), 8))
    assign_repair(h, rid, cst(date(2020, 10, 12), 9))
    repair_done(h, rid, cst(date(2020, 10, 14), 8))
    verify_repair(h, rid, cst(date(2020, 10, 15), 8))
    await load(pool, h)

    assert await items(repair_list(ADMIN, campus, None, None, None, None, date(2020, 10, 11)), pool) == []
    (waiting,) = await items(open_repair_list(ADMIN, campus, None, date(2020, 10, 13)), pool)
    assert waiting["age_hours"] == 40.0 and waiting["age_days"] == 1 and waiting["turnaround_hours"] is None
    (done,) = await items(open_repair_list(ADMIN, campus, None, date(2020, 10, 14)), pool)
    assert done["turnaround_hours"] == 48.0  # done, waiting for verification
    assert await items(open_repair_list(ADMIN, campus, None, date(2020, 10, 15)), pool) == []
    (verified,) = await items(repair_list(ADMIN, campus, None, None, None, None, date(2020, 10, 31)), pool)
    assert verified["turnaround_hours"] == 72.0


async def test_stock_issued_this_month_counts_to_the_day(history_pool: asyncpg.Pool) -> None:
    pool = history_pool
    campus, tenant = await new_campus(pool)
    h = History(tenant)
    item = f"paper-{campus}"
    catalogue(h, item, cst(date(2020, 9, 1), 9))
    issue_stock(h, campus, item, 5, cst(date(2020, 10, 5), 9))
    issue_stock(h, campus, item, 3, cst(date(2020, 10, 20), 9))
    issue_stock(h, campus, item, 2, cst(date(2020, 11, 1), 4))  # 2020-10-31 20:00 UTC: November at the school
    await load(pool, h)

    async def this_month(as_of: date) -> int:
        (line,) = await items(stock_list(ADMIN, campus, False, as_of), pool)
        assert line["as_of"] == as_of
        issued: int = line["issued_this_month"]
        return issued

    assert [await this_month(date(2020, 10, d)) for d in (1, 5, 19, 20, 31)] == [0, 5, 5, 8, 8]
    assert await this_month(date(2020, 11, 1)) == 2 and await this_month(date(2020, 12, 1)) == 0


# -- the property ----------------------------------------------------------------------------


@dataclass
class Loan:
    key_id: str
    issued_on: date
    due_on: date
    ended_on: date | None


@dataclass
class RepairActs:
    reported_at: datetime
    done_at: datetime | None = None
    verified_at: datetime | None = None


Story = tuple[History, list[Loan], dict[str, RepairActs], list[tuple[datetime, int]]]
DAYS = st.integers(0, 20).map(lambda d: timedelta(days=d))
GAP = st.integers(1, 4 * 24 * 60).map(lambda m: timedelta(minutes=m))


@st.composite
def campus_history(draw: st.DrawFn, campus: str) -> Story:
    h = History(TenantPath(district_id="xinbei", school_id="xuexiao", campus_id=campus))
    loans: list[Loan] = []
    for n in range(draw(st.integers(1, 4))):
        key_id = f"k{n}-{campus}"
        day = START.date() + draw(DAYS)
        for _ in range(draw(st.integers(1, 3))):  # issued again once back (or lost)
            due = day + draw(DAYS)
            issue_key(h, key_id, campus, f"t{n}", day, due)
            loan = Loan(key_id, day, due, None)
            loans.append(loan)
            fate = draw(st.sampled_from(["out", "returned", "lost"]))
            if fate == "out":
                break
            day += draw(DAYS)
            (return_key if fate == "returned" else lose_key)(h, key_id, day)
            loan.ended_on = day
    repairs: dict[str, RepairActs] = {}
    for n in range(draw(st.integers(0, 3))):
        rid = f"r{n}-{campus}"
        t = START + draw(DAYS) + draw(GAP)
        acts = repairs[rid] = RepairActs(t)
        report_repair(h, rid, campus, t)
        for step in ("assign", "done", "verify"):
            if not draw(st.booleans()):
                break
            t += draw(GAP)
            if step == "assign":
                assign_repair(h, rid, t)
            elif step == "done":
                repair_done(h, rid, t)
                acts.done_at = t
            else:
                verify_repair(h, rid, t)
                acts.verified_at = t
    issues: list[tuple[datetime, int]] = []
    item = f"paper-{campus}"
    catalogue(h, item, START)
    t = START
    for _ in range(draw(st.integers(1, 5))):  # the first makes the campus's stock line
        t += draw(GAP) * 3
        quantity = draw(st.integers(1, 9))
        issue_stock(h, campus, item, quantity, t)
        issues.append((t, quantity))
    return h, loans, repairs, issues


def hours(delta: timedelta, places: str) -> float:
    """As SQL's ``round(numeric)``: half away from zero."""
    return float((Decimal(delta.total_seconds()) / 3600).quantize(Decimal(places), rounding=ROUND_HALF_UP))


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
@HISTORY_SETTINGS
@given(data=st.data(), order=picks())
async def test_every_figure_is_what_the_acts_say_whatever_the_order_of_recording(
    history_pool: asyncpg.Pool, data: st.DataObject, order: list[int]
) -> None:
    """Every day from the day before the first act to two days after the last, each figure
    equals the one computed here from the acts' times."""
    pool = history_pool
    campus, _ = await new_campus(pool)
    story: Story = data.draw(campus_history(campus))  # type: ignore[no-untyped-call]
    h, loans, repairs, issues = story
    await load(pool, h, order)
    acts = [local_day(env.occurred_at) for steps in h.streams.values() for env in steps]
    first_day, last_day = min(acts) - timedelta(days=1), max(acts) + timedelta(days=2)
    for as_of in (first_day + timedelta(days=d) for d in range((last_day - first_day).days + 1)):
        end = end_of_day(as_of)
        out = [loan for loan in loans if loan.issued_on <= as_of and (loan.ended_on is None or loan.ended_on > as_of)]
        rows = await items(outstanding_key_list(ADMIN, campus, None, as_of), pool)
        assert sorted((r["key_id"], r["issued_on"], r["due_on"]) for r in rows) == sorted(
            (loan.key_id, loan.issued_on, loan.due_on) for loan in out
        ), as_of
        rows = await items(overdue_key_list(ADMIN, as_of, campus, None), pool)
        assert sorted((r["key_id"], r["days_overdue"]) for r in rows) == sorted(
            (loan.key_id, (as_of - loan.due_on).days) for loan in out if loan.due_on < as_of
        ), as_of

        seen = {rid: acts for rid, acts in repairs.items() if acts.reported_at < end}
        rows = await items(repair_list(ADMIN, campus, None, None, None, None, as_of), pool)
        turnaround: dict[str, float | None] = {}
        for rid, r in seen.items():
            until = next((t for t in (r.verified_at, r.done_at) if t is not None and t < end), None)
            turnaround[rid] = None if until is None else hours(until - r.reported_at, "0.01")
        assert {r["repair_id"]: r["turnaround_hours"] for r in rows} == turnaround, as_of
        rows = await items(open_repair_list(ADMIN, campus, None, as_of), pool)
        assert {r["repair_id"]: (r["age_hours"], r["age_days"]) for r in rows} == {
            rid: (
                hours(end - r.reported_at, "0.1"),
                int((Decimal((end - r.reported_at).total_seconds()) / 86400).to_integral_value(ROUND_FLOOR)),
            )
            for rid, r in seen.items()
            if r.verified_at is None or r.verified_at >= end
        }, as_of

        (line,) = await items(stock_list(ADMIN, campus, False, as_of), pool)
        month = as_of.replace(day=1)
        assert line["issued_this_month"] == sum(q for t, q in issues if month <= local_day(t) <= as_of), as_of
