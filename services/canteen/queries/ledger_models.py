"""What the food-safety ledger's reads answer (the OpenAPI of ``/ledger`` names these)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from services.eventkit.queries import Row


class LedgerFigures(Row):
    """A campus's food-safety figures of one day (counts of the day's acts; "open", "stood down"
    and "in the fridge" as of the day's end, or now for today)."""

    on: date = Field(description="The day")
    canteen_workers: int = Field(description="Canteen workers on the campus's staff that day (the directory's)")
    workers_checked: int = Field(description="Workers given a morning check that day")
    checks: int = Field(description="Morning checks recorded (a worker may be checked before each shift)")
    checks_failed: int = Field(description="Morning checks failed")
    stood_down: int = Field(description="Workers stood down and not yet cleared")
    meals_served: int = Field(description="Meals served")
    dishes_served: int = Field(description="Dishes of the meals served")
    samples_retained: int = Field(description="Samples retained of the day's dishes")
    dishes_without_sample: int = Field(description="Dishes found served without a sample")
    deliveries_received: int = Field(description="Deliveries received")
    deliveries_signed: int = Field(description="Deliveries whose acceptance was signed")
    delivery_lines: int = Field(description="Lines of the deliveries received")
    lines_rejected: int = Field(description="Delivery lines rejected")
    pesticide_tests: int = Field(description="Pesticide quick tests")
    pesticide_failures: int = Field(description="Pesticide quick tests failed")
    temperature_readings: int = Field(description="Temperature readings")
    temperatures_out_of_limit: int = Field(description="Readings out of their unit's limits")
    corrective_actions_taken: int = Field(description="Corrective actions taken")
    corrective_actions_open: int = Field(
        description="Out-of-limit readings (of that day or before) without a corrective action yet"
    )
    leader_meals: int = Field(description="Meals a school leader ate with the pupils (陪餐)")
    teacher_meals: int = Field(description="Meals a teacher ate with the pupils")
    parent_meals: int = Field(description="Meals a parent ate with the pupils (a parent visit's lunch)")
    samples_in_fridge: int = Field(description="Samples in the fridge (retained, not yet disposed of)")


class LedgerTotals(Row):
    """A week's figures: the days' counts summed; workers, stood down, open corrective actions
    and samples in the fridge as of the week's end."""

    canteen_workers: int = Field(description="Canteen workers on the staff at the week's end")
    workers_checked: int = Field(description="Morning checks of workers, summed over the days")
    checks: int
    checks_failed: int
    stood_down: int = Field(description="Workers stood down at the week's end")
    meals_served: int
    dishes_served: int
    samples_retained: int
    dishes_without_sample: int
    deliveries_received: int
    deliveries_signed: int
    delivery_lines: int
    lines_rejected: int
    pesticide_tests: int
    pesticide_failures: int
    temperature_readings: int
    temperatures_out_of_limit: int
    corrective_actions_taken: int
    corrective_actions_open: int = Field(description="Corrective actions open at the week's end")
    leader_meals: int
    teacher_meals: int
    parent_meals: int
    samples_in_fridge: int = Field(description="Samples in the fridge at the week's end")
    days_served: int = Field(description="Days on which a meal was served")
    days_with_leader_meal: int = Field(description="Days on which a school leader ate with the pupils")


class LedgerVisit(Row):
    """The week's parent visit (家长进校园): where it stands."""

    visit_id: str
    week_of: date | None = Field(description="The Monday of the visit's week")
    visit_on: date | None = Field(description="The day of the visit")
    parent_name: str | None = Field(description="The visiting parent (null for a parent reading the ledger)")
    cancelled: bool
    deliveries_inspected: bool = Field(description="The parent weighed and inspected the morning's deliveries")
    done: bool = Field(description="The parent ate lunch with the pupils: the visit took place")
    reflection_submitted: bool
    reflection_published: bool = Field(description="The parent's reflection was published to the campus's parents")
    published_at: datetime | None
    channel: str | None = Field(description="Where the reflection was published")


class ExpiringCertificate(Row):
    """A certificate expiring within the district's warning days (or expired: a worker's only)."""

    kind: str = Field(description="health (a worker's 健康证), or a delivery's: supplier_licence, quarantine, ...")
    number: str
    expires_on: date
    days_left: int = Field(description="Days from the ledger's day to the expiry (negative: expired)")
    staff_id: str | None = Field(description="The worker's, for a health certificate (null for a parent)")
    staff_name: str | None = Field(description="The worker's name (null for a parent)")
    supplier_name: str | None = Field(description="The supplier's, for a delivery's certificate")
    item: str | None = Field(description="The delivery line's item, for a line's certificate")
    delivery_id: str | None


class FridgeSample(Row):
    """A sample in the fridge (留样), and when it may be released."""

    sample_id: str
    served_on: date
    meal: str
    dish: str
    grams: int
    unit_id: str | None
    retained_at: datetime
    release_after: datetime = Field(description="The earliest it may be disposed of")
    held: bool = Field(description="Held for an investigation: kept past its time until the hold is lifted")
    releasable: bool = Field(description="Its time has come and it is not held")


class OpenCorrectiveAction(Row):
    """An out-of-limit reading without a corrective action yet (it carries over until one is taken)."""

    reading_id: str
    unit_id: str
    unit_name: str | None
    unit_kind: str | None
    c10: int = Field(description="The reading, in tenths of a degree Celsius")
    min_c10: int | None
    max_c10: int | None
    read_at: datetime
    days_open: int = Field(description="Days since the reading")


class WorkerCheck(Row):
    """A canteen worker's morning checks of the day (staff readers only)."""

    staff_id: str
    name: str
    checks: int = Field(description="Checks recorded that day")
    passed: bool | None = Field(description="Every check of the day passed (null: not checked)")
    stood_down: bool = Field(description="Stood down and not yet cleared")


class LedgerDay(LedgerFigures):
    """A campus's food-safety ledger of a day: the figures, the week's parent visit, certificates
    expiring, samples in the fridge, open corrective actions and (staff only) the workers' checks."""

    campus_id: str
    week_of: date = Field(description="The Monday of the day's week")
    as_of: datetime = Field(description="The instant the standing figures are of: the day's end, or now")
    warning_days: int = Field(description="The district's certificate warning days on that day")
    visit: LedgerVisit | None = Field(description="The week's parent visit (the last scheduled, not cancelled first)")
    certificates: list[ExpiringCertificate]
    fridge: list[FridgeSample] = Field(description="The samples in the fridge, the earliest release first")
    open_actions: list[OpenCorrectiveAction]
    workers: list[WorkerCheck] | None = Field(description="Each canteen worker's checks (null for a parent)")


class LedgerWeek(Row):
    """A campus's food-safety ledger of a week (Monday to Sunday): each day's figures, the week's
    totals, its parent visit, and as of its end the certificates, the fridge and the open actions."""

    campus_id: str
    week_of: date = Field(description="The week's Monday")
    as_of: datetime = Field(description="The instant the standing figures are of: the week's end, or now")
    warning_days: int
    days: list[LedgerFigures]
    totals: LedgerTotals
    visit: LedgerVisit | None
    certificates: list[ExpiringCertificate]
    fridge: list[FridgeSample]
    open_actions: list[OpenCorrectiveAction]
