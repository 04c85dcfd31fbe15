"""The console's dead letters (``/console/dead-letters``): how many wait per service and consumer,
the latest of them with their error and event, one inspected (its envelope, health and injury
fields withheld from whoever lacks the medical role), the acts on them — replay one, replay all
(after a page that states how many), park, skip — each with a reason, and the history of acts.

Every read and act goes to the service's ``/ops`` routes with the operator's own token: the
service decides (operators only) and audits who did what and why. Only :data:`ACTORS` are
offered the acts; other watchers see the page read-only (and what their token is refused)."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID, uuid4

from fastapi import Form, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gateway.clients import Caller, ServiceError, ServiceUnavailable, segment
from gateway.console.auth import ConsoleUser, User
from gateway.console.routes import page, router, templates
from gateway.settings import SERVICES
from services.eventkit.redaction import redact

CONSUMER = 300
REASON = 500
LIST_LIMIT = 50


class State(enum.StrEnum):
    OPEN = "open"
    PARKED = "parked"
    SKIPPED = "skipped"
    REPLAYED = "replayed"


class Act(enum.StrEnum):
    REPLAY = "replay"
    PARK = "park"
    SKIP = "skip"


ACT_PATHS = {Act.REPLAY: "/ops/events/retry", Act.PARK: "/ops/dead-letters/park", Act.SKIP: "/ops/events/skip"}
ServiceName = Annotated[str, Path(min_length=1, max_length=40)]


def known(service: str) -> str:
    """A service of ``services/registry.py``: nothing else is asked (404)."""
    if service not in SERVICES:
        raise HTTPException(404, f"no service {service[:40]!r} (there are: {', '.join(SERVICES)})")
    return service


def pretty(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


@dataclass
class Answer:
    """One service's answer to a read: its body, or why there is none (refused, down)."""

    service: str
    body: Any = None
    problem: str = ""


def caller_of(request: Request, user: ConsoleUser) -> Caller:
    return Caller(request.app.state.gateway["clients"], user.authorization, f"console-{uuid4().hex[:16]}")


def _problem(exc: Exception) -> str:
    if isinstance(exc, ServiceError):
        if exc.status == 401 or (exc.status == 403 and "needs one of the roles" in str(exc.body.get("reason"))):
            return "your token does not cover this service's operations"
        if exc.status == 403:
            return f"403: {str(exc.body.get('reason'))[:300]}"
        reason = exc.body.get("reason") or exc.body.get("detail") or exc.body
        return f"{exc.status}: {str(reason)[:300]}"
    if isinstance(exc, ServiceUnavailable):
        return f"unavailable: {exc.reason}"
    return type(exc).__name__


async def read(caller: Caller, service: str, path: str, **params: Any) -> Answer:
    try:
        return Answer(service, await caller.get(service, path, **params))
    except (ServiceError, ServiceUnavailable) as exc:
        return Answer(service, problem=_problem(exc))


def _back(service: str | None = None, **message: str) -> RedirectResponse:
    params = {"service": service} if service else {}
    return RedirectResponse(f"/console/dead-letters?{urlencode(params | message)}", status_code=303)


@router.get("/dead-letters", response_class=HTMLResponse)
async def dead_letters_page(
    request: Request,
    user: User,
    service: Annotated[str | None, Query(max_length=40)] = None,
    state: Annotated[State | None, Query()] = None,
    done: Annotated[str, Query(max_length=600)] = "",
    error: Annotated[str, Query(max_length=600)] = "",
) -> HTMLResponse:
    """Counts per service and consumer on top; then the latest dead letters and the acts on them."""
    caller = caller_of(request, user)
    service = known(service) if service else None
    shown = [service] if service else list(SERVICES)
    counts = [await read(caller, name, "/ops/dead-letters/counts") for name in SERVICES]
    params: dict[str, Any] = {"limit": LIST_LIMIT, "state": state.value if state else None}
    letters = []
    history = []
    for name in shown:
        answer = await read(caller, name, "/ops/dead-letters", **params)
        for d in (answer.body or {}).get("dead_letters", []):
            letters.append({"service": name, **d})
        audit = await read(caller, name, "/ops/audit")
        for a in (audit.body or {}).get("audit", []):
            if a["action"].startswith("event."):
                history.append({"service": name, **a})
    letters.sort(key=lambda d: d["recorded_at"], reverse=True)
    history.sort(key=lambda a: a["at"], reverse=True)
    return page(
        request, "dead_letters.html", user=user, counts=counts, letters=letters, history=history[:100],
        service=service or "", state=state.value if state else "", states=list(State),
        services=list(SERVICES), can_act=user.can_act(), done=done, error=error, scope=user.scope_label(),
    )  # fmt: skip


@router.get("/dead-letters/waiting", response_class=HTMLResponse)
async def waiting_badge(request: Request, user: User) -> HTMLResponse:
    """The header's count of dead letters waiting (of the user's scope), per consumer in its title:
    on every page, the front page included. Empty for a watcher the services do not answer."""
    caller = caller_of(request, user)
    per_consumer = [
        (answer.service, c["consumer"], c["open"])
        for answer in [await read(caller, name, "/ops/dead-letters/counts") for name in SERVICES]
        for c in (answer.body or {}).get("counts", [])
        if c["open"]
    ]
    return templates.TemplateResponse(
        request, "dead_letters_waiting.html",
        {"waiting": sum(n for *_, n in per_consumer), "per_consumer": per_consumer, "can_read": user.can_act()},
    )  # fmt: skip


@router.get("/dead-letters/{service}/replay-all", response_class=HTMLResponse)
async def confirm_replay_all(
    request: Request,
    user: User,
    service: ServiceName,
    consumer: Annotated[str, Query(min_length=1, max_length=CONSUMER)],
) -> HTMLResponse:
    """The confirmation: how many dead letters of this consumer the replay takes (as counted now)."""
    service = known(service)
    answer = await read(caller_of(request, user), service, "/ops/dead-letters/counts")
    count = next((c for c in (answer.body or {}).get("counts", []) if c["consumer"] == consumer), None)
    status = 200 if count is not None else (403 if "token" in answer.problem else 404)
    return page(
        request, "dead_letters_confirm.html", user=user, service=service, consumer=consumer,
        count=count, problem=answer.problem or ("" if count else "no dead letters of that consumer"),
        can_act=user.can_act(), status_code=status,
    )  # fmt: skip


@router.post("/dead-letters/{service}/replay-all")
async def replay_all(
    request: Request,
    user: User,
    service: ServiceName,
    consumer: Annotated[str, Form(min_length=1, max_length=CONSUMER)],
    expected: Annotated[int, Form(ge=0, le=1000)],
    reason: Annotated[str, Form(max_length=REASON)] = "",
) -> Response:
    service = known(service)
    if not user.can_act():
        return _refused(request, user)
    if not reason.strip():
        return _back(service, error="give a reason: it is kept in the audit")
    body = {"consumer": consumer, "expected": expected, "reason": reason}
    try:
        answer = await caller_of(request, user).request(service, "POST", "/ops/dead-letters/replay-all", json=body)
    except (ServiceError, ServiceUnavailable) as exc:
        return _back(service, error=f"replay of all refused: {_problem(exc)}")
    n = len(answer["replayed"])
    if answer.get("failed"):
        return _back(service, error=f"replayed {n}, then one still fails: {answer['failed']}"[:600])
    return _back(service, done=f"replayed {n} dead letter{'s' if n != 1 else ''} of {consumer}")


@router.post("/dead-letters/{service}/act")
async def act_on_one(
    request: Request,
    user: User,
    service: ServiceName,
    act: Annotated[Act, Form()],
    consumer: Annotated[str, Form(min_length=1, max_length=CONSUMER)],
    event_id: Annotated[UUID, Form()],
    reason: Annotated[str, Form(max_length=REASON)] = "",
) -> Response:
    """Replay, park or skip one event, forwarded to the service with the operator's token."""
    service = known(service)
    if not user.can_act():
        return _refused(request, user)
    if not reason.strip():
        return _back(service, error="give a reason: it is kept in the audit")
    body = {"consumer": consumer, "event_id": str(event_id), "reason": reason}
    try:
        await caller_of(request, user).request(service, "POST", ACT_PATHS[act], json=body)
    except (ServiceError, ServiceUnavailable) as exc:
        return _back(service, error=f"{act.value} of {event_id} refused: {_problem(exc)}")
    past = {Act.REPLAY: "replayed", Act.PARK: "parked", Act.SKIP: "skipped"}[act]
    return _back(service, done=f"{past} {event_id} ({consumer})")


def _refused(request: Request, user: ConsoleUser) -> HTMLResponse:
    return page(
        request, "dead_letters_refused.html", user=user, status_code=403,
        reason=f"{user.principal.subject} watches but does not act on dead letters (operators and platform admins do)",
    )  # fmt: skip


@router.get("/dead-letters/{service}/{dead_letter_id}", response_class=HTMLResponse)
async def inspect(
    request: Request,
    user: User,
    service: ServiceName,
    dead_letter_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
) -> HTMLResponse:
    """One dead letter: its error, its envelope and payload (sensitive fields withheld), the acts."""
    service = known(service)
    answer = await read(caller_of(request, user), service, f"/ops/dead-letters/{segment(str(dead_letter_id))}")
    letter = answer.body
    envelope = redact(letter["envelope"], user.principal) if letter and letter.get("envelope") else None
    payload = envelope.pop("data", None) if envelope else None
    status = 200 if letter else (403 if "token" in answer.problem else 404)
    return page(
        request, "dead_letter.html", user=user, service=service, letter=letter,
        payload=pretty(payload) if payload is not None else None,
        envelope_text=pretty(envelope) if envelope is not None else None, problem=answer.problem,
        can_act=user.can_act(), acts=list(Act), status_code=status,
    )  # fmt: skip
