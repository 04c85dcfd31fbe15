"""The meal committee on the running canteen service: formed, members joining and leaving,
meetings, and the reads (a school's committees of a term, and the oversight committee the
district's rules may require)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import eventually
from tests.school import SchoolWorld

TERM = "2020-2021-1"
XU = {"member_id": "xu-vp", "name": "徐副校长", "kind": "leader", "duty": "主任委员", "staff_id": "xu-vp"}
YAO = {"member_id": "yao-mum", "name": "姚妈妈", "kind": "parent", "duty": "家长委员", "parent_id": "yao-mum"}
MA = {"member_id": "ma-dad", "name": "马爸爸", "kind": "parent", "duty": "家长委员", "parent_id": "ma-dad"}


def committee(**changes: Any) -> dict[str, Any]:
    return {
        "school_id": "xuexiao",
        "term_id": TERM,
        "name": "薛小第一届膳食委员会",
        "duties": ["监督食堂食品安全与膳食质量", "每月召开一次会议"],
        "members": [XU, YAO],
        "on": "2020-09-01",
    } | changes


async def of_term(world: SchoolWorld, as_: str = "manager-main") -> dict[str, Any]:
    response = await world.get(f"/schools/xuexiao/meal-committees/{TERM}", as_=as_)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"members": [XU | {"staff_id": "nobody"}]}, "members.0.staff_id"),
        ({"members": [YAO, XU | {"staff_id": "jiang-cook"}, MA | {"parent_id": "lin-dad"}]}, "members.2.parent_id"),
        ({"term_id": "2019-2020-2"}, "term_id"),
        ({"school_id": "nowhere"}, "school_id"),
    ],
)
async def test_a_committee_names_the_schools_term_staff_and_parents(
    world: SchoolWorld, changes: dict[str, Any], field: str
) -> None:
    before = await world.events()
    response = await world.post("/meal-committees", committee(**changes))
    assert response.status_code == 422, response.text
    assert [d["field"] for d in response.json()["detail"]] == [field]
    assert await world.events() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"members": [XU | {"kind": "parent"}]}, "members.0"),
        ({"members": [XU, XU]}, "members"),
        ({"duties": []}, "duties"),
        ({"name": ""}, "name"),
        ({"on": "soon"}, "on"),
    ],
)
async def test_a_bad_committee_is_422_naming_the_field(world: SchoolWorld, changes: dict[str, Any], field: str) -> None:
    before = await world.events()
    response = await world.post("/meal-committees", committee(**changes))
    assert response.status_code == 422, response.text
    assert [d["field"] for d in response.json()["detail"]] == [field]
    assert await world.events() == before


async def test_only_the_schools_managers_form_a_committee(world: SchoolWorld) -> None:
    before = await world.events()
    for who in ("other-admin", "parent-yao", "teacher-g6", "cook-main", "vp-main"):
        refused = await world.post("/meal-committees", committee(), as_=who)
        assert refused.status_code == 403, (who, refused.text)
    assert await world.events() == before


async def test_the_term_of_a_school_with_its_committee_members_and_meetings(world: SchoolWorld) -> None:
    formed = await world.post("/meal-committees", committee())
    assert formed.status_code == 200, formed.text
    assert formed.json()["events"] == ["canteen.MealCommitteeFormed"]
    cid = f"xuexiao-{TERM}"
    again = await world.post("/meal-committees", committee(), as_="manager-aoyuan")
    assert again.status_code == 409 and again.json()["field"] == "term_id"

    before = await world.events()
    stale = await world.post(f"/meal-committees/{cid}/members", MA | {"on": "2020-10-08", "expected_version": 0})
    assert stale.status_code == 409 and stale.json()["field"] == "expected_version"
    outside = await world.post(f"/meal-committees/{cid}/members", MA | {"on": "2020-10-08"}, as_="other-admin")
    assert outside.status_code == 404, outside.text  # another district's: not seen
    twice = await world.post(f"/meal-committees/{cid}/members", YAO | {"member_id": "yao-2", "on": "2020-10-08"})
    assert twice.status_code == 409 and twice.json()["field"] == "parent_id"
    stranger = await world.post(f"/meal-committees/{cid}/members", MA | {"parent_id": "nobody", "on": "2020-10-08"})
    assert stranger.status_code == 422 and stranger.json()["detail"][0]["field"] == "parent_id"
    early = await world.post(f"/meal-committees/{cid}/members", MA | {"on": "2020-08-31"})
    assert early.status_code == 409 and early.json()["field"] == "on"
    assert await world.events() == before

    joined = await world.post(f"/meal-committees/{cid}/members", MA | {"on": "2020-10-08", "expected_version": 1})
    assert joined.status_code == 200, joined.text
    meeting = {"meeting_id": "first", "on": "2020-09-10", "attendees": ["xu-vp", "yao-mum"], "minutes": "讨论菜谱"}
    before = await world.events()
    not_yet = await world.post(f"/meal-committees/{cid}/meetings", meeting | {"attendees": ["xu-vp", "ma-dad"]})
    assert not_yet.status_code == 409 and not_yet.json()["field"] == "attendees.1"  # joined on 2020-10-08
    holiday = await world.post(f"/meal-committees/{cid}/meetings", meeting | {"on": "2021-02-02"})
    assert holiday.status_code == 409 and holiday.json()["field"] == "on"
    bad = await world.post(f"/meal-committees/{cid}/meetings", meeting | {"minutes": ""})
    assert bad.status_code == 422 and [d["field"] for d in bad.json()["detail"]] == ["minutes"]
    assert await world.events() == before
    held = await world.post(f"/meal-committees/{cid}/meetings", meeting | {"decisions": ["每周一位家长陪餐"]})
    assert held.status_code == 200, held.text
    left = await world.post(
        f"/meal-committees/{cid}/departures", {"member_id": "yao-mum", "reason": "转学", "on": "2020-12-01"}
    )
    assert left.status_code == 200, left.text
    gone = await world.post(
        f"/meal-committees/{cid}/departures", {"member_id": "yao-mum", "reason": "-", "on": "2020-12-02"}
    )
    assert gone.status_code == 409 and gone.json()["field"] == "member_id"

    async def read() -> Any:
        response = await world.get(f"/meal-committees/{cid}", as_="vp-aoyuan")
        if response.status_code == 404:  # the read model has not seen the committee yet
            return None
        assert response.status_code == 200, response.text
        body = response.json()
        left = {m["member_id"]: m["left_on"] for m in body["roster"]}.get("yao-mum")
        return body if (body["members"], body["meetings"], left) == (2, 1, "2020-12-01") else None

    found = await eventually(read)
    assert found["meetings"] == 1 and found["duties"] == ["监督食堂食品安全与膳食质量", "每月召开一次会议"]
    roster = {m["member_id"]: m for m in found["roster"]}
    assert roster["yao-mum"]["left_on"] == "2020-12-01" and roster["ma-dad"]["joined_on"] == "2020-10-08"
    assert found["meeting_records"][0]["attendees"] == ["xu-vp", "yao-mum"]
    assert found["meeting_records"][0]["decisions"] == ["每周一位家长陪餐"]

    listed = await world.get("/meal-committees", as_="cook-main", school_id="xuexiao", count="true")
    assert listed.status_code == 200 and listed.json()["total"] == 1
    assert (await world.get("/meal-committees", as_="other-admin")).json()["items"] == []
    for parent in ("parent-yao", "parent-ma"):
        assert (await world.get("/meal-committees", as_=parent)).status_code == 403
        assert (await world.get(f"/meal-committees/{cid}", as_=parent)).status_code == 403
        assert (await world.get(f"/schools/xuexiao/meal-committees/{TERM}", as_=parent)).status_code == 403
    assert (await world.get(f"/meal-committees/{cid}", as_="other-admin")).status_code == 404
    assert (await world.get(f"/schools/xuexiao/meal-committees/{TERM}", as_="other-admin")).status_code == 403


async def test_where_the_district_requires_it_the_reads_show_the_missing_oversight_committee(
    world: SchoolWorld,
) -> None:
    assert (await of_term(world))["oversight_required"] is False
    rules = {
        "district_id": "xinbei",
        "effective_on": "2020-08-01",
        "oversight_committee_required": True,
        "banned_dishes": [{"name": "四季豆", "reason": "易加热不彻底"}],
        "at": "2020-07-20T09:00:00+08:00",
    }
    assert (await world.post("/canteen-rules", rules, as_="admin")).status_code == 200
    found = await of_term(world, as_="admin")
    assert found["oversight_required"] is True and found["oversight_missing"] is True
    assert found["oversight_committee"] is None

    oversight = committee(oversight=True, name="薛小家长膳食监督委员会", members=[YAO, MA], on="2020-09-02")
    formed = await world.post("/meal-committees", oversight, as_="manager-aoyuan")
    assert formed.status_code == 200, formed.text

    async def read() -> Any:
        found = await of_term(world, as_="medical")
        return found if found["oversight_committee"] is not None else None

    found = await eventually(read)
    assert found["oversight_missing"] is False
    assert found["oversight_committee"]["committee_id"] == f"xuexiao-{TERM}-oversight"
    assert [m["member_id"] for m in found["oversight_committee"]["roster"]] == ["ma-dad", "yao-mum"]
    assert (await world.get(f"/schools/xuexiao/meal-committees/{TERM}-x")).status_code == 404
