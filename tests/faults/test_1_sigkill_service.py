"""SIGKILL a service between its database commit and its Kafka publish.

The safety service (in a second run the staff appraisal, in a third the canteen) runs as a
real process (API, relay and consumers). While hazards, patrol findings naming workers,
appraisal months, awards and the canteen's violations, self-inspection hazards and samples
flow through the services, it is killed with SIGKILL at a moment when events are
committed but still in the outbox (not yet published); clients retry what was in flight
with the same Idempotency-Key; the process is started again. The events committed before
the kill reach Kafka after the restart, the inventory opens one repair per hazard assigned
in-house, the staff appraisal keeps one proposal per finding naming a worker and per
award's bonus and worker and per canteen violation, safety one hazard per hazard a canteen
self-inspection found, its published totals are the published events', and every
acknowledged command is in the store exactly once.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from services.canteen.service import CANTEEN
from services.eventkit.processes import ServiceProcess
from services.hr_eval.service import HR_EVAL
from services.inventory.service import INVENTORY
from services.safety.service import SAFETY
from tests.faults.harness import Harness
from tests.faults.ledger import Ledger, outbox_pending
from tests.faults.school import appraisal_work, canteen_work, hazard_life, new_id, start_school

WRITERS = 6
KILLS = 2


@pytest.mark.parametrize(("killed", "appraisers"), [("safety", 1), ("hr_eval", 3), ("canteen", 1)])
async def test_a_service_killed_between_commit_and_publish_loses_nothing(
    harness: Harness, ledger: Ledger, killed: str, appraisers: int
) -> None:
    school = await start_school(
        harness,
        ledger,
        SAFETY,
        INVENTORY,
        HR_EVAL,
        CANTEEN,
        processes=[killed],
        # small relay rounds: committed events wait in the outbox a little longer
        overrides={killed: {"relay_batch_size": 4}},
    )
    service = school.running[killed]
    assert isinstance(service, ServiceProcess)
    pool = school.views[killed].pool
    stop = asyncio.Event()
    hazards: list[str] = []

    async def writer(n: int) -> None:
        i = 0
        while not stop.is_set():
            hazard_id = new_id(f"w{n}-{i}")
            hazards.append(hazard_id)
            await hazard_life(school, hazard_id, reassign=i % 3 == 0)
            i += 1

    writers = [harness.background(writer(n), f"writer-{n}") for n in range(WRITERS)]
    # patrol findings naming workers (through Kafka from the safety service), months, awards
    writers += [harness.background(appraisal_work(school, stop), f"appraisals-{n}") for n in range(appraisers)]
    cooks = 3 if killed == "canteen" else 1
    writers += [
        harness.background(canteen_work(school, stop, first=n, step=cooks), f"canteen-{n}") for n in range(cooks)
    ]
    pending_at_kill: list[int] = []
    try:
        for kill in range(KILLS):
            await ledger.grown(killed, 30)
            # kill at a moment when committed events wait in the outbox, unpublished
            deadline = time.monotonic() + 60
            while True:
                assert time.monotonic() < deadline, "never saw committed events waiting in the outbox"
                if await outbox_pending(pool) > 0:
                    service.kill()
                    left = await outbox_pending(pool)  # nobody publishes now: exactly what was left behind
                    if left > 0:
                        pending_at_kill.append(left)
                        break
                    service.start()  # drained just before the kill: try again
                    await service.ready()
                await asyncio.sleep(0.003)
            assert not service.alive
            await asyncio.sleep(0.5 + kill)  # clients keep sending (and retrying) meanwhile
            assert await outbox_pending(pool) >= pending_at_kill[-1], "no relay runs while the service is dead"
            service.start()
            await service.ready()
        await asyncio.sleep(1.0)
    finally:
        stop.set()
    await asyncio.gather(*writers)

    assert school.answers[0] > 0, "some commands met the dead service and were retried"
    await school.settled()
    counts = await school.check()
    assert counts["repairs"] >= WRITERS
    assert counts["finding_proposals"] >= 2 and counts["award_proposals"] >= 2 and counts["published_appraisals"] >= 2
    assert counts["violation_proposals"] >= 1 and counts["canteen_hazards"] >= 1
    print(f"\nkills with events left in the outbox: {pending_at_kill}; answers: {dict(school.answers)}; {counts}")
