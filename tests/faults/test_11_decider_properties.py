"""Property tests of the aggregates' deciders: random command sequences, an in-memory store.

Each state machine drives one aggregate instance (one stream) with random commands from
small pools of ids, actors and values, so that the interesting refusals happen (the
fixer verifying their own fix, the requester signing, issuing beyond stock...). The
store is a list of envelopes as they go over the wire (JSON). At every step:

- the state the decider decides on is the fold of the stored events, decoded from the
  wire, and it equals the state evolved from the events as decided (nothing the state
  needs is lost on the way through the store);
- a command either decides events or is refused with ``Rejected`` (never another
  exception, unless a machine names it: an asset's damage refused for its input is an
  ``InvalidInput``), deciding twice on one state gives the same events (no clock, no
  ids) or the same refusal, and a refused command appends nothing;
- each aggregate's own invariants hold (stock never below zero, quota use within its
  allowance, a purchase accepted only with enough distinct signers other than the
  requester, a hazard closed only by someone other than its fixer, a stock-take closed
  with its counts as the book, ...), and where a machine says which commands its rules
  allow (``refused_only_when``), nothing they allow is refused.

The facts a handler resolves are passed as it would (from the directory, or read from the
stream itself, like who delivered a safety session). The other aggregates of the safety
and inventory services are in ``test_11b_decider_properties_more``, which also checks that
every decider of the services has a machine.

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
from services.directory.events import DIRECTORY_EVENTS, Admission, ParentLinked, ParentRegistered
from services.directory.organisation import Campus, District, School
from services.directory.people import Parent, SchoolClass, StaffMember, Student
from services.eventkit.auth import Role
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent, Envelope, EventRegistry, TenantPath, new_envelope
from services.eventkit.errors import HouqinError, Rejected
from services.inventory import procurement as pc
from services.inventory import repairs as rp
from services.inventory import stock as sk
from services.inventory import stocktake as stt
from services.inventory.events import (
    INVENTORY_EVENTS,
    PurchaseCategory,
    RecipientKind,
    RequisitionFulfilled,
    StockCounted,
    StockTakeClosed,
    StockTakePeriod,
    StockTakeStarted,
)
from services.safety import hazards as hz
from services.safety import inspections as ins
from services.safety.events import SAFETY_EVENTS, InspectionKind, Severity

pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")

START = datetime(2020, 9, 1, 8, 0, tzinfo=UTC)
TENANT = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
NAMES = st.sampled_from(["本部", "奥园校区", "六1班", "薛家实验小学"])
REASONS = st.sampled_from(["并入本部", "调往他校", "转学", "库存尚足"])
Step = tuple[Any, dict[str, str]]  # a command and the facts its handler would resolve
Check = Callable[[Resolved[Any], Any, list[DomainEvent], Any], None]  # (resolved command, before, events, after)
Resolve = Callable[["DeciderMachine", Any], dict[str, str]]  # facts a handler reads from the stream itself
Refusal = Callable[[Resolved[Any], Any, HouqinError], None]  # (resolved command, state, the refusal)


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
    resolve: Resolve | None = None
    refusals: tuple[type[HouqinError], ...] = (Rejected,)
    on_refusal: Refusal | None = None

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
        if self.resolve is not None:
            facts = {**facts, **type(self).resolve(self, command)}  # type: ignore[misc]
        rc = Resolved(command, self.tenant, self.entity_id, facts, actor=actor, at=self.clock)
        used = self.stored_state()
        assert used == self.state, "the fold of the stored events is not the state the decider used"
        before = list(self.wire)
        try:
            events = list(self.decider.decide(rc, used))
        except self.refusals as refusal:
            self.refused += 1
            with pytest.raises(type(refusal)):  # refused again, the same way
                self.decider.decide(rc, used)
            if self.on_refusal is not None:
                type(self).on_refusal(rc, used, refusal)  # type: ignore[misc]
            assert self.wire == before
            assert self.stored_state() == used
            return
        assert list(self.decider.decide(rc, used)) == events, "deciding twice gave other events"
        after = self.decider.fold(events, used)
        if self.check is not None:
            type(self).check(rc, used, events, after)  # type: ignore[misc]
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
    resolve: Resolve | None = None,
    refusals: tuple[type[HouqinError], ...] = (Rejected,),
    on_refusal: Refusal | None = None,
) -> type[DeciderMachine]:
    """A machine over one stream of ``decider``; ``create`` (most runs) opens it first.

    ``resolve`` adds the facts a handler reads from the stream (the machine's wire);
    ``refusals`` are the errors a refused command may raise (``()``: it is never refused),
    and ``on_refusal`` checks each refusal against the state it was decided on.
    """

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
    Machine.resolve = staticmethod(resolve) if resolve else None  # type: ignore[assignment]
    Machine.on_refusal = staticmethod(on_refusal) if on_refusal else None  # type: ignore[assignment]
    Machine.refusals = refusals
    return Machine


def step(strategy: st.SearchStrategy[Any], facts: dict[str, str] | None = None) -> st.SearchStrategy[Step]:
    return strategy.map(lambda c: (c, dict(facts or {})))


def refused_only_when(allowed: Callable[[Resolved[Any], Any], bool]) -> Refusal:
    """The command is refused only where the aggregate's rules (``allowed``) forbid it."""

    def on_refusal(rc: Resolved[Any], state: Any, refusal: HouqinError) -> None:
        assert not allowed(rc, state), f"{type(rc.command).__name__} refused though the rules allow it: {refusal}"

    return on_refusal


SETTINGS = settings(
    max_examples=40,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# -- directory ---------------------------------------------------------------------------------


def no_overlapping_terms(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
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


def one_class_teacher(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
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


def staff_roles_are_sound(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
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


def registered_once(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    assert not before.exists and after.exists and after.name == rc.command.name


DISTRICT = machine(
    "DistrictMachine",
    District,
    DIRECTORY_EVENTS,
    "xinbei",
    step(st.builds(dc.RegisterDistrict, district_id=st.just("xinbei"), name=st.sampled_from(["新北区", "武进区"]))),
    ["platform"],
    tenant=TenantPath(district_id="xinbei"),
    check=registered_once,
)


CHILD_CLASS = {"yao": "g6-1", "lin": "g1-1", "chen": "g2-3"}


def each_child_linked_once(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    assert len(set(after.children)) == len(after.children)
    assert after.children[: len(before.children)] == before.children, "a link was undone"
    (event,) = events
    if isinstance(event, ParentLinked):
        assert before.exists and event.student_id == rc.command.student_id not in before.children
        assert (event.parent_id, event.class_id) == (rc.entity_id, rc.facts["class_id"])
    else:
        assert isinstance(event, ParentRegistered) and not before.exists
        assert event.district_id == rc.tenant.district_id


PARENT_CREATE = step(
    st.builds(
        dc.RegisterParent,
        parent_id=st.just("yao-mum"),
        school_id=st.just("xuexiao"),
        name=st.sampled_from(["姚妈妈", "林爸爸"]),
        phone=st.sampled_from(["", "138 0000 0000"]),
    )
)
PARENT = machine(
    "ParentMachine",
    Parent,
    DIRECTORY_EVENTS,
    "yao-mum",
    st.one_of(
        PARENT_CREATE,
        st.builds(
            dc.LinkParent, student_id=st.sampled_from(sorted(CHILD_CLASS)), relation=st.sampled_from(["mother", "父亲"])
        ).map(lambda c: (c, {"class_id": CHILD_CLASS[c.student_id]})),
    ),
    ["platform", "xinbei-admin"],
    tenant=TenantPath(district_id="xinbei", school_id="xuexiao"),
    check=each_child_linked_once,
    create=PARENT_CREATE,
)

# -- safety ----------------------------------------------------------------------------------


def closed_by_someone_else(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    if after.status is hz.HazardStatus.CLOSED:
        assert before.status is hz.HazardStatus.RECTIFIED and rc.actor != before.rectified_by
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


def completed_when_checked_and_signed(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
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


def never_below_zero(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
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


def used_within_allowance(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    if isinstance(rc.command, sk.ConsumeQuota) and events:
        assert after.used <= after.allowance
        beyond = after.used > (after.quota or 0)
        assert events[0].override_id == (rc.command.override_id if beyond else None)  # type: ignore[attr-defined]


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


def accepted_by_enough_others(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
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


def verified_by_someone_else(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    if after.status is rp.RepairStatus.VERIFIED and before.status is not rp.RepairStatus.VERIFIED:
        assert rc.actor not in (before.done_by, before.assignee_id)
    if isinstance(rc.command, rp.ReassignForHazard) and events:
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


# -- inventory: stock-taking, the catalogue, requisitions -------------------------------------


BOOK = {"broom": 2, "gloves": 0, "pen": 3}  # what the stock streams have on hand


def variances(m: DeciderMachine, command: Any) -> dict[str, str]:
    """What the close route counts: the adjustments of the stock streams, one per count off the book."""
    if not isinstance(command, stt.CloseStockTake):
        return {}
    state = m.stored_state()
    if state.status is not stt.StockTakeStatus.OPEN:
        return {"variances": "0"}  # no adjustment: the stock-take refuses
    return {"variances": str(sum(c.counted != BOOK[c.item_id] for c in state.counts))}


def closed_with_its_counts(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    cmd = rc.command
    assert before.status is not stt.StockTakeStatus.CLOSED, "a closed stock-take changed"
    counted = [c.item_id for c in after.counts]
    assert len(set(counted)) == len(counted), "an item with two counts"
    assert counted[: len(before.counts)] == [c.item_id for c in before.counts]
    if isinstance(cmd, stt.RecordCount):
        latest = stt.Count(cmd.item_id, cmd.counted, rc.actor)
        assert (events == []) == (before.count_of(cmd.item_id) == latest), "a recount replaces the count"
        assert after.count_of(cmd.item_id) == latest
        assert [c for c in after.counts if c.item_id != cmd.item_id] == [
            c for c in before.counts if c.item_id != cmd.item_id
        ]
        assert all(isinstance(e, StockCounted) and e.counted_by == rc.actor for e in events)
        return
    (event,) = events
    if isinstance(event, StockTakeStarted):
        assert before.status is None and not rc.facts.get("open_stocktake"), "two open stock-takes on a campus"
        assert event.started_by == rc.actor
        return
    assert isinstance(event, StockTakeClosed) and before.counts, "closed without a count"
    assert event.items == len(before.counts)
    assert event.variances == len([c for c in before.counts if c.counted != BOOK[c.item_id]])
    assert after.counts == before.counts
    # closing makes every count the book of its item
    book = {a.item_id: (a.counted, a.counted_by) for a in stt.adjustments(after, rc.entity_id)}
    assert book == {c.item_id: (c.counted, c.counted_by) for c in before.counts}
    assert all(
        (a.campus_id, a.stocktake_id) == (after.campus_id, rc.entity_id) for a in stt.adjustments(after, rc.entity_id)
    )


def stocktake_allowed(rc: Resolved[Any], state: Any) -> bool:
    if isinstance(rc.command, stt.StartStockTake):
        return state.status is None and not rc.facts.get("open_stocktake")
    if state.status is not stt.StockTakeStatus.OPEN:
        return False
    return isinstance(rc.command, stt.RecordCount) or bool(state.counts)


STOCKTAKE_CREATE = st.builds(
    lambda cmd, open_one: (cmd, {"open_stocktake": open_one}),
    st.builds(
        stt.StartStockTake,
        stocktake_id=st.just("st-main-2020-10"),
        campus_id=st.just("main"),
        period=st.sampled_from(list(StockTakePeriod)),
        started_on=days(),
    ),
    st.sampled_from(["", "", "st-main-2020-09"]),  # the handler: the campus's open stock-take, if any
)
STOCKTAKE = machine(
    "StockTakeMachine",
    stt.StockTake,
    INVENTORY_EVENTS,
    "st-main-2020-10",
    st.one_of(
        STOCKTAKE_CREATE,
        step(st.builds(stt.RecordCount, item_id=st.sampled_from(sorted(BOOK)), counted=st.integers(0, 3))),
        step(st.builds(stt.CloseStockTake, closed_on=days())),
    ),
    ["zhou", "gu", "wang-tech"],
    check=closed_with_its_counts,
    create=STOCKTAKE_CREATE,
    resolve=variances,
    on_refusal=refused_only_when(stocktake_allowed),
)

PRICES = st.sampled_from([0, 1500, 1800])
REORDER_POINTS = st.sampled_from([0, 10, 20])


def changed_only_when_different(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    cmd = rc.command
    if isinstance(cmd, sk.CatalogueItem):
        assert not before.exists, "an item catalogued twice"
        assert after == sk.ItemState(True, cmd.consumable, cmd.unit_price_fen, cmd.reorder_point)
        return
    assert before.exists and after.consumable == before.consumable
    if isinstance(cmd, sk.RepriceItem):
        assert (events == []) == (before.unit_price_fen == cmd.unit_price_fen)
        assert (after.unit_price_fen, after.reorder_point) == (cmd.unit_price_fen, before.reorder_point)
    else:
        assert (events == []) == (before.reorder_point == cmd.reorder_point)
        assert (after.unit_price_fen, after.reorder_point) == (before.unit_price_fen, cmd.reorder_point)


ITEM_CREATE = step(
    st.builds(
        sk.CatalogueItem,
        item_id=st.just("broom"),
        school_id=st.just("xuexiao"),
        name=st.just("笤帚"),
        unit=st.just("把"),
        category=st.just("卫生洁具"),
        consumable=st.booleans(),
        unit_price_fen=PRICES,
        reorder_point=REORDER_POINTS,
    )
)
ITEM = machine(
    "ItemMachine",
    sk.Item,
    INVENTORY_EVENTS,
    "broom",
    st.one_of(
        ITEM_CREATE,
        step(st.builds(sk.RepriceItem, unit_price_fen=PRICES)),
        step(st.builds(sk.ChangeReorderPoint, reorder_point=REORDER_POINTS)),
    ),
    ["zhou"],
    tenant=TenantPath(district_id="xinbei", school_id="xuexiao"),
    check=changed_only_when_different,
    create=ITEM_CREATE,
    on_refusal=refused_only_when(lambda rc, state: state.exists != isinstance(rc.command, sk.CatalogueItem)),
)


def fulfilled_once_as_listed(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    cmd = rc.command
    assert isinstance(event, RequisitionFulfilled)
    assert not before.fulfilled and after.fulfilled, "a requisition fulfilled twice"
    assert [(li.item_id, li.quantity, li.exchange) for li in event.lines] == [
        (li.item_id, li.quantity, li.exchange) for li in cmd.lines
    ]
    assert event.term_id == rc.facts["term_id"]
    assert (event.issued_by, event.issued_at, event.requisition_id) == (rc.actor, rc.at, rc.entity_id)


REQUISITION = machine(
    "RequisitionMachine",
    sk.Requisition,
    INVENTORY_EVENTS,
    "req-2020-10-12-001",
    st.builds(
        lambda cmd, this_term: (cmd, {"term_id": cmd.term_id or this_term}),  # the handler: default, today's term
        st.builds(
            sk.IssueRequisition,
            requisition_id=st.just("req-2020-10-12-001"),
            campus_id=st.just("main"),
            department_id=st.just("office-teachers"),
            recipient_kind=st.sampled_from(list(RecipientKind)),
            recipient_id=st.sampled_from(["huang", "office-teachers"]),
            term_id=st.none() | st.just("2020-2021-2"),
            lines=st.lists(
                st.builds(
                    sk.RequisitionLineRequest,
                    item_id=st.sampled_from(["pen", "broom"]),
                    quantity=st.integers(1, 5),
                    exchange=st.booleans(),
                ),
                min_size=1,
                max_size=3,
            ),
        ),
        st.sampled_from(["2020-2021-1", "2020-2021-2"]),
    ),
    ["zhou"],
    check=fulfilled_once_as_listed,
    on_refusal=refused_only_when(lambda rc, state: not state.fulfilled),
)


MACHINES = [
    DISTRICT,
    SCHOOL,
    CAMPUS,
    CLASS,
    STAFF,
    STUDENT,
    PARENT,
    HAZARD,
    INSPECTION,
    STOCK,
    QUOTA,
    ITEM,
    REQUISITION,
    STOCKTAKE,
    PURCHASE,
    REPAIR,
]


def run_machine(machine_class: type[DeciderMachine]) -> None:
    """Runs one aggregate's state machine with this module's Hypothesis settings."""
    test_case = machine_class.TestCase
    test_case.settings = SETTINGS
    test_case("runTest").runTest()


@pytest.mark.parametrize("machine_class", MACHINES, ids=[m.__name__.removesuffix("Machine") for m in MACHINES])
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)
