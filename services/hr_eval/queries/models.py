"""What the staff appraisal's reads answer: the OpenAPI of each read route names its model here
(the columns of the queries beside it, with their types and which may be null)."""

from __future__ import annotations

from datetime import date, datetime

from services.eventkit.queries import Row

# -- rule book ---------------------------------------------------------------------------------


class RuleCategoryRow(Row):
    """A category of a rule book version, with its monthly caps (points)."""

    code: str
    name: str
    deduction_cap: int
    bonus_cap: int


class RuleRow(Row):
    """One rule of a rule book version: negative points deduct, positive points give a bonus."""

    code: str
    text: str
    category: str
    points: int


class RuleBookVersionSummary(Row):
    """A version of a school's rule book: in force from ``effective_on`` until the day before
    ``superseded_on`` (none: still the latest)."""

    school_id: str
    version: int
    title: str
    effective_on: date
    superseded_on: date | None
    studied_on: date | None
    base_score: int
    category_count: int
    rule_count: int
    published_by: str
    published_at: datetime


class RuleBookVersion(RuleBookVersionSummary):
    """A version of a school's rule book with its categories and rules, in the order published."""

    categories: list[RuleCategoryRow]
    items: list[RuleRow]


class StaffAcknowledgement(Row):
    """A member of staff and when they acknowledged a version (none: not yet). ``name``, ``roles``
    and ``campus_ids`` are the directory's, when it knows them."""

    staff_id: str
    name: str | None
    roles: list[str]
    campus_ids: list[str]
    acknowledged_at: datetime | None


class RuleBookAcknowledgements(Row):
    """Who acknowledged a version of the rule book when, and which of the school's logistics
    workers (active cleaners, guards, canteen workers and technicians) have not yet."""

    school_id: str
    version: int
    title: str
    effective_on: date
    campus_id: str | None
    acknowledged_count: int
    pending_count: int
    acknowledged: list[StaffAcknowledgement]
    pending: list[StaffAcknowledgement]
