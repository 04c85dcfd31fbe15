"""Property tests of the parent decider: each child linked once.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from services.directory.events import DIRECTORY_EVENTS, ParentLinked, ParentRegistered
from services.directory.parent import LinkParent, Parent, RegisterParent
from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent, TenantPath
from tests.properties import QUIET, DeciderMachine, machine, machine_ids, run_machine, step

pytestmark = QUIET


CHILD_CLASS = {"yao": "g6-1", "lin": "g1-1", "chen": "g2-3"}


def each_child_linked_once(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    assert len(set(after.children)) == len(after.children)
    assert after.children[: len(before.children)] == before.children, "a link was undone"
    (event,) = events
    if isinstance(event, ParentLinked):
        assert before.exists and event.student_id == rc.command.student_id not in before.children
        assert (event.parent_id, event.class_id) == (rc.entity_id, rc.facts["class_id"])
    else:
        assert isinstance(event, ParentRegistered) and not before.exists
        assert event.district_id == rc.tenant.district_id


PARENT_CREATE = step(
    st.builds(
        RegisterParent,
        parent_id=st.just("yao-mum"),
        school_id=st.just("xuexiao"),
        name=st.sampled_from(["姚妈妈", "林爸爸"]),
        phone=st.sampled_from(["", "138 0000 0000"]),
    )
)
PARENT = machine(
    "ParentMachine",
    Parent,
    DIRECTORY_EVENTS,
    "yao-mum",
    st.one_of(
        PARENT_CREATE,
        st.builds(
            LinkParent, student_id=st.sampled_from(sorted(CHILD_CLASS)), relation=st.sampled_from(["mother", "父亲"])
        ).map(lambda c: (c, {"class_id": CHILD_CLASS[c.student_id]})),
    ),
    ["platform", "xinbei-admin"],
    tenant=TenantPath(district_id="xinbei", school_id="xuexiao"),
    check=each_child_linked_once,
    create=PARENT_CREATE,
)


MACHINES = [PARENT]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
