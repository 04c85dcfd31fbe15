"""The (fault tests' own) PostgreSQL server restarts under load.

While it is down every command fails fast with a 503 (retry later) and appends nothing;
retried with the same Idempotency-Key once it is back, each succeeds once. The services'
pools, relays and consumers recover by themselves: the outbox drains, projections catch
up, reactions act once (the staff appraisal's months, opened and published in one
transaction each, among the commands).
"""

from __future__ import annotations

import asyncio
import time

import asyncpg

from services.hr_eval.service import HR_EVAL
from services.inventory.service import INVENTORY
from services.safety.service import SAFETY
from tests.conftest import eventually
from tests.faults.harness import Harness, Service
from tests.faults.ledger import Ledger
from tests.faults.school import appraisal_work, hazard_life, new_id, purchase_life, report_hazard, start_school

DOWN_S = 5.0
FAST_S = 2.0  # a refused command answers within this while the database is down


async def test_commands_fail_fast_with_503_while_the_database_is_down_and_succeed_on_retry(
    harness: Harness, ledger: Ledger
) -> None:
    school = await start_school(harness, ledger, SAFETY, INVENTORY, HR_EVAL)
    stop = asyncio.Event()

    async def hazards(n: int) -> None:
        i = 0
        while not stop.is_set():
            # a 500 (a command in flight when the server went down: see the test below) is retried too
            await hazard_life(school, new_id(f"h{n}-{i}"), reassign=i % 2 == 0)
            i += 1
            await asyncio.sleep(0.1)

    async def purchases() -> None:
        i = 0
        while not stop.is_set():
            await purchase_life(school, new_id(f"p{i}"), [("pen", 1 + i % 4)])
            i += 1
            await asyncio.sleep(0.1)

    school.retry = (500, 503)
    load = [harness.background(hazards(n), f"hazards-{n}") for n in range(3)]
    load.append(harness.background(purchases(), "purchases"))
    load.append(harness.background(appraisal_work(school, stop, pause=0.1), "appraisals"))
    try:
        await eventually(lambda: asyncio.sleep(0, len(ledger) >= 40), timeout=60)
        await harness.infra.stop_postgres()
        down_at = time.monotonic()
        acked_at_stop = len(ledger)
        await asyncio.sleep(DOWN_S)
        up_at = time.monotonic()
        acked_while_down = len(ledger) - acked_at_stop
        await harness.infra.start_postgres()
        back_at = time.monotonic()
        acked_at_start = len(ledger)
        await eventually(lambda: asyncio.sleep(0, len(ledger) >= acked_at_start + 20), timeout=60)
    finally:
        stop.set()
    await asyncio.gather(*load)

    while_down = [(took, status, path) for sent, took, status, path in school.trace if down_at < sent < up_at - FAST_S]
    assert while_down, "commands were sent while the database was down"
    assert {status for _, status, _ in while_down} == {503}, sorted({s for _, s, _ in while_down})
    slowest = max(took for took, _, _ in while_down)
    assert slowest < FAST_S, f"a refused command took {slowest:.1f}s"
    assert acked_while_down == 0
    assert set(school.answers) <= {200, 500, 503}, school.answers
    # the only 500s are the known bug pinned by the last test of this module
    assert all("InternalClientError" in error for _, error in harness.app_errors), harness.app_errors

    for run in school.running.values():
        assert isinstance(run, Service)
        ready = await run.client.get("/readyz")
        assert ready.status_code == 200, ready.text
    await school.settled(timeout=120)
    counts = await school.check()
    recovered_in = min(sent for sent, _, status, _ in school.trace if status == 200 and sent > back_at) - back_at
    print(
        f"\n{len(while_down)} commands refused while down (slowest {slowest * 1000:.0f} ms); first success "
        f"{recovered_in:.2f}s after the restart; answers {dict(school.answers)}; 500s {harness.app_errors}; {counts}"
    )


async def test_a_command_in_flight_when_the_database_goes_down_answers_503(harness: Harness, ledger: Ledger) -> None:
    school = await start_school(harness, ledger, SAFETY)
    pool = school.views["safety"].pool
    await report_hazard(school, "manhole-in-flight")
    blocker = await asyncpg.connect(school.views["safety"].settings.dsn)
    tx = blocker.transaction()
    await tx.start()
    # the command waits for this lock, inside the database, when the server goes down
    await blocker.execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
    command = asyncio.ensure_future(
        school.send("safety", "/hazards/manhole-in-flight/assign", {"assignee_id": "wang-tech"}, retry=())
    )

    async def waiting() -> bool:
        return bool(
            await blocker.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )

    await eventually(waiting, timeout=10)
    # A crash, not a fast shutdown: a fast one can end the blocker's session first, its lock passes
    # to the command, and the command commits before its own signal arrives (a CI run answered 200
    # and had appended: true, but not the case this test is about).
    await harness.infra.stop_postgres(mode="immediate")
    response = await asyncio.wait_for(command, 10)
    await harness.infra.start_postgres()
    blocker.terminate()
    assert response.status_code == 503, response.text
    assert response.headers.get("retry-after") == "1"
    assert await pool.fetchval("SELECT count(*) FROM events WHERE stream_id = 'hazard-manhole-in-flight'") == 1
    # sent again with its key once the database is back: applied once
    again = await school.send("safety", "/hazards/manhole-in-flight/assign", {"assignee_id": "wang-tech"})
    assert again.status_code == 200, again.text
    assert await pool.fetchval("SELECT count(*) FROM events WHERE stream_id = 'hazard-manhole-in-flight'") == 2


async def test_a_command_on_a_connection_the_server_is_closing_answers_503(harness: Harness, ledger: Ledger) -> None:
    """The window between a server's goodbye and its FIN, held open by a proxy: the load test above
    hits it now and then (a 500 among the 503s); here it is hit every time."""
    proxy = await harness.proxy(hold_s=3.0)
    dsn = proxy.dsn(await harness.database("safety"))
    school = await start_school(harness, ledger, SAFETY, overrides={"safety": {"database_url": dsn}})
    await report_hazard(school, "manhole-closing")
    await harness.infra.stop_postgres()
    await asyncio.sleep(0.5)  # every idle pooled connection has had the server's last word, not its FIN
    answers = [
        await school.send("safety", "/hazards/manhole-closing/assign", {"assignee_id": "wang-tech"}, retry=())
        for _ in range(3)
    ]
    await harness.infra.start_postgres()
    assert [a.status_code for a in answers] == [503, 503, 503], [a.text for a in answers]
