"""A month of appraisals written as their events, straight into the staff appraisal service's
event store (the service's relay publishes them and its projections apply them, as they would
a command's): what the reads are tested on."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from services.eventkit.auth import Role
from services.eventkit.envelope import DomainEvent, TenantPath, new_envelope
from services.eventkit.store import EventStore
from services.hr_eval import events as ev
from services.hr_eval.common import appraisal_id, first_day
from services.hr_eval.events import RuleCategory
from services.hr_eval.projections.appraisal_totals import APPRAISAL_TOTALS
from services.hr_eval.scoring import score
from tests.conftest import eventually
from tests.school import SchoolWorld

DISTRICT, SCHOOL = "xinbei", "xuexiao"
CATEGORIES = [
    RuleCategory(code="DISC", name="劳动纪律", deduction_cap=10, bonus_cap=0),
    RuleCategory(code="DUTY", name="岗位职责", deduction_cap=30, bonus_cap=5),
]
RULES: dict[str, tuple[str, str]] = {  # code -> (category, text)
    "D-1": ("DISC", "迟到早退"),
    "T-2": ("DUTY", "责任区域卫生不达标"),
    "T-3": ("DUTY", "值班期间脱岗"),
    "T-9": ("DUTY", "设备未按时巡检"),
    "B-1": ("DUTY", "受到师生书面表扬"),
}


class AppraisalMonth:
    """The appraisals of one campus and month, written event by event; every act is dated on
    a day of the month (``day``), whenever it is recorded."""

    def __init__(self, store: EventStore, campus_id: str, month: str) -> None:
        self.store = store
        self.campus_id = campus_id
        self.month = month
        self.tenant = TenantPath(district_id=DISTRICT, school_id=SCHOOL, campus_id=campus_id)
        self.versions: dict[str, int] = {}
        self.items: dict[str, dict[str, tuple[str, int]]] = {}  # appraisal -> item -> (category, points)
        self.withdrawn: set[tuple[str, str]] = set()

    def at(self, day: int, hour: int = 9) -> datetime:
        start = first_day(self.month)
        return datetime(start.year, start.month, day, hour, tzinfo=UTC)

    async def emit(self, stream_id: str, event: DomainEvent, at: datetime, actor: str = "zhou") -> None:
        version = self.versions.get(stream_id, 0) + 1
        env = new_envelope(event, stream_id=stream_id, version=version, tenant=self.tenant, actor=actor, occurred_at=at)
        await self.store.append(stream_id, version - 1, [env])
        self.versions[stream_id] = version

    @staticmethod
    def stream(aid: str) -> str:
        return f"appraisal-{aid}"

    async def open(
        self, staff_id: str, name: str, role: Role, *, joined_on: date | None = None, left_on: date | None = None
    ) -> str:
        aid = appraisal_id(staff_id, self.month)
        self.items[aid] = {}
        await self.emit(
            self.stream(aid),
            ev.AppraisalOpened(
                appraisal_id=aid,
                campus_id=self.campus_id,
                school_id=SCHOOL,
                staff_id=staff_id,
                staff_name=name,
                role=role,
                month=self.month,
                rule_book_version=1,
                base_score=100,
                categories=CATEGORIES,
                opened_by="zhou",
                opened_at=self.at(1, 8),
                joined_on=joined_on,
                left_on=left_on,
            ),
            self.at(1, 8),
        )
        return aid

    async def item(
        self, aid: str, item_id: str, rule: str, points: int, *, by: str = "zhou", day: int = 5, **extra: Any
    ) -> None:
        category, text = RULES[rule]
        self.items[aid][item_id] = (category, points)
        await self.emit(
            self.stream(aid),
            ev.AppraisalItemProposed(
                appraisal_id=aid,
                item_id=item_id,
                rule_code=rule,
                category=category,
                points=points,
                rule_text=text,
                occurred_at=self.at(day, 7),
                source=ev.ItemSource.PATROL,
                proposed_by=by,
                proposed_at=self.at(day, 10),
                **extra,
            ),
            self.at(day, 10),
            by,
        )

    async def withdraw(self, aid: str, item_id: str, *, by: str = "zhou", day: int = 6) -> None:
        self.withdrawn.add((aid, item_id))
        await self.emit(
            self.stream(aid),
            ev.AppraisalItemWithdrawn(
                appraisal_id=aid, item_id=item_id, reason="记错了人", withdrawn_by=by, withdrawn_at=self.at(day)
            ),
            self.at(day),
            by,
        )

    async def communicate(self, aid: str, item_id: str, *, by: str = "zhou", day: int = 6) -> None:
        await self.emit(
            self.stream(aid),
            ev.DeductionCommunicated(
                appraisal_id=aid,
                item_id=item_id,
                communicated_by=by,
                communicated_at=self.at(day, 11),
                channel=ev.Channel.IN_PERSON,
                respond_by=self.at(day + 3).date(),
            ),
            self.at(day, 11),
            by,
        )

    async def acknowledge(self, aid: str, item_id: str, *, day: int = 7) -> None:
        staff_id = aid[: -len(self.month) - 1]
        await self.emit(
            self.stream(aid),
            ev.DeductionAcknowledged(
                appraisal_id=aid, item_id=item_id, staff_id=staff_id, acknowledged_at=self.at(day, 12)
            ),
            self.at(day, 12),
            staff_id,
        )

    async def dispute(self, aid: str, item_id: str, *, day: int = 7) -> None:
        staff_id = aid[: -len(self.month) - 1]
        await self.emit(
            self.stream(aid),
            ev.DeductionDisputed(
                appraisal_id=aid, item_id=item_id, staff_id=staff_id, reason="那天在替班", disputed_at=self.at(day, 12)
            ),
            self.at(day, 12),
            staff_id,
        )

    async def resolve(
        self, aid: str, item_id: str, outcome: ev.DisputeOutcome, points: int, *, by: str = "gu", day: int = 8
    ) -> None:
        category, _ = self.items[aid][item_id]
        self.items[aid][item_id] = (category, points)
        await self.emit(
            self.stream(aid),
            ev.DisputeResolved(
                appraisal_id=aid,
                item_id=item_id,
                outcome=outcome,
                points=points,
                reason="核实后调整",
                resolved_by=by,
                resolved_at=self.at(day, 15),
            ),
            self.at(day, 15),
            by,
        )

    def total(self, aid: str) -> int:
        counting = [item for key, item in self.items[aid].items() if (aid, key) not in self.withdrawn]
        return score(100, CATEGORIES, counting).total

    async def finalise(self, aid: str, *, day: int = 28) -> None:
        counting = [item for key, item in self.items[aid].items() if (aid, key) not in self.withdrawn]
        scored = score(100, CATEGORIES, counting)
        await self.emit(
            self.stream(aid),
            ev.AppraisalFinalised(
                appraisal_id=aid,
                campus_id=self.campus_id,
                month=self.month,
                base_score=100,
                deductions=scored.deductions,
                bonuses=scored.bonuses,
                total=scored.total,
                finalised_by="zhou",
                finalised_at=self.at(day, 16),
            ),
            self.at(day, 16),
        )

    async def publish(self, aid: str, *, day: int = 30) -> None:
        await self.emit(
            self.stream(aid),
            ev.AppraisalPublished(
                appraisal_id=aid,
                campus_id=self.campus_id,
                month=self.month,
                total=self.total(aid),
                published_by="zhou",
                published_at=self.at(day, 17),
            ),
            self.at(day, 17),
        )

    async def publish_month(self, aids: list[str], *, day: int = 30) -> None:
        await self.emit(
            f"appraisal-month-{self.campus_id}-{self.month}",
            ev.AppraisalMonthPublished(
                campus_id=self.campus_id,
                month=self.month,
                appraisal_ids=aids,
                published_by="zhou",
                published_at=self.at(day, 17),
            ),
            self.at(day, 17),
        )

    async def correct(self, aid: str, item_id: str, rule: str, points: int, *, day: int = 30) -> None:
        before = self.total(aid)
        category, _ = RULES[rule]
        self.items[aid][item_id] = (category, points)
        self.withdrawn.discard((aid, item_id))  # a correction may bring a withdrawn item back
        await self.emit(
            self.stream(aid),
            ev.AppraisalCorrected(
                appraisal_id=aid,
                correction_id=f"{aid}-c{self.versions[self.stream(aid)]}",
                item_id=item_id,
                rule_code=rule,
                category=category,
                points=points,
                reason="复核发现记录有误",
                requested_by=aid[: -len(self.month) - 1],
                approved_by="admin",
                corrected_at=self.at(day, 20),
                total_before=before,
                total_after=self.total(aid),
            ),
            self.at(day, 20),
            "admin",
        )

    async def close(self, aid: str, *, day: int = 2) -> None:
        await self.emit(
            self.stream(aid),
            ev.AppraisalClosed(appraisal_id=aid, reason="本月初已离职", closed_by="zhou", closed_at=self.at(day)),
            self.at(day),
        )


async def applied(world: SchoolWorld, *months: AppraisalMonth) -> None:
    """Waits until the totals projection applied every event the months wrote so far."""
    wanted = {stream: version for month in months for stream, version in month.versions.items()}

    async def caught_up() -> bool:
        rows = await world.service.pool.fetch(
            f"SELECT stream_id, version FROM {APPRAISAL_TOTALS.schema}._streams WHERE stream_id = ANY($1::text[])",
            list(wanted),
        )
        return {r["stream_id"]: r["version"] for r in rows} == wanted

    await eventually(caught_up, timeout=60)
