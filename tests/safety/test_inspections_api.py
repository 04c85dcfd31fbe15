"""Inspection endpoints: findings raise hazards in the same transaction; fire needs two directors."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import uuid4

import pytest

from services.eventkit.auth import Principal, Role
from services.eventkit.commands import CommandBus, CommandContext
from services.eventkit.decider import Resolved
from services.eventkit.envelope import TenantPath
from services.eventkit.store import EventStore
from services.safety.events import SAFETY_EVENTS
from services.safety.inspections import Inspection, RecordFinding
from tests.conftest import eventually
from tests.safety.conftest import SafetyWorld

CHECKLIST = ["灭火器在有效期内", "安全出口畅通", "消防栓门板完好"]
CST = timezone(timedelta(hours=8))


def start(inspection_id: str, kind: str = "fire", campus: str = "main") -> dict[str, Any]:
    return {
        "inspection_id": inspection_id,
        "campus_id": campus,
        "kind": kind,
        "areas": ["教学楼", "食堂"],
        "checklist": CHECKLIST,
        "at": "2020-10-30T14:00:00+08:00",
    }


async def test_a_fire_inspection_needs_two_directors_and_its_problem_becomes_a_hazard(world: SafetyWorld) -> None:
    iid = f"fire-{uuid4().hex[:8]}"
    assert (await world.post("/inspections", start(iid))).status_code == 200
    for item in CHECKLIST[:2]:
        ok = await world.post(f"/inspections/{iid}/findings", {"item": item, "area": "教学楼", "ok": True})
        assert ok.status_code == 200, ok.text
    problem = await world.post(
        f"/inspections/{iid}/findings",
        {
            "item": CHECKLIST[2],
            "area": "教学楼",
            "ok": False,
            "note": "三楼门板损坏",
            "severity": "medium",
            "hazard_id": f"hz-{iid}",
            "at": "2020-10-30T14:40:00+08:00",
        },
    )
    assert problem.status_code == 200, problem.text
    rows = await world.safety.pool.fetch(
        "SELECT type, data, occurred_at FROM events WHERE stream_id = $1", f"hazard-hz-{iid}"
    )
    assert [r["type"] for r in rows] == ["safety.HazardReported"]
    # the hazard was reported when the problem was found, not when the finding was typed in
    assert rows[0]["data"]["reported_at"] == "2020-10-30T14:40:00+08:00"
    assert rows[0]["occurred_at"].isoformat() == "2020-10-30T06:40:00+00:00"
    assert rows[0]["data"]["inspection_id"] == iid and "三楼门板损坏" in rows[0]["data"]["description"]

    assert (await world.post(f"/inspections/{iid}/sign-off", {"at": "2020-10-30T15:30:00+08:00"})).status_code == 200
    one = await world.post(f"/inspections/{iid}/complete", {"at": "2020-10-30T16:00:00+08:00"})
    assert one.status_code == 409 and "2 sign-offs" in one.json()["reason"]
    twice = await world.post(f"/inspections/{iid}/sign-off", {"at": "2020-10-30T15:30:00+08:00"})
    assert twice.status_code == 409
    # a technician is no director
    assert (
        await world.post(f"/inspections/{iid}/sign-off", {"at": "2020-10-30T15:30:00+08:00"}, as_="tech-main")
    ).status_code == 403
    assert (
        await world.post(f"/inspections/{iid}/sign-off", {"at": "2020-10-30T15:30:00+08:00"}, as_="vp-main")
    ).status_code == 200
    done = await world.post(f"/inspections/{iid}/complete", {"at": "2020-10-30T16:00:00+08:00"})
    assert done.status_code == 200, done.text

    async def fire_done() -> bool:
        status = (await world.get("/inspection-status/main")).json()
        fire = next(i for i in status["inspections"] if i["kind"] == "fire")
        return fire["last_completed_at"] is not None and fire["every_days"] == 31

    await eventually(fire_done)
    listed = (await world.get("/inspections", kind="fire", completed=True)).json()["items"]
    mine = next(i for i in listed if i["inspection_id"] == iid)
    assert mine["problems"] == 1 and mine["findings"] == 3 and sorted(mine["sign_offs"]) == ["xu-vp", "zhou"]


async def test_an_inspection_never_done_is_overdue_and_a_rhythm_can_be_set(world: SafetyWorld) -> None:
    status = (await world.get("/inspection-status/aoyuan", as_="manager-aoyuan")).json()
    monthly = next(i for i in status["inspections"] if i["kind"] == "monthly_check")
    special = next(i for i in status["inspections"] if i["kind"] == "special_check")
    assert monthly["overdue"] and monthly["next_due"] is None
    assert special["every_days"] is None and not special["overdue"]

    response = await world.post(
        "/campuses/aoyuan/inspection-schedule", {"kind": "special_check", "every_days": 14}, as_="manager-aoyuan"
    )
    assert response.status_code == 200, response.text

    async def rhythm_set() -> bool:
        s = (await world.get("/inspection-status/aoyuan", as_="manager-aoyuan")).json()
        return bool(next(i for i in s["inspections"] if i["kind"] == "special_check")["every_days"] == 14)

    await eventually(rhythm_set)


async def test_a_finding_off_the_checklist_appends_nothing_at_all(world: SafetyWorld) -> None:
    iid = f"patrol-{uuid4().hex[:8]}"
    await world.post("/inspections", start(iid, kind="daily_patrol"))
    before = await world.events()
    response = await world.post(
        f"/inspections/{iid}/findings", {"item": "不在清单上", "area": "教学楼", "ok": False, "severity": "low"}
    )
    assert response.status_code == 409 and response.json()["field"] == "item"
    assert await world.events() == before  # neither the finding nor a hazard


async def test_inspection_status_is_scoped(world: SafetyWorld) -> None:
    page = (await world.get("/inspection-status", as_="manager-aoyuan")).json()
    assert [c["campus_id"] for c in page["items"]] == ["aoyuan"]
    both = (await world.get("/inspection-status", as_="admin")).json()
    assert [c["campus_id"] for c in both["items"]] == ["aoyuan", "main"]
    assert (await world.get("/inspection-status/main", as_="manager-aoyuan")).status_code == 404
    assert (await world.get("/inspection-status", as_="parent-yao")).status_code == 403


async def test_a_sign_off_before_the_start_or_a_completion_before_it_is_refused(world: SafetyWorld) -> None:
    iid = f"fire-{uuid4().hex[:8]}"
    assert (await world.post("/inspections", start(iid))).status_code == 200
    before = await world.events()
    early = await world.post(f"/inspections/{iid}/sign-off", {"at": "2020-10-30T13:00:00+08:00"})
    assert early.status_code == 409, early.text
    assert early.json() | {"reason": ""} == {
        "error": "out_of_order",
        "reason": "",
        "field": "at",
        "step": "started",
        "step_time": "2020-10-30T14:00:00+08:00",
    }
    assert await world.events() == before


async def test_a_finding_names_a_worker_of_the_campus_and_proposes_them_an_appraisal_item(world: SafetyWorld) -> None:
    iid = f"patrol-{uuid4().hex[:8]}"
    assert (await world.post("/inspections", start(iid, kind="daily_patrol"))).status_code == 200
    finding = {"item": CHECKLIST[1], "area": "教学楼", "ok": True, "at": "2020-10-30T14:30:00+08:00"}
    before = await world.events()
    for staff_id in ("chen-clean", "nobody-here"):  # of Aoyuan only; unknown
        refused = await world.post(
            f"/inspections/{iid}/findings", finding | {"responsible_staff_id": staff_id, "rule_code": "D-3"}
        )
        assert refused.status_code == 422, refused.text
        assert [d["field"] for d in refused.json()["detail"]] == ["responsible_staff_id"]
    # who may not record a finding learns nothing of the worker
    assert (
        await world.post(
            f"/inspections/{iid}/findings", finding | {"responsible_staff_id": "chen-clean"}, as_="teacher-g6"
        )
    ).status_code == 403
    assert await world.events() == before

    named = await world.post(
        f"/inspections/{iid}/findings",
        finding
        | {"ok": False, "severity": "low", "note": "未登记", "responsible_staff_id": "li-guard", "rule_code": "D-3"},
    )
    assert named.status_code == 200, named.text
    assert named.json()["events"] == ["safety.InspectionFindingRecorded", "safety.AppraisalItemProposed"]
    row = await world.safety.pool.fetchrow(
        "SELECT data, campus_id FROM events WHERE stream_id = $1 AND type = 'safety.AppraisalItemProposed'",
        f"inspection-{iid}",
    )
    assert row is not None and row["campus_id"] == "main"
    assert row["data"] | {"note": ""} == {
        "staff_id": "li-guard",
        "campus_id": "main",
        "occurred_at": "2020-10-30T14:30:00+08:00",
        "source": "patrol",
        "source_ref": iid,
        "rule_code": "D-3",
        "place": "教学楼",
        "note": "",
        "evidence_refs": [],
    }


async def test_a_walk_s_findings_after_its_start_read_nothing_of_the_stream(
    world: SafetyWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process that started the inspection (or recorded its last finding) keeps its state: the
    next finding is decided on it and appended only if the stream still ends where it did, so a
    walk costs no read of its stream; another writer's events are read, and the finding follows."""
    reads: list[tuple[str, int]] = []
    original = EventStore.read_first_and_from

    async def counting(self: EventStore, stream_id: str, from_version: int) -> Any:
        reads.append((stream_id, from_version))
        return await original(self, stream_id, from_version)

    monkeypatch.setattr(EventStore, "read_first_and_from", counting)
    iid = f"walk-{uuid4().hex[:8]}"
    assert (await world.post("/inspections", start(iid, kind="daily_patrol"))).status_code == 200
    versions = []
    for item in CHECKLIST:
        ok = await world.post(f"/inspections/{iid}/findings", {"item": item, "area": "教学楼", "ok": True})
        assert ok.status_code == 200, ok.text
        versions.append(ok.json()["version"])
    assert versions == [2, 3, 4] and reads == []
    # another writer (a second replica, say) records a finding: this process's next one is refused
    # at the append, reads the stream from the state it kept, and goes after the other's
    stream = f"inspection-{iid}"
    pool = world.service.pool
    first = await pool.fetchrow("SELECT district_id, school_id, campus_id FROM events WHERE stream_id = $1", stream)
    assert first is not None
    tenant = TenantPath(**dict(first))
    other_bus = CommandBus("safety", EventStore(pool), SAFETY_EVENTS)
    finding = RecordFinding(item=CHECKLIST[0], area="食堂", ok=True, at=datetime(2020, 10, 30, 14, 50, tzinfo=CST))
    replica = Principal(subject="other-replica", roles=frozenset([Role.PLATFORM_ADMIN]))
    theirs = await other_bus.execute(
        Inspection, iid, Resolved(finding, tenant, iid, {"hazard_id": "hz-none"}), CommandContext(replica), tenant
    )
    assert theirs.version == 5
    ours = await world.post(f"/inspections/{iid}/findings", {"item": CHECKLIST[1], "area": "食堂", "ok": True})
    assert ours.status_code == 200 and ours.json()["version"] == 6
    assert [s for s, _ in reads] == [stream]  # where the stream lives, checked again after the refusal
    # the stream has another writer now: each finding reads it first, from the state kept
    again = await world.post(f"/inspections/{iid}/findings", {"item": CHECKLIST[2], "area": "食堂", "ok": True})
    assert again.status_code == 200 and again.json()["version"] == 7 and reads[1:] == [(stream, 6)]
    rows = await pool.fetch("SELECT version, actor FROM events WHERE stream_id = $1 ORDER BY version", stream)
    assert [r["version"] for r in rows] == [1, 2, 3, 4, 5, 6, 7] and rows[4]["actor"] == "other-replica"
