"""The rule book (月考核细则) of a school: versioned, studied by all staff at the term's first
meeting, acknowledged by each worker.

One stream per school holds every version. A version is in force from its effective date until
the next version's; an appraisal pins the version in force for its month, so a new version
never changes a month already opened (let alone published). A new version takes effect no
earlier than the one before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import Field, field_validator

from services.eventkit.acts import ActAtOrNow
from services.eventkit.bounds import EntityId, Few, Many, Name, Text
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent, Value
from services.eventkit.errors import Rejected
from services.hr_eval.common import Points, RuleCode
from services.hr_eval.events import RuleBookPublished, RuleCategory, RuleItem

# -- commands ----------------------------------------------------------------------------


class CategoryLine(Value):
    """A category of rules, with its monthly caps."""

    code: RuleCode
    name: Name
    deduction_cap: int = Field(ge=0, le=1000, description="At most this many points deducted in the category a month")
    bonus_cap: int = Field(default=0, ge=0, le=1000, description="At most this many bonus points a month")


class RuleLine(Value):
    """One rule of the book: its code, its text, its category and its points."""

    code: RuleCode
    text: Text = Field(min_length=1, description="What the rule says, as the staff studied it")
    category: RuleCode = Field(description="The code of one of the rule book's categories")
    points: Points = Field(description="Negative: a deduction; positive: a bonus; never zero")


class PublishRuleBook(Command):
    """A new version of the school's rule book; its number is the next one (1 for the first)."""

    model_config = examples(
        {
            "school_id": "shiyan",
            "title": "后勤人员月考核细则（2020学年第一学期）",
            "effective_on": "2020-09-01",
            "studied_on": "2020-08-31",
            "base_score": 100,
            "categories": [
                {"code": "DISC", "name": "劳动纪律", "deduction_cap": 20, "bonus_cap": 0},
                {"code": "DUTY", "name": "岗位职责", "deduction_cap": 30, "bonus_cap": 0},
                {"code": "MERIT", "name": "加分项", "deduction_cap": 0, "bonus_cap": 10},
            ],
            "items": [
                {"code": "D-1", "text": "无故迟到、早退", "category": "DISC", "points": -2},
                {"code": "R-2", "text": "责任区卫生不达标", "category": "DUTY", "points": -3},
                {"code": "B-1", "text": "技能比赛获奖", "category": "MERIT", "points": 5},
            ],
        }
    )

    school_id: EntityId
    title: Name
    effective_on: date = Field(description="The first day the version is in force")
    studied_on: date | None = Field(default=None, description="The staff meeting that studied it")
    base_score: int = Field(ge=1, le=1000, description="Every worker's month opens at this score")
    categories: Few[CategoryLine] = Field(min_length=1, description="The categories, each with its monthly caps")
    items: Many[RuleLine] = Field(min_length=1, description="The rules: deductions and bonuses")
    at: ActAtOrNow = None

    @field_validator("categories")
    @classmethod
    def _distinct_categories(cls, categories: list[CategoryLine]) -> list[CategoryLine]:
        codes = [c.code for c in categories]
        if len(set(codes)) != len(codes):
            raise ValueError("each category's code appears once")
        return categories

    @field_validator("items")
    @classmethod
    def _items_in_categories(cls, items: list[RuleLine], info: object) -> list[RuleLine]:
        codes = [i.code for i in items]
        if len(set(codes)) != len(codes):
            raise ValueError("each rule's code appears once")
        if any(i.points == 0 for i in items):
            raise ValueError("a rule deducts or gives points: none has 0")
        data = getattr(info, "data", {})
        categories = {c.code for c in data.get("categories") or []}
        unknown = sorted({i.category for i in items} - categories)
        if categories and unknown:
            raise ValueError(f"rules name categories the rule book does not have: {', '.join(unknown)}")
        return items


# -- state -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleBookVersion:
    version: int
    title: str
    effective_on: date
    base_score: int
    categories: tuple[RuleCategory, ...]
    items: tuple[RuleItem, ...]
    published_at: datetime | None = None
    studied_on: date | None = None

    def rule(self, code: str) -> RuleItem | None:
        return next((i for i in self.items if i.code == code), None)

    def category(self, code: str) -> RuleCategory | None:
        return next((c for c in self.categories if c.code == code), None)


@dataclass(frozen=True)
class RuleBookState:
    school_id: str = ""
    versions: tuple[RuleBookVersion, ...] = ()

    @property
    def latest(self) -> RuleBookVersion | None:
        return self.versions[-1] if self.versions else None

    def in_force(self, day: date) -> RuleBookVersion | None:
        """The version in force on ``day``: the latest that took effect on or before it."""
        found = None
        for v in self.versions:
            if v.effective_on <= day:
                found = v
        return found

    def version(self, number: int) -> RuleBookVersion | None:
        return next((v for v in self.versions if v.version == number), None)


RuleBookCommand = Resolved[PublishRuleBook]


def decide(rc: RuleBookCommand, state: RuleBookState) -> Sequence[DomainEvent]:
    cmd = rc.command
    latest = state.latest
    if latest is not None and cmd.effective_on <= latest.effective_on:
        raise Rejected(
            f"version {latest.version} takes effect on {latest.effective_on}: a new version takes effect after it",
            field="effective_on",
        )
    return [
        RuleBookPublished(
            school_id=cmd.school_id,
            version=(latest.version + 1) if latest else 1,
            title=cmd.title,
            effective_on=cmd.effective_on,
            studied_on=cmd.studied_on,
            base_score=cmd.base_score,
            categories=[RuleCategory(**c.model_dump()) for c in cmd.categories],
            items=[RuleItem(**i.model_dump()) for i in cmd.items],
            published_by=rc.actor,
            published_at=rc.at,
        )
    ]


def evolve(state: RuleBookState, event: DomainEvent) -> RuleBookState:
    if isinstance(event, RuleBookPublished):
        version = RuleBookVersion(
            event.version,
            event.title,
            event.effective_on,
            event.base_score,
            tuple(event.categories),
            tuple(event.items),
            event.published_at,
            event.studied_on,
        )
        return RuleBookState(event.school_id, (*state.versions, version))
    return state


RuleBook: Decider[RuleBookCommand, RuleBookState, DomainEvent] = Decider(
    "RuleBook", RuleBookState(), decide, evolve, "rulebook"
)
"""One stream per school (its id is the school's id)."""
