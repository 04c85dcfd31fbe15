"""The demo's canteen data reads true before it is sent: a parent of the campus each week, every
dish sampled and every worker checked each kitchen day, each act on a school day of the term, in
its order, by someone who may send it."""

from __future__ import annotations

from collections import Counter
from datetime import date

from demo.appraisals import SERVING_PRIZES, serving_ranking
from demo.canteen import (
    AUDITS,
    CAMPUSES,
    COMMITTEE,
    FEVER,
    FIRST_MEETING,
    HEAD_COOK,
    MENUS,
    VISITS,
    WORKERS,
    acts,
    campus_of_parent,
    deliveries,
    kitchen_days,
    lunch,
    morning_checks,
    readings,
    samples,
    school_day,
    self_inspections,
    servers,
)
from demo.school import SEED, TERM_ENDS, TERM_STARTS
from services.canteen.rules import DEFAULT_RULES


def test_each_campus_has_a_parent_of_its_own_each_week_and_most_reflections_are_published() -> None:
    for campus in CAMPUSES:
        visits = [v for v in VISITS if v.campus_id == campus]
        assert len(visits) == 18, campus
        assert len({v.week_of for v in visits}) == 18  # one a week
        assert len({v.parent_id for v in visits}) == 18  # a different parent each week
        assert all(campus_of_parent(v.parent_id) == campus and school_day(v.day) for v in visits)
        assert all(v.scheduled < v.inspected < v.lunched < v.submitted < v.reviewed for v in visits)
        assert all(v.with_staff[0] != v.with_staff[1] and set(v.with_staff) <= _staff_of(campus) for v in visits)
        published = [v for v in visits if v.published]
        assert len(published) == 17 and all(len(v.reflection) >= 80 for v in published)
        assert len({v.reflection for v in visits}) == 18 and len({v.title for v in visits}) == 18
    assert all(n < len(v.suggestions) for v in VISITS for n, _ in v.answers)
    assert sum(1 for v in VISITS if v.answers) >= 6
    internal = [v for v in VISITS if not v.published]
    assert {v.campus_id for v in internal} == set(CAMPUSES) and any(not v.consent for v in internal)


def test_the_committee_has_parents_teachers_leaders_and_the_canteen_and_met_before_the_first_visit() -> None:
    kinds = Counter(m.kind for m in COMMITTEE.members)
    assert kinds.keys() == {"parent", "teacher", "leader", "canteen"} and len(COMMITTEE.duties) >= 5
    assert {m.parent_id for m in COMMITTEE.members if m.parent_id} <= {p.parent_id for p in SEED.parents}
    assert set(FIRST_MEETING.attendees) <= {m.member_id for m in COMMITTEE.members}
    assert COMMITTEE.formed < FIRST_MEETING.held < min(v.scheduled for v in VISITS)


def test_every_dish_of_every_kitchen_day_is_sampled_and_every_worker_on_shift_checked() -> None:
    days = kitchen_days()
    assert len(days) == 15 and days[0] == date(2020, 11, 2) and days[-1] == date(2020, 11, 20)
    kept = Counter((s.campus_id, s.day) for s in samples())
    assert kept == {(c, d): len(lunch(c, d)) for c in CAMPUSES for d in days}
    assert all(s.grams >= DEFAULT_RULES.sample_min_grams for s in samples())
    assert all((s.disposed - s.retained).total_seconds() >= DEFAULT_RULES.sample_min_hours * 3600 for s in samples())
    checked = Counter((c.campus_id, c.day) for c in morning_checks())
    for campus in CAMPUSES:
        for day in days:
            off = 1 if campus == FEVER.campus_id and FEVER.day < day < FEVER.cleared.date() else 0
            assert checked[(campus, day)] == len(WORKERS[campus]) - off, (campus, day)
            assert set(servers(campus, day)) <= set(WORKERS[campus])
    (failed,) = [c for c in morning_checks() if not c.passed]
    assert (failed.staff_id, failed.day) == (FEVER.staff_id, FEVER.day)
    assert FEVER.staff_id not in servers(FEVER.campus_id, FEVER.day)
    assert FEVER.staff_id in servers(FEVER.campus_id, FEVER.cleared.date())
    out_of_limits = [r for r in readings() if not r.within]
    assert len(out_of_limits) == 1 and out_of_limits[0].corrective


def test_no_menu_names_a_dish_the_district_does_not_allow_and_one_lot_fails_its_pesticide_test() -> None:
    dishes = {d for m in MENUS for _, day in m.meals for d in day} | {d for v in VISITS for d in v.dishes}
    assert [d for d in dishes if DEFAULT_RULES.banned(d)] == []
    assert len(MENUS) == 6
    rejected = [(d.delivery_id, line.item) for d in deliveries() for line in d.lines if line.rejected]
    assert rejected == [("main-2020-11-11-lvyuan", "菠菜")]
    for d in deliveries():
        assert len(set(d.inspectors)) == 2
        assert all(line.pesticide is not None for line in d.lines if line.tested)


def test_the_audits_find_uneven_portions_in_september_and_october_and_the_contest_follows() -> None:
    found = [(a.when.strftime("%Y-%m"), who) for a in AUDITS for who in a.uneven()]
    assert {month for month, _ in found} >= {"2020-09", "2020-10"}
    assert len(found) == 8 and all(len(a.uneven()) < len(a.portions) for a in AUDITS)  # not everyone
    assert serving_ranking()[: len(SERVING_PRIZES)] == [who for who, _, _ in SERVING_PRIZES]
    hazards = [f for i in self_inspections() for f in i.findings if f.hazard]
    assert [f.note for f in hazards] == ["粗加工间纱窗破损, 防蝇失效"]


def test_the_acts_are_in_time_order_on_school_days_of_the_term_by_someone_of_the_campus() -> None:
    all_acts = acts()
    times = [a.at for a in all_acts]
    assert times == sorted(times)
    assert all(TERM_STARTS.replace(month=8) <= t.date() <= TERM_ENDS for t in times)
    assert all(school_day(t.date()) or t.date() < TERM_STARTS for t in times)
    parents = {p.parent_id for p in SEED.parents}
    for act in all_acts:
        if act.as_ in parents:
            assert act.path.endswith("/reflection"), act.path
            continue
        member = SEED.member(act.as_)
        campus = act.body.get("campus_id")
        assert campus is None or campus in member.campus_ids, (act.path, act.as_)
    assert {a.as_ for a in all_acts if a.path == "/food-samples"} == set(HEAD_COOK.values())


def _staff_of(campus: str) -> set[str]:
    return {s.staff_id for s in SEED.staff if campus in s.campus_ids}
