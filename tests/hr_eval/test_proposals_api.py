"""Proposals through the staff appraisal's API: kept once however often their event is
handled, dismissed or confirmed into the worker's opened appraisal by an appraiser of the
campus, refused with a structured 4xx (and nothing appended) otherwise; read by the campus's
appraisers and overseers, never by a worker."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest_asyncio

from services.eventkit.envelope import TenantPath, new_envelope
from services.hr_eval.events import AwardGranted, ItemSource, Level, Prize
from services.hr_eval.proposals import proposal_id_of_award
from services.hr_eval.reactions import ProposalsFromAwards, ProposalsFromServices
from services.hr_eval.service import HR_EVAL
from services.safety.events import AppraisalItemProposed
from tests.conftest import SettingsFactory, eventually
from tests.school import SchoolWorld, school_world

FOUND = datetime(2020, 10, 15, 7, 40, tzinfo=UTC)  # 15:40 at the school


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def hr(make_settings: SettingsFactory, start_service: Any) -> SchoolWorld:
    return await school_world(make_settings, start_service, HR_EVAL, suffix="prop")


async def tenant_of(world: SchoolWorld, campus_id: str) -> TenantPath:
    row = await world.service.pool.fetchrow(
        "SELECT district_id, school_id FROM directory_campuses WHERE campus_id = $1", campus_id
    )
    assert row is not None
    return TenantPath(district_id=row["district_id"], school_id=row["school_id"], campus_id=campus_id)


async def raise_proposal(
    world: SchoolWorld,
    *,
    staff_id: str = "li-guard",
    campus_id: str = "main",
    at: datetime = FOUND,
    rule_code: str = "D-3",
    times: int = 1,
) -> str:
    """The safety service's ``safety.AppraisalItemProposed`` for a patrol finding, handled by the
    staff appraisal's reaction ``times`` times (as if delivered that often); its proposal's id."""
    raised = AppraisalItemProposed(
        staff_id=staff_id,
        campus_id=campus_id,
        occurred_at=at,
        source=ItemSource.PATROL,
        source_ref=f"patrol-{uuid4().hex[:8]}",
        rule_code=rule_code,
        place="本部 大门",
        note="来访人员未登记",
    )
    envelope = new_envelope(
        raised,
        stream_id=f"inspection-{raised.source_ref}",
        version=2,
        tenant=await tenant_of(world, campus_id),
        actor="zhou",
        occurred_at=at,
    )
    reaction = ProposalsFromServices()
    for _ in range(times):
        async with world.service.pool.acquire() as conn, conn.transaction():
            await reaction.handle(conn, envelope)
    proposal_id = str(envelope.event_id)

    async def listed() -> bool:
        return (await world.get(f"/proposals/{proposal_id}", as_="admin")).status_code == 200

    await eventually(listed)
    return proposal_id


async def events_of(world: SchoolWorld, proposal_id: str) -> list[str]:
    rows = await world.service.pool.fetch(
        "SELECT type FROM events WHERE stream_id = $1 ORDER BY version", f"proposal-{proposal_id}"
    )
    return [r["type"] for r in rows]


async def state_of(world: SchoolWorld, proposal_id: str, state: str) -> dict[str, Any]:
    async def read() -> dict[str, Any] | None:
        response = await world.get(f"/proposals/{proposal_id}")
        row: dict[str, Any] = response.json()
        return row if response.status_code == 200 and row["state"] == state else None

    found: dict[str, Any] = await eventually(read)
    return found


async def test_the_same_event_handled_twice_makes_one_proposal(hr: SchoolWorld) -> None:
    proposal_id = await raise_proposal(hr, times=2)
    assert await events_of(hr, proposal_id) == ["hr_eval.ProposalReceived"]
    row = (await hr.get(f"/proposals/{proposal_id}")).json()
    assert row | {"source_ref": None, "from_event_id": None} == row | {
        "proposal_id": proposal_id,
        "campus_id": "main",
        "staff_id": "li-guard",
        "month": "2020-10",
        "state": "received",
        "from_event_type": "safety.AppraisalItemProposed",
        "raised_by": "zhou",
        "occurred_at": "2020-10-15T07:40:00Z",
        "source": "patrol",
        "rule_code": "D-3",
        "place": "本部 大门",
        "note": "来访人员未登记",
        "evidence_refs": [],
        "appraisal_id": None,
        "source_ref": None,
        "from_event_id": None,
    }
    assert row["from_event_id"] == proposal_id
    # received when the finding was made, by the service itself, caused by the raising event
    first = await hr.service.pool.fetchrow(
        "SELECT actor, occurred_at, causation_id FROM events WHERE stream_id = $1", f"proposal-{proposal_id}"
    )
    assert first is not None
    assert first["actor"] == "houqin-hr-eval" and first["occurred_at"] == FOUND
    assert first["causation_id"] == proposal_id


async def test_a_proposal_is_dismissed_by_an_appraiser_of_its_campus_once(hr: SchoolWorld) -> None:
    proposal_id = await raise_proposal(hr)
    path = f"/proposals/{proposal_id}/dismiss"
    before = await hr.events()
    blank = await hr.post(path, {"reason": "  "})
    assert blank.status_code == 422 and [d["field"] for d in blank.json()["detail"]] == ["reason"]
    stale = await hr.post(path, {"reason": "当日由代班人员值守", "expected_version": 0})
    assert stale.status_code == 409, stale.text
    early = await hr.post(path, {"reason": "当日由代班人员值守", "at": "2020-10-15T15:00:00+08:00"})
    assert early.status_code == 409 and early.json()["field"] == "at"
    for who in ("guard-main", "vp-main"):  # the worker; an overseer reads proposals, never decides them
        assert (await hr.post(path, {"reason": "与本人无关"}, as_=who)).status_code == 403
    # an appraiser of another campus is not told the proposal exists
    assert (await hr.post(path, {"reason": "与本人无关"}, as_="manager-aoyuan")).status_code == 404
    assert await hr.events() == before

    done = await hr.post(path, {"reason": "当日由代班人员值守", "expected_version": 1})
    assert done.status_code == 200 and done.json()["events"] == ["hr_eval.ProposalDismissed"]
    row = await state_of(hr, proposal_id, "dismissed")
    assert row["dismissed_reason"] == "当日由代班人员值守" and row["dismissed_by"] == "zhou"
    again = await hr.post(path, {"reason": "再次"})
    assert again.status_code == 409 and "already dismissed" in again.json()["reason"]


async def test_proposals_are_read_by_the_campus_s_appraisers_and_overseers_only(hr: SchoolWorld) -> None:
    on_main = await raise_proposal(hr, at=datetime(2020, 11, 3, 1, 0, tzinfo=UTC))
    on_aoyuan = await raise_proposal(
        hr, staff_id="chen-clean", campus_id="aoyuan", at=datetime(2020, 11, 4, 1, 0, tzinfo=UTC)
    )

    async def ids(who: str, **params: Any) -> list[str]:
        response = await hr.get("/proposals", as_=who, **params)
        assert response.status_code == 200, response.text
        return [r["proposal_id"] for r in response.json()["items"]]

    november = {"month": "2020-11", "state": "received"}
    assert await ids("manager-main", **november) == [on_main]
    assert await ids("vp-main", **november) == [on_main]
    assert await ids("manager-aoyuan", **november) == [on_aoyuan]
    assert sorted(await ids("admin", **november)) == sorted([on_main, on_aoyuan])
    assert await ids("admin", campus_id="aoyuan", **november) == [on_aoyuan]
    assert await ids("admin", month="2020-11", state="dismissed") == []
    assert (await hr.get("/proposals", as_="guard-main")).status_code == 403
    assert (await hr.get(f"/proposals/{on_main}", as_="guard-main")).status_code == 403
    assert (await hr.get(f"/proposals/{on_main}", as_="manager-aoyuan")).status_code == 404
    bad_month = await hr.get("/proposals", month="2020-13")
    assert bad_month.status_code == 422


RULE_BOOK = {
    "school_id": "xuexiao",
    "title": "后勤人员月考核细则",
    "effective_on": "2020-09-01",
    "base_score": 100,
    "categories": [
        {"code": "DISC", "name": "劳动纪律", "deduction_cap": 20},
        {"code": "MERIT", "name": "加分项", "deduction_cap": 0, "bonus_cap": 10},
    ],
    "items": [
        {"code": "D-3", "text": "门岗未按规定登记来访人员", "category": "DISC", "points": -2},
        {"code": "D-4", "text": "值班期间脱岗", "category": "DISC", "points": -5},
        {"code": "B-1", "text": "技能比赛获奖", "category": "MERIT", "points": 5},
    ],
}


async def open_month(world: SchoolWorld, month: str) -> None:
    """The school's rule book (once), and the month's appraisals of the main campus opened."""
    if not await world.service.pool.fetchval("SELECT count(*) FROM events WHERE stream_id = 'rulebook-xuexiao'"):
        published = await world.post("/rule-books", RULE_BOOK)
        assert published.status_code == 200, published.text
    opened = await world.post("/appraisal-months", {"campus_id": "main", "month": month})
    assert opened.status_code == 200, opened.text
    assert f"li-guard-{month}" in opened.json()["appraisal_ids"]


async def items_of(world: SchoolWorld, appraisal_id: str) -> list[dict[str, Any]]:
    rows = await world.service.pool.fetch(
        "SELECT data FROM events WHERE stream_id = $1 AND type = 'hr_eval.AppraisalItemProposed' ORDER BY version",
        f"appraisal-{appraisal_id}",
    )
    return [dict(r["data"]) for r in rows]


async def test_a_proposal_is_confirmed_into_the_worker_s_opened_appraisal_in_one_transaction(hr: SchoolWorld) -> None:
    found = datetime(2020, 12, 3, 0, 30, tzinfo=UTC)  # 08:30 on 3 December at the school
    proposal_id = await raise_proposal(hr, at=found)
    path = f"/proposals/{proposal_id}/confirm"
    before = await hr.events()
    closed = await hr.post(path, {"item_id": "gate-1203"})
    assert closed.status_code == 422, closed.text
    assert closed.json()["detail"][0]["field"] == "proposal_id" and "open the month first" in closed.text
    assert await hr.events() == before

    await open_month(hr, "2020-12")
    before = await hr.events()
    unknown_rule = await hr.post(path, {"item_id": "gate-1203", "rule_code": "Z-9"})
    assert unknown_rule.status_code == 422 and unknown_rule.json()["detail"][0]["field"] == "rule_code"
    stale = await hr.post(path, {"item_id": "gate-1203", "expected_version": 0})
    assert stale.status_code == 409, stale.text
    early = await hr.post(path, {"item_id": "gate-1203", "at": "2020-12-03T08:00:00+08:00"})
    assert early.status_code == 409 and early.json()["field"] == "at"
    for who in ("guard-main", "vp-main"):
        assert (await hr.post(path, {"item_id": "gate-1203"}, as_=who)).status_code == 403
    assert (await hr.post(path, {"item_id": "gate-1203"}, as_="manager-aoyuan")).status_code == 404
    assert await hr.events() == before

    confirmed = await hr.post(path, {"item_id": "gate-1203", "expected_version": 1})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["events"] == ["hr_eval.ProposalConfirmed"]
    (item,) = await items_of(hr, "li-guard-2020-12")
    assert item | {"proposed_at": None, "source_ref": None} == {
        "appraisal_id": "li-guard-2020-12",
        "item_id": "gate-1203",
        "rule_code": "D-3",
        "category": "DISC",
        "points": -2,
        "rule_text": "门岗未按规定登记来访人员",
        "occurred_at": "2020-12-03T00:30:00Z",
        "place": "本部 大门",
        "note": "来访人员未登记",
        "evidence_refs": [],
        "source": "patrol",
        "source_ref": None,
        "proposal_id": proposal_id,
        "proposed_by": "zhou",
        "proposed_at": None,
    }
    row = await state_of(hr, proposal_id, "confirmed")
    assert row["appraisal_id"] == "li-guard-2020-12" and row["item_id"] == "gate-1203"
    assert row["confirmed_rule_code"] == "D-3" and row["source_ref"] == item["source_ref"]
    # the item is proposed when the proposal was confirmed
    assert datetime.fromisoformat(item["proposed_at"]) == datetime.fromisoformat(row["confirmed_at"])

    before = await hr.events()
    again = await hr.post(path, {"item_id": "gate-1203b"})
    assert again.status_code == 409 and "already confirmed" in again.json()["reason"]
    assert (await hr.post(f"/proposals/{proposal_id}/dismiss", {"reason": "撤回"})).status_code == 409
    assert await hr.events() == before


async def test_a_confirmation_the_appraisal_refuses_leaves_the_proposal_received(hr: SchoolWorld) -> None:
    first = await raise_proposal(hr, at=datetime(2021, 1, 5, 1, 0, tzinfo=UTC))
    second = await raise_proposal(hr, at=datetime(2021, 1, 6, 1, 0, tzinfo=UTC), rule_code="")
    await open_month(hr, "2021-01")
    assert (await hr.post(f"/proposals/{first}/confirm", {"item_id": "gate-0105"})).status_code == 200
    before = await hr.events()
    no_rule = await hr.post(f"/proposals/{second}/confirm", {"item_id": "gate-0106"})
    assert no_rule.status_code == 422 and no_rule.json()["detail"][0]["field"] == "rule_code"
    # the item's id is taken in the appraisal: neither the item nor the confirmation is kept
    taken = await hr.post(f"/proposals/{second}/confirm", {"item_id": "gate-0105", "rule_code": "D-4"})
    assert taken.status_code == 409 and taken.json()["field"] == "item_id"
    assert await hr.events() == before
    assert await events_of(hr, second) == ["hr_eval.ProposalReceived"]

    other_rule = await hr.post(f"/proposals/{second}/confirm", {"item_id": "post-0106", "rule_code": "D-4"})
    assert other_rule.status_code == 200, other_rule.text
    points = {i["item_id"]: (i["rule_code"], i["points"]) for i in await items_of(hr, "li-guard-2021-01")}
    assert points == {"gate-0105": ("D-3", -2), "post-0106": ("D-4", -5)}


async def test_a_prize_the_rule_book_rewards_proposes_its_bonus_to_each_logistics_worker_once(hr: SchoolWorld) -> None:
    def award(bonus_rule_code: str | None) -> AwardGranted:
        return AwardGranted(
            award_id=f"skip-{uuid4().hex[:8]}",
            school_id="xuexiao",
            campus_id="main",
            contest_id="skip-rope-2021",
            title="跳绳踢毽比赛 团体一等奖",
            prize=Prize.FIRST,
            level=Level.SCHOOL,
            awarded_on=date(2021, 3, 31),
            entrant_id="logistics-team",
            recipient_name="后勤队",
            staff_ids=["li-guard", "wang-tech", "huang"],  # huang is a teacher: not appraised here
            bonus_rule_code=bonus_rule_code,
            granted_by="zhou",
            granted_at=datetime(2021, 4, 1, 2, 0, tzinfo=UTC),
        )

    tenant = (await tenant_of(hr, "main")).model_copy(update={"campus_id": None})
    rewarded, unrewarded = award("B-1"), award(None)
    reaction = ProposalsFromAwards()
    for granted in (rewarded, unrewarded):
        envelope = new_envelope(
            granted, stream_id=f"award-{granted.award_id}", version=1, tenant=tenant, occurred_at=granted.granted_at
        )
        for _ in range(2):  # delivered twice
            async with hr.service.pool.acquire() as conn, conn.transaction():
                await reaction.handle(conn, envelope)

    ids = {staff: proposal_id_of_award(rewarded.award_id, staff) for staff in ("li-guard", "wang-tech", "huang")}
    assert [await events_of(hr, ids[s]) for s in ("li-guard", "wang-tech", "huang")] == [
        ["hr_eval.ProposalReceived"],
        ["hr_eval.ProposalReceived"],
        [],
    ]
    for staff in ("li-guard", "wang-tech"):
        row = await state_of(hr, ids[staff], "received")
        assert row["staff_id"] == staff and row["campus_id"] == "main" and row["month"] == "2021-03"
        assert row["source"] == "contest" and row["source_ref"] == rewarded.award_id and row["rule_code"] == "B-1"
        assert row["raised_by"] == "zhou" and "团体一等奖" in row["note"]
    listed = (await hr.get("/proposals", as_="admin", month="2021-03")).json()["items"]
    assert sorted(r["proposal_id"] for r in listed) == sorted([ids["li-guard"], ids["wang-tech"]])


async def test_a_month_is_not_published_while_a_proposal_for_it_waits(hr: SchoolWorld) -> None:
    """Nothing another service raised is dropped silently: until each of the month's proposals
    is confirmed or dismissed, publishing the month is a 409 naming the month, with nothing
    appended."""
    month = "2021-03"
    await open_month(hr, month)
    waiting = await raise_proposal(hr, at=datetime(2021, 3, 9, 1, 0, tzinfo=UTC))
    rows = await hr.service.pool.fetch(
        "SELECT data->>'appraisal_id' AS id FROM events WHERE type = 'hr_eval.AppraisalOpened' AND data->>'month' = $1",
        month,
    )
    for row in rows:
        finalised = await hr.post(f"/appraisals/{row['id']}/finalise", {})
        assert finalised.status_code == 200, finalised.text
    before = await hr.events()
    refused = await hr.post("/appraisal-months/publish", {"campus_id": "main", "month": month})
    assert refused.status_code == 409, refused.text
    assert refused.json()["field"] == "month" and waiting in refused.json()["reason"]
    assert await hr.events() == before
    received = await hr.get("/proposals", campus_id="main", month=month, state="received")
    assert waiting in [p["proposal_id"] for p in received.json()["items"]]
    for proposal in received.json()["items"]:
        dismissed = await hr.post(f"/proposals/{proposal['proposal_id']}/dismiss", {"reason": "当日不在岗, 非本人责任"})
        assert dismissed.status_code == 200, dismissed.text
    published = await hr.post("/appraisal-months/publish", {"campus_id": "main", "month": month})
    assert published.status_code == 200, published.text
