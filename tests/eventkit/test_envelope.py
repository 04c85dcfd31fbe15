"""Event types, wire names and upcasting (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from pydantic import ValidationError

from services.directory.events import DIRECTORY_EVENTS, CampusOpened
from services.eventkit.envelope import (
    TENANT_ID_CHARS,
    DomainEvent,
    Envelope,
    EventRegistry,
    TenantPath,
    new_envelope,
    tenant_of_message,
)
from services.eventkit.errors import UnknownEventType


def test_a_registered_event_carries_its_wire_name_and_version() -> None:
    assert CampusOpened.event_type == "directory.CampusOpened"
    assert CampusOpened.schema_version == 2
    assert DIRECTORY_EVENTS.model_for("directory.CampusOpened") is CampusOpened


def test_an_old_payload_is_upcast_on_read_and_the_stored_one_is_untouched() -> None:
    stored = {"campus_id": "aoyuan", "school_id": "xuexiao", "district_id": "xinbei", "name": "奥园校区"}
    env = Envelope(
        event_id=uuid4(),
        stream_id="campus-aoyuan",
        version=1,
        type="directory.CampusOpened",
        schema_version=1,
        occurred_at=datetime.now(UTC),
        data=stored,
    )
    event = DIRECTORY_EVENTS.decode(env)
    assert isinstance(event, CampusOpened) and event.address == ""
    assert "address" not in env.data


def test_a_missing_upcaster_or_type_is_refused() -> None:
    registry = EventRegistry()

    @registry.register("x.Thing", version=3)
    class Thing(DomainEvent):
        n: int

    @registry.upcaster("x.Thing", from_version=1)
    def v1(data: dict[str, object]) -> dict[str, object]:
        return {"n": data["count"]}

    assert registry.upcast("x.Thing", 3, {"n": 1}) == {"n": 1}
    with pytest.raises(UnknownEventType):
        registry.upcast("x.Thing", 1, {"count": 1})  # no v2 -> v3 step
    with pytest.raises(UnknownEventType):
        registry.model_for("x.Nothing")


def test_a_wire_name_cannot_be_taken_twice() -> None:
    registry = EventRegistry()

    @registry.register("x.A")
    class A(DomainEvent):
        pass

    with pytest.raises(ValueError, match="twice"):

        @registry.register("x.A")
        class B(DomainEvent):
            pass


def test_events_are_immutable_and_strict() -> None:
    event = CampusOpened(campus_id="a", school_id="s", district_id="d", name="n")
    with pytest.raises(ValidationError):
        CampusOpened(campus_id="a", school_id="s", district_id="d", name="n", colour="red")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        event.name = "other"  # type: ignore[misc]


def test_an_envelope_survives_the_wire() -> None:
    event = CampusOpened(campus_id="aoyuan", school_id="xuexiao", district_id="xinbei", name="奥园校区")
    env = new_envelope(
        event,
        stream_id="campus-aoyuan",
        version=1,
        tenant=TenantPath(district_id="xinbei", school_id="xuexiao"),
        actor="admin",
        correlation_id="c-1",
    )
    back = Envelope.from_wire(env.to_wire())
    assert back == env
    assert back.tenant.school_id == "xuexiao" and DIRECTORY_EVENTS.decode(back) == event


def test_an_upcaster_may_fill_a_missing_time_from_the_envelope() -> None:
    """An event stored before it carried its act's time reads as if the act happened when it was recorded."""
    registry = EventRegistry()

    @registry.register("x.Checked", version=2)
    class Checked(DomainEvent):
        checked_at: datetime

    @registry.upcaster_with_envelope("x.Checked", from_version=1)
    def v1(data: dict[str, object], envelope: Envelope) -> dict[str, object]:
        return data | {"checked_at": (envelope.recorded_at or envelope.occurred_at).isoformat()}

    recorded = datetime(2020, 9, 14, 8, 0, tzinfo=UTC)
    old = Envelope(
        event_id=uuid4(), stream_id="check-1", version=1, type="x.Checked", schema_version=1,
        occurred_at=recorded, recorded_at=recorded, data={},
    )  # fmt: skip
    event = registry.decode(old)
    assert isinstance(event, Checked) and event.checked_at == recorded
    with pytest.raises(UnknownEventType, match="envelope"):
        registry.upcast("x.Checked", 1, {})


def test_the_tenant_of_a_message_is_read_leniently_and_bounded() -> None:
    assert tenant_of_message(b'{"district_id": "xinbei", "campus_id": "main", "type": 1}') == TenantPath(
        district_id="xinbei", campus_id="main"
    )
    assert tenant_of_message(b'{"district_id": "' + b"d" * 500 + b'"}').district_id == "d" * TENANT_ID_CHARS
    for raw in (None, b"", b"\xff\xfe", b"[1]", b'{"district_id": 7, "school_id": ""}'):
        assert tenant_of_message(raw) == TenantPath()
