"""An appraisal's score: the base, less the deductions, plus the bonuses, each category's
deductions and bonuses counted up to its monthly cap. The appraisal decides with it and the
totals projection shows it, so both say the same number."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.hr_eval.events import RuleCategory


@dataclass(frozen=True)
class Score:
    base: int
    deductions: int  # points taken, after the caps (>= 0)
    bonuses: int  # points given, after the caps (>= 0)

    @property
    def total(self) -> int:
        return self.base - self.deductions + self.bonuses


def score(base: int, categories: Iterable[RuleCategory], items: Iterable[tuple[str, int]]) -> Score:
    """``items`` are (category code, points) of the items that count (not withdrawn; points
    after any dispute or correction). A category the rule book no longer lists is uncapped."""
    caps = {c.code: c for c in categories}
    taken: dict[str, int] = {}
    given: dict[str, int] = {}
    for category, points in items:
        if points < 0:
            taken[category] = taken.get(category, 0) - points
        elif points > 0:
            given[category] = given.get(category, 0) + points
    deductions = sum(min(p, caps[c].deduction_cap) if c in caps else p for c, p in taken.items())
    bonuses = sum(min(p, caps[c].bonus_cap) if c in caps else p for c, p in given.items())
    return Score(base, deductions, bonuses)
