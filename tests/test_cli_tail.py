"""``./houqin tail``: started with --limit, it follows the services' events topics from now, prints
the event it was asked for (in the user's scope) and exits; bad input is a usage error."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime
from uuid import uuid4

from services.eventkit.envelope import Envelope
from services.eventkit.kafka import ensure_topics
from tests.conftest import ROOT, SettingsFactory
from tests.kafka_helpers import produce_raw


def _probe(stream_id: str, district: str, campus: str) -> Envelope:
    return Envelope(
        event_id=uuid4(), stream_id=stream_id, version=1, type="TailProbed", schema_version=1,
        occurred_at=datetime.now(UTC), district_id=district, campus_id=campus, actor="zhou",
        correlation_id=f"corr-{stream_id}", data={"note": "看得见"},
    )  # fmt: skip


async def test_tail_prints_the_event_it_waits_for_and_exits(make_settings: SettingsFactory) -> None:
    settings = await make_settings("safety", namespace_suffix=f"tail{uuid4().hex[:6]}")
    await ensure_topics(settings, settings.events_topic)
    stream = f"probe-{uuid4().hex[:8]}"
    env = os.environ | {
        "HOUQIN_NAMESPACE": settings.namespace,
        "HOUQIN_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "COLUMNS": "400",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services", "tail", "--service", "safety", "--campus", "main", "--limit", "1",
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stderr is not None
        ready = await asyncio.wait_for(process.stderr.readline(), 60)
        assert b"following" in ready, ready
        await produce_raw(
            settings.kafka_bootstrap,
            settings.events_topic,
            (stream.encode(), _probe(f"{stream}-other", "wujin", "main").to_wire()),  # another district's
            (stream.encode(), _probe(stream, "xinbei", "aoyuan").to_wire()),  # another campus
            (stream.encode(), _probe(stream, "xinbei", "main").to_wire()),
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    text = out.decode()
    assert process.returncode == 0, err.decode()
    assert text.count("TailProbed") == 1 and f"{stream}@1" in text and "看得见" in text
    assert f"{stream}-other" not in text and "aoyuan" not in text
    assert f"corr-{stream}" in text and "by zhou" in text


async def test_tail_refuses_a_bad_time_and_an_unknown_service() -> None:
    for args in (["--since", "yesterday"], ["--service", "nope"], ["--limit", "0"]):
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "services", "tail", *args, cwd=ROOT,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, err = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 2, (args, err.decode())
