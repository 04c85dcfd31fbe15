"""Fault tests run on a Kafka broker and a PostgreSQL server of their own (see harness.py).

They are started once per session (``infra/kafka/start.sh`` with a state dir and ports of
their own; ``infra/postgres/start.sh`` with ``HOUQIN_PG_CLUSTER=faults``), stopped and
started by the tests, and stopped at the end of the session. With testcontainers
infrastructure (a Docker engine answers and ``HOUQIN_TEST_INFRA`` is not ``local``) the
tests that need them are skipped: they drive the local scripts, not containers.
"""

from __future__ import annotations

import functools
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.conftest import _docker_answers
from tests.faults.harness import FaultInfra, Harness
from tests.faults.ledger import Ledger

SKIP_REASON = (
    "fault tests stop and start a Kafka broker and a PostgreSQL cluster of their own through the infra/ "
    "scripts; the test infrastructure comes from testcontainers here (a Docker engine answers): "
    "run them with HOUQIN_TEST_INFRA=local"
)


@functools.cache
def testcontainers_infra() -> bool:
    return os.environ.get("HOUQIN_TEST_INFRA") != "local" and _docker_answers()


@pytest.fixture(scope="session")
def fault_infra() -> Iterator[FaultInfra]:
    if testcontainers_infra():
        pytest.skip(SKIP_REASON)
    infra = FaultInfra()
    infra.start_all()
    try:
        yield infra
    finally:
        infra.stop_all()


@pytest_asyncio.fixture
async def harness(fault_infra: FaultInfra, tmp_path: Path) -> AsyncIterator[Harness]:
    h = Harness(fault_infra, tmp_path)
    try:
        yield h
    finally:
        # a test that failed halfway may have left a server down: bring it back first
        if not fault_infra.postgres_is_up():
            await fault_infra.start_postgres()
        if not fault_infra.kafka_is_up():
            await fault_infra.start_kafka()
        await h.close()


@pytest.fixture
def ledger() -> Ledger:
    return Ledger()
