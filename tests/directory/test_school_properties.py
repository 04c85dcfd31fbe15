"""Property tests of the school decider: a school's terms never overlap.

The machine, and what it checks of every decider: ``tests/properties.py``.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import strategies as st

from services.directory.events import DIRECTORY_EVENTS
from services.directory.school import RegisterSchool, ScheduleTerm, School
from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent, TenantPath
from tests.properties import NAMES, QUIET, DeciderMachine, days, machine, machine_ids, run_machine, step

pytestmark = QUIET


def no_overlapping_terms(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    terms = sorted(after.terms, key=lambda t: t.starts_on)
    assert all(a.ends_on < b.starts_on for a, b in pairwise(terms))
    assert len({t.term_id for t in terms}) == len(terms)


SCHOOL_CREATE = step(st.builds(RegisterSchool, school_id=st.just("xuexiao"), district_id=st.just("xinbei"), name=NAMES))
SCHOOL = machine(
    "SchoolMachine",
    School,
    DIRECTORY_EVENTS,
    "xuexiao",
    st.one_of(
        SCHOOL_CREATE,
        step(
            st.builds(
                lambda term, start, length: ScheduleTerm(
                    term_id=term, name=term, starts_on=start, ends_on=start + timedelta(days=length)
                ),
                st.sampled_from(["t-2020-1", "t-2020-2", "t-2021-1"]),
                days(),
                st.integers(1, 200),
            )
        ),
    ),
    ["platform"],
    tenant=TenantPath(district_id="xinbei", school_id="xuexiao"),
    check=no_overlapping_terms,
    create=SCHOOL_CREATE,
)


MACHINES = [SCHOOL]


@pytest.mark.parametrize("machine_class", MACHINES, ids=machine_ids(MACHINES))
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
