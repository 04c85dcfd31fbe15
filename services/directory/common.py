"""Who may do what in the directory."""

from __future__ import annotations

from services.eventkit.auth import Principal, Role
from services.eventkit.errors import Forbidden

ADMINS = (Role.DISTRICT_ADMIN, Role.PLATFORM_ADMIN)  # they change the directory
PLATFORM = (Role.PLATFORM_ADMIN,)  # registers districts


def staff_only(principal: Principal) -> None:
    """The directory is read by staff; a parent alone is refused (403)."""
    if principal.roles <= {Role.PARENT}:
        raise Forbidden("the directory is for staff")
