"""Proposals through the staff appraisal's API: kept once however often their event is
handled, dismissed or confirmed into the worker's opened appraisal by an appraiser of the
campus, refused with a structured 4xx (and nothing appended) otherwise; read by the campus's
appraisers and overseers, never by a worker."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest_asyncio

from services.eventkit.envelope import TenantPath, new_envelope
from services.hr_eval.events import ItemSource
from services.hr_eval.reactions import ProposalsFromServices
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
        row: dict[str, Any] = (await world.get(f"/proposals/{proposal_id}")).json()
        return row if row["state"] == state else None

    found: dict[str, Any] = await eventually(read)
    return found


async def test_the_same_event_handled_twice_makes_one_proposal(hr: SchoolWorld) -> None:
    proposal_id = await raise_proposal(hr, times=2)
    assert await events_of(hr, proposal_id) == ["hr_eval.ProposalReceived"]
    row = (await hr.get(f"/proposals/{proposal_id}")).json()
    assert row | {"received_at": None, "source_ref": None, "from_event_id": None} == row | {
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
        "received_at": None,
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
