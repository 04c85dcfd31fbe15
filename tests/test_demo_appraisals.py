"""The demo's appraisal data reads true before it is sent: each act in its month, in its order,
by someone who may send it."""

from __future__ import annotations

from demo.appraisals import (
    CALENDAR,
    CORRECTIONS,
    DISPUTES,
    ITEMS,
    MONTHS,
    POINTS,
    SERVING_PRIZES,
    WORKERS,
    acts,
    answered_at,
    expected_total,
    home_campus,
    local,
    resolved_at,
    serving_ranking,
    told_at,
)
from demo.canteen import AUDITS, VIOLATIONS
from demo.school import SEED


def test_every_item_is_seen_told_and_answered_inside_its_month_before_it_is_finalised() -> None:
    for item in ITEMS:
        opened, finalised, _ = (local(m) for m in CALENDAR[item.month])
        assert opened < item.when and item.when.strftime("%Y-%m") == item.month, item
        assert item.rule in POINTS and item.staff_id in WORKERS, item
        appraiser = SEED.member(item.by)
        assert "logistics_manager" in appraiser.roles and item.campus_id in appraiser.campus_ids, item
        if item.points < 0:
            assert item.when <= told_at(item) < answered_at(item) < finalised, item
            assert told_at(item).weekday() < 5 and answered_at(item).weekday() < 5, item


def test_each_campus_publishes_four_months_and_every_worker_is_appraised_on_their_home_campus() -> None:
    assert MONTHS == ("2020-09", "2020-10", "2020-11", "2020-12")
    published = [(a.body["campus_id"], a.body["month"]) for a in acts() if a.path == "/appraisal-months/publish"]
    assert sorted(published) == sorted((c, m) for c in ("main", "aoyuan") for m in MONTHS)
    for campus in ("main", "aoyuan"):
        workers = {w for w in WORKERS if home_campus(w) == campus}
        roles = {r for w in workers for r in SEED.member(w).roles}
        assert roles == {"cleaner", "guard", "canteen_worker", "technician"}, campus
        assert len([w for w in workers if "canteen_worker" in SEED.member(w).roles]) >= 3


def test_the_dispute_is_decided_by_a_director_who_did_not_propose_it_before_the_month_is_finalised() -> None:
    (dispute,) = DISPUTES
    item = next(i for i in ITEMS if (i.staff_id, i.item_id) == (dispute.staff_id, dispute.item_id))
    assert dispute.resolved_by != item.by
    assert item.campus_id in SEED.member(dispute.resolved_by).campus_ids
    assert dispute.outcome == "reduced" and item.points < dispute.points < 0
    assert resolved_at(item) < local(CALENDAR[item.month][1])
    assert expected_total(dispute.staff_id, dispute.month) == 100 + dispute.points


def test_the_correction_comes_after_its_month_is_published_and_changes_the_total() -> None:
    (correction,) = CORRECTIONS
    assert local(correction.at) > local(CALENDAR[correction.month][2])
    assert correction.requested_by != correction.approved_by
    before = expected_total(correction.staff_id, correction.month, corrected=False)
    assert before < expected_total(correction.staff_id, correction.month) == 100


def test_a_category_cap_holds_the_worst_month_and_the_serving_contest_ranks_its_winners_first() -> None:
    ding = [i for i in ITEMS if i.staff_id == "ding-canteen" and i.month == "2020-09"]
    assert sum(i.points for i in ding) == -7 and expected_total("ding-canteen", "2020-09") == 94  # SERV cap 6
    assert serving_ranking()[: len(SERVING_PRIZES)] == [who for who, _, _ in SERVING_PRIZES]
    assert all(expected_total(who, "2020-11") > 100 for who, _, _ in SERVING_PRIZES)
    uneven = [i for i in ITEMS if i.rule == "Q-1"]
    assert {i.source for i in uneven} == {"canteen_audit"} and len({i.campus_id for i in uneven}) == 2


def test_the_canteen_proposes_each_of_its_workers_deductions_and_the_appraiser_confirms_it_that_day() -> None:
    """A serving audit's uneven server, or a violation, is an item of the worker's month only as
    the canteen's proposal (by the audit's or the violation's id), confirmed the day it was seen."""
    found = {(who, a.audit_id, a.when) for a in AUDITS for who in a.uneven()}
    found |= {(v.staff_id, v.violation_id, v.when) for v in VIOLATIONS}
    proposed = {(i.staff_id, i.source_ref, i.when) for i in ITEMS if i.source_ref in {ref for _, ref, _ in found}}
    assert proposed == found
    for item in ITEMS:
        if (item.staff_id, item.source_ref, item.when) in found:
            assert item.confirmed and local(item.confirmed.replace(" ", "T")).date() == item.when.date(), item
            rule = next((v.rule for v in VIOLATIONS if v.violation_id == item.source_ref), "Q-1")
            assert item.rule == rule, item
    confirms = [a.proposal for a in acts() if a.proposal is not None]
    assert {p["source_ref"] for p in confirms if "source_ref" in p} >= {r for _, r, _ in found}
    bonuses = [p for p in confirms if p.get("source") == "contest"]
    assert sorted(p["staff_id"] for p in bonuses) == sorted(who for who, _, _ in SERVING_PRIZES)


def test_the_acts_are_in_time_order() -> None:
    times = [a.at for a in acts()]
    assert times == sorted(times)
    assert times[0] < local("2020-09-01T00:00") and acts()[0].path == "/rule-books"
