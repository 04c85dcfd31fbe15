"""asOf through the gateway: a hazard and a campus's status as they stood on past days."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tests.conftest import eventually
from tests.gateway.conftest import System
from tests.gateway.test_end_to_end import REPORT, hazard

AS_OF = """
query AsOf($hazard: ID!, $campus: ID!) {
  before: hazard(hazardId: $hazard, asOf: "2019-03-03") { open ageDays breachesSla }
  later: hazard(hazardId: $hazard, asOf: "2019-03-08") { open ageDays breachesSla reportedAt }
  hazards(campusId: $campus, openOnly: true, asOf: "2019-03-08") { nodes { hazardId open } }
  campus(campusId: $campus) {
    dayBefore: inspectionStatus(asOf: "2019-03-03") { hazards { open openBySeverity } }
    dayAfter: inspectionStatus(asOf: "2019-03-05") { hazards { open openBySeverity breachingSla } }
  }
}
"""


async def test_a_hazard_and_the_campus_status_as_of_past_days(system: System) -> None:
    """A hazard reported 2019-03-04 08:30 (high: three days) is not there the day before; as of
    2019-03-08 it is open, four days and fifteen and a half hours old, over its SLA."""
    hid = f"asof-{uuid4().hex[:6]}"
    report = hazard(hid) | {"at": "2019-03-04T08:30:00+08:00"}
    result = (await system.gql(REPORT, input=report))["data"]["reportHazard"]
    assert result["__typename"] == "Accepted", result

    async def seen() -> dict[str, Any] | None:
        body = await system.gql(AS_OF, hazard=hid, campus="main")
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data if data["later"] is not None else None

    data = await eventually(seen)
    assert data["before"] == {"open": False, "ageDays": 0, "breachesSla": False}
    later = data["later"]
    assert later["open"] and later["breachesSla"] and abs(later["ageDays"] - (4 + 15.5 / 24)) < 1e-6
    assert hid in {n["hazardId"] for n in data["hazards"]["nodes"]}
    before, after = data["campus"]["dayBefore"]["hazards"], data["campus"]["dayAfter"]["hazards"]
    assert after["open"] - before["open"] == 1  # no other hazard of this campus was reported in 2019
    assert after["openBySeverity"]["high"] - before["openBySeverity"]["high"] == 1
