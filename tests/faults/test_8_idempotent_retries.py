"""A command retried with the same command id (Idempotency-Key), one after another and all at once.

Every retry answers the first result (flagged ``duplicate``) and the store holds one set
of events for the key, whatever the command: one that creates a stream, one at an
expected version, one that the command bus would retry on a lost race.

All at once, a retry can today be refused (409) instead of answered: the last test pins
that race deterministically; the concurrent test then ends as an expected failure.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from services.eventkit.auth import Principal
from services.eventkit.commands import CommandBus, CommandContext, CommandResult
from services.eventkit.decider import Resolved
from services.eventkit.envelope import TenantPath
from services.eventkit.store import AppendResult, EventStore
from services.safety.events import SAFETY_EVENTS, Severity
from services.safety.hazards import Hazard, ReportHazard
from services.safety.service import SAFETY
from tests.faults.harness import Harness
from tests.faults.ledger import Ledger
from tests.faults.school import School, new_id, report_hazard, start_school

CONCURRENT = 15


def report_body(hazard_id: str) -> dict[str, Any]:
    return {
        "hazard_id": hazard_id,
        "campus_id": "main",
        "area": "本部 食堂后门",
        "description": "地面湿滑",
        "severity": "medium",
        "at": "2020-10-12T08:30:00+08:00",
    }


async def events_of_key(school: School, key: str) -> list[str]:
    rows = await school.views["safety"].pool.fetch(
        "SELECT event_id FROM events WHERE command_id = $1 ORDER BY position", key
    )
    return [str(r["event_id"]) for r in rows]


async def test_a_command_retried_one_after_another_appends_once(harness: Harness, ledger: Ledger) -> None:
    school = await start_school(harness, ledger, SAFETY)
    hazard_id, key = new_id("wet-floor"), str(uuid4())
    answers = [await school.send("safety", "/hazards", report_body(hazard_id), "guard-main", key=key) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.json()["duplicate"] for a in answers] == [False, True, True]
    assert len({tuple(a.json()["event_ids"]) for a in answers}) == 1
    assert await events_of_key(school, key) == answers[0].json()["event_ids"]

    # the same key with another body is refused, naming the key, and appends nothing
    before = await school.views["safety"].pool.fetchval("SELECT count(*) FROM events")
    other = await school.send("safety", "/hazards", report_body(new_id("another")), "guard-main", key=key)
    assert other.status_code == 422
    assert other.json()["detail"][0]["field"] == "Idempotency-Key"
    assert await school.views["safety"].pool.fetchval("SELECT count(*) FROM events") == before
    await school.settled()
    await school.check()


async def test_a_command_retried_all_at_once_appends_once(harness: Harness, ledger: Ledger) -> None:
    school = await start_school(harness, ledger, SAFETY)
    hazard_id = new_id("wet-floor")
    rounds: list[tuple[str, dict[str, Any], str]] = [
        ("/hazards", report_body(hazard_id), "guard-main"),  # creates the stream
        (f"/hazards/{hazard_id}/assign", {"assignee_id": "wang-tech", "expected_version": 1}, "manager-main"),
        (f"/hazards/{hazard_id}/escalate", {"authority": "新北区教育局"}, "manager-main"),
        (f"/hazards/{hazard_id}/assign", {"assignee_id": "li-guard"}, "manager-main"),
    ]
    outcomes: list[Counter[int]] = []
    refusals: list[str] = []
    for path, body, as_ in rounds:
        key = str(uuid4())
        answers = await asyncio.gather(
            *(school.send("safety", path, body, as_, key=key, retry=()) for _ in range(CONCURRENT))
        )
        outcomes.append(Counter(a.status_code for a in answers))
        ok = [a.json() for a in answers if a.status_code == 200]
        assert ok, [a.text for a in answers]
        assert len({tuple(a["event_ids"]) for a in ok}) == 1, "retries answered different events"
        assert sum(not a["duplicate"] for a in ok) <= 1
        assert await events_of_key(school, key) == ok[0]["event_ids"], "one set of events per key"
        refused = [a.json() for a in answers if a.status_code != 200]
        assert all(a.status_code in (200, 409) for a in answers), [a.text for a in answers]
        assert all(r["error"] in ("rejected", "version_conflict") for r in refused), refused
        refusals.extend(r["reason"] for r in refused)
    await report_hazard(school, new_id("after"))  # the service goes on
    await school.settled()
    await school.check()
    print(f"\nanswers per round: {outcomes}")
    assert not refusals, f"{len(refusals)} retries refused, e.g. {refusals[0]!r}"


class PausingStore(EventStore):
    """Pauses a command between its decision (on a stream without its first attempt's event, and
    with its command id not yet taken) and its append."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.decided = asyncio.Event()
        self.go_on = asyncio.Event()

    async def append(self, *args: Any, **kwargs: Any) -> AppendResult:
        if not self.decided.is_set():
            self.decided.set()
            await self.go_on.wait()
        return await super().append(*args, **kwargs)


async def test_a_retry_overtaken_by_its_first_attempt_answers_the_first_result(harness: Harness) -> None:
    runtime = await harness.migrated(SAFETY)
    slow = PausingStore(runtime.pool)
    tenant = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
    command = ReportHazard(
        hazard_id="wet-floor",
        campus_id="main",
        area="本部 食堂后门",
        description="地面湿滑",
        severity=Severity.MEDIUM,
        at=datetime(2020, 10, 12, 8, 30, tzinfo=UTC),
    )
    ctx = CommandContext(principal=Principal(subject="li-guard"), command_id=str(uuid4()))

    async def attempt(store: EventStore) -> CommandResult:
        bus = CommandBus("safety", store, SAFETY_EVENTS)
        return await bus.execute(Hazard, "wet-floor", Resolved(command, tenant, "wet-floor"), ctx, tenant)

    retry = asyncio.ensure_future(attempt(slow))  # decides on a stream without the first's event
    await asyncio.wait_for(slow.decided.wait(), 10)
    first = await attempt(EventStore(runtime.pool))  # the first attempt commits meanwhile
    slow.go_on.set()
    answered = await asyncio.wait_for(retry, 10)
    assert (answered.event_ids, answered.duplicate) == (first.event_ids, True)
    assert await runtime.pool.fetchval("SELECT count(*) FROM events") == 1
