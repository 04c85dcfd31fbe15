"""Damage compensation through the API: charges priced from the catalogue or an asset, paid or waived."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from tests.conftest import eventually
from tests.school import SchoolWorld


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


def charge(charge_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "charge_id": charge_id,
        "campus_id": "main",
        "against": "class",
        "against_id": "g6-1",
        "item_id": "broom",
        "quantity": 2,
        "reason": "课间打闹折断笤帚",
        "at": "2020-11-16T16:00:00+08:00",
    }
    return body | overrides


async def charge_row(world: SchoolWorld, charge_id: str, status: str | None = None) -> dict[str, Any] | None:
    page = (await world.get("/compensations", as_="manager-both", limit=500)).json()
    row = next((r for r in page["items"] if r["charge_id"] == charge_id), None)
    if row is None or (status is not None and row["status"] != status):
        return None
    return dict(row)


async def test_a_class_is_charged_at_the_catalogue_price_and_pays_once(world: SchoolWorld) -> None:
    cid = uid("c")
    charged = await world.post("/compensations", charge(cid))
    assert charged.status_code == 200, charged.text
    assert charged.json()["events"] == ["inventory.CompensationCharged"]
    row = await eventually(lambda: charge_row(world, cid))
    assert (row["amount_fen"], row["against"], row["against_id"], row["status"]) == (3000, "class", "g6-1", "charged")
    assert row["charged_by"] == "zhou"

    paid = await world.post(f"/compensations/{cid}/pay", {"on": "2020-11-20", "receipt_ref": "收据 No. 0012"})
    assert paid.status_code == 200, paid.text
    again = await world.post(f"/compensations/{cid}/pay", {"on": "2020-11-21", "receipt_ref": "收据 No. 0013"})
    assert again.status_code == 409 and again.json()["error"] == "rejected"
    waive = await world.post(f"/compensations/{cid}/waive", {"reason": "x"}, as_="vp-main")
    assert waive.status_code == 409 and waive.json()["error"] == "rejected"
    row = await eventually(lambda: charge_row(world, cid, "paid"))
    assert row["receipt_ref"] == "收据 No. 0012"


async def test_a_waived_charge_is_not_paid(world: SchoolWorld) -> None:
    cid = uid("c")
    body = charge(cid, against="person", against_id="lin", item_id="gloves", quantity=3)
    assert (await world.post("/compensations", body)).status_code == 200
    waived = await world.post(f"/compensations/{cid}/waive", {"reason": "家庭困难"}, as_="vp-main")
    assert waived.status_code == 200, waived.text
    paid = await world.post(f"/compensations/{cid}/pay", {"on": "2020-11-20", "receipt_ref": "r-1"})
    assert paid.status_code == 409
    assert paid.json()["error"] == "rejected"
    row = await eventually(lambda: charge_row(world, cid, "waived"))
    assert (row["amount_fen"], row["waived_reason"], row["closed_by"]) == (1800, "家庭困难", "xu-vp")


async def test_a_member_of_staff_can_be_charged(world: SchoolWorld) -> None:
    cid = uid("c")
    response = await world.post("/compensations", charge(cid, against="person", against_id="sun", item_id="pen"))
    assert response.status_code == 200, response.text


async def test_an_asset_is_charged_at_its_value(world: SchoolWorld) -> None:
    aid = uid("a")
    registered = await world.post(
        "/assets",
        {
            "asset_id": aid,
            "tag": f"T-{aid}",
            "campus_id": "main",
            "room": "301",
            "item_id": "projector",
            "description": "投影仪",
            "value_fen": 320000,
            "on": "2020-09-01",
        },
    )
    assert registered.status_code == 200, registered.text
    cid = uid("c")
    body = charge(cid, against="person", against_id="yao", item_id=None, asset_id=aid, quantity=1)
    assert (await world.post("/compensations", body)).status_code == 200
    row = await eventually(lambda: charge_row(world, cid))
    assert (row["asset_id"], row["item_id"], row["amount_fen"]) == (aid, None, 320000)
    # an asset on another campus is not this campus's to charge
    other = charge(uid("c"), campus_id="aoyuan", against_id="g1-1", item_id=None, asset_id=aid)
    refused = await world.post("/compensations", other, as_="manager-both")
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] == "asset_id"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"against_id": "nobody"}, "against_id"),  # no such class
        ({"against_id": "g1-1"}, "against_id"),  # a class of the other campus
        ({"against": "person", "against_id": "nobody"}, "against_id"),  # no such student or staff
        ({"against": "person", "against_id": "g6-1"}, "against_id"),  # a class is not a person
        ({"against": "school"}, "against"),
        ({"item_id": "chalk"}, "item_id"),  # not catalogued
        ({"item_id": None}, "item_id"),  # neither an item nor an asset
        ({"asset_id": "some-asset"}, "asset_id"),  # both
        ({"item_id": None, "asset_id": "no-such-asset"}, "asset_id"),
        ({"quantity": 0}, "quantity"),
        ({"reason": "  "}, "reason"),
        ({"campus_id": "nowhere"}, "campus_id"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field_and_appends_nothing(
    world: SchoolWorld, overrides: dict[str, Any], field: str
) -> None:
    before = await world.events()
    response = await world.post("/compensations", charge(uid("c"), **overrides))
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"] == field
    assert await world.events() == before


async def test_a_stale_expected_version_is_a_409_version_conflict(world: SchoolWorld) -> None:
    cid = uid("c")
    assert (await world.post("/compensations", charge(cid))).status_code == 200
    before = await world.events()
    stale = await world.post(
        f"/compensations/{cid}/pay", {"on": "2020-11-20", "receipt_ref": "r", "expected_version": 0}
    )
    assert stale.status_code == 409
    assert stale.json()["error"] == "version_conflict"
    assert await world.events() == before
    current = await world.post(
        f"/compensations/{cid}/pay", {"on": "2020-11-20", "receipt_ref": "r", "expected_version": 1}
    )
    assert current.status_code == 200


async def test_out_of_scope_or_role_is_a_403(world: SchoolWorld) -> None:
    before = await world.events()
    cid = uid("c")
    assert (await world.post("/compensations", charge(cid), as_="manager-aoyuan")).status_code == 403
    assert (await world.post("/compensations", charge(cid), as_="teacher-g6")).status_code == 403
    assert await world.events() == before
    assert (await world.post("/compensations", charge(cid))).status_code == 200
    assert (await world.post(f"/compensations/{cid}/waive", {"reason": "x"}, as_="teacher-g6")).status_code == 403
    assert (await world.post(f"/compensations/{cid}/waive", {"reason": "x"}, as_="vp-aoyuan")).status_code == 404
    pay = {"on": "2020-11-20", "receipt_ref": "r"}
    assert (await world.post(f"/compensations/{cid}/pay", pay, as_="manager-aoyuan")).status_code == 404
    assert (await world.post("/compensations/no-such-charge/pay", pay)).status_code == 404


async def test_charges_are_listed_by_campus_and_status_within_scope(world: SchoolWorld) -> None:
    cid = uid("c")
    body = charge(cid, campus_id="aoyuan", against_id="g1-1")
    assert (await world.post("/compensations", body, as_="manager-aoyuan")).status_code == 200
    await eventually(lambda: charge_row(world, cid))
    mine = (await world.get("/compensations", as_="manager-aoyuan", status="charged")).json()["items"]
    assert cid in {r["charge_id"] for r in mine}
    assert {r["campus_id"] for r in mine} == {"aoyuan"}
    main = (await world.get("/compensations", as_="manager-main", campus_id="aoyuan")).json()["items"]
    assert main == []  # out of scope: not seen
    one = await world.get(f"/compensations/{cid}", as_="manager-aoyuan")
    assert one.status_code == 200, one.text
    assert one.json() == next(r for r in mine if r["charge_id"] == cid)
    assert (one.json()["against_id"], one.json()["reason"]) == ("g1-1", "课间打闹折断笤帚")
    assert (await world.get(f"/compensations/{cid}", as_="manager-main")).status_code == 404  # out of scope
    assert (await world.get("/compensations/no-such-charge")).status_code == 404
    bad = await world.get("/compensations", status="lost")
    assert bad.status_code == 422
