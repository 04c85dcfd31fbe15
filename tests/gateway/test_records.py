"""The district's records that GraphQL reads through the inventory and the directory: catalogue
items, room assets, compensation charges, stock-takes and parents. Each is read in scope (by
id, in a list, on its campus), is nothing to a caller out of scope, lists its history with the
times of its acts, and a page of them costs a bounded number of service calls."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
import pytest_asyncio

from tests.conftest import eventually
from tests.gateway.conftest import System
from tests.gateway.test_history import post

HISTORY = "history { type actedAt actedOn actor { id name } summary }"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def day_start(day: str) -> datetime:
    """The start of a day at the school (UTC+8), as an act dated by ``on`` happens."""
    return datetime.fromisoformat(f"{day}T00:00:00+08:00").astimezone(UTC)


@dataclass
class Records:
    tag: str  # every id of this module's records starts with it
    items: list[str]
    assets: list[str]
    charges: list[str]
    stocktakes: list[str]
    parents: list[str]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def records(system: System) -> Records:
    """Three catalogue items, three assets of the main campus each damaged by a pupil (three
    charges, the first paid), two stock-takes of the main campus one after the other, and
    two parents: each act dated in the school year 2020-2021."""
    tag = f"r{uuid4().hex[:6]}"
    r = Records(tag, [], [], [], [], [])
    for n in range(3):
        item = f"{tag}-item-{n}"
        body = {
            "item_id": item,
            "school_id": "xuexiao",
            "name": f"粉笔 {n}",
            "unit": "盒",
            "category": "教学用品",
            "consumable": True,
            "unit_price_fen": 800,
            "reorder_point": 5,
            "at": "2020-09-01T09:00:00+08:00",
        }
        await post(system, "inventory", "/items", body, "manager-main")
        r.items.append(item)
    await post(
        system,
        "inventory",
        f"/items/{r.items[0]}/price",
        {"unit_price_fen": 900, "at": "2020-10-01T09:00:00+08:00"},
        "manager-aoyuan",
    )

    for n in range(3):
        asset, charge = f"{tag}-asset-{n}", f"{tag}-charge-{n}"
        body = {
            "asset_id": asset,
            "tag": f"XJ-{asset}",
            "campus_id": "main",
            "room": f"{tag} 301 六1班教室",
            "item_id": r.items[0],
            "description": "投影仪",
            "value_fen": 350000,
            "on": "2020-09-02",
        }
        await post(system, "inventory", "/assets", body, "manager-main")
        damage = {
            "cause": "person",
            "by_kind": "person",
            "by_id": "lin",
            "description": "镜头被篮球砸坏",
            "on": "2020-10-12",
            "charge_fen": 120000,
            "charge_id": charge,
        }
        await post(system, "inventory", f"/assets/{asset}/damage", damage, "manager-main")
        r.assets.append(asset)
        r.charges.append(charge)
    paid = {"on": "2020-10-20", "receipt_ref": "收据 No. 0012"}
    await post(system, "inventory", f"/compensations/{r.charges[0]}/pay", paid, "manager-main")

    for n, (started, counted, closed) in enumerate(
        [
            ("2020-10-30", "2020-10-30T15:00:00+08:00", "2020-10-31"),
            ("2020-11-30", "2020-11-30T15:00:00+08:00", "2020-12-01"),
        ]
    ):
        stocktake = f"{tag}-st-{n}"
        start = {"stocktake_id": stocktake, "campus_id": "main", "period": "monthly", "on": started}
        await post(system, "inventory", "/stocktakes", start, "manager-main")
        count = {"item_id": r.items[1], "counted": 5, "at": counted}
        await post(system, "inventory", f"/stocktakes/{stocktake}/counts", count, "guard-main")
        await post(system, "inventory", f"/stocktakes/{stocktake}/close", {"on": closed}, "manager-main")
        r.stocktakes.append(stocktake)

    for n, child in enumerate(["lin", "yao"]):
        parent = f"{tag}-parent-{n}"
        body = {
            "parent_id": parent,
            "school_id": "xuexiao",
            "name": f"家长 {n}",
            "phone": "139 1234 5678",
            "at": "2020-09-01T08:00:00+08:00",
        }
        await post(system, "directory", "/parents", body, "admin")
        link = {"student_id": child, "relation": "father", "at": "2020-09-02T08:00:00+08:00"}
        await post(system, "directory", f"/parents/{parent}/children", link, "admin")
        r.parents.append(parent)
    return r


async def found(
    system: System,
    query: str,
    path: str,
    as_: str = "manager-main",
    until: Callable[[Any], bool] = bool,
    **variables: Any,
) -> Any:
    """The value at ``path`` (dotted) of the answer, once it is there and ``until`` holds of it (truthy)."""

    async def check() -> Any:
        body = await system.gql(query, as_=as_, **variables)
        assert "errors" not in body, body
        value: Any = body["data"]
        for key in path.split("."):
            value = value[key] if value is not None else None
        return value if until(value) else None

    return await eventually(check)


def listing(ids: list[str], key: str) -> Callable[[Any], bool]:
    """Whether a list holds every one of ``ids``: each is a stream of its own, one can arrive after another."""
    return lambda nodes: bool(nodes) and set(ids) <= {n[key] for n in nodes}


# -- catalogue items ---------------------------------------------------------------------------

ITEM = f"""query($id: ID!) {{ catalogueItem(itemId: $id) {{
  itemId schoolId name unit category consumable unitPriceFen reorderPoint {HISTORY} }} }}"""


async def test_a_catalogue_item_in_scope_with_its_history(system: System, records: Records) -> None:
    item = records.items[0]

    async def repriced() -> dict[str, Any] | None:
        body = await system.gql(ITEM, as_="manager-aoyuan", id=item)  # a manager of another campus of its school
        value: dict[str, Any] | None = body["data"]["catalogueItem"]
        return value if value and value["unitPriceFen"] == 900 else None

    shown = await eventually(repriced)
    assert {k: v for k, v in shown.items() if k != "history"} == {
        "itemId": item,
        "schoolId": "xuexiao",
        "name": "粉笔 0",
        "unit": "盒",
        "category": "教学用品",
        "consumable": True,
        "unitPriceFen": 900,
        "reorderPoint": 5,
    }
    history = shown["history"]
    assert [(e["type"], at(e["actedAt"]), e["actedOn"], e["actor"]) for e in history] == [
        # the manager of the main campus is no member of staff the Aoyuan manager may look up
        ("inventory.ItemCatalogued", at("2020-09-01T09:00:00+08:00"), "2020-09-01", {"id": "zhou", "name": None}),
        ("inventory.ItemRepriced", at("2020-10-01T09:00:00+08:00"), "2020-10-01", {"id": "shen", "name": "沈主任"}),
    ]
    assert history[1]["summary"] == "Repriced at ¥9.00"

    query = 'query { campus(campusId: "aoyuan") { catalogue(first: 100) { nodes { itemId } } } }'
    nodes = await found(
        system, query, "campus.catalogue.nodes", as_="manager-aoyuan", until=listing(records.items, "itemId")
    )
    assert set(records.items) <= {n["itemId"] for n in nodes}


async def test_a_catalogue_item_is_nothing_to_a_caller_out_of_its_school(system: System, records: Records) -> None:
    await found(system, ITEM, "catalogueItem", id=records.items[0])
    assert (await system.gql(ITEM, as_="other-admin", id=records.items[0]))["data"] == {"catalogueItem": None}
    listed = await system.gql('query { catalogue(schoolId: "xuexiao") { nodes { itemId } } }', as_="other-admin")
    assert listed["data"] == {"catalogue": None}
    assert listed["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# -- assets --------------------------------------------------------------------------------------

ASSET = f"""query($id: ID!) {{ asset(assetId: $id) {{
  assetId campusId tag room itemId description valueFen acquiredOn registeredBy status damaged damages
  disposedOn damageRecords {{ cause byKind byId description damagedOn recordedBy chargeFen }}
  charges {{ chargeId against againstId amountFen status }}
  campus {{ name }} {HISTORY} }} }}"""


async def test_an_asset_in_scope_with_its_damages_charges_campus_and_history(system: System, records: Records) -> None:
    asset, charge = records.assets[0], records.charges[0]

    async def with_paid_charge() -> dict[str, Any] | None:
        value: dict[str, Any] | None = (await system.gql(ASSET, id=asset))["data"]["asset"]
        # the charge is a stream of its own: paid, it can be read before the asset's damage (its second event)
        settled = value and value["damaged"] and value["charges"] and value["charges"][0]["status"] == "PAID"
        return value if settled else None

    shown = await eventually(with_paid_charge)
    assert (shown["campusId"], shown["tag"], shown["room"], shown["itemId"]) == (
        "main",
        f"XJ-{asset}",
        f"{records.tag} 301 六1班教室",
        records.items[0],
    )
    assert (shown["valueFen"], shown["acquiredOn"], shown["registeredBy"]) == (350000, "2020-09-02", "zhou")
    assert (shown["status"], shown["damaged"], shown["damages"], shown["disposedOn"]) == ("DAMAGED", True, 1, None)
    assert shown["damageRecords"] == [
        {
            "cause": "PERSON",
            "byKind": "PERSON",
            "byId": "lin",
            "description": "镜头被篮球砸坏",
            "damagedOn": "2020-10-12",
            "recordedBy": "zhou",
            "chargeFen": 120000,
        }
    ]
    assert shown["charges"] == [
        {"chargeId": charge, "against": "PERSON", "againstId": "lin", "amountFen": 120000, "status": "PAID"}
    ]
    assert shown["campus"] == {"name": "本部"}
    assert [(e["type"], at(e["actedAt"]), e["actedOn"], e["actor"]["id"]) for e in shown["history"]] == [
        ("inventory.AssetRegistered", day_start("2020-09-02"), "2020-09-02", "zhou"),
        ("inventory.AssetDamaged", day_start("2020-10-12"), "2020-10-12", "zhou"),
    ]

    rooms = f"""query {{ campus(campusId: "main") {{ assets(room: "{records.tag} 301 六1班教室", first: 10) {{
      nodes {{ assetId damageRecords {{ cause }} }} pageInfo {{ hasNextPage }} }} }} }}"""
    nodes = await found(
        system,
        rooms,
        "campus.assets.nodes",
        until=lambda v: listing(records.assets, "assetId")(v) and all(n["damageRecords"] for n in v),
    )
    assert sorted(n["assetId"] for n in nodes) == records.assets
    assert all(n["damageRecords"] == [{"cause": "PERSON"}] for n in nodes)  # a list shows what one asset does
    paged = await system.gql(
        'query($room: String) { assets(campusId: "main", room: $room, first: 2) { nodes { assetId } '
        "pageInfo { hasNextPage endCursor } } }",
        room=f"{records.tag} 301 六1班教室",
    )
    first_page = paged["data"]["assets"]
    assert [n["assetId"] for n in first_page["nodes"]] == records.assets[:2]
    assert first_page["pageInfo"] == {"hasNextPage": True, "endCursor": records.assets[1]}


async def test_an_asset_is_nothing_to_a_caller_out_of_its_campus(system: System, records: Records) -> None:
    await found(system, ASSET, "asset", id=records.assets[0])
    assert (await system.gql(ASSET, as_="manager-aoyuan", id=records.assets[0]))["data"] == {"asset": None}
    listed = await system.gql('query { assets(campusId: "main") { nodes { assetId } } }', as_="manager-aoyuan")
    assert listed["data"] == {"assets": {"nodes": []}}
    mine = await system.gql(
        'query { campus(campusId: "aoyuan") { assets { nodes { assetId } } } }', as_="manager-aoyuan"
    )
    assert not {n["assetId"] for n in mine["data"]["campus"]["assets"]["nodes"]} & set(records.assets)
    refused = await system.gql(ASSET, as_="parent-yao", id=records.assets[0])
    assert refused["data"] == {"asset": None} and refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# -- compensation charges ------------------------------------------------------------------------

CHARGE = f"""query($id: ID!) {{ compensation(chargeId: $id) {{
  chargeId campusId against againstId itemId assetId quantity amountFen reason chargedBy chargedAt damageEventId
  status paidOn receiptRef waivedOn waivedReason closedBy campus {{ name }} {HISTORY} }} }}"""


async def test_a_compensation_charge_in_scope_with_its_campus_and_history(system: System, records: Records) -> None:
    charge = records.charges[0]

    async def paid() -> dict[str, Any] | None:
        value: dict[str, Any] | None = (await system.gql(CHARGE, id=charge))["data"]["compensation"]
        return value if value and value["status"] == "PAID" else None

    shown = await eventually(paid)
    assert (shown["campusId"], shown["against"], shown["againstId"], shown["assetId"], shown["itemId"]) == (
        "main",
        "PERSON",
        "lin",
        records.assets[0],
        None,
    )
    assert (shown["quantity"], shown["amountFen"], shown["chargedBy"]) == (1, 120000, "zhou")
    assert at(shown["chargedAt"]) == day_start("2020-10-12")  # charged with the damage, at its time
    assert shown["damageEventId"]
    assert (shown["paidOn"], shown["receiptRef"], shown["closedBy"]) == ("2020-10-20", "收据 No. 0012", "zhou")
    assert (shown["waivedOn"], shown["waivedReason"]) == (None, None)
    assert shown["campus"] == {"name": "本部"}
    assert [(e["type"], at(e["actedAt"]), e["actedOn"]) for e in shown["history"]] == [
        ("inventory.CompensationCharged", day_start("2020-10-12"), "2020-10-12"),
        ("inventory.CompensationPaid", day_start("2020-10-20"), "2020-10-20"),
    ]

    query = f"""query {{ campus(campusId: "main") {{ compensations(assetId: "{records.assets[1]}") {{
      nodes {{ chargeId status }} }} }} }}"""
    assert await found(system, query, "campus.compensations.nodes") == [
        {"chargeId": records.charges[1], "status": "CHARGED"}
    ]
    against = await found(
        system,
        '{ compensations(againstId: "lin", status: PAID, first: 100) { nodes { chargeId } } }',
        "compensations.nodes",
    )
    assert charge in {n["chargeId"] for n in against}


async def test_a_compensation_charge_is_nothing_to_a_caller_out_of_its_campus(system: System, records: Records) -> None:
    await found(system, CHARGE, "compensation", id=records.charges[0])
    assert (await system.gql(CHARGE, as_="manager-aoyuan", id=records.charges[0]))["data"] == {"compensation": None}
    listed = await system.gql('query { compensations(campusId: "main") { nodes { chargeId } } }', as_="manager-aoyuan")
    assert listed["data"] == {"compensations": {"nodes": []}}


# -- stock-takes ---------------------------------------------------------------------------------

STOCKTAKE = f"""query($id: ID!) {{ stockTake(stocktakeId: $id) {{
  stocktakeId campusId period startedOn startedBy status closedOn closedBy items variances
  counts {{ itemId counted countedBy book delta }} varianceLines {{ itemId book counted delta countedBy adjustedAt }}
  campus {{ name }} {HISTORY} }} }}"""


async def test_a_stock_take_in_scope_with_its_counts_variances_campus_and_history(
    system: System, records: Records
) -> None:
    stocktake, item = records.stocktakes[0], records.items[1]

    async def closed() -> dict[str, Any] | None:
        value: dict[str, Any] | None = (await system.gql(STOCKTAKE, id=stocktake))["data"]["stockTake"]
        return value if value and value["status"] == "CLOSED" and value["varianceLines"] else None

    shown = await eventually(closed)
    assert (shown["campusId"], shown["period"], shown["startedOn"], shown["startedBy"]) == (
        "main",
        "MONTHLY",
        "2020-10-30",
        "zhou",
    )
    assert (shown["closedOn"], shown["closedBy"], shown["items"], shown["variances"]) == ("2020-10-31", "zhou", 1, 1)
    assert shown["counts"] == [{"itemId": item, "counted": 5, "countedBy": "li-guard", "book": 0, "delta": 5}]
    [line] = shown["varianceLines"]
    assert (line["itemId"], line["book"], line["counted"], line["delta"], line["countedBy"]) == (
        item,
        0,
        5,
        5,
        "li-guard",
    )
    assert at(line["adjustedAt"]) == day_start("2020-10-31")
    assert shown["campus"] == {"name": "本部"}
    assert [(e["type"], at(e["actedAt"]), e["actedOn"], e["actor"]["name"]) for e in shown["history"]] == [
        ("inventory.StockTakeStarted", day_start("2020-10-30"), "2020-10-30", "周主任"),
        ("inventory.StockCounted", at("2020-10-30T15:00:00+08:00"), "2020-10-30", "李师傅"),
        ("inventory.StockTakeClosed", day_start("2020-10-31"), "2020-10-31", "周主任"),
    ]

    query = 'query { campus(campusId: "main") { stockTakes(status: CLOSED, first: 100) { nodes { stocktakeId } } } }'
    nodes = await found(system, query, "campus.stockTakes.nodes", until=listing(records.stocktakes, "stocktakeId"))
    assert set(records.stocktakes) <= {n["stocktakeId"] for n in nodes}


async def test_a_stock_take_is_nothing_to_a_caller_out_of_its_campus(system: System, records: Records) -> None:
    await found(system, STOCKTAKE, "stockTake", id=records.stocktakes[0])
    assert (await system.gql(STOCKTAKE, as_="manager-aoyuan", id=records.stocktakes[0]))["data"] == {"stockTake": None}
    listed = await system.gql('query { stockTakes(campusId: "main") { nodes { stocktakeId } } }', as_="manager-aoyuan")
    assert listed["data"] == {"stockTakes": {"nodes": []}}


# -- parents -------------------------------------------------------------------------------------

PARENT = f"""query($id: ID!) {{ parent(parentId: $id) {{
  parentId districtId schoolId name children {{ studentId classId relation }} {HISTORY} }} }}"""


async def test_a_parent_in_scope_with_their_children_and_history_and_no_phone(system: System, records: Records) -> None:
    parent = records.parents[0]

    async def linked() -> dict[str, Any] | None:
        body = await system.gql(PARENT, as_="admin", id=parent)
        value: dict[str, Any] | None = body["data"]["parent"]
        return value if value and value["children"] else None

    shown = await eventually(linked)
    assert {k: v for k, v in shown.items() if k != "history"} == {
        "parentId": parent,
        "districtId": "xinbei",
        "schoolId": "xuexiao",
        "name": "家长 0",
        "children": [{"studentId": "lin", "classId": "g6-1", "relation": "father"}],
    }
    assert [(e["type"], at(e["actedAt"]), e["actedOn"], e["summary"]) for e in shown["history"]] == [
        ("directory.ParentRegistered", at("2020-09-01T08:00:00+08:00"), "2020-09-01", "Registered 家长 0"),
        ("directory.ParentLinked", at("2020-09-02T08:00:00+08:00"), "2020-09-02", "Linked as father of lin"),
    ]
    assert "1234" not in str(shown)

    of_yao = await found(
        system,
        '{ parents(studentId: "yao") { nodes { parentId } } }',
        "parents.nodes",
        as_="admin",
        until=listing([records.parents[1], "yao-mum"], "parentId"),
    )
    assert {records.parents[1], "yao-mum"} <= {n["parentId"] for n in of_yao}
    assert records.parents[0] not in {n["parentId"] for n in of_yao}


@pytest.mark.parametrize("outsider", ["other-admin", "manager-main"])
async def test_a_parent_is_nothing_to_a_caller_out_of_their_school(
    system: System, records: Records, outsider: str
) -> None:
    """A parent is the school's: an admin of another district, and a manager of one campus (who
    does not cover the school, as for its history), see nothing of them."""
    await found(system, PARENT, "parent", as_="admin", id=records.parents[0])
    assert (await system.gql(PARENT, as_=outsider, id=records.parents[0]))["data"] == {"parent": None}
    listed = await system.gql('query { parents(schoolId: "xuexiao") { nodes { parentId } } }', as_=outsider)
    assert listed["data"] == {"parents": {"nodes": []}}


# -- a page costs a bounded number of calls -------------------------------------------------------

PAGES: dict[str, tuple[str, str, str, dict[str, int]]] = {
    # name: (query, the list's path, its ids' field, calls per service)
    "catalogue": (
        '{ catalogue(schoolId: "xuexiao", first: 100) { nodes { itemId history(first: 5) { type actor { name } } } } }',
        "catalogue",
        "itemId",
        {"inventory": 2, "directory": 1},  # the page and the histories; the staff who acted
    ),
    "assets": (
        '{ assets(campusId: "main", first: 100) { nodes { assetId campus { name } '
        "history(first: 5) { type actor { name } } } } }",
        "assets",
        "assetId",
        {"inventory": 2, "directory": 2},  # the page and the histories; the campuses and the staff
    ),
    "compensations": (
        '{ compensations(campusId: "main", first: 100) { nodes { chargeId campus { name } '
        "history(first: 5) { type actor { name } } } } }",
        "compensations",
        "chargeId",
        {"inventory": 2, "directory": 2},
    ),
    "stockTakes": (
        '{ stockTakes(campusId: "main", first: 100) { nodes { stocktakeId campus { name } '
        "history(first: 5) { type actor { name } } } } }",
        "stockTakes",
        "stocktakeId",
        {"inventory": 2, "directory": 2},
    ),
    "parents": (
        '{ parents(schoolId: "xuexiao", first: 100) { nodes { parentId history(first: 5) { type actor { name } } } } }',
        "parents",
        "parentId",
        {"directory": 3},  # the page, the histories, the staff
    ),
}


@pytest.mark.parametrize("name", sorted(PAGES))
async def test_a_page_of_records_with_campus_and_history_costs_a_bounded_number_of_calls(
    system: System, records: Records, name: str
) -> None:
    query, path, key, expected = PAGES[name]
    ours = {
        "catalogue": records.items,
        "assets": records.assets,
        "compensations": records.charges,
        "stockTakes": records.stocktakes,
        "parents": records.parents,
    }[name]

    async def all_listed() -> bool:
        body = await system.gql(query, as_="admin")
        nodes = body["data"][path]["nodes"]
        histories = {n[key]: len(n["history"]) for n in nodes}
        return set(ours) <= histories.keys() and all(histories[i] for i in ours)

    await eventually(all_listed)
    before = dict(system.transport.calls)
    body = await system.gql(query, as_="admin")
    calls = {service: n - before.get(service, 0) for service, n in system.transport.calls.items()}
    assert "errors" not in body, body
    nodes = body["data"][path]["nodes"]
    assert len(nodes) >= len(ours) >= 2 and all(n["history"] for n in nodes)
    assert {service: n for service, n in calls.items() if n} == expected
