"""Who uses the console: the operator's token, kept in an HttpOnly cookie after sign-in.

Production takes the token the identity provider issued (pasted, or set by a proxy in front);
outside production a development sign-in mints one for a user of the demo district. Every
page checks the token again (expiry, signature) and the role: operators, platform admins, the
district's admins and logistics managers watch events; the services' own operations role
(operators, platform admins) acts on dead letters and projections.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from services.eventkit.auth import Principal, Role, mint_token
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import Unauthenticated
from services.eventkit.settings import Settings

COOKIE = "houqin_console"
MAX_TOKEN_LENGTH = 8192
WATCHERS = (Role.OPERATOR, Role.PLATFORM_ADMIN, Role.DISTRICT_ADMIN, Role.LOGISTICS_MANAGER)
"""Who watches the event streams (of the campuses their token covers)."""
ACTORS = (Role.OPERATOR, Role.PLATFORM_ADMIN)
"""Who replays, parks or skips dead letters and rebuilds projections (the services' ``/ops``)."""

# The development sign-in's users: (key, label, principal). Not offered in production.
DEMO_DISTRICT = "xinbei"
DEMO_USERS: tuple[tuple[str, str, Principal], ...] = (
    (
        "operator",
        "运维 值班员 (operator, 新北区)",
        Principal(
            subject="demo-operator", name="运维 值班员", roles=frozenset([Role.OPERATOR]),
            districts=frozenset([DEMO_DISTRICT]),
        ),
    ),
    (
        "district-admin",
        "演示 区管理员 (district admin, 新北区)",
        Principal(
            subject="demo-admin", name="演示 区管理员", roles=frozenset([Role.DISTRICT_ADMIN]),
            districts=frozenset([DEMO_DISTRICT]),
        ),
    ),
    (
        "platform-admin",
        "平台管理员 (platform admin: every district)",
        Principal(subject="platform-admin", name="平台管理员", roles=frozenset([Role.PLATFORM_ADMIN])),
    ),
)  # fmt: skip


class SignInRequired(Exception):
    """No valid console token: the page sends the browser to the sign-in."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ConsoleUser:
    principal: Principal
    token: str

    @property
    def authorization(self) -> str:
        return f"Bearer {self.token}"

    def can_act(self) -> bool:
        return self.principal.has_role(*ACTORS)

    def scope_label(self) -> str:
        """What the token covers, as the pages say it ("every district", or the nodes named)."""
        p = self.principal
        if p.holds(TenantPath(), *WATCHERS):
            return "every district"
        nodes = [*sorted(p.districts), *sorted(p.schools), *sorted(p.campuses)]
        return ", ".join(nodes) or "nowhere (the token covers no district, school or campus)"


def demo_token(settings: Settings, key: str) -> str | None:
    """A development token for one of :data:`DEMO_USERS` (None in production or for another key)."""
    if settings.production:
        return None
    for k, _, principal in DEMO_USERS:
        if k == key:
            return mint_token(settings, principal, ttl_s=12 * 3600)
    return None


async def verify(request: Request, token: str) -> Principal:
    verifier = request.app.state.gateway["verifier"]
    principal: Principal = await verifier.verify(token)
    return principal


async def console_user(request: Request) -> ConsoleUser:
    token = request.cookies.get(COOKIE) or ""
    authorization = request.headers.get("authorization", "")
    if not token and authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()  # an API client, or a proxy that signs operators in
    if not token:
        raise SignInRequired()
    try:
        principal = await verify(request, token)
    except Unauthenticated as exc:
        raise SignInRequired(exc.reason) from None
    if not principal.has_role(*WATCHERS):
        raise HTTPException(403, f"{principal.subject} does not watch the event streams")
    return ConsoleUser(principal, token)


User = Annotated[ConsoleUser, Depends(console_user)]
