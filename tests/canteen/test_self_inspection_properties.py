"""Property tests of the self-inspection's decider: one inspection a period, recorded on the
stream of the period its act falls in; a daily control covers the whole standard daily list; each
failed item that is a hazard goes to safety once, dated when the inspection was done.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import strategies as st

from services.canteen.events import CANTEEN_EVENTS, Cadence, HazardFound, SelfInspectionRecorded
from services.canteen.self_inspection import (
    STANDARD_CHECKLISTS,
    CheckLine,
    RecordSelfInspection,
    SelfInspection,
    hazard_description,
    missing_items,
    self_inspection_id,
)
from services.eventkit.days import CHINA, local_day
from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from services.safety.events import Severity
from tests.properties import QUIET, DeciderMachine, machine, machine_ids, refused_only_when, run_machine, step

pytestmark = QUIET

DAY = date(2020, 9, 7)  # a Monday
# Instants around the day and its week, near the school's midnight too.
AT = st.builds(
    lambda d, minute: datetime.combine(DAY + timedelta(days=d), datetime.min.time(), CHINA) + timedelta(minutes=minute),
    st.integers(-2, 8),
    st.sampled_from([0, 16 * 60 + 30, 23 * 60 + 59]),
)
AREAS = ["粗加工间", "烹饪间", "冷藏间"]
LINE = st.one_of(
    st.builds(lambda: {"ok": True}),
    st.builds(lambda: {"ok": False, "note": "北侧纱窗破损"}),
    st.builds(lambda s: {"ok": False, "note": "软管老化", "hazard": True, "severity": s}, st.sampled_from(Severity)),
)


def lines(items: list[str]) -> st.SearchStrategy[list[CheckLine]]:
    return st.tuples(*(st.tuples(st.sampled_from(AREAS), LINE) for _ in items)).map(
        lambda drawn: [CheckLine(item=i, area=area, **kind) for i, (area, kind) in zip(items, drawn, strict=True)]
    )


@st.composite
def inspections(draw: st.DrawFn) -> RecordSelfInspection:
    cadence = draw(st.sampled_from(Cadence))
    standard = [c.item for c in STANDARD_CHECKLISTS[cadence]]
    items = standard if cadence is Cadence.DAILY else draw(st.lists(st.sampled_from(standard), min_size=1, unique=True))
    results = draw(lines(items))
    return RecordSelfInspection(campus_id="main", cadence=cadence, results=results, at=draw(st.none() | AT))


def one_a_period_its_hazards_to_safety(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    cmd = rc.command
    recorded, *hazards = events
    assert isinstance(recorded, SelfInspectionRecorded) and not before.recorded, "a period inspected twice"
    assert rc.entity_id == self_inspection_id(cmd.campus_id, cmd.cadence, local_day(rc.at)), "another period's"
    assert cmd.cadence is not Cadence.DAILY or not missing_items(cmd.cadence, [r.item for r in recorded.results])
    assert [r.model_dump() for r in recorded.results] == [r.model_dump() for r in cmd.results]
    expected = [line for line in cmd.results if line.hazard]
    assert len(hazards) == len(expected), "a hazard not reported, or reported twice"
    for hazard, line in zip(hazards, expected, strict=True):
        assert isinstance(hazard, HazardFound) and not line.ok
        assert (hazard.area, hazard.severity) == (line.area, line.severity)
        assert hazard.description == hazard_description(line.item, line.note)
        assert hazard.found_at == rc.at and hazard.source_ref == rc.entity_id and hazard.raised_by == rc.actor
    assert after.recorded and after.cadence is cmd.cadence


def inspection_allowed(rc: Resolved[Any], state: Any) -> bool:
    cmd = rc.command
    return not state.recorded and rc.entity_id == self_inspection_id(cmd.campus_id, cmd.cadence, local_day(rc.at))


def inspection_machine(name: str, cadence: Cadence) -> type[DeciderMachine]:
    return machine(
        name,
        SelfInspection,
        CANTEEN_EVENTS,
        self_inspection_id("main", cadence, DAY),
        step(inspections()),
        ["jiang-cook", "han-canteen", "zhou"],
        check=one_a_period_its_hazards_to_safety,
        create=step(inspections()),
        on_refusal=refused_only_when(inspection_allowed),
    )


DAILY = inspection_machine("DailyControlMachine", Cadence.DAILY)
WEEKLY = inspection_machine("WeeklySweepMachine", Cadence.WEEKLY)
MONTHLY = inspection_machine("MonthlyReviewMachine", Cadence.MONTHLY)


MACHINES = [DAILY, WEEKLY, MONTHLY]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
