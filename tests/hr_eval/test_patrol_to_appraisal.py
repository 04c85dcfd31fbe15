"""A daily patrol's finding naming the guard at the gate, through real Kafka, to his published
month: the directory, the safety service and the staff appraisal run on one topic namespace,
as in production.

The safety service publishes ``safety.AppraisalItemProposed``; the staff appraisal keeps it as
a proposal (received when the finding was made), an appraiser confirms it into the guard's
opened appraisal, tells him, he acknowledges it, the appraisal is finalised and the campus's
month published: his total is the rule book's base less the rule's points. The same safety
record delivered again, and the reaction run again on the same event, keep one proposal.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from services.directory.service import DIRECTORY
from services.eventkit.consumer import ConsumerRunner
from services.eventkit.envelope import Envelope
from services.hr_eval.reactions import ProposalsFromServices
from services.hr_eval.service import HR_EVAL
from services.safety.service import SAFETY
from tests.conftest import RunningService, SettingsFactory, eventually
from tests.kafka_helpers import produce_raw, read_topic
from tests.school import PEOPLE, Headers, register_district, seed, tokens_for

BASE = 100
RULE_BOOK = {
    "school_id": "xuexiao",
    "title": "后勤人员月考核细则（2020学年第一学期）",
    "effective_on": "2020-09-01",
    "base_score": BASE,
    "categories": [{"code": "DISC", "name": "劳动纪律", "deduction_cap": 20}],
    "items": [{"code": "D-3", "text": "门岗未按规定登记来访人员", "category": "DISC", "points": -2}],
}


async def post(service: RunningService, path: str, body: dict[str, Any], headers: Headers) -> dict[str, Any]:
    response = await service.client.post(path, json=body, headers=headers)
    assert response.status_code == 200, (path, response.text)
    answer: dict[str, Any] = response.json()
    return answer


async def proposals_received(hr: RunningService, tokens: dict[str, Headers]) -> list[dict[str, Any]]:
    response = await hr.client.get(
        "/proposals",
        params={"campus_id": "main", "month": "2020-10", "state": "received"},
        headers=tokens["manager-main"],
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def received_count(hr: RunningService) -> int:
    return int(await hr.pool.fetchval("SELECT count(*) FROM events WHERE type = 'hr_eval.ProposalReceived'"))


async def test_a_patrol_finding_naming_the_guard_ends_in_his_published_month(
    make_settings: SettingsFactory, start_service: Any
) -> None:
    ns = f"patrol{uuid4().hex[:6]}"
    directory = await start_service(DIRECTORY, await make_settings("directory", namespace_suffix=ns))
    safety_settings = await make_settings("safety", namespace_suffix=ns)
    safety = await start_service(SAFETY, safety_settings)
    hr = await start_service(HR_EVAL, await make_settings("hr_eval", namespace_suffix=ns))
    tokens = tokens_for(hr.settings)
    manager, guard = tokens["manager-main"], tokens["guard-main"]
    await register_district(directory, tokens["platform"])
    await seed(directory, tokens["admin"])

    async def mirrored() -> bool:
        for service in (safety, hr):
            if await service.pool.fetchval("SELECT count(*) FROM directory_staff") != len(PEOPLE):
                return False
        return True

    await eventually(mirrored, timeout=60)

    # the month of October is opened on the main campus, under the school's rule book
    await post(hr, "/rule-books", RULE_BOOK, manager)
    opened = await post(hr, "/appraisal-months", {"campus_id": "main", "month": "2020-10"}, manager)
    assert sorted(opened["appraisal_ids"]) == ["li-guard-2020-10", "wang-tech-2020-10"]

    # the daily patrol finds the gate's visitors unregistered, and puts it down to li-guard
    patrol = f"patrol-{uuid4().hex[:8]}"
    await post(
        safety,
        "/inspections",
        {
            "inspection_id": patrol,
            "campus_id": "main",
            "kind": "daily_patrol",
            "areas": ["本部 大门"],
            "checklist": ["来访人员登记"],
            "at": "2020-10-15T07:30:00+08:00",
        },
        manager,
    )
    finding = await post(
        safety,
        f"/inspections/{patrol}/findings",
        {
            "item": "来访人员登记",
            "area": "本部 大门",
            "ok": False,
            "severity": "low",
            "note": "07:40 两名来访人员未登记",
            "responsible_staff_id": "li-guard",
            "rule_code": "D-3",
            "at": "2020-10-15T07:45:00+08:00",
        },
        manager,
    )
    assert "safety.AppraisalItemProposed" in finding["events"]

    async def proposed() -> list[dict[str, Any]]:
        return await proposals_received(hr, tokens)

    (proposal,) = await eventually(proposed, timeout=60)
    assert proposal["staff_id"] == "li-guard" and proposal["source"] == "patrol"
    assert proposal["source_ref"] == patrol and proposal["rule_code"] == "D-3" and proposal["place"] == "本部 大门"
    assert proposal["from_event_type"] == "safety.AppraisalItemProposed" and proposal["raised_by"] == "zhou"
    found_at = datetime(2020, 10, 14, 23, 45, tzinfo=UTC)
    assert datetime.fromisoformat(proposal["occurred_at"]) == found_at
    proposal_id = proposal["proposal_id"]

    # the same safety record delivered again: skipped; the reaction run again on it: nothing new
    runner: ConsumerRunner = next(
        r for r in hr.runtime.runners if any(isinstance(h, ProposalsFromServices) for h in r.handlers)
    )
    count = await safety.pool.fetchval("SELECT count(*) FROM events")
    records = await read_topic(safety_settings.kafka_bootstrap, safety_settings.events_topic, until=count)
    again = [
        (None, value) for _, _, value, headers in records if dict(headers)["type"] == b"safety.AppraisalItemProposed"
    ]
    assert len(again) == 1
    raised = Envelope.from_wire(again[0][1])
    assert str(raised.event_id) == proposal["from_event_id"] == proposal_id
    skipped = runner.skipped
    await produce_raw(safety_settings.kafka_bootstrap, safety_settings.events_topic, *again)

    async def skipped_it() -> bool:
        return runner.skipped > skipped

    await eventually(skipped_it, timeout=60)
    async with hr.pool.acquire() as conn, conn.transaction():
        await ProposalsFromServices().handle(conn, raised)
    assert await received_count(hr) == 1
    assert len(await proposals_received(hr, tokens)) == 1

    # confirmed into li-guard's appraisal, told to him, acknowledged, finalised, published
    appraisal = "li-guard-2020-10"
    await post(hr, f"/proposals/{proposal_id}/confirm", {"item_id": "gate-1015"}, manager)
    await post(hr, f"/appraisals/{appraisal}/communications", {"item_id": "gate-1015", "channel": "in_person"}, manager)
    await post(hr, f"/appraisals/{appraisal}/acknowledgements", {"item_id": "gate-1015"}, guard)
    for finalised in opened["appraisal_ids"]:
        await post(hr, f"/appraisals/{finalised}/finalise", {}, manager)
    await post(hr, "/appraisal-months/publish", {"campus_id": "main", "month": "2020-10"}, manager)

    published = await hr.pool.fetch(
        "SELECT stream_id, data FROM events WHERE type = 'hr_eval.AppraisalPublished' ORDER BY stream_id"
    )
    totals = {row["data"]["appraisal_id"]: row["data"]["total"] for row in published}
    assert totals == {appraisal: BASE - 2, "wang-tech-2020-10": BASE}
    item = await hr.pool.fetchrow(
        "SELECT data FROM events WHERE stream_id = $1 AND type = 'hr_eval.AppraisalItemProposed'",
        f"appraisal-{appraisal}",
    )
    assert item is not None and item["data"]["proposal_id"] == proposal_id
    assert item["data"]["source_ref"] == patrol and item["data"]["points"] == -2
    assert runner.dead_lettered == 0
