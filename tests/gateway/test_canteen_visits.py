"""Parent visits through the front door: a visit run by mutations to its published reflection, and
what each reads of it in GraphQL — the campus's readers every visit of their campus, the visiting
parent their own visit and the published reflections of their child's campus, another campus's
parent nothing of it."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tests.conftest import eventually
from tests.gateway.conftest import System

RESULT = "__typename ... on Accepted { events } ... on Rejected { message field } ... on Forbidden { message }"

VISITS = """
query Visits($campus: ID!) {
  campus(campusId: $campus) {
    parentVisits(fromDay: "2018-09-01", toDay: "2018-09-30") {
      nodes { visitId status parentName withStaff ratings { dish taste } suggestions { text answer } steps { step } }
    }
    publishedReflections { nodes { visitId title } }
  }
}
"""

MINE = """
query Mine($campus: ID) {
  parentVisits { nodes { visitId status } }
  publishedReflections(campusId: $campus) { nodes { visitId title parentName channel suggestions { answer } } }
}
"""


async def send(system: System, name: str, args: str, as_: str, **variables: tuple[str, Any]) -> dict[str, Any]:
    params = ", ".join(f"${k}: {t}" for k, (t, _) in variables.items())
    query = f"mutation M({params}) {{ {name}({args}) {{ {RESULT} }} }}"
    body = await system.gql(query, as_, **{k: v for k, (_, v) in variables.items()})
    assert body.get("errors") is None, body
    result: dict[str, Any] = body["data"][name]
    return result


async def accepted(system: System, name: str, vid: str, body: dict[str, Any], as_: str = "manager-main") -> None:
    answer = await send(
        system, name, "visitId: $v, input: $i", as_, v=("ID!", vid), i=(f"{name[0].upper()}{name[1:]}Input!", body)
    )
    assert answer["__typename"] == "Accepted", answer


async def test_a_parent_reads_their_visit_and_their_campus_reflections_only(system: System) -> None:
    vid = f"visit-{uuid4().hex[:8]}"
    schedule = {
        "visitId": vid,
        "campusId": "main",
        "visitOn": "2018-09-12",
        "parentId": "yao-mum",
        "at": "2018-09-03T09:00:00+08:00",
    }
    scheduled = await send(
        system, "scheduleParentVisit", "input: $i", "manager-main", i=("ScheduleParentVisitInput!", schedule)
    )
    assert scheduled == {"__typename": "Accepted", "events": ["canteen.ParentVisitScheduled"]}
    await accepted(system, "inspectVisitDeliveries", vid, {"withStaff": ["zhou"], "at": "2018-09-12T07:30:00+08:00"})
    lunch = {"ratings": [{"dish": "红烧肉", "look": 4, "taste": 5, "quantity": 4}], "at": "2018-09-12T11:40:00+08:00"}
    await accepted(system, "accompanyVisitLunch", vid, lunch)
    reflection = {
        "title": "食堂半日行",
        "text": "跟着周主任验收了早上的肉和菜，又和孩子们一起吃了午饭。",
        "suggestions": ["希望增加水果"],
        "consentToPublish": True,
        "at": "2018-09-12T20:00:00+08:00",
    }
    by_manager = await send(
        system,
        "submitReflection",
        "visitId: $v, input: $i",
        "manager-main",
        v=("ID!", vid),
        i=("SubmitReflectionInput!", reflection),
    )
    assert by_manager["__typename"] == "Forbidden", by_manager
    await accepted(system, "submitReflection", vid, reflection, as_="parent-yao")
    publish = {"channel": "薛小家长微信群", "at": "2018-09-13T12:00:00+08:00"}
    by_parent = await send(
        system,
        "publishReflection",
        "visitId: $v, input: $i",
        "parent-yao",
        v=("ID!", vid),
        i=("PublishReflectionInput!", publish),
    )
    assert by_parent["__typename"] == "Forbidden", by_parent
    await accepted(system, "publishReflection", vid, publish)
    await accepted(
        system,
        "answerSuggestion",
        vid,
        {"suggestion": 0, "answer": "每周加一次水果", "at": "2018-09-14T09:00:00+08:00"},
    )

    async def answered() -> Any:
        body = await system.gql(VISITS, "manager-main", campus="main")
        nodes = body["data"]["campus"]["parentVisits"]["nodes"]
        found = [n for n in nodes if n["visitId"] == vid and n["suggestions"] and n["suggestions"][0]["answer"]]
        published = [n["visitId"] for n in body["data"]["campus"]["publishedReflections"]["nodes"]]
        # wait for both: a read between the two projections' batches saw one only
        return (found[0], body) if found and vid in published else None

    found, body = await eventually(answered)
    assert (found["status"], found["parentName"], found["withStaff"]) == ("published", "姚妈妈", ["zhou"])
    assert found["ratings"] == [{"dish": "红烧肉", "taste": 5}]
    assert [s["step"] for s in found["steps"]][-1] == "suggestion_answered"
    assert vid in [n["visitId"] for n in body["data"]["campus"]["publishedReflections"]["nodes"]]

    mine = await system.gql(MINE, "parent-yao", campus="main")
    assert mine.get("errors") is None, mine
    assert vid in [n["visitId"] for n in mine["data"]["parentVisits"]["nodes"]]
    (reflected,) = [n for n in mine["data"]["publishedReflections"]["nodes"] if n["visitId"] == vid]
    assert (reflected["title"], reflected["channel"], reflected["suggestions"]) == (
        "食堂半日行",
        "薛小家长微信群",
        [{"answer": "每周加一次水果"}],
    )

    other = await system.gql(MINE, "parent-ma", campus="main")
    assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN", other
    theirs = await system.gql(MINE, "parent-ma", campus=None)
    assert theirs.get("errors") is None, theirs
    assert vid not in [n["visitId"] for n in theirs["data"]["parentVisits"]["nodes"]]
    assert vid not in [n["visitId"] for n in theirs["data"]["publishedReflections"]["nodes"]]
    one = await system.gql("query One($v: ID!) { parentVisit(visitId: $v) { visitId } }", "parent-ma", v=vid)
    assert one["data"]["parentVisit"] is None, one
