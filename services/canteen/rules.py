"""The district's canteen rules (district data): how much of each dish is sampled and for how
long, how short a delivery line may weigh, how even portions must be, how early certificates
are warned, and the dishes a school canteen may not serve.

One stream per district. Until a district sets its own, :data:`DEFAULT_RULES` apply: a sample
of at least 125 g kept at least 48 hours (the national rule for school canteens), deliveries
2 % short at most, portions within 10 %, certificates warned 30 days ahead, and the dishes
Chinese school canteens commonly may not serve. Each version replaces the previous one whole,
from its effective day.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from pydantic import Field, field_validator

from services.canteen.common import Permille
from services.canteen.events import BannedDish, CanteenRulesSet
from services.eventkit.acts import ActAtOrNow
from services.eventkit.bounds import EntityId, Few, Many, Name, ShortText
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent, Value
from services.eventkit.errors import Rejected

DEFAULT_BANNED: tuple[BannedDish, ...] = (
    BannedDish(name="四季豆", reason="易加热不彻底引起食物中毒", words=["芸豆", "扁豆", "green beans"]),
    BannedDish(name="鲜黄花菜", reason="含秋水仙碱，易引起食物中毒", words=["鲜金针菜", "fresh daylily"]),
    BannedDish(name="野生蘑菇", reason="易误食毒蘑菇", words=["野生菌", "野蘑菇", "wild mushroom"]),
    BannedDish(
        name="冷荤类食品", reason="学校食堂不得制售冷荤类食品", words=["卤味拼盘", "凉拌肉", "cold cooked meat"]
    ),
    BannedDish(name="生食类食品", reason="学校食堂不得制售生食类食品", words=["生鱼片", "刺身", "sashimi"]),
    BannedDish(name="裱花蛋糕", reason="学校食堂不得制售裱花蛋糕", words=["奶油蛋糕", "cream cake"]),
    BannedDish(name="发芽土豆", reason="含龙葵素", words=["发芽马铃薯"]),
)


@dataclass(frozen=True)
class Rules:
    """The rules in force for a district."""

    sample_min_grams: int = 125
    sample_min_hours: int = 48
    delivery_weight_tolerance_permille: int = 20
    serving_tolerance_permille: int = 100
    certificate_warning_days: int = 30
    banned_dishes: tuple[BannedDish, ...] = DEFAULT_BANNED
    oversight_committee_required: bool = False
    effective_on: date | None = None

    def banned(self, dish: str) -> BannedDish | None:
        """The banned dish a dish's name is, or contains (by name or by any of its words)."""
        text = dish.strip().lower()
        for banned in self.banned_dishes:
            for word in (banned.name, *banned.words):
                if word and word.lower() in text:
                    return banned
        return None


DEFAULT_RULES = Rules()


class BannedDishLine(Value):
    """A dish a school canteen may not serve, why, and other names it goes by."""

    name: Name
    reason: ShortText = Field(min_length=1)
    words: Few[Name] = Field(
        default_factory=list, description="Other names matched too (a menu containing one is refused)"
    )


class SetCanteenRules(Command):
    """The district's canteen rules from a day on (replacing the previous ones whole)."""

    model_config = examples(
        {
            "district_id": "xinbei",
            "effective_on": "2020-09-01",
            "sample_min_grams": 125,
            "sample_min_hours": 48,
            "delivery_weight_tolerance_permille": 20,
            "serving_tolerance_permille": 100,
            "certificate_warning_days": 30,
            "oversight_committee_required": True,
            "banned_dishes": [{"name": "四季豆", "reason": "易加热不彻底引起食物中毒", "words": ["芸豆"]}],
        }
    )

    district_id: EntityId
    effective_on: date = Field(description="The first day the rules apply")
    sample_min_grams: int = Field(default=125, ge=50, le=1000, description="Each dish's sample weighs at least this")
    sample_min_hours: int = Field(default=48, ge=48, le=24 * 14, description="A sample is kept at least this long")
    delivery_weight_tolerance_permille: Permille = Field(
        default=20, description="A delivery line weighing less than declared by more than this is short"
    )
    serving_tolerance_permille: Permille = Field(
        default=100, description="A server whose portions spread more than this (of the target) is a finding"
    )
    certificate_warning_days: int = Field(
        default=30, ge=1, le=180, description="Certificates are warned this many days ahead"
    )
    oversight_committee_required: bool = Field(
        default=False, description="Whether each school keeps a parents' meal-oversight committee"
    )
    banned_dishes: Many[BannedDishLine] = Field(description="The dishes a school canteen may not serve")
    at: ActAtOrNow = None

    @field_validator("banned_dishes")
    @classmethod
    def _distinct(cls, dishes: list[BannedDishLine]) -> list[BannedDishLine]:
        names = [d.name for d in dishes]
        if len(set(names)) != len(names):
            raise ValueError("each banned dish appears once")
        return dishes


@dataclass(frozen=True)
class RulesState:
    district_id: str = ""
    versions: tuple[Rules, ...] = ()

    def in_force(self, day: date) -> Rules:
        """The rules in force on ``day`` (the defaults before the district set any)."""
        found = DEFAULT_RULES
        for rules in self.versions:
            if rules.effective_on is not None and rules.effective_on <= day:
                found = rules
        return found


def decide(rc: Resolved[SetCanteenRules], state: RulesState) -> Sequence[DomainEvent]:
    cmd = rc.command
    latest = state.versions[-1] if state.versions else None
    if latest is not None and latest.effective_on is not None and cmd.effective_on <= latest.effective_on:
        raise Rejected(
            f"the rules in force from {latest.effective_on} came before: new rules take effect after them",
            field="effective_on",
        )
    return [
        CanteenRulesSet(
            district_id=cmd.district_id,
            sample_min_grams=cmd.sample_min_grams,
            sample_min_hours=cmd.sample_min_hours,
            delivery_weight_tolerance_permille=cmd.delivery_weight_tolerance_permille,
            serving_tolerance_permille=cmd.serving_tolerance_permille,
            certificate_warning_days=cmd.certificate_warning_days,
            banned_dishes=[BannedDish(**d.model_dump()) for d in cmd.banned_dishes],
            oversight_committee_required=cmd.oversight_committee_required,
            set_by=rc.actor,
            set_at=rc.at,
            effective_on=cmd.effective_on,
        )
    ]


def evolve(state: RulesState, event: DomainEvent) -> RulesState:
    if isinstance(event, CanteenRulesSet):
        rules = Rules(
            sample_min_grams=event.sample_min_grams,
            sample_min_hours=event.sample_min_hours,
            delivery_weight_tolerance_permille=event.delivery_weight_tolerance_permille,
            serving_tolerance_permille=event.serving_tolerance_permille,
            certificate_warning_days=event.certificate_warning_days,
            banned_dishes=tuple(event.banned_dishes),
            oversight_committee_required=event.oversight_committee_required,
            effective_on=event.effective_on,
        )
        return RulesState(event.district_id, (*state.versions, rules))
    return state


CanteenRules: Decider[Resolved[SetCanteenRules], RulesState, DomainEvent] = Decider(
    "CanteenRules", RulesState(), decide, evolve, "canteen-rules"
)
"""One stream per district (its id is the district's id)."""


RULES_FACT = "canteen_rules"
"""The fact under which a command's lookup hands the rules in force to its decider."""


def rules_fact(rules: Rules) -> dict[str, str]:
    """The rules as a decider's fact (facts are strings): see :func:`rules_from`."""
    payload = {
        "sample_min_grams": rules.sample_min_grams,
        "sample_min_hours": rules.sample_min_hours,
        "delivery_weight_tolerance_permille": rules.delivery_weight_tolerance_permille,
        "serving_tolerance_permille": rules.serving_tolerance_permille,
        "certificate_warning_days": rules.certificate_warning_days,
        "banned_dishes": [d.model_dump() for d in rules.banned_dishes],
        "oversight_committee_required": rules.oversight_committee_required,
        "effective_on": rules.effective_on.isoformat() if rules.effective_on else None,
    }
    return {RULES_FACT: json.dumps(payload, ensure_ascii=False)}


def rules_from(facts: Mapping[str, str]) -> Rules:
    """The rules a lookup put in the facts (the defaults when it put none: a decider test may
    leave them out)."""
    raw = facts.get(RULES_FACT)
    if raw is None:
        return DEFAULT_RULES
    data = json.loads(raw)
    return Rules(
        sample_min_grams=data["sample_min_grams"],
        sample_min_hours=data["sample_min_hours"],
        delivery_weight_tolerance_permille=data["delivery_weight_tolerance_permille"],
        serving_tolerance_permille=data["serving_tolerance_permille"],
        certificate_warning_days=data["certificate_warning_days"],
        banned_dishes=tuple(BannedDish.model_validate(d) for d in data["banned_dishes"]),
        oversight_committee_required=data["oversight_committee_required"],
        effective_on=date.fromisoformat(data["effective_on"]) if data["effective_on"] else None,
    )
