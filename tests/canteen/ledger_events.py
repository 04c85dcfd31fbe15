"""A canteen's days written as their events, straight into the canteen service's event store
(its relay publishes them and the food-safety ledger applies them, as it would a command's):
what the ledger's reads are tested on. Every act is dated at its own time (``at``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.canteen import events as ev
from services.canteen.common import meal_id
from services.canteen.events import Certificate, CertificateKind, DeliveryLine, FoodCategory, Meal, Verdict
from services.canteen.projections.ledger import FOOD_SAFETY_LEDGER
from services.eventkit.days import CHINA
from services.eventkit.envelope import DomainEvent, TenantPath, new_envelope
from services.eventkit.store import EventStore
from tests.conftest import eventually
from tests.school import SchoolWorld

DISTRICT, SCHOOL = "xinbei", "xuexiao"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """An instant of a school day (China Standard Time), in UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA).astimezone(UTC)


class Kitchen:
    """One campus's canteen records, written event by event (one stream per record)."""

    def __init__(self, store: EventStore, campus_id: str) -> None:
        self.store = store
        self.campus_id = campus_id
        self.tenant = TenantPath(district_id=DISTRICT, school_id=SCHOOL, campus_id=campus_id)
        self.versions: dict[str, int] = {}

    async def emit(
        self, stream_id: str, event: DomainEvent, when: datetime, actor: str = "zhou", tenant: TenantPath | None = None
    ) -> None:
        if stream_id not in self.versions:  # another test's kitchen may have written to it
            self.versions[stream_id] = await self.store.stream_version(stream_id)
        version = self.versions[stream_id] + 1
        env = new_envelope(
            event, stream_id=stream_id, version=version, tenant=tenant or self.tenant, actor=actor, occurred_at=when
        )
        await self.store.append(stream_id, version - 1, [env])
        self.versions[stream_id] = version

    # -- the district's rules

    async def rules(self, effective_on: date, warning_days: int) -> None:
        event = ev.CanteenRulesSet(
            district_id=DISTRICT,
            sample_min_grams=125,
            sample_min_hours=48,
            delivery_weight_tolerance_permille=20,
            serving_tolerance_permille=100,
            certificate_warning_days=warning_days,
            banned_dishes=[],
            oversight_committee_required=False,
            set_by="admin",
            set_at=at(effective_on, 8),
            effective_on=effective_on,
        )
        await self.emit(
            f"canteen-rules-{DISTRICT}", event, at(effective_on, 8), "admin", TenantPath(district_id=DISTRICT)
        )

    # -- staff

    async def check(self, staff_id: str, day: date, shift: Meal, passed: bool, hour: int = 7) -> None:
        await self.emit(
            f"worker-{staff_id}",
            ev.MorningCheckRecorded(
                staff_id=staff_id,
                campus_id=self.campus_id,
                checked_on=day,
                shift=shift,
                fever=not passed,
                gastro=False,
                hand_wound=False,
                respiratory=False,
                dress_ok=True,
                passed=passed,
                note="" if passed else "体温 38.1",
                checked_by="zhou",
            ),
            at(day, hour),
        )
        if not passed:
            await self.emit(
                f"worker-{staff_id}",
                ev.WorkerStoodDown(staff_id=staff_id, campus_id=self.campus_id, reasons=["发热"], stood_down_by="zhou"),
                at(day, hour, 5),
            )

    async def clear(self, staff_id: str, when: datetime) -> None:
        await self.emit(
            f"worker-{staff_id}",
            ev.WorkerCleared(staff_id=staff_id, campus_id=self.campus_id, note="体温正常", cleared_by="zhou"),
            when,
        )

    async def health_certificate(self, staff_id: str, number: str, expires_on: date, recorded: date) -> None:
        await self.emit(
            f"worker-{staff_id}",
            ev.HealthCertificateRecorded(
                staff_id=staff_id,
                campus_id=self.campus_id,
                number=number,
                issued_on=expires_on - timedelta(days=365),
                expires_on=expires_on,
                recorded_by="zhou",
            ),
            at(recorded, 8),
        )

    # -- meals and samples

    async def serve(self, day: date, meal: Meal, dishes: list[str]) -> str:
        mid = meal_id(self.campus_id, day, meal.value)
        await self.emit(
            f"meal-{mid}",
            ev.MealServed(
                meal_id=mid,
                campus_id=self.campus_id,
                served_on=day,
                meal=meal,
                dishes=dishes,
                servers=["jiang-cook"],
                diners=420,
                recorded_by="zhou",
            ),
            at(day, 12, 30),
        )
        return mid

    async def unsampled(self, day: date, meal: Meal, dish: str) -> None:
        mid = meal_id(self.campus_id, day, meal.value)
        await self.emit(
            f"meal-{mid}",
            ev.DishServedWithoutSample(
                meal_id=mid, campus_id=self.campus_id, served_on=day, meal=meal, dish=dish, found_by="zhou"
            ),
            at(day, 13),
        )

    async def sample(self, sample_id: str, day: date, meal: Meal, dish: str, hour: int = 11) -> datetime:
        retained = at(day, hour)
        release = retained + timedelta(hours=48)
        await self.emit(
            f"sample-{sample_id}",
            ev.SampleRetained(
                sample_id=sample_id,
                campus_id=self.campus_id,
                served_on=day,
                meal=meal,
                dish=dish,
                grams=130,
                unit_id="fridge-s",
                retained_by="jiang-cook",
                release_after=release,
            ),
            retained,
            "jiang-cook",
        )
        return release

    async def hold(self, sample_id: str, when: datetime, lifted: bool = False) -> None:
        event: DomainEvent = (
            ev.SampleHoldLifted(sample_id=sample_id, reason="调查结束", lifted_by="zhou")
            if lifted
            else ev.SampleHeld(sample_id=sample_id, reason="疑似食物中毒调查", held_by="zhou")
        )
        await self.emit(f"sample-{sample_id}", event, when)

    async def dispose(self, sample_id: str, when: datetime) -> None:
        await self.emit(
            f"sample-{sample_id}",
            ev.SampleDisposed(sample_id=sample_id, campus_id=self.campus_id, disposed_by="jiang-cook"),
            when,
        )

    # -- deliveries

    async def delivery(self, delivery_id: str, day: date, licence_expires: date, quarantine_expires: date) -> None:
        stream = f"delivery-{delivery_id}"
        lines = [
            DeliveryLine(
                line_no=1,
                item="青菜",
                category=FoodCategory.LEAFY_VEGETABLE,
                batch=day.isoformat(),
                produced_on=day,
                shelf_life_days=3,
                declared_grams=20_000,
                chilled=False,
                certificates=[],
            ),
            DeliveryLine(
                line_no=2,
                item="猪肉",
                category=FoodCategory.MEAT,
                batch="P-1012",
                produced_on=day,
                shelf_life_days=5,
                declared_grams=15_000,
                chilled=True,
                certificates=[
                    Certificate(kind=CertificateKind.QUARANTINE, number="Q-77", expires_on=quarantine_expires)
                ],
            ),
        ]
        await self.emit(
            stream,
            ev.DeliveryReceived(
                delivery_id=delivery_id,
                campus_id=self.campus_id,
                supplier_id="s-fresh",
                supplier_name="新鲜农贸",
                certificates=[
                    Certificate(kind=CertificateKind.SUPPLIER_LICENCE, number="JY-1", expires_on=licence_expires),
                    Certificate(kind=CertificateKind.INVOICE, number="INV-9"),
                ],
                lines=lines,
                received_by="jiang-cook",
            ),
            at(day, 6, 30),
        )
        await self.emit(
            stream,
            ev.PesticideTested(
                delivery_id=delivery_id,
                line_no=1,
                test_id=f"{delivery_id}-t1",
                verdict=Verdict.FAIL,
                inhibition_permille=620,
                tested_by="jiang-cook",
            ),
            at(day, 6, 45),
        )
        await self.emit(
            stream,
            ev.DeliveryLineRejected(delivery_id=delivery_id, line_no=1, reason="农残快检不合格", rejected_by="zhou"),
            at(day, 6, 50),
        )
        await self.emit(
            stream,
            ev.DeliveryLineAccepted(
                delivery_id=delivery_id, line_no=2, accepted_grams=15_000, override_reason=None, accepted_by="zhou"
            ),
            at(day, 6, 55),
        )
        await self.emit(
            stream,
            ev.DeliveryAcceptanceSigned(
                delivery_id=delivery_id,
                campus_id=self.campus_id,
                inspectors=["zhou", "jiang-cook"],
                lines_accepted=1,
                lines_rejected=1,
                signed_by="zhou",
            ),
            at(day, 7),
        )

    # -- temperatures

    async def unit(self, unit_id: str, name: str, day: date) -> None:
        await self.emit(
            f"unit-{unit_id}",
            ev.TemperatureUnitRegistered(
                unit_id=unit_id,
                campus_id=self.campus_id,
                name=name,
                kind=ev.UnitKind.FRIDGE,
                min_c10=0,
                max_c10=80,
                registered_by="zhou",
            ),
            at(day, 6),
        )

    async def reading(self, unit_id: str, reading_id: str, c10: int, when: datetime) -> None:
        await self.emit(
            f"unit-{unit_id}",
            ev.TemperatureRead(
                unit_id=unit_id,
                campus_id=self.campus_id,
                reading_id=reading_id,
                c10=c10,
                within_limits=0 <= c10 <= 80,
                read_by="jiang-cook",
            ),
            when,
        )

    async def correct(self, unit_id: str, reading_id: str, when: datetime) -> None:
        await self.emit(
            f"unit-{unit_id}",
            ev.CorrectiveActionTaken(
                unit_id=unit_id, campus_id=self.campus_id, reading_id=reading_id, action="调低温控", taken_by="zhou"
            ),
            when,
        )

    # -- accompanied meals and parent visits

    async def accompany(self, record_id: str, day: date, diner_id: str, kind: ev.DinerKind) -> None:
        await self.emit(
            f"accompanied-{record_id}",
            ev.MealAccompanied(
                record_id=record_id,
                campus_id=self.campus_id,
                served_on=day,
                meal=Meal.LUNCH,
                diner_id=diner_id,
                diner_name="徐校长",
                diner_kind=kind,
                place="一楼学生餐厅",
                ratings=[],
                issues=[],
                recorded_by=diner_id,
            ),
            at(day, 12, 40),
            diner_id,
        )

    async def visit(self, visit_id: str, monday: date, visit_on: date, parent_id: str, parent_name: str) -> None:
        await self.emit(
            f"visit-{visit_id}",
            ev.ParentVisitScheduled(
                visit_id=visit_id,
                campus_id=self.campus_id,
                week_of=monday,
                visit_on=visit_on,
                parent_id=parent_id,
                parent_name=parent_name,
                scheduled_by="zhou",
            ),
            at(monday, 8),
        )

    async def visit_done(self, visit_id: str, day: date) -> None:
        stream = f"visit-{visit_id}"
        await self.emit(
            stream,
            ev.VisitDeliveriesInspected(
                visit_id=visit_id, delivery_ids=[], with_staff=["zhou"], note="称菜验菜", recorded_by="zhou"
            ),
            at(day, 7),
        )
        await self.emit(
            stream,
            ev.VisitLunchAccompanied(
                visit_id=visit_id, campus_id=self.campus_id, served_on=day, ratings=[], issues=[], recorded_by="zhou"
            ),
            at(day, 12, 40),
        )

    async def reflection(self, visit_id: str, parent_id: str, day: date, publish: bool) -> None:
        stream = f"visit-{visit_id}"
        await self.emit(
            stream,
            ev.ReflectionSubmitted(
                visit_id=visit_id,
                parent_id=parent_id,
                title="走进阳光食堂",
                text="饭菜干净卫生。",
                suggestions=["多一些水果"],
                consent_to_publish=True,
                submitted_by=parent_id,
            ),
            at(day, 20),
            parent_id,
        )
        if publish:
            await self.emit(
                stream,
                ev.ReflectionPublished(
                    visit_id=visit_id, campus_id=self.campus_id, channel="薛小家长微信群", published_by="zhou"
                ),
                at(day + timedelta(days=1), 9),
            )


async def applied(world: SchoolWorld, *kitchens: Kitchen) -> None:
    """Waits until the ledger applied every event the kitchens wrote so far."""
    wanted = {stream: version for k in kitchens for stream, version in k.versions.items()}

    async def caught_up() -> bool:
        rows = await world.service.pool.fetch(
            f"SELECT stream_id, version FROM {FOOD_SAFETY_LEDGER.schema}._streams WHERE stream_id = ANY($1::text[])",
            list(wanted),
        )
        return {r["stream_id"]: r["version"] for r in rows} == wanted

    await eventually(caught_up, timeout=60)


async def ledger(world: SchoolWorld, campus_id: str, on: date, as_: str = "manager-main") -> dict[str, Any]:
    response = await world.get(f"/ledger/{campus_id}", as_=as_, on=on.isoformat())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def ledger_week(world: SchoolWorld, campus_id: str, monday: date, as_: str = "manager-main") -> dict[str, Any]:
    response = await world.get(f"/ledger/{campus_id}/weeks/{monday.isoformat()}", as_=as_)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
