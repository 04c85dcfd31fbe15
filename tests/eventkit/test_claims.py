"""Token claims as they come from an identity provider: audience and issuer, an OAuth ``scope``
string, malformed shapes (a 401 naming the claim, never a 500), and roles granted per campus."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from services.eventkit.auth import Grant, Principal, Role, TokenVerifier, mint_token
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import Forbidden, Unauthenticated
from services.eventkit.settings import Settings

KEY = "k" * 32
MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
AOYUAN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="aoyuan")
ELSEWHERE = TenantPath(district_id="wujin", school_id="s2", campus_id="c2")
MANAGER, TEACHER = Role.LOGISTICS_MANAGER, Role.TEACHER

# a manager on main who teaches on aoyuan
SPLIT = Principal(
    subject="zhou",
    classes=frozenset(["g1-1"]),
    grants=frozenset([Grant(role=MANAGER, campus="main"), Grant(role=TEACHER, campus="aoyuan")]),
)


def signed(claims: dict[str, Any], key: str = KEY) -> str:
    return jwt.encode({"sub": "x", "exp": int(time.time()) + 60} | claims, key, algorithm="HS256")


async def verify(token: str, **settings: Any) -> Principal:
    return await TokenVerifier(Settings(jwt_secret=KEY, **settings)).verify(token)


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({"aud": "another-app", "iss": "https://id.xinbei.edu"}, "audience"),
        ({"aud": "houqin", "iss": "https://id.elsewhere.edu"}, "issuer"),
        ({"iss": "https://id.xinbei.edu"}, "aud"),  # no audience at all
        ({"aud": "houqin"}, "iss"),
    ],
)
async def test_a_token_of_the_right_key_for_another_audience_or_issuer_is_refused(
    claims: dict[str, Any], why: str
) -> None:
    configured = {"jwt_issuer": "https://id.xinbei.edu", "jwt_audience": "houqin"}
    with pytest.raises(Unauthenticated) as refused:
        await verify(signed(claims), **configured)
    assert why in refused.value.reason.lower()
    good = await verify(signed({"aud": "houqin", "iss": "https://id.xinbei.edu"}), **configured)
    assert good.subject == "x"


async def test_an_audience_alone_or_an_issuer_alone_is_checked_too() -> None:
    with pytest.raises(Unauthenticated):
        await verify(signed({"aud": "another-app"}), jwt_audience="houqin")
    with pytest.raises(Unauthenticated):
        await verify(signed({"iss": "https://id.elsewhere.edu"}), jwt_issuer="https://id.xinbei.edu")


async def test_an_oauth_scope_string_maps_to_houqin_scope_or_to_nothing() -> None:
    bare = await verify(signed({"scope": "openid profile", "roles": ["logistics_manager"]}))
    assert bare.has_role(MANAGER) and not bare.covers(MAIN)
    with pytest.raises(Forbidden):
        bare.require(MAIN, MANAGER)
    assert bare.scope_sql(1)[1] == [[], [], []]

    mapped = await verify(
        signed(
            {"scope": "openid houqin", "roles": ["logistics_manager"], "houqin_scope": {"campuses": ["main"]}},
        )
    )
    mapped.require(MAIN, MANAGER)
    assert not mapped.covers(AOYUAN)


@pytest.mark.parametrize(
    ("claims", "named"),
    [
        ({"roles": "logistics_manager"}, "roles"),
        ({"roles": [1, 2]}, "roles"),
        ({"scope": ["main"]}, "scope"),
        ({"scope": 7}, "scope"),
        ({"scope": {"campuses": "main"}}, "scope.campuses"),
        ({"scope": {"districts": [None]}}, "scope.districts"),
        ({"scope": "openid", "houqin_scope": ["main"]}, "houqin_scope"),
        ({"scope": "openid", "houqin_scope": {"schools": "xuexiao"}}, "houqin_scope.schools"),
        ({"classes": "g1-1"}, "classes"),
        ({"name": {"zh": "周"}}, "name"),
        ({"sub": 42}, "sub"),
        ({"sub": ""}, "sub"),
        ({"grants": {"role": "teacher", "campus": "main"}}, "grants"),
        ({"grants": ["teacher"]}, "grants"),
        ({"grants": [{"role": "teacher"}]}, "grant"),  # no node
        ({"grants": [{"role": "teacher", "campus": "main", "school": "xuexiao"}]}, "grant"),  # two nodes
        ({"grants": [{"role": "teacher", "campus": 3}]}, "grants"),
        ({"grants": [{"role": "teacher", "room": "101"}]}, "grants"),
        ({"grants": None}, "grants"),
    ],
)
async def test_a_malformed_claim_is_a_401_naming_it(claims: dict[str, Any], named: str) -> None:
    with pytest.raises(Unauthenticated) as refused:
        await verify(signed(claims))
    assert named in refused.value.reason.lower()


async def test_unknown_role_names_are_ignored_in_roles_and_in_grants() -> None:
    principal = await verify(
        signed({"grants": [{"role": "janitor-in-chief", "campus": "main"}, {"role": "teacher", "campus": "aoyuan"}]})
    )
    assert principal.roles == {TEACHER} and principal.campuses == {"aoyuan"}
    nothing = await verify(signed({"grants": [{"role": "janitor-in-chief", "campus": "main"}], "roles": ["guard"]}))
    assert nothing.roles == frozenset() and not nothing.covers(MAIN)  # grants say it all: roles are ignored


async def test_a_role_holds_only_where_it_was_granted() -> None:
    assert SPLIT.roles == {MANAGER, TEACHER} and SPLIT.campuses == {"main", "aoyuan"}
    assert SPLIT.holds(MAIN, MANAGER) and not SPLIT.holds(AOYUAN, MANAGER)
    assert SPLIT.holds(AOYUAN, TEACHER) and not SPLIT.holds(MAIN, TEACHER)
    SPLIT.require(MAIN, MANAGER)
    SPLIT.require(AOYUAN, TEACHER, MANAGER)
    with pytest.raises(Forbidden) as refused:
        SPLIT.require(AOYUAN, MANAGER)
    assert "aoyuan" in refused.value.reason
    with pytest.raises(Forbidden):
        SPLIT.require(ELSEWHERE, TEACHER)
    assert SPLIT.nodes(MANAGER) == (frozenset(), frozenset(), frozenset(["main"]))
    assert SPLIT.scope_sql(1, roles=(MANAGER,))[1] == [[], [], ["main"]]
    assert SPLIT.scope_sql(1, roles=(TEACHER, MANAGER))[1] == [[], [], ["aoyuan", "main"]]
    assert SPLIT.scope_sql(1)[1] == [[], [], ["aoyuan", "main"]]
    assert SPLIT.scope_sql(1, roles=(Role.MEDICAL,))[1] == [[], [], []]


def test_without_grants_every_role_holds_over_every_node_of_the_scope() -> None:
    both = Principal(subject="gu", roles=frozenset([MANAGER, TEACHER]), campuses=frozenset(["main", "aoyuan"]))
    assert both.holds(AOYUAN, MANAGER) and both.holds(MAIN, TEACHER) and not both.holds(ELSEWHERE, MANAGER)
    assert both.scope_sql(1, roles=(MANAGER,))[1] == [[], [], ["aoyuan", "main"]]
    assert both.scope_sql(1, roles=(Role.MEDICAL,))[1] == [[], [], []]
    platform = Principal(subject="p", roles=frozenset([Role.PLATFORM_ADMIN]))
    assert platform.holds(ELSEWHERE, Role.PLATFORM_ADMIN) and "IS NOT NULL" in platform.scope_sql(1)[0]


def test_a_platform_grant_covers_every_district_for_that_role_only() -> None:
    principal = Principal(
        subject="p", grants=frozenset([Grant(role=Role.PLATFORM_ADMIN), Grant(role=TEACHER, campus="main")])
    )
    assert principal.holds(ELSEWHERE, Role.PLATFORM_ADMIN) and not principal.holds(ELSEWHERE, TEACHER)
    assert "IS NOT NULL" in principal.scope_sql(1, roles=(Role.PLATFORM_ADMIN,))[0]
    assert principal.scope_sql(1, roles=(TEACHER,))[1] == [[], [], ["main"]]


async def test_a_token_with_grants_round_trips() -> None:
    settings = Settings(jwt_secret=KEY)
    token = mint_token(settings, SPLIT)
    assert jwt.decode(token, KEY, algorithms=["HS256"])["grants"] == [
        {"role": "logistics_manager", "campus": "main"},
        {"role": "teacher", "campus": "aoyuan"},
    ]
    assert await TokenVerifier(settings).verify(token) == SPLIT


def test_a_parents_grant_widens_no_staff_read() -> None:
    """A teacher on main who is a parent on aoyuan reads main's rows as staff, not aoyuan's."""
    both = Principal(
        subject="li", grants=frozenset([Grant(role=TEACHER, campus="main"), Grant(role=Role.PARENT, campus="aoyuan")])
    )
    _, (districts, schools, campuses) = both.scope_sql(1)
    assert (districts, schools, campuses) == ([], [], ["main"])
    parent_only = Principal(subject="wu", grants=frozenset([Grant(role=Role.PARENT, campus="aoyuan")]))
    assert parent_only.scope_sql(1)[1] == [[], [], ["aoyuan"]]
    assert both.scope_sql(1, roles=(Role.PARENT,))[1] == [[], [], ["aoyuan"]]
