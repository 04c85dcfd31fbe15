"""Property tests of the aggregates' deciders: the machine and what its users share.

Each aggregate's test module (``tests/<service>/test_<aggregate>_properties.py``) makes a
state machine per decider with :func:`machine`: one aggregate instance (one stream) driven
by random commands from small pools of ids, actors and values, so that the interesting
refusals happen (the fixer verifying their own fix, the requester signing, issuing beyond
stock...). The store is a list of envelopes as they go over the wire (JSON). At every step:

- the state the decider decides on is the fold of the stored events, decoded from the
  wire, and it equals the state evolved from the events as decided (nothing the state
  needs is lost on the way through the store);
- a command either decides events or is refused with ``Rejected`` (never another
  exception, unless a machine names it: an asset's damage refused for its input is an
  ``InvalidInput``), deciding twice on one state gives the same events (no clock, no
  ids) or the same refusal, and a refused command appends nothing;
- each aggregate's own invariants hold (its machine's ``check``: stock never below zero,
  a hazard closed only by someone other than its fixer, ...), and where a machine says
  which commands its rules allow (``refused_only_when``), nothing they allow is refused.

The facts a handler resolves are passed as it would (from the directory, or read from the
stream itself, like who delivered a safety session). Every module runs its machines with
:func:`run_machine` (the one set of Hypothesis settings, :data:`SETTINGS`), and
``tests/test_property_coverage.py`` checks that every decider of the services has one.

No infrastructure: these run wherever the suite runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent, Envelope, EventRegistry, TenantPath, new_envelope
from services.eventkit.errors import HouqinError, Rejected
from tests.deciders import LATER, resolved

QUIET = pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
"""Every property module's ``pytestmark``."""

START = datetime(2020, 9, 1, 8, 0, tzinfo=UTC)
TENANT = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
NAMES = st.sampled_from(["本部", "奥园校区", "六1班", "薛家实验小学"])
REASONS = st.sampled_from(["并入本部", "调往他校", "转学", "库存尚足"])
Step = tuple[Any, dict[str, str]]  # a command and the facts its handler would resolve
Check = Callable[[Resolved[Any], Any, list[DomainEvent], Any], None]  # (resolved command, before, events, after)
Resolve = Callable[["DeciderMachine", Any], dict[str, str]]  # facts a handler reads from the stream itself
Refusal = Callable[[Resolved[Any], Any, HouqinError], None]  # (resolved command, state, the refusal)


def times(days: int = 60) -> st.SearchStrategy[datetime]:
    return st.integers(0, days * 24 * 60).map(lambda m: START + timedelta(minutes=m))


def days() -> st.SearchStrategy[date]:
    return st.integers(0, 500).map(lambda d: date(2020, 9, 1) + timedelta(days=d))


class DeciderMachine(RuleBasedStateMachine):
    """One stream of one aggregate; subclasses made by :func:`machine`."""

    decider: Decider[Any, Any, Any]
    registry: EventRegistry
    entity_id: str
    tenant: TenantPath = TENANT
    check: Check | None = None
    resolve: Resolve | None = None
    refusals: tuple[type[HouqinError], ...] = (Rejected,)
    on_refusal: Refusal | None = None

    def __init__(self) -> None:
        super().__init__()
        self.wire: list[bytes] = []
        self.state: Any = self.decider.initial_state
        self.clock = START
        self.refused = 0

    @property
    def stream_id(self) -> str:
        return self.decider.stream_id(self.entity_id)

    def stored_state(self) -> Any:
        return self.decider.fold(self.registry.decode(Envelope.from_wire(w)) for w in self.wire)

    def send(self, step: Step, actor: str, minutes: int) -> None:
        command, facts = step
        self.clock += timedelta(minutes=minutes)
        if self.resolve is not None:
            facts = {**facts, **type(self).resolve(self, command)}  # type: ignore[misc]
        rc = resolved(command, self.tenant, self.entity_id, facts=facts, actor=actor, at=self.clock, received=LATER)
        used = self.stored_state()
        assert used == self.state, "the fold of the stored events is not the state the decider used"
        before = list(self.wire)
        try:
            events = list(self.decider.decide(rc, used))
        except self.refusals as refusal:
            self.refused += 1
            with pytest.raises(type(refusal)):  # refused again, the same way
                self.decider.decide(rc, used)
            if self.on_refusal is not None:
                type(self).on_refusal(rc, used, refusal)  # type: ignore[misc]
            assert self.wire == before
            assert self.stored_state() == used
            return
        assert list(self.decider.decide(rc, used)) == events, "deciding twice gave other events"
        after = self.decider.fold(events, used)
        if self.check is not None:
            type(self).check(rc, used, events, after)  # type: ignore[misc]
        for event in events:
            version = len(self.wire) + 1
            envelope = new_envelope(
                event,
                stream_id=self.stream_id,
                version=version,
                tenant=self.tenant,
                actor=actor,
                occurred_at=self.clock,
                event_id=UUID(int=version),
            )
            self.wire.append(envelope.to_wire())
            self.state = self.decider.evolve(self.state, event)

    @invariant()
    def the_store_folds_to_the_state(self) -> None:
        assert self.stored_state() == self.state


def machine(
    name: str,
    decider: Decider[Any, Any, Any],
    registry: EventRegistry,
    entity_id: str,
    steps: st.SearchStrategy[Step],
    actors: list[str],
    check: Check | None = None,
    tenant: TenantPath = TENANT,
    create: st.SearchStrategy[Step] | None = None,
    resolve: Resolve | None = None,
    refusals: tuple[type[HouqinError], ...] = (Rejected,),
    on_refusal: Refusal | None = None,
) -> type[DeciderMachine]:
    """A machine over one stream of ``decider``; ``create`` (most runs) opens it first.

    ``resolve`` adds the facts a handler reads from the stream (the machine's wire);
    ``refusals`` are the errors a refused command may raise (``()``: it is never refused),
    and ``on_refusal`` checks each refusal against the state it was decided on.
    """

    class Machine(DeciderMachine):
        @initialize(step=st.none() | create if create is not None else st.none(), actor=st.sampled_from(actors))
        def open(self, step: Step | None, actor: str) -> None:
            if step is not None:
                self.send(step, actor, 0)

        @rule(step=steps, actor=st.sampled_from(actors), minutes=st.integers(0, 3 * 24 * 60))
        def command(self, step: Step, actor: str, minutes: int) -> None:
            self.send(step, actor, minutes)

    Machine.__name__ = Machine.__qualname__ = name
    Machine.decider, Machine.registry, Machine.entity_id, Machine.tenant = decider, registry, entity_id, tenant
    Machine.check = staticmethod(check) if check else None  # type: ignore[assignment]
    Machine.resolve = staticmethod(resolve) if resolve else None  # type: ignore[assignment]
    Machine.on_refusal = staticmethod(on_refusal) if on_refusal else None  # type: ignore[assignment]
    Machine.refusals = refusals
    return Machine


def step(strategy: st.SearchStrategy[Any], facts: dict[str, str] | None = None) -> st.SearchStrategy[Step]:
    return strategy.map(lambda c: (c, dict(facts or {})))


def refused_only_when(allowed: Callable[[Resolved[Any], Any], bool]) -> Refusal:
    """The command is refused only where the aggregate's rules (``allowed``) forbid it."""

    def on_refusal(rc: Resolved[Any], state: Any, refusal: HouqinError) -> None:
        assert not allowed(rc, state), f"{type(rc.command).__name__} refused though the rules allow it: {refusal}"

    return on_refusal


SETTINGS = settings(
    max_examples=40,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def run_machine(machine_class: type[DeciderMachine]) -> None:
    """Runs one aggregate's state machine with the Hypothesis :data:`SETTINGS`."""
    test_case = machine_class.TestCase
    test_case.settings = SETTINGS
    test_case("runTest").runTest()


def machine_ids(machines: Sequence[type[DeciderMachine]]) -> list[str]:
    """The test ids of ``machines``: their aggregates' names."""
    return [m.__name__.removesuffix("Machine") for m in machines]


# -- strategies more than one aggregate's machine draws from -----------------------------------

SCHOOL_DAY = ZoneInfo("Asia/Shanghai")  # a default day is the day at the school, not in UTC
TEXTS = st.sampled_from(["全体师生参加", "已处理", "缺少互动环节"])
QUANTITIES = st.integers(1, 30)
DAYS_OR_TODAY = st.none() | days()


def school_day(at: datetime) -> date:
    return at.astimezone(SCHOOL_DAY).date()
