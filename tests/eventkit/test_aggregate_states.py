"""The states a process keeps of the aggregates it worked on: a command on an existing one reads
only the events after the state kept, and decides exactly as if it had read the whole stream."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.eventkit import commands
from services.eventkit.commands import AggregateStates, CommandBus
from services.eventkit.decider import Resolved
from services.eventkit.errors import ConcurrencyConflict, Rejected
from services.safety.events import SAFETY_EVENTS
from services.safety.inspections import CompleteInspection, Inspection, RecordFinding, StartInspection
from tests.eventkit.test_commands import CTX, TENANT, CountingStore

START = datetime(2020, 10, 30, 6, 0, tzinfo=UTC)
ITEMS = [f"item {i}" for i in range(12)]


class ReadingStore(CountingStore):
    """The real store, keeping where each read of a stream began."""

    def __init__(self, pool: Any) -> None:
        super().__init__(pool)
        self.from_versions: list[int] = []

    async def read_stream(self, stream_id: str, from_version: int = 1, **kw: Any) -> Any:
        self.from_versions.append(from_version)
        return await super().read_stream(stream_id, from_version, **kw)


@pytest.fixture
def store(pool: Any) -> ReadingStore:
    return ReadingStore(pool)


def start(inspection_id: str) -> StartInspection:
    return StartInspection(
        inspection_id=inspection_id,
        campus_id="aoyuan",
        kind="daily_patrol",
        areas=["教学楼"],
        checklist=ITEMS,
        at=START,
    )


def finding(n: int) -> RecordFinding:
    return RecordFinding(item=ITEMS[n % len(ITEMS)], area="教学楼", ok=True, at=START + timedelta(minutes=n + 1))


async def run(bus: CommandBus, inspection_id: str, command: Any, expected: int | None = None, **kw: Any) -> Any:
    facts = {"hazard_id": "hz-none"}
    ctx = CTX if expected is None else replace(CTX, expected_version=expected)
    return await bus.execute(
        Inspection, inspection_id, Resolved(command, TENANT, inspection_id, facts), ctx, TENANT, **kw
    )


async def test_a_command_on_an_aggregate_this_process_appended_to_last_reads_nothing(store: ReadingStore) -> None:
    bus = CommandBus("safety", store, SAFETY_EVENTS, states=AggregateStates())
    await run(bus, "walk", start("walk"))
    for n in range(5):
        result = await run(bus, "walk", finding(n))
        assert result.version == n + 2
    # each finding is decided on the state kept after the append before it: no read at all
    assert store.from_versions == []
    state, version = await CommandBus("safety", store, SAFETY_EVENTS).load(Inspection, "inspection-walk")
    kept = states_of(bus).get("Inspection", "inspection-walk")
    assert kept is not None and kept.trusted and (kept.state, kept.version) == (state, version)
    assert version == 6 and state.findings == 5 and kept.tenant == TENANT


async def test_a_command_on_another_process_s_aggregate_reads_only_from_its_last_known_event(
    store: ReadingStore,
) -> None:
    ours = CommandBus("safety", store, SAFETY_EVENTS, states=AggregateStates())
    theirs = CommandBus("safety", store, SAFETY_EVENTS, states=AggregateStates())
    await run(theirs, "walk", start("walk"))
    for n in range(4):
        await run(theirs, "walk", finding(n))
        state, version = await ours.load(Inspection, "inspection-walk")
        assert version == n + 2 and state.findings == n + 1
    # the first load reads the whole stream; each later one, from the last event the one before read
    assert store.from_versions == [1, 2, 3, 4]
    kept = states_of(ours).get("Inspection", "inspection-walk")
    assert kept is not None and not kept.trusted  # read, not appended: the next command reads too


def states_of(bus: CommandBus) -> AggregateStates:
    assert bus.states is not None
    return bus.states


async def test_a_trusted_state_another_writer_moved_is_read_and_trusted_again_only_later(
    store: ReadingStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A state kept after this process's append is decided on without a read; if another writer
    (another replica, a reaction) appended meanwhile, the append goes through only after a read,
    and the stream is read before the next few commands, then trusted again."""
    monkeypatch.setattr(commands, "READS_WHEN_CONTENDED", 2)
    ours = CommandBus("safety", store, SAFETY_EVENTS, states=AggregateStates())
    theirs = CommandBus("safety", store, SAFETY_EVENTS, states=AggregateStates())
    await run(ours, "walk", start("walk"))
    await run(ours, "walk", finding(0))
    await run(theirs, "walk", finding(1))
    store.from_versions.clear()
    result = await run(ours, "walk", finding(2))
    assert result.version == 4 and store.from_versions == [2]  # refused at the append, then read from 2
    kept = states_of(ours).get("Inspection", "inspection-walk")
    assert kept is not None and kept.contended == 1 and not kept.trusted  # its append read first: one more
    await run(ours, "walk", finding(3))
    assert store.from_versions == [2, 4]  # contended: read before deciding, though its own append was last
    kept = states_of(ours).get("Inspection", "inspection-walk")
    assert kept is not None and kept.contended == 0 and kept.trusted
    await run(ours, "walk", finding(4))
    assert store.from_versions == [2, 4]  # trusted again
    state, version = await CommandBus("safety", store, SAFETY_EVENTS).load(Inspection, "inspection-walk")
    assert version == 6 and state.findings == 5 and state.checked == frozenset(ITEMS[:5])


async def test_an_append_on_a_trusted_state_appends_only_onto_the_event_it_was_built_to(store: ReadingStore) -> None:
    """The check is the stream's last event, not only its version: a stream rewritten under the
    process to the same version (a restore, then other writes) is not appended to on a guess."""
    bus = CommandBus("safety", store, SAFETY_EVENTS, states=AggregateStates())
    await run(bus, "walk", start("walk"))
    await run(bus, "walk", finding(0))
    await store.pool.execute("DELETE FROM outbox")
    await store.pool.execute("DELETE FROM events WHERE stream_id = 'inspection-walk'")
    other = CommandBus("safety", store, SAFETY_EVENTS)
    await run(other, "walk", start("walk"))
    await run(other, "walk", finding(7))  # version 2 again, another event
    store.from_versions.clear()
    result = await run(bus, "walk", finding(5))
    assert result.version == 3 and store.from_versions == [2, 1]  # refused, then read in full
    state, _ = await bus.load(Inspection, "inspection-walk")
    assert state.findings == 2 and state.checked == frozenset([ITEMS[7], ITEMS[5]])


async def test_a_trusted_state_whose_stream_now_lives_elsewhere_conflicts_and_appends_nothing(
    store: ReadingStore,
) -> None:
    """The caller's scope was checked against the tenant kept: if the stream's first event is not
    there any more (a restore, and an entity of the same id started on another campus), the
    command is a conflict, never an act on an entity nobody checked the caller may see."""
    bus = CommandBus("safety", store, SAFETY_EVENTS, states=AggregateStates())
    await run(bus, "walk", start("walk"))
    await run(bus, "walk", finding(0))
    await store.pool.execute("DELETE FROM outbox")
    await store.pool.execute("DELETE FROM events WHERE stream_id = 'inspection-walk'")
    elsewhere = TENANT.model_copy(update={"campus_id": "main"})
    other = CommandBus("safety", store, SAFETY_EVENTS)
    begun = Resolved(start("walk"), elsewhere, "walk", {"hazard_id": "hz-none"})
    await other.execute(Inspection, "walk", begun, CTX, elsewhere)
    ahead = await bus.read_ahead(Inspection, "inspection-walk")
    assert ahead.kept is not None and ahead.tenant() == TENANT and ahead.envelopes == []  # nothing read
    with pytest.raises(ConcurrencyConflict):
        await run(bus, "walk", finding(5), ahead=ahead)
    assert await store.pool.fetchval("SELECT count(*) FROM events WHERE stream_id = 'inspection-walk'") == 1
    assert states_of(bus).get("Inspection", "inspection-walk") is None  # read afresh next time
    fresh = await bus.read_ahead(Inspection, "inspection-walk")
    assert fresh.kept is None and fresh.tenant() == elsewhere


async def test_what_another_process_appended_is_read_after_the_kept_state(store: ReadingStore) -> None:
    ours = CommandBus("safety", store, SAFETY_EVENTS, states=AggregateStates())
    theirs = CommandBus("safety", store, SAFETY_EVENTS, states=AggregateStates())
    await run(ours, "walk", start("walk"))
    await run(ours, "walk", finding(0))
    for n in range(1, 4):
        await run(theirs, "walk", finding(n))
    state, version = await ours.load(Inspection, "inspection-walk")
    assert version == 5 and state.findings == 4 and state.checked == frozenset(ITEMS[:4])


async def test_a_store_rewritten_under_the_process_is_read_in_full(store: ReadingStore) -> None:
    bus = CommandBus("safety", store, SAFETY_EVENTS, states=AggregateStates())
    await run(bus, "walk", start("walk"))
    await run(bus, "walk", finding(0))
    await run(bus, "walk", finding(1))
    # a restore from an earlier backup: the stream is another one with the same name
    await store.pool.execute("DELETE FROM outbox")
    await store.pool.execute("DELETE FROM events WHERE stream_id = 'inspection-walk'")
    await run(CommandBus("safety", store, SAFETY_EVENTS), "walk", start("walk"))
    store.from_versions.clear()
    result = await run(bus, "walk", finding(5))
    assert result.version == 2
    assert store.from_versions == [3, 1]  # refused at the append; the kept last event is not there: read all
    state, _ = await bus.load(Inspection, "inspection-walk")
    assert state.findings == 1 and state.checked == frozenset([ITEMS[5]])


async def test_a_state_read_in_a_transaction_that_rolls_back_is_not_kept(store: ReadingStore) -> None:
    states = AggregateStates()
    bus = CommandBus("safety", store, SAFETY_EVENTS, states=states)
    await run(bus, "walk", start("walk"))
    await run(bus, "walk", finding(0))
    kept = states.get("Inspection", "inspection-walk")
    assert kept is not None and kept.version == 2  # as the finding appended it

    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned):
        async with store.pool.acquire() as conn, conn.transaction():
            await run(bus, "walk", finding(1), conn=conn)
            state, version = await bus.load(Inspection, "inspection-walk", conn=conn)
            assert version == 3  # its own event, seen inside the transaction
            raise Abandoned
    kept = states.get("Inspection", "inspection-walk")
    assert kept is not None and kept.version == 2  # nothing of the abandoned transaction
    state, version = await bus.load(Inspection, "inspection-walk")
    assert version == 2 and state.findings == 1


async def test_concurrent_commands_on_one_kept_aggregate_each_append_once(store: ReadingStore) -> None:
    bus = CommandBus("safety", store, SAFETY_EVENTS, states=AggregateStates())
    await run(bus, "walk", start("walk"))
    await run(bus, "walk", finding(0))
    outcomes = await asyncio.gather(*(run(bus, "walk", finding(n)) for n in range(1, 9)), return_exceptions=True)
    appended = [o for o in outcomes if not isinstance(o, BaseException)]
    count = await store.pool.fetchval("SELECT count(*) FROM events WHERE stream_id = 'inspection-walk'")
    assert count == 2 + len(appended)
    assert sorted(o.version for o in appended) == list(range(3, 3 + len(appended)))
    state, version = await bus.load(Inspection, "inspection-walk")
    fresh, fresh_version = await CommandBus("safety", store, SAFETY_EVENTS).load(Inspection, "inspection-walk")
    assert (state, version) == (fresh, fresh_version) and state.findings == 1 + len(appended)


def test_the_states_kept_are_bounded_and_the_least_used_go_first() -> None:
    from uuid import uuid4

    states = AggregateStates(size=3)
    for name in "abcd":
        states.keep("Inspection", name, name, 1, uuid4())
        if name == "b":
            assert states.get("Inspection", "a") is not None  # a used again: b is now the least used
    assert [k[1] for k in states.entries] == ["a", "c", "d"]
    assert states.get("Inspection", "b") is None and len(states.entries) == 3
    later = uuid4()
    states.keep("Inspection", "d", "d2", 5, later)
    states.keep("Inspection", "d", "d-old", 4, uuid4())  # an earlier state never replaces a later one
    kept = states.get("Inspection", "d")
    assert kept is not None and (kept.state, kept.version, kept.last_event) == ("d2", 5, later)


async def test_the_stream_read_with_the_tenant_check_is_the_command_s_read(store: ReadingStore) -> None:
    """A command on an existing entity reads its stream with the tenant check (one round trip):
    the first event for the scope, and what the command loads. A read gone stale before the
    append conflicts and is read again; a client's expected version is checked against the
    stream as it is, never against the read ahead."""
    writer = CommandBus("safety", store, SAFETY_EVENTS, states=AggregateStates())
    await run(writer, "walk", start("walk"))
    await run(writer, "walk", finding(0))
    bus = CommandBus("safety", store, SAFETY_EVENTS, states=AggregateStates())  # it appended nothing yet
    store.from_versions.clear()

    ahead = await bus.read_ahead(Inspection, "inspection-walk")
    first = ahead.first()
    assert first is not None and first.type == "safety.InspectionStarted" and ahead.from_version == 1
    assert [e.version for e in ahead.envelopes] == [1, 2]
    result = await run(bus, "walk", finding(1), ahead=ahead)
    assert result.version == 3 and store.from_versions == []  # nothing read but the read ahead

    # its own append kept trusted: the next read ahead reads nothing; another process appends
    # before the command: the append conflicts, the stream is read again, and the finding goes
    # after the other's
    stale = await bus.read_ahead(Inspection, "inspection-walk")
    assert stale.kept is not None and stale.envelopes == []
    other = CommandBus("safety", store, SAFETY_EVENTS, states=AggregateStates())
    await run(other, "walk", finding(2))
    store.from_versions.clear()
    result = await run(bus, "walk", finding(3), ahead=stale)
    assert result.version == 5 and store.from_versions == [3]

    # with the client's expected version (5, which is now), a stale read ahead (of version 2)
    # is not used (no false conflict): the stream is read from the state kept (5)
    stale = ahead
    store.from_versions.clear()
    result = await run(bus, "walk", finding(4), ahead=stale, expected=5)
    assert result.version == 6 and store.from_versions == [5]
    fresh, version = await CommandBus("safety", store, SAFETY_EVENTS).load(Inspection, "inspection-walk")
    kept, kept_version = await bus.load(Inspection, "inspection-walk")
    assert (kept, kept_version) == (fresh, version) and version == 6 and fresh.findings == 5


async def test_a_retry_after_its_aggregate_moved_on_is_answered_its_first_result(store: ReadingStore) -> None:
    """Outside a transaction a keyed command is decided before its key is looked up: a retry
    decided on a state its first attempt moved (a finding retried after the inspection was
    completed, which the decider now refuses; or accepted again) still gets the first result."""
    bus = CommandBus("safety", store, SAFETY_EVENTS, states=AggregateStates())
    keyed = replace(CTX, command_id="finding-key")
    await run(bus, "walk", start("walk"))
    facts = {"hazard_id": "hz-none"}
    first = await bus.execute(Inspection, "walk", Resolved(finding(0), TENANT, "walk", facts), keyed, TENANT)
    again = await bus.execute(Inspection, "walk", Resolved(finding(0), TENANT, "walk", facts), keyed, TENANT)
    assert again.duplicate and (again.version, again.event_ids) == (first.version, first.event_ids)
    for n in range(1, len(ITEMS)):
        await run(bus, "walk", finding(n))
    completed = CompleteInspection(at=START + timedelta(hours=2))
    await bus.execute(Inspection, "walk", Resolved(completed, TENANT, "walk", facts), CTX, TENANT)
    with pytest.raises(Rejected, match="completed"):  # without its key, the same finding is refused now
        await run(bus, "walk", finding(0))
    late = await bus.execute(Inspection, "walk", Resolved(finding(0), TENANT, "walk", facts), keyed, TENANT)
    assert late.duplicate and (late.version, late.event_ids, late.events) == (
        first.version,
        first.event_ids,
        ["safety.InspectionFindingRecorded"],
    )
