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
from pydantic import BaseModel, ConfigDict, model_validator

from services.eventkit.envelope import TenantPath
from services.eventkit.errors import Forbidden, Unauthenticated
from services.eventkit.settings import Settings


class Role(StrEnum):
    PLATFORM_ADMIN = "platform_admin"  # registers districts; covers every district
    DISTRICT_ADMIN = "district_admin"
    LOGISTICS_MANAGER = "logistics_manager"
    PRINCIPAL = "principal"  # the school's principal: reads everything of their school
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

_LEVELS = ("district", "school", "campus")
_NODE_SETS = ("districts", "schools", "campuses")


class Grant(BaseModel):
    """One role held over one node of the tree (a district, a school or a campus). A platform
    admin's grant names no node: it covers every district."""

    model_config = ConfigDict(frozen=True)

    role: Role
    district: str | None = None
    school: str | None = None
    campus: str | None = None

    def covers(self, tenant: TenantPath) -> bool:
        if self.role is Role.PLATFORM_ADMIN:
            return True
        return (
            (self.district is not None and tenant.district_id == self.district)
            or (self.school is not None and tenant.school_id == self.school)
            or (self.campus is not None and tenant.campus_id == self.campus)
        )

    def claim(self) -> dict[str, str]:
        node = {level: getattr(self, level) for level in _LEVELS if getattr(self, level) is not None}
        return {"role": self.role.value, **node}


class Principal(BaseModel):
    """Who calls: their roles and the nodes they serve.

    Without ``grants`` every role holds over every node of the scope (``districts``,
    ``schools``, ``campuses``). With ``grants`` each role holds only over the nodes it was
    granted on; ``roles`` and the three node sets are then the grants' union (a principal
    has a role *somewhere*, and covers a node *for some role*), and the checks that act on a
    tenant (:meth:`holds`, :meth:`require`, :meth:`scope_sql` with roles) read the grants.
    """

    model_config = ConfigDict(frozen=True)

    subject: str
    name: str | None = None
    roles: frozenset[Role] = frozenset()
    districts: frozenset[str] = frozenset()
    schools: frozenset[str] = frozenset()
    campuses: frozenset[str] = frozenset()
    classes: frozenset[str] = frozenset()
    grants: frozenset[Grant] = frozenset()

    @model_validator(mode="after")
    def _union_of_grants(self) -> Principal:
        if self.grants:
            union = {
                "roles": frozenset(g.role for g in self.grants),
                "districts": frozenset(g.district for g in self.grants if g.district is not None),
                "schools": frozenset(g.school for g in self.grants if g.school is not None),
                "campuses": frozenset(g.campus for g in self.grants if g.campus is not None),
            }
            for name, value in union.items():
                object.__setattr__(self, name, value)
        return self

    def has_role(self, *roles: Role) -> bool:
        """One of ``roles`` held somewhere (see :meth:`holds` for over a given tenant)."""
        return any(r in self.roles for r in roles)

    def covers(self, tenant: TenantPath) -> bool:
        """The tenant is under a node the principal serves, in any role."""
        if Role.PLATFORM_ADMIN in self.roles:
            return True
        return (
            (tenant.district_id is not None and tenant.district_id in self.districts)
            or (tenant.school_id is not None and tenant.school_id in self.schools)
            or (tenant.campus_id is not None and tenant.campus_id in self.campuses)
        )

    def holds(self, tenant: TenantPath, *roles: Role) -> bool:
        """One of ``roles`` is held over a node covering ``tenant``."""
        if not self.grants:
            return self.has_role(*roles) and self.covers(tenant)
        return any(g.role in roles and g.covers(tenant) for g in self.grants)

    def nodes(self, *roles: Role) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
        """The districts, schools and campuses over which one of ``roles`` is held."""
        if not self.grants:
            if not self.has_role(*roles):
                return frozenset(), frozenset(), frozenset()
            return self.districts, self.schools, self.campuses
        held = [g for g in self.grants if g.role in roles]
        return (
            frozenset(g.district for g in held if g.district is not None),
            frozenset(g.school for g in held if g.school is not None),
            frozenset(g.campus for g in held if g.campus is not None),
        )

    def _everywhere(self, roles: tuple[Role, ...] | None) -> bool:
        """Whether the principal (for one of ``roles``, if given) covers every district."""
        if not self.grants or roles is None:
            return Role.PLATFORM_ADMIN in self.roles and (roles is None or self.has_role(*roles))
        return Role.PLATFORM_ADMIN in roles and Role.PLATFORM_ADMIN in self.roles

    def require_role(self, *roles: Role) -> None:
        if not self.has_role(*roles):
            wanted = ", ".join(r.value for r in roles)
            raise Forbidden(f"{self.subject} needs one of the roles: {wanted}")

    def require_scope(self, tenant: TenantPath) -> None:
        if not self.covers(tenant):
            where = tenant.campus_id or tenant.school_id or tenant.district_id or "?"
            raise Forbidden(f"{self.subject} has no scope over {where}")

    def require(self, tenant: TenantPath, *roles: Role) -> None:
        """Refuses (403) unless one of ``roles`` is held over a node covering ``tenant``."""
        self.require_role(*roles)
        self.require_scope(tenant)
        if not self.holds(tenant, *roles):
            where = tenant.campus_id or tenant.school_id or tenant.district_id or "?"
            wanted = ", ".join(r.value for r in roles)
            raise Forbidden(f"{self.subject} holds none of the roles {wanted} over {where}")

    def scope_sql(
        self, first_param: int, prefix: str = "", roles: tuple[Role, ...] | None = None
    ) -> tuple[str, list[list[str]]]:
        """A SQL condition keeping rows inside the scope, and its three array parameters;
        with ``roles``, only the nodes over which one of them is held. Without ``roles``, a
        member of staff whose grants also make them a parent somewhere reads as staff: only
        the nodes where they hold a staff role (a parent's grant widens no staff read)."""
        p = prefix
        n = first_param
        if roles is None and self.grants and Role.PARENT in self.roles and self.has_role(*STAFF_ROLES):
            roles = tuple(STAFF_ROLES)
        if self._everywhere(roles):
            return f"(${n}::text[] IS NOT NULL AND ${n + 1}::text[] IS NOT NULL AND ${n + 2}::text[] IS NOT NULL)", [
                [],
                [],
                [],
            ]
        districts, schools, campuses = (
            (self.districts, self.schools, self.campuses) if roles is None else self.nodes(*roles)
        )
        clause = (
            f"({p}district_id = ANY(${n}::text[]) OR {p}school_id = ANY(${n + 1}::text[]) "
            f"OR {p}campus_id = ANY(${n + 2}::text[]))"
        )
        return clause, [sorted(districts), sorted(schools), sorted(campuses)]

    def claims(self) -> dict[str, Any]:
        claims: dict[str, Any] = {
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
        if self.grants:
            claims["grants"] = sorted((g.claim() for g in self.grants), key=lambda c: (c["role"], sorted(c.items())))
        return claims

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Principal:
        """The principal of a verified token's claims (401 naming the claim if one is malformed).

        ``scope`` is this system's object of districts, schools and campuses; an OAuth ``scope``
        (a space-separated string) says nothing of them, so the object is then read from
        ``houqin_scope`` (none: the principal covers nothing). ``grants``, if present, give
        each role its own nodes. Unknown role names are ignored."""
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise Unauthenticated("invalid token: the sub claim must be a non-empty string")
        name = claims.get("name")
        if name is not None and not isinstance(name, str):
            raise Unauthenticated("invalid token: the name claim must be a string")
        scope = claims.get("scope")
        scope_claim = "scope"
        if isinstance(scope, str):
            scope, scope_claim = claims.get("houqin_scope"), "houqin_scope"
        if scope is None:
            scope = {}
        if not isinstance(scope, dict):
            raise Unauthenticated(f"invalid token: the {scope_claim} claim must be an object")
        nodes = {level: frozenset(_strings(scope, level, f"{scope_claim}.{level}")) for level in _NODE_SETS}
        known = {r.value for r in Role}
        roles = frozenset(Role(r) for r in _strings(claims, "roles", "roles") if r in known)
        classes = frozenset(_strings(claims, "classes", "classes"))
        if "grants" in claims:  # the grants alone say which role holds where (roles and scope are their union)
            grants = _grants(claims["grants"], known)
            return cls(subject=subject, name=name, classes=classes, grants=grants)
        return cls(subject=subject, name=name, roles=roles, classes=classes, **nodes)


def _strings(claims: dict[str, Any], key: str, name: str) -> list[str]:
    value = claims.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Unauthenticated(f"invalid token: the {name} claim must be a list of strings")
    return value


def _grants(value: Any, known: set[str]) -> frozenset[Grant]:
    shape = 'the grants claim must be a list of {"role": ..., "district"|"school"|"campus": id}'
    if not isinstance(value, list):
        raise Unauthenticated(f"invalid token: {shape}")
    grants = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("role"), str) or set(item) - {"role", *_LEVELS}:
            raise Unauthenticated(f"invalid token: {shape}")
        node = {level: item[level] for level in _LEVELS if level in item}
        if not all(isinstance(v, str) and v for v in node.values()):
            raise Unauthenticated(f"invalid token: {shape}")
        if len(node) != 1 and not (item["role"] == Role.PLATFORM_ADMIN.value and not node):
            raise Unauthenticated(f"invalid token: each grant names one district, school or campus ({shape})")
        if item["role"] in known:
            grants.append(Grant(role=Role(item["role"]), **node))
    return frozenset(grants)


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
            # the library's reason, never the token itself (reasons reach answers and may reach logs)
            raise Unauthenticated(f"invalid token: {str(exc).replace(token, '<token>')}") from None
        return claims
