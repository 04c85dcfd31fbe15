"""The seed's school on the fault infrastructure, a client that retries like a real one,
and the work the fault tests put through it (hazards, purchases, patrol findings naming a
worker, appraisal months, awards) with its domain checks."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import httpx

from services.directory.service import DIRECTORY
from services.eventkit.consumer import ConsumerRunner
from services.eventkit.decider import Resolved
from services.eventkit.envelope import Envelope, TenantPath, new_envelope
from services.eventkit.processes import ServiceProcess
from services.eventkit.runtime import Mode, ServiceDefinition
from services.eventkit.settings import Settings
from services.hr_eval.common import WORKER_ROLES
from services.hr_eval.projections.appraisal_totals import APPRAISAL_TOTALS
from services.inventory.assets import purchased_asset_id
from services.inventory.events import PurchaseCategory
from services.inventory.procurement import (
    ApprovePurchase,
    BoughtLineRequest,
    Purchase,
    PurchaseLineRequest,
    RecordPurchase,
    RequestPurchase,
    SignAcceptance,
)
from services.safety.events import hazard_id_of_raising
from tests.conftest import eventually
from tests.faults.harness import Harness, Service
from tests.faults.ledger import Ledger, ServiceView, check_run, wait_settled
from tests.school import CANTEEN_SCHOOL, SCHOOL, Headers, register_district, seed, tokens_for

ITEMS = [("broom", "笤帚", 1500), ("gloves", "橡胶手套", 600), ("pen", "签字笔", 200)]
EQUIPMENT = [("desk", "课桌椅", 45000)]  # catalogued, not consumable: an accepted unit is an asset to register

# The school's appraisal rule book, in force from September 2020 (its staff joined in August):
# every month since can be appraised (each run takes its months in turn, see School.next_month).
RULE_BOOK = {
    "school_id": "xuexiao",
    "title": "后勤人员月考核细则",
    "effective_on": "2020-09-01",
    "base_score": 100,
    "categories": [
        {"code": "DISC", "name": "劳动纪律", "deduction_cap": 20, "bonus_cap": 0},
        {"code": "DUTY", "name": "岗位职责", "deduction_cap": 30, "bonus_cap": 0},
        {"code": "MERIT", "name": "加分项", "deduction_cap": 0, "bonus_cap": 10},
    ],
    "items": [
        {"code": "D-1", "text": "门岗未按规定登记来访人员", "category": "DISC", "points": -2},
        {"code": "R-2", "text": "责任区卫生不达标", "category": "DUTY", "points": -3},
        {"code": "B-1", "text": "技能比赛获奖", "category": "MERIT", "points": 5},
    ],
    "at": "2020-08-31T09:00:00+08:00",
}
FIRST_MONTH_INDEX = 2020 * 12 + 8  # 2020-09
PROPOSAL_MONTHS = ("2020-10", "2020-11")  # the months of the findings (finding_life) and prizes (award_life)
MAIN_WORKERS = ("li-guard", "wang-tech")  # the main campus's logistics roster

Running = Service | ServiceProcess


@dataclass
class School:
    """The directory with the seed's school, and the services under test beside it."""

    h: Harness
    ledger: Ledger
    tokens: dict[str, Headers]
    directory: Service
    running: dict[str, Running] = field(default_factory=dict)
    views: dict[str, ServiceView] = field(default_factory=dict)
    answers: Counter[int] = field(default_factory=Counter)  # every HTTP status seen, retries included (0: no answer)
    trace: list[tuple[float, float, int, str]] = field(default_factory=list)  # sent at, seconds, status, path
    retry: Sequence[int] = (503,)  # answers sent again (with the same key) until a final one
    months_taken: int = 0  # appraisal months handed out by next_month()
    main_roster: tuple[str, ...] = MAIN_WORKERS  # every logistics worker of the main campus (appraised monthly)

    def client(self, service: str) -> httpx.AsyncClient:
        run = self.running[service]
        assert run.client is not None
        return run.client

    def view_list(self, *names: str) -> list[ServiceView]:
        return [self.views[n] for n in (names or self.views)]

    async def send(
        self,
        service: str,
        path: str,
        body: dict[str, Any],
        as_: str = "manager-main",
        *,
        key: str | None = None,
        deadline: float = 120.0,
        retry: Sequence[int] | None = None,
        on_retry: Any = None,
        fan_out: bool = False,
    ) -> httpx.Response:
        """Sends a command with an Idempotency-Key; on a lost connection or a 503 sends it again,
        with the same key, until a final answer. A 200 goes into the ledger (``fan_out``: a
        command whose events are appended to other streams than the one it answers with)."""
        key = key or str(uuid4())
        retry = self.retry if retry is None else retry
        headers = self.tokens[as_] | {"Idempotency-Key": key}
        give_up = time.monotonic() + deadline
        while True:
            failure: object
            sent = time.monotonic()
            try:
                response = await self.client(service).post(path, json=body, headers=headers)
            except httpx.TransportError as exc:
                failure = exc
                self.answers[0] += 1
                self.trace.append((sent, time.monotonic() - sent, 0, path))
            else:
                self.answers[response.status_code] += 1
                self.trace.append((sent, time.monotonic() - sent, response.status_code, path))
                if response.status_code not in retry:
                    break
                failure = response.status_code
            if on_retry is not None:
                on_retry(path, failure)
            if time.monotonic() > give_up:
                raise AssertionError(f"{service} {path}: no final answer within {deadline}s (last: {failure!r})")
            await asyncio.sleep(0.1)
        if response.status_code == 200:
            self.ledger.record(service, path, key, response, fan_out=fan_out)
        else:
            self.ledger.refuse(service, path, key, response.status_code)
        return response

    async def ok(self, service: str, path: str, body: dict[str, Any], as_: str = "manager-main", **kw: Any) -> Any:
        response = await self.send(service, path, body, as_, **kw)
        assert response.status_code == 200, f"{service} {path}: {response.status_code} {response.text}"
        return response.json()

    def runners(self) -> list[ConsumerRunner]:
        """The consumers of the services running in this process."""
        return [r for run in self.running.values() if isinstance(run, Service) for r in run.runtime.runners]

    async def stop_service(self, name: str) -> None:
        run = self.running[name]
        assert isinstance(run, Service)
        await run.stop()

    async def start_service(self, name: str, definition: ServiceDefinition | None = None) -> Service:
        """(Re)starts a service in process, on its database and topics."""
        view = self.views[name]
        service = await self.h.start(definition or view.definition, view.settings)
        self.running[name] = service
        return service

    async def settled(self, *names: str, timeout: float = 90) -> None:
        await wait_settled(self.view_list(*names), timeout=timeout)

    async def check(self, *names: str, published: bool = True) -> dict[str, int]:
        """The ledger's end-of-run checks, and the domain checks of the reactions present."""
        counts = await check_run(self.ledger, self.view_list(*names), published=published)
        if "safety" in self.views and "inventory" in self.views:
            counts["repairs"] = await check_one_repair_per_hazard(self)
            counts["rectifications"] = await check_one_rectification_per_verified_repair(self)
        if "inventory" in self.views:
            counts["stock_receipts"] = await check_stock_once_per_accepted_line(self)
            counts["assets_received"] = await check_assets_once_per_accepted_equipment_line(self)
        if "safety" in self.views and "hr_eval" in self.views:
            counts["finding_proposals"] = await check_one_proposal_per_finding(self)
        if "canteen" in self.views and "hr_eval" in self.views:
            counts["violation_proposals"] = await check_one_proposal_per_violation(self)
        if "canteen" in self.views and "safety" in self.views:
            counts["canteen_hazards"] = await check_one_hazard_per_canteen_finding(self)
        if "hr_eval" in self.views:
            counts["award_proposals"] = await check_award_bonus_once_per_worker(self)
            counts["published_appraisals"] = await check_published_totals(self)
        return counts

    def _month(self, taken: int) -> str:
        """The ``taken``-th month handed out, past the months the workload's findings and prizes
        fall in (:data:`PROPOSAL_MONTHS`): a month is not published while a proposal for it
        waits, and those wait (the run checks how many were made, not what became of them)."""
        index = FIRST_MONTH_INDEX
        while True:
            month = f"{index // 12:04d}-{index % 12 + 1:02d}"
            if month not in PROPOSAL_MONTHS:
                if taken == 0:
                    return month
                taken -= 1
            index += 1

    @property
    def months_left(self) -> bool:
        """Whether a past month is left to appraise (one published the month after it)."""
        return self._month(self.months_taken + 1) < date.today().isoformat()[:7]

    def next_month(self) -> str:
        """An appraisal month of the main campus no other work of the run has taken."""
        assert self.months_left, "the run has appraised every past month"
        self.months_taken += 1
        return self._month(self.months_taken - 1)


async def start_school(
    h: Harness,
    ledger: Ledger,
    *definitions: ServiceDefinition,
    processes: Sequence[str] = (),
    modes: dict[str, Mode] | None = None,
    overrides: dict[str, dict[str, Any]] | None = None,
    before_start: Callable[[Settings], Awaitable[None]] | None = None,
) -> School:
    """The directory (in process) with the seed's school, and each definition: in process, or
    as a real process when its name is in ``processes``. Waits until each knows the school.
    ``before_start`` gets each service's settings once its database exists, before it starts."""
    directory_settings = await h.settings("directory")
    directory = await h.start(DIRECTORY, directory_settings)
    # with the canteen, the school has canteen workers too (tests.school.CANTEEN_STAFF)
    people = CANTEEN_SCHOOL if any(d.name == "canteen" for d in definitions) else SCHOOL
    tokens = tokens_for(directory_settings, people)
    school = School(h, ledger, tokens, directory)
    if people is CANTEEN_SCHOOL:
        school.main_roster = (*MAIN_WORKERS, "han-canteen", "jiang-cook")
    school.running["directory"] = directory
    school.views["directory"] = ServiceView(DIRECTORY, directory_settings, await h.pool(directory_settings))
    for definition in definitions:
        settings = await h.settings(definition.name, **(overrides or {}).get(definition.name, {}))
        if before_start is not None:
            await before_start(settings)
        run: Running
        if definition.name in processes:
            run = h.process(settings, mode=(modes or {}).get(definition.name, Mode.ALL))
            run.start()
            await run.ready()
        else:
            run = await h.start(definition, settings, mode=(modes or {}).get(definition.name, Mode.ALL))
        school.running[definition.name] = run
        school.views[definition.name] = ServiceView(definition, settings, await h.pool(settings))

    created = await register_district(directory, tokens["platform"])
    assert created.status_code == 200, created.text
    await seed(directory, tokens["admin"], people)
    await wait_mirrored(school, *(d.name for d in definitions), people=people)
    if "hr_eval" in school.running:
        await school.ok("hr_eval", "/rule-books", RULE_BOOK)
    if "inventory" in school.running:
        for item_id, name, price in ITEMS:
            await school.ok(
                "inventory",
                "/items",
                {
                    "item_id": item_id,
                    "school_id": "xuexiao",
                    "name": name,
                    "unit": "个",
                    "category": "日常用品",
                    "consumable": True,
                    "unit_price_fen": price,
                    "reorder_point": 5,
                },
            )
        for item_id, name, price in EQUIPMENT:
            await school.ok(
                "inventory",
                "/items",
                {
                    "item_id": item_id,
                    "school_id": "xuexiao",
                    "name": name,
                    "unit": "套",
                    "category": "教学设备",
                    "consumable": False,
                    "unit_price_fen": price,
                    "reorder_point": 0,
                },
            )
    return school


async def wait_mirrored(school: School, *names: str, timeout: float = 90, people: Any = SCHOOL) -> None:
    async def knows_the_school() -> bool:
        for name in names:
            pool = school.views[name].pool
            staff = await pool.fetchval("SELECT count(*) FROM directory_staff")
            students = await pool.fetchval("SELECT count(*) FROM directory_students")
            parents = await pool.fetchval("SELECT count(*) FROM directory_parent_students")
            if (staff, students, parents) != (len(people.staff), len(people.students), len(people.parents)):
                return False
        return True

    await eventually(knows_the_school, timeout=timeout, interval=0.2)


# -- work --------------------------------------------------------------------------------------


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:10]}"


async def report_hazard(school: School, hazard_id: str, **kw: Any) -> Any:
    return await school.ok(
        "safety",
        "/hazards",
        {
            "hazard_id": hazard_id,
            "campus_id": "main",
            "area": "本部 操场东侧",
            "description": "窨井盖下沉",
            "severity": "high",
            "at": "2020-10-12T08:30:00+08:00",
        },
        "guard-main",
        **kw,
    )


ASSIGNED_AT, REASSIGNED_AT = "2020-10-12T09:00:00+08:00", "2020-10-12T09:30:00+08:00"  # after the report


async def hazard_life(
    school: School, hazard_id: str, *, reassign: bool = False, close: bool = True, repair: bool = False
) -> None:
    """Reported, assigned in-house (a repair in the inventory), maybe reassigned, rectified, verified;
    or (``repair``) its repair done and verified in the inventory, which rectifies it (a reaction)."""
    await report_hazard(school, hazard_id)
    await school.ok("safety", f"/hazards/{hazard_id}/assign", {"assignee_id": "wang-tech", "at": ASSIGNED_AT})
    if reassign:
        await school.ok("safety", f"/hazards/{hazard_id}/assign", {"assignee_id": "li-guard", "at": REASSIGNED_AT})
    if repair:
        # the repair is opened by a reaction: sent again (same key) until it is there
        repair_id = f"hazard-{hazard_id}"
        done = {"at": "2020-10-13T10:00:00+08:00", "note": "更换井盖"}
        await school.ok("inventory", f"/repairs/{repair_id}/done", done, retry=(503, 404), deadline=180)
        verified = {"at": "2020-10-13T16:00:00+08:00"}
        await school.ok("inventory", f"/repairs/{repair_id}/verify", verified, "manager-both")
        return
    if close:
        await school.ok("safety", f"/hazards/{hazard_id}/rectify", {"at": "2020-10-13T10:00:00+08:00"}, "tech-main")
        await school.ok("safety", f"/hazards/{hazard_id}/verify", {"passed": True, "note": "复查合格"})


async def purchase_life(school: School, purchase_id: str, lines: Sequence[tuple[str, int]] = (("broom", 3),)) -> None:
    """Requested, approved, bought and accepted: the accepted lines go into stock (a reaction)."""
    await school.ok(
        "inventory",
        "/purchases",
        {
            "purchase_id": purchase_id,
            "campus_id": "main",
            "category": "everyday",
            "lines": [
                {"description": item, "quantity": qty, "estimated_unit_price_fen": 100, "item_id": item}
                for item, qty in lines
            ],
            "reason": "期初保洁用品补充",
            "at": "2020-10-09T10:00:00+08:00",
        },
    )
    await school.ok(
        "inventory", f"/purchases/{purchase_id}/approve", {"note": "同意", "at": "2020-10-10T09:00:00+08:00"}, "vp-main"
    )
    await school.ok(
        "inventory",
        f"/purchases/{purchase_id}/bought",
        {
            "supplier": "常州市新北区某某商贸",
            "bought": [{"line": i, "quantity": qty, "unit_price_fen": 90} for i, (_, qty) in enumerate(lines)],
            "on": "2020-10-14",
        },
    )
    await school.ok("inventory", f"/purchases/{purchase_id}/acceptance", {"note": "数量质量无误"}, "vp-main")


async def catalogue(school: School, item_id: str, name: str = "日常用品") -> None:
    await school.ok(
        "inventory",
        "/items",
        {
            "item_id": item_id,
            "school_id": "xuexiao",
            "name": name,
            "unit": "个",
            "category": "日常用品",
            "consumable": True,
            "unit_price_fen": 100,
            "reorder_point": 5,
        },
    )


TENANT = TenantPath(district_id=SCHOOL.district_id, school_id="xuexiao", campus_id="main")


def purchase_envelopes(purchase_id: str, item_id: str = "broom", quantity: int = 2) -> list[Envelope]:
    """A purchase from request to acceptance as the Purchase decider makes it (no I/O):
    requested, approved, made, signed (v4), accepted (v5, the goods go into stock)."""
    at = datetime(2020, 10, 14, 9, 0, tzinfo=UTC)
    steps: list[tuple[str, Any, dict[str, str]]] = [
        (
            "zhou",
            RequestPurchase(
                purchase_id=purchase_id,
                campus_id="main",
                category=PurchaseCategory.EVERYDAY,
                lines=[
                    PurchaseLineRequest(
                        description=item_id, quantity=quantity, estimated_unit_price_fen=100, item_id=item_id
                    )
                ],
                reason="补充",
            ),
            {},
        ),
        ("xu-vp", ApprovePurchase(), {}),
        (
            "zhou",
            RecordPurchase(
                supplier="商贸",
                bought=[BoughtLineRequest(line=0, quantity=quantity, unit_price_fen=90)],
                on=date(2020, 10, 14),
            ),
            {},
        ),
        ("xu-vp", SignAcceptance(), {"as_role": "vice_principal", "quorum": "2", "consumables": item_id}),
    ]
    state = Purchase.initial_state
    envelopes: list[Envelope] = []
    for actor, command, facts in steps:
        for event in Purchase.decide(Resolved(command, TENANT, purchase_id, facts, actor=actor, at=at), state):
            state = Purchase.evolve(state, event)
            envelopes.append(
                new_envelope(
                    event,
                    stream_id=Purchase.stream_id(purchase_id),
                    version=len(envelopes) + 1,
                    tenant=TENANT,
                    actor=actor,
                    occurred_at=at,
                )
            )
    return envelopes


# -- what the reactions must have done, once --------------------------------------------------


async def check_one_repair_per_hazard(school: School) -> int:
    """One repair per hazard assigned in-house; no hazard event caused two effects."""
    safety, inventory = school.views["safety"].pool, school.views["inventory"].pool
    assignments = await safety.fetch(
        "SELECT event_id, data->>'hazard_id' AS hazard_id FROM events WHERE type = 'safety.HazardAssignedInHouse'"
    )
    hazards = {r["hazard_id"] for r in assignments}
    reported = Counter(
        r["hazard_id"]
        for r in await inventory.fetch(
            "SELECT data->>'hazard_id' AS hazard_id FROM events "
            "WHERE type = 'inventory.RepairReported' AND data->>'source' = 'hazard'"
        )
    )
    assert reported == Counter(hazards), f"repairs per hazard: {reported} for hazards {hazards}"
    causes = Counter(
        r["causation_id"]
        for r in await inventory.fetch(
            "SELECT causation_id FROM events WHERE causation_id = ANY($1)", [str(r["event_id"]) for r in assignments]
        )
    )
    twice = {c: n for c, n in causes.items() if n > 1}
    assert not twice, f"hazard assignments that caused more than one repair event: {twice}"
    return len(hazards)


async def check_stock_once_per_accepted_line(school: School) -> int:
    """One StockReceived per line of an accepted purchase that goes into stock."""
    pool = school.views["inventory"].pool
    expected: Counter[tuple[str, str, str, int]] = Counter()
    for r in await pool.fetch("SELECT data FROM events WHERE type = 'inventory.PurchaseAccepted'"):
        data = r["data"]
        for line in data["into_stock"]:
            expected[(data["purchase_id"], data["campus_id"], line["item_id"], line["quantity"])] += 1
    actual: Counter[tuple[str, str, str, int]] = Counter()
    for r in await pool.fetch(
        "SELECT data FROM events WHERE type = 'inventory.StockReceived' AND data->>'purchase_id' IS NOT NULL"
    ):
        data = r["data"]
        actual[(data["purchase_id"], data["campus_id"], data["item_id"], data["quantity"])] += 1
    assert actual == expected, f"stock received {actual - expected} too many, {expected - actual} missing"
    return sum(expected.values())


async def check_one_rectification_per_verified_repair(school: School) -> int:
    """A verified repair of a hazard rectified that hazard once: never twice, and once unless the
    hazard was rectified otherwise (by hand); no verification caused more than one safety event."""
    safety, inventory = school.views["safety"].pool, school.views["inventory"].pool
    verifications = await inventory.fetch(
        "SELECT event_id, data->>'repair_id' AS repair_id, data->>'hazard_id' AS hazard_id FROM events "
        "WHERE type = 'inventory.RepairVerified' AND data->>'hazard_id' IS NOT NULL"
    )
    rectified = await safety.fetch(
        "SELECT stream_id, data->>'repair_id' AS repair_id FROM events WHERE type = 'safety.HazardRectified'"
    )
    by_repair = Counter(r["repair_id"] for r in rectified if r["repair_id"])
    by_hand = {r["stream_id"] for r in rectified if not r["repair_id"]}
    twice = {repair: n for repair, n in by_repair.items() if n > 1}
    assert not twice, f"repairs that rectified their hazard more than once: {twice}"
    verified = {r["repair_id"]: r["hazard_id"] for r in verifications}
    assert set(by_repair) <= set(verified), f"rectified by repairs never verified: {set(by_repair) - set(verified)}"
    missing = {
        repair for repair, hazard in verified.items() if repair not in by_repair and f"hazard-{hazard}" not in by_hand
    }
    assert not missing, f"verified repairs that did not rectify their hazard: {missing}"
    causes = Counter(
        r["causation_id"]
        for r in await safety.fetch(
            "SELECT causation_id FROM events WHERE causation_id = ANY($1)", [str(r["event_id"]) for r in verifications]
        )
    )
    more = {c: n for c, n in causes.items() if n > 1}
    assert not more, f"repair verifications that caused more than one safety event: {more}"
    return sum(by_repair.values())


async def check_assets_once_per_accepted_equipment_line(school: School) -> int:
    """One AssetReceived per unit of each accepted line of equipment, with the id made from the
    purchase, the line and the unit; none that no acceptance asked for."""
    pool = school.views["inventory"].pool
    expected: Counter[tuple[str, str, int, int]] = Counter()
    for r in await pool.fetch("SELECT data FROM events WHERE type = 'inventory.PurchaseAccepted'"):
        data = r["data"]
        for line in data.get("equipment", []):
            for unit in range(line["quantity"]):
                aid = purchased_asset_id(data["purchase_id"], line["line"], unit)
                expected[(aid, data["purchase_id"], line["line"], unit)] += 1
    actual: Counter[tuple[str, str, int, int]] = Counter()
    for r in await pool.fetch("SELECT data FROM events WHERE type = 'inventory.AssetReceived'"):
        data = r["data"]
        actual[(data["asset_id"], data["purchase_id"], data["line"], data["unit"])] += 1
    assert actual == expected, f"assets received {actual - expected} too many, {expected - actual} missing"
    return sum(expected.values())


# -- the staff appraisal -----------------------------------------------------------------------


def _at(month: str, day: int, hour: int) -> str:
    return f"{month}-{day:02d}T{hour:02d}:00:00+08:00"


def _after(month: str) -> str:
    year, mon = (int(p) for p in month.split("-"))
    return f"{year + (mon == 12):04d}-{mon % 12 + 1:02d}"


async def appraisal_month_life(school: School, month: str) -> None:
    """The main campus's month: opened (one appraisal per worker), a deduction for the guard told
    to him and acknowledged, a bonus for the technician, every appraisal finalised, the month published."""
    opened = await school.ok(
        "hr_eval", "/appraisal-months", {"campus_id": "main", "month": month, "at": _at(month, 1, 8)}, fan_out=True
    )
    assert sorted(opened["appraisal_ids"]) in ([], sorted(f"{w}-{month}" for w in school.main_roster)), opened
    guard, tech = (f"{w}-{month}" for w in MAIN_WORKERS)
    await school.ok(
        "hr_eval",
        f"/appraisals/{guard}/items",
        {
            "item_id": "gate",
            "rule_code": "D-1",
            "occurred_at": _at(month, 12, 7),
            "place": "本部 大门",
            "note": "两名来访人员未登记",
            "at": _at(month, 12, 10),
        },
    )
    await school.ok(
        "hr_eval",
        f"/appraisals/{tech}/items",
        {
            "item_id": "prize",
            "rule_code": "B-1",
            "occurred_at": _at(month, 20, 9),
            "source": "contest",
            "at": _at(month, 20, 10),
        },
    )
    await school.ok(
        "hr_eval",
        f"/appraisals/{guard}/communications",
        {"item_id": "gate", "channel": "in_person", "at": _at(month, 12, 11)},
    )
    await school.ok(
        "hr_eval", f"/appraisals/{guard}/acknowledgements", {"item_id": "gate", "at": _at(month, 13, 9)}, "guard-main"
    )
    for worker in school.main_roster:  # the others (the canteen's) have nothing noted: finalised as they are
        await school.ok("hr_eval", f"/appraisals/{worker}-{month}/finalise", {"at": _at(month, 28, 16)})
    await school.ok(
        "hr_eval", "/appraisal-months/publish", {"campus_id": "main", "month": month, "at": _at(_after(month), 2, 12)}
    )


FINDINGS = (("来访人员登记", "本部 大门", "li-guard", "D-1"), ("走廊卫生", "本部 东楼", "wang-tech", "R-2"))


async def finding_life(school: School, inspection_id: str, findings: int = len(FINDINGS)) -> None:
    """A daily patrol of the main campus with (up to two) findings, each put down to a worker with
    the rule it suggests: the staff appraisal keeps one proposal of each (a reaction, through Kafka)."""
    await school.ok(
        "safety",
        "/inspections",
        {
            "inspection_id": inspection_id,
            "campus_id": "main",
            "kind": "daily_patrol",
            "areas": ["本部 大门", "本部 东楼"],
            "checklist": ["来访人员登记", "走廊卫生"],
            "at": "2020-10-15T07:30:00+08:00",
        },
    )
    for item, area, staff_id, rule in FINDINGS[:findings]:
        await school.ok(
            "safety",
            f"/inspections/{inspection_id}/findings",
            {
                "item": item,
                "area": area,
                "ok": False,
                "severity": "low",
                "note": "巡查发现",
                "responsible_staff_id": staff_id,
                "rule_code": rule,
                "at": "2020-10-15T07:45:00+08:00",
            },
        )


async def award_life(school: School, award_id: str) -> None:
    """A prize outside a contest with a bonus rule, honouring both workers of the main campus and
    a teacher: the staff appraisal proposes the bonus to each worker once (a reaction)."""
    await school.ok(
        "hr_eval",
        "/awards",
        {
            "award_id": award_id,
            "school_id": "xuexiao",
            "campus_id": "main",
            "title": "后勤技能比武 团体一等奖",
            "prize": "first",
            "level": "district",
            "on": "2020-11-20",
            "recipient_name": "薛家实验小学后勤队",
            "staff_ids": [*MAIN_WORKERS, "huang"],
            "bonus_rule_code": "B-1",
        },
    )


async def appraisal_work(school: School, stop: asyncio.Event, *, pause: float = 0.0) -> None:
    """Until ``stop``: patrol findings naming workers (in the safety service, if it runs), the
    main campus's months appraised and published while past months are left, and every third
    round an award with a bonus."""
    i = 0
    while not stop.is_set():
        if "safety" in school.running:
            await finding_life(school, new_id(f"i{i}"))
        if school.months_left:
            await appraisal_month_life(school, school.next_month())
        if i % 3 == 0:
            await award_life(school, new_id(f"a{i}"))
        i += 1
        await asyncio.sleep(pause)


async def check_one_proposal_per_finding(school: School) -> int:
    """One proposal per finding naming a worker, of that worker; none of an event never raised."""
    safety, hr = school.views["safety"].pool, school.views["hr_eval"].pool
    raised = {
        str(r["event_id"]): r["staff_id"]
        for r in await safety.fetch(
            "SELECT event_id, data->>'staff_id' AS staff_id FROM events WHERE type = 'safety.AppraisalItemProposed'"
        )
    }
    kept = Counter(
        (r["from_event_id"], r["staff_id"])
        for r in await hr.fetch(
            "SELECT data->>'from_event_id' AS from_event_id, data->>'staff_id' AS staff_id FROM events "
            "WHERE type = 'hr_eval.ProposalReceived' AND data->>'from_event_type' = 'safety.AppraisalItemProposed'"
        )
    )
    assert kept == Counter(raised.items()), f"proposals per finding: {kept - Counter(raised.items())} too many, " + (
        f"{Counter(raised.items()) - kept} missing"
    )
    return len(raised)


async def check_award_bonus_once_per_worker(school: School) -> int:
    """One proposal per award with a bonus rule and logistics worker it honours; none for other staff."""
    hr = school.views["hr_eval"].pool
    workers = {
        r["staff_id"]
        for r in await hr.fetch(
            "SELECT staff_id FROM directory_staff WHERE active AND roles && $1::text[] AND cardinality(campus_ids) > 0",
            [r.value for r in WORKER_ROLES],
        )
    }
    expected: Counter[tuple[str, str]] = Counter()
    for r in await hr.fetch("SELECT event_id, data FROM events WHERE type = 'hr_eval.AwardGranted'"):
        if r["data"]["bonus_rule_code"]:
            expected.update((str(r["event_id"]), s) for s in set(r["data"]["staff_ids"]) & workers)
    actual = Counter(
        (r["from_event_id"], r["staff_id"])
        for r in await hr.fetch(
            "SELECT data->>'from_event_id' AS from_event_id, data->>'staff_id' AS staff_id FROM events "
            "WHERE type = 'hr_eval.ProposalReceived' AND data->>'from_event_type' = 'hr_eval.AwardGranted'"
        )
    )
    assert actual == expected, f"award bonuses proposed {actual - expected} too many, {expected - actual} missing"
    return sum(expected.values())


async def check_published_totals(school: School) -> int:
    """The appraisal totals' published totals and months are the published events', one for one."""
    hr = school.views["hr_eval"].pool
    published = {
        r["data"]["appraisal_id"]: r["data"]["total"]
        for r in await hr.fetch("SELECT data FROM events WHERE type = 'hr_eval.AppraisalPublished'")
    }
    shown = {
        r["appraisal_id"]: r["published_total"]
        for r in await hr.fetch(
            f"SELECT appraisal_id, published_total FROM {APPRAISAL_TOTALS.schema}.appraisals "
            "WHERE published_total IS NOT NULL OR state = 'published'"
        )
    }
    assert shown == published, f"published totals differ: {set(shown.items()) ^ set(published.items())}"
    months = {
        (r["data"]["campus_id"], r["data"]["month"]): sorted(r["data"]["appraisal_ids"])
        for r in await hr.fetch("SELECT data FROM events WHERE type = 'hr_eval.AppraisalMonthPublished'")
    }
    listed = {
        (r["campus_id"], r["month"]): sorted(r["appraisal_ids"])
        for r in await hr.fetch(
            f"SELECT campus_id, month, appraisal_ids FROM {APPRAISAL_TOTALS.schema}.published_months"
        )
    }
    assert listed == months, f"published months differ: {set(listed) ^ set(months)}"
    assert sorted(a for ids in months.values() for a in ids) == sorted(published), "appraisals published apart"
    return len(published)


# -- the canteen ---------------------------------------------------------------------------------

CANTEEN_WEEK_ONE = date(2010, 1, 4)  # a Monday: the first of the weeks the rounds take in turn


def canteen_day(n: int) -> str:
    """The Tuesday of the ``n``-th round's week, a week each (a campus's weekly sweep is one a
    week). From 2010: a long run's rounds once started in the term of 2020, and the 325th fell in
    the future of 2026-12 and was refused."""
    day = date.fromordinal(CANTEEN_WEEK_ONE.toordinal() + 7 * n + 1)
    assert day < date.today(), f"round {n} of the canteen's work would be dated {day}, in the future"
    return day.isoformat()


async def canteen_life(school: School, n: int) -> None:
    """The ``n``-th round of canteen work on the main campus: a violation seen on patrol (a
    proposal in the staff appraisal, through Kafka), a weekly sweep of its own week finding a
    hazard (a hazard in safety, through Kafka), and the day's sample of a dish (the ledger)."""
    day = canteen_day(n)
    month = PROPOSAL_MONTHS[n % len(PROPOSAL_MONTHS)]  # a month the appraisal work leaves unpublished
    await school.ok(
        "canteen",
        "/canteen-violations",
        {
            "violation_id": new_id(f"v{n}"),
            "campus_id": "main",
            "staff_id": "jiang-cook" if n % 2 else "han-canteen",
            "rule_code": "D-1",
            "description": "操作时未佩戴口罩",
            "place": "本部 食堂 切配间",
            "at": f"{month}-{10 + n % 15:02d}T10:12:00+08:00",
        },
    )
    await school.ok(
        "canteen",
        "/self-inspections",
        {
            "campus_id": "main",
            "cadence": "weekly",
            "at": f"{day}T16:30:00+08:00",
            "results": [
                {
                    "item": "防蝇防鼠设施",
                    "area": "粗加工间",
                    "ok": False,
                    "note": "北侧纱窗破损",
                    "hazard": True,
                    "severity": "medium",
                },
                {"item": "燃气管道", "area": "烹饪间", "ok": True},
            ],
        },
        "cook-main",
    )
    await school.ok(
        "canteen",
        "/food-samples",
        {
            "sample_id": new_id(f"s{n}"),
            "campus_id": "main",
            "served_on": day,
            "meal": "lunch",
            "dish": "番茄炒蛋",
            "grams": 150,
            "at": f"{day}T11:20:00+08:00",
        },
        "cook-main",
    )


async def canteen_work(school: School, stop: asyncio.Event, *, first: int = 0, step: int = 1) -> None:
    """Until ``stop``: rounds of :func:`canteen_life`, each in a week of its own (``first`` and
    ``step`` keep the weeks of several writers apart)."""
    n = first
    while not stop.is_set():
        await canteen_life(school, n)
        n += step


async def check_one_proposal_per_violation(school: School) -> int:
    """One proposal per canteen violation or uneven server, of that worker; none of an event never raised."""
    canteen, hr = school.views["canteen"].pool, school.views["hr_eval"].pool
    raised = Counter(
        (str(r["event_id"]), r["staff_id"])
        for r in await canteen.fetch(
            "SELECT event_id, data->>'staff_id' AS staff_id FROM events WHERE type = 'canteen.AppraisalItemProposed'"
        )
    )
    kept = Counter(
        (r["from_event_id"], r["staff_id"])
        for r in await hr.fetch(
            "SELECT data->>'from_event_id' AS from_event_id, data->>'staff_id' AS staff_id FROM events "
            "WHERE type = 'hr_eval.ProposalReceived' AND data->>'from_event_type' = 'canteen.AppraisalItemProposed'"
        )
    )
    assert kept == raised, f"proposals per violation: {kept - raised} too many, {raised - kept} missing"
    return sum(raised.values())


async def check_one_hazard_per_canteen_finding(school: School) -> int:
    """One hazard in safety per hazard a canteen self-inspection found (its id made from the finding's event)."""
    canteen, safety = school.views["canteen"].pool, school.views["safety"].pool
    found = sorted(
        hazard_id_of_raising(str(r["event_id"]))
        for r in await canteen.fetch("SELECT event_id FROM events WHERE type = 'canteen.HazardFound'")
    )
    reported = sorted(
        r["hazard_id"]
        for r in await safety.fetch(
            "SELECT data->>'hazard_id' AS hazard_id FROM events WHERE type = 'safety.HazardReported' "
            "AND data->>'hazard_id' = ANY($1::text[])",
            found,
        )
    )
    assert reported == found, f"canteen hazards reported in safety: {sorted(set(reported) ^ set(found))} differ"
    return len(found)
