"""Property tests of the keys' decider: a key is out with one holder at a time.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import strategies as st

from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent
from services.inventory import keys as ky
from services.inventory.events import INVENTORY_EVENTS, KeyIssued, KeyLost, KeyReturned
from tests.properties import QUIET, DeciderMachine, days, machine, machine_ids, refused_only_when, run_machine, step

pytestmark = QUIET


def one_holder_at_a_time(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    if before.status is not None:
        assert after.campus_id == before.campus_id, "a key moved to another campus"
    assert after.back_on is None or after.issued_on is None or after.back_on >= after.issued_on
    if isinstance(event, KeyIssued):
        assert before.status is not ky.KeyStatus.ISSUED, "a key issued while it is out"
        assert before.back_on is None or event.issued_on >= before.back_on, "issued before it came back"
        assert (after.status, after.holder_id) == (ky.KeyStatus.ISSUED, rc.command.holder_id)
        assert event.issued_by == rc.actor
        return
    assert before.status is ky.KeyStatus.ISSUED and after.holder_id == before.holder_id
    assert isinstance(event, KeyReturned | KeyLost)
    back = event.returned_on if isinstance(event, KeyReturned) else event.reported_on
    assert before.issued_on is not None and back >= before.issued_on, "back before it was issued"
    assert after.back_on == back


def key_allowed(rc: Resolved[Any], state: Any) -> bool:
    cmd = rc.command
    if isinstance(cmd, ky.IssueKey):
        return (
            state.status is not ky.KeyStatus.ISSUED
            and (state.status is None or cmd.campus_id == state.campus_id)
            and (state.back_on is None or cmd.on >= state.back_on)
        )
    back = cmd.on
    return state.status is ky.KeyStatus.ISSUED and back >= state.issued_on


ISSUE_KEY = step(
    st.builds(
        lambda campus, holder, issued, lent: ky.IssueKey(
            key_id="main-office-301",
            campus_id=campus,
            door="本部 行政楼 301 办公室",
            holder_id=holder,
            on=issued,
            due_on=issued + timedelta(days=lent),
        ),
        st.sampled_from(["main", "main", "aoyuan"]),
        st.sampled_from(["huang", "sun"]),
        days(),
        st.integers(0, 200),
    )
)
KEY = machine(
    "KeyMachine",
    ky.Key,
    INVENTORY_EVENTS,
    "main-office-301",
    st.one_of(
        ISSUE_KEY,
        step(st.builds(ky.ReturnKey, on=days())),
        step(st.builds(ky.ReportKeyLost, on=days(), lock_changed=st.booleans(), note=st.just("锁芯已更换"))),
    ),
    ["zhou", "gu"],
    check=one_holder_at_a_time,
    create=ISSUE_KEY,
    on_refusal=refused_only_when(key_allowed),
)


MACHINES = [KEY]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
