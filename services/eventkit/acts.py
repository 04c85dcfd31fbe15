"""The time of an act: when the check was done, the goods accepted, the key returned.

A school's office records much of its work after the fact, so every command that records
an act carries the act's time, in one of two fields named the same in every service:

- ``at``, an instant with its UTC offset, for acts whose hour matters (a hazard reported,
  an injury, a signature);
- ``on``, a day at the school, for acts counted in days (a key returned, a drill held).

Some acts are immediate by nature and default to the moment the command arrives; others
are usually entered later and must say when they happened. The command bus keeps the
arrival too: it becomes the event's ``recorded_at``, the act becomes its ``occurred_at``.

An act may not lie in the future beyond :data:`CLOCK_SKEW`, nor before the step of its
record that it follows (:func:`not_before`), nor outside its term (:func:`within`); each
refusal is a 409 naming the field and the earlier step's time, and nothing is appended.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, Field

from services.eventkit.days import CHINA, local_day
from services.eventkit.errors import Rejected

CLOCK_SKEW = timedelta(minutes=5)
"""How far a client's clock may run ahead of the server's before an act is 'in the future'."""

_AT = "When the act happened, with its UTC offset (ISO 8601)"
_ON = "The day of the act at the school (YYYY-MM-DD)"

ActAt = Annotated[AwareDatetime, Field(description=f"{_AT}. Required: this act is usually entered afterwards.")]
"""An act's instant the client must give."""
ActAtOrNow = Annotated[
    AwareDatetime | None,
    Field(description=f"{_AT}. Omit for an act done now: the time the command arrives."),
]
"""An instant defaulting to the arrival (the act is immediate by nature): ``at: ActAtOrNow = None``."""
ActOn = Annotated[date, Field(description=f"{_ON}. Required: this act is usually entered afterwards.")]
"""An act's day the client must give."""
ActOnOrToday = Annotated[date | None, Field(description=f"{_ON}. Omit for an act done today (at the school).")]
"""An act's day that defaults to the school's today: ``on: ActOnOrToday = None``."""


class OutOfOrder(Rejected):
    """An act dated before the step it follows, after the step that follows it, or outside its term."""

    code = "out_of_order"

    def __init__(self, reason: str, *, field: str, step: str, step_time: date | datetime) -> None:
        super().__init__(reason, field=field)
        self.step = step
        self.step_time = step_time

    def to_dict(self) -> dict[str, object]:
        return super().to_dict() | {"step": self.step, "step_time": self.step_time.isoformat()}


class InTheFuture(Rejected):
    """An act dated later than now (beyond the allowed clock skew)."""

    code = "in_the_future"

    def __init__(self, reason: str, *, field: str, now: datetime) -> None:
        super().__init__(reason, field=field)
        self.now = now

    def to_dict(self) -> dict[str, object]:
        return super().to_dict() | {"now": self.now.isoformat()}


def start_of_day(day: date) -> datetime:
    """The instant a day begins at the school: the instant recorded for an act given by its day."""
    return datetime.combine(day, time(0), CHINA)


def act_instant(command: Any, received: datetime, fallback: datetime | None = None) -> datetime:
    """The instant of the act ``command`` records, refusing one in the future.

    ``at`` is taken as given; ``on`` is its day's start unless it is today (then the arrival);
    a command with neither happened when it arrived, or at ``fallback`` (the time of the
    event a reaction answers)."""
    at = getattr(command, "at", None)
    on = getattr(command, "on", None)
    if isinstance(at, datetime):
        if at > received + CLOCK_SKEW:
            raise InTheFuture(
                f"at {at.isoformat()} is in the future (it is now {received.astimezone(CHINA).isoformat()})",
                field="at",
                now=received,
            )
        return at
    if isinstance(on, date) and not isinstance(on, datetime):
        today = local_day(received + CLOCK_SKEW)
        if on > today:
            raise InTheFuture(f"on {on.isoformat()} is after today ({today.isoformat()})", field="on", now=received)
        return received if on == local_day(received) else start_of_day(on)
    return fallback if fallback is not None else received


def time_rule(model: type[BaseModel]) -> str:
    """What a command's OpenAPI description says of the time of its act."""
    fields = model.model_fields
    for name, what in (("at", "instant"), ("on", "day")):
        if name in fields:
            if fields[name].is_required():
                return f"The act is dated by `{name}` (required: the {what} it happened, often entered afterwards)."
            now = "the time the command arrives" if name == "at" else "today at the school"
            return f"The act is dated by `{name}` (the {what} it happened); omitted, it is {now}."
    return "The act happens when the command arrives: it is dated by the server's clock."


def _when(value: date | datetime) -> str:
    if isinstance(value, datetime):
        return value.astimezone(CHINA).isoformat()
    return value.isoformat()


def _day(value: date | datetime) -> date:
    return local_day(value) if isinstance(value, datetime) else value


def _earlier(act: date | datetime, step_time: date | datetime) -> bool:
    """Whether ``act`` comes before ``step_time``: by instant when both are instants, else by day."""
    if isinstance(act, datetime) and isinstance(step_time, datetime):
        return act < step_time
    return _day(act) < _day(step_time)


def not_before(
    act: date | datetime, step_time: date | datetime | None, *, field: str, step: str, what: str = ""
) -> None:
    """Refuses ``act`` if it comes before ``step_time``, the time of the step it follows
    (``step`` names that step: "reported", "issued"). A missing step time checks nothing.
    Instants compare by instant; a day with anything compares by the school's day."""
    if step_time is not None and _earlier(act, step_time):
        raise _out_of_order(act, "before", step_time, field=field, step=step, what=what)


def not_after(
    act: date | datetime, step_time: date | datetime | None, *, field: str, step: str, what: str = ""
) -> None:
    """Refuses ``act`` if it comes after ``step_time``, a step it must precede."""
    if step_time is not None and _earlier(step_time, act):
        raise _out_of_order(act, "after", step_time, field=field, step=step, what=what)


def _out_of_order(
    act: date | datetime, relation: str, step_time: date | datetime, *, field: str, step: str, what: str
) -> OutOfOrder:
    subject = f"{what} " if what else ""
    return OutOfOrder(
        f"{field} {_when(act)} is {relation} the {subject}was {step} ({_when(step_time)})",
        field=field,
        step=step,
        step_time=step_time,
    )


def within(act: date | datetime, starts_on: date, ends_on: date, *, field: str, term: str) -> None:
    """Refuses ``act`` unless its day falls in the term ``term`` (``starts_on`` to ``ends_on``)."""
    day = _day(act)
    if day < starts_on:
        raise OutOfOrder(
            f"{field} {_when(act)} is before the term {term} began ({starts_on.isoformat()})",
            field=field,
            step="term began",
            step_time=starts_on,
        )
    if day > ends_on:
        raise OutOfOrder(
            f"{field} {_when(act)} is after the term {term} ended ({ends_on.isoformat()})",
            field=field,
            step="term ended",
            step_time=ends_on,
        )
