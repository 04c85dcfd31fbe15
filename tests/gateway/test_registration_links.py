"""The facts of assets and repairs that are refusals, and an asset's registration, in GraphQL:
a repair's failed verifications, an asset's refused disposals, an asset's registration (the
accepted purchase it came from) and a purchase's received assets; written through mutations,
read back, each in the caller's scope."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tests.conftest import eventually
from tests.gateway.conftest import System
from tests.gateway.test_asset_registration import ROOM, accepted_projectors


async def accepted(system: System, mutation: str, as_: str = "manager-main", **variables: Any) -> list[str]:
    body = await system.gql(mutation, as_, **variables)
    assert body.get("errors") is None, body
    (result,) = body["data"].values()
    assert result["__typename"] == "Accepted", result
    events: list[str] = result["events"]
    return events


REPORT = """mutation($id: String!) { reportRepair(input: {repairId: $id, campusId: "main", place: "本部 行政楼 301",
  description: "门锁损坏", at: "2020-10-12T07:50:00+08:00"}) { __typename ... on Accepted { events } } }"""
ASSIGN = """mutation($id: ID!) { assignRepair(repairId: $id, input: {assigneeId: "wang-tech",
  at: "2020-10-12T08:30:00+08:00"}) { __typename ... on Accepted { events } } }"""
DONE = """mutation($id: ID!, $at: DateTime!) { completeRepair(repairId: $id, input: {at: $at, note: "更换门锁"}) {
  __typename ... on Accepted { events } } }"""
VERIFY = """mutation($id: ID!, $passed: Boolean!, $note: String!, $at: DateTime!) {
  verifyRepair(repairId: $id, input: {passed: $passed, note: $note, at: $at}) {
  __typename ... on Accepted { events } ... on InvalidInput { message } } }"""
REPAIRS = """{ repairs(campusId: "main", first: 500) { nodes {
  repairId state failedVerifications failedBy failedAt failedReason verifiedBy } } }"""


async def repair_row(system: System, rid: str, as_: str = "manager-main") -> dict[str, Any] | None:
    body = await system.gql(REPAIRS, as_)
    nodes = (body["data"]["repairs"] or {"nodes": []})["nodes"]
    return next((n for n in nodes if n["repairId"] == rid), None)


async def test_a_repair_shows_its_failed_verifications(system: System) -> None:
    rid = f"lock-{uuid4().hex[:8]}"
    assert await accepted(system, REPORT, "guard-main", id=rid) == ["inventory.RepairReported"]
    await accepted(system, ASSIGN, id=rid)
    await accepted(system, DONE, "tech-main", id=rid, at="2020-10-12T15:30:00+08:00")
    failed = await accepted(system, VERIFY, id=rid, passed=False, note="仍然关不严", at="2020-10-13T09:00:00+08:00")
    assert failed == ["inventory.RepairVerificationFailed"]

    async def sent_back() -> dict[str, Any] | None:
        row = await repair_row(system, rid)
        return row if row and row["failedVerifications"] == 1 else None

    row = await eventually(sent_back)
    assert (row["state"], row["failedBy"], row["failedReason"], row["verifiedBy"]) == (
        "ASSIGNED",
        "zhou",
        "仍然关不严",
        None,
    )
    assert row["failedAt"].startswith("2020-10-13T01:00:00")

    # done again and verified: the failure stays on the record
    await accepted(system, DONE, "tech-main", id=rid, at="2020-10-13T11:00:00+08:00")
    await accepted(system, VERIFY, id=rid, passed=True, note="", at="2020-10-13T14:00:00+08:00")

    async def verified() -> dict[str, Any] | None:
        row = await repair_row(system, rid)
        return row if row and row["state"] == "VERIFIED" else None

    row = await eventually(verified)
    assert (row["failedVerifications"], row["failedReason"], row["verifiedBy"]) == (1, "仍然关不严", "zhou")
    # another campus's manager does not read main's repair
    assert await repair_row(system, rid, "manager-aoyuan") is None


REGISTER = """mutation($id: String!, $tag: String!) { registerAsset(input: {assetId: $id, tag: $tag, campusId: "main",
  room: "303 新增教室", itemId: null, description: "课桌椅 (新增教室)", valueFen: 44000, on: "2020-08-25"}) {
  __typename ... on Accepted { events } } }"""
ASK = """mutation($id: ID!, $on: Date!) { requestDisposal(assetId: $id, input: {reason: "桌面划痕严重", on: $on}) {
  __typename ... on Accepted { events } } }"""
REFUSE = """mutation($id: ID!) { refuseDisposal(assetId: $id, input: {reason: "还能修", on: "2020-12-02"}) {
  __typename ... on Accepted { events } } }"""
ASSET = """query($id: ID!) { asset(assetId: $id) { assetId status disposalRefusals disposalRefusedBy disposalRefusedOn
  disposalRefusalReason disposalReason registration { status purchaseId room tag registeredBy } } }"""


async def test_an_asset_shows_its_refused_disposals(system: System) -> None:
    aid = f"desk-{uuid4().hex[:8]}"
    await accepted(system, REGISTER, id=aid, tag=aid.upper())
    await accepted(system, ASK, id=aid, on="2020-12-01")
    assert await accepted(system, REFUSE, "vp-main", id=aid) == ["inventory.AssetDisposalRefused"]

    async def refused() -> dict[str, Any] | None:
        asset: dict[str, Any] | None = (await system.gql(ASSET, id=aid))["data"]["asset"]
        return asset if asset and asset["disposalRefusals"] == 1 else None

    asset = await eventually(refused)
    assert asset["status"] == "IN_USE"
    assert (asset["disposalRefusedBy"], asset["disposalRefusedOn"], asset["disposalRefusalReason"]) == (
        "xu-vp",
        "2020-12-02",
        "还能修",
    )
    # registered by hand: registered to its room, from no purchase
    assert asset["registration"] == {
        "status": "registered",
        "purchaseId": None,
        "room": "303 新增教室",
        "tag": aid.upper(),
        "registeredBy": "zhou",
    }
    assert (await system.gql(ASSET, "manager-aoyuan", id=aid))["data"]["asset"] is None
    assert (await system.gql(ASSET, "other-admin", id=aid))["data"]["asset"] is None


REGISTER_RECEIVED = """mutation($id: ID!, $tag: String!) {
  registerReceivedAsset(assetId: $id, input: {tag: $tag, on: "2020-09-03"}) {
  __typename ... on Accepted { events } } }"""
PURCHASE = """query($pid: ID!, $status: RegistrationStatus) { purchase(purchaseId: $pid) { status
  receivedAssets(status: $status) { totalCount nodes { assetId status forRoom room tag acceptedOn
    asset { assetId tag room registration { status purchaseId acceptedOn } } } } } }"""
ROOM_ASSETS = """query($room: String!) { campus(campusId: "main") { assets(room: $room, first: 500) { nodes {
  assetId registration { status purchaseId registeredBy } } } } }"""


async def test_an_asset_reads_the_purchase_it_came_from_and_a_purchase_its_received_assets(system: System) -> None:
    pid = f"p-{uuid4().hex[:8]}"
    await accepted_projectors(system.services["inventory"], system.tokens, pid)

    async def received() -> dict[str, Any] | None:
        purchase: dict[str, Any] | None = (await system.gql(PURCHASE, pid=pid, status=None))["data"]["purchase"]
        # the assets are a reaction's to the acceptance, on streams of their own: they can be read
        # before the purchase's own stream reaches its acceptance
        arrived = purchase and purchase["receivedAssets"]["totalCount"] == 2 and purchase["status"] == "ACCEPTED"
        return purchase if arrived else None

    purchase = await eventually(received, timeout=60)
    first, second = purchase["receivedAssets"]["nodes"]
    assert purchase["status"] == "ACCEPTED"
    assert first == {
        "assetId": f"bought-{pid}-1-1",
        "status": "waiting",
        "forRoom": ROOM,
        "room": None,
        "tag": None,
        "acceptedOn": "2020-08-28",
        "asset": None,  # waiting: no room asset yet
    }
    assert second["assetId"] == f"bought-{pid}-1-2" and second["status"] == "waiting"

    tag = f"XJ-{pid}"
    assert await accepted(system, REGISTER_RECEIVED, id=first["assetId"], tag=tag) == ["inventory.AssetRegistered"]

    async def one_registered() -> dict[str, Any] | None:
        body = await system.gql(PURCHASE, pid=pid, status="REGISTERED")
        nodes = body["data"]["purchase"]["receivedAssets"]["nodes"]
        return nodes[0] if nodes and nodes[0]["asset"] is not None else None

    registered = await eventually(one_registered, timeout=30)
    assert (registered["status"], registered["room"], registered["tag"]) == ("registered", ROOM, tag)
    assert registered["asset"] == {
        "assetId": first["assetId"],
        "tag": tag,
        "room": ROOM,
        "registration": {"status": "registered", "purchaseId": pid, "acceptedOn": "2020-08-28"},
    }
    waiting = (await system.gql(PURCHASE, pid=pid, status="WAITING"))["data"]["purchase"]["receivedAssets"]
    assert [n["assetId"] for n in waiting["nodes"]] == [second["assetId"]]

    # a page of the room's assets: each with its registration
    nodes = (await system.gql(ROOM_ASSETS, room=ROOM))["data"]["campus"]["assets"]["nodes"]
    mine = next(n for n in nodes if n["assetId"] == first["assetId"])
    assert mine["registration"] == {"status": "registered", "purchaseId": pid, "registeredBy": "zhou"}

    # out of scope: another campus's manager reads no registration of main's assets
    other = await system.gql(
        """query($id: ID!) { assets(first: 500) { nodes { assetId } }
        assetsToRegister: purchase(purchaseId: $id) { purchaseId } }""",
        "manager-aoyuan",
        id=pid,
    )
    assert first["assetId"] not in {n["assetId"] for n in other["data"]["assets"]["nodes"]}
    assert other["data"]["assetsToRegister"] is None
