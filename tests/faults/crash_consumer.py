"""One reaction of a service as a process of its own, that can die at the worst moment.

    python -m tests.faults.crash_consumer            # settings from HOUQIN_* as for a service

``FAULT_SERVICE`` names the service of ``services/registry.py`` (default inventory) and
``FAULT_REACTION`` the reaction (default stock-from-accepted-purchases). With ``FAULT_CRASH_AFTER=n`` the
process SIGKILLs itself as soon as the reaction has acted on ``n`` events: after the
database transaction of that batch committed, before its offset is committed to Kafka.
Without it, it runs until SIGTERM and then prints what it did as one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from typing import Any

from aiokafka import AIOKafkaConsumer

from services import registry
from services.eventkit.consumer import ConsumerRunner
from services.eventkit.db import create_pool
from services.eventkit.logs import configure_logging
from services.eventkit.settings import Settings


def _definition(service: str) -> Any:
    try:
        return registry.service(service).load()
    except KeyError as unknown:
        raise SystemExit(f"no such service: {service}") from unknown


async def main() -> None:
    service = os.environ.get("FAULT_SERVICE", "inventory")
    name = os.environ.get("FAULT_REACTION", "stock-from-accepted-purchases")
    crash_after = int(os.environ.get("FAULT_CRASH_AFTER", "0"))
    settings = Settings(service=service)
    configure_logging(service, settings.log_level, json_output=settings.log_json)
    spec = next(s for s in _definition(service).reactions if s.reaction.name == name)
    pool = await create_pool(settings.dsn, min_size=1, max_size=4)
    runner = ConsumerRunner(settings, pool, [spec.reaction], [settings.topic_of(s) for s in spec.sources])

    if crash_after:
        commit = AIOKafkaConsumer.commit

        async def commit_or_die(consumer: AIOKafkaConsumer, offsets: Any = None) -> None:
            # Called only after the batch's database transaction committed.
            if consumer is runner.consumer and runner.handled >= crash_after:
                print(json.dumps({"crashed": True, "handled": runner.handled, "offsets": str(offsets)}), flush=True)
                os.kill(os.getpid(), signal.SIGKILL)
            await commit(consumer, offsets)

        AIOKafkaConsumer.commit = commit_or_die  # type: ignore[method-assign]

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await runner.run(stop)
    await pool.close()
    print(json.dumps({"handled": runner.handled, "skipped": runner.skipped, "dead_lettered": runner.dead_lettered}))


if __name__ == "__main__":
    asyncio.run(main())
