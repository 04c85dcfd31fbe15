"""The history of a campus-scoped service's records: seen by whoever covers the record's
campus, and a school's own things (a catalogue item) by whoever covers one of its campuses,
as the commands of :class:`services.campus.scoped.CampusCommands` are authorised."""

from __future__ import annotations

from services.eventkit.auth import Principal
from services.eventkit.db import Connection
from services.eventkit.envelope import TenantPath
from services.eventkit.history import HistoryPolicy


class CampusHistoryPolicy(HistoryPolicy):
    async def covers(self, db: Connection, principal: Principal, tenant: TenantPath) -> bool:
        if principal.covers(tenant):
            return True
        if tenant.campus_id is None and tenant.school_id is not None and principal.campuses:
            rows = await db.fetch("SELECT campus_id FROM directory_campuses WHERE school_id = $1", tenant.school_id)
            return any(row["campus_id"] in principal.campuses for row in rows)
        return False
