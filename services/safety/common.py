"""Who may do what in the safety service: the role tuples its commands and reads check."""

from __future__ import annotations

from services.eventkit.auth import Role

MANAGERS = (Role.LOGISTICS_MANAGER, Role.DISTRICT_ADMIN)
DIRECTORS = (Role.LOGISTICS_MANAGER, Role.VICE_PRINCIPAL)  # 主任: they sign fire inspections off
STAFF_ON_CAMPUS = (
    *MANAGERS,
    Role.VICE_PRINCIPAL,
    Role.CLEANER,
    Role.GUARD,
    Role.TECHNICIAN,
    Role.CANTEEN_WORKER,
    Role.TEACHER,
    Role.CLASS_TEACHER,
    Role.MEDICAL,
)
FIXERS = (*MANAGERS, Role.TECHNICIAN, Role.CLEANER, Role.GUARD)
INSPECTORS = (*MANAGERS, Role.VICE_PRINCIPAL)
MEDICAL = (Role.MEDICAL,)
TEACHERS_OF_CLASS = (Role.TEACHER, Role.CLASS_TEACHER)
SESSION_STAFF = (*MANAGERS, *TEACHERS_OF_CLASS)  # a safety session: a manager, or a teacher of its class
REPORTERS = (*MANAGERS, Role.TEACHER, Role.CLASS_TEACHER, Role.MEDICAL)  # who reports and follows up injuries
