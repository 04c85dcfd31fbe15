"""Who is calling, and what they may see: principals, tokens and scopes.

A principal's scope is a set of nodes of the district -> school -> campus tree;
covering a node covers everything under it. Tokens are HS256-signed with a key
from the settings in development, and verified against an OIDC issuer's JWKS in
production (``HOUQIN_JWT_JWKS_URL``).
"""

from __future__ import annotations

import asyncio
import time
from enum import StrEnum
from typing import Any

import jwt
from pydantic import BaseModel, ConfigDict

from services.eventkit.envelope import TenantPath
from services.eventkit.errors import Forbidden, Unauthenticated
from services.eventkit.settings import Settings


class Role(StrEnum):
    PLATFORM_ADMIN = "platform_admin"  # registers districts; covers every district
    DISTRICT_ADMIN = "district_admin"
    LOGISTICS_MANAGER = "logistics_manager"
    VICE_PRINCIPAL = "vice_principal"
    ACCEPTANCE_MEMBER = "acceptance_member"
    MEDICAL = "medical"
    TEACHER = "teacher"
    CLASS_TEACHER = "class_teacher"
    CLEANER = "cleaner"
    GUARD = "guard"
    CANTEEN_WORKER = "canteen_worker"
    TECHNICIAN = "technician"
    OPERATOR = "operator"
    PARENT = "parent"


STAFF_ROLES = frozenset(Role) - {Role.PARENT}


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True)

    subject: str
    name: str | None = None
    roles: frozenset[Role] = frozenset()
    districts: frozenset[str] = frozenset()
    schools: frozenset[str] = frozenset()
    campuses: frozenset[str] = frozenset()
    classes: frozenset[str] = frozenset()

    def has_role(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)

    def covers(self, tenant: TenantPath) -> bool:
        if Role.PLATFORM_ADMIN in self.roles:
            return True
        return (
            (tenant.district_id is not None and tenant.district_id in self.districts)
            or (tenant.school_id is not None and tenant.school_id in self.schools)
            or (tenant.campus_id is not None and tenant.campus_id in self.campuses)
        )

    def require_role(self, *roles: Role) -> None:
        if not self.has_role(*roles):
            wanted = ", ".join(r.value for r in roles)
            raise Forbidden(f"{self.subject} needs one of the roles: {wanted}")

    def require_scope(self, tenant: TenantPath) -> None:
        if not self.covers(tenant):
            where = tenant.campus_id or tenant.school_id or tenant.district_id or "?"
            raise Forbidden(f"{self.subject} has no scope over {where}")

    def require(self, tenant: TenantPath, *roles: Role) -> None:
        """Refuses (403) unless the principal has one of ``roles`` and covers ``tenant``."""
        self.require_role(*roles)
        self.require_scope(tenant)

    def scope_sql(self, first_param: int, prefix: str = "") -> tuple[str, list[list[str]]]:
        """A SQL condition keeping rows inside the scope, and its three array parameters."""
        p = prefix
        n = first_param
        if Role.PLATFORM_ADMIN in self.roles:
            return f"(${n}::text[] IS NOT NULL AND ${n + 1}::text[] IS NOT NULL AND ${n + 2}::text[] IS NOT NULL)", [
                [],
                [],
                [],
            ]
        clause = (
            f"({p}district_id = ANY(${n}::text[]) OR {p}school_id = ANY(${n + 1}::text[]) "
            f"OR {p}campus_id = ANY(${n + 2}::text[]))"
        )
        return clause, [sorted(self.districts), sorted(self.schools), sorted(self.campuses)]

    def claims(self) -> dict[str, Any]:
        return {
            "sub": self.subject,
            "name": self.name,
            "roles": sorted(r.value for r in self.roles),
            "scope": {
                "districts": sorted(self.districts),
                "schools": sorted(self.schools),
                "campuses": sorted(self.campuses),
            },
            "classes": sorted(self.classes),
        }

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Principal:
        scope = claims.get("scope") or {}
        known = {r.value for r in Role}
        return cls(
            subject=str(claims["sub"]),
            name=claims.get("name"),
            roles=frozenset(Role(r) for r in claims.get("roles", []) if r in known),
            districts=frozenset(scope.get("districts", [])),
            schools=frozenset(scope.get("schools", [])),
            campuses=frozenset(scope.get("campuses", [])),
            classes=frozenset(claims.get("classes", [])),
        )


def mint_token(settings: Settings, principal: Principal, *, ttl_s: int | None = None) -> str:
    """A development token (HS256 with the settings' key)."""
    now = int(time.time())
    claims = principal.claims() | {"iat": now, "exp": now + (ttl_s or settings.jwt_ttl_s)}
    if settings.jwt_issuer:
        claims["iss"] = settings.jwt_issuer
    if settings.jwt_audience:
        claims["aud"] = settings.jwt_audience
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


class TokenVerifier:
    """Verifies bearer tokens, and remembers the ones it verified.

    A client sends the same token with every request until it expires; checking its
    signature and claims each time costs more than the rest of a small command's
    handling. A token verified once is taken again without checking until it expires,
    or for ``VERIFIED_TTL_S`` at most (so a key withdrawn from the issuer's JWKS stops
    being honoured within that time). Refused tokens are not remembered.
    """

    VERIFIED_TTL_S = 60.0
    VERIFIED_MAX = 4096

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._jwks = jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True) if settings.jwt_jwks_url else None
        self._verified: dict[str, tuple[Principal, float]] = {}

    async def verify(self, token: str) -> Principal:
        now = time.time()
        known = self._verified.get(token)
        if known is not None:
            if now < known[1]:
                return known[0]
            self._verified.pop(token, None)
        claims = await self._claims(token)
        principal = Principal.from_claims(claims)
        if len(self._verified) >= self.VERIFIED_MAX:
            self._verified.clear()
        self._verified[token] = (principal, min(float(claims["exp"]), now + self.VERIFIED_TTL_S))
        return principal

    async def _claims(self, token: str) -> dict[str, Any]:
        options: Any = {"require": ["sub", "exp"], "verify_aud": self.settings.jwt_audience is not None}
        try:
            if self._jwks is not None:
                key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
                claims = jwt.decode(
                    token,
                    key.key,
                    algorithms=["RS256", "ES256", "PS256"],
                    audience=self.settings.jwt_audience,
                    issuer=self.settings.jwt_issuer,
                    options=options,
                )
            else:
                claims = jwt.decode(
                    token,
                    self.settings.jwt_secret,
                    algorithms=["HS256"],
                    audience=self.settings.jwt_audience,
                    issuer=self.settings.jwt_issuer,
                    options=options,
                )
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"invalid token: {exc}") from None
        return claims
