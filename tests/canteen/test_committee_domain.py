"""The meal committee, given / when / then."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from services.canteen.committee import (
    AddCommitteeMember,
    CommitteeState,
    FormMealCommittee,
    MealCommittee,
    RecordCommitteeMeeting,
    RemoveCommitteeMember,
    committee_id,
    term_facts,
)
from services.canteen.events import (
    CommitteeMeetingHeld,
    CommitteeMemberJoined,
    CommitteeMemberLeft,
    MealCommitteeFormed,
    MemberKind,
)
from services.eventkit.acts import OutOfOrder
from services.eventkit.envelope import TenantPath
from tests.deciders import Stream

SCHOOL = TenantPath(district_id="xinbei", school_id="xuexiao")
TERM = term_facts(date(2020, 9, 1), date(2021, 1, 31))
committee = Stream(
    MealCommittee,
    SCHOOL,
    committee_id("xuexiao", "2020-2021-1", False),
    actor="zhou",
    at=datetime(2021, 2, 1, 1, 0, tzinfo=UTC),
    facts=TERM,
)

XU = {"member_id": "xu-vp", "name": "徐副校长", "kind": "leader", "duty": "主任委员", "staff_id": "xu-vp"}
YAO = {"member_id": "yao-mum", "name": "姚妈妈", "kind": "parent", "duty": "家长委员", "parent_id": "yao-mum"}
ZHOU = {"member_id": "zhou", "name": "周主任", "kind": "canteen", "duty": "食堂管理", "staff_id": "zhou"}


def form(**changes: Any) -> FormMealCommittee:
    body: dict[str, Any] = {
        "school_id": "xuexiao",
        "term_id": "2020-2021-1",
        "name": "薛小第一届膳食委员会",
        "duties": ["监督食堂食品安全"],
        "members": [XU, YAO],
        "on": "2020-09-01",
    }
    return FormMealCommittee.model_validate(body | changes)


def add(member: dict[str, Any], on: str = "2020-10-08") -> AddCommitteeMember:
    return AddCommitteeMember.model_validate(member | {"on": on})


def meeting(
    meeting_id: str = "m1", on: str = "2020-09-10", attendees: list[str] | None = None
) -> RecordCommitteeMeeting:
    return RecordCommitteeMeeting.model_validate(
        {"meeting_id": meeting_id, "on": on, "attendees": attendees or ["xu-vp", "yao-mum"], "minutes": "讨论菜谱"}
    )


def formed() -> MealCommitteeFormed:
    (event,) = committee.when(form())
    assert isinstance(event, MealCommitteeFormed)
    return event


def test_a_committee_is_formed_with_its_duties_and_members_once_per_school_term_and_kind() -> None:
    event = formed()
    assert event.committee_id == "xuexiao-2020-2021-1" and event.formed_by == "zhou"
    assert [m.member_id for m in event.members] == ["xu-vp", "yao-mum"] and event.formed_on == date(2020, 9, 1)
    state = committee.given(event)
    assert isinstance(state, CommitteeState) and {m.member_id for m in state.current} == {"xu-vp", "yao-mum"}
    committee.refused(form(), given=[event], field="term_id", match="already has its meal committee")
    assert committee_id("xuexiao", "2020-2021-1", True) == "xuexiao-2020-2021-1-oversight"


def test_a_committee_is_not_formed_after_its_term_ended() -> None:
    committee.refused(form(on="2021-02-01"), raises=OutOfOrder, field="on")


@pytest.mark.parametrize(
    "members",
    [
        [XU, XU],
        [XU, XU | {"member_id": "xu-again"}],  # the same staff member twice
        [YAO, YAO | {"member_id": "yao-again"}],
        [XU | {"kind": "parent"}],  # a parent named by a staff id
        [YAO | {"kind": "teacher"}],
        [XU | {"parent_id": "yao-mum"}],
        [{"member_id": "p1", "name": "学生代表", "kind": "pupil", "duty": "反映意见", "staff_id": "huang"}],
        [],
    ],
)
def test_members_are_named_once_each_by_the_id_of_their_kind(members: list[dict[str, Any]]) -> None:
    with pytest.raises(ValidationError) as caught:
        form(members=members)
    assert caught.value.errors()[0]["loc"][0] == "members"


def test_a_pupils_representative_is_named_by_neither_staff_nor_parent_id() -> None:
    pupil = {"member_id": "pupil-rep", "name": "学生代表", "kind": "pupil", "duty": "反映同学意见"}
    (event,) = committee.when(form(members=[XU, pupil]))
    assert isinstance(event, MealCommitteeFormed) and event.members[1].kind is MemberKind.PUPIL


def test_a_member_joins_once_not_before_the_committee_was_formed() -> None:
    start = formed()
    (joined,) = committee.when(add(ZHOU), given=[start])
    assert isinstance(joined, CommitteeMemberJoined) and joined.member.staff_id == "zhou"
    assert joined.joined_on == date(2020, 10, 8) and joined.recorded_by == "zhou"
    committee.refused(add(ZHOU), given=[start, joined], field="member_id", match="already sits")
    committee.refused(add(ZHOU | {"member_id": "zhou-2"}), given=[start, joined], field="staff_id")
    committee.refused(add(YAO | {"member_id": "yao-2"}), given=[start], field="parent_id")
    committee.refused(add(ZHOU, on="2020-08-31"), given=[start], raises=OutOfOrder, field="on")
    committee.refused(add(ZHOU, on="2021-02-01"), given=[start], raises=OutOfOrder, field="on")
    committee.refused(add(ZHOU), field=None, match="never formed")


def test_a_member_leaves_once_not_before_joining_and_may_join_again_later() -> None:
    start = formed()
    (joined,) = committee.when(add(ZHOU), given=[start])
    leave = RemoveCommitteeMember(member_id="zhou", reason="调岗", on=date(2020, 11, 2))
    committee.refused(
        RemoveCommitteeMember(member_id="zhou", reason="调岗", on=date(2020, 10, 7)),
        given=[start, joined],
        raises=OutOfOrder,
        field="on",
    )
    (left,) = committee.when(leave, given=[start, joined])
    assert isinstance(left, CommitteeMemberLeft) and left.left_on == date(2020, 11, 2)
    committee.refused(leave, given=[start, joined, left], field="member_id", match="not a member")
    committee.refused(RemoveCommitteeMember(member_id="nobody", reason="-", on=date(2020, 11, 2)), given=[start])
    assert "zhou" not in {m.member_id for m in committee.given(start, joined, left).current}
    committee.refused(add(ZHOU, on="2020-11-01"), given=[start, joined, left], raises=OutOfOrder, field="on")
    assert committee.when(add(ZHOU, on="2020-11-20"), given=[start, joined, left])


def test_a_meeting_is_held_within_the_term_by_members_of_that_day() -> None:
    start = formed()
    (held,) = committee.when(meeting(), given=[start])
    assert isinstance(held, CommitteeMeetingHeld) and held.attendees == ["xu-vp", "yao-mum"]
    assert held.held_on == date(2020, 9, 10) and held.minutes == "讨论菜谱"
    committee.refused(meeting(), given=[start, held], field="meeting_id")
    committee.refused(meeting("m2", attendees=["xu-vp", "zhou"]), given=[start], field="attendees.1")
    (joined,) = committee.when(add(ZHOU), given=[start])
    # zhou joined on 2020-10-08: not a member at a meeting before
    committee.refused(meeting("m2", on="2020-10-07", attendees=["zhou"]), given=[start, joined], field="attendees.0")
    assert committee.when(meeting("m2", on="2020-10-08", attendees=["zhou"]), given=[start, joined])
    late = committee.refused(meeting("m3", on="2021-02-01"), given=[start], raises=OutOfOrder, field="on")
    assert isinstance(late, OutOfOrder) and late.step == "term ended"


def test_a_meeting_may_be_on_the_day_a_member_leaves_but_not_after() -> None:
    start = formed()
    (left,) = committee.when(
        RemoveCommitteeMember(member_id="yao-mum", reason="毕业", on=date(2020, 12, 1)), given=[start]
    )
    assert committee.when(meeting("m1", on="2020-12-01"), given=[start, left])
    committee.refused(meeting("m2", on="2020-12-02"), given=[start, left], field="attendees.1")


def test_attendees_are_named_once() -> None:
    with pytest.raises(ValidationError, match="once"):
        meeting(attendees=["xu-vp", "xu-vp"])


def remove(member_id: str, on: str) -> RemoveCommitteeMember:
    return RemoveCommitteeMember.model_validate({"member_id": member_id, "reason": "转学", "on": on})


def test_the_same_person_does_not_rejoin_under_another_id_dated_into_their_earlier_time() -> None:
    history = [formed(), *committee.when(remove("yao-mum", "2020-10-10"), given=[formed()])]
    again = YAO | {"member_id": "yao-again"}
    committee.refused(add(again, on="2020-09-20"), given=history, raises=OutOfOrder, field="on")
    (joined,) = committee.when(add(again, on="2020-10-10"), given=history)
    assert isinstance(joined, CommitteeMemberJoined) and joined.member.member_id == "yao-again"


def test_a_member_leaves_no_earlier_than_a_meeting_they_attended() -> None:
    history = [formed(), *committee.when(meeting(on="2020-09-10"), given=[formed()])]
    committee.refused(remove("yao-mum", "2020-09-05"), given=history, raises=OutOfOrder, field="on")
    (left,) = committee.when(remove("yao-mum", "2020-09-10"), given=history)
    assert isinstance(left, CommitteeMemberLeft) and left.left_on == date(2020, 9, 10)
