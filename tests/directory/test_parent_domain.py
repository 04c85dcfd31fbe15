"""Parents and their children: given events, when a command, then events or a refusal."""

from __future__ import annotations

from services.directory.events import ParentLinked, ParentRegistered
from services.directory.parent import LinkParent, Parent, ParentState, RegisterParent
from services.eventkit.envelope import TenantPath
from tests.deciders import Stream

XUEXIAO = TenantPath(district_id="xinbei", school_id="xuexiao")

PARENT_REGISTERED = ParentRegistered(
    parent_id="zhang-mum", district_id="xinbei", school_id="xuexiao", name="张妈妈", phone="13800000000"
)

parent = Stream(Parent, XUEXIAO, "zhang-mum")


def test_a_parent_is_registered_in_the_district_of_the_school() -> None:
    cmd = RegisterParent(parent_id="zhang-mum", school_id="xuexiao", name="张妈妈", phone="13800000000")
    assert parent.when(cmd) == [PARENT_REGISTERED]
    assert parent.given(PARENT_REGISTERED) == ParentState(True, "张妈妈")


def test_a_parent_is_registered_once() -> None:
    cmd = RegisterParent(parent_id="zhang-mum", school_id="xuexiao", name="张妈妈")
    parent.refused(cmd, given=[PARENT_REGISTERED], field="parent_id")


def test_a_parent_is_linked_to_a_child_in_the_class_resolved() -> None:
    cmd = LinkParent(student_id="zhang-san", relation="mother")
    events = parent.when(cmd, given=[PARENT_REGISTERED], facts={"class_id": "g6-1"})
    assert events == [ParentLinked(parent_id="zhang-mum", student_id="zhang-san", class_id="g6-1", relation="mother")]
    assert parent.given(PARENT_REGISTERED, *events).children == ("zhang-san",)


def test_a_parent_is_linked_to_a_child_once() -> None:
    linked = ParentLinked(parent_id="zhang-mum", student_id="zhang-san", class_id="g6-1", relation="mother")
    cmd = LinkParent(student_id="zhang-san", relation="mother")
    parent.refused(cmd, given=[PARENT_REGISTERED, linked], facts={"class_id": "g6-1"}, field="student_id")


def test_a_parent_may_have_two_children() -> None:
    linked = ParentLinked(parent_id="zhang-mum", student_id="zhang-san", class_id="g6-1", relation="mother")
    cmd = LinkParent(student_id="zhang-si", relation="mother")
    events = parent.when(cmd, given=[PARENT_REGISTERED, linked], facts={"class_id": "g3-2"})
    assert events == [ParentLinked(parent_id="zhang-mum", student_id="zhang-si", class_id="g3-2", relation="mother")]


def test_linking_an_unregistered_parent_is_refused() -> None:
    parent.refused(LinkParent(student_id="zhang-san", relation="mother"), facts={"class_id": "g6-1"})
