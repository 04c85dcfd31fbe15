"""A hazard's repair verified carries what safety reads to rectify the hazard (the contract of
``inventory.RepairVerified``), given / when / then; and safety's reading of it."""

from __future__ import annotations

from datetime import UTC, datetime

from services.eventkit.envelope import TenantPath
from services.inventory.events import RepairAssigned, RepairDone, RepairReported, RepairSource, RepairVerified
from services.inventory.repairs import Repair, VerifyRepair
from services.safety.events import RepairOfHazardVerified
from tests.deciders import Stream

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
T0 = datetime(2020, 10, 12, 1, 0, tzinfo=UTC)
T1 = datetime(2020, 10, 12, 7, 30, tzinfo=UTC)
T2 = datetime(2020, 10, 13, 2, 0, tzinfo=UTC)

OPENED = RepairReported(
    repair_id="hazard-h1",
    campus_id="main",
    place="本部 操场东侧",
    description="窨井盖下沉",
    reported_by="zhou",
    reported_at=T0,
    source=RepairSource.HAZARD,
    hazard_id="h1",
    assignee_id="wang-tech",
)
repair = Stream(Repair, MAIN, "hazard-h1", actor="zhou", at=T2)


def test_a_hazards_repair_verified_names_its_hazard_and_who_did_it() -> None:
    reassigned = RepairAssigned(repair_id="hazard-h1", assignee_id="li-guard", assigned_by="gu", assigned_at=T0)
    done = RepairDone(repair_id="hazard-h1", done_by="gu", done_at=T1, note="更换井盖")
    (verified,) = repair.when(VerifyRepair(), given=[OPENED, reassigned, done])
    assert verified == RepairVerified(
        repair_id="hazard-h1",
        verified_by="zhou",
        verified_at=T2,
        hazard_id="h1",
        campus_id="main",
        done_by="gu",
        done_at=T1,
        assignee_id="li-guard",
        note="更换井盖",
    )
    # what safety reads of it, by payload alone
    read = RepairOfHazardVerified.model_validate(verified.model_dump(mode="json") | {"added_later": 1})
    assert (read.hazard_id, read.done_by, read.assignee_id, read.verified_at) == ("h1", "gu", "li-guard", T2)


def test_a_verification_recorded_before_the_contract_names_no_hazard() -> None:
    old = {"repair_id": "hazard-h1", "verified_by": "zhou", "verified_at": T2.isoformat()}
    assert RepairVerified.model_validate(old).hazard_id is None
    assert RepairOfHazardVerified.model_validate(old).hazard_id is None
