"""The canteen's violations, serving audits and serving-skill contest, through real Kafka, into the
staff appraisal: the directory, the canteen and the staff appraisal run on one topic namespace.

A violation and a failed serving audit each become exactly one proposal in the appraisal (the
same records delivered again, and the reaction run again on them, keep one); the contest's
results become a ranked contest of one round with its awards, and the prize with a bonus rule a
bonus proposal for the worker; the results delivered again keep one contest.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from services.canteen.service import CANTEEN
from services.directory.service import DIRECTORY
from services.eventkit.consumer import ConsumerRunner
from services.eventkit.envelope import Envelope
from services.hr_eval.reactions import ContestsFromServices, ProposalsFromServices, contest_id_of_event
from services.hr_eval.service import HR_EVAL
from tests.conftest import RunningService, SettingsFactory, eventually
from tests.kafka_helpers import produce_raw, read_topic
from tests.school import CANTEEN_SCHOOL, Headers, register_district, seed, tokens_for

RULE_BOOK = {
    "school_id": "xuexiao",
    "title": "后勤人员月考核细则（2020学年第一学期）",
    "effective_on": "2020-09-01",
    "base_score": 100,
    "categories": [
        {"code": "QUAL", "name": "食堂规范", "deduction_cap": 20},
        {"code": "MERIT", "name": "加分项", "deduction_cap": 0, "bonus_cap": 10},
    ],
    "items": [
        {"code": "Q-1", "text": "打菜不均匀", "category": "QUAL", "points": -2},
        {"code": "Q-2", "text": "操作时未佩戴口罩", "category": "QUAL", "points": -1},
        {"code": "B-1", "text": "技能比赛获奖", "category": "MERIT", "points": 5},
    ],
}


async def post(service: RunningService, path: str, body: dict[str, Any], headers: Headers) -> dict[str, Any]:
    response = await service.client.post(path, json=body, headers=headers)
    assert response.status_code == 200, (path, response.text)
    answer: dict[str, Any] = response.json()
    return answer


async def get(service: RunningService, path: str, headers: Headers, **params: Any) -> list[dict[str, Any]]:
    response = await service.client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def count(hr: RunningService, event_type: str) -> int:
    return int(await hr.pool.fetchval("SELECT count(*) FROM events WHERE type = $1", event_type))


async def test_violations_audits_and_the_contest_reach_the_staff_appraisal_once(
    make_settings: SettingsFactory, start_service: Any
) -> None:
    ns = f"serving{uuid4().hex[:6]}"
    directory = await start_service(DIRECTORY, await make_settings("directory", namespace_suffix=ns))
    canteen_settings = await make_settings("canteen", namespace_suffix=ns)
    canteen = await start_service(CANTEEN, canteen_settings)
    hr = await start_service(HR_EVAL, await make_settings("hr_eval", namespace_suffix=ns))
    tokens = tokens_for(hr.settings, CANTEEN_SCHOOL)
    manager = tokens["manager-main"]
    await register_district(directory, tokens["platform"])
    await seed(directory, tokens["admin"], CANTEEN_SCHOOL)

    async def mirrored() -> bool:
        for service in (canteen, hr):
            if await service.pool.fetchval("SELECT count(*) FROM directory_staff") != len(CANTEEN_SCHOOL.staff):
                return False
        return True

    await eventually(mirrored, timeout=60)
    await post(hr, "/rule-books", RULE_BOOK, manager)

    # a violation: jiang-cook without a mask in the prep room
    vid = f"v-{uuid4().hex[:8]}"
    violation = {
        "violation_id": vid,
        "campus_id": "main",
        "staff_id": "jiang-cook",
        "rule_code": "Q-2",
        "description": "操作时未佩戴口罩",
        "place": "本部 食堂 切配间",
        "evidence_refs": ["cctv/main/kitchen/1012"],
        "at": "2020-10-15T10:12:00+08:00",
    }
    await post(canteen, "/canteen-violations", violation, manager)
    # a serving audit: han-canteen's portions spread 40 % of the target, jiang-cook's 4 %
    aid = f"a-{uuid4().hex[:8]}"
    audit = {
        "audit_id": aid,
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
    await post(canteen, "/serving-audits", audit, manager)

    async def proposed() -> list[dict[str, Any]] | None:
        items = await get(hr, "/proposals", manager, campus_id="main", month="2020-10")
        return items if len(items) >= 2 else None

    items = await eventually(proposed, timeout=60)
    assert items is not None
    by_ref = {p["source_ref"]: p for p in items}
    assert sorted(by_ref) == sorted([vid, aid]) and len(items) == 2
    seen = by_ref[vid]
    assert (seen["staff_id"], seen["source"], seen["rule_code"]) == ("jiang-cook", "patrol", "Q-2")
    assert seen["from_event_type"] == "canteen.AppraisalItemProposed" and seen["raised_by"] == "zhou"
    assert datetime.fromisoformat(seen["occurred_at"]) == datetime(2020, 10, 15, 2, 12, tzinfo=UTC)
    weighed = by_ref[aid]
    assert (weighed["staff_id"], weighed["source"], weighed["rule_code"]) == ("han-canteen", "canteen_audit", "Q-1")
    assert datetime.fromisoformat(weighed["occurred_at"]) == datetime(2020, 10, 14, 3, 40, tzinfo=UTC)

    # the same records delivered again: skipped; the reaction run again on them: nothing new
    runner: ConsumerRunner = next(
        r for r in hr.runtime.runners if any(isinstance(h, ProposalsFromServices) for h in r.handlers)
    )
    written = await canteen.pool.fetchval("SELECT count(*) FROM events")
    records = await read_topic(canteen_settings.kafka_bootstrap, canteen_settings.events_topic, until=written)
    again = [
        (None, value) for _, _, value, headers in records if dict(headers)["type"] == b"canteen.AppraisalItemProposed"
    ]
    assert len(again) == 2
    skipped = runner.skipped
    await produce_raw(canteen_settings.kafka_bootstrap, canteen_settings.events_topic, *again)

    async def skipped_them() -> bool:
        return runner.skipped >= skipped + 2

    await eventually(skipped_them, timeout=60)
    async with hr.pool.acquire() as conn, conn.transaction():
        for _, value in again:
            await ProposalsFromServices().handle(conn, Envelope.from_wire(value))
    assert await count(hr, "hr_eval.ProposalReceived") == 2
    assert len(await get(hr, "/proposals", manager, campus_id="main", month="2020-10")) == 2

    # the serving-skill contest: two judges, three entrants; the first prize earns the bonus B-1
    cid = f"c-{uuid4().hex[:8]}"
    contest = {
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
    await post(canteen, "/serving-contests", contest, manager)
    for judge, entrant, even, speed in [
        ("zhou", "jiang-cook", 50, 30),
        ("xu-vp", "jiang-cook", 50, 30),
        ("zhou", "han-canteen", 55, 35),
        ("xu-vp", "han-canteen", 50, 30),
        ("zhou", "yuan-cook", 40, 20),
    ]:
        scores = [{"criterion": "even", "score": even}, {"criterion": "speed", "score": speed}]
        body = {"judge": judge, "entrant": entrant, "scores": scores, "at": "2020-11-18T10:00:00+08:00"}
        await post(canteen, f"/serving-contests/{cid}/scores", body, manager)
    prizes = [
        {"entrant": "han-canteen", "prize": "first", "title": "打菜技能评比 一等奖", "bonus_rule_code": "B-1"},
        {"entrant": "jiang-cook", "prize": "second", "title": "打菜技能评比 二等奖"},
    ]
    conclusion = {"prizes": prizes, "at": "2020-11-18T16:00:00+08:00"}
    await post(canteen, f"/serving-contests/{cid}/conclude", conclusion, manager)

    async def kept() -> list[dict[str, Any]] | None:
        awards = await get(hr, "/awards", manager, school_id="xuexiao")
        return awards if len(awards) == 2 else None

    awards = await eventually(kept, timeout=60)
    assert awards is not None

    async def contest_kept() -> list[dict[str, Any]] | None:  # the contest is a stream apart from its awards'
        contests = await get(hr, "/contests", manager, school_id="xuexiao")
        return contests if contests and all(c["ranked"] for c in contests) else None

    (kept_contest,) = await eventually(contest_kept, timeout=60)
    assert kept_contest["kind"] == "skill" and kept_contest["level"] == "school" and kept_contest["ranked"]
    assert [(r["entrant_id"], r["rank"]) for r in kept_contest["ranking"]] == [
        ("han-canteen", 1),
        ("jiang-cook", 2),
        ("yuan-cook", 3),
    ]
    assert kept_contest["sheets"] == 5
    by_entrant = {a["entrant_id"]: a for a in awards}
    assert by_entrant["han-canteen"]["bonus_rule_code"] == "B-1" and by_entrant["han-canteen"]["prize"] == "first"
    assert by_entrant["jiang-cook"]["bonus_rule_code"] is None and by_entrant["jiang-cook"]["staff_ids"] == [
        "jiang-cook"
    ]

    async def bonus() -> list[dict[str, Any]] | None:
        items = await get(hr, "/proposals", manager, campus_id="main", month="2020-11")
        return items or None

    (bonus_proposal,) = await eventually(bonus, timeout=60)
    assert (bonus_proposal["staff_id"], bonus_proposal["source"], bonus_proposal["rule_code"]) == (
        "han-canteen",
        "contest",
        "B-1",
    )

    # the results delivered again, and the reaction run again: still one contest, two awards
    contests: ConsumerRunner = next(
        r for r in hr.runtime.runners if any(isinstance(h, ContestsFromServices) for h in r.handlers)
    )
    written = await canteen.pool.fetchval("SELECT count(*) FROM events")
    records = await read_topic(canteen_settings.kafka_bootstrap, canteen_settings.events_topic, until=written)
    (results,) = [
        (None, value)
        for _, _, value, headers in records
        if dict(headers).get("type") == b"canteen.ContestResultsPublished"
    ]
    raised = Envelope.from_wire(results[1])
    assert kept_contest["contest_id"] == contest_id_of_event(raised)
    skipped = contests.skipped
    await produce_raw(canteen_settings.kafka_bootstrap, canteen_settings.events_topic, results)

    async def skipped_it() -> bool:
        return contests.skipped > skipped

    await eventually(skipped_it, timeout=60)
    async with hr.pool.acquire() as conn, conn.transaction():
        await ContestsFromServices().handle(conn, raised)
    assert await count(hr, "hr_eval.ContestAnnounced") == 1 and await count(hr, "hr_eval.AwardGranted") == 2
    assert runner.dead_lettered == 0 and contests.dead_lettered == 0
