"""Delivery acceptance and pesticide quick tests on the running canteen service."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tests.conftest import eventually
from tests.school import SchoolWorld

ARRIVED = "2020-09-07T06:40:00+08:00"
GREENS = {
    "line_no": 1,
    "item": "青菜",
    "category": "leafy_vegetable",
    "batch": "20200907",
    "produced_on": "2020-09-07",
    "shelf_life_days": 3,
    "declared_grams": 20000,
}
PORK = {
    "line_no": 2,
    "item": "猪肉",
    "category": "meat",
    "batch": "A0907-3",
    "produced_on": "2020-09-06",
    "shelf_life_days": 3,
    "declared_grams": 15000,
    "chilled": True,
    "certificates": [{"kind": "quarantine", "number": "3201123456", "expires_on": "2020-09-09"}],
}


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


def delivery(delivery_id: str, licence_expires: str = "2020-09-30", **extra: Any) -> dict[str, Any]:
    return {
        "delivery_id": delivery_id,
        "campus_id": "main",
        "supplier_id": f"sup-{delivery_id}",
        "supplier_name": "绿源农产品配送有限公司",
        "certificates": [
            {"kind": "supplier_licence", "number": "JY13201050012345", "expires_on": licence_expires},
            {"kind": "invoice", "number": "No. 00231877"},
        ],
        "lines": [GREENS, PORK],
        "at": ARRIVED,
    } | extra


async def ok(world: SchoolWorld, path: str, body: dict[str, Any], as_: str = "cook-main") -> list[str]:
    response = await world.post(path, body, as_=as_)
    assert response.status_code == 200, response.text
    events: list[str] = response.json()["events"]
    return events


async def refused(world: SchoolWorld, path: str, body: dict[str, Any], status: int, as_: str = "cook-main") -> Any:
    """Refused with ``status``, and nothing appended."""
    before = await world.events()
    response = await world.post(path, body, as_=as_)
    assert response.status_code == status, response.text
    assert await world.events() == before
    return response.json()


def fields(body: dict[str, Any]) -> list[str]:
    """The fields a refusal names (a 422 lists them under detail)."""
    if "field" in body:
        return [body["field"]]
    return [d["field"] for d in body.get("detail", [])]


async def test_a_delivery_is_weighed_by_two_tested_accepted_signed_and_read(world: SchoolWorld) -> None:
    did = uid("d")
    unquarantined = delivery(did, lines=[GREENS, PORK | {"certificates": []}])
    bad = await refused(world, "/deliveries", unquarantined, 422)
    assert fields(bad) == ["lines.1.certificates"]
    assert await ok(world, "/deliveries", delivery(did), as_="canteen-main") == ["canteen.DeliveryReceived"]

    warm = await refused(world, f"/deliveries/{did}/inspections", {"line_no": 2, "weighed_grams": 15000}, 422)
    assert fields(warm) == ["temperature_c10"]
    pork = {"line_no": 2, "weighed_grams": 15000, "temperature_c10": 35}
    assert await ok(world, f"/deliveries/{did}/inspections", pork) == ["canteen.DeliveryLineInspected"]
    assert await ok(world, f"/deliveries/{did}/inspections", {"line_no": 1, "weighed_grams": 19800}, "canteen-main")
    early = await refused(world, f"/deliveries/{did}/accept", {"line_no": 1}, 409)
    assert "pesticide" in early["reason"]
    test = {"line_no": 1, "test_id": "nc-1", "inhibition_permille": 120, "verdict": "pass"}
    assert await ok(world, f"/deliveries/{did}/pesticide-tests", test) == ["canteen.PesticideTested"]
    assert await ok(world, f"/deliveries/{did}/accept", {"line_no": 1}) == ["canteen.DeliveryLineAccepted"]
    assert await ok(world, f"/deliveries/{did}/accept", {"line_no": 2}) == ["canteen.DeliveryLineAccepted"]
    signed = await ok(world, f"/deliveries/{did}/sign", {"at": "2020-09-07T07:30:00+08:00"}, "manager-main")
    assert signed == ["canteen.DeliveryAcceptanceSigned"]
    after = await refused(world, f"/deliveries/{did}/reject", {"line_no": 1, "reason": "晚了"}, 409)
    assert "signed" in after["reason"]

    async def read() -> Any:
        response = await world.get("/deliveries", as_="vp-main", campus_id="main", supplier_id=f"sup-{did}")
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        return items[0] if items and items[0]["state"] == "signed" else None

    row = await eventually(read)
    assert row["inspectors"] == ["han-canteen", "jiang-cook"] and row["lines_accepted"] == 2
    assert row["received_on"] == "2020-09-07" and row["pesticide_tests"] == 1
    one = await world.get(f"/deliveries/{did}", as_="medical")
    assert one.status_code == 200, one.text
    lines = one.json()["lines"]
    assert [(li["decision"], li["accepted_grams"]) for li in lines] == [("accepted", 19800), ("accepted", 15000)]
    assert lines[1]["inspections"][0]["temperature_c10"] == 35 and one.json()["tests"][0]["verdict"] == "pass"
    filtered = await world.get("/deliveries", campus_id="main", from_day="2020-09-08", supplier_id=f"sup-{did}")
    assert filtered.json()["items"] == []

    expiring = await world.get("/supplier-certificates/expiring", campus_id="main", as_of="2020-09-07")
    assert expiring.status_code == 200, expiring.text
    mine = [c for c in expiring.json()["items"] if c["supplier_id"] == f"sup-{did}"]
    assert [(c["kind"], c["days_left"]) for c in mine] == [("quarantine", 2), ("supplier_licence", 23)]
    shorter = await world.get("/supplier-certificates/expiring", campus_id="main", as_of="2020-09-07", within_days=5)
    assert [c["kind"] for c in shorter.json()["items"] if c["supplier_id"] == f"sup-{did}"] == ["quarantine"]

    for path in ("/deliveries", f"/deliveries/{did}", "/pesticide-tests"):
        parent = await world.get(path, as_="parent-yao", campus_id="main")
        assert parent.status_code == 403, parent.text
    other = await world.get("/deliveries", as_="manager-aoyuan", campus_id="main")
    assert other.status_code == 403, other.text
    outside = await world.get("/supplier-certificates/expiring", as_="other-admin", campus_id="main")
    assert outside.status_code == 403, outside.text
    unseen = await world.get(f"/deliveries/{did}", as_="manager-aoyuan")
    assert unseen.status_code == 404, unseen.text


async def test_a_failed_pesticide_lot_is_rejected_and_never_accepted(world: SchoolWorld) -> None:
    did = uid("d")
    await ok(world, "/deliveries", delivery(did))
    await ok(world, f"/deliveries/{did}/inspections", {"line_no": 1, "weighed_grams": 20000})
    fail = {"line_no": 1, "test_id": "nc-2", "inhibition_permille": 640, "verdict": "fail"}
    failed = await ok(world, f"/deliveries/{did}/pesticide-tests", fail)
    assert failed == ["canteen.PesticideTested", "canteen.DeliveryLineRejected"]
    override = {"line_no": 1, "override_reason": "食堂急用"}
    await refused(world, f"/deliveries/{did}/accept", override, 409, as_="manager-main")
    mismatch = await refused(world, f"/deliveries/{did}/pesticide-tests", fail | {"verdict": "pass"}, 422)
    assert fields(mismatch) == ["verdict"]

    async def failures() -> Any:
        response = await world.get("/pesticide-tests", campus_id="main", failed="true")
        assert response.status_code == 200, response.text
        return [t for t in response.json()["items"] if t["delivery_id"] == did]

    (test,) = await eventually(failures)
    assert (test["item"], test["inhibition_permille"], test["failed"]) == ("青菜", 640, True)


async def test_an_expired_certificate_or_short_weight_is_accepted_only_by_a_managers_override(
    world: SchoolWorld,
) -> None:
    did = uid("d")
    await ok(world, "/deliveries", delivery(did, licence_expires="2020-09-06"))
    await ok(world, f"/deliveries/{did}/inspections", {"line_no": 2, "weighed_grams": 14000, "temperature_c10": 30})
    plain = await refused(world, f"/deliveries/{did}/accept", {"line_no": 2}, 409)
    assert fields(plain) == ["override_reason"] and "expired on 2020-09-06" in plain["reason"]
    assert "14000 g" in plain["reason"]
    override = {"line_no": 2, "override_reason": "新证已办理，差重按实收结算"}
    cook = await refused(world, f"/deliveries/{did}/accept", override, 403)
    assert fields(cook) == ["override_reason"]
    assert await ok(world, f"/deliveries/{did}/accept", override, "manager-main") == ["canteen.DeliveryLineAccepted"]

    async def line() -> Any:
        response = await world.get(f"/deliveries/{did}")
        if response.status_code == 404:  # the read model has not seen the delivery yet
            return None
        lines = response.json()["lines"]
        return lines[1] if lines[1]["decision"] else None

    decided = await eventually(line)
    assert (decided["accepted_grams"], decided["override_reason"]) == (14000, "新证已办理，差重按实收结算")


async def test_out_of_scope_stale_and_unknown_lines_are_refused(world: SchoolWorld) -> None:
    did = uid("d")
    await refused(world, "/deliveries", delivery(did), 403, as_="cook-aoyuan")
    await refused(world, "/deliveries", delivery(did), 403, as_="other-admin")
    await refused(world, "/deliveries", delivery(did), 403, as_="parent-yao")
    await ok(world, "/deliveries", delivery(did))
    weigh = {"line_no": 1, "weighed_grams": 20000}
    await refused(world, f"/deliveries/{did}/inspections", weigh, 404, as_="cook-aoyuan")
    await refused(world, f"/deliveries/{did}/inspections", weigh, 403, as_="vp-main")
    stale = await refused(world, f"/deliveries/{did}/inspections", weigh | {"expected_version": 0}, 409)
    assert stale["error"] == "version_conflict"
    unknown = await refused(world, f"/deliveries/{did}/inspections", weigh | {"line_no": 7}, 422)
    assert fields(unknown) == ["line_no"]
    beans = await refused(
        world, f"/deliveries/{did}/pesticide-tests", {"line_no": 2, "test_id": "x1", "verdict": "pass"}, 422
    )
    assert fields(beans) == ["line_no"]
    again = await refused(world, "/deliveries", delivery(did), 409)
    assert fields(again) == ["delivery_id"]
    reject = await ok(world, f"/deliveries/{did}/reject", {"line_no": 1, "reason": "叶片发黄"})
    assert reject == ["canteen.DeliveryLineRejected"]
    blank = await refused(world, f"/deliveries/{did}/reject", {"line_no": 2, "reason": ""}, 422)
    assert fields(blank) == ["reason"]
    one_inspector = await refused(world, f"/deliveries/{did}/sign", {}, 409)
    assert "neither accepted nor rejected" in one_inspector["reason"]
