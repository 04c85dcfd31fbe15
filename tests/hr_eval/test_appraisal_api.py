"""Appraisal endpoints on the running staff appraisal service, with the seed's school: main's
workers are wang-tech (technician) and li-guard (guard), Aoyuan's chen-clean (cleaner);
zhou appraises main, gu both campuses, shen Aoyuan. Each test appraises a month of its own."""

from __future__ import annotations

import json
from typing import Any

import pytest
import pytest_asyncio

from tests.conftest import eventually
from tests.school import SchoolWorld

RULE_BOOK = {
    "school_id": "xuexiao",
    "title": "后勤人员月考核细则（2020学年第一学期）",
    "effective_on": "2020-09-01",
    "base_score": 100,
    "categories": [
        {"code": "DISC", "name": "劳动纪律", "deduction_cap": 5, "bonus_cap": 0},
        {"code": "DUTY", "name": "岗位职责", "deduction_cap": 30, "bonus_cap": 0},
        {"code": "MERIT", "name": "加分项", "deduction_cap": 0, "bonus_cap": 10},
    ],
    "items": [
        {"code": "D-1", "text": "无故迟到、早退", "category": "DISC", "points": -2},
        {"code": "R-2", "text": "责任区卫生不达标", "category": "DUTY", "points": -3},
        {"code": "B-1", "text": "技能比赛获奖", "category": "MERIT", "points": 5},
    ],
    "at": "2020-08-31T09:00:00+08:00",
}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def hr(world: SchoolWorld) -> SchoolWorld:
    """The school with its rule book in force from 2020-09-01."""
    response = await world.post("/rule-books", RULE_BOOK)
    assert response.status_code == 200, response.text
    return world


def at(month: str, day: int, hour: int = 9) -> str:
    return f"{month}-{day:02d}T{hour:02d}:00:00+08:00"


async def open_month(hr: SchoolWorld, month: str, campus: str = "main", as_: str = "manager-main") -> list[str]:
    response = await hr.post("/appraisal-months", {"campus_id": campus, "month": month, "at": at(month, 1, 8)}, as_=as_)
    assert response.status_code == 200, response.text
    ids: list[str] = response.json()["appraisal_ids"]
    return ids


async def ok(hr: SchoolWorld, path: str, body: dict[str, Any], as_: str = "manager-main") -> dict[str, Any]:
    response = await hr.post(path, body, as_=as_)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def item(item_id: str, month: str, rule: str = "R-2", day: int = 12, **extra: Any) -> dict[str, Any]:
    return {
        "item_id": item_id,
        "rule_code": rule,
        "occurred_at": at(month, day, 7),
        "place": "本部 东楼 二楼",
        "note": "巡查发现",
        "evidence_refs": [f"photos/{month}-{day}.jpg"],
        "at": at(month, day, 10),
    } | extra


async def stream_events(hr: SchoolWorld, stream_id: str) -> list[tuple[str, dict[str, Any]]]:
    rows = await hr.service.pool.fetch("SELECT type, data FROM events WHERE stream_id = $1 ORDER BY version", stream_id)
    return [(r["type"], r["data"] if isinstance(r["data"], dict) else json.loads(r["data"])) for r in rows]


async def refused(hr: SchoolWorld, path: str, body: dict[str, Any], status: int, as_: str = "manager-main") -> Any:
    """Refused with ``status``, and nothing appended."""
    before = await hr.events()
    response = await hr.post(path, body, as_=as_)
    assert response.status_code == status, response.text
    assert await hr.events() == before
    return response.json()


async def test_a_month_goes_from_opening_to_publication_and_a_correction(hr: SchoolWorld) -> None:
    m = "2020-10"
    opened = await hr.post("/appraisal-months", {"campus_id": "main", "month": m, "at": at(m, 1, 8)})
    assert opened.status_code == 200, opened.text
    assert opened.json()["appraisal_ids"] == [f"li-guard-{m}", f"wang-tech-{m}"]
    assert opened.json()["events"] == ["hr_eval.AppraisalOpened"] * 2
    assert await open_month(hr, m) == []  # opened once
    ((kind, li),) = await stream_events(hr, f"appraisal-li-guard-{m}")
    assert (kind, li["role"], li["base_score"], li["rule_book_version"]) == ("hr_eval.AppraisalOpened", "guard", 100, 1)
    assert li["joined_on"] is None and li["left_on"] is None and li["campus_id"] == "main"

    li_id, wang_id = f"li-guard-{m}", f"wang-tech-{m}"
    proposed = await ok(hr, f"/appraisals/{li_id}/items", item("dirty", m))
    assert proposed["events"] == ["hr_eval.AppraisalItemProposed"]
    await ok(hr, f"/appraisals/{wang_id}/items", item("prize", m, rule="B-1", day=20, source="contest"))
    await ok(hr, f"/appraisals/{wang_id}/items", item("late", m, rule="D-1", day=21))
    await ok(hr, f"/appraisals/{wang_id}/items/withdraw", {"item_id": "late", "reason": "记录有误"})

    # nothing uncommunicated is published
    refusal = await refused(hr, "/appraisal-months/publish", {"campus_id": "main", "month": m}, 409)
    assert refusal["field"] == "month" and li_id in refusal["reason"]
    await refused(hr, f"/appraisals/{li_id}/finalise", {"at": at(m, 31, 16)}, 409)

    told = await ok(
        hr, f"/appraisals/{li_id}/communications", {"item_id": "dirty", "channel": "in_person", "at": at(m, 12, 11)}
    )
    assert told["events"] == ["hr_eval.DeductionCommunicated"]
    assert (await stream_events(hr, f"appraisal-{li_id}"))[-1][1]["respond_by"] == f"{m}-15"
    await ok(hr, f"/appraisals/{li_id}/acknowledgements", {"item_id": "dirty", "at": at(m, 13)}, as_="guard-main")
    await ok(hr, f"/appraisals/{li_id}/finalise", {"at": at(m, 31, 16)})
    await ok(hr, f"/appraisals/{wang_id}/finalise", {"at": at(m, 31, 16)})
    finalised = (await stream_events(hr, f"appraisal-{wang_id}"))[-1][1]
    assert (finalised["deductions"], finalised["bonuses"], finalised["total"]) == (0, 5, 105)

    published = await ok(
        hr, "/appraisal-months/publish", {"campus_id": "main", "month": m, "at": "2020-11-02T12:00:00+08:00"}
    )
    assert published["stream_id"] == f"appraisal-month-main-{m}" and published["events"] == [
        "hr_eval.AppraisalMonthPublished"
    ]
    (li_published,) = [d for t, d in await stream_events(hr, f"appraisal-{li_id}") if t == "hr_eval.AppraisalPublished"]
    assert li_published["total"] == 97
    await refused(hr, "/appraisal-months/publish", {"campus_id": "main", "month": m}, 409)  # once
    await refused(hr, f"/appraisals/{li_id}/items", item("more", m, day=30), 409)  # nothing edited after
    await refused(hr, f"/appraisals/{li_id}/close", {"reason": "不再考核"}, 409)
    opening = await refused(hr, "/appraisal-months", {"campus_id": "main", "month": m}, 409)
    assert opening["field"] == "month"  # a published month opens no one

    correction = {
        "correction_id": "c-1",
        "item_id": "dirty",
        "points": 0,
        "reason": "复核监控：不属其责任区",
        "requested_by": "li-guard",
        "at": "2020-11-05T10:00:00+08:00",
    }
    await ok(hr, f"/appraisals/{li_id}/corrections", correction, as_="manager-both")
    history = await stream_events(hr, f"appraisal-{li_id}")
    corrected = history[-1][1]
    assert (corrected["total_before"], corrected["total_after"], corrected["approved_by"]) == (97, 100, "gu")
    # the first published total stays in the history
    assert [d["total"] for t, d in history if t == "hr_eval.AppraisalPublished"] == [97]


async def test_a_disputed_deduction_holds_the_month_until_another_appraiser_resolves_it(hr: SchoolWorld) -> None:
    m = "2020-11"
    await open_month(hr, m)
    li_id, wang_id = f"li-guard-{m}", f"wang-tech-{m}"
    await ok(hr, f"/appraisals/{li_id}/items", item("dirty", m, day=9))
    await ok(hr, f"/appraisals/{li_id}/communications", {"item_id": "dirty", "channel": "phone", "at": at(m, 9, 11)})
    late = {"item_id": "dirty", "reason": "当天我在奥园支援", "at": at(m, 13, 9)}  # window ended on the 12th
    assert (await refused(hr, f"/appraisals/{li_id}/disputes", late, 409, as_="guard-main"))["field"] == "at"
    await ok(hr, f"/appraisals/{li_id}/disputes", late | {"at": at(m, 11)}, as_="guard-main")

    await refused(hr, f"/appraisals/{li_id}/finalise", {"at": at(m, 30, 16)}, 409)
    await ok(hr, f"/appraisals/{wang_id}/close", {"reason": "本月借调区教育局", "at": at(m, 2)})
    refusal = await refused(hr, "/appraisal-months/publish", {"campus_id": "main", "month": m}, 409)
    assert li_id in refusal["reason"] and wang_id not in refusal["reason"]

    resolution = {"item_id": "dirty", "outcome": "reduced", "points": -1, "reason": "情节较轻", "at": at(m, 16)}
    own = await refused(hr, f"/appraisals/{li_id}/disputes/resolution", resolution, 403)  # zhou proposed it
    assert "proposer" in own["reason"]
    await ok(hr, f"/appraisals/{li_id}/disputes/resolution", resolution, as_="manager-both")
    await ok(hr, f"/appraisals/{li_id}/finalise", {"at": at(m, 30, 16)})
    published = await ok(hr, "/appraisal-months/publish", {"campus_id": "main", "month": m})
    assert published["events"] == ["hr_eval.AppraisalMonthPublished"]
    ((_, month_event),) = await stream_events(hr, f"appraisal-month-main-{m}")
    assert month_event["appraisal_ids"] == [li_id]  # the closed one is not published
    assert [
        d["total"] for t, d in await stream_events(hr, f"appraisal-{li_id}") if t == "hr_eval.AppraisalPublished"
    ] == [99]


async def test_a_worker_answers_only_for_themself(hr: SchoolWorld) -> None:
    m = "2020-12"
    await open_month(hr, m)
    li_id = f"li-guard-{m}"
    await ok(hr, f"/appraisals/{li_id}/items", item("dirty", m))
    ack = {"item_id": "dirty", "at": at(m, 13)}
    assert (await refused(hr, f"/appraisals/{li_id}/acknowledgements", ack, 409, as_="guard-main"))[
        "field"
    ] == "item_id"  # not told yet
    await ok(hr, f"/appraisals/{li_id}/communications", {"item_id": "dirty", "channel": "message", "at": at(m, 12, 11)})
    await refused(hr, f"/appraisals/{li_id}/acknowledgements", ack, 403, as_="tech-main")  # another worker
    await refused(hr, f"/appraisals/{li_id}/disputes", ack | {"reason": "不是我"}, 403, as_="tech-main")
    await refused(hr, f"/appraisals/{li_id}/acknowledgements", ack, 403)  # an appraiser
    await refused(hr, f"/appraisals/{li_id}/acknowledgements", ack, 404, as_="cleaner-aoyuan")  # another campus
    await ok(hr, f"/appraisals/{li_id}/acknowledgements", ack, as_="guard-main")


async def test_part_months_are_flagged_for_who_joined_or_left_during_them(hr: SchoolWorld) -> None:
    directory, admin = hr.directory.client, hr.tokens["admin"]
    for staff_id, joined in (("zhao-guard", "2021-03-15T08:00:00+08:00"), ("qian-clean", "2021-02-01T08:00:00+08:00")):
        body = {
            "staff_id": staff_id,
            "district_id": "xinbei",
            "school_id": "xuexiao",
            "name": staff_id,
            "roles": ["guard"],
            "campus_ids": ["main"],
            "at": joined,
        }
        response = await directory.post("/staff", json=body, headers=admin)
        assert response.status_code == 200, response.text
    left = await directory.post("/staff/qian-clean/leave", json={"on": "2021-03-10", "reason": "退休"}, headers=admin)
    assert left.status_code == 200, left.text

    async def mirrored() -> bool:
        row = await hr.service.pool.fetchrow("SELECT left_on FROM directory_staff WHERE staff_id = 'qian-clean'")
        came = await hr.service.pool.fetchval("SELECT joined_on FROM directory_staff WHERE staff_id = 'zhao-guard'")
        return bool(row and row["left_on"] and came)

    await eventually(mirrored)
    assert set(await open_month(hr, "2021-03")) == {
        "li-guard-2021-03",
        "wang-tech-2021-03",
        "zhao-guard-2021-03",
        "qian-clean-2021-03",
    }
    ((_, newcomer),) = await stream_events(hr, "appraisal-zhao-guard-2021-03")
    assert (newcomer["joined_on"], newcomer["left_on"], newcomer["base_score"]) == ("2021-03-15", None, 100)
    ((_, leaving),) = await stream_events(hr, "appraisal-qian-clean-2021-03")
    assert (leaving["joined_on"], leaving["left_on"]) == (None, "2021-03-10")
    # the leaver is on no later roster; the one who joined is on no earlier one
    assert set(await open_month(hr, "2021-04")) == {"li-guard-2021-04", "wang-tech-2021-04", "zhao-guard-2021-04"}
    refusal = await refused(hr, "/appraisals", {"staff_id": "zhao-guard", "month": "2021-02"}, 422)
    assert refusal["detail"][0]["field"] == "staff_id"
    # an item of the part month happens while they were there
    await refused(hr, "/appraisals/zhao-guard-2021-03/items", item("early", "2021-03", day=10), 409)
    await ok(hr, "/appraisals/zhao-guard-2021-03/items", item("dirty", "2021-03", day=16))


async def test_one_worker_is_opened_on_their_home_campus(hr: SchoolWorld) -> None:
    result = await ok(hr, "/appraisals", {"staff_id": "chen-clean", "month": "2020-09"}, as_="manager-aoyuan")
    assert result["stream_id"] == "appraisal-chen-clean-2020-09"
    ((_, opened),) = await stream_events(hr, "appraisal-chen-clean-2020-09")
    assert (opened["campus_id"], opened["role"], opened["opened_by"]) == ("aoyuan", "cleaner", "shen")
    assert (
        await refused(hr, "/appraisals", {"staff_id": "chen-clean", "month": "2020-09"}, 409, as_="manager-aoyuan")
    )["field"] == "staff_id"
    assert await open_month(hr, "2020-09", campus="aoyuan", as_="manager-aoyuan") == []


# -- refusals: 422 naming the field, 409 stale, 403 out of scope; nothing appended ------------

M = "2021-01"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def january(hr: SchoolWorld) -> SchoolWorld:
    """January's appraisals of main, with a deduction on li-guard's told and disputed (zhou proposed
    it) and wang-tech's published-ready bonus; nothing published."""
    await open_month(hr, M)
    await ok(hr, f"/appraisals/li-guard-{M}/items", item("dirty", M, day=11))
    await ok(
        hr, f"/appraisals/li-guard-{M}/communications", {"item_id": "dirty", "channel": "phone", "at": at(M, 11, 11)}
    )
    await ok(
        hr,
        f"/appraisals/li-guard-{M}/disputes",
        {"item_id": "dirty", "reason": "不是我的区域", "at": at(M, 12)},
        as_="guard-main",
    )
    await ok(hr, f"/appraisals/wang-tech-{M}/items", item("prize", M, rule="B-1", day=8))
    return hr


LI = f"/appraisals/li-guard-{M}"
BAD_INPUT = [
    ("/appraisal-months", {"campus_id": "nowhere", "month": M}, "campus_id"),
    ("/appraisal-months", {"campus_id": "main", "month": "2021-13"}, "month"),
    ("/appraisal-months", {"campus_id": "main", "month": "2020-08"}, "month"),  # no rule book in force
    ("/appraisals", {"staff_id": "nobody", "month": M}, "staff_id"),
    ("/appraisals", {"staff_id": "huang", "month": M}, "staff_id"),  # a teacher: not on the roster
    ("/appraisals", {"staff_id": "li-guard", "month": "January"}, "month"),
    (f"{LI}/items", item("other", M, rule="Z-9"), "rule_code"),
    (f"{LI}/items", item("other", M) | {"occurred_at": "yesterday"}, "occurred_at"),
    (f"{LI}/items", item("Not An Id", M), "item_id"),
    (f"{LI}/items", item("other", M, source="gossip"), "source"),
    (f"{LI}/items/withdraw", {"item_id": "dirty", "reason": ""}, "reason"),
    (f"{LI}/communications", {"item_id": "dirty", "channel": "pigeon"}, "channel"),
    (f"{LI}/disputes/resolution", {"item_id": "dirty", "outcome": "reduced", "reason": "r"}, "points"),
    (f"{LI}/disputes/resolution", {"item_id": "dirty", "outcome": "reduced", "points": -7, "reason": "r"}, "points"),
    (f"{LI}/finalise", {"at": "soon"}, "at"),
    ("/appraisal-months/publish", {"campus_id": "main", "month": "01-2021"}, "month"),
    (
        f"{LI}/corrections",
        {"correction_id": "c-9", "item_id": "dirty", "points": 5000, "reason": "r", "requested_by": "zhou"},
        "points",
    ),
    (f"{LI}/close", {"reason": "  "}, "reason"),
]


@pytest.mark.parametrize(("path", "body", "field"), BAD_INPUT)
async def test_bad_input_names_the_field_and_appends_nothing(
    january: SchoolWorld, path: str, body: dict[str, Any], field: str
) -> None:
    as_ = "manager-both" if "resolution" in path else "manager-main"
    refusal = await refused(january, path, body, 422, as_=as_)
    assert refusal["error"] == "validation_error" and [d["field"] for d in refusal["detail"]] == [field]


async def test_a_workers_bad_answers_name_the_field(january: SchoolWorld) -> None:
    refusal = await refused(january, f"{LI}/disputes", {"item_id": "dirty", "reason": ""}, 422, as_="guard-main")
    assert [d["field"] for d in refusal["detail"]] == ["reason"]
    refusal = await refused(
        january, f"{LI}/acknowledgements", {"item_id": "dirty", "at": "noon"}, 422, as_="guard-main"
    )
    assert [d["field"] for d in refusal["detail"]] == ["at"]


STALE = [
    ("/appraisal-months", {"campus_id": "main", "month": M}, "manager-main"),
    ("/appraisal-months/publish", {"campus_id": "main", "month": M}, "manager-main"),
    (f"{LI}/items", item("other", M), "manager-main"),
    (f"{LI}/items/withdraw", {"item_id": "dirty", "reason": "r"}, "manager-main"),
    (f"/appraisals/wang-tech-{M}/communications", {"item_id": "prize", "channel": "phone"}, "manager-main"),
    (f"{LI}/acknowledgements", {"item_id": "dirty"}, "guard-main"),
    (f"{LI}/disputes", {"item_id": "dirty", "reason": "r"}, "guard-main"),
    (f"{LI}/disputes/resolution", {"item_id": "dirty", "outcome": "upheld", "reason": "r"}, "manager-both"),
    (f"{LI}/finalise", {}, "manager-main"),
    (
        f"{LI}/corrections",
        {"correction_id": "c-9", "item_id": "dirty", "points": 0, "reason": "r", "requested_by": "zhou"},
        "manager-main",
    ),
    (f"{LI}/close", {"reason": "r"}, "manager-main"),
]


@pytest.mark.parametrize(("path", "body", "as_"), STALE)
async def test_a_stale_expected_version_is_a_conflict(
    january: SchoolWorld, path: str, body: dict[str, Any], as_: str
) -> None:
    refusal = await refused(january, path, body | {"expected_version": 7}, 409, as_=as_)
    assert (refusal["error"], refusal["field"]) == ("version_conflict", "expected_version")


async def test_a_fresh_expected_version_is_accepted(january: SchoolWorld) -> None:
    version = len(await stream_events(january, f"appraisal-wang-tech-{M}"))
    body = item("late", M, rule="D-1", day=15) | {"expected_version": version}
    assert (await ok(january, f"/appraisals/wang-tech-{M}/items", body))["version"] == version + 1


OUT_OF_SCOPE = [
    ("/appraisal-months", {"campus_id": "main", "month": M}, "manager-aoyuan", 403),
    ("/appraisal-months", {"campus_id": "main", "month": M}, "guard-main", 403),
    ("/appraisal-months/publish", {"campus_id": "main", "month": M}, "manager-aoyuan", 403),
    ("/appraisals", {"staff_id": "li-guard", "month": "2021-05"}, "manager-aoyuan", 403),
    ("/appraisals", {"staff_id": "li-guard", "month": "2021-05"}, "teacher-g6", 403),
    (f"{LI}/items", item("other", M), "guard-main", 403),
    (f"{LI}/items", item("other", M), "manager-aoyuan", 404),  # another campus's: as if there were none
    (f"{LI}/items/withdraw", {"item_id": "dirty", "reason": "r"}, "tech-main", 403),
    (f"/appraisals/wang-tech-{M}/communications", {"item_id": "prize", "channel": "phone"}, "vp-main", 403),
    (f"{LI}/acknowledgements", {"item_id": "dirty"}, "tech-main", 403),
    (f"{LI}/disputes", {"item_id": "dirty", "reason": "r"}, "tech-main", 403),
    (f"{LI}/disputes/resolution", {"item_id": "dirty", "outcome": "upheld", "reason": "r"}, "manager-main", 403),
    (f"{LI}/disputes/resolution", {"item_id": "dirty", "outcome": "upheld", "reason": "r"}, "guard-main", 403),
    (f"{LI}/finalise", {}, "guard-main", 403),
    (
        f"{LI}/corrections",
        {"correction_id": "c-9", "item_id": "dirty", "points": 0, "reason": "r", "requested_by": "li-guard"},
        "guard-main",
        403,
    ),
    (f"{LI}/close", {"reason": "r"}, "manager-aoyuan", 404),
    (f"{LI}/close", {"reason": "r"}, "tech-main", 403),
]


@pytest.mark.parametrize(("path", "body", "as_", "status"), OUT_OF_SCOPE)
async def test_out_of_scope_is_refused_and_appends_nothing(
    january: SchoolWorld, path: str, body: dict[str, Any], as_: str, status: int
) -> None:
    await refused(january, path, body, status, as_=as_)


async def test_opening_a_month_again_with_its_key_answers_the_first_opening(hr: SchoolWorld) -> None:
    """The month's stream holds no event when a month is opened, so the key keeps the answer: a
    retry (the same key, caller and body) answers what the first opening opened, marked as a
    duplicate, and appends nothing; the same key with another body is a 422 naming the header."""
    month = "2021-06"
    body = {"campus_id": "main", "month": month, "at": at(month, 1, 8)}
    key = {"Idempotency-Key": f"open-{month}"}
    first = await hr.post("/appraisal-months", body, **key)
    assert first.status_code == 200, first.text
    assert first.json()["appraisal_ids"] and first.json()["duplicate"] is False
    before = await hr.events()
    again = await hr.post("/appraisal-months", body, **key)
    assert again.status_code == 200, again.text
    assert again.json()["duplicate"] is True
    for field in ("appraisal_ids", "event_ids", "events", "stream_id", "version"):
        assert again.json()[field] == first.json()[field], field
    other = await hr.post("/appraisal-months", body | {"at": at(month, 2, 8)}, **key)
    assert other.status_code == 422, other.text
    assert await hr.events() == before
