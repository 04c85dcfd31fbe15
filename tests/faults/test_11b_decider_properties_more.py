"""Property tests of the rest of the aggregates' deciders (see ``test_11_decider_properties``).

The same machine drives one stream of each aggregate with random commands from small
pools, through an in-memory store of wire envelopes: the fold of the stored events is
the state decided on, deciding is deterministic, a refused command appends nothing.
Each aggregate adds the rules its decider enforces: a signed agreement is final and
only its party signs it (or a paper copy), a session is never checked by whoever
delivered it, an injury closes only once the parents were told, only the teachers told
of a special condition acknowledge it, a rectified bus violation stays rectified, an
asset is disposed of only after someone other than the requester approved it, a key
is out with one holder at a time, a charge is paid or waived once, ...; and a command
those rules allow is never refused.

No infrastructure: these run wherever the suite runs.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import strategies as st

import services
from services.eventkit.days import local_day
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent, Envelope
from services.eventkit.errors import HouqinError, InvalidInput, Rejected
from services.inventory import assets as ast
from services.inventory import compensation as cp
from services.inventory import keys as ky
from services.inventory.events import (
    INVENTORY_EVENTS,
    AssetDamaged,
    AssetDisposalApproved,
    AssetDisposalRequested,
    AssetDisposed,
    AssetMoved,
    AssetRegistered,
    AssetRepaired,
    ChargeAgainst,
    CompensationCharged,
    CompensationPaid,
    CompensationWaived,
    DamageCause,
    KeyIssued,
    KeyLost,
    KeyReturned,
    RoomAudited,
)
from services.safety import agreements as ag
from services.safety import buses as bs
from services.safety import drills as dr
from services.safety import education as ed
from services.safety import health as hr
from services.safety import injuries as inj
from services.safety import inspections as ins
from services.safety.events import (
    SAFETY_EVENTS,
    AgreementCampaignLaunched,
    AgreementRefused,
    AgreementSigned,
    AgreementsIssued,
    BusFile,
    BusItem,
    BusItemChanged,
    BusRegistered,
    BusRouteChecked,
    BusViolationRecorded,
    BusViolationRectified,
    DrillConducted,
    DrillKind,
    DrillPlanned,
    FlagCeremonyHeld,
    HealthRecordOpened,
    HealthRecordReviewed,
    InjuryClosed,
    InjuryFollowedUp,
    InjuryParentNotified,
    InjuryReported,
    InjurySetting,
    InspectionKind,
    IssuedAgreement,
    PartyKind,
    RoutePoint,
    RoutePointResult,
    SafetyCampaignActivityDone,
    SafetyCampaignLaunched,
    SafetyCampaignSummarised,
    SafetySessionChecked,
    SafetySessionPlanned,
    SessionResult,
    SpecialConditionAcknowledged,
    SpecialConditionRecorded,
)
from tests.faults.test_11_decider_properties import MACHINES as FIRST_MACHINES
from tests.faults.test_11_decider_properties import (
    TENANT,
    DeciderMachine,
    days,
    machine,
    refused_only_when,
    run_machine,
    step,
    times,
)

pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")

SCHOOL_DAY = ZoneInfo("Asia/Shanghai")  # a default day is the day at the school, not in UTC
TEXTS = st.sampled_from(["全体师生参加", "已处理", "缺少互动环节"])


def school_day(at: datetime) -> date:
    return at.astimezone(SCHOOL_DAY).date()


# -- safety: responsibility agreements ---------------------------------------------------------

STAFF_PARTIES = [
    IssuedAgreement(party_kind=PartyKind.STAFF, party_id="huang", name="黄老师"),
    IssuedAgreement(party_kind=PartyKind.STAFF, party_id="sun", name="孙师傅"),
]
PARENT_PARTIES = [
    IssuedAgreement(party_kind=PartyKind.PARENT, party_id="yao-mum", name="姚妈妈", class_id="g6-1"),
    IssuedAgreement(party_kind=PartyKind.PARENT, party_id="lin-dad", name="林爸爸", class_id="g1-1"),
]
PARTY_IDS = [p.party_id for p in STAFF_PARTIES + PARENT_PARTIES]
PARTY_KINDS = st.lists(st.sampled_from(list(PartyKind)), min_size=1, max_size=2, unique=True)


def a_signature_is_final(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    assert after.signed <= after.issued and after.refused <= after.issued
    assert not (after.signed & after.refused), "a party both signed and refused"
    assert before.signed <= after.signed and before.issued <= after.issued
    if before.launched:
        assert (after.campus_id, after.term_id, after.parties) == (before.campus_id, before.term_id, before.parties)
    (event,) = events
    cmd = rc.command
    match event:
        case AgreementCampaignLaunched():
            assert not before.launched and after.parties == tuple(cmd.parties)
        case AgreementsIssued():
            ids = [a.party_id for a in event.agreements]
            assert ids and len(set(ids)) == len(ids), "an agreement issued twice at once"
            assert not (set(ids) & before.issued), "an agreement issued again"
            kinds = set(cmd.parties) if cmd.parties is not None else set(before.parties)
            assert kinds <= set(before.parties)
            assert all(a in cmd.candidates and a.party_kind in kinds for a in event.agreements)
            # everyone the directory listed, of those kinds, now has one
            assert {c.party_id for c in cmd.candidates if c.party_kind in kinds} <= after.issued
        case AgreementSigned():
            assert event.party_id in before.issued and event.party_id not in before.signed
            assert event.signed_by == rc.actor and event.signed_at == rc.at
            assert event.on_paper or rc.actor == event.party_id, "someone signed another's agreement"
        case AgreementRefused():
            assert event.party_id in before.issued - before.signed - before.refused
        case _:
            raise AssertionError(f"unexpected {event!r}")


def agreement_allowed(rc: Resolved[Any], state: Any) -> bool:
    cmd = rc.command
    if isinstance(cmd, ag.LaunchCampaign):
        return not state.launched
    if not state.launched:
        return False
    if isinstance(cmd, ag.IssueAgreementsTo):
        kinds = set(cmd.parties or state.parties)
        return kinds <= set(state.parties) and any(
            c.party_kind in kinds and c.party_id not in state.issued for c in cmd.candidates
        )
    if cmd.party_id not in state.issued or cmd.party_id in state.signed:
        return False
    if isinstance(cmd, ag.SignAgreement):  # a refusal is not final: the party may still sign
        return cmd.on_paper or rc.actor == cmd.party_id
    return cmd.party_id not in state.refused


AGREEMENTS_CREATE = step(
    st.builds(
        ag.LaunchCampaign,
        campaign_id=st.just("main-2020-2021-1"),
        campus_id=st.just("main"),
        term_id=st.just("2020-2021-1"),
        title=st.just("2020-2021 第一学期 安全责任书"),
        document_ref=st.just("docs/agreements/2020-2021-1.pdf"),
        parties=PARTY_KINDS,
    )
)
AGREEMENTS = machine(
    "AgreementCampaignMachine",
    ag.AgreementCampaign,
    SAFETY_EVENTS,
    "main-2020-2021-1",
    st.one_of(
        AGREEMENTS_CREATE,
        step(
            st.builds(
                ag.IssueAgreementsTo,
                parties=st.none() | PARTY_KINDS,
                candidates=st.lists(
                    st.sampled_from(STAFF_PARTIES + PARENT_PARTIES), max_size=4, unique_by=lambda a: a.party_id
                ),
            )
        ),
        step(st.builds(ag.SignAgreement, party_id=st.sampled_from([*PARTY_IDS, "zhu"]), on_paper=st.booleans())),
        step(st.builds(ag.RefuseAgreement, party_id=st.sampled_from(PARTY_IDS), reason=st.just("对第五条有异议"))),
    ),
    ["zhou", *PARTY_IDS],
    check=a_signature_is_final,
    create=AGREEMENTS_CREATE,
    on_refusal=refused_only_when(agreement_allowed),
)

# -- safety: drills ----------------------------------------------------------------------------

DRILL_STEPS = [None, dr.DrillStatus.PLANNED, dr.DrillStatus.CONDUCTED, dr.DrillStatus.SUMMARISED]


def planned_conducted_summarised(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    assert DRILL_STEPS.index(after.status) == DRILL_STEPS.index(before.status) + 1, "a drill step skipped or repeated"
    if isinstance(event, DrillPlanned):
        assert (after.campus_id, after.kind) == (rc.command.campus_id, rc.command.kind)
    else:
        assert (after.campus_id, after.kind) == (before.campus_id, before.kind)
    if isinstance(event, DrillConducted):
        assert (event.drill_id, event.campus_id, event.kind) == (rc.entity_id, before.campus_id, before.kind)


def drill_allowed(rc: Resolved[Any], state: Any) -> bool:
    previous: dict[type, dr.DrillStatus | None] = {
        dr.PlanDrill: None,
        dr.ConductDrill: dr.DrillStatus.PLANNED,
        dr.SummariseDrill: dr.DrillStatus.CONDUCTED,
    }
    return state.status is previous[type(rc.command)]


DRILL_CREATE = step(
    st.builds(
        dr.PlanDrill,
        drill_id=st.just("main-fire-2020-12"),
        campus_id=st.sampled_from(["main", "aoyuan"]),
        kind=st.sampled_from(list(DrillKind)),
        title=st.just("119消防疏散演练"),
        planned_on=days(),
        plan_ref=st.just("drills/2020-12/fire-plan.pdf"),
    )
)
DRILL = machine(
    "DrillMachine",
    dr.Drill,
    SAFETY_EVENTS,
    "main-fire-2020-12",
    st.one_of(
        DRILL_CREATE,
        step(
            st.builds(
                dr.ConductDrill,
                conducted_on=days(),
                participants=st.integers(1, 2000),
                evacuation_seconds=st.none() | st.integers(1, 600),
                record_ref=st.sampled_from(["", "drills/2020-12/fire-record.pdf"]),
            )
        ),
        step(st.builds(dr.SummariseDrill, summary=st.just("3分05秒完成疏散"), report_ref=st.just(""))),
    ),
    ["zhou", "xu-vp"],
    check=planned_conducted_summarised,
    create=DRILL_CREATE,
    on_refusal=refused_only_when(drill_allowed),
)

# -- safety: education -------------------------------------------------------------------------

SESSION_STEPS = [None, ed.SessionStatus.PLANNED, ed.SessionStatus.DELIVERED, ed.SessionStatus.CHECKED]
FRIDAYS = st.integers(0, 20).map(lambda w: date(2020, 9, 4) + timedelta(weeks=w))


def delivered_by(m: DeciderMachine, command: Any) -> dict[str, str]:
    """What the check route reads from the store: the actor of the session's delivery."""
    if not isinstance(command, ed.CheckSession):
        return {}
    for raw in m.wire:
        envelope = Envelope.from_wire(raw)
        if envelope.type == "safety.SafetySessionDelivered":
            return {"delivered_by": envelope.actor or ""}
    return {}


def checked_by_another(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    assert SESSION_STEPS.index(after.status) == SESSION_STEPS.index(before.status) + 1
    if isinstance(event, SafetySessionPlanned):
        assert event.teacher_id == (rc.command.teacher_id or rc.actor)
        assert event.campus_id == rc.tenant.campus_id
    else:
        assert (after.class_id, after.teacher_id) == (before.class_id, before.teacher_id)
    if isinstance(event, SafetySessionChecked):
        assert event.checked_by == rc.actor != rc.facts["delivered_by"], "a session checked by who delivered it"


def session_allowed(rc: Resolved[Any], state: Any) -> bool:
    if isinstance(rc.command, ed.PlanSession):
        return state.status is None
    if isinstance(rc.command, ed.DeliverSession):
        return state.status is ed.SessionStatus.PLANNED
    return state.status is ed.SessionStatus.DELIVERED and rc.actor != rc.facts["delivered_by"]


SESSION_CREATE = step(
    st.builds(
        ed.PlanSession,
        session_id=st.just("g6-1-2020-10-16"),
        class_id=st.just("g6-1"),
        week_of=FRIDAYS,
        theme=st.sampled_from(["防溺水", "交通安全"]),
        lesson_prep_ref=st.just("prep/g6-1/2020-10-16.docx"),
        teacher_id=st.none() | st.sampled_from(["huang", "sun"]),
    )
)
SESSION = machine(
    "SafetySessionMachine",
    ed.SafetySession,
    SAFETY_EVENTS,
    "g6-1-2020-10-16",
    st.one_of(
        SESSION_CREATE,
        step(st.builds(ed.DeliverSession, delivered_on=days())),
        step(st.builds(ed.CheckSession, result=st.sampled_from(list(SessionResult)), note=TEXTS)),
    ),
    ["huang", "sun", "zhou", "gu"],
    check=checked_by_another,
    create=SESSION_CREATE,
    resolve=delivered_by,
    on_refusal=refused_only_when(session_allowed),
)


def one_ceremony_a_month(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    assert isinstance(event, FlagCeremonyHeld)
    assert before.held_on is None, "a second ceremony in one month"
    assert after.held_on == event.held_on == rc.command.held_on
    assert event.ceremony_id == rc.entity_id == ed.ceremony_id(event.campus_id, event.held_on)


CEREMONY = machine(
    "FlagCeremonyMachine",
    ed.FlagCeremony,
    SAFETY_EVENTS,
    "main-2020-10",
    step(
        st.builds(
            ed.HoldFlagCeremony,
            campus_id=st.just("main"),
            held_on=st.integers(1, 31).map(lambda d: date(2020, 10, d)),  # the route files it under its month
            theme=st.just("珍爱生命 预防溺水"),
            speaker=st.sampled_from(["", "徐副校长"]),
        )
    ),
    ["zhou", "xu-vp"],
    check=one_ceremony_a_month,
    on_refusal=refused_only_when(lambda rc, state: state.held_on is None),
)


ACTIVITIES = ["一次国旗下讲话", "一节班队活动课", "一次校车事故演练"]


def summarised_once_all_done(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    assert not before.summarised, "a summarised campaign changed"
    assert after.done <= set(after.activities)
    if isinstance(event, SafetyCampaignLaunched):
        assert not before.launched and after.activities == tuple(rc.command.activities)
    else:
        assert before.launched and after.activities == before.activities
    if isinstance(event, SafetyCampaignActivityDone):
        assert event.activity in before.activities and event.activity not in before.done
    if isinstance(event, SafetyCampaignSummarised):
        assert before.done == set(before.activities), "summarised with activities not done"


def campaign_allowed(rc: Resolved[Any], state: Any) -> bool:
    cmd = rc.command
    if isinstance(cmd, ed.LaunchCampaign):
        return not state.launched
    if not state.launched or state.summarised:
        return False
    if isinstance(cmd, ed.MarkActivityDone):
        return cmd.activity in state.activities and cmd.activity not in state.done
    return bool(state.done == set(state.activities))


CAMPAIGN_CREATE = step(
    st.builds(
        ed.LaunchCampaign,
        campaign_id=st.just("main-traffic-day-2020"),
        campus_id=st.just("main"),
        title=st.just('交通安全日 "六个一"'),
        activities=st.lists(st.sampled_from(ACTIVITIES), min_size=1, max_size=3, unique=True),
        starts_on=days(),
    )
)
CAMPAIGN = machine(
    "SafetyCampaignMachine",
    ed.SafetyCampaign,
    SAFETY_EVENTS,
    "main-traffic-day-2020",
    st.one_of(
        CAMPAIGN_CREATE,
        step(
            st.builds(
                ed.MarkActivityDone, activity=st.sampled_from([*ACTIVITIES, "一个宣传橱窗"]), done_on=days(), note=TEXTS
            )
        ),
        step(st.builds(ed.SummariseCampaign, summary=st.just("全部完成"))),
    ),
    ["zhou"],
    check=summarised_once_all_done,
    create=CAMPAIGN_CREATE,
    on_refusal=refused_only_when(campaign_allowed),
)

# -- safety: the rhythm of inspections ---------------------------------------------------------


def rhythm_as_last_set(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    cmd = rc.command
    explicit = dict(before.rhythm)
    assert (events == []) == (cmd.kind in explicit and explicit[cmd.kind] == cmd.every_days), (
        "a rhythm set again to what it is must record nothing, anything else must be recorded"
    )
    now = dict(after.rhythm)
    assert now[cmd.kind] == cmd.every_days
    assert {k: v for k, v in now.items() if k != cmd.kind} == {k: v for k, v in explicit.items() if k != cmd.kind}
    kinds = [k for k, _ in after.rhythm]
    assert kinds == sorted(set(kinds))


SCHEDULE = machine(
    "InspectionScheduleMachine",
    ins.InspectionSchedule,
    SAFETY_EVENTS,
    "main",
    step(
        st.builds(
            ins.SetInspectionSchedule,
            kind=st.sampled_from(list(InspectionKind)),
            every_days=st.sampled_from([None, 1, 7, 31]),
        )
    ),
    ["zhou"],
    check=rhythm_as_last_set,
    refusals=(),  # setting a rhythm is never refused
)

# -- safety: injuries --------------------------------------------------------------------------


def closed_once_parents_told(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    assert not before.closed, "a closed injury changed"
    assert after.parent_told >= before.parent_told
    if isinstance(event, InjuryReported):
        assert not before.reported
        assert (event.campus_id, event.class_id) == (rc.tenant.campus_id, rc.facts["class_id"])
        assert event.reported_by == rc.actor
    else:
        assert before.reported and after.occurred_at == before.occurred_at
    if isinstance(event, InjuryParentNotified):
        assert event.notified_at >= before.occurred_at, "parents told before it happened"
        assert event.notified_by == rc.actor
    if isinstance(event, InjuryFollowedUp):
        assert event.on >= local_day(before.occurred_at), "followed up before the day of the injury"
    if isinstance(event, InjuryClosed):
        assert before.parent_told, "closed before the parents were told"
        assert event.closed_on >= local_day(before.occurred_at), "closed before the day of the injury"


def injury_allowed(rc: Resolved[Any], state: Any) -> bool:
    cmd = rc.command
    if isinstance(cmd, inj.ReportInjury):
        return not state.reported
    if not state.reported or state.closed:
        return False
    if isinstance(cmd, inj.NotifyParent):
        return bool(cmd.notified_at >= state.occurred_at)
    injured_on = local_day(state.occurred_at)
    if isinstance(cmd, inj.FollowUp):
        return bool(cmd.on >= injured_on)
    return bool(state.parent_told and cmd.closed_on >= injured_on)


INJURY_CREATE = step(
    st.builds(
        inj.ReportInjury,
        injury_id=st.just("main-2020-10-19-yao"),
        student_id=st.just("yao"),
        setting=st.sampled_from(list(InjurySetting)),
        occurred_at=times(),
        injury=st.just("课间追逐撞到门框, 额头擦伤"),
        first_aid=st.just("医务室清洗消毒, 冰敷"),
    ),
    {"class_id": "g6-1"},
)
INJURY = machine(
    "InjuryMachine",
    inj.Injury,
    SAFETY_EVENTS,
    "main-2020-10-19-yao",
    st.one_of(
        INJURY_CREATE,
        step(st.builds(inj.NotifyParent, notified_at=times(), how=st.sampled_from(["电话", "当面"]))),
        step(st.builds(inj.FollowUp, on=days(), note=st.just("电话回访, 伤口愈合良好"))),
        step(
            st.builds(inj.CloseInjury, closed_on=days(), cause=st.just("课间在走廊追逐"), measures=st.just("班会强调"))
        ),
    ),
    ["zhou", "huang", "qian-medical"],
    check=closed_once_parents_told,
    create=INJURY_CREATE,
    on_refusal=refused_only_when(injury_allowed),
)

# -- safety: health records --------------------------------------------------------------------

TEACHERS = ["huang", "sun", "zhu"]
CONDITIONS = ["peanut-allergy", "asthma"]
NO_CLASS: dict[str, str] = {}  # the student is no longer in the directory: no class, no teachers
CONDITION_FACTS = st.just(NO_CLASS) | st.builds(
    lambda class_id, teachers: {hr.CLASS_ID: class_id, hr.TEACHERS: ",".join(teachers)},
    st.sampled_from(["g6-1", "g6-2"]),
    st.lists(st.sampled_from(TEACHERS), max_size=3, unique=True),
)


def only_told_teachers_acknowledge(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    assert set(before.conditions) <= set(after.conditions), "a special condition vanished"
    for condition_id, condition in after.conditions.items():
        assert condition.acknowledged <= set(condition.teachers_to_tell)
        was = before.conditions.get(condition_id)
        if was is not None:
            assert condition.teachers_to_tell == was.teachers_to_tell and was.acknowledged <= condition.acknowledged
    if before.opened:
        assert (after.class_id, after.admission) == (before.class_id, before.admission)
    (event,) = events
    cmd = rc.command
    match event:
        case HealthRecordOpened():
            assert not before.opened
            assert (event.class_id, event.admission) == (rc.facts[hr.CLASS_ID], rc.facts[hr.ADMISSION])
        case HealthRecordReviewed():
            assert event.reviewed_by == rc.actor and after.reviews == before.reviews + 1
            if cmd.reviewed_on is not None:
                assert event.reviewed_on == cmd.reviewed_on
            else:  # the day at the school it is recorded
                assert event.reviewed_on == school_day(rc.at)
        case SpecialConditionRecorded():
            assert before.opened and event.condition_id not in before.conditions
            told = {t for t in rc.facts.get(hr.TEACHERS, "").split(",") if t}
            assert event.teachers_to_tell == sorted(told), "not every teacher of the class is told"
            assert event.class_id == (rc.facts.get(hr.CLASS_ID) or before.class_id)
        case SpecialConditionAcknowledged():
            condition = before.conditions[event.condition_id]
            assert event.teacher_id == rc.actor
            assert rc.actor in condition.teachers_to_tell and rc.actor not in condition.acknowledged
        case _:
            raise AssertionError(f"unexpected {event!r}")


def health_allowed(rc: Resolved[Any], state: Any) -> bool:
    cmd = rc.command
    if isinstance(cmd, hr.OpenHealthRecord):
        return not state.opened
    if not state.opened:
        return False
    if isinstance(cmd, hr.RecordSpecialCondition):
        return cmd.condition_id not in state.conditions
    if isinstance(cmd, hr.AcknowledgeSpecialCondition):
        condition = state.conditions.get(cmd.condition_id)
        return condition is not None and rc.actor in set(condition.teachers_to_tell) - condition.acknowledged
    return True


HEALTH_CREATE = st.builds(
    lambda cmd, admission: (cmd, {hr.CLASS_ID: "g6-1", hr.ADMISSION: admission}),
    st.builds(
        hr.OpenHealthRecord,
        student_id=st.just("yao"),
        opened_on=days(),
        form_ref=st.sampled_from(["", "forms/health/yao.pdf"]),
    ),
    st.sampled_from(["new", "transfer"]),
)
HEALTH = machine(
    "HealthRecordMachine",
    hr.HealthRecord,
    SAFETY_EVENTS,
    "yao",
    st.one_of(
        HEALTH_CREATE,
        step(st.builds(hr.ReviewHealthRecord, notes=TEXTS, reviewed_on=st.none() | days())),
        st.tuples(
            st.builds(
                hr.RecordSpecialCondition,
                condition_id=st.sampled_from(CONDITIONS),
                description=st.just("花生过敏"),
                care_instructions=st.just("避免含花生食物"),
            ),
            CONDITION_FACTS,
        ),
        step(st.builds(hr.AcknowledgeSpecialCondition, condition_id=st.sampled_from([*CONDITIONS, "epilepsy"]))),
    ),
    ["qian-medical", *TEACHERS],
    check=only_told_teachers_acknowledge,
    create=HEALTH_CREATE,
    on_refusal=refused_only_when(health_allowed),
)


def test_a_review_without_a_day_is_dated_at_the_school() -> None:
    """The HealthRecordMachine's shrunk example: the record opened, a review at 00:00 at the school."""
    opened = hr.HealthRecord.fold(
        [HealthRecordOpened(student_id="yao", class_id="g6-1", admission="new", opened_on=date(2020, 9, 1))]
    )
    at = datetime(2020, 9, 1, 16, 0, tzinfo=UTC)  # 2020-09-02 00:00 at the school
    review = Resolved(hr.ReviewHealthRecord(), TENANT, "yao", actor="qian-medical", at=at)
    (event,) = hr.HealthRecord.decide(review, opened)
    assert isinstance(event, HealthRecordReviewed)
    assert event.reviewed_on == date(2020, 9, 2)


# -- safety: school buses ----------------------------------------------------------------------

BUS_VALUES: dict[BusItem, list[str]] = {
    BusItem.VEHICLE: ["苏D·X1234 宇通ZK6609DX", "苏D·X5678 金龙XMQ6601"],
    BusItem.DRIVER: ["张师傅", "王师傅"],
    BusItem.ROUTE: ["薛家镇—本部", "奥园—本部"],
    BusItem.TIMES: ["07:10-07:50, 16:00-16:40", "07:00-07:40"],
    BusItem.ESCORT: ["刘老师", "陈老师"],
}
STOPS = st.lists(st.sampled_from(["顺园小区", "薛家镇政府", "本部东门"]), min_size=1, max_size=2, unique=True)
VIOLATIONS = ["main-bus-1-v1", "main-bus-1-v2"]


def bus_change(item: BusItem) -> st.SearchStrategy[bs.ChangeBusItem]:
    value: st.SearchStrategy[Any] = STOPS if item is BusItem.STOPS else st.sampled_from(BUS_VALUES[item])
    return st.builds(
        bs.ChangeBusItem, item=st.just(item), value=value, reason=st.just("原驾驶员退休"), effective_on=days()
    )


def rectified_stays_rectified(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    assert [item for item, _ in after.items] == list(BusItem), "the file lost one of the six fixed items"
    ids = [v for v, _ in after.violations]
    assert len(set(ids)) == len(ids) and after.open_violations <= set(ids)
    known = dict(before.violations)
    assert not (set(known) - before.open_violations) & after.open_violations, "a rectified violation reopened"
    assert before.checks <= after.checks
    if before.registered:
        assert after.campus_id == before.campus_id
    (event,) = events
    cmd = rc.command
    match event:
        case BusRegistered():
            assert not before.registered
        case BusItemChanged():
            assert after.item(cmd.item) == cmd.value != before.item(cmd.item), "an item 'changed' to what it was"
            assert [kv for kv in after.items if kv[0] != cmd.item] == [kv for kv in before.items if kv[0] != cmd.item]
        case BusRouteChecked():
            assert event.check_id not in before.checks and event.checked_by == rc.actor
            assert {r.point for r in event.results} == set(RoutePoint)
        case BusViolationRecorded():
            assert event.violation_id not in known
        case BusViolationRectified():
            assert event.violation_id in before.open_violations
            assert event.rectified_on >= known[event.violation_id], "rectified before it happened"
        case _:
            raise AssertionError(f"unexpected {event!r}")


def bus_allowed(rc: Resolved[Any], state: Any) -> bool:
    cmd = rc.command
    if isinstance(cmd, bs.RegisterBus):
        return not state.registered
    if not state.registered:
        return False
    known = dict(state.violations)
    match cmd:
        case bs.ChangeBusItem():
            return bool(state.item(cmd.item) != cmd.value)
        case bs.RecordRouteCheck():
            return cmd.check_id not in state.checks
        case bs.RecordViolation():
            return cmd.violation_id not in known
        case _:
            return cmd.violation_id in state.open_violations and cmd.rectified_on >= known[cmd.violation_id]


BUS_CREATE = step(
    st.builds(
        bs.RegisterBus,
        bus_id=st.just("main-bus-1"),
        campus_id=st.just("main"),
        file=st.builds(
            BusFile,
            vehicle=st.sampled_from(BUS_VALUES[BusItem.VEHICLE]),
            driver=st.sampled_from(BUS_VALUES[BusItem.DRIVER]),
            route=st.sampled_from(BUS_VALUES[BusItem.ROUTE]),
            stops=STOPS,
            times=st.sampled_from(BUS_VALUES[BusItem.TIMES]),
            escort=st.sampled_from(BUS_VALUES[BusItem.ESCORT]),
        ),
        registered_on=days(),
    )
)
BUS = machine(
    "SchoolBusMachine",
    bs.SchoolBus,
    SAFETY_EVENTS,
    "main-bus-1",
    st.one_of(
        BUS_CREATE,
        step(st.sampled_from(list(BusItem)).flatmap(bus_change)),
        step(
            st.builds(
                bs.RecordRouteCheck,
                check_id=st.sampled_from(["main-bus-1-2020-10", "main-bus-1-2020-11"]),
                checked_on=days(),
                results=st.permutations(list(RoutePoint))
                .flatmap(lambda points: st.tuples(*(st.builds(RoutePointResult, point=st.just(p)) for p in points)))
                .map(list),
            )
        ),
        step(
            st.builds(
                bs.RecordViolation,
                violation_id=st.sampled_from(VIOLATIONS),
                occurred_on=days(),
                description=st.just("超员行驶"),
            )
        ),
        step(
            st.builds(
                bs.RectifyViolation,
                violation_id=st.sampled_from([*VIOLATIONS, "main-bus-1-v9"]),
                rectified_on=days(),
                measures=st.just("驾驶员培训"),
            )
        ),
    ),
    ["zhou", "gu"],
    check=rectified_stays_rectified,
    create=BUS_CREATE,
    on_refusal=refused_only_when(bus_allowed),
)

# -- inventory: room assets --------------------------------------------------------------------

ROOMS = ["301 六1班教室", "302 六2班教室"]
DISPOSAL_STEPS = [None, ast.Disposal.REQUESTED, ast.Disposal.APPROVED, ast.Disposal.DISPOSED]
DISPOSAL_COMMANDS = (ast.RequestDisposal, ast.ApproveDisposal, ast.DisposeAsset)
DAYS_OR_TODAY = st.none() | days()


def acceptable_damage(cmd: ast.DamageAsset, state: ast.AssetState) -> bool:
    """Wear is no one's doing and charges nothing; a person's names who, and charges at most the value."""
    if cmd.cause is DamageCause.WEAR:
        return cmd.by_kind is None and cmd.by_id is None and cmd.charge_fen is None
    return cmd.by_kind is not None and cmd.by_id is not None and (cmd.charge_fen or 0) <= state.value_fen


def asset_allowed(rc: Resolved[Any], state: Any) -> bool:
    cmd = rc.command
    if isinstance(cmd, ast.RegisterAsset):
        return not state.registered and not rc.facts.get("tag_taken_by")
    if not state.registered or state.disposal is ast.Disposal.DISPOSED:
        return False
    match cmd:
        case ast.DamageAsset():
            return acceptable_damage(cmd, state)
        case ast.RepairAsset():
            return bool(state.damaged)
        case ast.RequestDisposal():
            return state.disposal is None
        case ast.ApproveDisposal():
            return state.disposal is ast.Disposal.REQUESTED and rc.actor != state.requested_by
        case ast.DisposeAsset():
            return state.disposal is ast.Disposal.APPROVED
    return True


def asset_refusals(rc: Resolved[Any], state: Any, refusal: HouqinError) -> None:
    refused_only_when(asset_allowed)(rc, state, refusal)
    live = state.registered and state.disposal is not ast.Disposal.DISPOSED
    if isinstance(refusal, InvalidInput):
        assert isinstance(rc.command, ast.DamageAsset) and live, "invalid input is a damage's, to a registered asset"
    elif isinstance(rc.command, ast.DamageAsset):
        assert not live, "a damage to a registered asset refused for something else than its input"


def disposed_only_once_another_approved(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    cmd = rc.command
    today = school_day(rc.at)
    assert before.disposal is not ast.Disposal.DISPOSED, "a disposed-of asset changed"
    moved = DISPOSAL_STEPS.index(after.disposal) - DISPOSAL_STEPS.index(before.disposal)
    assert moved == (1 if isinstance(cmd, DISPOSAL_COMMANDS) else 0), "a disposal step skipped or repeated"
    if before.registered:
        assert (after.campus_id, after.value_fen) == (before.campus_id, before.value_fen)
    if isinstance(cmd, ast.MoveAsset) and cmd.to_room == before.room:
        assert events == []
        return
    (event,) = events
    match event:
        case AssetRegistered():
            assert not before.registered and not rc.facts.get("tag_taken_by"), "a tag on two assets of a campus"
            assert event.registered_by == rc.actor
        case AssetMoved():
            assert (event.from_room, event.to_room) == (before.room, after.room) and event.from_room != event.to_room
            assert event.moved_on == (cmd.moved_on or today)
        case AssetDamaged():
            assert acceptable_damage(cmd, before) and after.damaged
            if event.cause is DamageCause.WEAR:
                assert event.charge_fen == 0
            else:
                assert event.charge_fen == (before.value_fen if cmd.charge_fen is None else cmd.charge_fen)
                assert 0 <= event.charge_fen <= before.value_fen
        case AssetRepaired():
            assert before.damaged and not after.damaged
        case AssetDisposalRequested():
            assert event.requested_by == rc.actor and event.requested_on == (cmd.requested_on or today)
        case AssetDisposalApproved():
            assert event.approved_by == rc.actor != before.requested_by, "a disposal approved by its requester"
            assert event.approved_on == (cmd.approved_on or today)
        case AssetDisposed():
            assert before.disposal is ast.Disposal.APPROVED
        case _:
            raise AssertionError(f"unexpected {event!r}")


ASSET_CREATE = st.builds(
    lambda cmd, taken_by: (cmd, {"tag_taken_by": taken_by}),
    st.builds(
        ast.RegisterAsset,
        asset_id=st.just("main-301-projector"),
        tag=st.just("XJ-2020-0301"),
        campus_id=st.just("main"),
        room=st.sampled_from(ROOMS),
        item_id=st.none() | st.just("projector"),
        description=st.just("投影仪"),
        value_fen=st.sampled_from([0, 5000, 350000]),
        acquired_on=days(),
    ),
    st.sampled_from(["", "", "", "main-302-projector"]),  # the handler: the asset of the campus with the tag
)
PERSON_DAMAGE = st.builds(
    ast.DamageAsset,
    cause=st.just(DamageCause.PERSON),
    by_kind=st.sampled_from(list(ChargeAgainst)),
    by_id=st.sampled_from(["g6-1", "lin"]),
    description=st.just("新课桌桌面划痕"),
    damaged_on=days(),
    charge_fen=st.none() | st.sampled_from([1, 5000, 400000]),
)
ANY_DAMAGE = st.builds(
    ast.DamageAsset,
    cause=st.sampled_from(list(DamageCause)),
    by_kind=st.none() | st.sampled_from(list(ChargeAgainst)),
    by_id=st.none() | st.just("lin"),
    description=st.just("灯泡老化"),
    damaged_on=days(),
    charge_fen=st.none() | st.just(100),
)
ASSET = machine(
    "AssetMachine",
    ast.Asset,
    INVENTORY_EVENTS,
    "main-301-projector",
    st.one_of(
        ASSET_CREATE,
        step(st.builds(ast.MoveAsset, to_room=st.sampled_from(ROOMS), moved_on=DAYS_OR_TODAY)),
        step(PERSON_DAMAGE | ANY_DAMAGE),
        step(st.builds(ast.RepairAsset, repaired_on=days(), note=TEXTS)),
        step(st.builds(ast.RequestDisposal, reason=st.just("主板损坏"), requested_on=DAYS_OR_TODAY)),
        step(st.builds(ast.ApproveDisposal, approved_on=DAYS_OR_TODAY)),
        step(st.builds(ast.DisposeAsset, disposed_on=days())),
    ),
    ["zhou", "xu-vp", "gu"],
    check=disposed_only_once_another_approved,
    create=ASSET_CREATE,
    refusals=(Rejected, InvalidInput),
    on_refusal=asset_refusals,
)


TAGS = ["XJ-2020-0301", "XJ-2019-0117", "XJ-2018-0042", "XJ-2016-0007"]


def audit_compares_found_with_registered(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    assert isinstance(event, RoomAudited)
    assert not before.done and after.done
    registered, found = set(json.loads(rc.facts["registered"])), rc.command.found_tags
    assert len(set(event.found_tags)) == len(event.found_tags) and set(event.found_tags) == set(found)
    assert event.found_tags == sorted(set(found), key=found.index), "found tags reordered"
    assert event.missing == sorted(registered - set(found))
    assert event.unregistered == sorted(set(found) - registered)
    assert event.audited_by == rc.actor and event.audit_id == rc.entity_id


ROOM_AUDIT = machine(
    "RoomAuditMachine",
    ast.RoomAudit,
    INVENTORY_EVENTS,
    "audit-main-301-2020-12",
    st.tuples(
        st.builds(
            ast.AuditRoom,
            audit_id=st.just("audit-main-301-2020-12"),
            campus_id=st.just("main"),
            room=st.sampled_from(ROOMS),
            found_tags=st.lists(st.sampled_from([*TAGS, "XJ-2017-0999", "XJ-2017-0998"]), max_size=5),
            audited_on=days(),
        ),
        st.lists(st.sampled_from(TAGS), max_size=4, unique=True).map(
            lambda tags: {"registered": json.dumps(sorted(tags), ensure_ascii=False)}
        ),
    ),
    ["zhou", "xu-vp"],
    check=audit_compares_found_with_registered,
    on_refusal=refused_only_when(lambda rc, state: not state.done),
)

# -- inventory: keys ---------------------------------------------------------------------------


def one_holder_at_a_time(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    if before.status is not None:
        assert after.campus_id == before.campus_id, "a key moved to another campus"
    assert after.back_on is None or after.issued_on is None or after.back_on >= after.issued_on
    if isinstance(event, KeyIssued):
        assert before.status is not ky.KeyStatus.ISSUED, "a key issued while it is out"
        assert before.back_on is None or event.issued_on >= before.back_on, "issued before it came back"
        assert (after.status, after.holder_id) == (ky.KeyStatus.ISSUED, rc.command.holder_id)
        assert event.issued_by == rc.actor
        return
    assert before.status is ky.KeyStatus.ISSUED and after.holder_id == before.holder_id
    assert isinstance(event, KeyReturned | KeyLost)
    back = event.returned_on if isinstance(event, KeyReturned) else event.reported_on
    assert before.issued_on is not None and back >= before.issued_on, "back before it was issued"
    assert after.back_on == back


def key_allowed(rc: Resolved[Any], state: Any) -> bool:
    cmd = rc.command
    if isinstance(cmd, ky.IssueKey):
        return (
            state.status is not ky.KeyStatus.ISSUED
            and (state.status is None or cmd.campus_id == state.campus_id)
            and (state.back_on is None or cmd.issued_on >= state.back_on)
        )
    back = cmd.returned_on if isinstance(cmd, ky.ReturnKey) else cmd.reported_on
    return state.status is ky.KeyStatus.ISSUED and back >= state.issued_on


ISSUE_KEY = step(
    st.builds(
        lambda campus, holder, issued, lent: ky.IssueKey(
            key_id="main-office-301",
            campus_id=campus,
            door="本部 行政楼 301 办公室",
            holder_id=holder,
            issued_on=issued,
            due_on=issued + timedelta(days=lent),
        ),
        st.sampled_from(["main", "main", "aoyuan"]),
        st.sampled_from(["huang", "sun"]),
        days(),
        st.integers(0, 200),
    )
)
KEY = machine(
    "KeyMachine",
    ky.Key,
    INVENTORY_EVENTS,
    "main-office-301",
    st.one_of(
        ISSUE_KEY,
        step(st.builds(ky.ReturnKey, returned_on=days())),
        step(st.builds(ky.ReportKeyLost, reported_on=days(), lock_changed=st.booleans(), note=st.just("锁芯已更换"))),
    ),
    ["zhou", "gu"],
    check=one_holder_at_a_time,
    create=ISSUE_KEY,
    on_refusal=refused_only_when(key_allowed),
)

# -- inventory: damage compensation ------------------------------------------------------------

BROOM_FEN = 1500
PROJECTOR_FEN = 350000
CHARGE_ID = "c-2020-10-g6-1-brooms"
CHARGE_PARTIES = {"against": st.sampled_from(list(ChargeAgainst)), "against_id": st.sampled_from(["g6-1", "lin"])}
CHARGES = st.one_of(
    st.builds(  # an item of the catalogue: quantity x unit price
        cp.ChargeCompensation,
        charge_id=st.just(CHARGE_ID),
        campus_id=st.just("main"),
        item_id=st.just("broom"),
        quantity=st.integers(1, 5),
        reason=st.just("课间打闹折断笤帚"),
        **CHARGE_PARTIES,
    ).map(lambda c: (c, {"amount_fen": str(c.quantity * BROOM_FEN)})),
    st.builds(  # a registered asset: at its value
        cp.ChargeCompensation,
        charge_id=st.just(CHARGE_ID),
        campus_id=st.just("main"),
        asset_id=st.just("main-301-projector"),
        reason=st.just("投影仪镜头被篮球砸坏"),
        **CHARGE_PARTIES,
    ).map(lambda c: (c, {"amount_fen": str(PROJECTOR_FEN)})),
    step(  # raised with a person-caused damage to an asset
        st.builds(
            cp.ChargeForDamage,
            campus_id=st.just("main"),
            asset_id=st.just("main-301-projector"),
            amount_fen=st.integers(0, PROJECTOR_FEN),
            reason=st.just("新课桌桌面划痕"),
            **CHARGE_PARTIES,
        )
    ),
)


def paid_or_waived_once(rc: Resolved[Any], before: Any, events: list[DomainEvent], after: Any) -> None:
    (event,) = events
    cmd = rc.command
    if isinstance(event, CompensationCharged):
        assert before.status is None, "a charge raised twice"
        if isinstance(cmd, cp.ChargeCompensation):
            assert event.amount_fen == int(rc.facts["amount_fen"]) and event.quantity == cmd.quantity
            assert (event.item_id, event.asset_id) == (cmd.item_id, cmd.asset_id)
        else:
            assert (event.amount_fen, event.quantity, event.item_id) == (cmd.amount_fen, 1, None)
        assert (event.charge_id, event.charged_by, event.charged_at) == (rc.entity_id, rc.actor, rc.at)
        assert after.status is cp.ChargeStatus.CHARGED and after.amount_fen == event.amount_fen
        return
    assert before.status is cp.ChargeStatus.CHARGED, "paid or waived twice, or both"
    assert after.amount_fen == before.amount_fen
    if isinstance(event, CompensationPaid):
        assert after.status is cp.ChargeStatus.PAID and event.recorded_by == rc.actor
    else:
        assert isinstance(event, CompensationWaived) and after.status is cp.ChargeStatus.WAIVED
        assert event.waived_by == rc.actor and event.waived_on == (cmd.waived_on or school_day(rc.at))


COMPENSATION = machine(
    "CompensationMachine",
    cp.Compensation,
    INVENTORY_EVENTS,
    CHARGE_ID,
    st.one_of(
        CHARGES,
        step(st.builds(cp.PayCompensation, paid_on=days(), receipt_ref=st.just("收据 No. 0012"))),
        step(st.builds(cp.WaiveCompensation, reason=st.just("家庭困难"), waived_on=DAYS_OR_TODAY)),
    ),
    ["zhou", "xinbei-admin"],
    check=paid_or_waived_once,
    create=CHARGES,
    on_refusal=refused_only_when(
        lambda rc, state: (
            state.status is None
            if isinstance(rc.command, cp.ChargeCompensation | cp.ChargeForDamage)
            else state.status is cp.ChargeStatus.CHARGED
        )
    ),
)

MACHINES = [
    AGREEMENTS,
    DRILL,
    SESSION,
    CEREMONY,
    CAMPAIGN,
    SCHEDULE,
    INJURY,
    HEALTH,
    BUS,
    ASSET,
    ROOM_AUDIT,
    KEY,
    COMPENSATION,
]


@pytest.mark.parametrize("machine_class", MACHINES, ids=[m.__name__.removesuffix("Machine") for m in MACHINES])
def test_random_command_sequences_keep_the_decider_honest(machine_class: type[DeciderMachine]) -> None:
    run_machine(machine_class)


def test_every_decider_of_the_services_is_covered() -> None:
    """A decider added to a service without a machine here (or in test_11) fails this."""
    deciders: set[str] = set()
    for module_info in pkgutil.walk_packages(services.__path__, "services."):
        if module_info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        module = importlib.import_module(module_info.name)
        deciders |= {d.name for d in vars(module).values() if isinstance(d, Decider)}
    covered = {m.decider.name for m in [*FIRST_MACHINES, *MACHINES]}
    assert deciders - covered == set(), "deciders without property tests"
    assert "HealthRecord" in deciders and len(deciders) > 25
