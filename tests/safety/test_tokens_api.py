"""Tokens and headers on the running safety service: roles granted per campus, a token for
another audience or issuer, bounded headers (on the routes and on the command lane), and no
token in any log line."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import uuid4

import httpx
import jwt
import pytest
import pytest_asyncio
from prometheus_client import REGISTRY

from services.eventkit.app import create_app
from services.eventkit.auth import Grant, Principal, Role, mint_token
from services.eventkit.runtime import Mode
from services.safety.service import SAFETY
from tests.conftest import eventually
from tests.safety.conftest import SafetyWorld

ISSUER, AUDIENCE = "https://id.xinbei.edu", "houqin"
# gu serves both campuses; here she is the logistics manager on main and teaches on aoyuan
SPLIT = Principal(
    subject="gu",
    name="顾",
    grants=frozenset([Grant(role=Role.LOGISTICS_MANAGER, campus="main"), Grant(role=Role.TEACHER, campus="aoyuan")]),
)


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


def hazard(hazard_id: str, campus: str) -> dict[str, Any]:
    return {
        "hazard_id": hazard_id,
        "campus_id": campus,
        "area": "操场",
        "description": "窨井盖下沉",
        "severity": "medium",
        "at": "2020-10-12T08:30:00+08:00",
    }


def injury(injury_id: str, student: str) -> dict[str, Any]:
    return {
        "injury_id": injury_id,
        "student_id": student,
        "setting": "break",
        "at": "2020-10-12T10:05:00+08:00",
        "injury": "追逐时摔倒, 左膝擦伤",
        "first_aid": "医务室清洗消毒, 包扎",
    }


def bearer(world: SafetyWorld, principal: Principal) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(world.safety.settings, principal)}"}


async def test_a_manager_on_one_campus_who_teaches_on_another_is_only_a_teacher_there(world: SafetyWorld) -> None:
    split = bearer(world, SPLIT)
    on_main, on_aoyuan = uid("h"), uid("h")
    assert (await world.post("/hazards", hazard(on_main, "main"), as_="guard-main")).status_code == 200
    assert (await world.post("/hazards", hazard(on_aoyuan, "aoyuan"), as_="cleaner-aoyuan")).status_code == 200

    before = await world.events()
    refused = await world.client.post(f"/hazards/{on_aoyuan}/escalate", json={"authority": "区教育局"}, headers=split)
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"] == "forbidden" and "aoyuan" in refused.json()["reason"]
    assert await world.events() == before  # nothing appended

    # as a teacher of aoyuan she still reports there; as the manager of main she escalates there
    reported = await world.client.post("/hazards", json=hazard(uid("h"), "aoyuan"), headers=split)
    assert reported.status_code == 200, reported.text
    escalated = await world.client.post(f"/hazards/{on_main}/escalate", json={"authority": "区教育局"}, headers=split)
    assert escalated.status_code == 200, escalated.text
    # the same roles and campuses without grants: every role over every campus (as before)
    both = Principal(
        subject="gu", roles=frozenset([Role.LOGISTICS_MANAGER, Role.TEACHER]), campuses=frozenset(["main", "aoyuan"])
    )
    old = await world.client.post(
        f"/hazards/{on_aoyuan}/escalate", json={"authority": "区教育局"}, headers=bearer(world, both)
    )
    assert old.status_code == 200, old.text


async def test_injury_details_are_read_only_where_a_readers_role_was_granted(world: SafetyWorld) -> None:
    split = bearer(world, SPLIT)
    on_main, on_aoyuan = uid("inj"), uid("inj")
    assert (await world.post("/injuries", injury(on_main, "lin"), as_="teacher-g6")).status_code == 200
    assert (await world.post("/injuries", injury(on_aoyuan, "ma"), as_="teacher-g1")).status_code == 200

    async def listed() -> dict[str, Any] | None:
        rows = (await world.client.get("/injuries", params={"limit": 500}, headers=split)).json()["items"]
        found = {row["injury_id"]: row for row in rows if row["injury_id"] in (on_main, on_aoyuan)}
        return found if len(found) == 2 else None

    rows = await eventually(listed)
    assert rows[on_main]["details_withheld"] is False and rows[on_main]["injury"] is not None
    assert rows[on_aoyuan]["details_withheld"] is True and rows[on_aoyuan]["injury"] is None
    one = (await world.client.get(f"/injuries/{on_aoyuan}", headers=split)).json()
    assert one["details_withheld"] is True and one["first_aid"] is None
    assert (await world.client.get(f"/injuries/{on_main}", headers=split)).json()["first_aid"] is not None


@pytest_asyncio.fixture(loop_scope="session")
async def strict(world: SafetyWorld) -> AsyncIterator[httpx.AsyncClient]:
    """The same service (API only, same database) accepting only tokens of one issuer for one audience."""
    settings = world.safety.settings.model_copy(update={"jwt_issuer": ISSUER, "jwt_audience": AUDIENCE})
    app = create_app(SAFETY, settings, mode=Mode.API)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://service") as c:
        yield c


def token(world: SafetyWorld, **claims: Any) -> dict[str, str]:
    body = Principal(subject="zhou", roles=frozenset([Role.LOGISTICS_MANAGER]), campuses=frozenset(["main"])).claims()
    signed = jwt.encode(body | {"exp": int(time.time()) + 600} | claims, world.safety.settings.jwt_secret, "HS256")
    return {"Authorization": f"Bearer {signed}"}


@pytest.mark.parametrize(
    "claims",
    [{"aud": "another-app", "iss": ISSUER}, {"aud": AUDIENCE, "iss": "https://id.elsewhere.edu"}, {"iss": ISSUER}, {}],
    ids=["audience", "issuer", "no-audience", "neither"],
)
async def test_a_token_of_the_right_key_for_another_audience_or_issuer_is_a_401(
    world: SafetyWorld, strict: httpx.AsyncClient, claims: dict[str, Any]
) -> None:
    headers = token(world, **claims)
    before = await world.events()
    command = await strict.post("/hazards", json=hazard(uid("h"), "main"), headers=headers)  # the command lane
    read = await strict.get("/hazards", headers=headers)
    assert (command.status_code, read.status_code) == (401, 401), (command.text, read.text)
    assert command.json()["error"] == "unauthenticated" and command.headers["www-authenticate"] == "Bearer"
    assert await world.events() == before
    good = token(world, aud=AUDIENCE, iss=ISSUER)
    assert (await strict.post("/hazards", json=hazard(uid("h"), "main"), headers=good)).status_code == 200
    assert (await strict.get("/hazards", headers=good)).status_code == 200


async def test_an_oauth_scope_string_is_no_server_error(world: SafetyWorld) -> None:
    before = await world.events()
    bare = token(world, scope="openid profile")
    command = await world.client.post("/hazards", json=hazard(uid("h"), "main"), headers=bare)
    assert command.status_code == 403, command.text
    assert (await world.client.get("/hazards", headers=bare)).json()["items"] == []
    mapped = token(world, scope="openid profile", houqin_scope={"campuses": ["main"]})
    assert (await world.client.post("/hazards", json=hazard(uid("h"), "main"), headers=mapped)).status_code == 200
    assert await world.events() == before + 1
    malformed = token(world, roles="logistics_manager")
    refused = await world.client.post("/hazards", json=hazard(uid("h"), "main"), headers=malformed)
    assert refused.status_code == 401 and "roles" in refused.json()["reason"]
    assert (await world.client.get("/hazards", headers=malformed)).status_code == 401
    assert await world.events() == before + 1


def lane_served() -> float:
    return REGISTRY.get_sample_value("houqin_command_lane_requests_total", {"outcome": "served"}) or 0.0


BAD_HEADERS = [
    ("X-Correlation-ID", b"\xff\xfecid"),
    ("X-Correlation-ID", b"c" * 201),
    ("Idempotency-Key", b"key-\xc3\x28"),  # an invalid UTF-8 sequence
    ("Idempotency-Key", "键".encode() * 201),
    ("Authorization", None),  # the caller's token with a byte that is not ASCII
    ("Authorization", b"Bearer " + b"a" * 8200),
]


@pytest.mark.parametrize(("header", "value"), BAD_HEADERS)
async def test_a_header_too_long_or_not_text_is_a_422_naming_it(
    world: SafetyWorld, header: str, value: bytes | None
) -> None:
    headers: dict[str, Any] = dict(world.tokens["manager-main"])
    headers[header] = value if value is not None else headers["Authorization"].encode() + b"\xe9"
    before, served = await world.events(), lane_served()
    command = await world.client.post("/hazards", json=hazard(uid("h"), "main"), headers=headers)
    read = await world.client.get("/hazards", headers=headers)
    for response in (command, read):
        assert response.status_code == 422, response.text
        assert response.json() == {
            "error": "validation_error",
            "detail": [{"field": header, "reason": response.json()["detail"][0]["reason"]}],
        }
    assert await world.events() == before and lane_served() == served


async def test_utf8_header_values_within_bounds_are_taken(world: SafetyWorld) -> None:
    headers: dict[str, Any] = world.tokens["manager-main"] | {
        "Idempotency-Key": uid("键").encode(),
        "X-Correlation-ID": "关联-1".encode(),
    }
    response = await world.client.post("/hazards", json=hazard(uid("h"), "main"), headers=headers)
    assert response.status_code == 200, response.text
    assert dict(response.headers.raw)[b"x-correlation-id"] == "关联-1".encode()


@contextmanager
def captured_logs() -> Iterator[io.StringIO]:
    """Every log line as the service writes it (its formatter), at every level."""
    root = logging.getLogger()
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(root.handlers[0].formatter)
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield out
    finally:
        root.setLevel(level)
        root.removeHandler(handler)


async def test_no_token_reaches_a_log_line(world: SafetyWorld) -> None:
    accepted = world.tokens["manager-main"]["Authorization"].removeprefix("Bearer ")
    forged = jwt.encode({"sub": "zhou", "exp": int(time.time()) + 60}, "not-the-key-of-the-district-0000", "HS256")
    with captured_logs() as out:
        assert (await world.client.get("/hazards", headers={"Authorization": f"Bearer {forged}"})).status_code == 401
        garbled = await world.client.post(
            "/hazards", json=hazard(uid("h"), "main"), headers={"Authorization": "Bearer not.a-token-xyz123"}
        )
        assert garbled.status_code == 401 and "not.a-token-xyz123" not in garbled.text
        ok = await world.client.post(
            "/hazards", json=hazard(uid("h"), "main"), headers={"Authorization": f"Bearer {accepted}"}
        )
        assert ok.status_code == 200
        assert (await world.client.get("/hazards", headers={"Authorization": f"Bearer {accepted}"})).status_code == 200
        # whatever logs one anyway (an exception's text, a library's message) is redacted
        logging.getLogger("houqin.test").warning("refused Authorization: Bearer %s", forged)
        try:
            raise ValueError(f"bad token {accepted}")
        except ValueError:
            logging.getLogger("houqin.test").exception("while checking")
    lines = out.getvalue()
    assert "refused Authorization: Bearer <redacted>" in lines and "bad token <redacted>" in lines
    for secret in (accepted, forged, "not.a-token-xyz123", accepted.split(".")[1], forged.split(".")[2]):
        assert secret not in lines
