"""Errors the kit and the domains raise; the app factory maps each to an HTTP status.

What a refusal may say (one rule for every service):

- **Outside the caller's scope, an entity does not exist.** A read of one entity by its id
  (``GET /hazards/{id}``, a record's history) and a command on an existing entity
  (``POST /keys/{id}/return``) answer an entity of a campus, school or district the caller
  does not cover exactly as they answer an id nothing has: the same 404, with the same body.
  The scope is checked before the role, the state and the lookups, so no 403, 409 or 422
  tells an outsider that the id is taken, by whom or where.
- **A refusal names only what the caller may see.** A command starting an entity under an id
  already taken outside the caller's scope (a key number used on another campus) is refused
  with a 409 that says the id is taken and nothing else: no holder, no campus, no state.
- A 403 is for what the caller named themselves or may see: a role they lack, a campus of
  their own request's body, a health record of a student they may not read (refused before
  any record is read, so the answer is the same whether one is on file or not).
"""

from __future__ import annotations


class HouqinError(Exception):
    """Base of every error the API turns into a structured response."""

    status_code = 500
    code = "internal_error"

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field

    def to_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"error": self.code, "reason": self.reason}
        if self.field:
            body["field"] = self.field
        return body


class ConcurrencyConflict(HouqinError):
    """The stream moved on since the caller read it (a stale write)."""

    status_code = 409
    code = "version_conflict"

    def __init__(self, stream_id: str, expected: int, actual: int | None = None) -> None:
        msg = f"stream {stream_id} is not at version {expected}"
        if actual is not None:
            msg += f" (it is at {actual})"
        super().__init__(msg, field="expected_version")
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class Rejected(HouqinError):
    """A command refused by a domain rule (the state does not allow it)."""

    status_code = 409
    code = "rejected"


class InvalidInput(HouqinError):
    """Input that is well-formed but not acceptable, naming the field."""

    status_code = 422
    code = "validation_error"

    def to_dict(self) -> dict[str, object]:
        return {"error": self.code, "detail": [{"field": self.field, "reason": self.reason}]}


class PayloadTooLarge(HouqinError):
    """A request body larger than the limit (``limit``: the most bytes a body may have)."""

    status_code = 413
    code = "payload_too_large"

    def __init__(self, reason: str, *, limit: int) -> None:
        super().__init__(reason)
        self.limit = limit

    def to_dict(self) -> dict[str, object]:
        return {"error": self.code, "reason": self.reason, "limit": self.limit}


class Forbidden(HouqinError):
    status_code = 403
    code = "forbidden"


class Unauthenticated(HouqinError):
    status_code = 401
    code = "unauthenticated"


class NotFound(HouqinError):
    status_code = 404
    code = "not_found"


def taken(field: str, entity_id: str) -> Rejected:
    """The refusal of a new entity whose id is taken outside the caller's scope: it names nothing else."""
    return Rejected(f"{field} {entity_id} is taken: choose another", field=field)


class Unavailable(HouqinError):
    """A dependency (database, broker) is down: retry later."""

    status_code = 503
    code = "unavailable"


class UnknownEventType(HouqinError):
    code = "unknown_event_type"


class EventTooLarge(HouqinError):
    """An event larger than the broker accepts: refused before anything is written, since
    the relay could never publish it (``services.eventkit.store.event_size``)."""

    status_code = 413
    code = "event_too_large"

    def __init__(self, event_type: str, size: int, limit: int) -> None:
        super().__init__(
            f"a {event_type} event of {size} bytes is larger than the {limit} bytes an event may have",
            field="body",
        )
        self.event_type = event_type
        self.size = size
        self.limit = limit

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "event_type": self.event_type, "limit_bytes": self.limit}


class NewerSchemaVersion(UnknownEventType):
    """An event written by a newer release than the one running (its ``schema_version`` is
    above the registered one): not an error of the event. A consumer waits for the release
    that knows it (``services.eventkit.consumer``); a command on its stream is a 503."""

    status_code = 503
    code = "unavailable"

    def __init__(self, event_type: str, version: int, known: int) -> None:
        super().__init__(f"{event_type} v{version} is newer than this release knows (v{known})")
        self.event_type = event_type
        self.version = version
        self.known = known
