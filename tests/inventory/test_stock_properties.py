"""Property tests of the stock deciders: stock never below zero, quota use within its allowance, the
catalogue changed only when different, a requisition fulfilled once as listed.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent, TenantPath
from services.eventkit.errors import InvalidInput, Rejected
from services.inventory import stock as sk
from services.inventory.events import (
    INVENTORY_EVENTS,
    RecipientKind,
    RequisitionFulfilled,
    ReturnedCondition,
    ReturnedOutcome,
)
from tests.properties import (
    QUANTITIES,
    QUIET,
    REASONS,
    DeciderMachine,
    machine,
    machine_ids,
    refused_only_when,
    run_machine,
    step,
    times,
)

pytestmark = QUIET


def never_below_zero(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    assert after.on_hand >= 0
    assert after.on_hand == sum(delta for _, delta in after.moves), "the book is its movements"
    cmd = rc.command
    if isinstance(cmd, sk.AdjustToCount) and cmd.counted_at is not None:
        # the count is compared with the book at its moment: what moved since stays
        assert after.on_hand == before.on_hand + cmd.counted - before.book_at(cmd.counted_at)
        assert after.book_at(cmd.counted_at) == cmd.counted


STOCK_CREATE = step(
    st.builds(sk.ReceiveStock, campus_id=st.just("main"), item_id=st.just("broom"), quantity=QUANTITIES, reason=REASONS)
)
STOCK = machine(
    "StockMachine",
    sk.Stock,
    INVENTORY_EVENTS,
    "main-broom",
    st.one_of(
        STOCK_CREATE,
        step(
            st.builds(
                sk.ReceiveFromPurchase,
                campus_id=st.just("main"),
                item_id=st.just("broom"),
                quantity=QUANTITIES,
                purchase_id=st.just("p-1"),
            )
        ),
        step(
            st.builds(
                sk.IssueFromStock,
                campus_id=st.just("main"),
                item_id=st.just("broom"),
                quantity=QUANTITIES,
                recipient_kind=st.just(RecipientKind.PERSON),
                recipient_id=st.just("huang"),
                department_id=st.just("office"),
                term_id=st.just("2020-2021-1"),
                requisition_id=st.just("req-1"),
                exchange=st.booleans(),
                override_id=st.none(),
                line=st.just(0),
            )
        ),
        step(
            st.builds(
                sk.AdjustToCount,
                campus_id=st.just("main"),
                item_id=st.just("broom"),
                counted=st.integers(0, 40),
                stocktake_id=st.just("st-1"),
                counted_by=st.just("zhou"),
                counted_at=st.none() | times(),
            )
        ),
    ),
    ["zhou", "houqin-inventory"],
    check=never_below_zero,
    create=STOCK_CREATE,
)


OVERRIDES = st.sampled_from(["extra-1", "extra-2"])
QUOTA_FACTS = {"department_id": "office", "item_id": "pen", "term_id": "2020-2021-1"}


def used_within_allowance(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    if isinstance(rc.command, sk.ConsumeQuota) and events:
        assert after.used <= after.allowance
        beyond = after.used > (after.quota or 0)
        assert events[0].override_id == (rc.command.override_id if beyond else None)  # type: ignore[attr-defined]


QUOTA_CREATE = step(
    st.builds(
        sk.SetQuota,
        campus_id=st.just("main"),
        department_id=st.just("office"),
        item_id=st.just("pen"),
        term_id=st.just("2020-2021-1"),
        quantity=st.integers(0, 50),
    )
)
QUOTA = machine(
    "QuotaMachine",
    sk.Quota,
    INVENTORY_EVENTS,
    "main-office-pen-2020-2021-1",
    st.one_of(
        QUOTA_CREATE,
        step(
            st.builds(
                sk.ApproveQuotaOverride,
                campus_id=st.just("main"),
                department_id=st.just("office"),
                item_id=st.just("pen"),
                term_id=st.just("2020-2021-1"),
                override_id=OVERRIDES,
                extra=st.integers(1, 20),
                reason=REASONS,
            )
        ),
        step(
            st.builds(
                sk.ConsumeQuota,
                quantity=st.integers(1, 20),
                requisition_id=st.just("req-1"),
                override_id=st.none() | OVERRIDES,
                line=st.just(0),
            ),
            QUOTA_FACTS,
        ),
    ),
    ["zhou"],
    check=used_within_allowance,
    create=QUOTA_CREATE,
)


PRICES = st.sampled_from([0, 1500, 1800])
REORDER_POINTS = st.sampled_from([0, 10, 20])


def changed_only_when_different(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    cmd = rc.command
    if isinstance(cmd, sk.CatalogueItem):
        assert not before.exists, "an item catalogued twice"
        assert after == sk.ItemState(True, cmd.consumable, cmd.unit_price_fen, cmd.reorder_point)
        return
    assert before.exists and after.consumable == before.consumable
    if isinstance(cmd, sk.RepriceItem):
        assert (events == []) == (before.unit_price_fen == cmd.unit_price_fen)
        assert (after.unit_price_fen, after.reorder_point) == (cmd.unit_price_fen, before.reorder_point)
    else:
        assert (events == []) == (before.reorder_point == cmd.reorder_point)
        assert (after.unit_price_fen, after.reorder_point) == (before.unit_price_fen, cmd.reorder_point)


ITEM_CREATE = step(
    st.builds(
        sk.CatalogueItem,
        item_id=st.just("broom"),
        school_id=st.just("xuexiao"),
        name=st.just("笤帚"),
        unit=st.just("把"),
        category=st.just("卫生洁具"),
        consumable=st.booleans(),
        unit_price_fen=PRICES,
        reorder_point=REORDER_POINTS,
    )
)
ITEM = machine(
    "ItemMachine",
    sk.Item,
    INVENTORY_EVENTS,
    "broom",
    st.one_of(
        ITEM_CREATE,
        step(st.builds(sk.RepriceItem, unit_price_fen=PRICES)),
        step(st.builds(sk.ChangeReorderPoint, reorder_point=REORDER_POINTS)),
    ),
    ["zhou"],
    tenant=TenantPath(district_id="xinbei", school_id="xuexiao"),
    check=changed_only_when_different,
    create=ITEM_CREATE,
    on_refusal=refused_only_when(lambda rc, state: state.exists != isinstance(rc.command, sk.CatalogueItem)),
)


def fulfilled_once_as_listed(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    cmd = rc.command
    assert isinstance(event, RequisitionFulfilled)
    assert not before.fulfilled and after.fulfilled, "a requisition fulfilled twice"
    assert [(li.item_id, li.quantity, li.exchange) for li in event.lines] == [
        (li.item_id, li.quantity, li.exchange) for li in cmd.lines
    ]
    # old for new says what was handed back, and only old for new
    assert all(li.exchange == (li.returned is not None) for li in cmd.lines), "an exchange on trust"
    assert [li.returned for li in event.lines] == [sk.returned_item(li) for li in cmd.lines]
    assert event.term_id == rc.facts["term_id"]
    assert (event.issued_by, event.issued_at, event.requisition_id) == (rc.actor, rc.at, rc.entity_id)


def exchanges_say_what_came_back(cmd: sk.IssueRequisition) -> bool:
    return all(li.exchange == (li.returned is not None) for li in cmd.lines)


RETURNED = sk.ReturnedItemRequest(
    description="笤帚 (断柄)", condition=ReturnedCondition.BROKEN, outcome=ReturnedOutcome.DISPOSED, item_id="broom"
)
REQUISITION = machine(
    "RequisitionMachine",
    sk.Requisition,
    INVENTORY_EVENTS,
    "req-2020-10-12-001",
    st.builds(
        lambda cmd, this_term: (cmd, {"term_id": cmd.term_id or this_term}),  # the handler: default, today's term
        st.builds(
            sk.IssueRequisition,
            requisition_id=st.just("req-2020-10-12-001"),
            campus_id=st.just("main"),
            department_id=st.just("office-teachers"),
            recipient_kind=st.sampled_from(list(RecipientKind)),
            recipient_id=st.sampled_from(["huang", "office-teachers"]),
            term_id=st.none() | st.just("2020-2021-2"),
            lines=st.lists(
                st.builds(
                    sk.RequisitionLineRequest,
                    item_id=st.sampled_from(["pen", "broom"]),
                    quantity=st.integers(1, 5),
                    exchange=st.booleans(),
                    returned=st.none() | st.just(RETURNED),
                ),
                min_size=1,
                max_size=3,
            ),
        ),
        st.sampled_from(["2020-2021-1", "2020-2021-2"]),
    ),
    ["zhou"],
    check=fulfilled_once_as_listed,
    refusals=(Rejected, InvalidInput),  # an exchange without what was handed back: refused for its input
    on_refusal=refused_only_when(lambda rc, state: not state.fulfilled and exchanges_say_what_came_back(rc.command)),
)


MACHINES = [STOCK, QUOTA, ITEM, REQUISITION]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
