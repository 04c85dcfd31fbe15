"""Hazard and inspection endpoints on the running safety service, through real Kafka."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from services.eventkit.envelope import Envelope
from tests.conftest import eventually
from tests.kafka_helpers import read_topic
from tests.safety.conftest import SafetyWorld


def hazard(hazard_id: str, campus: str = "main", severity: str = "medium", **extra: Any) -> dict[str, Any]:
    return {
        "hazard_id": hazard_id,
        "campus_id": campus,
        "area": "操场",
        "description": "窨井盖下沉",
        "severity": severity,
        "at": "2020-10-12T08:30:00+08:00",
    } | extra


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


async def status_of(world: SafetyWorld, campus: str) -> dict[str, Any]:
    response = await world.get(f"/inspection-status/{campus}", as_="manager-both")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_a_hazard_goes_round_and_the_status_follows_it(world: SafetyWorld) -> None:
    hid = uid("manhole")
    before = await status_of(world, "main")
    assert (await world.post("/hazards", hazard(hid, severity="high"), as_="guard-main")).status_code == 200

    async def open_high() -> bool:
        now = (await status_of(world, "main"))["hazards"]["open_by_severity"]["high"]
        return bool(now == before["hazards"]["open_by_severity"]["high"] + 1)

    await eventually(open_high)

    escalated = await world.post(
        f"/hazards/{hid}/escalate", {"authority": "新北区教育局 基建科", "at": "2020-10-12T10:00:00+08:00"}
    )
    assert escalated.status_code == 200, escalated.text
    assert escalated.json()["events"] == ["safety.HazardEscalated"]
    # the past act keeps its own time; the time it was recorded is the server's, today
    times = await world.service.pool.fetchrow(
        "SELECT occurred_at, recorded_at FROM events WHERE stream_id = $1 AND type = 'safety.HazardEscalated'",
        f"hazard-{hid}",
    )
    assert times is not None
    assert times["occurred_at"] == datetime(2020, 10, 12, 2, 0, tzinfo=UTC)
    assert abs(times["recorded_at"] - datetime.now(UTC)) < timedelta(minutes=5)
    before_backwards = await world.events()
    backwards = await world.post(f"/hazards/{hid}/rectify", {"at": "2020-10-12T09:00:00+08:00"})
    assert backwards.status_code == 409, backwards.text
    assert backwards.json() | {"reason": ""} == {
        "error": "out_of_order",
        "reason": "",
        "field": "at",
        "step": "escalated",
        "step_time": "2020-10-12T10:00:00+08:00",
    }
    assert await world.events() == before_backwards
    assert (await world.post(f"/hazards/{hid}/rectify", {"at": "2020-10-20T10:00:00+08:00"})).status_code == 200
    # the manager recorded the fix, so someone else verifies it
    own = await world.post(f"/hazards/{hid}/verify", {"passed": True})
    assert own.status_code == 409 and own.json()["error"] == "rejected"
    closed = await world.post(f"/hazards/{hid}/verify", {"passed": True, "note": "已修复"}, as_="manager-both")
    assert closed.status_code == 200, closed.text

    async def closed_in_status() -> bool:
        s = (await status_of(world, "main"))["hazards"]
        return bool(
            s["closed"] == before["hazards"]["closed"] + 1
            and s["escalated_total"] == before["hazards"]["escalated_total"] + 1
            and s["open_by_severity"]["high"] == before["hazards"]["open_by_severity"]["high"]
        )

    await eventually(closed_in_status)
    one = (await world.get(f"/hazards/{hid}")).json()
    assert one["status"] == "closed" and one["escalated"] and one["authority"] == "新北区教育局 基建科"
    assert one["verified_by"] == "gu" and one["rectified_by"] == "zhou"


async def test_an_in_house_assignment_publishes_the_repair_request(world: SafetyWorld) -> None:
    hid = uid("door")
    await world.post("/hazards", hazard(hid, description="消防栓门板损坏"), as_="guard-main")
    response = await world.post(f"/hazards/{hid}/assign", {"assignee_id": "wang-tech", "due_on": "2020-10-15"})
    assert response.status_code == 200, response.text
    settings = world.safety.settings
    count = await world.safety.pool.fetchval("SELECT count(*) FROM events")

    async def published() -> list[Envelope]:
        records = await read_topic(settings.kafka_bootstrap, settings.events_topic, until=count, timeout=20)
        return [
            e
            for e in (Envelope.from_wire(v) for _, _, v, _ in records)
            if e.type == "safety.HazardAssignedInHouse" and e.stream_id == f"hazard-{hid}"
        ]

    (request,) = await eventually(published)
    assert request.data["assignee_id"] == "wang-tech" and request.data["area"] == "操场"
    assert request.campus_id == "main" and request.school_id == "xuexiao" and request.district_id == "xinbei"
    assert request.actor == "zhou"


async def test_an_assignee_must_work_on_the_campus(world: SafetyWorld) -> None:
    hid = uid("tiles")
    await world.post("/hazards", hazard(hid, campus="aoyuan"), as_="cleaner-aoyuan")
    before = await world.events()
    response = await world.post(f"/hazards/{hid}/assign", {"assignee_id": "wang-tech"}, as_="manager-aoyuan")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "assignee_id"
    assert await world.events() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"severity": "apocalyptic"}, "severity"),
        ({"hazard_id": "Has Spaces"}, "hazard_id"),
        ({"at": "yesterday"}, "at"),
        ({"description": ""}, "description"),
        ({"campus_id": "nowhere"}, "campus_id"),
    ],
)
async def test_bad_reports_name_the_field_and_append_nothing(
    world: SafetyWorld, body: dict[str, Any], field: str
) -> None:
    before = await world.events()
    response = await world.post("/hazards", hazard(uid("bad")) | body)
    assert response.status_code == 422, response.text
    assert field in [d["field"] for d in response.json()["detail"]]
    assert await world.events() == before


async def test_a_stale_version_is_a_conflict(world: SafetyWorld) -> None:
    hid = uid("stale")
    await world.post("/hazards", hazard(hid))
    before = await world.events()
    response = await world.post(f"/hazards/{hid}/escalate", {"authority": "区教育局", "expected_version": 0})
    assert response.status_code == 409 and response.json()["error"] == "version_conflict"
    assert await world.events() == before
    ok = await world.post(f"/hazards/{hid}/escalate", {"authority": "区教育局", "expected_version": 1})
    assert ok.status_code == 200 and ok.json()["version"] == 2


async def test_out_of_scope_is_forbidden_and_appends_nothing(world: SafetyWorld) -> None:
    hid = uid("scope")
    await world.post("/hazards", hazard(hid, campus="main"))
    before = await world.events()
    for as_, path, body in [
        ("manager-aoyuan", "/hazards", hazard(uid("x"), campus="main")),
        ("guard-main", f"/hazards/{hid}/escalate", {"authority": "区教育局"}),  # a guard reports, not escalates
        ("parent-yao", "/hazards", hazard(uid("x"))),
    ]:
        response = await world.post(path, body, as_=as_)
        assert response.status_code == 403, (as_, path, response.text)
    # another campus's: as if there were none (the same 404 as an id nothing has)
    for entity in (hid, "nothing-here"):
        for as_, path, body in [
            ("manager-aoyuan", f"/hazards/{entity}/escalate", {"authority": "区教育局"}),
            ("other-admin", f"/hazards/{entity}/escalate", {"authority": "区教育局"}),
        ]:
            response = await world.post(path, body, as_=as_)
            assert response.status_code == 404, (as_, path, response.text)
            assert response.json()["reason"].endswith(f"{entity} does not exist")
    assert await world.events() == before
    hidden = await world.get(f"/hazards/{hid}", as_="manager-aoyuan")
    missing = await world.get("/hazards/nothing-here", as_="manager-aoyuan")
    assert (hidden.status_code, hidden.text.replace(hid, "?")) == (404, missing.text.replace("nothing-here", "?"))


async def test_an_unknown_hazard_is_not_found(world: SafetyWorld) -> None:
    response = await world.post("/hazards/never-reported/escalate", {"authority": "区教育局"})
    assert response.status_code == 404


async def test_a_retried_report_with_the_same_key_reports_once(world: SafetyWorld) -> None:
    hid, key = uid("retry"), uid("key")
    first = await world.post("/hazards", hazard(hid), **{"Idempotency-Key": key})
    again = await world.post("/hazards", hazard(hid), **{"Idempotency-Key": key})
    assert first.status_code == again.status_code == 200
    assert again.json()["duplicate"] and again.json()["event_ids"] == first.json()["event_ids"]
    assert await world.safety.pool.fetchval("SELECT count(*) FROM events WHERE stream_id = $1", f"hazard-{hid}") == 1


async def test_a_command_id_or_causation_id_over_200_characters_is_refused_naming_the_header(
    world: SafetyWorld,
) -> None:
    before = await world.events()
    for header in ("Idempotency-Key", "X-Causation-Id"):
        response = await world.post("/hazards", hazard(uid("long")), **{header: "k" * 201})
        assert response.status_code == 422, response.text
        assert response.json() == {
            "error": "validation_error",
            "detail": [{"field": header, "reason": "at most 200 characters"}],
        }
    assert await world.events() == before
    accepted = await world.post("/hazards", hazard(uid("long")), **{"Idempotency-Key": "k" * 200})
    assert accepted.status_code == 200, accepted.text


async def test_a_command_answers_its_result_as_json(world: SafetyWorld) -> None:
    hid = uid("answer")
    response = await world.post("/hazards", hazard(hid))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body.keys() == {"stream_id", "version", "events", "event_ids", "duplicate", "read_after"}
    assert body["read_after"] == f"safety:{body['stream_id']}@{body['version']}"
    assert (body["stream_id"], body["version"], body["events"], body["duplicate"]) == (
        f"hazard-{hid}",
        1,
        ["safety.HazardReported"],
        False,
    )


async def test_the_hazard_list_is_scoped_and_paginated(world: SafetyWorld) -> None:
    ids = [uid("page") for _ in range(3)]
    for hid in ids:
        await world.post("/hazards", hazard(hid, campus="aoyuan"), as_="manager-aoyuan")

    async def listed() -> bool:
        page = (await world.get("/hazards", as_="manager-aoyuan", campus_id="aoyuan", limit=500)).json()
        return set(ids) <= {h["hazard_id"] for h in page["items"]}

    await eventually(listed)
    first = (await world.get("/hazards", as_="manager-aoyuan", limit=2)).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = (await world.get("/hazards", as_="manager-aoyuan", limit=2, after=first["next_cursor"])).json()
    assert {h["hazard_id"] for h in first["items"]}.isdisjoint({h["hazard_id"] for h in second["items"]})
    everything = (await world.get("/hazards", as_="manager-aoyuan", limit=500)).json()["items"]
    assert everything and all(h["campus_id"] == "aoyuan" for h in everything)


async def test_a_counted_list_counts_its_filters_and_scope_on_every_page(world: SafetyWorld) -> None:
    """count=true: total is every row the filters and the caller's scope keep, whatever the page
    size and the cursor; another campus's rows are not counted; without count there is no total."""
    ids = [uid("count") for _ in range(3)]
    for hid, severity in zip(ids, ["low", "low", "high"], strict=True):
        posted = await world.post("/hazards", hazard(hid, campus="aoyuan", severity=severity), as_="manager-aoyuan")
        assert posted.status_code == 200, posted.text

    async def listed() -> bool:
        page = (await world.get("/hazards", as_="manager-aoyuan", limit=500)).json()
        return set(ids) <= {h["hazard_id"] for h in page["items"]}

    await eventually(listed)

    async def counted(as_: str, **params: Any) -> dict[str, Any]:
        response = await world.get("/hazards", as_=as_, count="true", **params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    aoyuan = (await world.get("/hazards", as_="manager-aoyuan", limit=500)).json()
    assert "total" not in aoyuan  # not asked: the page as it always was
    assert aoyuan["items"] and all(h["campus_id"] == "aoyuan" for h in aoyuan["items"])
    low = [h for h in aoyuan["items"] if h["severity"] == "low"]
    assert {ids[0], ids[1]} <= {h["hazard_id"] for h in low} and len(low) < len(aoyuan["items"])

    # every page of every size, and the empty page after the last, carry the same total
    for limit in (1, 2, 500):
        after: str | None = None
        seen: list[str] = []
        while True:
            body = await counted("manager-aoyuan", limit=limit, **({"after": after} if after else {}))
            assert body["total"] == len(aoyuan["items"]), (limit, after)
            seen += [h["hazard_id"] for h in body["items"]]
            after = body["next_cursor"]
            if after is None:
                break
        assert seen == [h["hazard_id"] for h in aoyuan["items"]]
    past_the_end = await counted("manager-aoyuan", limit=2, after=aoyuan["items"][-1]["hazard_id"])
    assert past_the_end == {"items": [], "next_cursor": None, "total": len(aoyuan["items"])}
    # the filters count
    first_low = await counted("manager-aoyuan", severity="low", limit=1)
    assert first_low["total"] == len(low) and [h["hazard_id"] for h in first_low["items"]] == [low[0]["hazard_id"]]
    assert (await counted("manager-aoyuan", severity="low", limit=1, after=low[0]["hazard_id"]))["total"] == len(low)
    # the scope counts: a hazard on another campus is counted for whoever sees it, never for aoyuan's manager
    both = (await counted("manager-both", limit=1))["total"]
    elsewhere = uid("count")
    assert (await world.post("/hazards", hazard(elsewhere, campus="main"), as_="manager-main")).status_code == 200

    async def counted_where_seen() -> bool:
        return bool((await counted("manager-both", limit=1))["total"] == both + 1)

    await eventually(counted_where_seen)
    assert (await counted("manager-aoyuan", limit=1))["total"] == len(aoyuan["items"])
    assert (await counted("manager-aoyuan", campus_id="main", limit=1)) == {
        "items": [],
        "next_cursor": None,
        "total": 0,
    }
    assert (await world.get("/hazards", as_="manager-aoyuan", count="maybe")).status_code == 422
