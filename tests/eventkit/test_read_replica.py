"""A read replica for the query side (issue 23), and its faults: the replica lagging, the replica
stopped. Real PostgreSQL: the local primary and a hot standby of it made by
``infra/postgres/replica.sh`` (started once for the module, stopped at its end); real Kafka.

The directory service runs with ``read_database_url`` on the standby: its GETs, and the version
wait of read-your-writes, read the standby; its commands, store, relay and projections the primary.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from glob import glob
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

import asyncpg
import pytest
import pytest_asyncio
from prometheus_client import REGISTRY

from services.directory.projections.roster import ROSTER
from services.directory.service import DIRECTORY
from services.eventkit.auth import Role
from services.eventkit.processes import settings_env
from services.eventkit.settings import Settings
from tests.conftest import ROOT, DatabaseFactory, Infra, RunningService, eventually, token_for

pytestmark = pytest.mark.infra

REPLICA_PORT = int(os.environ.get("HOUQIN_PG_REPLICA_PORT", "5433"))
SCRIPT = ROOT / "infra" / "postgres" / "replica.sh"
READS = "houqin-directory-reads"  # the application_name of the directory's read pool


def replica(action: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"HOUQIN_PG_REPLICA_PORT": str(REPLICA_PORT)}
    return subprocess.run(["bash", str(SCRIPT), action], env=env, capture_output=True, text=True, timeout=600)


async def replica_async(action: str) -> None:
    done = await asyncio.to_thread(replica, action)
    assert done.returncode == 0, f"replica.sh {action}: {done.stdout}{done.stderr}"


@pytest.fixture(scope="module")
def standby(infra: Infra) -> Iterator[int]:
    """A hot standby of the local primary on REPLICA_PORT, for this module."""
    if shutil.which("pg_basebackup") is None and not glob("/usr/lib/postgresql/*/bin/pg_basebackup"):
        pytest.skip("pg_basebackup is not installed (Debian's postgresql-client has it)")
    if infra.source != "local":
        pytest.skip("the standby is made of the local primary (infra/postgres): run with HOUQIN_TEST_INFRA=local")
    done = replica("start")
    if done.returncode != 0:  # e.g. a standby left stopped so long that the primary recycled its WAL
        replica("destroy")
        done = replica("start")
    assert done.returncode == 0, f"infra/postgres/replica.sh start failed:\n{done.stdout}{done.stderr}"
    yield REPLICA_PORT
    replica("resume")
    replica("stop")


@dataclass
class ReadSide:
    svc: RunningService
    admin: dict[str, str]
    replica_dsn: str
    database: str

    async def rename(self, name: str) -> str:
        response = await self.svc.client.post("/campuses/main/rename", json={"name": name}, headers=self.admin)
        assert response.status_code == 200, response.text
        token: str = response.json()["read_after"]
        return token

    async def campus(self, read_after: str | None = None, wait_ms: int = 2000) -> tuple[str, str | None]:
        """The campus's name as a GET answers it, and its Houqin-Read-Reached."""
        headers = dict(self.admin)
        if read_after is not None:
            headers |= {"Houqin-Read-After": read_after, "Houqin-Read-Wait-Ms": str(wait_ms)}
        response = await self.svc.client.get("/campuses/main", headers=headers)
        assert response.status_code == 200, response.text
        return response.json()["name"], response.headers.get("Houqin-Read-Reached")

    async def on_primary(self) -> str:
        """The campus's name in the primary's read model (the test reads it outside any request)."""
        name: str = await self.svc.pool.fetchval(f"SELECT name FROM {ROSTER.schema}.campuses WHERE campus_id = 'main'")
        return name

    async def ready(self) -> dict[str, Any]:
        response = await self.svc.client.get("/readyz")
        assert response.status_code == 200, response.text  # the replica never fails readiness
        body: dict[str, Any] = response.json()
        return body


def reads(server: str) -> float:
    return REGISTRY.get_sample_value("houqin_reads_total", {"service": "directory", "server": server}) or 0.0


def failovers() -> float:
    return REGISTRY.get_sample_value("houqin_read_failovers_total", {"service": "directory"}) or 0.0


def on_port(dsn: str, port: int) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(netloc=f"{parts.netloc.rpartition(':')[0]}:{port}"))


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def side(
    standby: int, new_database: DatabaseFactory, make_settings: Any, start_service: Any
) -> AsyncIterator[ReadSide]:
    dsn = await new_database("directory")
    settings = await make_settings(
        "directory",
        namespace_suffix=f"replica{uuid4().hex[:6]}",  # topics and consumer groups of its own
        database_url=dsn,
        read_database_url=on_port(dsn, standby),
        # only the requests and /readyz check the replica: a read that finds it stopped is the failover
        read_check_interval_s=3600,
    )
    svc = await start_service(DIRECTORY, settings)
    side = ReadSide(
        svc,
        token_for(settings, "admin-1", Role.DISTRICT_ADMIN, districts=["xinbei"]),
        on_port(dsn, standby),
        urlsplit(dsn).path.lstrip("/"),
    )
    platform = token_for(settings, "root", Role.PLATFORM_ADMIN)
    for path, body, headers in (
        ("/districts", {"district_id": "xinbei", "name": "新北区"}, platform),
        ("/schools", {"school_id": "xuexiao", "district_id": "xinbei", "name": "薛家实验小学"}, side.admin),
        ("/campuses", {"campus_id": "main", "school_id": "xuexiao", "name": "本部"}, side.admin),
    ):
        response = await svc.client.post(path, json=body, headers=headers)
        assert response.status_code in (200, 201), response.text
    await eventually(lambda: _replica_ok(side), timeout=30)
    yield side


async def _replica_ok(side: ReadSide) -> bool:
    return (await side.ready()).get("replica") == "ok"


async def test_a_read_after_a_command_is_served_by_the_replica_and_sees_it(side: ReadSide) -> None:
    before = reads("replica"), reads("primary")
    for n in range(3):
        token = await side.rename(f"本部{n}")
        assert await side.campus(token) == (f"本部{n}", "true")
    assert reads("replica") - before[0] == 3
    assert reads("primary") == before[1]

    # the query really went to the standby: its read pool's connections are there, not on the primary
    async def backends(dsn: str) -> int:
        conn = await asyncpg.connect(dsn)
        try:
            count: int = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND datname = $2",
                READS,
                side.database,
            )
            return count
        finally:
            await conn.close()

    assert await backends(side.replica_dsn) >= 1
    assert await backends(side.svc.settings.dsn) == 0
    ready = await side.ready()
    assert ready["replica"] == "ok" and ready["database"] == "ok"
    assert isinstance(ready["replica_lag_s"], float)


async def test_with_replay_paused_a_read_after_a_new_command_is_not_reached_nor_shown_as_fresh(
    side: ReadSide,
) -> None:
    await side.campus(await side.rename("暂停前"))
    await replica_async("pause")
    try:
        token = await side.rename("暂停后")
        await eventually(lambda: _named(side, "暂停后"), timeout=30)  # the primary's read model has it
        name, reached = await side.campus(token, wait_ms=500)
        assert (name, reached) == ("暂停前", "false")  # what the replica holds, flagged not reached
        assert await side.campus() == ("暂停前", None)  # a plain read: the replica's state (the primary's is newer)
        stream_id, _, version = token.partition(":")[2].rpartition("@")
        seen = await side.svc.client.get(
            "/read-models/seen", params={"stream_id": stream_id, "version": version}, headers=side.admin
        )
        assert seen.json()["reached"] is False and seen.json()["behind"] == [ROSTER.name, "events"]
        # a record's history is the store's, read on the primary: the new rename is there
        history = await side.svc.client.get(f"/history/{stream_id}", headers=side.admin)
        assert history.status_code == 200, history.text
        assert history.json()["items"][-1]["version"] == int(version)
        assert (await side.ready())["replica"] == "ok"  # a paused replica still serves (its lag shows)
    finally:
        await replica_async("resume")
    assert await side.campus(token) == ("暂停后", "true")


async def _named(side: ReadSide, name: str) -> bool:
    return await side.on_primary() == name


async def test_with_the_replica_stopped_reads_fail_over_to_the_primary_and_come_back(side: ReadSide) -> None:
    for outage, read_after in enumerate((False, True)):  # a plain read; a read that waits for a version
        await side.campus(await side.rename(f"停机前{outage}"))
        failed_before = failovers()
        await replica_async("stop")
        try:
            # the first read finds the replica gone (nothing checked it since): it is served
            # again from the primary, and with a version asked for, reached there
            primary_before = reads("primary")
            token = await side.rename(f"停机后{outage}")
            if read_after:
                assert await side.campus(token) == (f"停机后{outage}", "true")
            else:
                await eventually(lambda: _named(side, f"停机后{outage}"), timeout=30)  # noqa: B023
                assert await side.campus() == (f"停机后{outage}", None)
            assert reads("primary") == primary_before + 1
            assert failovers() == failed_before + 1
            assert await side.campus() == (f"停机后{outage}", None)
            ready = await side.ready()  # ready: the reads are on the primary
            assert (ready["status"], ready["database"], ready["replica"]) == ("ready", "ok", "unavailable")
            assert ready["replica_lag_s"] is None
            assert failovers() == failed_before + 1  # counted once per outage
        finally:
            await replica_async("start")
        # back on the replica once it answers and has replayed what the primary had written
        await eventually(lambda: _replica_ok(side), timeout=60)
        replica_before = reads("replica")
        token = await side.rename(f"恢复后{outage}")
        assert await side.campus(token) == (f"恢复后{outage}", "true")
        assert reads("replica") == replica_before + 1


async def test_a_replica_that_never_answers_leaves_the_reads_on_the_primary(
    new_database: DatabaseFactory, make_settings: Any, start_service: Any
) -> None:
    """No standby needed: the read URL names a port nothing listens on (a replica down at start-up)."""
    dsn = await new_database("directory")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        nothing = s.getsockname()[1]
    failed_before = failovers()
    settings = await make_settings(
        "directory",
        namespace_suffix=f"noreplica{uuid4().hex[:6]}",
        database_url=dsn,
        read_database_url=on_port(dsn, nothing),
        read_check_interval_s=0.1,
    )
    svc = await start_service(DIRECTORY, settings)  # starts: the replica is not needed to serve
    platform = token_for(settings, "root", Role.PLATFORM_ADMIN)
    response = await svc.client.post("/districts", json={"district_id": "d1", "name": "一区"}, headers=platform)
    assert response.status_code == 200, response.text
    primary_before = reads("primary")
    waits = {"Houqin-Read-After": response.json()["read_after"], "Houqin-Read-Wait-Ms": "10000"}
    read = await svc.client.get("/districts", headers=platform | waits)
    assert (read.status_code, read.headers["Houqin-Read-Reached"]) == (200, "true")
    assert [d["district_id"] for d in read.json()["items"]] == ["d1"]
    assert reads("primary") == primary_before + 1
    await asyncio.sleep(0.5)  # a few checks of the replica: still the one failover
    ready = await svc.client.get("/readyz")
    assert ready.status_code == 200
    assert {k: ready.json()[k] for k in ("database", "replica", "replica_lag_s")} == {
        "database": "ok",
        "replica": "unavailable",
        "replica_lag_s": None,
    }
    assert failovers() == failed_before + 1
    assert REGISTRY.get_sample_value("houqin_read_replica_up", {"service": "directory"}) == 0


def test_the_read_database_follows_the_database_settings() -> None:
    assert Settings(service="safety").read_dsn is None  # no replica: reads use the primary
    assert Settings(service="safety", read_database_url="", pg_read_host="").read_dsn is None  # empty is unset
    assert Settings(service="safety", pg_read_host="ro", pg_host="rw").read_dsn == (
        "postgresql://houqin:houqin@ro:5432/houqin_safety"
    )
    assert Settings(service="safety", pg_read_port=5433).read_dsn == (
        "postgresql://houqin:houqin@127.0.0.1:5433/houqin_safety"
    )
    url = "postgresql://u:p@replica.example:5432/houqin_safety?sslmode=verify-full"
    assert Settings(service="safety", read_database_url=url, pg_read_host="ignored").read_dsn == url
    assert settings_env(Settings(service="safety", read_database_url=url))["HOUQIN_READ_DATABASE_URL"] == url
    assert "HOUQIN_READ_DATABASE_URL" not in settings_env(Settings(service="safety"))
