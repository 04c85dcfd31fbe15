"""What the reads of parent visits answer: the OpenAPI of each read route names its model here
(the columns of the queries beside it, with their types and which may be null)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from services.eventkit.queries import Row


class VisitRating(Row):
    """How the parent found one dish of the lunch: 1 (poor) to 5 (very good)."""

    dish: str
    look: int
    taste: int
    quantity: int


class VisitStep(Row):
    """One step of a visit: what was done, when, by whom."""

    step: str = Field(
        description="scheduled, rescheduled, cancelled, deliveries_inspected, lunch_accompanied, "
        "reflection_submitted, published, kept_internal or suggestion_answered"
    )
    at: datetime
    by: str
    detail: str


class SuggestionLine(Row):
    """A suggestion of the parent's reflection and the school's answer (none yet: null)."""

    suggestion: int = Field(description="Its position in the reflection, from 0")
    text: str
    answer: str | None
    answered_by: str | None
    answered_at: datetime | None


class ParentVisit(Row):
    """A parent visit: when, who, how far it went, the reflection and how it was reviewed."""

    visit_id: str
    district_id: str | None
    school_id: str | None
    campus_id: str
    week_of: date = Field(description="The Monday of the visit's week")
    visit_on: date
    parent_id: str
    parent_name: str
    status: str = Field(
        description="scheduled, cancelled, deliveries_inspected, lunch_accompanied, reflection_submitted, "
        "published or kept_internal"
    )
    scheduled_by: str
    scheduled_at: datetime
    cancel_reason: str | None
    delivery_ids: list[str] | None
    with_staff: list[str] | None
    delivery_note: str | None
    inspected_at: datetime | None
    ratings: list[VisitRating] | None
    issues: list[str] | None
    lunch_at: datetime | None
    title: str | None
    text: str | None
    consent_to_publish: bool | None
    submitted_at: datetime | None
    published: bool
    channel: str | None
    internal_reason: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    suggestions: list[SuggestionLine]
    answered: int = Field(description="How many of the suggestions the school answered")
    list_key: str = Field(description="The list's order, by day then id (the cursor)")


class ParentVisitFile(ParentVisit):
    """A visit with every step it went through."""

    steps: list[VisitStep]


class PublishedReflection(Row):
    """A reflection published to the parents (what the parents of the campus read)."""

    visit_id: str
    campus_id: str
    week_of: date
    visit_on: date
    parent_name: str
    title: str
    text: str
    channel: str
    published_at: datetime
    suggestions: list[SuggestionLine]
    list_key: str = Field(description="The list's order, by day then id (the cursor)")
