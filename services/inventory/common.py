"""Who may do what in the inventory."""

from __future__ import annotations

from services.campus.scoped import CampusCommands
from services.eventkit.auth import Principal, Role
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import Forbidden, InvalidInput

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


async def school_tenant(commands: CampusCommands, principal: Principal, school_id: str, *roles: Role) -> TenantPath:
    """A school's tenant path, refused (403) unless the caller covers the school or one of its campuses."""
    rows = await commands.pool.fetch(
        "SELECT campus_id, district_id FROM directory_campuses WHERE school_id = $1", school_id
    )
    if not rows:
        raise InvalidInput(f"school {school_id} has no campus the inventory knows", field="school_id")
    tenant = TenantPath(district_id=rows[0]["district_id"], school_id=school_id)
    principal.require_role(*roles)
    if not principal.covers(tenant) and not any(r["campus_id"] in principal.campuses for r in rows):
        raise Forbidden(f"{principal.subject} has no scope over school {school_id}")
    return tenant
