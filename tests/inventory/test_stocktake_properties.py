"""Property tests of the stock-take decider: closed with its counts as the book, one open stock-take a
campus.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from services.inventory import stocktake as stt
from services.inventory.events import INVENTORY_EVENTS, StockCounted, StockTakeClosed, StockTakePeriod, StockTakeStarted
from tests.properties import QUIET, DeciderMachine, days, machine, machine_ids, refused_only_when, run_machine, step

pytestmark = QUIET


BOOK = {"broom": 2, "gloves": 0, "pen": 3}  # what the stock streams have on hand


def variances(m: DeciderMachine, command: Any) -> dict[str, str]:
    """What the count route looks up (the book at the count) and what the close route counts: the
    adjustments of the stock streams, one per count off the book."""
    if isinstance(command, stt.RecordCount):
        return {"book": str(BOOK[command.item_id])}
    if not isinstance(command, stt.CloseStockTake):
        return {}
    state = m.stored_state()
    if state.status is not stt.StockTakeStatus.OPEN:
        return {"variances": "0"}  # no adjustment: the stock-take refuses
    return {"variances": str(sum(c.counted != BOOK[c.item_id] for c in state.counts))}


def closed_with_its_counts(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    cmd = rc.command
    assert before.status is not stt.StockTakeStatus.CLOSED, "a closed stock-take changed"
    counted = [c.item_id for c in after.counts]
    assert len(set(counted)) == len(counted), "an item with two counts"
    assert counted[: len(before.counts)] == [c.item_id for c in before.counts]
    if isinstance(cmd, stt.RecordCount):
        book = int(rc.facts["book"]) if rc.facts.get("book") else None
        latest = stt.Count(cmd.item_id, cmd.counted, rc.actor, rc.at, book)
        earlier = before.count_of(cmd.item_id)
        same = earlier is not None and (earlier.counted, earlier.counted_by, earlier.book) == (
            cmd.counted,
            rc.actor,
            book,
        )
        assert (events == []) == same, "a recount replaces the count"
        assert after.count_of(cmd.item_id) == (earlier if same else latest)
        assert all(isinstance(e, StockCounted) and e.book == book and e.counted_at == rc.at for e in events)
        assert [c for c in after.counts if c.item_id != cmd.item_id] == [
            c for c in before.counts if c.item_id != cmd.item_id
        ]
        assert all(isinstance(e, StockCounted) and e.counted_by == rc.actor for e in events)
        return
    (event,) = events
    if isinstance(event, StockTakeStarted):
        assert before.status is None and not rc.facts.get("open_stocktake"), "two open stock-takes on a campus"
        assert event.started_by == rc.actor
        return
    assert isinstance(event, StockTakeClosed) and before.counts, "closed without a count"
    assert event.items == len(before.counts)
    assert event.variances == len([c for c in before.counts if c.counted != BOOK[c.item_id]])
    assert after.counts == before.counts
    # closing makes every count the book of its item
    booked = {a.item_id: (a.counted, a.counted_by, a.counted_at) for a in stt.adjustments(after, rc.entity_id)}
    assert booked == {c.item_id: (c.counted, c.counted_by, c.counted_at) for c in before.counts}
    assert all(
        (a.campus_id, a.stocktake_id) == (after.campus_id, rc.entity_id) for a in stt.adjustments(after, rc.entity_id)
    )


def stocktake_allowed(rc: Resolved[Any], state: Any) -> bool:
    if isinstance(rc.command, stt.StartStockTake):
        return state.status is None and not rc.facts.get("open_stocktake")
    if state.status is not stt.StockTakeStatus.OPEN or rc.on < state.started_on:
        return False
    return isinstance(rc.command, stt.RecordCount) or bool(state.counts)


STOCKTAKE_CREATE = st.builds(
    lambda cmd, open_one: (cmd, {"open_stocktake": open_one}),
    st.builds(
        stt.StartStockTake,
        stocktake_id=st.just("st-main-2020-10"),
        campus_id=st.just("main"),
        period=st.sampled_from(list(StockTakePeriod)),
        on=days(),
    ),
    st.sampled_from(["", "", "st-main-2020-09"]),  # the handler: the campus's open stock-take, if any
)
STOCKTAKE = machine(
    "StockTakeMachine",
    stt.StockTake,
    INVENTORY_EVENTS,
    "st-main-2020-10",
    st.one_of(
        STOCKTAKE_CREATE,
        step(st.builds(stt.RecordCount, item_id=st.sampled_from(sorted(BOOK)), counted=st.integers(0, 3))),
        step(st.builds(stt.CloseStockTake, on=days())),
    ),
    ["zhou", "gu", "wang-tech"],
    check=closed_with_its_counts,
    create=STOCKTAKE_CREATE,
    resolve=variances,
    on_refusal=refused_only_when(stocktake_allowed),
)


MACHINES = [STOCKTAKE]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
