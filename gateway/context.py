"""Per-request context: the caller, their principal, the services, and the request's dataloaders.

DataLoaders live here and nowhere else: one set per request, so nothing cached
for one tenant ever answers another, and nothing outlives its event loop. The one
thing kept across requests, campus rows, is kept per bearer token (``gateway.memo``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from gateway.clients import Caller, ServiceClients
from gateway.memo import CampusMemo
from gateway.settings import GatewaySettings
from services.eventkit.auth import Principal, Role, TokenVerifier
from services.eventkit.errors import Unauthenticated


class AuthenticationRequired(Exception):
    def __init__(self, reason: str = "authentication required: send Authorization: Bearer <token>") -> None:
        super().__init__(reason)


@dataclass
class GatewayContext(BaseContext):
    settings: GatewaySettings
    caller: Caller
    principal: Principal | None
    correlation_id: str
    verifier: TokenVerifier
    hub: Any = None  # the live event stream (gateway.events.EventHub)
    loaders: dict[str, DataLoader[Any, Any]] = field(default_factory=dict)
    campuses: dict[str, Any] = field(default_factory=dict)  # fetched for a page's items before they resolve
    campus_memo: CampusMemo | None = None  # the process's campus rows, per token (gateway.memo)
    read_after: str | None = None  # the Houqin-Read-After header: versions to wait for (gateway.read_after)
    read_wait: str | None = None  # the Houqin-Read-Wait-Ms header

    def __post_init__(self) -> None:
        super().__init__()

    def require(self, *roles: Role) -> Principal:
        if self.principal is None:
            raise AuthenticationRequired()
        if roles and not self.principal.has_role(*roles):
            raise PermissionError(f"{self.principal.subject} needs one of the roles: {', '.join(roles)}")
        return self.principal

    def bearer_token(self) -> str | None:
        """The caller's bearer token: from the request's headers, or a websocket's connection_init payload."""
        authorization = self.caller.authorization
        if not authorization and isinstance(self.connection_params, dict):
            authorization = self.connection_params.get("Authorization") or self.connection_params.get("authorization")
        if isinstance(authorization, str) and authorization.lower().startswith("bearer "):
            return authorization[7:].strip()
        return None

    async def subscriber(self, *roles: Role) -> Principal:
        """For a websocket: the token from the headers, or from the connection_init payload."""
        if self.principal is None and isinstance(self.connection_params, dict):
            authorization = self.connection_params.get("Authorization") or self.connection_params.get("authorization")
            if isinstance(authorization, str) and authorization.lower().startswith("bearer "):
                try:
                    self.principal = await self.verifier.verify(authorization[7:].strip())
                except Unauthenticated as exc:
                    raise AuthenticationRequired(exc.reason) from None
        return self.require(*roles)

    def loader(self, name: str, make: Any) -> DataLoader[Any, Any]:
        if name not in self.loaders:
            self.loaders[name] = make(self)
        return self.loaders[name]


async def build_context(
    settings: GatewaySettings,
    clients: ServiceClients,
    verifier: TokenVerifier,
    authorization: str | None,
    correlation_id: str | None,
) -> GatewayContext:
    principal = None
    if authorization:
        if not authorization.lower().startswith("bearer "):
            raise AuthenticationRequired("the Authorization header must be: Bearer <token>")
        try:
            principal = await verifier.verify(authorization[7:].strip())
        except Unauthenticated as exc:
            raise AuthenticationRequired(exc.reason) from None
    cid = correlation_id or str(uuid4())
    return GatewayContext(
        settings=settings,
        caller=Caller(clients, authorization, cid),
        principal=principal,
        correlation_id=cid,
        verifier=verifier,
    )
