"""Contests, awards and honours on the running staff appraisal service: the canteen staff's
serving-skill contest announced, scored by two judges over two rounds, ranked and awarded; the
district's prizes and the city's honour of the school; and every refusal named."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
import pytest_asyncio

from services.eventkit.auth import Role
from tests.conftest import eventually, token_for
from tests.school import SchoolWorld

CANTEEN = [("liu-canteen", "刘阿姨"), ("zhang-canteen", "张阿姨")]


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def school(world: SchoolWorld) -> SchoolWorld:
    """The seed's school with two canteen workers on main, and its rule book (with bonus B-1)."""
    for staff_id, name in CANTEEN:
        body = {
            "staff_id": staff_id,
            "district_id": "xinbei",
            "school_id": "xuexiao",
            "name": name,
            "roles": ["canteen_worker"],
            "campus_ids": ["main"],
        }
        hired = await world.directory.client.post("/staff", json=body, headers=world.tokens["admin"])
        assert hired.status_code == 200, hired.text

    async def mirrored() -> bool:
        count = await world.service.pool.fetchval(
            "SELECT count(*) FROM directory_staff WHERE staff_id = ANY($1::text[])", [s for s, _ in CANTEEN]
        )
        return bool(count == len(CANTEEN))

    await eventually(mirrored, timeout=60)
    book = await world.post(
        "/rule-books",
        {
            "school_id": "xuexiao",
            "title": "后勤人员月考核细则",
            "effective_on": "2020-09-01",
            "base_score": 100,
            "categories": [
                {"code": "DUTY", "name": "岗位职责", "deduction_cap": 30},
                {"code": "MERIT", "name": "加分项", "deduction_cap": 0, "bonus_cap": 10},
            ],
            "items": [
                {"code": "R-2", "text": "责任区卫生不达标", "category": "DUTY", "points": -3},
                {"code": "B-1", "text": "技能比赛获奖", "category": "MERIT", "points": 5},
            ],
        },
    )
    assert book.status_code == 200, book.text
    return world


def serving(contest_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "contest_id": contest_id,
        "school_id": "xuexiao",
        "campus_id": "main",
        "name": "食堂员工打菜技能评比",
        "kind": "skill",
        "level": "school",
        "organiser": "学校后勤处",
        "held_on": "2020-11-18",
        "rounds": [{"round_id": "r1", "name": "初赛"}, {"round_id": "r2", "name": "决赛"}],
        "criteria": [
            {"code": "even", "name": "打菜均匀", "max_score": 60},
            {"code": "speed", "name": "速度", "max_score": 40},
        ],
        "judges": ["zhou", "xu-vp"],
        "entrants": [
            {"entrant_id": "liu", "name": "刘阿姨", "staff_ids": ["liu-canteen"]},
            {"entrant_id": "zhang", "name": "张阿姨", "staff_ids": ["zhang-canteen"]},
        ],
    } | changes


def sheet(round_id: str, entrant: str, judge: str, even: int, speed: int, **extra: Any) -> dict[str, Any]:
    scores = [{"criterion": "even", "score": even}, {"criterion": "speed", "score": speed}]
    return {"round_id": round_id, "entrant_id": entrant, "judge": judge, "scores": scores} | extra


# (round, entrant, judge, even, speed): liu 81.00 + 90.50 = 171.50; zhang 72.50 + 80.00 = 152.50
SHEETS = [
    ("r1", "liu", "zhou", 50, 30),
    ("r1", "liu", "xu-vp", 52, 30),
    ("r1", "zhang", "zhou", 42, 30),
    ("r1", "zhang", "xu-vp", 43, 30),
    ("r2", "liu", "zhou", 55, 35),
    ("r2", "liu", "xu-vp", 56, 35),
    ("r2", "zhang", "zhou", 45, 35),
    ("r2", "zhang", "xu-vp", 45, 35),
]


async def announced(school: SchoolWorld, contest_id: str, as_: str = "manager-main", **changes: Any) -> None:
    response = await school.post("/contests", serving(contest_id, **changes), as_=as_)
    assert response.status_code == 200, response.text
    assert response.json()["events"] == ["hr_eval.ContestAnnounced"]


async def listed(school: SchoolWorld, path: str, key: str, value: str, as_: str = "manager-main", **params: Any) -> Any:
    response = await school.get(path, as_=as_, limit=500, **params)
    assert response.status_code == 200, response.text
    return next((row for row in response.json()["items"] if row[key] == value), None)


async def own_events(school: SchoolWorld) -> int:
    """The events the contests' and awards' commands append: all but the bonus proposals an award
    raises (the staff appraisal's reaction writes them a moment later, through Kafka)."""
    return int(await school.service.pool.fetchval("SELECT count(*) FROM events WHERE stream_id NOT LIKE 'proposal-%'"))


async def test_the_serving_skill_contest_is_scored_ranked_and_awarded(school: SchoolWorld) -> None:
    cid = uid("serving")
    await announced(school, cid)
    for round_id, entrant, judge, even, speed in SHEETS:
        recorded = await school.post(f"/contests/{cid}/scores", sheet(round_id, entrant, judge, even, speed))
        assert recorded.status_code == 200, recorded.text

    # not ranked yet: no award
    before = await own_events(school)
    early = await school.post("/awards", {**first_prize(cid), "award_id": uid("early")})
    assert early.status_code == 409 and (early.json()["error"], early.json()["field"]) == ("rejected", "contest_id")
    assert await own_events(school) == before

    ranked = await school.post(f"/contests/{cid}/rank", {}, as_="vp-main")
    assert ranked.status_code == 200, ranked.text
    assert ranked.json()["events"] == ["hr_eval.ContestRanked"]

    first = await school.post("/awards", first_prize(cid))
    assert first.status_code == 200, first.text
    second = await school.post(
        "/awards",
        first_prize(cid) | {"award_id": f"{cid}-2", "entrant_id": "zhang", "prize": "second", "title": "二等奖"},
        as_="vp-main",
    )
    assert second.status_code == 200, second.text

    async def ranked_file() -> Any:
        response = await school.get(f"/contests/{cid}", as_="cleaner-aoyuan")  # any staff of the school
        if response.status_code == 404:  # the projection has not read it yet
            return None
        assert response.status_code == 200, response.text
        body = response.json()
        return body if body["ranked"] else None

    body = await eventually(ranked_file)
    assert [r["round_id"] for r in body["rounds"]] == ["r1", "r2"]
    assert [(c["code"], c["max_score"]) for c in body["criteria"]] == [("even", 60), ("speed", 40)]
    assert body["judges"] == ["zhou", "xu-vp"] and [e["entrant_id"] for e in body["entrants"]] == ["liu", "zhang"]
    assert body["sheets"] == 8 and len(body["scores"]) == 8
    liu_r2 = next(s for s in body["scores"] if (s["round_id"], s["entrant_id"], s["judge"]) == ("r2", "liu", "xu-vp"))
    assert liu_r2["scores"] == {"even": 56, "speed": 35} and liu_r2["total"] == 91 and liu_r2["recorded_by"] == "zhou"
    assert body["ranking"] == [
        {"entrant_id": "liu", "total": 17150, "rank": 1},
        {"entrant_id": "zhang", "total": 15250, "rank": 2},
    ]
    assert body["ranked_by"] == "xu-vp"

    award = await eventually(lambda: listed(school, "/awards", "award_id", f"{cid}-1", staff_id="liu-canteen"))
    assert (award["recipient_name"], award["staff_ids"], award["prize"], award["level"]) == (
        "刘阿姨",
        ["liu-canteen"],
        "first",
        "school",
    )
    assert award["bonus_rule_code"] == "B-1" and award["contest_id"] == cid and award["awarded_on"] == "2020-11-20"
    assert await eventually(
        lambda: listed(school, "/awards", "award_id", f"{cid}-2", staff_id="zhang-canteen", as_="guard-main")
    )
    assert await listed(school, "/awards", "award_id", f"{cid}-2", staff_id="liu-canteen") is None
    assert await listed(school, "/contests", "contest_id", cid, school_id="xuexiao", kind="skill", level="school")
    assert await listed(school, "/contests", "contest_id", cid, kind="sport") is None
    assert await listed(school, "/contests", "contest_id", cid, as_="manager-aoyuan")  # a school's contest
    assert await listed(school, "/contests", "contest_id", cid, as_="other-admin") is None
    assert (await school.get(f"/contests/{cid}", as_="other-admin")).status_code == 404


def first_prize(cid: str) -> dict[str, Any]:
    return {
        "award_id": f"{cid}-1",
        "school_id": "xuexiao",
        "campus_id": "main",
        "contest_id": cid,
        "title": "食堂员工打菜技能评比 一等奖",
        "prize": "first",
        "level": "school",
        "on": "2020-11-20",
        "entrant_id": "liu",
        "bonus_rule_code": "B-1",
    }


async def test_a_sheet_is_recorded_once_and_ranking_waits_for_every_round(school: SchoolWorld) -> None:
    cid = uid("serving")
    await announced(school, cid)
    assert (await school.post(f"/contests/{cid}/scores", sheet("r1", "liu", "zhou", 50, 30))).status_code == 200
    before = await own_events(school)
    again = await school.post(f"/contests/{cid}/scores", sheet("r1", "liu", "zhou", 55, 30))
    assert again.status_code == 409 and (again.json()["error"], again.json()["field"]) == ("rejected", "judge")
    early = await school.post(f"/contests/{cid}/rank", {})
    assert early.status_code == 409 and early.json()["field"] == "allow_incomplete"
    assert await own_events(school) == before
    incomplete = await school.post(f"/contests/{cid}/rank", {"allow_incomplete": True})
    assert incomplete.status_code == 200, incomplete.text


async def test_the_districts_prizes_and_the_citys_honour_are_recorded_for_the_school(school: SchoolWorld) -> None:
    rope, speech, garden = uid("rope"), uid("speech"), uid("garden")
    for award_id, title, staff in [
        (rope, "新北区女教工跳绳踢毽比赛 一等奖", ["huang", "zhu"]),
        (speech, "新北区青年教师师德演讲比赛 一等奖", ["huang"]),
    ]:
        body = {
            "award_id": award_id,
            "school_id": "xuexiao",
            "title": title,
            "prize": "first",
            "level": "district",
            "on": "2020-12-04",
            "recipient_name": "薛家实验小学",
            "staff_ids": staff,
        }
        response = await school.post("/awards", body, as_="vp-main")
        assert response.status_code == 200, response.text
    honour = {
        "honour_id": garden,
        "school_id": "xuexiao",
        "title": "常州市园林式单位",
        "level": "city",
        "awarded_by": "常州市园林局",
        "on": "2020-12-10",
    }
    recorded = await school.post("/honours", honour, as_="vp-aoyuan")
    assert recorded.status_code == 200, recorded.text
    again = await school.post("/honours", honour, as_="vp-aoyuan")
    assert again.status_code == 409 and again.json()["field"] == "honour_id"

    row = await eventually(lambda: listed(school, "/honours", "honour_id", garden, as_="teacher-g1"))
    assert (row["title"], row["level"], row["awarded_by"], row["awarded_on"], row["recorded_by"]) == (
        "常州市园林式单位",
        "city",
        "常州市园林局",
        "2020-12-10",
        "wu-vp",
    )
    assert await listed(school, "/honours", "honour_id", garden, school_id="xuexiao", **{"from": "2020-12-10"})
    assert await listed(school, "/honours", "honour_id", garden, to="2020-12-09") is None
    assert await listed(school, "/honours", "honour_id", garden, as_="other-admin") is None

    # two streams: the projection may read one before the other
    await eventually(lambda: listed(school, "/awards", "award_id", rope))
    await eventually(lambda: listed(school, "/awards", "award_id", speech))
    huangs = await school.get("/awards", as_="teacher-g6", staff_id="huang", level="district", limit=500)
    assert {rope, speech} <= {a["award_id"] for a in huangs.json()["items"]}
    zhus = await school.get("/awards", staff_id="zhu", limit=500, **{"from": "2020-12-01", "to": "2020-12-31"})
    assert rope in {a["award_id"] for a in zhus.json()["items"]}
    assert speech not in {a["award_id"] for a in zhus.json()["items"]}
    assert await listed(school, "/awards", "award_id", rope, level="school") is None
    assert await listed(school, "/awards", "award_id", rope, to="2020-12-03") is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"school_id": "nowhere"}, "school_id"),
        ({"campus_id": "nowhere"}, "campus_id"),
        ({"entrants": [{"entrant_id": "liu", "name": "刘阿姨", "staff_ids": ["nobody"]}]}, "entrants.0.staff_ids.0"),
        ({"judges": ["zhou", "zhou"]}, "judges"),
        ({"rounds": []}, "rounds"),
        ({"kind": "cooking"}, "kind"),
        ({"contest_id": "Has Spaces"}, "contest_id"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_a_bad_announcement_names_the_field_and_appends_nothing(
    school: SchoolWorld, changes: dict[str, Any], field: str
) -> None:
    before = await own_events(school)
    response = await school.post("/contests", serving(uid("bad")) | changes)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "validation_error"
    assert [d["field"] for d in response.json()["detail"]] == [field]
    assert await own_events(school) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (sheet("r3", "liu", "zhou", 50, 30), "round_id"),
        (sheet("r1", "li", "zhou", 50, 30), "entrant_id"),
        (sheet("r1", "liu", "sun", 50, 30), "judge"),
        (sheet("r1", "liu", "zhou", 61, 30), "scores.0.score"),
        (sheet("r1", "liu", "zhou", 50, 1001), "scores.1.score"),
        (
            {"round_id": "r1", "entrant_id": "liu", "judge": "zhou", "scores": [{"criterion": "even", "score": 5}]},
            "scores",
        ),
    ],
)
async def test_a_bad_sheet_names_the_field_and_appends_nothing(
    school: SchoolWorld, body: dict[str, Any], field: str
) -> None:
    cid = uid("serving")
    await announced(school, cid)
    before = await own_events(school)
    response = await school.post(f"/contests/{cid}/scores", body)
    assert response.status_code == 422, response.text
    assert [d["field"] for d in response.json()["detail"]] == [field]
    assert await own_events(school) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"entrant_id": "wu"}, "entrant_id"),
        ({"contest_id": "no-such-contest"}, "contest_id"),
        ({"bonus_rule_code": "R-2"}, "bonus_rule_code"),
        ({"bonus_rule_code": "B-9"}, "bonus_rule_code"),
        ({"level": "city"}, "level"),
        ({"staff_ids": ["nobody"]}, "staff_ids.0"),
        ({"prize": "gold"}, "prize"),
    ],
)
async def test_a_bad_award_names_the_field_and_appends_nothing(
    school: SchoolWorld, changes: dict[str, Any], field: str
) -> None:
    cid = uid("serving")
    await announced(school, cid)
    assert (await school.post(f"/contests/{cid}/scores", sheet("r1", "liu", "zhou", 50, 30))).status_code == 200
    assert (await school.post(f"/contests/{cid}/rank", {"allow_incomplete": True})).status_code == 200
    before = await own_events(school)
    response = await school.post("/awards", first_prize(cid) | changes)
    assert response.status_code == 422, response.text
    assert [d["field"] for d in response.json()["detail"]] == [field]
    assert await own_events(school) == before


async def test_a_stale_expected_version_is_a_conflict(school: SchoolWorld) -> None:
    cid = uid("serving")
    await announced(school, cid)
    stale = await school.post(f"/contests/{cid}/scores", sheet("r1", "liu", "zhou", 50, 30, expected_version=0))
    assert stale.status_code == 409
    assert (stale.json()["error"], stale.json()["field"]) == ("version_conflict", "expected_version")
    fresh = await school.post(f"/contests/{cid}/scores", sheet("r1", "liu", "zhou", 50, 30, expected_version=1))
    assert fresh.status_code == 200, fresh.text


@pytest.mark.parametrize("who", ["guard-main", "canteen", "teacher-g6", "other-admin"])
async def test_only_the_schools_keepers_announce_contests(school: SchoolWorld, who: str) -> None:
    before = await own_events(school)
    if who == "canteen":  # a canteen worker does not announce the contest they take part in
        token = token_for(school.service.settings, "liu-canteen", Role.CANTEEN_WORKER, campuses=["main"])
        response = await school.client.post("/contests", json=serving(uid("mine")), headers=token)
    else:
        response = await school.post("/contests", serving(uid("theirs")), as_=who)
    assert response.status_code == 403, response.text
    assert await own_events(school) == before


async def test_out_of_scope_callers_neither_score_nor_award(school: SchoolWorld) -> None:
    cid = uid("serving")
    await announced(school, cid)
    before = await own_events(school)
    scored = await school.post(f"/contests/{cid}/scores", sheet("r1", "liu", "zhou", 50, 30), as_="other-admin")
    assert scored.status_code == 404
    by_worker = await school.post(f"/contests/{cid}/scores", sheet("r1", "liu", "zhou", 50, 30), as_="guard-main")
    assert by_worker.status_code == 403
    honour = {"honour_id": uid("h"), "school_id": "xuexiao", "title": "x", "level": "city", "awarded_by": "y"}
    outsider = await school.post("/honours", honour | {"on": "2020-12-10"}, as_="other-admin")
    assert outsider.status_code == 403
    assert await own_events(school) == before
