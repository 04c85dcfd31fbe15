"""The weekly menu, serving audits, violations and the serving-skill contest on the running canteen
service: valid commands, refusals naming their field, stale versions, scopes, and the reads."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx

from tests.conftest import eventually
from tests.school import SchoolWorld


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


def field_of(response: httpx.Response) -> list[str]:
    return [d["field"] for d in response.json()["detail"]]


async def page(world: SchoolWorld, path: str, as_: str, **params: Any) -> list[dict[str, Any]]:
    response = await world.get(path, as_=as_, **params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def week(campus: str, monday: str, *dishes: str) -> dict[str, Any]:
    return {
        "campus_id": campus,
        "week_of": monday,
        "meals": [{"served_on": monday, "meal": "lunch", "dishes": list(dishes) or ["番茄炒蛋", "青菜豆腐汤"]}],
        "at": "2020-10-01T09:00:00+08:00",
    }


async def test_a_menu_is_planned_refused_with_a_banned_dish_and_published_to_the_campus(world: SchoolWorld) -> None:
    events = await world.events()
    banned = await world.post("/menus", week("main", "2020-10-05", "番茄炒蛋", "清炒四季豆"))
    assert banned.status_code == 422, banned.text
    assert field_of(banned) == ["meals.0.dishes.1"]
    assert "四季豆" in banned.text and "易加热不彻底" in banned.text
    assert await world.events() == events

    assert (await world.post("/menus", week("main", "2020-10-05"), as_="manager-aoyuan")).status_code == 403
    assert (await world.post("/menus", week("main", "2020-10-05"), as_="other-admin")).status_code == 403
    assert (await world.post("/menus", week("main", "2020-10-05"), as_="cook-main")).status_code == 403

    planned = await world.post("/menus", week("main", "2020-10-07"))  # any day names its week
    assert planned.status_code == 200, planned.text
    assert planned.json()["events"] == ["canteen.MenuPlanned"]
    stale = await world.post("/menus", week("main", "2020-10-05") | {"expected_version": 0})
    assert stale.status_code == 409 and stale.json()["field"] == "expected_version"
    replanned = await world.post("/menus", week("main", "2020-10-05", "土豆烧牛肉") | {"expected_version": 1})
    assert replanned.status_code == 200, replanned.text
    published = await world.post("/menus/main-2020-10-05/publish", {"at": "2020-10-02T09:00:00+08:00"})
    assert published.status_code == 200, published.text

    async def read() -> list[dict[str, Any]]:
        return [m for m in await page(world, "/menus", "cook-main", campus_id="main") if m["published"]]

    (menu,) = await eventually(read, timeout=30)
    assert menu["menu_id"] == "main-2020-10-05" and menu["plans"] == 2
    assert menu["meals"][0]["dishes"] == ["土豆烧牛肉"]
    # parents: the published menus of their child's campus, nothing of another campus
    assert [m["menu_id"] for m in await page(world, "/menus", "parent-yao")] == ["main-2020-10-05"]
    assert await page(world, "/menus", "parent-ma") == []
    assert (await world.get("/menus/main-2020-10-05", as_="parent-ma")).status_code == 404
    assert await page(world, "/menus", "manager-aoyuan", campus_id="main") == []
    assert (await world.get("/serving-audits", as_="parent-yao")).status_code == 403


def audit_body(audit_id: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "audit_id": audit_id,
        "campus_id": "main",
        "meal": "lunch",
        "dish": "红烧鸡块",
        "target_grams": 100,
        "rule_code": "Q-1",
        "portions": [
            {"server_id": "jiang-cook", "grams": [98, 102, 100]},
            {"server_id": "han-canteen", "grams": [80, 120, 101]},
        ],
        "at": "2020-10-14T11:40:00+08:00",
    }
    return body | changes


async def test_a_serving_audit_proposes_the_server_beyond_tolerance_only(world: SchoolWorld) -> None:
    events = await world.events()
    not_a_worker = audit_body(uid("a"), portions=[{"server_id": "wang-tech", "grams": [100, 100, 100]}])
    refused = await world.post("/serving-audits", not_a_worker)
    assert refused.status_code == 422 and field_of(refused) == ["portions.0.server_id"], refused.text
    other_campus = audit_body(uid("a"), portions=[{"server_id": "yuan-cook", "grams": [100, 100, 100]}])
    refused = await world.post("/serving-audits", other_campus)
    assert refused.status_code == 422 and field_of(refused) == ["portions.0.server_id"], refused.text
    two = audit_body(uid("a"), portions=[{"server_id": "jiang-cook", "grams": [100, 100]}])
    refused = await world.post("/serving-audits", two)
    assert refused.status_code == 422 and field_of(refused) == ["portions.0.grams"], refused.text
    assert await world.events() == events
    assert (await world.post("/serving-audits", audit_body(uid("a")), as_="manager-aoyuan")).status_code == 403

    audit_id = uid("a")
    recorded = await world.post("/serving-audits", audit_body(audit_id))
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["events"] == ["canteen.ServingAuditRecorded", "canteen.AppraisalItemProposed"]
    again = await world.post("/serving-audits", audit_body(audit_id))
    assert again.status_code == 409 and again.json()["field"] == "audit_id"

    async def read() -> list[dict[str, Any]]:
        return await page(world, "/serving-audits", "vp-main", campus_id="main", beyond="true")

    found = [a for a in await eventually(read, timeout=30) if a["audit_id"] == audit_id]
    assert found and found[0]["servers_beyond"] == ["han-canteen"]
    results = {r["server_id"]: r["spread_permille"] for r in found[0]["results"]}
    assert results == {"jiang-cook": 40, "han-canteen": 400}
    assert (await world.get(f"/serving-audits/{audit_id}", as_="manager-aoyuan")).status_code == 404


def violation_body(violation_id: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "violation_id": violation_id,
        "campus_id": "main",
        "staff_id": "jiang-cook",
        "rule_code": "Q-2",
        "description": "操作时未佩戴口罩",
        "place": "本部 食堂 切配间",
        "evidence_refs": ["cctv/main/kitchen/1012"],
        "at": "2020-10-15T10:12:00+08:00",
    }
    return body | changes


async def test_a_violation_is_proposed_and_its_evidence_shown_to_whom_it_may_be(world: SchoolWorld) -> None:
    events = await world.events()
    refused = await world.post("/canteen-violations", violation_body(uid("v"), staff_id="li-guard"))
    assert refused.status_code == 422 and field_of(refused) == ["staff_id"], refused.text
    refused = await world.post("/canteen-violations", violation_body(uid("v"), rule_code="Q 2"))
    assert refused.status_code == 422 and field_of(refused) == ["rule_code"], refused.text
    assert await world.events() == events
    assert (await world.post("/canteen-violations", violation_body(uid("v")), as_="other-admin")).status_code == 403

    vid = uid("v")
    observed = await world.post("/canteen-violations", violation_body(vid))
    assert observed.status_code == 200, observed.text
    assert observed.json()["events"] == ["canteen.ViolationObserved", "canteen.AppraisalItemProposed"]

    async def seen() -> list[dict[str, Any]]:
        return [v for v in await page(world, "/canteen-violations", "vp-main") if v["violation_id"] == vid]

    (full,) = await eventually(seen, timeout=30)
    assert full["evidence_refs"] == ["cctv/main/kitchen/1012"] and full["description"] == "操作时未佩戴口罩"
    (own,) = [v for v in await page(world, "/canteen-violations", "cook-main") if v["violation_id"] == vid]
    assert own["evidence_refs"] == ["cctv/main/kitchen/1012"]
    assert all(v["violation_id"] != vid for v in await page(world, "/canteen-violations", "canteen-main"))
    (hidden,) = [v for v in await page(world, "/canteen-violations", "medical") if v["violation_id"] == vid]
    assert hidden["evidence_refs"] is None and hidden["description"] is None and hidden["rule_code"] == "Q-2"
    assert (await world.get("/canteen-violations", as_="parent-yao")).status_code == 403

    stale = await world.post(f"/canteen-violations/{vid}/withdraw", {"reason": "看错了", "expected_version": 1})
    assert stale.status_code == 409 and stale.json()["field"] == "expected_version"
    forbidden = await world.post(f"/canteen-violations/{vid}/withdraw", {"reason": "看错了"}, as_="manager-aoyuan")
    assert forbidden.status_code in (403, 404)
    withdrawn = await world.post(f"/canteen-violations/{vid}/withdraw", {"reason": "看错了", "expected_version": 2})
    assert withdrawn.status_code == 200, withdrawn.text


async def test_a_serving_contest_is_scored_and_concluded_with_its_ranking(world: SchoolWorld) -> None:
    cid = uid("c")
    announce = {
        "contest_id": cid,
        "school_id": "xuexiao",
        "campus_id": "main",
        "name": "食堂员工打菜技能评比",
        "held_on": "2020-11-18",
        "criteria": [
            {"code": "even", "name": "均匀度", "max_score": 60},
            {"code": "speed", "name": "速度", "max_score": 40},
        ],
        "judges": ["zhou", "xu-vp"],
        "entrants": ["jiang-cook", "han-canteen", "yuan-cook"],
        "at": "2020-11-10T09:00:00+08:00",
    }
    events = await world.events()
    refused = await world.post("/serving-contests", announce | {"entrants": ["jiang-cook", "li-guard"]})
    assert refused.status_code == 422 and field_of(refused) == ["entrants.1"], refused.text
    assert await world.events() == events
    assert (await world.post("/serving-contests", announce, as_="manager-aoyuan")).status_code == 403
    assert (await world.post("/serving-contests", announce)).status_code == 200

    def sheet(judge: str, entrant: str, even: int, speed: int) -> dict[str, Any]:
        scores = [{"criterion": "even", "score": even}, {"criterion": "speed", "score": speed}]
        return {"judge": judge, "entrant": entrant, "scores": scores, "at": "2020-11-18T10:00:00+08:00"}

    over = await world.post(f"/serving-contests/{cid}/scores", sheet("zhou", "jiang-cook", 61, 30))
    assert over.status_code == 422 and field_of(over) == ["scores.0.score"], over.text
    for judge, entrant, even, speed in [
        ("zhou", "jiang-cook", 50, 30),
        ("xu-vp", "jiang-cook", 50, 30),
        ("zhou", "han-canteen", 55, 35),
        ("xu-vp", "han-canteen", 50, 30),
        ("zhou", "yuan-cook", 40, 20),
    ]:
        response = await world.post(f"/serving-contests/{cid}/scores", sheet(judge, entrant, even, speed))
        assert response.status_code == 200, response.text
    prizes = [{"entrant": "han-canteen", "prize": "first", "title": "打菜技能评比 一等奖", "bonus_rule_code": "B-1"}]
    body = {"prizes": prizes, "at": "2020-11-18T16:00:00+08:00"}
    stale = await world.post(f"/serving-contests/{cid}/conclude", body | {"expected_version": 1})
    assert stale.status_code == 409 and stale.json()["field"] == "expected_version"
    concluded = await world.post(f"/serving-contests/{cid}/conclude", body)
    assert concluded.status_code == 200, concluded.text
    assert concluded.json()["events"] == ["canteen.ServingContestConcluded", "canteen.ContestResultsPublished"]

    async def read() -> list[dict[str, Any]]:
        return await page(world, "/serving-contests", "medical", concluded="true")

    (found,) = [c for c in await eventually(read, timeout=30) if c["contest_id"] == cid]
    assert found["ranking"] == ["han-canteen", "jiang-cook", "yuan-cook"] and len(found["sheets"]) == 5
    assert found["prizes"][0]["entrant"] == "han-canteen"
    assert (await world.get("/serving-contests", as_="parent-yao")).status_code == 403
