"""The projections page: per service its projections (position against the store's head,
rebuilding or not), a rebuild started with a reason (platform admins only: a projection holds
every district's rows; a district's operator reads the status), its progress and estimate while it runs (a fragment htmx
polls every second), a clear refusal while one runs, and who started which rebuild.

Everything is read from and done through each service's ``/ops/projections`` routes, with
the signed-in user's own token: the service checks the role, and audits the rebuild under
the token's subject."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import uuid4

from fastapi import Form, HTTPException, Path, Request
from fastapi.responses import HTMLResponse

from gateway.clients import Caller, ServiceError, ServiceUnavailable, segment
from gateway.console.auth import ConsoleUser, User
from gateway.console.routes import page, router, templates
from gateway.settings import SERVICES
from services.eventkit.app import OPERATIONS
from services.eventkit.envelope import TenantPath

ServiceName = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[a-z_]+$")]
ProjectionName = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[a-z0-9_]+$")]


def caller_of(request: Request, user: ConsoleUser) -> Caller:
    clients = request.app.state.gateway["clients"]
    return Caller(clients, user.authorization, getattr(request.state, "correlation_id", None) or str(uuid4()))


def reads_projections(user: ConsoleUser) -> bool:
    return user.principal.has_role(*OPERATIONS)


def rebuilds_projections(user: ConsoleUser) -> bool:
    """A projection holds every district's rows: only an operator over every district (a platform
    admin) rebuilds one (the services refuse others too)."""
    return user.principal.holds(TenantPath(), *OPERATIONS)


async def service_projections(caller: Caller, service: str) -> dict[str, Any]:
    """A service's answer to ``GET /ops/projections``, or why there is none."""
    try:
        body: dict[str, Any] = await caller.get(service, "/ops/projections")
        return body | {"up": True, "problem": ""}
    except ServiceUnavailable as exc:
        return {"service": service, "up": False, "problem": exc.reason, "projections": [], "history": []}
    except ServiceError as exc:
        reason = str(exc.body.get("reason") or exc.body.get("error") or exc.status)
        return {"service": service, "up": True, "problem": reason, "projections": [], "history": []}


def _known(service: str) -> str:
    if service not in SERVICES:
        raise HTTPException(404, f"no service {service!r}")
    return service


@router.get("/projections", response_class=HTMLResponse)
async def projections_page(request: Request, user: User) -> HTMLResponse:
    services: list[dict[str, Any]] = []
    if reads_projections(user):
        caller = caller_of(request, user)
        services = [await service_projections(caller, service) for service in SERVICES]
    return page(
        request, "projections.html", user=user, services=services,
        can_read=reads_projections(user), can_act=rebuilds_projections(user),
        district_operator=user.can_act() and not rebuilds_projections(user),
    )  # fmt: skip


async def _cell(
    request: Request, user: ConsoleUser, service: str, name: str, message: str = "", status_code: int = 200
) -> HTMLResponse:
    """The projection's status cell (polled), or with ``message`` the answer to a rebuild asked
    for: the message, the cell and the service's history (those two out of band)."""
    answer = await service_projections(caller_of(request, user), service)
    projection = next((p for p in answer["projections"] if p["name"] == name), None)
    if projection is None and not answer["problem"]:
        raise HTTPException(404, f"no projection {name!r} in {service}")
    template = "rebuild_answer.html" if message else "projection_cell.html"
    ok = status_code < 300
    if message and request.headers.get("hx-request"):
        status_code = 200  # htmx swaps no 4xx: the page shows the refusal (an API client gets the status)
    context = {"svc": answer, "p": projection, "message": message, "ok": ok, "oob_history": True}
    return templates.TemplateResponse(request, template, context, status_code=status_code)


@router.get("/projections/{service}/{name}/status", response_class=HTMLResponse)
async def projection_status(request: Request, user: User, service: ServiceName, name: ProjectionName) -> HTMLResponse:
    if not reads_projections(user):
        raise HTTPException(403, f"{user.principal.subject} does not read the services' operations")
    return await _cell(request, user, _known(service), name)


@router.post("/projections/{service}/{name}/rebuild", response_class=HTMLResponse)
async def start_rebuild(
    request: Request,
    user: User,
    service: ServiceName,
    name: ProjectionName,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> HTMLResponse:
    if not rebuilds_projections(user):
        raise HTTPException(
            403, f"{user.principal.subject} does not rebuild projections: they hold every district's rows "
            "(platform admins rebuild them)",
        )  # fmt: skip
    _known(service)
    if not reason.strip():
        return await _cell(request, user, service, name, "say why: a reason is kept in the audit", 422)
    caller = caller_of(request, user)
    try:
        started = await caller.request(
            service, "POST", f"/ops/projections/{segment(name)}/rebuild", json={"reason": reason.strip()}
        )
    except ServiceUnavailable as exc:
        return await _cell(request, user, service, name, f"{service} does not answer ({exc.reason}); try again", 503)
    except ServiceError as exc:
        if exc.status == 409:
            message = f"Refused: a rebuild of {name} is running already; wait for it to finish."
        else:
            message = f"Refused ({exc.status}): {str(exc.body.get('reason') or exc.body.get('detail'))[:300]}"
        return await _cell(request, user, service, name, message, 409 if exc.status == 409 else 422)
    note = f"Started by {started['started_by']} at {started['started_at'][:19].replace('T', ' ')}."
    return await _cell(request, user, service, name, note, 202)
