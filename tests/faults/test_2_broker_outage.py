"""The (fault tests' own) Kafka broker stops for 30 s under load, then starts again.

Commands only need PostgreSQL: they keep succeeding into the outbox while the broker
is away. When it is back, the relays and the consumers reconnect by themselves; the
outbox drains, every consumer's lag returns to zero, the projections catch up, the
inventory's reactions act once per hazard assignment and per accepted purchase, and the
staff appraisal's once per patrol finding naming a worker and per award with a bonus.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from services.hr_eval.service import HR_EVAL
from services.inventory.service import INVENTORY
from services.safety.service import SAFETY
from tests.conftest import eventually
from tests.faults.harness import Harness, Service
from tests.faults.ledger import Ledger, outbox_pending
from tests.faults.school import appraisal_work, hazard_life, new_id, purchase_life, start_school

OUTAGE_S = 30.0


@pytest.mark.slow
async def test_commands_go_on_while_the_broker_is_down_and_everything_catches_up(
    harness: Harness, ledger: Ledger
) -> None:
    school = await start_school(harness, ledger, SAFETY, INVENTORY, HR_EVAL)
    stop = asyncio.Event()
    during_outage: list[int] = []
    outage = asyncio.Event()

    async def hazards(n: int) -> None:
        i = 0
        while not stop.is_set():
            await hazard_life(school, new_id(f"h{n}-{i}"), reassign=i % 2 == 0)
            if outage.is_set():
                during_outage.append(i)
            i += 1
            await asyncio.sleep(0.2)

    async def purchases() -> None:
        i = 0
        while not stop.is_set():
            await purchase_life(school, new_id(f"p{i}"), [("broom", 1 + i % 3), ("gloves", 2)])
            i += 1
            await asyncio.sleep(0.2)

    load = [harness.background(hazards(n), f"hazards-{n}") for n in range(3)]
    load.append(harness.background(purchases(), "purchases"))
    load.append(harness.background(appraisal_work(school, stop, pause=0.2), "appraisals"))
    try:
        await eventually(lambda: asyncio.sleep(0, len(ledger) >= 40), timeout=60)
        await harness.infra.stop_kafka()
        outage.set()
        acked_at_stop, refused_at_stop = len(ledger), len(ledger.refused)
        started = time.monotonic()
        await asyncio.sleep(OUTAGE_S)
        assert not harness.infra.kafka_is_up()
        acked_in_outage = len(ledger) - acked_at_stop
        pending = {v.name: await outbox_pending(v.pool) for v in school.view_list("safety", "inventory", "hr_eval")}
        await harness.infra.start_kafka()
        outage.clear()
        down_for = time.monotonic() - started
        await asyncio.sleep(2.0)
    finally:
        stop.set()
    await asyncio.gather(*load)

    # while the broker was away every command was acknowledged (into the outbox), none refused
    assert acked_in_outage >= 30, acked_in_outage
    assert len(ledger.refused) == refused_at_stop == 0, ledger.refused
    assert set(school.answers) == {200}, school.answers
    assert pending["safety"] > 0 and pending["inventory"] > 0 and pending["hr_eval"] > 0, pending
    assert during_outage

    recovery = time.monotonic()
    await school.settled(timeout=120)
    runners = [r for run in school.running.values() if isinstance(run, Service) for r in run.runtime.runners]

    async def no_lag() -> bool:
        return all(r.last_lag == 0 and r.assigned.is_set() for r in runners)

    await eventually(no_lag, timeout=60)
    caught_up_in = time.monotonic() - recovery
    counts = await school.check()
    print(
        f"\nbroker down {down_for:.1f}s; {acked_in_outage} commands acknowledged meanwhile; "
        f"outbox at the end of the outage {pending}; caught up {caught_up_in:.1f}s after the load stopped; {counts}"
    )
