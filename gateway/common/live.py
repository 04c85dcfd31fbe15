"""What every live view of the events shares (the GraphQL subscription, the console's tail): who
may see an event, and when a token ends."""

from __future__ import annotations

from typing import Any

import jwt

from services.eventkit.auth import Principal
from services.eventkit.envelope import TenantPath


def may_see(principal: Principal, campus_id: str | None, school_id: str | None, district_id: str | None) -> bool:
    return principal.covers(TenantPath(district_id=district_id, school_id=school_id, campus_id=campus_id))


def expiry_of(token: str | None) -> float:
    """When a verified token expires (its ``exp``; a token that names none: now)."""
    if token is None:
        return 0.0
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return float(claims.get("exp", 0))
