"""The demo's term holds what its term report must state: safety's figures of 薛家实验小学's
2020-2021 第一学期, read from ``GET /term-figures`` after the whole demo is loaded through the
real services, match the seed (后勤条线总结).

The seed: agreements signed by all staff and, for the first time, by all parents; health files
of the new and transfer pupils, the special condition told to the teachers; the daily patrol,
the monthly check and the special checks with none missed; a fire check every month signed off
by two directors; the wall tiles and the manhole cover escalated and resolved; one bus with its
six fixed items on file and its route checked; six kinds of drill, each summarised; a session
every Friday, prepared and checked; a flag ceremony every month; the traffic-safety day's
"six ones" all done; four injuries, one in PE and three at breaks or activities.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

from demo import safety_regime
from demo.canteen import HOLIDAYS
from demo.loader import DRILLS, DemoLoader
from demo.school import SCHOOL, SEED, TERM, TERM_ENDS, TERM_STARTS
from services.campus.term_report import SafetyFigures, TermPart
from services.canteen.service import CANTEEN
from services.directory.service import DIRECTORY
from services.hr_eval.service import HR_EVAL
from services.inventory.service import INVENTORY
from services.safety.service import SAFETY
from tests.conftest import SettingsFactory, eventually

SETTLE_S = 120  # how long the read models may take to catch up with the last command


def months_of_term() -> int:
    return (TERM_ENDS.year - TERM_STARTS.year) * 12 + TERM_ENDS.month - TERM_STARTS.month + 1


def weekdays_of_term() -> list[date]:
    days = (TERM_STARTS + timedelta(days=n) for n in range((TERM_ENDS - TERM_STARTS).days + 1))
    return [d for d in days if d.weekday() < 5]


def school_fridays() -> list[date]:
    return [d for d in weekdays_of_term() if d.weekday() == 4 and d not in HOLIDAYS]


def mismatches(f: SafetyFigures) -> list[str]:
    """Each way the figures read against the seed, as one line each (none: they hold)."""
    campuses = {c.campus_id for c in SEED.campuses if c.school_id == SCHOOL}
    classes = {k.class_id for k in SEED.classes if k.campus_id in campuses}
    staff = {s.staff_id for s in SEED.staff if s.school_id == SCHOOL}
    students = {s.student_id for s in SEED.students if s.class_id in classes}
    parents = {p.parent_id for p in SEED.parents if p.student_id in students}
    months = months_of_term()
    kinds = {k.kind: k for k in f.inspections}
    out: list[str] = []

    def want(what: str, got: Any, expected: Any) -> None:
        if got != expected:
            out.append(f"{what}: {got!r}, the seed says {expected!r}")

    ag = f.agreements
    want("staff signed / total", (ag.staff_signed, ag.staff_total), (len(staff), len(staff)))
    want("parents signed / total", (ag.parents_signed, ag.parents_total), (len(parents), len(parents)))
    want("parents' first time", ag.parents_first_time, True)

    h = f.health
    want("health files of new and transfer pupils", h.files_opened, h.new_pupils + h.transfer_pupils)
    want("some transfer pupils' files", h.transfer_pupils > 0, True)
    want("special conditions filed", h.special_conditions > 0, True)
    want("teachers told of each condition, none left to tell", (h.teachers_told > 0, h.teachers_to_tell), (True, 0))

    patrols = kinds.get("daily_patrol")
    want("daily patrols done / missed", patrols and (patrols.done, patrols.missed), (2 * len(weekdays_of_term()), 0))
    monthly = kinds.get("monthly_check")
    want("monthly checks done / missed", monthly and (monthly.done, monthly.missed), (2 * months, 0))
    special = kinds.get("special_check")
    want("special checks done / missed", special and (special.done, special.missed), (len(safety_regime.SPECIAL), 0))
    want("at least two special checks", len(safety_regime.SPECIAL) >= 2, True)
    fire = f.fire_checks
    want("fire checks: months with one / months", (fire.months_with_check, fire.months_in_term), (months, months))
    want("fire checks: done / by two directors", (fire.done, fire.two_directors), (2 * months, 2 * months))
    want("fire checks' directors", set(fire.directors), {"周主任", "顾主任", "沈主任"})

    hz = f.hazards
    escalated = {(i.hazard_id, i.status) for i in hz.escalated_items}
    want("escalated hazards", hz.escalated, 2)
    want(
        "escalated hazards resolved",
        escalated,
        {("aoyuan-wall-tiles", "closed"), ("main-playground-manhole", "closed")},
    )

    b = f.buses
    want("buses / with six items on file", (b.buses, b.files_complete), (1, 1))
    want("route checks", b.route_checks > 0, True)
    want("violations rectified", b.violations_rectified, b.violations)

    drills = {d.kind for d in f.drills if d.recorded and d.summarised}
    want("drill kinds held and summarised", drills, {kind for kind, _, _ in DRILLS})
    want("every drill summarised", all(d.summarised for d in f.drills), True)

    e = f.education
    want("Friday sessions, each checked", (e.friday_sessions, e.sessions_checked), (len(safety_regime.SESSIONS),) * 2)
    want(
        "every Friday of school has a session on each campus",
        len(safety_regime.SESSIONS),
        2 * len(safety_regime.fridays()),
    )
    want("flag ceremonies / months with one", (e.flag_ceremonies, e.ceremony_months), (months, months))
    traffic = [c for c in f.campaigns if c.theme == "交通安全日"]
    want("the traffic-safety day's six ones", [(c.activities, c.activities_done) for c in traffic], [(6, 6)])

    inj = f.injuries
    want("injuries", inj.total, 4)
    want("injuries by setting", {c.label: c.count for c in inj.by_setting}, {"pe": 1, "break": 2, "activity": 1})
    want("injuries at breaks or activities", inj.at_breaks, 3)
    return out


async def test_the_demo_s_term_figures_state_the_seed(make_settings: SettingsFactory, start_service: Any) -> None:
    ns = f"demotf{uuid4().hex[:6]}"
    services = {
        d.name: await start_service(d, await make_settings(d.name, namespace_suffix=ns))
        for d in (DIRECTORY, SAFETY, INVENTORY, HR_EVAL, CANTEEN)
    }
    loader = DemoLoader({name: svc.client for name, svc in services.items()}, services["safety"].settings)
    started = time.monotonic()
    sent = await loader.load()
    print(f"\nthe demo loaded: {sent} commands in {time.monotonic() - started:.1f} s")

    safety = services["safety"].client
    params = {"school_id": SCHOOL, "term_id": TERM}
    headers = loader.token("admin")
    problems: list[str] = []

    async def read(**more: str) -> TermPart[SafetyFigures]:
        response = await safety.get("/term-figures", params=params | more, headers=headers)
        assert response.status_code == 200, response.text
        return TermPart[SafetyFigures].model_validate(response.json())

    async def settled() -> TermPart[SafetyFigures] | None:  # the read models catch up with the last commands
        nonlocal problems
        part = await read()
        problems = mismatches(part.figures)
        return None if problems else part

    try:
        part = await eventually(settled, timeout=SETTLE_S, interval=1)
    except AssertionError:
        assert problems == []
        raise
    assert part.scope.whole_school and (part.scope.starts_on, part.scope.ends_on) == (TERM_STARTS, TERM_ENDS)
    # one campus reads its own share: the main campus patrolled every weekday, checked every month
    main = {k.kind: (k.done, k.missed) for k in (await read(campus_id="main")).figures.inspections}
    assert main["daily_patrol"] == (len(weekdays_of_term()), 0)
    assert main["monthly_check"] == (months_of_term(), 0)
