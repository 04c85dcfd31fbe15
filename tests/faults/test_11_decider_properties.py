"""Property tests of the aggregates' deciders: random command sequences, an in-memory store.

Each state machine drives one aggregate instance (one stream) with random commands from
small pools of ids, actors and values, so that the interesting refusals happen (the
fixer verifying their own fix, the requester signing, issuing beyond stock...). The
store is a list of envelopes as they go over the wire (JSON). At every step:

- the state the decider decides on is the fold of the stored events, decoded from the
  wire, and it equals the state evolved from the events as decided (nothing the state
  needs is lost on the way through the store);
- a command either decides events or is refused with ``Rejected`` (never another
  exception), deciding twice on one state gives the same events (no clock, no ids), and
  a refused command appends nothing;
- each aggregate's own invariants hold (stock never below zero, quota use within its
  allowance, a purchase accepted only with enough distinct signers other than the
  requester, a hazard closed only by someone other than its fixer, ...).

No infrastructure: these run wherever the suite runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from services.directory import commands as dc
from services.directory.events import DIRECTORY_EVENTS, Admission
from services.directory.organisation import Campus, School
from services.directory.people import SchoolClass, StaffMember, Student
from services.eventkit.auth import Role
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent, Envelope, EventRegistry, TenantPath, new_envelope
from services.eventkit.errors import Rejected
from services.inventory import procurement as pc
from services.inventory import repairs as rp
from services.inventory import stock as sk
from services.inventory.events import INVENTORY_EVENTS, PurchaseCategory, RecipientKind
from services.safety import hazards as hz
from services.safety import inspections as ins
from services.safety.events import SAFETY_EVENTS, InspectionKind, Severity

pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")

START = datetime(2020, 9, 1, 8, 0, tzinfo=UTC)
TENANT = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
NAMES = st.sampled_from(["本部", "奥园校区", "六1班", "薛家实验小学"])
REASONS = st.sampled_from(["并入本部", "调往他校", "转学", "库存尚足"])
Step = tuple[Any, dict[str, str]]  # a command and the facts its handler would resolve
Check = Callable[[Any, Any, list[DomainEvent], Any, str], None]  # (command, before, events, after, actor)


def times(days: int = 60) -> st.SearchStrategy[datetime]:
    return st.integers(0, days * 24 * 60).map(lambda m: START + timedelta(minutes=m))


def days() -> st.SearchStrategy[date]:
    return st.integers(0, 500).map(lambda d: date(2020, 9, 1) + timedelta(days=d))


class DeciderMachine(RuleBasedStateMachine):
    """One stream of one aggregate; subclasses made by :func:`machine`."""

    decider: Decider[Any, Any, Any]
    registry: EventRegistry
    entity_id: str
    tenant: TenantPath = TENANT
    check: Check | None = None

    def __init__(self) -> None:
        super().__init__()
        self.wire: list[bytes] = []
        self.state: Any = self.decider.initial_state
        self.clock = START
        self.refused = 0

    @property
    def stream_id(self) -> str:
        return self.decider.stream_id(self.entity_id)

    def stored_state(self) -> Any:
        return self.decider.fold(self.registry.decode(Envelope.from_wire(w)) for w in self.wire)

    def send(self, step: Step, actor: str, minutes: int) -> None:
        command, facts = step
        self.clock += timedelta(minutes=minutes)
        rc = Resolved(command, self.tenant, self.entity_id, facts, actor=actor, at=self.clock)
        used = self.stored_state()
        assert used == self.state, "the fold of the stored events is not the state the decider used"
        before = list(self.wire)
        try:
            events = list(self.decider.decide(rc, used))
        except Rejected:
            self.refused += 1
            assert self.wire == before
            assert self.stored_state() == used
            return
        assert list(self.decider.decide(rc, used)) == events, "deciding twice gave other events"
        after = self.decider.fold(events, used)
        if self.check is not None:
            type(self).check(command, used, events, after, actor)  # type: ignore[misc]
        for event in events:
            version = len(self.wire) + 1
            envelope = new_envelope(
                event,
                stream_id=self.stream_id,
                version=version,
                tenant=self.tenant,
                actor=actor,
                occurred_at=self.clock,
                event_id=UUID(int=version),
            )
            self.wire.append(envelope.to_wire())
            self.state = self.decider.evolve(self.state, event)

    @invariant()
    def the_store_folds_to_the_state(self) -> None:
        assert self.stored_state() == self.state


def machine(
    name: str,
    decider: Decider[Any, Any, Any],
    registry: EventRegistry,
    entity_id: str,
    steps: st.SearchStrategy[Step],
    actors: list[str],
    check: Check | None = None,
    tenant: TenantPath = TENANT,
    create: st.SearchStrategy[Step] | None = None,
) -> type[DeciderMachine]:
    """A machine over one stream of ``decider``; ``create`` (most runs) opens it first."""

    class Machine(DeciderMachine):
        @initialize(step=st.none() | create if create is not None else st.none(), actor=st.sampled_from(actors))
        def open(self, step: Step | None, actor: str) -> None:
            if step is not None:
                self.send(step, actor, 0)

        @rule(step=steps, actor=st.sampled_from(actors), minutes=st.integers(0, 3 * 24 * 60))
        def command(self, step: Step, actor: str, minutes: int) -> None:
            self.send(step, actor, minutes)

    Machine.__name__ = Machine.__qualname__ = name
    Machine.decider, Machine.registry, Machine.entity_id, Machine.tenant = decider, registry, entity_id, tenant
    Machine.check = staticmethod(check) if check else None  # type: ignore[assignment]
    return Machine


def step(strategy: st.SearchStrategy[Any], facts: dict[str, str] | None = None) -> st.SearchStrategy[Step]:
    return strategy.map(lambda c: (c, dict(facts or {})))


SETTINGS = settings(
    max_examples=40,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# -- directory ---------------------------------------------------------------------------------


def no_overlapping_terms(command: Any, before: Any, events: list[DomainEvent], after: Any, actor: str) -> None:
    terms = sorted(after.terms, key=lambda t: t.starts_on)
    assert all(a.ends_on < b.starts_on for a, b in pairwise(terms))
    assert len({t.term_id for t in terms}) == len(terms)


SCHOOL_CREATE = step(
    st.builds(dc.RegisterSchool, school_id=st.just("xuexiao"), district_id=st.just("xinbei"), name=NAMES)
)
SCHOOL = machine(
    "SchoolMachine",
    School,
    DIRECTORY_EVENTS,
    "xuexiao",
    st.one_of(
        SCHOOL_CREATE,
        step(
            st.builds(
                lambda term, start, length: dc.ScheduleTerm(
                    term_id=term, name=term, starts_on=start, ends_on=start + timedelta(days=length)
                ),
                st.sampled_from(["t-2020-1", "t-2020-2", "t-2021-1"]),
                days(),
                st.integers(1, 200),
            )
        ),
    ),
    ["platform"],
    tenant=TenantPath(district_id="xinbei", school_id="xuexiao"),
    check=no_overlapping_terms,
    create=SCHOOL_CREATE,
)


CAMPUS_CREATE = step(st.builds(dc.OpenCampus, campus_id=st.just("main"), school_id=st.just("xuexiao"), name=NAMES))
CAMPUS = machine(
    "CampusMachine",
    Campus,
    DIRECTORY_EVENTS,
    "main",
    st.one_of(
        CAMPUS_CREATE,
        step(st.builds(dc.RenameCampus, name=NAMES)),
        step(st.builds(dc.CloseCampus, reason=REASONS)),
    ),
    ["platform"],
    create=CAMPUS_CREATE,
)

STAFF_IDS = st.sampled_from(["huang", "sun", "zhu"])


def one_class_teacher(command: Any, before: Any, events: list[DomainEvent], after: Any, actor: str) -> None:
    teachers = {staff for staff, _ in after.teachers}
    assert after.class_teacher is None or after.class_teacher in teachers


CLASS_CREATE = step(
    st.builds(dc.OpenClass, class_id=st.just("g6-1"), campus_id=st.just("main"), name=NAMES, grade=st.integers(1, 12))
)
CLASS = machine(
    "ClassMachine",
    SchoolClass,
    DIRECTORY_EVENTS,
    "g6-1",
    st.one_of(
        CLASS_CREATE,
        step(
            st.builds(
                dc.AssignTeacher,
                staff_id=STAFF_IDS,
                subject=st.sampled_from(["语文", "数学"]),
                is_class_teacher=st.booleans(),
            )
        ),
        step(st.builds(dc.UnassignTeacher, staff_id=STAFF_IDS)),
    ),
    ["platform"],
    check=one_class_teacher,
    create=CLASS_CREATE,
)


ROLE_SETS = st.lists(st.sampled_from(list(Role)), min_size=1, max_size=3)
CAMPUSES = st.lists(st.sampled_from(["main", "aoyuan"]), max_size=2)


def staff_roles_are_sound(command: Any, before: Any, events: list[DomainEvent], after: Any, actor: str) -> None:
    assert Role.PARENT not in after.roles and Role.PLATFORM_ADMIN not in after.roles
    campus_roles = {Role.LOGISTICS_MANAGER, Role.TEACHER, Role.CLEANER, Role.GUARD, Role.TECHNICIAN, Role.MEDICAL}
    assert not (campus_roles & after.roles) or after.campus_ids
    assert not before.left, "a staff member who left changes no more"


STAFF_CREATE = step(
    st.builds(
        dc.JoinStaff,
        staff_id=st.just("zhou"),
        district_id=st.just("xinbei"),
        school_id=st.just("xuexiao"),
        name=NAMES,
        roles=ROLE_SETS,
        campus_ids=CAMPUSES,
    )
)
STAFF = machine(
    "StaffMachine",
    StaffMember,
    DIRECTORY_EVENTS,
    "zhou",
    st.one_of(
        STAFF_CREATE,
        step(st.builds(dc.ChangeStaffRoles, roles=ROLE_SETS, campus_ids=CAMPUSES)),
        step(st.builds(dc.LeaveStaff, left_on=days(), reason=REASONS)),
    ),
    ["platform"],
    check=staff_roles_are_sound,
    create=STAFF_CREATE,
)


CLASSES = st.sampled_from(["g6-1", "g1-1", "g2-3"])
STUDENT_CREATE = step(
    st.builds(
        dc.EnrollStudent,
        student_id=st.just("yao"),
        name=NAMES,
        class_id=CLASSES,
        admission=st.sampled_from(list(Admission)),
        enrolled_on=days(),
    )
)
STUDENT = machine(
    "StudentMachine",
    Student,
    DIRECTORY_EVENTS,
    "yao",
    st.one_of(
        STUDENT_CREATE,
        step(st.builds(dc.MoveStudent, to_class_id=CLASSES, moved_on=days())),
        step(st.builds(dc.StudentLeaves, left_on=days(), reason=REASONS)),
    ),
    ["platform"],
    create=STUDENT_CREATE,
)

# -- safety ----------------------------------------------------------------------------------


def closed_by_someone_else(command: Any, before: Any, events: list[DomainEvent], after: Any, actor: str) -> None:
    if after.status is hz.HazardStatus.CLOSED:
        assert before.status is hz.HazardStatus.RECTIFIED and actor != before.rectified_by
    if before.status is hz.HazardStatus.CLOSED:
        raise AssertionError("a closed hazard changed")


HAZARD_CREATE = step(
    st.builds(
        hz.ReportHazard,
        hazard_id=st.just("wall-tiles"),
        campus_id=st.just("main"),
        area=NAMES,
        description=st.just("外墙墙砖脱落"),
        severity=st.sampled_from(list(Severity)),
        reported_at=times(),
    )
)
HAZARD = machine(
    "HazardMachine",
    hz.Hazard,
    SAFETY_EVENTS,
    "wall-tiles",
    st.one_of(
        HAZARD_CREATE,
        step(st.builds(hz.AssignHazard, assignee_id=st.sampled_from(["wang-tech", "li-guard"]))),
        step(st.builds(hz.EscalateHazard, authority=st.just("新北区教育局 基建科"))),
        step(st.builds(hz.RectifyHazard, rectified_at=times(), note=st.just("重新铺贴"))),
        step(st.builds(hz.VerifyHazard, passed=st.booleans(), note=st.sampled_from(["", "仍有松动"]))),
    ),
    ["zhou", "wang-tech", "li-guard"],
    check=closed_by_someone_else,
    create=HAZARD_CREATE,
)


ITEMS = ["灭火器在有效期内", "安全出口畅通", "消防栓门板完好"]
AREAS = ["教学楼", "食堂"]


def completed_when_checked_and_signed(
    command: Any, before: Any, events: list[DomainEvent], after: Any, actor: str
) -> None:
    if after.completed and not before.completed:
        assert set(before.checklist) <= before.checked
        assert len(set(before.sign_offs)) >= ins.REQUIRED_SIGN_OFFS.get(before.kind, 0)
    assert len(set(after.sign_offs)) == len(after.sign_offs)
    assert not before.completed


INSPECTION_CREATE = step(
    st.builds(
        ins.StartInspection,
        inspection_id=st.just("fire-2020-10"),
        campus_id=st.just("main"),
        kind=st.sampled_from(list(InspectionKind)),
        areas=st.lists(st.sampled_from(AREAS), min_size=1, max_size=2, unique=True),
        checklist=st.lists(st.sampled_from(ITEMS), min_size=1, max_size=3, unique=True),
        started_at=times(),
    )
)
INSPECTION = machine(
    "InspectionMachine",
    ins.Inspection,
    SAFETY_EVENTS,
    "fire-2020-10",
    st.one_of(
        INSPECTION_CREATE,
        step(
            st.builds(
                ins.RecordFinding,
                item=st.sampled_from([*ITEMS, *ITEMS, "电梯年检"]),
                area=st.sampled_from([*AREAS, *AREAS, "操场"]),
                ok=st.booleans(),
                severity=st.none() | st.sampled_from(list(Severity)),
            ),
            {"hazard_id": "from-inspection"},
        ),
        step(st.just(ins.SignOffInspection())),
        step(st.builds(ins.CompleteInspection, completed_at=times(), summary=st.just("一处门板待修"))),
    ),
    ["zhou", "xu-vp", "gu"],
    check=completed_when_checked_and_signed,
    create=INSPECTION_CREATE,
)


# -- inventory -------------------------------------------------------------------------------

QUANTITIES = st.integers(1, 30)


def never_below_zero(command: Any, before: Any, events: list[DomainEvent], after: Any, actor: str) -> None:
    assert after.on_hand >= 0


STOCK_CREATE = step(
    st.builds(sk.ReceiveStock, campus_id=st.just("main"), item_id=st.just("broom"), quantity=QUANTITIES, reason=REASONS)
)
STOCK = machine(
    "StockMachine",
    sk.Stock,
    INVENTORY_EVENTS,
    "main-broom",
    st.one_of(
        STOCK_CREATE,
        step(
            st.builds(
                sk.ReceiveFromPurchase,
                campus_id=st.just("main"),
                item_id=st.just("broom"),
                quantity=QUANTITIES,
                purchase_id=st.just("p-1"),
            )
        ),
        step(
            st.builds(
                sk.IssueFromStock,
                campus_id=st.just("main"),
                item_id=st.just("broom"),
                quantity=QUANTITIES,
                recipient_kind=st.just(RecipientKind.PERSON),
                recipient_id=st.just("huang"),
                department_id=st.just("office"),
                term_id=st.just("2020-2021-1"),
                requisition_id=st.just("req-1"),
                exchange=st.booleans(),
                override_id=st.none(),
                line=st.just(0),
            )
        ),
        step(
            st.builds(
                sk.AdjustToCount,
                campus_id=st.just("main"),
                item_id=st.just("broom"),
                counted=st.integers(0, 40),
                stocktake_id=st.just("st-1"),
                counted_by=st.just("zhou"),
            )
        ),
    ),
    ["zhou", "houqin-inventory"],
    check=never_below_zero,
    create=STOCK_CREATE,
)


OVERRIDES = st.sampled_from(["extra-1", "extra-2"])
QUOTA_FACTS = {"department_id": "office", "item_id": "pen", "term_id": "2020-2021-1"}


def used_within_allowance(command: Any, before: Any, events: list[DomainEvent], after: Any, actor: str) -> None:
    if isinstance(command, sk.ConsumeQuota) and events:
        assert after.used <= after.allowance
        beyond = after.used > (after.quota or 0)
        assert events[0].override_id == (command.override_id if beyond else None)  # type: ignore[attr-defined]


QUOTA_CREATE = step(
    st.builds(
        sk.SetQuota,
        campus_id=st.just("main"),
        department_id=st.just("office"),
        item_id=st.just("pen"),
        term_id=st.just("2020-2021-1"),
        quantity=st.integers(0, 50),
    )
)
QUOTA = machine(
    "QuotaMachine",
    sk.Quota,
    INVENTORY_EVENTS,
    "main-office-pen-2020-2021-1",
    st.one_of(
        QUOTA_CREATE,
        step(
            st.builds(
                sk.ApproveQuotaOverride,
                campus_id=st.just("main"),
                department_id=st.just("office"),
                item_id=st.just("pen"),
                term_id=st.just("2020-2021-1"),
                override_id=OVERRIDES,
                extra=st.integers(1, 20),
                reason=REASONS,
            )
        ),
        step(
            st.builds(
                sk.ConsumeQuota,
                quantity=st.integers(1, 20),
                requisition_id=st.just("req-1"),
                override_id=st.none() | OVERRIDES,
                line=st.just(0),
            ),
            QUOTA_FACTS,
        ),
    ),
    ["zhou"],
    check=used_within_allowance,
    create=QUOTA_CREATE,
)


LINE_ITEMS = st.sampled_from(["broom", "gloves", "projector", None])


def accepted_by_enough_others(command: Any, before: Any, events: list[DomainEvent], after: Any, actor: str) -> None:
    assert after.requested_by not in after.signers
    assert len(set(after.signers)) == len(after.signers)
    if after.status is pc.PurchaseStatus.ACCEPTED and before.status is not pc.PurchaseStatus.ACCEPTED:
        assert len(after.signers) >= pc.signatures_needed(after.category, 2)
        accepted = events[-1]
        into = [(line.item_id, line.quantity) for line in accepted.into_stock]  # type: ignore[attr-defined]
        consumables = {"broom", "gloves"}
        assert into == [
            (after.lines[b.line].item_id, b.quantity)
            for b in after.bought
            if after.lines[b.line].item_id in consumables
        ]
    if before.status is pc.PurchaseStatus.SETTLED:
        raise AssertionError("a settled purchase changed")


PURCHASE_CREATE = step(
    st.builds(
        pc.RequestPurchase,
        purchase_id=st.just("p-2020-10"),
        campus_id=st.just("main"),
        category=st.sampled_from(list(PurchaseCategory)),
        lines=st.lists(
            st.builds(
                pc.PurchaseLineRequest,
                description=st.just("笤帚"),
                quantity=QUANTITIES,
                estimated_unit_price_fen=st.integers(0, 5000),
                item_id=LINE_ITEMS,
            ),
            min_size=1,
            max_size=3,
        ),
        reason=st.just("期初保洁用品补充"),
    )
)
PURCHASE = machine(
    "PurchaseMachine",
    pc.Purchase,
    INVENTORY_EVENTS,
    "p-2020-10",
    st.one_of(
        PURCHASE_CREATE,
        step(st.builds(pc.ApprovePurchase)),
        step(st.builds(pc.RejectPurchase, reason=REASONS)),
        step(
            st.builds(
                pc.RecordPurchase,
                supplier=st.just("某某商贸"),
                bought=st.lists(
                    st.builds(
                        pc.BoughtLineRequest,
                        line=st.integers(0, 3),
                        quantity=QUANTITIES,
                        unit_price_fen=st.integers(0, 5000),
                    ),
                    min_size=1,
                    max_size=3,
                ),
                bought_on=days(),
            )
        ),
        step(
            st.builds(pc.SignAcceptance),
            {"as_role": "acceptance_member", "quorum": "2", "consumables": "broom,gloves"},
        ),
        step(
            st.builds(
                pc.SettlePurchase,
                invoice_ref=st.just("发票 No. 1"),
                amount_fen=st.integers(0, 10**6),
                settled_on=days(),
            )
        ),
    ),
    ["zhou", "xu-vp", "team-a", "team-b"],
    check=accepted_by_enough_others,
    create=PURCHASE_CREATE,
)


def verified_by_someone_else(command: Any, before: Any, events: list[DomainEvent], after: Any, actor: str) -> None:
    if after.status is rp.RepairStatus.VERIFIED and before.status is not rp.RepairStatus.VERIFIED:
        assert actor not in (before.done_by, before.assignee_id)
    if isinstance(command, rp.ReassignForHazard) and events:
        # the hazard's rework is the hazard's: a done repair is not reassigned
        assert len(events) == 1 and before.status in (rp.RepairStatus.REPORTED, rp.RepairStatus.ASSIGNED)


REPAIR_CREATE = step(
    st.builds(
        rp.OpenRepairForHazard,
        hazard_id=st.just("manhole"),
        campus_id=st.just("main"),
        place=NAMES,
        description=st.just("窨井盖下沉"),
        assignee_id=st.sampled_from(["wang-tech", "li-guard"]),
        reported_by=st.just("zhou"),
        reported_at=times(),
    )
)
REPAIR = machine(
    "RepairMachine",
    rp.Repair,
    INVENTORY_EVENTS,
    "hazard-manhole",
    st.one_of(
        REPAIR_CREATE,
        step(
            st.builds(
                rp.ReassignForHazard,
                assignee_id=st.sampled_from(["wang-tech", "li-guard"]),
                assigned_by=st.just("zhou"),
                assigned_at=times(),
            )
        ),
        step(st.builds(rp.AssignRepair, assignee_id=st.sampled_from(["wang-tech", "li-guard"]))),
        step(st.builds(rp.CompleteRepair, done_at=times(120), note=st.just("更换井盖"))),
        step(st.builds(rp.VerifyRepair)),
    ),
    ["zhou", "gu", "wang-tech", "li-guard"],
    check=verified_by_someone_else,
    create=REPAIR_CREATE,
)


MACHINES = [SCHOOL, CAMPUS, CLASS, STAFF, STUDENT, HAZARD, INSPECTION, STOCK, QUOTA, PURCHASE, REPAIR]


@pytest.mark.parametrize("machine_class", MACHINES, ids=[m.__name__.removesuffix("Machine") for m in MACHINES])
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    test_case = machine_class.TestCase
    test_case.settings = SETTINGS
    test_case("runTest").runTest()
