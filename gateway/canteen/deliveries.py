"""The canteen's deliveries in GraphQL: each delivery (进货查验) with its lines, weighings, pesticide
quick tests (农残快检) and decisions, and the certificates of a campus's suppliers about to expire;
the campus's part, :class:`DeliveriesOnCampus` (composed in ``gateway.campus``)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

import gateway.common.enums  # noqa: F401  (describes the canteen's enums below)
from gateway.common.history import HISTORY, HistoryEntry, history_of
from gateway.common.pages import AsOf, Connection, day, get, page, row
from gateway.context import GatewayContext
from services.canteen.deliveries import DeliveryStatus
from services.canteen.events import CertificateKind, FoodCategory, Verdict

Ctx = Info[GatewayContext, None]


@strawberry.type(description="A certificate that came with a delivery or a line of it (索证索票)")
class DeliveryCertificate:
    kind: CertificateKind = strawberry.field(description="What the certificate is")
    number: str = strawberry.field(description="Its number as printed on it")
    expires_on: dt.date | None = strawberry.field(description="The last day it is valid (null: it does not expire)")


@strawberry.type(description="One weighing of a delivery's line, by one inspector")
class DeliveryInspection:
    inspector_id: str = strawberry.field(description="Who weighed it (a member of the canteen's staff)")
    weighed_grams: int = strawberry.field(description="What it weighed, in grams")
    temperature_c10: int | None = strawberry.field(
        description="Its temperature in tenths of a degree Celsius (a chilled line)"
    )
    note: str = strawberry.field(description="The inspector's note")
    inspected_at: dt.datetime = strawberry.field(description="When it was weighed")


@strawberry.type(description="A line of a delivery: an item of one batch, weighed, tested and decided")
class DeliveryLineItem:
    line_no: int = strawberry.field(description="The line's number in the delivery (from 1)")
    item: str = strawberry.field(description="The item, e.g. 青菜")
    category: FoodCategory = strawberry.field(description="The kind of food")
    batch: str = strawberry.field(description="The batch number, or the production date as on the pack")
    produced_on: dt.date | None = strawberry.field(description="The day it was produced")
    shelf_life_days: int | None = strawberry.field(description="Its shelf life in days from the production day")
    declared_grams: int = strawberry.field(description="The weight the supplier declared, in grams")
    chilled: bool = strawberry.field(description="Whether it came chilled (its temperature is taken)")
    certificates: list[DeliveryCertificate] = strawberry.field(description="The line's own certificates")
    inspections: list[DeliveryInspection] = strawberry.field(description="Its weighings, in order")
    weighed_grams: int | None = strawberry.field(description="What it weighed at its latest weighing, in grams")
    temperature_c10: int | None = strawberry.field(description="Its temperature at its latest weighing")
    decision: str | None = strawberry.field(description="accepted or rejected (null: not decided yet)")
    accepted_grams: int | None = strawberry.field(description="The grams accepted (its weighed grams)")
    override_reason: str | None = strawberry.field(
        description="Why it was accepted despite an expired certificate, a short weight, an ended shelf life or "
        "a warm chilled line (a logistics manager's override)"
    )
    reason: str | None = strawberry.field(description="Why it was rejected")
    decided_by: str | None = strawberry.field(description="Who accepted or rejected it")
    decided_at: dt.datetime | None = strawberry.field(description="When it was accepted or rejected")


@strawberry.type(description="A pesticide quick test (农残快检) of a leafy vegetable or beans line")
class PesticideTest:
    delivery_id: strawberry.ID = strawberry.field(description="The delivery tested")
    test_id: str = strawberry.field(description="The test's id (its number in the quick-test book)")
    line_no: int = strawberry.field(description="The line tested")
    campus_id: strawberry.ID
    supplier_id: str = strawberry.field(description="The supplier of the lot")
    supplier_name: str = strawberry.field(description="The supplier's name")
    item: str = strawberry.field(description="The item tested")
    category: FoodCategory = strawberry.field(description="The kind of food")
    batch: str = strawberry.field(description="The lot's batch")
    verdict: Verdict = strawberry.field(description="Pass or fail (a failed lot is rejected and unusable)")
    failed: bool = strawberry.field(description="Whether it failed")
    inhibition_permille: int | None = strawberry.field(description="The enzyme inhibition rate read, per mille")
    tested_by: str = strawberry.field(description="Who tested it")
    tested_at: dt.datetime = strawberry.field(description="When it was tested")
    tested_on: dt.date = strawberry.field(description="The day it was tested at the school")


@strawberry.type(description="A supplier's delivery (进货查验): received, weighed by two staff, accepted, signed")
class Delivery:
    delivery_id: strawberry.ID = strawberry.field(description="The delivery")
    campus_id: strawberry.ID
    supplier_id: str = strawberry.field(description="The supplier")
    supplier_name: str = strawberry.field(description="The supplier's name")
    certificates: list[DeliveryCertificate] = strawberry.field(
        description="The supplier's certificates (licence, invoice)"
    )
    received_by: str = strawberry.field(description="Who received it")
    received_at: dt.datetime = strawberry.field(description="When it arrived")
    received_on: dt.date = strawberry.field(description="The day it arrived at the school")
    state: DeliveryStatus = strawberry.field(description="Where its acceptance stands")
    line_count: int = strawberry.field(description="How many lines it has")
    lines_accepted: int = strawberry.field(description="Lines accepted")
    lines_rejected: int = strawberry.field(description="Lines rejected")
    pesticide_tests: int = strawberry.field(description="Pesticide quick tests of its lines")
    pesticide_failures: int = strawberry.field(description="Of those, the failed ones")
    inspectors: list[str] = strawberry.field(description="Who weighed its lines (two at least to sign)")
    signed_by: str | None = strawberry.field(description="Who signed its acceptance")
    signed_at: dt.datetime | None = strawberry.field(description="When its acceptance was signed")

    @strawberry.field(description="Its lines with their weighings and decisions")
    async def lines(self, info: Ctx) -> list[DeliveryLineItem]:
        return [row(DeliveryLineItem, li) for li in (await delivery_file(info, str(self.delivery_id)))["lines"]]

    @strawberry.field(description="The pesticide quick tests of its lines")
    async def tests(self, info: Ctx) -> list[PesticideTest]:
        return [row(PesticideTest, t) for t in (await delivery_file(info, str(self.delivery_id)))["tests"]]

    @strawberry.field(description=HISTORY)
    def history(self, info: Ctx, first: int = 50) -> list[HistoryEntry]:
        return history_of(info, "canteen", f"delivery-{self.delivery_id}", first)


@strawberry.type(
    description="A certificate of a campus's supplier about to expire (or expired): the latest of its kind seen "
    "with a delivery that had a line accepted"
)
class ExpiringCertificate:
    campus_id: strawberry.ID
    supplier_id: str = strawberry.field(description="The supplier")
    supplier_name: str = strawberry.field(description="The supplier's name")
    kind: CertificateKind = strawberry.field(description="What the certificate is")
    number: str = strawberry.field(description="Its number")
    expires_on: dt.date = strawberry.field(description="The last day it is valid")
    days_left: int = strawberry.field(description="Days from the day asked to its expiry (negative: expired)")
    expired: bool = strawberry.field(description="Whether it expired before the day asked")
    delivery_id: strawberry.ID = strawberry.field(description="The delivery it was last seen with")
    line_no: int | None = strawberry.field(description="The line it came with (null: the supplier's own)")
    item: str | None = strawberry.field(description="That line's item")
    received_at: dt.datetime = strawberry.field(description="When that delivery arrived")


def _delivery_loader(context: GatewayContext) -> DataLoader[str, dict[str, Any]]:
    async def load(ids: list[str]) -> list[dict[str, Any]]:
        return list(await asyncio.gather(*(get(context, "canteen", f"/deliveries/{i}") for i in ids)))

    return DataLoader(load_fn=load)


async def delivery_file(info: Ctx, delivery_id: str) -> dict[str, Any]:
    """One delivery with its lines and tests, fetched once a request (whichever of them the query asks)."""
    info.context.require()
    found: dict[str, Any] = await info.context.loader("canteen_delivery", _delivery_loader).load(delivery_id)
    return found


@strawberry.type
class DeliveriesOnCampus:
    if TYPE_CHECKING:
        campus_id: strawberry.ID  # the directory's part of the campus has it

    @strawberry.field(description="The deliveries of this campus (进货查验), in the order of their ids")
    async def deliveries(
        self,
        info: Ctx,
        from_day: Annotated[dt.date | None, strawberry.argument(description="Received on or after this day")] = None,
        to_day: Annotated[dt.date | None, strawberry.argument(description="Received on or before this day")] = None,
        supplier_id: Annotated[str | None, strawberry.argument(description="Only this supplier's")] = None,
        state: DeliveryStatus | None = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[Delivery] | None:
        return await page(
            info, "canteen", "/deliveries", Delivery, "delivery_id", first, after,
            campus_id=str(self.campus_id), from_day=day(from_day), to_day=day(to_day), supplier_id=supplier_id,
            state=state.value if state is not None else None,
        )  # fmt: skip

    @strawberry.field(description="The pesticide quick tests (农残快检) of this campus's deliveries")
    async def pesticide_tests(
        self,
        info: Ctx,
        from_day: Annotated[dt.date | None, strawberry.argument(description="Tested on or after this day")] = None,
        to_day: Annotated[dt.date | None, strawberry.argument(description="Tested on or before this day")] = None,
        failed: Annotated[
            bool | None, strawberry.argument(description="Only the failed tests (true) or the passed (false)")
        ] = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[PesticideTest] | None:
        return await page(
            info, "canteen", "/pesticide-tests", PesticideTest, "test_key", first, after,
            campus_id=str(self.campus_id), from_day=day(from_day), to_day=day(to_day),
            failed=None if failed is None else str(failed).lower(),
        )  # fmt: skip

    @strawberry.field(
        description="The certificates of this campus's suppliers expiring within the district's warning days "
        "(or expired): of each supplier and kind, the latest seen with an accepted delivery"
    )
    async def expiring_certificates(
        self,
        info: Ctx,
        within_days: Annotated[
            int | None, strawberry.argument(description="Within this many days (default: the district's setting)")
        ] = None,
        as_of: AsOf = None,
        first: int = 100,
        after: str | None = None,
    ) -> Connection[ExpiringCertificate] | None:
        return await page(
            info, "canteen", "/supplier-certificates/expiring", ExpiringCertificate, "certificate_key", first, after,
            campus_id=str(self.campus_id), within_days=within_days, as_of=day(as_of),
        )  # fmt: skip
