"""``./houqin ops <service> ...``: the operators' acts from the command line, audited as over HTTP."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from uuid import uuid4

from services.eventkit.envelope import Envelope
from services.eventkit.store import EventStore
from tests.conftest import ROOT, SettingsFactory
from tests.eventkit.test_relay import migrated


async def houqin(dsn: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"HOUQIN_DATABASE_URL": dsn, "HOUQIN_LOG_LEVEL": "WARNING", "COLUMNS": "200"}
    argv = [sys.executable, "-m", "services", *args]
    return await asyncio.to_thread(subprocess.run, argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


async def test_parked_rows_are_listed_released_and_audited_from_the_command_line(
    make_settings: SettingsFactory,
) -> None:
    settings = await make_settings("directory", namespace_suffix="opscli")
    pool = await migrated(settings)
    try:
        env = Envelope(
            event_id=uuid4(), stream_id="note-cli", version=1, type="test.Noted", schema_version=1,
            occurred_at=datetime.now(UTC), data={"text": "x"},
        )  # fmt: skip
        await EventStore(pool, notify=False).append("note-cli", 0, [env])
        position = await pool.fetchval("DELETE FROM outbox RETURNING position")  # as the relay parks it
        await pool.execute(
            "INSERT INTO parked_outbox (position, stream_id, event_id, type, size_bytes, reason) "
            "VALUES ($1, 'note-cli', $2, 'test.Noted', 2000000, 'MessageSizeTooLargeError')",
            position,
            env.event_id,
        )

        listed = await houqin(settings.dsn, "ops", "directory", "parked")
        assert listed.returncode == 0, listed.stderr
        assert [(p["position"], p["event_id"]) for p in json.loads(listed.stdout)] == [(position, str(env.event_id))]

        unexplained = await houqin(settings.dsn, "ops", "directory", "release", str(position))
        assert unexplained.returncode != 0 and "--reason" in unexplained.stderr
        released = await houqin(
            settings.dsn, "ops", "directory", "release", str(position), "--reason", "limit raised", "--actor", "ops-cli"
        )
        assert released.returncode == 0, released.stderr
        assert await pool.fetchval("SELECT count(*) FROM parked_outbox") == 0
        assert await pool.fetchval("SELECT position FROM outbox") == position
        row = await pool.fetchrow("SELECT actor, action, target, reason FROM operations_audit")
        assert row is not None and tuple(row) == ("ops-cli", "outbox.release", f"outbox/{position}", "limit raised")

        again = await houqin(settings.dsn, "ops", "directory", "release", str(position), "--reason", "twice")
        assert again.returncode == 1 and "no parked outbox row" in again.stderr
        assert await pool.fetchval("SELECT count(*) FROM operations_audit") == 1
    finally:
        await pool.close()
