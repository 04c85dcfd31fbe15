"""Property tests of the procurement decider: a purchase is accepted only with enough distinct signers
other than the requester, a settled one changes no more, and no step is dated before the one it follows.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import strategies as st

from services.eventkit.days import local_day
from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from services.inventory import procurement as pc
from services.inventory.events import (
    INVENTORY_EVENTS,
    AcceptanceSigned,
    PurchaseApproved,
    PurchaseCategory,
    PurchaseMade,
    PurchaseRejected,
    PurchaseSettled,
)
from tests.properties import QUANTITIES, QUIET, REASONS, DeciderMachine, machine, machine_ids, run_machine, step

pytestmark = QUIET


LINE_ITEMS = st.sampled_from(["broom", "gloves", "projector", None])
# days near the machine's clock (which starts on 1 September 2020 and moves up to 3 days a command),
# so that a purchase is often bought after its approval and settled after its acceptance
NEAR_DAYS = st.integers(0, 30).map(lambda d: date(2020, 9, 1) + timedelta(days=d))


def accepted_by_enough_others(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    assert after.requested_by not in after.signers
    assert len(set(after.signers)) == len(after.signers)
    if after.status is pc.PurchaseStatus.ACCEPTED and before.status is not pc.PurchaseStatus.ACCEPTED:
        assert len(after.signers) >= pc.signatures_needed(after.category, 2)
        accepted = events[-1]
        into = [(line.item_id, line.quantity) for line in accepted.into_stock]  # type: ignore[attr-defined]
        consumables = {"broom", "gloves"}
        assert into == [
            (after.lines[b.line].item_id, b.quantity)
            for b in after.bought
            if after.lines[b.line].item_id in consumables
        ]
    if before.status is pc.PurchaseStatus.SETTLED:
        raise AssertionError("a settled purchase changed")
    # no step is dated before the one it follows
    for event in events:
        if isinstance(event, PurchaseApproved | PurchaseRejected):
            assert before.requested_at is not None and rc.at >= before.requested_at, "decided before it was asked"
        if isinstance(event, PurchaseMade):
            assert before.approved_at is not None and event.bought_on >= local_day(before.approved_at)
        if isinstance(event, AcceptanceSigned):
            assert before.bought_on is not None and local_day(event.signed_at) >= before.bought_on
        if isinstance(event, PurchaseSettled):
            assert before.accepted_at is not None and event.settled_on >= local_day(before.accepted_at)


PURCHASE_CREATE = step(
    st.builds(
        pc.RequestPurchase,
        purchase_id=st.just("p-2020-10"),
        campus_id=st.just("main"),
        category=st.sampled_from(list(PurchaseCategory)),
        lines=st.lists(
            st.builds(
                pc.PurchaseLineRequest,
                description=st.just("笤帚"),
                quantity=QUANTITIES,
                estimated_unit_price_fen=st.integers(0, 5000),
                item_id=LINE_ITEMS,
            ),
            min_size=1,
            max_size=3,
        ),
        reason=st.just("期初保洁用品补充"),
    )
)
PURCHASE = machine(
    "PurchaseMachine",
    pc.Purchase,
    INVENTORY_EVENTS,
    "p-2020-10",
    st.one_of(
        PURCHASE_CREATE,
        step(st.builds(pc.ApprovePurchase)),
        step(st.builds(pc.RejectPurchase, reason=REASONS)),
        step(
            st.builds(
                pc.RecordPurchase,
                supplier=st.just("某某商贸"),
                bought=st.lists(
                    st.builds(
                        pc.BoughtLineRequest,
                        line=st.integers(0, 3),
                        quantity=QUANTITIES,
                        unit_price_fen=st.integers(0, 5000),
                    ),
                    min_size=1,
                    max_size=3,
                ),
                on=NEAR_DAYS,
            )
        ),
        step(
            st.builds(pc.SignAcceptance),
            {"as_role": "acceptance_member", "quorum": "2", "consumables": "broom,gloves"},
        ),
        step(
            st.builds(
                pc.SettlePurchase,
                invoice_ref=st.just("发票 No. 1"),
                amount_fen=st.integers(0, 10**6),
                on=NEAR_DAYS,
            )
        ),
    ),
    ["zhou", "xu-vp", "team-a", "team-b"],
    check=accepted_by_enough_others,
    create=PURCHASE_CREATE,
)


MACHINES = [PURCHASE]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
