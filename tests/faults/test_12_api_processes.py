"""``serve --processes N``: N API processes on one port, the relay and the consumers in one more.

Commands through the shared port reach the projection (so the workers' process relays and
consumes); an API process killed with SIGKILL is replaced while the port keeps answering;
SIGTERM to the service stops every process it started.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import httpx

from services.eventkit.auth import Principal, Role, mint_token
from services.eventkit.runtime import Mode
from services.safety.service import SAFETY
from tests.conftest import eventually
from tests.faults.harness import Harness

DISTRICT = "xinbei"


def descendants(pid: int) -> set[int]:
    found: set[int] = set()
    todo = [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            for child in children:
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def api_processes(pid: int) -> set[int]:
    """uvicorn's API processes: spawned children running the ``served_api`` factory."""
    return {p for p in descendants(pid) if "multiprocessing" in cmdline(p) and "resource_tracker" not in cmdline(p)}


async def test_several_api_processes_share_a_port_and_survive_losing_one(harness: Harness) -> None:
    runtime = await harness.migrated(SAFETY)
    settings = runtime.settings
    await runtime.pool.execute(
        "INSERT INTO directory_campuses (campus_id, school_id, district_id, name) VALUES ($1, 'xuexiao', $2, '奥园')",
        "aoyuan",
        DISTRICT,
    )
    service = harness.process(settings, mode=Mode.ALL, HOUQIN_API_PROCESSES="2")
    service.start()
    await service.ready(90)
    assert service.popen is not None and service.client is not None
    popen = service.popen
    await eventually(lambda: asyncio.sleep(0, len(api_processes(popen.pid)) == 2), timeout=30)
    workers = [p for p in descendants(popen.pid) if "--mode workers" in cmdline(p)]
    assert len(workers) == 1

    admin = Principal(subject="zhang-admin", roles=frozenset([Role.DISTRICT_ADMIN]), districts=frozenset([DISTRICT]))
    headers = {"Authorization": f"Bearer {mint_token(settings, admin)}"}

    async def report(i: int) -> int:
        body = {
            "hazard_id": f"wall-{i}",
            "campus_id": "aoyuan",
            "area": "教学楼外墙",
            "description": "外墙墙砖脱落",
            "severity": "high",
            "at": "2020-10-12T08:30:00+08:00",
        }
        assert service.client is not None
        # a kept-alive connection to a killed process breaks once: the client retries the same command
        retry_safe = headers | {"Idempotency-Key": f"report-wall-{i}"}
        for attempt in range(3):
            try:
                return (await service.client.post("/hazards", json=body, headers=retry_safe)).status_code
            except httpx.TransportError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    assert set(await asyncio.gather(*(report(i) for i in range(20)))) == {200}

    async def projected(n: int) -> bool:
        count = await runtime.pool.fetchval("SELECT count(*) FROM proj_inspection_status.hazards")
        return bool(count == n)

    await eventually(lambda: projected(20), timeout=60)  # relayed and consumed by the workers' process

    # one API process dies: uvicorn's supervisor starts another, and the port keeps answering
    victim = min(api_processes(popen.pid))
    os.kill(victim, signal.SIGKILL)
    statuses = []
    for i in range(20, 40):
        statuses.append(await report(i))
    assert set(statuses) == {200}
    await eventually(lambda: asyncio.sleep(0, len(api_processes(popen.pid) - {victim}) == 2), timeout=60)
    await eventually(lambda: projected(40), timeout=60)

    everyone = descendants(popen.pid)
    popen.send_signal(signal.SIGTERM)
    assert await service.wait_exit(60) == 0
    await eventually(lambda: asyncio.sleep(0, not any(Path(f"/proc/{p}").exists() for p in everyone)), timeout=30)
