"""Who may do what in the inventory."""

from __future__ import annotations

from services.eventkit.auth import Role

MANAGERS = (Role.LOGISTICS_MANAGER, Role.DISTRICT_ADMIN)
APPROVERS = (*MANAGERS, Role.VICE_PRINCIPAL)
STAFF = (
    *APPROVERS,
    Role.ACCEPTANCE_MEMBER,
    Role.TEACHER,
    Role.CLASS_TEACHER,
    Role.CLEANER,
    Role.GUARD,
    Role.TECHNICIAN,
    Role.CANTEEN_WORKER,
    Role.MEDICAL,
)
REPORTERS = (*MANAGERS, Role.CLEANER, Role.GUARD, Role.TECHNICIAN, Role.VICE_PRINCIPAL)
COUNTERS = (*APPROVERS, Role.ACCEPTANCE_MEMBER, Role.TECHNICIAN, Role.CLEANER, Role.GUARD)  # who counts the shelves
REPAIRERS = (*MANAGERS, Role.TECHNICIAN)
DISPOSAL_APPROVERS = (Role.VICE_PRINCIPAL, Role.DISTRICT_ADMIN)
