"""Campus rows kept across requests, per bearer token (``gateway.memo``)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from gateway.memo import CampusMemo
from tests.conftest import eventually
from tests.gateway.conftest import System
from tests.gateway.test_scope_and_errors import listed, report

PAGE = "query { hazards(first: 100) { nodes { hazardId campus { campusId name } } } }"


@pytest.fixture
def memo(system: System) -> Iterator[CampusMemo]:
    state = system.gateway.state.gateway
    kept, state["campuses"] = state["campuses"], CampusMemo(ttl_s=1.0)
    yield state["campuses"]
    state["campuses"] = kept


async def names(system: System, as_: str) -> dict[str, str]:
    body = await system.gql(PAGE, as_=as_)
    assert not body.get("errors"), body["errors"]
    return {n["campus"]["campusId"]: n["campus"]["name"] for n in body["data"]["hazards"]["nodes"]}


async def test_a_token_is_answered_from_the_memo_until_it_expires_and_never_with_another_tokens_rows(
    system: System, memo: CampusMemo
) -> None:
    main_hid = await report(system, "main", "manager-both")
    aoyuan_hid = await report(system, "aoyuan", "manager-both")

    await eventually(lambda: listed(system, main_hid, aoyuan_hid))
    system.transport.calls.clear()
    first = await names(system, "manager-both")
    assert first == {"main": "本部", "aoyuan": "奥园校区"}
    assert system.transport.calls == {"safety": 1, "directory": 1}

    system.transport.calls.clear()
    assert await names(system, "manager-both") == first
    assert system.transport.calls == {"safety": 1}  # both campuses from the memo

    # Another token asks the directory itself, and sees only its own scope.
    system.transport.calls.clear()
    assert await names(system, "manager-aoyuan") == {"aoyuan": "奥园校区"}
    assert system.transport.calls == {"safety": 1, "directory": 1}

    await asyncio.sleep(1.1)  # past the memo's time to live
    system.transport.calls.clear()
    assert await names(system, "manager-both") == first
    assert system.transport.calls == {"safety": 1, "directory": 1}


async def test_nothing_is_kept_from_a_failed_call(system: System, memo: CampusMemo) -> None:
    hid = await report(system, "main", "manager-main")

    await eventually(lambda: listed(system, hid, as_="manager-main"))
    system.transport.down.add("directory")
    try:
        body = await system.gql(PAGE, as_="manager-main")
    finally:
        system.transport.down.discard("directory")
    assert body["errors"] and len(memo) == 0
    assert await names(system, "manager-main") == {"main": "本部"}
    assert len(memo) == 1


def test_the_memo_is_bounded_and_forgets_the_oldest_first() -> None:
    memo = CampusMemo(ttl_s=60, max_entries=3)
    for i in range(5):
        memo.put(f"token-{i}", "main", f"campus {i}")
    assert len(memo) == 3
    assert memo.get("token-0", "main") is None and memo.get("token-4", "main") == "campus 4"
    off = CampusMemo(ttl_s=0)
    off.put("token", "main", "campus")
    assert off.get("token", "main") is None and len(off) == 0
