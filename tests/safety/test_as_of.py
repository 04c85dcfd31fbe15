"""Safety figures as of a day: hazards, inspections, drills and agreements as they stood then.

The events go through the real event store and a rebuild of the projections, recorded in
an order other than the acts' (a later act often first); the figures are read with the
service's own queries, as of past days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import asyncpg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.eventkit.days import CHINA, end_of_day, local_day
from services.eventkit.envelope import TenantPath
from services.eventkit.store import EventStore
from services.safety import events as ev
from services.safety.agreements import AgreementCampaign
from services.safety.drills import Drill
from services.safety.events import HAZARD_SLA_DAYS, InspectionKind, Severity
from services.safety.hazards import Hazard
from services.safety.injuries import Injury
from services.safety.inspections import DEFAULT_RHYTHM_DAYS, Inspection
from services.safety.projections.inspection_status import INSPECTION_STATUS
from services.safety.projections.safety_records import SAFETY_RECORDS
from services.safety.queries.agreements import campaign_page
from services.safety.queries.drills import coverage
from services.safety.queries.hazards import hazard, hazard_list
from services.safety.queries.status import campus_status
from tests.histories import (
    ADMIN,
    HISTORY_SETTINGS,
    START,
    History,
    history_pool,
    picks,
    rebuild_from_store,
    record,
)

__all__ = ["history_pool"]

PROJECTIONS = (INSPECTION_STATUS, SAFETY_RECORDS)


def cst(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA)


def new_campus() -> tuple[str, TenantPath]:
    campus = f"c-{uuid4().hex[:8]}"
    return campus, TenantPath(district_id="xinbei", school_id="xuexiao", campus_id=campus)


def campus_row(campus: str) -> dict[str, Any]:
    return {"campus_id": campus, "school_id": "xuexiao", "district_id": "xinbei", "name": campus}


async def status_of(pool: asyncpg.Pool, campus: str, as_of: date) -> dict[str, Any]:
    (status,) = await campus_status(pool, [campus_row(campus)], as_of.replace(day=1), as_of)
    return status


async def load(pool: asyncpg.Pool, h: History, order: list[int] | None = None) -> None:
    store = EventStore(pool, notify=False)
    events = h.recorded(order or [])
    await record(store, events)
    await rebuild_from_store(pool, store, PROJECTIONS)


def report(h: History, hid: str, campus: str, severity: Severity, at: datetime) -> None:
    h.add(
        Hazard.stream_id(hid),
        ev.HazardReported(
            hazard_id=hid,
            campus_id=campus,
            area="教学楼外墙",
            description="外墙墙砖脱落",
            severity=severity,
            reported_by="guard",
            reported_at=at,
        ),
        at,
    )


def assign(h: History, hid: str, campus: str, at: datetime) -> None:
    h.add(
        Hazard.stream_id(hid),
        ev.HazardAssignedInHouse(
            hazard_id=hid,
            campus_id=campus,
            area="教学楼外墙",
            description="外墙墙砖脱落",
            severity=Severity.HIGH,
            assignee_id="tech",
            assigned_by="manager",
            assigned_at=at,
        ),
        at,
    )


def escalate(h: History, hid: str, at: datetime) -> None:
    h.add(
        Hazard.stream_id(hid),
        ev.HazardEscalated(hazard_id=hid, authority="教育局", escalated_by="manager", escalated_at=at),
        at,
    )


def rectify(h: History, hid: str, at: datetime) -> None:
    h.add(Hazard.stream_id(hid), ev.HazardRectified(hazard_id=hid, rectified_by="tech", rectified_at=at), at)


def close(h: History, hid: str, at: datetime) -> None:
    h.add(Hazard.stream_id(hid), ev.HazardClosed(hazard_id=hid, verified_by="manager", closed_at=at), at)


def reopen(h: History, hid: str, at: datetime) -> None:
    h.add(
        Hazard.stream_id(hid),
        ev.HazardReopened(hazard_id=hid, verified_by="manager", reopened_at=at, reason="仍有松动"),
        at,
    )


def inspection(
    h: History, iid: str, campus: str, kind: InspectionKind, started: datetime, done: datetime | None
) -> None:
    stream = Inspection.stream_id(iid)
    h.add(
        stream,
        ev.InspectionStarted(
            inspection_id=iid,
            campus_id=campus,
            kind=kind,
            areas=["教学楼"],
            checklist=["消防通道"],
            inspector_id="guard",
            started_at=started,
        ),
        started,
    )
    if done is not None:
        h.add(
            stream,
            ev.InspectionCompleted(
                inspection_id=iid, campus_id=campus, kind=kind, completed_at=done, findings=0, problems=0
            ),
            done,
        )


def launch(h: History, cid: str, campus: str, at: datetime) -> None:
    h.add(
        AgreementCampaign.stream_id(cid),
        ev.AgreementCampaignLaunched(
            campaign_id=cid,
            campus_id=campus,
            term_id="2020-autumn",
            title="安全责任书",
            document_ref="docs/agreement.pdf",
            parties=[ev.PartyKind.PARENT],
        ),
        at,
    )


def issue(h: History, cid: str, parties: list[str], at: datetime) -> None:
    agreements = [ev.IssuedAgreement(party_kind=ev.PartyKind.PARENT, party_id=p, name=p) for p in parties]
    h.add(
        AgreementCampaign.stream_id(cid), ev.AgreementsIssued(campaign_id=cid, agreements=agreements, issued_at=at), at
    )


def sign(h: History, cid: str, party: str, at: datetime) -> None:
    h.add(
        AgreementCampaign.stream_id(cid),
        ev.AgreementSigned(campaign_id=cid, party_id=party, signed_by=party, signed_at=at),
        at,
    )


def refuse(h: History, cid: str, party: str, at: datetime) -> None:
    h.add(AgreementCampaign.stream_id(cid), ev.AgreementRefused(campaign_id=cid, party_id=party, reason="外出"), at)


# -- examples ------------------------------------------------------------------------------


async def test_a_hazard_as_of_days_before_during_and_after_it_was_open(history_pool: asyncpg.Pool) -> None:
    """Reported 2020-10-12 08:30, closed 2020-10-20 10:00 (recorded first); high severity: 3 days."""
    pool = history_pool
    campus, tenant = new_campus()
    h = History(tenant)
    hid = f"h-{campus}"
    report(h, hid, campus, Severity.HIGH, cst(date(2020, 10, 12), 8, 30))
    assign(h, hid, campus, cst(date(2020, 10, 12), 9))
    rectify(h, hid, cst(date(2020, 10, 19), 16))
    close(h, hid, cst(date(2020, 10, 20), 10))
    await load(pool, h)

    def page(as_of: date) -> Any:
        return hazard_list(ADMIN, campus, None, None, False, as_of).page(pool, None, 100)

    assert (await page(date(2020, 10, 11))).items == []  # not reported yet
    one = await hazard(pool, ADMIN, hid, date(2020, 10, 11))
    assert (one["open"], one["age_days"], one["breaches_sla"]) == (False, 0, False)

    (on_the_day,) = (await page(date(2020, 10, 12))).items
    assert on_the_day["open"] and not on_the_day["breaches_sla"]
    assert on_the_day["age_days"] == pytest.approx(15.5 / 24)  # 08:30 to midnight

    (mid,) = (await page(date(2020, 10, 15))).items
    assert mid["open"] and mid["as_of"] == date(2020, 10, 15)
    assert int(mid["age_days"]) == 3 and mid["age_days"] == pytest.approx(3 + 15.5 / 24)
    assert mid["breaches_sla"]  # more than 3 days open by the end of the 15th
    (early,) = (await page(date(2020, 10, 14))).items
    assert early["open"] and not early["breaches_sla"]  # 2.65 days
    assert (await hazard_list(ADMIN, campus, None, None, True, date(2020, 10, 15)).page(pool, None, 10)).items

    (after,) = (await page(date(2020, 10, 31))).items
    assert not after["open"] and after["breaches_sla"]  # closed late
    assert after["age_days"] == pytest.approx(8 + 1.5 / 24)  # to its closing, not to the 31st
    assert (await hazard_list(ADMIN, campus, None, None, True, date(2020, 10, 31)).page(pool, None, 10)).items == []

    status = await status_of(pool, campus, date(2020, 10, 15))
    assert status["hazards"]["open"] == 1 and status["hazards"]["open_by_severity"]["high"] == 1
    assert status["hazards"]["breaching_sla"] == 1 and status["hazards"]["closed"] == 0
    assert status["hazards"]["oldest_open_days"] == round(3 + 15.5 / 24, 2)
    status = await status_of(pool, campus, date(2020, 10, 31))
    assert status["hazards"]["open"] == 0 and status["hazards"]["closed"] == 1
    assert status["hazards"]["breaching_sla"] == 0 and status["hazards"]["oldest_open_days"] is None
    assert (await status_of(pool, campus, date(2020, 10, 1)))["hazards"]["open"] == 0


async def test_a_medium_hazard_is_within_its_sla_for_a_week(history_pool: asyncpg.Pool) -> None:
    pool = history_pool
    campus, tenant = new_campus()
    h = History(tenant)
    report(h, f"m-{campus}", campus, Severity.MEDIUM, cst(date(2020, 10, 12), 8, 30))
    await load(pool, h)
    for as_of, breaches in ((date(2020, 10, 15), False), (date(2020, 10, 18), False), (date(2020, 10, 19), True)):
        (row,) = (await hazard_list(ADMIN, campus, None, None, False, as_of).page(pool, None, 10)).items
        assert row["open"] and row["breaches_sla"] is breaches, as_of


async def test_inspections_are_due_and_overdue_as_of_a_day(history_pool: asyncpg.Pool) -> None:
    """A daily patrol completed 2020-10-12 09:00 is due again 2020-10-13 09:00."""
    pool = history_pool
    campus, tenant = new_campus()
    h = History(tenant)
    inspection(
        h, f"p-{campus}", campus, InspectionKind.DAILY_PATROL, cst(date(2020, 10, 12), 8), cst(date(2020, 10, 12), 9)
    )
    inspection(h, f"q-{campus}", campus, InspectionKind.DAILY_PATROL, cst(date(2020, 10, 20), 8), None)
    await load(pool, h)

    def patrol(status: dict[str, Any]) -> dict[str, Any]:
        return next(k for k in status["inspections"] if k["kind"] == "daily_patrol")

    before = patrol(await status_of(pool, campus, date(2020, 10, 11)))
    assert (before["last_completed_at"], before["completed"], before["in_progress"]) == (None, 0, 0)
    assert before["overdue"]  # never done
    done = patrol(await status_of(pool, campus, date(2020, 10, 12)))
    assert done["last_completed_at"] == cst(date(2020, 10, 12), 9) and done["completed"] == 1
    assert done["next_due"] == cst(date(2020, 10, 13), 9) and not done["overdue"]
    later = patrol(await status_of(pool, campus, date(2020, 10, 14)))
    assert later["overdue"] and later["in_progress"] == 0
    started = patrol(await status_of(pool, campus, date(2020, 10, 20)))
    assert started["in_progress"] == 1 and started["completed"] == 1


async def test_drills_count_once_conducted(history_pool: asyncpg.Pool) -> None:
    pool = history_pool
    campus, tenant = new_campus()
    h = History(tenant)
    stream = Drill.stream_id(f"d-{campus}")
    h.add(
        stream,
        ev.DrillPlanned(
            drill_id=f"d-{campus}",
            campus_id=campus,
            kind=ev.DrillKind.FIRE,
            title="消防演练",
            planned_on=date(2020, 10, 20),
            plan_ref="plans/fire.pdf",
            planned_at=cst(date(2020, 10, 5), 9),
        ),
        cst(date(2020, 10, 5), 9),
    )
    h.add(
        stream,
        ev.DrillConducted(
            drill_id=f"d-{campus}",
            campus_id=campus,
            kind=ev.DrillKind.FIRE,
            conducted_on=date(2020, 10, 20),
            participants=800,
        ),
        cst(date(2020, 10, 20), 0),
    )
    await load(pool, h)
    assert (await status_of(pool, campus, date(2020, 10, 19)))["drills"]["total"] == 0
    assert (await status_of(pool, campus, date(2020, 10, 20)))["drills"]["by_kind"]["fire"] == 1
    term = (date(2020, 9, 1), date(2021, 1, 31))
    mid = await coverage(pool, campus, *term, as_of=date(2020, 10, 15))
    assert mid["total"] == 0 and "2020-10" in mid["months_without_drill"] and mid["as_of"] == "2020-10-15"
    end = await coverage(pool, campus, *term, as_of=date(2021, 1, 31))
    assert end["total"] == 1 and end["kinds_covered"] == ["fire"]


async def test_agreements_count_as_issued_signed_and_refused_then(history_pool: asyncpg.Pool) -> None:
    pool = history_pool
    campus, tenant = new_campus()
    h = History(tenant)
    cid = f"a-{campus}"
    launch(h, cid, campus, cst(date(2020, 10, 10), 9))
    issue(h, cid, ["p1", "p2"], cst(date(2020, 10, 12), 9))
    refuse(h, cid, "p2", cst(date(2020, 10, 13), 9))
    sign(h, cid, "p1", cst(date(2020, 10, 14), 9))
    issue(h, cid, ["p3"], cst(date(2020, 10, 15), 9))
    sign(h, cid, "p2", cst(date(2020, 10, 16), 9))
    await load(pool, h)

    async def counts(as_of: date) -> tuple[int, int, int]:
        (row,) = (await campaign_page(pool, ADMIN, campus, None, None, 10, as_of)).items
        (rate,) = (await status_of(pool, campus, as_of))["agreements"]
        assert (rate["issued"], rate["signed"], rate["refused"]) == (row["issued"], row["signed"], row["refused"])
        return row["issued"], row["signed"], row["refused"]

    assert await counts(date(2020, 10, 11)) == (0, 0, 0)
    assert await counts(date(2020, 10, 13)) == (2, 0, 1)
    assert await counts(date(2020, 10, 14)) == (2, 1, 1)
    assert await counts(date(2020, 10, 15)) == (3, 1, 1)
    assert await counts(date(2020, 10, 31)) == (3, 2, 0)


async def test_an_injury_is_on_the_school_day_it_happened(history_pool: asyncpg.Pool) -> None:
    """23:30 UTC is the next morning at the school."""
    pool = history_pool
    campus, tenant = new_campus()
    h = History(tenant)
    at = datetime(2020, 10, 12, 23, 30, tzinfo=UTC)
    h.add(
        Injury.stream_id(f"i-{campus}"),
        ev.InjuryReported(
            injury_id=f"i-{campus}",
            campus_id=campus,
            student_id="s1",
            class_id="k1",
            setting=ev.InjurySetting.BREAK,
            occurred_at=at,
            injury="擦伤",
            first_aid="消毒",
            reported_by="teacher",
        ),
        at,
    )
    await load(pool, h)
    day = await pool.fetchval(f"SELECT occurred_on FROM {SAFETY_RECORDS.schema}.injuries WHERE campus_id = $1", campus)
    assert day == date(2020, 10, 13)


# -- the property ----------------------------------------------------------------------------


@dataclass
class HazardActs:
    severity: Severity
    reported_at: datetime
    escalated_at: datetime | None = None
    closed_at: datetime | None = None


@dataclass
class CampaignActs:
    issued: dict[str, datetime] = field(default_factory=dict)
    signed: dict[str, datetime] = field(default_factory=dict)
    refused: dict[str, datetime] = field(default_factory=dict)


Runs = dict[str, list[tuple[str, datetime, datetime | None]]]  # inspections of a kind: (id, started, completed)
Story = tuple[History, dict[str, HazardActs], Runs, CampaignActs]

GAP = st.integers(1, 6 * 24 * 60).map(lambda m: timedelta(minutes=m))
HAZARD_STEPS = st.lists(st.sampled_from(["assign", "escalate", "rectify", "close", "reopen", "stop"]), max_size=12)


@st.composite
def campus_history(draw: st.DrawFn) -> Story:
    campus, tenant = new_campus()
    h = History(tenant)
    hazards: dict[str, HazardActs] = {}
    for n in range(draw(st.integers(1, 4))):
        hid = f"h{n}-{campus}"
        t = START + timedelta(minutes=draw(st.integers(0, 40 * 24 * 60)))
        acts = hazards[hid] = HazardActs(draw(st.sampled_from(list(Severity))), t)
        report(h, hid, campus, acts.severity, t)
        status = "reported"
        for step in draw(HAZARD_STEPS):  # each step taken only where the hazard's rules allow it
            t += draw(GAP)
            if step in ("assign", "escalate") and status in ("reported", "assigned", "escalated"):
                if step == "assign":
                    assign(h, hid, campus, t)
                else:
                    escalate(h, hid, t)
                    acts.escalated_at = acts.escalated_at or t
                status = "assigned" if step == "assign" else "escalated"
            elif step == "rectify" and status in ("assigned", "escalated"):
                rectify(h, hid, t)
                status = "rectified"
            elif step == "close" and status == "rectified":
                close(h, hid, t)
                acts.closed_at = t
                break
            elif step == "reopen" and status == "rectified":
                reopen(h, hid, t)
                status = "reported"
            elif step == "stop" and draw(st.booleans()):
                break
    inspections: Runs = {}
    for n in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from([InspectionKind.DAILY_PATROL, InspectionKind.MONTHLY_CHECK]))
        started = START + timedelta(minutes=draw(st.integers(0, 40 * 24 * 60)))
        done = started + draw(GAP) if draw(st.booleans()) else None
        inspection(h, f"i{n}-{campus}", campus, kind, started, done)
        inspections.setdefault(kind.value, []).append((f"i{n}", started, done))
    campaign = CampaignActs()
    cid = f"a-{campus}"
    t = START + timedelta(minutes=draw(st.integers(0, 10 * 24 * 60)))
    launch(h, cid, campus, t)
    parties = [f"p{n}" for n in range(draw(st.integers(0, 5)))]
    unissued = list(parties)
    while unissued:
        t += draw(GAP)
        k = draw(st.integers(1, len(unissued)))
        batch, unissued = unissued[:k], unissued[k:]
        issue(h, cid, batch, t)
        campaign.issued |= dict.fromkeys(batch, t)
        for party in batch:
            fate = draw(st.sampled_from(["none", "sign", "refuse", "refuse-then-sign"]))
            if fate.startswith("refuse"):
                t += draw(GAP)
                refuse(h, cid, party, t)
                campaign.refused[party] = t
            if fate.endswith("sign"):
                t += draw(GAP)
                sign(h, cid, party, t)
                campaign.signed[party] = t
    return h, hazards, inspections, campaign


def expected_hazard(acts: HazardActs, as_of: date) -> dict[str, Any] | None:
    end = end_of_day(as_of)
    if acts.reported_at >= end:
        return None
    closed = acts.closed_at is not None and acts.closed_at < end
    until = acts.closed_at if closed and acts.closed_at else end
    age = until - acts.reported_at
    return {
        "open": not closed,
        "age_days": age.total_seconds() / 86400,
        "breaches_sla": age > timedelta(days=HAZARD_SLA_DAYS[acts.severity]),
        "escalated": acts.escalated_at is not None and acts.escalated_at < end,
    }


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
@HISTORY_SETTINGS
@given(story=campus_history(), order=picks())  # type: ignore[no-untyped-call]
async def test_every_figure_is_what_the_acts_say_whatever_the_order_of_recording(
    history_pool: asyncpg.Pool, story: Story, order: list[int]
) -> None:
    """Every day from the day before the first act to two days after the last, each figure
    equals the one computed here from the acts' times."""
    h, hazards, inspections, campaign = story
    pool = history_pool
    campus = h.tenant.campus_id
    assert campus is not None
    await load(pool, h, order)
    acts = [local_day(env.occurred_at) for steps in h.streams.values() for env in steps]
    first_day, last_day = min(acts) - timedelta(days=1), max(acts) + timedelta(days=2)
    for as_of in (first_day + timedelta(days=d) for d in range((last_day - first_day).days + 1)):
        end = end_of_day(as_of)
        # each hazard
        rows = {
            r["hazard_id"]: r
            for r in (await hazard_list(ADMIN, campus, None, None, False, as_of).page(pool, None, 100)).items
        }
        wanted = {hid: expected_hazard(acts, as_of) for hid, acts in hazards.items()}
        assert set(rows) == {hid for hid, e in wanted.items() if e is not None}, as_of
        for hid, row in rows.items():
            e = wanted[hid]
            assert e is not None
            assert row["open"] is e["open"] and row["breaches_sla"] is e["breaches_sla"], (hid, as_of)
            assert row["age_days"] == pytest.approx(e["age_days"], abs=1e-6), (hid, as_of)
        # the campus's status
        status = await status_of(pool, campus, as_of)
        seen = [e for e in wanted.values() if e is not None]
        open_ = [e for e in seen if e["open"]]
        assert status["hazards"] == {
            "open": len(open_),
            "open_by_severity": {
                s.value: sum(1 for hid, e in wanted.items() if e and e["open"] and hazards[hid].severity is s)
                for s in Severity
            },
            "escalated_open": sum(1 for e in open_ if e["escalated"]),
            "escalated_total": sum(1 for e in seen if e["escalated"]),
            "closed": len(seen) - len(open_),
            "breaching_sla": sum(1 for e in open_ if e["breaches_sla"]),
            "oldest_open_days": round(max(e["age_days"] for e in open_), 2) if open_ else None,
        }, as_of
        for kind_status in status["inspections"]:
            kind = InspectionKind(kind_status["kind"])
            done = [d for _, s, d in inspections.get(kind.value, []) if d is not None and d < end]
            started = [(s, d) for _, s, d in inspections.get(kind.value, []) if s < end]
            every = DEFAULT_RHYTHM_DAYS[kind]
            last = max(done, default=None)
            next_due = last + timedelta(days=every) if last and every else None
            assert kind_status["last_completed_at"] == last, (kind, as_of)
            assert kind_status["completed"] == len(done)
            assert kind_status["in_progress"] == sum(1 for s, d in started if d is None or d >= end)
            assert kind_status["next_due"] == next_due
            assert kind_status["overdue"] is (bool(every) and (next_due is None or next_due < end)), (kind, as_of)
        signed = {p for p, t in campaign.signed.items() if t < end}
        (rate,) = status["agreements"]
        assert (rate["issued"], rate["signed"], rate["refused"]) == (
            sum(1 for t in campaign.issued.values() if t < end),
            len(signed),
            sum(1 for p, t in campaign.refused.items() if t < end and p not in signed),
        ), as_of
