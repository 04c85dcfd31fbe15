"""Property tests of the damage compensation decider: a charge is paid or waived once.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from services.inventory import compensation as cp
from services.inventory.events import (
    INVENTORY_EVENTS,
    ChargeAgainst,
    CompensationCharged,
    CompensationPaid,
    CompensationWaived,
)
from tests.properties import (
    DAYS_OR_TODAY,
    QUIET,
    DeciderMachine,
    days,
    machine,
    machine_ids,
    refused_only_when,
    run_machine,
    school_day,
    step,
)

pytestmark = QUIET


BROOM_FEN = 1500
PROJECTOR_FEN = 350000
CHARGE_ID = "c-2020-10-g6-1-brooms"
CHARGE_PARTIES = {"against": st.sampled_from(list(ChargeAgainst)), "against_id": st.sampled_from(["g6-1", "lin"])}
CHARGES = st.one_of(
    st.builds(  # an item of the catalogue: quantity x unit price
        cp.ChargeCompensation,
        charge_id=st.just(CHARGE_ID),
        campus_id=st.just("main"),
        item_id=st.just("broom"),
        quantity=st.integers(1, 5),
        reason=st.just("课间打闹折断笤帚"),
        **CHARGE_PARTIES,
    ).map(lambda c: (c, {"amount_fen": str(c.quantity * BROOM_FEN)})),
    st.builds(  # a registered asset: at its value
        cp.ChargeCompensation,
        charge_id=st.just(CHARGE_ID),
        campus_id=st.just("main"),
        asset_id=st.just("main-301-projector"),
        reason=st.just("投影仪镜头被篮球砸坏"),
        **CHARGE_PARTIES,
    ).map(lambda c: (c, {"amount_fen": str(PROJECTOR_FEN)})),
    step(  # raised with a person-caused damage to an asset
        st.builds(
            cp.ChargeForDamage,
            campus_id=st.just("main"),
            asset_id=st.just("main-301-projector"),
            amount_fen=st.integers(0, PROJECTOR_FEN),
            reason=st.just("新课桌桌面划痕"),
            **CHARGE_PARTIES,
        )
    ),
)


def paid_or_waived_once(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    cmd = rc.command
    if isinstance(event, CompensationCharged):
        assert before.status is None, "a charge raised twice"
        if isinstance(cmd, cp.ChargeCompensation):
            assert event.amount_fen == int(rc.facts["amount_fen"]) and event.quantity == cmd.quantity
            assert (event.item_id, event.asset_id) == (cmd.item_id, cmd.asset_id)
        else:
            assert (event.amount_fen, event.quantity, event.item_id) == (cmd.amount_fen, 1, None)
        assert (event.charge_id, event.charged_by, event.charged_at) == (rc.entity_id, rc.actor, rc.at)
        assert after.status is cp.ChargeStatus.CHARGED and after.amount_fen == event.amount_fen
        return
    assert before.status is cp.ChargeStatus.CHARGED, "paid or waived twice, or both"
    assert rc.on >= school_day(before.charged_at), "paid or waived before the day it was charged"
    assert after.amount_fen == before.amount_fen
    if isinstance(event, CompensationPaid):
        assert after.status is cp.ChargeStatus.PAID and event.recorded_by == rc.actor
    else:
        assert isinstance(event, CompensationWaived) and after.status is cp.ChargeStatus.WAIVED
        assert event.waived_by == rc.actor and event.waived_on == (cmd.on or school_day(rc.at))


COMPENSATION = machine(
    "CompensationMachine",
    cp.Compensation,
    INVENTORY_EVENTS,
    CHARGE_ID,
    st.one_of(
        CHARGES,
        step(st.builds(cp.PayCompensation, on=days(), receipt_ref=st.just("收据 No. 0012"))),
        step(st.builds(cp.WaiveCompensation, reason=st.just("家庭困难"), on=DAYS_OR_TODAY)),
    ),
    ["zhou", "xinbei-admin"],
    check=paid_or_waived_once,
    create=CHARGES,
    on_refusal=refused_only_when(
        lambda rc, state: (
            state.status is None
            if isinstance(rc.command, cp.ChargeCompensation | cp.ChargeForDamage)
            else state.status is cp.ChargeStatus.CHARGED and rc.on >= school_day(state.charged_at)
        )
    ),
)


MACHINES = [COMPENSATION]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
