"""The relay is woken after an append commits, without a NOTIFY inside the append
(``services.eventkit.wake``): directly in its own process, by one NOTIFY from elsewhere."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest

from services.directory.service import DIRECTORY
from services.eventkit.envelope import Envelope, new_envelope
from services.eventkit.runtime import Mode, ServiceRuntime
from services.eventkit.settings import Settings
from services.eventkit.store import OUTBOX_CHANNEL, EventStore
from services.eventkit.wake import OutboxWaker
from tests.conftest import SettingsFactory, eventually
from tests.eventkit.test_relay import TENANT, append, migrated, term


class Listener:
    """A connection listening on the relay's channel, counting what arrives."""

    def __init__(self) -> None:
        self.received = 0
        self.conn: asyncpg.Connection | None = None

    async def start(self, dsn: str) -> Listener:
        self.conn = await asyncpg.connect(dsn)
        await self.conn.add_listener(OUTBOX_CHANNEL, self._got)
        return self

    def _got(self, *_: object) -> None:
        self.received += 1

    async def quiet_for(self, seconds: float) -> bool:
        before = self.received
        await asyncio.sleep(seconds)
        return self.received == before

    async def close(self) -> None:
        if self.conn is not None:
            await self.conn.close()


class Recorder:
    def __init__(self) -> None:
        self.calls = 0

    def appended(self) -> None:
        self.calls += 1


class FakeRelay:
    def __init__(self, is_leader: bool) -> None:
        self.is_leader = is_leader
        self.woken = 0

    def wake(self) -> None:
        self.woken += 1


@pytest.fixture
async def settings(make_settings: SettingsFactory) -> Settings:
    # a poll this slow would show: every wake-up below must come from the waker or a NOTIFY
    return await make_settings("directory", namespace_suffix="wake", relay_poll_interval_s=30.0)


async def test_an_append_of_the_stores_own_tells_the_waker_after_commit_and_sends_no_notify(settings: Settings) -> None:
    pool = await migrated(settings)
    listener = await Listener().start(settings.dsn)
    try:
        recorder = Recorder()
        store = EventStore(pool, waker=recorder)
        await append(store, "school-a", 0, term(1), term(2))
        assert recorder.calls == 1
        assert await pool.fetchval("SELECT count(*) FROM outbox") == 2
        assert await listener.quiet_for(0.3)

        await store.append("school-b", 0, [], command_id="only-a-claim")  # nothing appended: nobody to wake
        assert recorder.calls == 1

        async with pool.acquire() as conn, conn.transaction():  # a caller's transaction: NOTIFY at its commit
            await EventStore(None, waker=recorder).append(
                "school-c", 0, [_envelope("school-c", 1)], conn=conn, command_id="reaction-1"
            )
        assert recorder.calls == 1
        await eventually(lambda: _true(listener.received == 1), timeout=5)
    finally:
        await listener.close()
        await pool.close()


async def test_a_store_without_a_waker_still_notifies_in_the_append(settings: Settings) -> None:
    pool = await migrated(settings)
    listener = await Listener().start(settings.dsn)
    try:
        await append(EventStore(pool), "school-a", 0, term(1))
        await eventually(lambda: _true(listener.received == 1), timeout=5)
    finally:
        await listener.close()
        await pool.close()


async def test_the_leading_relay_of_the_same_process_is_woken_directly(settings: Settings) -> None:
    leader, standby = FakeRelay(is_leader=True), FakeRelay(is_leader=False)
    waker = OutboxWaker(settings.dsn, lambda: leader)
    waker.appended()
    assert (leader.woken, waker.notified) == (1, 0)
    listener = await Listener().start(settings.dsn)
    elsewhere = OutboxWaker(settings.dsn, lambda: standby)  # another process's relay leads
    try:
        elsewhere.appended()
        await eventually(lambda: _true(listener.received == 1), timeout=5)
        assert (standby.woken, elsewhere.notified) == (0, 1)
    finally:
        await elsewhere.close()
        await listener.close()


async def test_a_burst_of_appends_sends_one_notify_and_a_later_append_another(settings: Settings) -> None:
    listener = await Listener().start(settings.dsn)
    waker = OutboxWaker(settings.dsn, lambda: None)
    try:
        for _ in range(50):
            waker.appended()
        await eventually(lambda: _true(waker.notified >= 1), timeout=5)
        await asyncio.sleep(0.1)
        assert waker.notified == 1
        waker.appended()
        await eventually(lambda: _true(waker.notified == 2), timeout=5)
        await eventually(lambda: _true(listener.received == 2), timeout=5)
    finally:
        await waker.close()
        await listener.close()


async def test_a_waker_that_cannot_reach_the_database_gives_up_quietly_and_tries_again(settings: Settings) -> None:
    waker = OutboxWaker("postgresql://houqin:houqin@127.0.0.1:1/nowhere", lambda: None)
    waker.appended()
    assert waker._sender is not None
    await asyncio.wait_for(waker._sender, 10)  # ends, without raising
    assert waker.notified == 0
    waker.dsn = settings.dsn
    waker.appended()
    await eventually(lambda: _true(waker.notified == 1), timeout=5)
    await waker.close()


@pytest.mark.parametrize("apart", [False, True], ids=["relay in the same process", "relay in another process"])
async def test_a_command_is_relayed_at_once_not_at_the_next_poll(settings: Settings, apart: bool) -> None:
    writer = ServiceRuntime(DIRECTORY, settings)
    relaying = ServiceRuntime(DIRECTORY, settings) if apart else writer
    await writer.open()
    if apart:
        await relaying.open()
        writer.start_workers(Mode.API)
    relaying.start_workers(Mode.WORKERS if apart else Mode.ALL)
    try:
        await eventually(lambda: _true(relaying.relay is not None and relaying.relay.is_leader), timeout=30)
        await asyncio.sleep(0.5)  # the relay is past its start-up round, waiting
        for n in range(3):
            started = time.monotonic()
            await append(writer.store, f"school-{n}", 0, term(n))
            await eventually(lambda: _outbox_empty(writer), timeout=10, interval=0.02)
            assert time.monotonic() - started < 5  # the poll would take 30 s
        assert (writer.waker.notified > 0) == apart
    finally:
        if apart:
            await relaying.close()
        await writer.close()


async def _outbox_empty(runtime: ServiceRuntime) -> bool:
    return bool(await runtime.pool.fetchval("SELECT count(*) FROM outbox") == 0)


async def _true(value: bool) -> bool:
    return value


def _envelope(stream: str, version: int) -> Envelope:
    return new_envelope(term(version), stream_id=stream, version=version, tenant=TENANT)
