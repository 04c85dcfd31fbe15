"""Projections rebuilt again and again while commands go on and readers read.

Each of the safety service's projections is rebuilt in a loop (replay into a shadow
schema, catch up with what committed meanwhile, swap) while hazards move through their
lives and a reader keeps listing them. The reader is never refused; nothing is missed
or doubled: once the writers stop and the consumer caught up, every projection equals
a clean rebuild, and the hazards table agrees with the store hazard by hazard.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from services.eventkit.projection import rebuild
from services.eventkit.store import EventStore
from services.safety.projections.inspection_status import INSPECTION_STATUS
from services.safety.service import SAFETY
from tests.faults.harness import Harness
from tests.faults.ledger import Ledger
from tests.faults.school import hazard_life, new_id, start_school

WRITERS = 4


async def test_rebuilds_while_writes_go_on_miss_nothing_and_double_nothing(harness: Harness, ledger: Ledger) -> None:
    school = await start_school(harness, ledger, SAFETY)
    view = school.views["safety"]
    store = EventStore(view.pool)
    stop = asyncio.Event()
    reads: Counter[int] = Counter()

    async def writer(n: int) -> None:
        i = 0
        while not stop.is_set():
            await hazard_life(school, new_id(f"h{n}-{i}"), reassign=i % 2 == 0, close=i % 3 != 2)
            i += 1

    async def reader() -> None:
        while not stop.is_set():
            listed = await school.client("safety").get(
                "/hazards", params={"limit": 50}, headers=school.tokens["manager-main"]
            )
            reads[listed.status_code] += 1
            await asyncio.sleep(0.01)

    tasks = [harness.background(writer(n), f"writer-{n}") for n in range(WRITERS)]
    tasks.append(harness.background(reader(), "reader"))
    reports = []
    try:
        await ledger.grown("safety", 20)
        for _ in range(3):
            for projection in SAFETY.projections:
                reports.append(await rebuild(view.pool, store, projection, batch_size=50))
    finally:
        stop.set()
    await asyncio.gather(*tasks)

    assert set(reads) == {200}, reads
    assert any(r.caught_up for r in reports), "some rebuild caught up with events committed during its replay"
    await school.settled()
    # hazard by hazard, the live table agrees with the store's last word on each
    last = {
        r["hazard_id"]: r["type"]
        for r in await view.pool.fetch(
            "SELECT DISTINCT ON (stream_id) data->>'hazard_id' AS hazard_id, type FROM events "
            "WHERE stream_id LIKE 'hazard-%' ORDER BY stream_id, version DESC"
        )
    }
    status = {
        r["hazard_id"]: r["status"]
        for r in await view.pool.fetch(f"SELECT hazard_id, status FROM {INSPECTION_STATUS.schema}.hazards")
    }
    expected = {"safety.HazardAssignedInHouse": "assigned", "safety.HazardClosed": "closed"}
    assert status == {h: expected[t] for h, t in last.items()}
    counts = await school.check()
    print(
        f"\n{len(reports)} rebuilds during the writes, caught up {[r.caught_up for r in reports]}; "
        f"reads {dict(reads)}; {counts}"
    )
