"""The walk that checks a loaded district reads true in time finds each way it can fail."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from demo.timeline import Act, out_of_order

CST = timezone(timedelta(hours=8))
SET_UP = datetime(2020, 8, 17, 9, 0, tzinfo=CST)
WINDOW = (SET_UP, date(2021, 1, 31))
ENTERED = datetime(2026, 12, 3, 10, 0, tzinfo=CST)


def act(
    stream: str, version: int, at: datetime, *, service: str = "safety", campus: str | None = "main", **kw: object
) -> Act:
    fields: dict[str, object] = {
        "service": service, "stream_id": stream, "version": version, "type": "x.Done", "occurred_at": at,
        "recorded_at": ENTERED, "campus_id": campus, "event_id": f"{stream}-{version}", "causation_id": None,
    }  # fmt: skip
    return Act(**(fields | kw))  # type: ignore[arg-type]


CAMPUS = act("campus-main", 1, SET_UP, service="directory")


def test_a_term_entered_in_order_reads_true() -> None:
    acts = [CAMPUS, act("hazard-a", 1, SET_UP + timedelta(days=30)), act("hazard-a", 2, SET_UP + timedelta(days=31))]
    assert out_of_order(acts, window=WINDOW) == []


def test_each_way_of_reading_false_is_named() -> None:
    late = datetime(2020, 10, 12, 9, 0, tzinfo=CST)
    acts = [
        CAMPUS,
        act("hazard-a", 1, late),
        act("hazard-a", 2, late - timedelta(days=1)),  # before the step it follows
        act("key-k", 1, ENTERED + timedelta(hours=1)),  # after it was recorded, and after the term
        act("drill-d", 1, SET_UP - timedelta(days=1), campus=None),  # before the term was set up
        act("campus-aoyuan", 1, late, service="directory", campus="aoyuan"),
        act("bus-b", 1, late - timedelta(days=2), campus="aoyuan"),  # before its campus opened
        act("repair-r", 1, late - timedelta(days=3), service="inventory", causation_id="hazard-a-1"),
    ]
    problems = out_of_order(acts, window=WINDOW)
    assert [p.split(": ", 1)[1].split(" (")[0] for p in problems] == [
        "before the step it follows",
        "happened after it was recorded",
        "outside the term",
        "outside the term",
        "before its campus opened",
        "before the event it answers",
    ]
