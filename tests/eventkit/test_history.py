"""GET /history of the kit, on a small service of its own over a real event store: each
event of a stream in order with the act's and the recording's times, upcast and
summarised; 401, 404 and 403 (with nothing of the record in the answer); paging; the
batch; and a policy that withholds details."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
import pytest_asyncio

from services.eventkit.auth import Principal, Role
from services.eventkit.db import Connection
from services.eventkit.envelope import DomainEvent, Envelope, EventRegistry, TenantPath, new_envelope
from services.eventkit.history import HistoryPolicy, default_summary, words
from services.eventkit.runtime import Mode, ServiceDefinition
from services.eventkit.store import EventStore
from tests.conftest import RunningService, SettingsFactory, token_for

EVENTS = EventRegistry()


@EVENTS.register("things.ThingOpened", version=2)
class ThingOpened(DomainEvent):
    thing_id: str
    place: str
    label: str  # v1 called it "name"


@EVENTS.upcaster("things.ThingOpened", from_version=1)
def _name_is_label(data: dict[str, Any]) -> dict[str, Any]:
    data["label"] = data.pop("name")
    return data


@EVENTS.register("things.ThingMended")
class ThingMended(DomainEvent):
    thing_id: str
    note: str
    mended_by: str


@EVENTS.register("things.ThingClosed")
class ThingClosed(DomainEvent):
    thing_id: str
    reason: str


class Secrets(HistoryPolicy):
    """Things whose id starts with "secret" show their details to medical staff only."""

    async def details(self, db: Connection, principal: Principal, first: Envelope) -> bool:
        return not first.stream_id.startswith("thing-secret") or principal.has_role(Role.MEDICAL)


POLICY = Secrets(
    titles={"things.ThingMended": "Mended"},
    summaries={"things.ThingOpened": lambda e: f"Opened {e.label} at {e.place}"},
)
THINGS = ServiceDefinition(name="things", title="Things", description="Things", registry=EVENTS, history=POLICY)

ACT = datetime(2020, 10, 11, 17, 30, tzinfo=UTC)  # 01:30 on the 12th at the school
MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def things(make_settings: SettingsFactory, start_service: Any) -> RunningService:
    running: RunningService = await start_service(THINGS, await make_settings("things"), Mode.API)
    return running


def headers(service: RunningService, who: str = "zhou", *roles: Role, **scope: Any) -> dict[str, str]:
    scope = scope or {"campuses": ["main"]}
    return token_for(service.settings, who, *(roles or (Role.LOGISTICS_MANAGER,)), **scope)


async def write(service: RunningService, thing: str, events: list[DomainEvent], **opened: Any) -> str:
    """A stream of ``events``, an hour apart from ACT; the first stored as v1 when ``opened`` says so."""
    stream = f"thing-{thing}"
    envelopes = []
    for i, event in enumerate(events, start=1):
        env = new_envelope(
            event,
            stream_id=stream,
            version=i,
            tenant=MAIN,
            actor="zhou" if i == 1 else "wang-tech",
            correlation_id=f"corr-{i}",
            causation_id=None if i == 1 else f"cause-{i}",
            occurred_at=ACT + timedelta(hours=i - 1),
        )
        if i == 1 and opened:
            env = env.model_copy(update={"schema_version": 1, "data": opened})
        envelopes.append(env)
    await EventStore(service.pool).append(stream, 0, envelopes)
    return stream


def life(thing: str) -> list[DomainEvent]:
    return [
        ThingOpened(thing_id=thing, place="操场", label="滑梯"),
        ThingMended(thing_id=thing, note="换了螺丝", mended_by="wang-tech"),
        ThingClosed(thing_id=thing, reason="拆除"),
    ]


def uid() -> str:
    return uuid4().hex[:8]


async def test_each_event_in_order_with_the_acts_time_its_day_and_the_recorded_time(things: RunningService) -> None:
    thing = uid()
    stream = await write(things, thing, life(thing))
    response = await things.client.get(f"/history/{stream}", headers=headers(things))
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["stream_id"] == stream and page["next_after_version"] is None
    items = page["items"]
    assert [(i["version"], i["type"]) for i in items] == [
        (1, "things.ThingOpened"),
        (2, "things.ThingMended"),
        (3, "things.ThingClosed"),
    ]
    first = items[0]
    assert datetime.fromisoformat(first["acted_at"]) == ACT
    assert first["acted_on"] == "2020-10-12"  # the day at the school, not UTC's 11th
    recorded = datetime.fromisoformat(first["recorded_at"])
    assert abs(recorded - datetime.now(UTC)) < timedelta(minutes=5)
    assert [i["actor"] for i in items] == ["zhou", "wang-tech", "wang-tech"]
    assert [(i["correlation_id"], i["causation_id"]) for i in items] == [
        ("corr-1", None),
        ("corr-2", "cause-2"),
        ("corr-3", "cause-3"),
    ]
    # a summary of the service's own, the default from a title of its own, the default from the type's words
    assert [i["summary"] for i in items] == [
        "Opened 滑梯 at 操场",
        "Mended (note: 换了螺丝)",
        "Thing closed (reason: 拆除)",
    ]
    assert items[1]["data"] == {"thing_id": thing, "note": "换了螺丝", "mended_by": "wang-tech"}
    assert not any(i["redacted"] for i in items)


async def test_an_old_shaped_event_reads_in_the_current_shape(things: RunningService) -> None:
    thing = uid()
    stream = await write(things, thing, life(thing)[:1], thing_id=thing, place="操场", name="秋千")
    assert await things.pool.fetchval("SELECT schema_version FROM events WHERE stream_id = $1", stream) == 1
    (item,) = (await things.client.get(f"/history/{stream}", headers=headers(things))).json()["items"]
    assert item["data"] == {"thing_id": thing, "place": "操场", "label": "秋千"}
    assert item["summary"] == "Opened 秋千 at 操场"


async def test_without_a_token_401_an_unknown_stream_and_one_out_of_scope_the_same_404(
    things: RunningService,
) -> None:
    thing = uid()
    stream = await write(things, thing, life(thing))
    assert (await things.client.get(f"/history/{stream}")).status_code == 401
    missing = await things.client.get(f"/history/thing-{uid()}", headers=headers(things))
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    aoyuan = headers(things, "shen", campuses=["aoyuan"])
    refused = await things.client.get(f"/history/{stream}", headers=aoyuan)
    assert (refused.status_code, refused.json()) == (404, missing.json())
    for leaked in ("滑梯", "操场", "wang-tech", "corr-", "ThingOpened"):
        assert leaked not in refused.text
    # the district's admin and the platform's see it
    admin = headers(things, "admin", Role.DISTRICT_ADMIN, districts=["xinbei"])
    assert (await things.client.get(f"/history/{stream}", headers=admin)).status_code == 200
    other_district = headers(things, "other", Role.DISTRICT_ADMIN, districts=["wujin"])
    assert (await things.client.get(f"/history/{stream}", headers=other_district)).status_code == 404


async def test_pages_follow_on_by_version_and_the_page_size_is_bounded(things: RunningService) -> None:
    thing = uid()
    stream = await write(things, thing, [*life(thing)[:1], *life(thing)[1:2] * 4])
    h = headers(things)
    first = (await things.client.get(f"/history/{stream}", params={"limit": 2}, headers=h)).json()
    assert [i["version"] for i in first["items"]] == [1, 2] and first["next_after_version"] == 2
    second = (await things.client.get(f"/history/{stream}", params={"limit": 2, "after_version": 2}, headers=h)).json()
    assert [i["version"] for i in second["items"]] == [3, 4] and second["next_after_version"] == 4
    last = (await things.client.get(f"/history/{stream}", params={"limit": 2, "after_version": 4}, headers=h)).json()
    assert [i["version"] for i in last["items"]] == [5] and last["next_after_version"] is None
    too_big = await things.client.get(f"/history/{stream}", params={"limit": 501}, headers=h)
    assert too_big.status_code == 422


async def test_the_batch_answers_each_stream_or_why_not(things: RunningService) -> None:
    one, two = uid(), uid()
    first = await write(things, one, life(one))
    second = await write(things, two, life(two)[:2])
    missing = f"thing-{uid()}"
    streams = ",".join([second, missing, first])
    h = headers(things)
    body = (await things.client.get("/history", params={"streams": streams, "limit": 2}, headers=h)).json()
    got = {s["stream_id"]: s for s in body["streams"]}
    assert [s["stream_id"] for s in body["streams"]] == [second, missing, first]
    assert [i["version"] for i in got[first]["items"]] == [1, 2] and got[first]["next_after_version"] == 2
    assert [i["version"] for i in got[second]["items"]] == [1, 2] and got[second]["next_after_version"] is None
    assert got[missing] | {"items": []} == {
        "stream_id": missing,
        "items": [],
        "next_after_version": None,
        "error": "not_found",
    }
    aoyuan = headers(things, "shen", campuses=["aoyuan"])
    refused = (await things.client.get("/history", params={"streams": first}, headers=aoyuan)).json()
    assert refused["streams"] == [{"stream_id": first, "items": [], "next_after_version": None, "error": "not_found"}]
    too_many = ",".join(f"thing-{i}" for i in range(101))
    assert (await things.client.get("/history", params={"streams": too_many}, headers=h)).status_code == 422


async def test_a_policy_withholds_details_and_keeps_the_steps_and_their_times(things: RunningService) -> None:
    thing = f"secret-{uid()}"
    stream = await write(things, thing, life(thing))
    withheld = (await things.client.get(f"/history/{stream}", headers=headers(things))).json()["items"]
    assert [(i["type"], i["summary"], i["data"], i["redacted"]) for i in withheld] == [
        ("things.ThingOpened", "Thing opened", None, True),
        ("things.ThingMended", "Mended", None, True),
        ("things.ThingClosed", "Thing closed", None, True),
    ]
    assert datetime.fromisoformat(withheld[2]["acted_at"]) == ACT + timedelta(hours=2)
    assert withheld[2]["actor"] == "wang-tech"
    for leaked in ("滑梯", "操场", "螺丝", "拆除"):
        assert leaked not in str(withheld)
    doctor = headers(things, "doctor-he", Role.MEDICAL)
    shown = (await things.client.get(f"/history/{stream}", headers=doctor)).json()["items"]
    assert shown[0]["summary"] == "Opened 滑梯 at 操场" and not shown[0]["redacted"]


@pytest.mark.parametrize(
    ("event_type", "expected"),
    [("safety.HazardAssignedInHouse", "Hazard assigned in house"), ("directory.StaffJoined", "Staff joined")],
)
def test_a_type_reads_as_words(event_type: str, expected: str) -> None:
    assert words(event_type) == expected


def test_the_default_summary_names_short_fields_not_ids_times_or_people() -> None:
    data = {
        "key_id": "k1",
        "door": "101 教室",
        "due_on": date(2020, 10, 1).isoformat(),
        "issued_by": "zhou",
        "lock_changed": True,
        "note": "x" * 100,
    }
    assert default_summary("Key issued", data) == f"Key issued (door: 101 教室, note: {'x' * 39}…)"
    assert default_summary("Key returned", {"key_id": "k1"}) == "Key returned"
