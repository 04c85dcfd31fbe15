"""What the kitchen's reads answer (food samples, meals, canteen workers and their morning
checks, temperature units and readings): the OpenAPI of each read route names its model here."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from services.eventkit.queries import Row


class KitchenTenant(Row):
    district_id: str | None
    school_id: str | None
    campus_id: str


class FoodSample(KitchenTenant):
    """A food sample (留样): what it is of, where it is kept, and when it may be released."""

    sample_id: str
    served_on: date
    meal: str
    dish: str
    grams: int
    unit_id: str | None
    retained_by: str
    retained_at: datetime
    release_after: datetime = Field(description="The earliest it may be disposed of")
    status: str = Field(description="kept (in the fridge) or disposed")
    held: bool = Field(description="Held for an investigation: kept past its time")
    hold_reason: str | None
    held_by: str | None
    disposed_by: str | None
    disposed_at: datetime | None
    releasable: bool = Field(description="In the fridge, past its time and not held: it may be disposed of now")


class MealServedRow(KitchenTenant):
    """A meal served, its dishes with and without a sample retained."""

    meal_id: str
    served_on: date
    meal: str
    dishes: list[str]
    servers: list[str]
    diners: int
    recorded_by: str
    sampled: list[str] = Field(description="The dishes a sample was retained of")
    not_sampled: list[str] = Field(description="The dishes served without a sample retained")
    found_without_sample: list[str] = Field(description="The dishes a check of the meal's samples found unsampled")


class MorningCheck(KitchenTenant):
    """A worker's check before a shift; the symptoms only for those who read health data."""

    check_id: str
    staff_id: str
    checked_on: date
    shift: str
    passed: bool
    dress_ok: bool
    fever: bool | None = Field(description="Null unless the caller reads health data")
    gastro: bool | None = Field(description="Null unless the caller reads health data")
    hand_wound: bool | None = Field(description="Null unless the caller reads health data")
    respiratory: bool | None = Field(description="Null unless the caller reads health data")
    note: str | None = Field(description="Null unless the caller reads health data")
    checked_by: str
    checked_at: datetime
    symptoms_shown: bool = Field(description="Whether the symptoms are shown to the caller")


class MorningCheckDay(Row):
    """A campus's morning checks on a day: x checked of y canteen workers, and who was stood down."""

    campus_id: str
    on: date
    workers: int = Field(description="The campus's canteen workers")
    checked: int = Field(description="Of them, those checked in at least once that day")
    passed: int = Field(description="Checks passed that day")
    failed: int = Field(description="Checks failed that day")
    stood_down: list[str] = Field(description="Workers whose check failed that day")
    not_checked: list[str] = Field(description="Canteen workers of the campus not checked that day")
    still_stood_down: list[str] = Field(description="Workers stood down and not cleared (as the records stand now)")


class CanteenWorkerRow(KitchenTenant):
    """A canteen worker's health certificate and whether they are stood down."""

    staff_id: str
    certificate: str
    issued_on: date
    expires_on: date
    stood_down: bool
    reasons: list[str] | None = Field(description="Why they were stood down (null unless the caller reads health data)")
    stood_down_at: datetime | None
    cleared_by: str | None
    cleared_at: datetime | None


class ExpiringCertificate(KitchenTenant):
    """A health certificate expiring within the district's warning days (or expired)."""

    staff_id: str
    certificate: str
    issued_on: date
    expires_on: date
    as_of: date
    days_left: int = Field(description="Days from as_of to its last valid day (negative: expired)")
    warning_days: int = Field(description="The district's warning days in force on as_of")


class TemperatureUnitRow(KitchenTenant):
    """A unit whose temperature is logged, its limits and readings."""

    unit_id: str
    name: str
    kind: str
    min_c10: int
    max_c10: int
    registered_by: str
    readings: int
    out_of_limits: int = Field(description="Readings out of limits, ever")
    open_actions: int = Field(description="Readings out of limits without a corrective action")
    last_c10: int | None
    last_within_limits: bool | None
    last_read_at: datetime | None


class TemperatureReading(KitchenTenant):
    """A reading, and the corrective action taken if it was out of limits."""

    reading_key: str
    unit_id: str
    reading_id: str
    unit_name: str
    kind: str
    min_c10: int
    max_c10: int
    c10: int
    within_limits: bool
    read_by: str
    read_at: datetime
    action: str | None
    action_by: str | None
    action_at: datetime | None
    action_open: bool = Field(description="Out of limits and no corrective action yet")
