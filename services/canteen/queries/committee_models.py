"""What the reads of the meal committee, accompanied meals and surveys answer (the columns of
the queries in ``queries/committee.py``, with their types and which may be null)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field

from services.eventkit.queries import Row


class CommitteeMemberRow(Row):
    member_id: str
    name: str
    kind: str
    duty: str
    staff_id: str | None
    parent_id: str | None
    joined_on: date
    left_on: date | None = Field(description="When the member left (none: a member now)")
    left_reason: str | None


class CommitteeMeetingRow(Row):
    meeting_id: str
    held_on: date
    attendees: list[str]
    minutes: str
    decisions: list[str]
    recorded_by: str


class Committee(Row):
    """A meal committee (or a parents' meal-oversight committee) with its members and meetings."""

    committee_id: str
    district_id: str | None
    school_id: str
    term_id: str
    name: str
    oversight: bool
    duties: list[str]
    formed_on: date
    formed_by: str
    members: int = Field(description="Members now")
    meetings: int = Field(description="Meetings held")
    last_meeting_on: date | None
    roster: list[CommitteeMemberRow] = Field(description="Every member, current and former, by member id")
    meeting_records: list[CommitteeMeetingRow] = Field(description="Every meeting, by day")


class CommitteesOfTerm(Row):
    """A school's committees of a term, and whether the district's rules ask for an oversight committee."""

    school_id: str
    term_id: str
    meal_committee: Committee | None
    oversight_committee: Committee | None
    oversight_required: bool = Field(description="The district's rules ask each school for an oversight committee")
    oversight_missing: bool = Field(description="Required, and not formed")


class AccompaniedMealRow(Row):
    """A meal a leader (or a visiting parent) ate with the pupils."""

    record_id: str
    district_id: str | None
    school_id: str | None
    campus_id: str
    served_on: date
    meal: str
    diner_id: str | None
    diner_name: str
    diner_kind: str = Field(description="leader, teacher or parent")
    place: str
    ratings: list[dict[str, Any]]
    issues: list[str]
    visit_id: str | None = Field(description="The parent visit it was part of (a parent's)")
    recorded_by: str
    sort_key: str = Field(description="The row's place in the list, by day and meal (its cursor)")


class MealCoverage(Row):
    """A campus's accompanied meals of a week: how many of its school days a leader ate lunch with the pupils."""

    campus_id: str
    week_of: date = Field(description="The Monday of the week")
    school_days: int = Field(description="Weekdays of the week in a term of the school")
    days_covered: int = Field(description="School days with a leader's accompanied lunch")
    coverage_permille: int | None = Field(description="days_covered over school_days, per mille (none: no school day)")
    uncovered_days: list[date] = Field(description="School days without a leader's accompanied lunch")
    leader_meals: int = Field(description="Leaders' accompanied meals of the week (every meal)")
    parent_meals: int = Field(description="Parents' accompanied lunches of the week (parent visits)")


class SurveyRow(Row):
    """A satisfaction survey, its counts so far per question, and its results once closed."""

    survey_id: str
    district_id: str | None
    school_id: str
    campus_id: str | None
    term_id: str
    audience: str
    title: str
    questions: list[dict[str, Any]]
    status: str = Field(description="open or closed")
    respondents: int
    batches: int = Field(description="Batches of answers counted")
    counts: list[dict[str, Any]] = Field(description="Per question: satisfied, neutral, dissatisfied")
    satisfaction_permille: int | None = Field(description="Satisfied answers over all answers (once closed)")
    summary: str | None
    opened_by: str
    closed_by: str | None
