"""What the staff appraisal's reads answer: the OpenAPI of each read route names its model here
(the columns of the queries beside it, with their types and which may be null)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from services.eventkit.queries import Row

# -- contests ---------------------------------------------------------------------------------


class Contest(Row):
    """A contest as announced, with how many score sheets it holds and its ranking once ranked."""

    contest_id: str
    district_id: str | None
    school_id: str
    campus_id: str | None
    name: str
    kind: str
    level: str
    organiser: str
    held_on: date
    rounds: list[dict[str, Any]]
    criteria: list[dict[str, Any]]
    judges: list[str]
    entrants: list[dict[str, Any]]
    announced_by: str
    announced_at: datetime
    sheets: int
    ranked: bool
    ranking: list[dict[str, Any]] | None
    ranked_by: str | None
    ranked_at: datetime | None


class ScoreSheet(Row):
    """One judge's scores of one entrant in one round, per criterion, and their total."""

    round_id: str
    entrant_id: str
    judge: str
    scores: dict[str, int]
    total: int
    recorded_by: str
    recorded_at: datetime


class ContestFile(Contest):
    """A contest with every judge's score sheet (by round, entrant and judge)."""

    scores: list[ScoreSheet]


class Award(Row):
    award_id: str
    district_id: str | None
    school_id: str
    campus_id: str | None
    contest_id: str | None
    title: str
    prize: str
    level: str
    awarded_on: date
    entrant_id: str | None
    recipient_name: str
    staff_ids: list[str]
    bonus_rule_code: str | None
    granted_by: str
    granted_at: datetime


class Honour(Row):
    honour_id: str
    district_id: str | None
    school_id: str
    campus_id: str | None
    title: str
    level: str
    awarded_by: str
    awarded_on: date
    recorded_by: str
    recorded_at: datetime
