"""The soak: a school's commands for minutes or hours, through every fault in turn.

Not part of the default run: ``./houqin soak [MINUTES]`` runs it (``HOUQIN_SOAK_MINUTES``;
without it the test is skipped). The safety, inventory and staff appraisal services run as
real processes. Three hazard writers, a purchase writer and an appraiser (patrol findings
naming workers, months opened and published, awards with a bonus) send commands the whole
time (with a pause of ``HOUQIN_SOAK_PACE_S``, default 0.05 s, after each hazard's or
purchase's life or appraiser's round), each retried with its Idempotency-Key on a lost
connection, a 503 or a 500. Every ``HOUQIN_SOAK_FAULT_EVERY_S``
seconds (default 20) the next fault of the cycle strikes:

1. SIGKILL the safety service (API, relay, consumers), start it again;
2. stop the Kafka broker for 10 s;
3. restart PostgreSQL (3 s down);
4. SIGKILL the inventory service, start it again;
5. SIGKILL the staff appraisal service, start it again.

At the end the ledger's checks run, as in every fault test: every acknowledged command's
events are in the store, the outbox is drained and published, every projection equals a
clean rebuild, and every reaction acted once (one repair per hazard assigned in-house, the
goods of each accepted purchase line received once, one proposal per finding naming a
worker and per award's bonus and worker).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from collections.abc import Awaitable, Callable

import pytest

from services.eventkit.processes import ServiceProcess
from services.hr_eval.service import HR_EVAL
from services.inventory.service import INVENTORY
from services.safety.service import SAFETY
from tests.faults.harness import Harness
from tests.faults.ledger import Ledger
from tests.faults.school import School, appraisal_work, hazard_life, new_id, purchase_life, start_school

MINUTES = os.environ.get("HOUQIN_SOAK_MINUTES")
FAULT_EVERY_S = float(os.environ.get("HOUQIN_SOAK_FAULT_EVERY_S", "20"))
# A pause after each hazard's or purchase's life: a school's steady load, not the most the
# machine takes. Unpaced, 3 hazard writers outran the inventory's repairs-from-hazards reaction
# under a fault every 20 s: after 10 minutes it had applied 17,822 of 52,030 assignments, and
# had not caught up 3 minutes after the load stopped.
PACE_S = float(os.environ.get("HOUQIN_SOAK_PACE_S", "0.05"))

pytestmark = pytest.mark.skipif(not MINUTES, reason="the soak runs when asked: ./houqin soak [MINUTES]")


def say(text: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {text}", flush=True)


async def kill_and_restart(school: School, name: str) -> None:
    run = school.running[name]
    assert isinstance(run, ServiceProcess)
    run.kill()
    await asyncio.sleep(1.0)  # clients meet a dead service meanwhile
    run.start()
    await run.ready()


def fault_cycle(harness: Harness, school: School) -> list[tuple[str, Callable[[], Awaitable[None]]]]:
    async def broker_outage() -> None:
        await harness.infra.stop_kafka()
        await asyncio.sleep(10.0)
        await harness.infra.start_kafka()

    async def database_restart() -> None:
        await harness.infra.stop_postgres()
        await asyncio.sleep(3.0)
        await harness.infra.start_postgres()

    return [
        ("SIGKILL safety", lambda: kill_and_restart(school, "safety")),
        ("Kafka broker down 10 s", broker_outage),
        ("PostgreSQL down 3 s", database_restart),
        ("SIGKILL inventory", lambda: kill_and_restart(school, "inventory")),
        ("SIGKILL hr_eval", lambda: kill_and_restart(school, "hr_eval")),
    ]


async def test_a_long_run_through_every_fault_loses_nothing_and_doubles_nothing(
    harness: Harness, ledger: Ledger
) -> None:
    assert MINUTES is not None
    duration_s = float(MINUTES) * 60
    school = await start_school(
        harness, ledger, SAFETY, INVENTORY, HR_EVAL, processes=["safety", "inventory", "hr_eval"]
    )
    school.retry = (500, 503)
    stop = asyncio.Event()
    lives: Counter[str] = Counter()

    async def hazards(n: int) -> None:
        i = 0
        while not stop.is_set():
            await hazard_life(school, new_id(f"s{n}-{i}"), reassign=i % 2 == 0)
            lives["hazards"] += 1
            i += 1
            await asyncio.sleep(PACE_S)

    async def purchases() -> None:
        i = 0
        while not stop.is_set():
            await purchase_life(school, new_id(f"sp{i}"), [("broom", 1 + i % 3), ("gloves", 2)])
            lives["purchases"] += 1
            i += 1
            await asyncio.sleep(PACE_S)

    load = [harness.background(hazards(n), f"hazards-{n}") for n in range(3)]
    load.append(harness.background(purchases(), "purchases"))
    load.append(harness.background(appraisal_work(school, stop, pause=PACE_S), "appraisals"))
    faults = fault_cycle(harness, school)
    struck: Counter[str] = Counter()
    started = time.monotonic()
    say(f"{MINUTES} min, a fault every {FAULT_EVERY_S:.0f} s")
    try:
        n = 0
        while time.monotonic() - started < duration_s:
            await asyncio.sleep(min(FAULT_EVERY_S, max(0.0, duration_s - (time.monotonic() - started))))
            if time.monotonic() - started >= duration_s:
                break
            name, strike = faults[n % len(faults)]
            say(f"{name} ({len(ledger)} commands acknowledged so far)")
            await strike()
            struck[name] += 1
            n += 1
    finally:
        stop.set()
    await asyncio.gather(*load)

    say("load stopped; waiting for the outbox, the consumers and the projections to settle")
    await school.settled(timeout=max(180.0, duration_s / 2))
    counts = await school.check()
    assert struck, "the run was too short for any fault"
    assert lives["hazards"] > 0 and lives["purchases"] > 0
    assert counts["finding_proposals"] > 0 and counts["award_proposals"] > 0 and counts["published_appraisals"] > 0
    say(
        f"done in {time.monotonic() - started:.0f} s: {len(ledger)} commands acknowledged, "
        f"{sum(struck.values())} faults ({dict(struck)}), answers {dict(school.answers)}, checks {counts}"
    )
