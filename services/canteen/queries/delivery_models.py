"""What the reads of deliveries answer: the OpenAPI of each read route names its model here."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from services.eventkit.queries import Row


class DeliverySummary(Row):
    """A delivery: who brought it, when, and how its acceptance stands."""

    delivery_id: str
    district_id: str | None
    school_id: str | None
    campus_id: str
    supplier_id: str
    supplier_name: str
    certificates: list[dict[str, Any]]
    received_by: str
    received_at: datetime
    received_on: date
    state: str
    line_count: int
    lines_accepted: int
    lines_rejected: int
    pesticide_tests: int
    pesticide_failures: int
    inspectors: list[str]
    signed_by: str | None
    signed_at: datetime | None


class DeliveryLineRow(Row):
    """A line of a delivery with its weighings (inspections) and its decision."""

    line_no: int
    item: str
    category: str
    batch: str
    produced_on: date | None
    shelf_life_days: int | None
    declared_grams: int
    chilled: bool
    certificates: list[dict[str, Any]]
    inspections: list[dict[str, Any]]
    weighed_grams: int | None
    temperature_c10: int | None
    decision: str | None
    accepted_grams: int | None
    override_reason: str | None
    reason: str | None
    decided_by: str | None
    decided_at: datetime | None


class PesticideTest(Row):
    """A pesticide quick test of a delivery's line."""

    test_key: str
    delivery_id: str
    test_id: str
    line_no: int
    district_id: str | None
    school_id: str | None
    campus_id: str
    supplier_id: str
    supplier_name: str
    item: str
    category: str
    batch: str
    verdict: str
    failed: bool
    inhibition_permille: int | None
    tested_by: str
    tested_at: datetime
    tested_on: date


class DeliveryFile(DeliverySummary):
    """A delivery with its lines and its pesticide quick tests."""

    lines: list[DeliveryLineRow]
    tests: list[PesticideTest]


class ExpiringCertificate(Row):
    """The latest certificate of a kind seen from a supplier (with an accepted delivery), expiring soon."""

    certificate_key: str
    district_id: str | None
    school_id: str | None
    campus_id: str
    supplier_id: str
    supplier_name: str
    kind: str
    number: str
    expires_on: date
    days_left: int
    expired: bool
    delivery_id: str
    line_no: int | None
    item: str | None
    received_at: datetime
