"""The console's own pages: sign-in and sign-out, the static assets, and the router every page
of the console is added to (``gateway/console/<page>.py`` each add theirs with :data:`router`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from gateway.console.auth import COOKIE, DEMO_USERS, MAX_TOKEN_LENGTH, SignInRequired, User, demo_token, verify
from services.eventkit.errors import Unauthenticated

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(prefix="/console", include_in_schema=False)


def page(request: Request, template: str, user: Any = None, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page of the console, with who is signed in and which page it is (for the menu)."""
    return templates.TemplateResponse(
        request, template, {"user": user, "page": request.url.path, **context}, status_code=status_code
    )


def _safe_next(next_: str) -> str:
    """Only a page of the console: never another site."""
    return next_ if next_.startswith("/console/") and "//" not in next_ else "/console/tail"


@router.get("", response_class=RedirectResponse)
async def console_home() -> RedirectResponse:
    return RedirectResponse("/console/tail", status_code=303)


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_page(request: Request, next: str = "/console/tail", error: str = "") -> HTMLResponse:
    settings = request.app.state.settings
    users = [] if settings.production else [(k, label) for k, label, _ in DEMO_USERS]
    return page(request, "sign_in.html", next=_safe_next(next), error=error[:300], demo_users=users)


@router.post("/sign-in")
async def sign_in(
    request: Request,
    token: Annotated[str, Form(max_length=MAX_TOKEN_LENGTH)] = "",
    demo_user: Annotated[str, Form(max_length=40)] = "",
    next: Annotated[str, Form(max_length=500)] = "/console/tail",
) -> Response:
    settings = request.app.state.settings
    token = token.strip()
    if demo_user:
        token = demo_token(settings, demo_user) or ""
        if not token:
            return page(request, "sign_in.html", error="no such development user here", next=next, status_code=422)
    if not token:
        return page(request, "sign_in.html", error="paste a token, or pick a user", next=next, status_code=422)
    try:
        await verify(request, token)
    except Unauthenticated as exc:
        users = [] if settings.production else [(k, label) for k, label, _ in DEMO_USERS]
        return page(request, "sign_in.html", error=exc.reason, next=next, demo_users=users, status_code=401)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="strict", secure=settings.production, path="/console", max_age=12 * 3600
    )
    return response


@router.post("/sign-out")
async def sign_out() -> Response:
    response = RedirectResponse("/console/sign-in", status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response


@router.get("/whoami")
async def whoami(user: User) -> dict[str, Any]:
    p = user.principal
    return {"subject": p.subject, "roles": sorted(r.value for r in p.roles), "can_act": user.can_act()}


def mount_console(app: FastAPI) -> None:
    """The console's router, its assets, and the sign-in for a page asked for without a token."""
    from gateway.console import pages  # noqa: F401  (each page adds its routes to the router)

    app.include_router(router)
    app.mount("/console/static", StaticFiles(directory=HERE / "static"), name="console-static")

    @app.exception_handler(SignInRequired)
    async def to_sign_in(request: Request, exc: SignInRequired) -> Response:
        if request.headers.get("hx-request") or request.headers.get("accept", "").startswith("text/event-stream"):
            return Response(status_code=401, headers={"HX-Redirect": "/console/sign-in"})
        target = f"/console/sign-in?next={quote(request.url.path)}"
        if exc.reason:
            target += f"&error={quote(exc.reason)}"
        return RedirectResponse(target, status_code=303)
