"""A consumer dies after its database commit and before its offset commit.

The inventory's reaction that puts accepted purchases into stock runs as a process of
its own (``tests/faults/crash_consumer.py``) that SIGKILLs itself right after the
transaction holding its effect (the StockReceived events and the tracking row) has
committed, before the offset goes to Kafka. The next process of the group reads the
same PurchaseAccepted again: it finds its tracking row and does nothing. The stock is
received once per accepted line; the projections equal a rebuild.

The same for the staff appraisal's reaction to another service's events: a patrol
finding naming a worker (in the safety service) is kept as one proposal, however often
the reaction that reads it dies between its commit and its offset's.
"""

from __future__ import annotations

import json
import signal
import sys
from dataclasses import replace

from aiokafka import AIOKafkaConsumer, TopicPartition

from services.eventkit.processes import ServiceProcess
from services.eventkit.settings import Settings
from services.hr_eval.projections.proposals import PROPOSALS as PROPOSALS_VIEW
from services.hr_eval.service import HR_EVAL
from services.inventory.service import INVENTORY
from services.safety.service import SAFETY
from tests.conftest import eventually
from tests.faults.harness import Harness
from tests.faults.ledger import Ledger
from tests.faults.school import finding_life, purchase_life, start_school
from tests.kafka_helpers import read_topic

STOCK = "stock-from-accepted-purchases"
INVENTORY_WITHOUT_STOCK = replace(INVENTORY, reactions=[s for s in INVENTORY.reactions if s.reaction.name != STOCK])
CONSUMER = [sys.executable, "-m", "tests.faults.crash_consumer"]
PROPOSALS = "proposals-from-services"
HR_EVAL_WITHOUT_PROPOSALS = replace(HR_EVAL, reactions=[s for s in HR_EVAL.reactions if s.reaction.name != PROPOSALS])


async def committed_offset(settings: Settings, group_id: str, tp: TopicPartition) -> int | None:
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=group_id, enable_auto_commit=False)
    await consumer.start()
    try:
        offset: int | None = await consumer.committed(tp)
        return offset
    finally:
        await consumer.stop()


def last_report(proc: ServiceProcess) -> dict[str, int]:
    lines = [line for line in proc.log_path.read_text().splitlines() if line.startswith("{") and "skipped" in line]
    assert lines, f"no report in {proc.log_path}"
    report: dict[str, int] = json.loads(lines[-1])
    return report


async def test_a_consumer_killed_after_its_commit_redelivers_with_no_effect(harness: Harness, ledger: Ledger) -> None:
    school = await start_school(harness, ledger, INVENTORY_WITHOUT_STOCK)
    view = school.views["inventory"]
    view.definition = INVENTORY  # the checks cover the reaction that runs apart
    settings = view.settings

    crashing = harness.process(settings, argv=CONSUMER, FAULT_CRASH_AFTER="1")
    crashing.start()
    await crashing.ready()
    await purchase_life(school, "p-first", [("broom", 3), ("gloves", 2)])
    assert await crashing.wait_exit(90) == -signal.SIGKILL

    # what the dead process left behind: its effect committed, its offset not
    accepted = await view.pool.fetchval("SELECT event_id FROM events WHERE type = 'inventory.PurchaseAccepted'")
    tracked = await view.pool.fetch("SELECT event_id FROM processed_events WHERE consumer = $1", STOCK)
    assert [r["event_id"] for r in tracked] == [accepted]
    received = await view.pool.fetchval("SELECT count(*) FROM events WHERE type = 'inventory.StockReceived'")
    assert received == 2
    records = await read_topic(
        settings.kafka_bootstrap, settings.events_topic, until=await view.pool.fetchval("SELECT count(*) FROM events")
    )
    partition, offset = next((p, o) for p, o, value, _ in records if json.loads(value)["event_id"] == str(accepted))
    tp = TopicPartition(settings.events_topic, partition)
    committed = await committed_offset(settings, settings.group_of(STOCK), tp)
    assert committed is None or committed <= offset, (committed, offset)

    # more purchases are accepted while the reaction is down
    for i in range(4):
        await purchase_life(school, f"p-{i}", [("pen", 10 + i), ("gloves", 1)])

    again = harness.process(settings, argv=CONSUMER)
    again.start()
    await again.ready()
    await school.settled(timeout=90)

    async def all_received() -> bool:  # the restarted reaction has acted (not only started)
        received = await view.pool.fetchval("SELECT count(*) FROM events WHERE type = 'inventory.StockReceived'")
        return bool(received == 2 + 4 * 2)

    await eventually(all_received, timeout=90)
    await again.terminate()
    report = last_report(again)
    assert report["skipped"] >= 1, report  # the PurchaseAccepted of p-first, delivered again
    assert report["handled"] == 4, report
    assert report["dead_lettered"] == 0, report

    counts = await school.check()
    assert counts["stock_receipts"] == 2 + 4 * 2
    rows = await view.pool.fetch("SELECT item_id, on_hand FROM proj_inventory_counts.stock WHERE campus_id = 'main'")
    on_hand = {r["item_id"]: r["on_hand"] for r in rows}
    assert on_hand == {"broom": 3, "gloves": 2 + 4, "pen": 10 + 11 + 12 + 13}


async def test_a_proposal_reaction_killed_after_its_commit_keeps_one_proposal(harness: Harness, ledger: Ledger) -> None:
    school = await start_school(harness, ledger, SAFETY, HR_EVAL_WITHOUT_PROPOSALS)
    view, safety = school.views["hr_eval"], school.views["safety"]
    view.definition = HR_EVAL  # the checks cover the reaction that runs apart
    settings = view.settings

    crashing = harness.process(
        settings, argv=CONSUMER, FAULT_SERVICE="hr_eval", FAULT_REACTION=PROPOSALS, FAULT_CRASH_AFTER="1"
    )
    crashing.start()
    await crashing.ready()
    await finding_life(school, "patrol-first", findings=1)
    assert await crashing.wait_exit(90) == -signal.SIGKILL

    # what the dead process left behind: the proposal and its tracking row committed, its offset not
    raised = await safety.pool.fetchval("SELECT event_id FROM events WHERE type = 'safety.AppraisalItemProposed'")
    tracked = await view.pool.fetch("SELECT event_id FROM processed_events WHERE consumer = $1", PROPOSALS)
    assert [r["event_id"] for r in tracked] == [raised]
    kept = await view.pool.fetch("SELECT data FROM events WHERE type = 'hr_eval.ProposalReceived'")
    assert [(r["data"]["from_event_id"], r["data"]["staff_id"]) for r in kept] == [(str(raised), "li-guard")]
    s_settings = safety.settings
    count = await safety.pool.fetchval("SELECT count(*) FROM events")
    records = await read_topic(s_settings.kafka_bootstrap, s_settings.events_topic, until=count)
    partition, offset = next((p, o) for p, o, value, _ in records if json.loads(value)["event_id"] == str(raised))
    tp = TopicPartition(s_settings.events_topic, partition)
    committed = await committed_offset(settings, settings.group_of(PROPOSALS), tp)
    assert committed is None or committed <= offset, (committed, offset)

    # more patrols find workers at fault while the reaction is down
    for i in range(3):
        await finding_life(school, f"patrol-{i}")

    again = harness.process(settings, argv=CONSUMER, FAULT_SERVICE="hr_eval", FAULT_REACTION=PROPOSALS)
    again.start()
    await again.ready()
    await school.settled(timeout=90)

    async def all_kept() -> bool:  # the restarted reaction has acted (not only started)
        kept = await view.pool.fetchval("SELECT count(*) FROM events WHERE type = 'hr_eval.ProposalReceived'")
        return bool(kept == 1 + 3 * 2)

    await eventually(all_kept, timeout=90)
    await again.terminate()
    report = last_report(again)
    assert report["skipped"] >= 1, report  # the first finding's proposal, delivered again
    assert report["handled"] == 3 * 2, report
    assert report["dead_lettered"] == 0, report

    counts = await school.check()
    assert counts["finding_proposals"] == 1 + 3 * 2
    kept_per_worker = f"SELECT staff_id, count(*) AS n FROM {PROPOSALS_VIEW.schema}.proposals GROUP BY staff_id"
    rows = await view.pool.fetch(kept_per_worker)
    assert {r["staff_id"]: r["n"] for r in rows} == {"li-guard": 1 + 3, "wang-tech": 3}
