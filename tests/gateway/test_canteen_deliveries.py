"""A delivery through the front door: received, weighed by two managers, quick-tested and accepted
by GraphQL mutations, then read on its campus with its lines, tests and history, and the
supplier's certificate about to expire."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tests.conftest import eventually
from tests.gateway.conftest import System

RESULT = """
    __typename
    ... on Accepted { events }
    ... on InvalidInput { errors { field reason } }
    ... on Rejected { message field }
    ... on Forbidden { message }
"""

CAMPUS = """
query Deliveries($supplier: String!) {
  campus(campusId: "main") {
    deliveries(supplierId: $supplier, fromDay: "2020-09-07", first: 10) {
      totalCount
      nodes {
        deliveryId state receivedOn inspectors linesAccepted
        certificates { kind number expiresOn }
        lines { lineNo category declaredGrams weighedGrams decision acceptedGrams inspections { inspectorId } }
        tests { testId verdict inhibitionPermille }
        history { type }
      }
    }
    pesticideTests(failed: false) { nodes { deliveryId testId item } }
    expiringCertificates(asOf: "2020-09-07") { nodes { supplierId kind number daysLeft expired } }
  }
}
"""


async def mutate(system: System, name: str, args: str, as_: str, **variables: tuple[str, Any]) -> dict[str, Any]:
    params = ", ".join(f"${k}: {t}" for k, (t, _) in variables.items())
    head = f"mutation M({params})" if params else "mutation"
    body = await system.gql(
        f"{head} {{ {name}({args}) {{ {RESULT} }} }}", as_, **{k: v for k, (_, v) in variables.items()}
    )
    assert body.get("errors") is None, body
    result: dict[str, Any] = body["data"][name]
    return result


async def test_a_delivery_is_accepted_and_read_on_its_campus(system: System) -> None:
    did = f"d-{uuid4().hex[:8]}"
    supplier = f"s-{did}"
    delivery = {
        "deliveryId": did,
        "campusId": "main",
        "supplierId": supplier,
        "supplierName": "绿源配送",
        "certificates": [{"kind": "SUPPLIER_LICENCE", "number": "JY1320", "expiresOn": "2020-09-20"}],
        "lines": [
            {"lineNo": 1, "item": "青菜", "category": "LEAFY_VEGETABLE", "batch": "0907", "declaredGrams": 20000}
        ],
        "at": "2020-09-07T06:40:00+08:00",
    }
    received = await mutate(
        system, "receiveDelivery", "input: $input", "manager-main", input=("ReceiveDeliveryInput!", delivery)
    )
    assert received == {"__typename": "Accepted", "events": ["canteen.DeliveryReceived"]}
    weigh = f'deliveryId: "{did}", input: {{lineNo: 1, weighedGrams: 19900}}'
    for who in ("manager-main", "manager-both"):
        assert (await mutate(system, "inspectDeliveryLine", weigh, who))["__typename"] == "Accepted"
    early = await mutate(system, "acceptDeliveryLine", f'deliveryId: "{did}", input: {{lineNo: 1}}', "manager-main")
    assert early["__typename"] == "Rejected" and "pesticide" in early["message"]
    test = f'deliveryId: "{did}", input: {{lineNo: 1, testId: "nc-1", inhibitionPermille: 100, verdict: PASS}}'
    assert (await mutate(system, "recordPesticideTest", test, "manager-main"))["__typename"] == "Accepted"
    accept = f'deliveryId: "{did}", input: {{lineNo: 1}}'
    assert (await mutate(system, "acceptDeliveryLine", accept, "manager-main"))["__typename"] == "Accepted"
    signed = await mutate(system, "signDeliveryAcceptance", f'deliveryId: "{did}", input: {{}}', "manager-main")
    assert signed["events"] == ["canteen.DeliveryAcceptanceSigned"]

    async def read() -> Any:
        body = await system.gql(CAMPUS, "manager-main", supplier=supplier)
        assert body.get("errors") is None, body
        nodes = body["data"]["campus"]["deliveries"]["nodes"]
        return body["data"]["campus"] if nodes and nodes[0]["state"] == "SIGNED" else None

    campus = await eventually(read)
    (one,) = campus["deliveries"]["nodes"]
    assert campus["deliveries"]["totalCount"] == 1
    assert one["inspectors"] == ["gu", "zhou"] and one["receivedOn"] == "2020-09-07"
    assert one["certificates"] == [{"kind": "SUPPLIER_LICENCE", "number": "JY1320", "expiresOn": "2020-09-20"}]
    assert one["lines"] == [
        {
            "lineNo": 1,
            "category": "LEAFY_VEGETABLE",
            "declaredGrams": 20000,
            "weighedGrams": 19900,
            "decision": "accepted",
            "acceptedGrams": 19900,
            "inspections": [{"inspectorId": "zhou"}, {"inspectorId": "gu"}],
        }
    ]
    assert one["tests"] == [{"testId": "nc-1", "verdict": "PASS", "inhibitionPermille": 100}]
    assert one["history"][0]["type"] == "canteen.DeliveryReceived"
    assert {"deliveryId": did, "testId": "nc-1", "item": "青菜"} in campus["pesticideTests"]["nodes"]
    mine = [c for c in campus["expiringCertificates"]["nodes"] if c["supplierId"] == supplier]
    assert mine == [
        {"supplierId": supplier, "kind": "SUPPLIER_LICENCE", "number": "JY1320", "daysLeft": 13, "expired": False}
    ]

    parent = await system.gql(CAMPUS, "parent-yao", supplier=supplier)
    assert parent.get("errors"), parent
