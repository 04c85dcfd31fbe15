"""The district's canteen rules, given / when / then."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from services.canteen.events import CanteenRulesSet
from services.canteen.rules import DEFAULT_RULES, CanteenRules, SetCanteenRules, rules_fact, rules_from
from services.eventkit.envelope import TenantPath
from tests.deciders import Stream

DISTRICT = TenantPath(district_id="xinbei")
rules = Stream(CanteenRules, DISTRICT, "xinbei", actor="admin", at=datetime(2020, 8, 20, 1, 0, tzinfo=UTC))


def set_rules(**changes: Any) -> SetCanteenRules:
    body: dict[str, Any] = {
        "district_id": "xinbei",
        "effective_on": "2020-09-01",
        "sample_min_grams": 150,
        "banned_dishes": [{"name": "四季豆", "reason": "易加热不彻底", "words": ["芸豆"]}],
    }
    return SetCanteenRules.model_validate(body | changes)


def test_before_a_district_sets_its_rules_the_national_defaults_apply() -> None:
    state = rules.given()
    in_force = state.in_force(date(2020, 9, 1))
    assert (in_force.sample_min_grams, in_force.sample_min_hours) == (125, 48)
    assert in_force.banned("清炒四季豆") is not None and in_force.banned("番茄炒蛋") is None


def test_set_rules_take_effect_from_their_day_and_replace_the_defaults_whole() -> None:
    (event,) = rules.when(set_rules())
    assert isinstance(event, CanteenRulesSet) and event.sample_min_grams == 150 and event.set_by == "admin"
    state = rules.given(event)
    assert state.in_force(date(2020, 8, 31)) == DEFAULT_RULES
    on_sep_1 = state.in_force(date(2020, 9, 1))
    assert on_sep_1.sample_min_grams == 150
    assert on_sep_1.banned("凉拌芸豆") is not None and on_sep_1.banned("鲜黄花菜") is None


def test_new_rules_take_effect_after_the_ones_in_force() -> None:
    (first,) = rules.when(set_rules())
    rules.refused(set_rules(effective_on="2020-09-01"), given=[first], field="effective_on")
    assert rules.when(set_rules(effective_on="2020-09-02"), given=[first])


def test_the_rules_travel_to_a_decider_as_a_fact_unchanged() -> None:
    (event,) = rules.when(set_rules())
    in_force = rules.given(event).in_force(date(2020, 9, 1))
    assert rules_from(rules_fact(in_force)) == in_force
    assert rules_from({}) == DEFAULT_RULES
