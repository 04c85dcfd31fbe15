"""The rule book and its acknowledgements, given / when / then."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from services.eventkit.acts import OutOfOrder
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import InvalidInput
from services.hr_eval.acknowledgements import (
    AcknowledgeRuleBook,
    RuleBookAcknowledgement,
    acknowledgement_id,
    publication_facts,
)
from services.hr_eval.events import RuleBookAcknowledged, RuleBookPublished, RuleCategory, RuleItem
from services.hr_eval.rulebook import PublishRuleBook, RuleBook
from tests.deciders import Stream

SCHOOL = TenantPath(district_id="xinbei", school_id="xuexiao")
AUG_31 = datetime(2020, 8, 31, 9, 0, tzinfo=UTC)
SEP_1 = datetime(2020, 9, 1, 0, 30, tzinfo=UTC)
FEB_20 = datetime(2021, 2, 20, 2, 0, tzinfo=UTC)

book = Stream(RuleBook, SCHOOL, "xuexiao", actor="zhou", at=AUG_31)

CATEGORIES: list[dict[str, Any]] = [
    {"code": "DISC", "name": "劳动纪律", "deduction_cap": 20},
    {"code": "MERIT", "name": "加分项", "deduction_cap": 0, "bonus_cap": 10},
]
ITEMS: list[dict[str, Any]] = [
    {"code": "D-1", "text": "无故迟到、早退", "category": "DISC", "points": -2},
    {"code": "B-1", "text": "技能比赛获奖", "category": "MERIT", "points": 5},
]


def publish(effective_on: date = date(2020, 9, 1), **changes: Any) -> PublishRuleBook:
    body: dict[str, Any] = {
        "school_id": "xuexiao",
        "title": "后勤人员月考核细则",
        "effective_on": effective_on,
        "studied_on": date(2020, 8, 31),
        "base_score": 100,
        "categories": CATEGORIES,
        "items": ITEMS,
    }
    return PublishRuleBook.model_validate(body | changes)


def published(
    version: int, effective_on: date, at: datetime = AUG_31, title: str = "后勤人员月考核细则"
) -> RuleBookPublished:
    return RuleBookPublished(
        school_id="xuexiao",
        version=version,
        title=title,
        effective_on=effective_on,
        studied_on=date(2020, 8, 31),
        base_score=100,
        categories=[
            RuleCategory(code="DISC", name="劳动纪律", deduction_cap=20, bonus_cap=0),
            RuleCategory(code="MERIT", name="加分项", deduction_cap=0, bonus_cap=10),
        ],
        items=[
            RuleItem(code="D-1", text="无故迟到、早退", category="DISC", points=-2),
            RuleItem(code="B-1", text="技能比赛获奖", category="MERIT", points=5),
        ],
        published_by="zhou",
        published_at=at,
    )


V1 = published(1, date(2020, 9, 1))
V2 = published(2, date(2021, 2, 22), at=FEB_20, title="后勤人员月考核细则（修订）")


# -- publishing ---------------------------------------------------------------------------


def test_the_first_version_is_number_one_and_the_next_counts_on() -> None:
    assert book.when(publish()) == [V1]
    assert book.when(publish(date(2021, 2, 22), title="后勤人员月考核细则（修订）"), given=[V1], at=FEB_20) == [V2]


def test_the_version_in_force_is_the_latest_that_took_effect() -> None:
    state = book.given(V1, V2)
    assert state.in_force(date(2020, 8, 31)) is None
    in_force = state.in_force(date(2020, 12, 31))
    assert in_force is not None and in_force.version == 1
    latest = state.in_force(date(2021, 2, 22))
    assert latest is not None and latest.version == 2 and latest.published_at == FEB_20
    assert state.version(1) is not None and state.version(3) is None


@pytest.mark.parametrize("effective_on", [date(2020, 9, 1), date(2020, 8, 1)])
def test_a_new_version_takes_effect_after_the_one_before(effective_on: date) -> None:
    book.refused(publish(effective_on), given=[V1], field="effective_on", match="version 1 takes effect")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"items": [{"code": "X-1", "text": "未知", "category": "NOPE", "points": -1}]}, "categories the rule book"),
        ({"items": [{"code": "D-1", "text": "迟到", "category": "DISC", "points": 0}]}, "none has 0"),
        ({"items": [ITEMS[0], ITEMS[0]]}, "each rule's code"),
        ({"categories": [CATEGORIES[0], CATEGORIES[0]]}, "each category's code"),
        ({"items": []}, "at least 1"),
        ({"base_score": 0}, "greater than or equal to 1"),
    ],
)
def test_a_rule_book_names_its_categories_and_gives_or_takes_points(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message) as caught:
        publish(**changes)
    (error,) = caught.value.errors()
    assert error["loc"][0] in ("items", "categories", "base_score")


# -- acknowledging ------------------------------------------------------------------------


ack = Stream(
    RuleBookAcknowledgement,
    SCHOOL,
    acknowledgement_id("xuexiao", 1, "li-guard"),
    actor="li-guard",
    at=SEP_1,
    facts=publication_facts(AUG_31),
)
ACKNOWLEDGED = RuleBookAcknowledged(school_id="xuexiao", version=1, staff_id="li-guard", acknowledged_at=SEP_1)


def acknowledge(version: int = 1) -> AcknowledgeRuleBook:
    return AcknowledgeRuleBook(school_id="xuexiao", version=version)


def test_a_worker_acknowledges_a_published_version_as_themself() -> None:
    assert ack.when(acknowledge()) == [ACKNOWLEDGED]
    state = ack.given(ACKNOWLEDGED)
    assert (state.staff_id, state.version, state.acknowledged_at) == ("li-guard", 1, SEP_1)


def test_a_version_is_acknowledged_once() -> None:
    ack.refused(acknowledge(), given=[ACKNOWLEDGED], field="version", match="li-guard acknowledged version 1")


def test_a_version_never_published_is_not_acknowledged() -> None:
    ack.refused(acknowledge(3), facts=publication_facts(None), raises=InvalidInput, field="version", match="never")


def test_no_one_acknowledges_a_version_before_it_was_published() -> None:
    refusal = ack.refused(acknowledge(), at=datetime(2020, 8, 31, 8, 59, tzinfo=UTC), raises=OutOfOrder, field="at")
    assert isinstance(refusal, OutOfOrder) and refusal.step == "published" and refusal.step_time == AUG_31


def test_each_worker_and_version_has_a_stream_of_its_own() -> None:
    ids = {acknowledgement_id(s, v, w) for s in ("a", "a-v1") for v in (1, 2) for w in ("b", "v1-b")}
    assert len(ids) == 8
    assert RuleBookAcknowledgement.stream_id("x.v1.y") != RuleBook.stream_id("x")
    assert not RuleBookAcknowledgement.stream_id("ack.v1.y").startswith(RuleBook.stream_prefix + "-")


def test_a_version_acknowledged_is_a_command_with_a_version_of_at_least_one() -> None:
    with pytest.raises(ValidationError):
        AcknowledgeRuleBook(school_id="xuexiao", version=0)
