"""What the self-inspection reads answer (their OpenAPI names these rows)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from services.eventkit.queries import Row


class FailedItem(BaseModel):
    """An item that failed, where, what was found, and the hazard it raised in safety (if any)."""

    item: str
    area: str
    note: str
    hazard: bool
    severity: str | None
    hazard_id: str | None = Field(description="The hazard safety keeps for it (null: not a hazard, or not yet raised)")


class SelfInspectionRow(Row):
    """A self-inspection: its period, who did it and when, its failed items and the hazards it raised."""

    inspection_id: str
    district_id: str | None
    school_id: str | None
    campus_id: str
    cadence: str
    period_start: date = Field(description="The day, the Monday of the week, or the first of the month it covers")
    inspected_on: date
    inspected_at: datetime
    inspected_by: str
    items: int = Field(description="Results recorded (items checked, per area)")
    failed: int
    hazards: int
    failed_items: list[FailedItem]
    hazard_ids: list[str] = Field(description="The hazards raised in safety, in the order they were found")
    uncovered: list[str] = Field(description="Items of the cadence's standard checklist it did not check")


class SelfInspectionDone(BaseModel):
    """Whether a campus's self-inspection of a cadence is done for the period holding a day."""

    campus_id: str
    cadence: str
    period_start: date
    inspection_id: str = Field(description="The inspection of that period (done or not)")
    done: bool
    inspected_at: datetime | None
    inspected_by: str | None
    failed: int | None
    hazards: int | None


class ChecklistEntry(BaseModel):
    """One item of a standard checklist."""

    item: str = Field(description="What a result's item says")
    checks: str = Field(description="What is checked")


class StandardChecklist(BaseModel):
    """The standard checklist of a cadence."""

    cadence: str
    required: bool = Field(description="Whether an inspection of this cadence must cover every item")
    items: list[ChecklistEntry]
