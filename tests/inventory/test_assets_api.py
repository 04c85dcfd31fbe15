"""Room assets through the API, and through real Kafka: a person-caused damage raises exactly one
compensation charge, and its events delivered again change nothing."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from services.eventkit.envelope import Envelope
from tests.conftest import eventually
from tests.kafka_helpers import produce_raw, read_topic
from tests.school import SchoolWorld


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


def asset(asset_id: str, campus: str = "main", room: str = "301 六1班教室", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "asset_id": asset_id,
        "tag": f"XJ-{asset_id}",
        "campus_id": campus,
        "room": room,
        "item_id": "projector",
        "description": "投影仪",
        "value_fen": 350000,
        "on": "2020-09-01",
    }
    return body | overrides


def damage(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "cause": "person",
        "by_kind": "person",
        "by_id": "lin",
        "description": "镜头被篮球砸坏",
        "on": "2020-10-12",
    }
    return body | overrides


async def registered(world: SchoolWorld, campus: str = "main", as_: str = "manager-main", **overrides: Any) -> str:
    aid = uid("a")
    response = await world.post("/assets", asset(aid, campus, **overrides), as_=as_)
    assert response.status_code == 200, response.text
    return aid


async def asset_view(world: SchoolWorld, asset_id: str, **expected: Any) -> dict[str, Any] | None:
    response = await world.get(f"/assets/{asset_id}", as_="manager-both")
    if response.status_code != 200:
        return None
    view = dict(response.json())
    return view if all(view.get(k) == v for k, v in expected.items()) else None


async def charges_of(world: SchoolWorld, asset_id: str) -> list[dict[str, Any]]:
    return list((await world.get("/compensations", as_="manager-both", asset_id=asset_id)).json()["items"])


async def test_a_person_caused_damage_raises_exactly_one_charge_and_redelivery_changes_nothing(
    world: SchoolWorld,
) -> None:
    aid = await registered(world)
    damaged = await world.post(f"/assets/{aid}/damage", damage(charge_fen=120000))
    assert damaged.status_code == 200, damaged.text
    assert damaged.json()["events"] == ["inventory.AssetDamaged"]
    charged = await world.service.pool.fetch(
        "SELECT stream_id, causation_id, data FROM events WHERE type = 'inventory.CompensationCharged' "
        "AND data->>'asset_id' = $1",
        aid,
    )
    assert len(charged) == 1  # in the damage's own transaction
    assert charged[0]["causation_id"] == damaged.json()["event_ids"][0]
    assert (charged[0]["data"]["against_id"], charged[0]["data"]["amount_fen"]) == ("lin", 120000)

    [charge] = await eventually(lambda: charges_of(world, aid))
    assert (charge["against"], charge["against_id"], charge["amount_fen"], charge["status"]) == (
        "person",
        "lin",
        120000,
        "charged",
    )
    view = await eventually(lambda: asset_view(world, aid, status="damaged"))
    assert view["damages"] == 1 and len(view["damage_records"]) == 1
    assert view["charges"][0]["damage_event_id"] == damaged.json()["event_ids"][0]

    # every event of the asset and its charge delivered again: nothing changes
    settings = world.service.settings
    records = await read_topic(settings.kafka_bootstrap, settings.events_topic, until=await world.events())
    streams = {f"asset-{aid}", charged[0]["stream_id"]}
    again = [(env.stream_id.encode(), v) for _, _, v, _ in records for env in [Envelope.from_wire(v)]]
    again = [(k, v) for k, v in again if k.decode() in streams]
    assert len(again) >= 3
    runner = next(r for r in world.service.runtime.runners if any(h.name == "assets" for h in r.handlers))
    skipped = runner.skipped
    await produce_raw(settings.kafka_bootstrap, settings.events_topic, *again)
    await eventually(lambda: _at_least(runner.skipped, skipped + len(again)))
    assert len(await charges_of(world, aid)) == 1
    view = await asset_view(world, aid)
    assert view is not None and view["damages"] == 1 and len(view["damage_records"]) == 1
    total = await world.service.pool.fetchval(
        "SELECT count(*) FROM events WHERE type = 'inventory.CompensationCharged' AND data->>'asset_id' = $1", aid
    )
    assert total == 1


async def _at_least(value: int, expected: int) -> bool:
    return value >= expected


async def test_a_class_pays_the_full_value_unless_a_share_is_named_and_wear_charges_no_one(
    world: SchoolWorld,
) -> None:
    aid = await registered(world, value_fen=80000, item_id=None, description="课桌椅一套")
    by_class = await world.post(f"/assets/{aid}/damage", damage(by_kind="class", by_id="g6-1", description="桌面划痕"))
    assert by_class.status_code == 200, by_class.text
    assert (await world.post(f"/assets/{aid}/repair", {"on": "2020-10-15"}, as_="tech-main")).status_code == 200
    worn = await world.post(f"/assets/{aid}/damage", damage(cause="wear", by_kind=None, by_id=None))
    assert worn.status_code == 200, worn.text
    [charge] = await eventually(lambda: charges_of(world, aid))
    assert (charge["against"], charge["against_id"], charge["amount_fen"]) == ("class", "g6-1", 80000)
    view = await eventually(lambda: asset_view(world, aid, damages=2))
    assert [d["cause"] for d in view["damage_records"]] == ["person", "wear"]


async def test_disposal_needs_an_approval_by_someone_else(world: SchoolWorld) -> None:
    aid = await registered(world)
    early = await world.post(f"/assets/{aid}/dispose", {"on": "2020-12-10"})
    assert early.status_code == 409 and early.json()["error"] == "rejected"  # 报废 without approval
    requested = await world.post(f"/assets/{aid}/disposal", {"reason": "主板损坏, 无维修价值", "on": "2020-12-01"})
    assert requested.status_code == 200, requested.text
    assert (await world.post(f"/assets/{aid}/dispose", {"on": "2020-12-10"})).status_code == 409
    # a logistics manager does not approve; the vice principal of another campus has no scope
    assert (await world.post(f"/assets/{aid}/disposal/approve", {}, as_="manager-both")).status_code == 403
    assert (await world.post(f"/assets/{aid}/disposal/approve", {}, as_="vp-aoyuan")).status_code == 404
    approved = await world.post(f"/assets/{aid}/disposal/approve", {"on": "2020-12-02"}, as_="vp-main")
    assert approved.status_code == 200, approved.text
    assert (await world.post(f"/assets/{aid}/dispose", {"on": "2020-12-10"})).status_code == 200
    moved = await world.post(f"/assets/{aid}/move", {"to_room": "仓库"})
    assert moved.status_code == 409
    await eventually(lambda: asset_view(world, aid, status="disposed", disposal_approved_by="xu-vp"))


async def test_approving_your_own_disposal_request_is_refused(world: SchoolWorld) -> None:
    aid = await registered(world)
    assert (await world.post(f"/assets/{aid}/disposal", {"reason": "淘汰"}, as_="admin")).status_code == 200
    own = await world.post(f"/assets/{aid}/disposal/approve", {}, as_="admin")
    assert own.status_code == 409
    assert own.json()["error"] == "rejected"
    assert (await world.post(f"/assets/{aid}/disposal/approve", {}, as_="vp-main")).status_code == 200


async def test_a_tag_is_unique_on_its_campus(world: SchoolWorld) -> None:
    aid = await registered(world)
    before = await world.events()
    twin = await world.post("/assets", asset(uid("a"), tag=f"XJ-{aid}"))
    assert twin.status_code == 409
    assert twin.json()["error"] == "rejected" and twin.json()["field"] == "tag"
    assert await world.events() == before
    elsewhere = await world.post("/assets", asset(uid("a"), "aoyuan", tag=f"XJ-{aid}"), as_="manager-aoyuan")
    assert elsewhere.status_code == 200, elsewhere.text


async def test_rooms_show_their_assets_and_value_and_an_audit_finds_missing_and_unregistered(
    world: SchoolWorld,
) -> None:
    room, other = uid("room"), uid("room")
    ids = [await registered(world, room=room, value_fen=v) for v in (1000, 2000, 4000)]
    moved = await world.post(f"/assets/{ids[2]}/move", {"to_room": other, "on": "2020-10-20"})
    assert moved.status_code == 200, moved.text
    audit = {
        "audit_id": uid("audit"),
        "campus_id": "main",
        "room": room,
        "found_tags": [f"XJ-{ids[0]}", f"XJ-{ids[2]}", "XJ-UNKNOWN"],
        "on": "2020-12-15",
    }
    audited = await world.post("/room-audits", audit, as_="vp-main")
    assert audited.status_code == 200, audited.text
    stored = await world.service.pool.fetchval(
        "SELECT data FROM events WHERE type = 'inventory.RoomAudited' AND data->>'audit_id' = $1", audit["audit_id"]
    )
    assert stored["missing"] == [f"XJ-{ids[1]}"]
    assert stored["unregistered"] == sorted([f"XJ-{ids[2]}", "XJ-UNKNOWN"])
    assert (await world.post("/room-audits", audit, as_="vp-main")).status_code == 409

    rows = await eventually(lambda: _rooms(world, {room, other}))
    by_room = {r["room"]: r for r in rows}
    assert (by_room[room]["assets"], by_room[room]["value_fen"]) == (2, 3000)
    assert (by_room[other]["assets"], by_room[other]["value_fen"]) == (1, 4000)
    listed = (await world.get("/assets", campus_id="main", room=other)).json()["items"]
    assert [a["asset_id"] for a in listed] == [ids[2]]
    audits = await eventually(lambda: _audits(world, room))
    assert audits[0]["missing"] == [f"XJ-{ids[1]}"]


async def _rooms(world: SchoolWorld, rooms: set[str]) -> list[dict[str, Any]]:
    rows = (await world.get("/assets/rooms", campus_id="main")).json()
    found = [r for r in rows if r["room"] in rooms]
    return found if len(found) == len(rooms) and sum(r["assets"] for r in found) == 3 else []


async def _audits(world: SchoolWorld, room: str) -> list[dict[str, Any]]:
    return list((await world.get("/room-audits", campus_id="main", room=room)).json()["items"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (asset("bad-1", item_id="chalk"), "item_id"),
        (asset("bad-2", tag="XJ 0301"), "tag"),
        (asset("bad-3", value_fen=-1), "value_fen"),
        (asset("bad-4", "nowhere"), "campus_id"),
        (asset("bad-5", on="someday"), "on"),
        (asset("Bad Id"), "asset_id"),
    ],
)
async def test_bad_registrations_are_a_422_naming_the_field_and_append_nothing(
    world: SchoolWorld, body: dict[str, Any], field: str
) -> None:
    before = await world.events()
    response = await world.post("/assets", body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == field
    assert await world.events() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"by_id": None}, "by_id"),  # a person-caused damage names who
        ({"by_kind": None}, "by_kind"),
        ({"by_id": "nobody"}, "by_id"),
        ({"by_kind": "class", "by_id": "g1-1"}, "by_id"),  # a class of the other campus
        ({"cause": "wear"}, "by_id"),  # wear is no one's doing
        ({"charge_fen": 350001}, "charge_fen"),  # more than it is worth
        ({"charge_fen": 0}, "charge_fen"),
        ({"cause": "fire"}, "cause"),
    ],
)
async def test_bad_damages_are_a_422_naming_the_field_and_append_nothing(
    world: SchoolWorld, overrides: dict[str, Any], field: str
) -> None:
    aid = await registered(world)
    before = await world.events()
    response = await world.post(f"/assets/{aid}/damage", damage(**overrides))
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == field
    assert await world.events() == before


async def test_a_stale_expected_version_is_a_409_version_conflict(world: SchoolWorld) -> None:
    aid = await registered(world)
    assert (await world.post(f"/assets/{aid}/move", {"to_room": "302", "expected_version": 1})).status_code == 200
    before = await world.events()
    stale = await world.post(f"/assets/{aid}/damage", damage() | {"expected_version": 1})
    assert stale.status_code == 409
    assert stale.json()["error"] == "version_conflict"
    assert await world.events() == before  # no damage, and no charge


async def test_out_of_scope_or_role_is_a_403(world: SchoolWorld) -> None:
    before = await world.events()
    assert (await world.post("/assets", asset(uid("a")), as_="teacher-g6")).status_code == 403
    assert (await world.post("/assets", asset(uid("a")), as_="manager-aoyuan")).status_code == 403
    assert await world.events() == before
    aid = await registered(world)
    before = await world.events()
    # another campus's asset: as if there were none (tests/inventory/test_out_of_scope_api.py)
    assert (await world.post(f"/assets/{aid}/move", {"to_room": "302"}, as_="manager-aoyuan")).status_code == 404
    assert (await world.post(f"/assets/{aid}/damage", damage(), as_="manager-aoyuan")).status_code == 404
    assert (await world.post(f"/assets/{aid}/damage", damage(), as_="teacher-g6")).status_code == 403
    assert (await world.post(f"/assets/{aid}/disposal", {"reason": "x"}, as_="tech-main")).status_code == 403
    audit = {"audit_id": uid("audit"), "campus_id": "main", "room": "301", "found_tags": [], "on": "2020-12-15"}
    assert (await world.post("/room-audits", audit, as_="vp-aoyuan")).status_code == 403
    assert (await world.post("/room-audits", audit, as_="teacher-g6")).status_code == 403
    assert await world.events() == before
    assert (await world.post("/assets/no-such-asset/move", {"to_room": "302"})).status_code == 404
    await eventually(lambda: asset_view(world, aid))
    assert (await world.get(f"/assets/{aid}", as_="manager-aoyuan")).status_code == 404
