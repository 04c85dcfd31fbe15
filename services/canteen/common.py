"""Who may do what in the canteen, and the vocabulary every part of it shares."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from pydantic import Field

from services.eventkit.auth import Role

MANAGERS = (Role.LOGISTICS_MANAGER,)
"""The campus's logistics managers run the canteen: committee, visits, audits, violations, contests."""
LEADERS = (Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.LOGISTICS_MANAGER)
"""School leaders: they eat with the pupils (陪餐) and record it."""
KITCHEN = (Role.LOGISTICS_MANAGER, Role.CANTEEN_WORKER)
"""Who works in the kitchen's daily records: deliveries, samples, temperatures, morning checks, self-inspections."""
DISTRICT = (Role.DISTRICT_ADMIN, Role.PLATFORM_ADMIN)
"""Set the district's canteen rules (sample amounts and times, tolerances, dishes not served)."""
OVERSEERS = (Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.DISTRICT_ADMIN, Role.PLATFORM_ADMIN)
"""Read everything of the canteen in their scope."""
READERS = (*MANAGERS, Role.CANTEEN_WORKER, *OVERSEERS, Role.MEDICAL)
"""Read the canteen's records of their campuses (health data only the HEALTH_READERS of the events)."""
PARENT = (Role.PARENT,)
"""A parent reads published reflections and the food-safety ledger of their child's campus, nothing else."""

Grams = Annotated[int, Field(ge=0, le=1_000_000, description="Whole grams")]
"""A weight in whole grams (a delivery line up to a tonne)."""
TenthsC = Annotated[int, Field(ge=-500, le=2000, description="Tenths of a degree Celsius (-180 is -18.0 °C)")]
"""A temperature in tenths of a degree Celsius."""
Permille = Annotated[int, Field(ge=0, le=1000, description="Per mille (50 is 5 %)")]
"""A share in per mille."""
Score = Annotated[int, Field(ge=1, le=5, description="1 (poor) to 5 (very good)")]
"""A diner's rating of a dish."""


def monday_of(day: date) -> date:
    """The Monday of ``day``'s week: a week is named by its Monday."""
    return day - timedelta(days=day.weekday())


def meal_id(campus_id: str, served_on: date, meal: str) -> str:
    """A meal of a campus: ``<campus>-<YYYY-MM-DD>-<meal>``."""
    return f"{campus_id}-{served_on.isoformat()}-{meal}"
