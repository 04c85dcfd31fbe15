"""The console's lag page: per service the outbox (pending, and how long the oldest has waited),
per consumer group the events behind, per projection the events behind, the time since it fell
behind, when it last applied and its last error; a colour for each (healthy, behind, stuck) and
a chart of the last minutes.

The figures are each service's ``GET /ops/lag`` (operators: another watcher sees "no access"),
asked concurrently with the viewer's token; a service that does not answer is shown as down.
While the page is watched (its table polls a fragment every 2 s) the gateway keeps a sample of
the events waiting per service every :data:`SAMPLE_EVERY_S` seconds, the last
:data:`KEEP_S` seconds of them in a bounded ring buffer, drawn as inline SVG.

Colours: an item behind (events waiting) for under :data:`BEHIND_AFTER_S` seconds is healthy
(a burst being worked off); longer, it is behind; behind with no progress (its handled count, or
for the outbox its oldest row, unchanged) for :data:`STUCK_AFTER_S` seconds, it is stuck.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from gateway.clients import Caller, ServiceError, ServiceUnavailable
from gateway.console.auth import ConsoleUser, User
from gateway.console.routes import page, router
from gateway.settings import SERVICES

SAMPLE_EVERY_S = 5.0
KEEP_S = 15 * 60.0
BEHIND_AFTER_S = 10.0
STUCK_AFTER_S = 60.0
ASK_TIMEOUT_S = 3.0  # a service slower than this is shown as down (the page polls every 2 s)
CHART_W, CHART_H = 640, 120


@dataclass
class _Track:
    """One item's history as the gateway saw it: since when it is behind, when it last moved."""

    behind_since: float | None = None
    progress: Any = None
    moved_at: float = 0.0


@dataclass
class LagWatch:
    """The gateway's memory of the lag: a bounded ring buffer of samples and each item's track."""

    behind_after_s: float = BEHIND_AFTER_S
    stuck_after_s: float = STUCK_AFTER_S
    sample_every_s: float = SAMPLE_EVERY_S
    keep_s: float = KEEP_S
    samples: deque[tuple[float, dict[str, int | None]]] = field(default_factory=deque)
    tracks: dict[str, _Track] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.samples = deque(maxlen=int(self.keep_s // self.sample_every_s) + 1)

    def status(self, key: str, behind: int | None, progress: Any, now: float) -> tuple[str, float | None]:
        """``healthy``, ``behind`` or ``stuck``, and for how many seconds it has been behind."""
        track = self.tracks.setdefault(key, _Track(moved_at=now))
        if progress != track.progress:
            track.progress, track.moved_at = progress, now
        if not behind:
            track.behind_since = None
            return "healthy", None
        if track.behind_since is None:
            track.behind_since = now
        behind_for = now - track.behind_since
        if now - track.moved_at >= self.stuck_after_s and behind_for >= self.stuck_after_s:
            return "stuck", behind_for
        return ("behind" if behind_for >= self.behind_after_s else "healthy"), behind_for

    def sample(self, now: float, waiting: dict[str, int | None]) -> None:
        if not self.samples or now - self.samples[-1][0] >= self.sample_every_s:
            self.samples.append((now, waiting))


def watch_of(request: Request) -> LagWatch:
    watch: LagWatch | None = getattr(request.app.state, "console_lag", None)
    if watch is None:
        watch = request.app.state.console_lag = LagWatch()
    return watch


async def _ask(caller: Caller, service: str) -> dict[str, Any]:
    try:
        body = await asyncio.wait_for(caller.get(service, "/ops/lag"), ASK_TIMEOUT_S)
    except (ServiceUnavailable, TimeoutError):
        return {"service": service, "state": "down"}
    except ServiceError as exc:
        state = "no access" if exc.status in (401, 403) else "down"
        return {"service": service, "state": state, "reason": str(exc.body.get("reason", ""))[:200]}
    return {"service": service, "state": "up", **body}


def _age(at: str | None, now: dt.datetime) -> float | None:
    return (now - dt.datetime.fromisoformat(at)).total_seconds() if at else None


async def lag_rows(request: Request, user: ConsoleUser) -> dict[str, Any]:
    """Every service's figures with a status for each item, and the chart's samples."""
    state = request.app.state.gateway
    caller = Caller(state["clients"], user.authorization, request.headers.get("x-correlation-id", "console-lag"))
    answers = await asyncio.gather(*(_ask(caller, s) for s in SERVICES))
    watch, now, wall = watch_of(request), time.monotonic(), dt.datetime.now(dt.UTC)
    services: list[dict[str, Any]] = []
    waiting: dict[str, int | None] = {}
    for a in answers:
        name = a["service"]
        if a["state"] != "up":
            services.append(a | {"status": a["state"].replace(" ", "-"), "groups": [], "projections": []})
            waiting[name] = None
            continue
        oldest = a.get("outbox_oldest_s")
        pending = int(a.get("outbox_pending") or 0)
        if pending and oldest is not None and oldest >= watch.stuck_after_s:
            outbox_status = "stuck"
        elif pending and oldest is not None and oldest >= watch.behind_after_s:
            outbox_status = "behind"
        else:
            outbox_status = "healthy"
        groups = []
        for g in a.get("consumer_groups") or []:
            status, behind_for = watch.status(f"{name}/{g['group']}", g["behind"], g["handled"], now)
            groups.append(g | {"status": status, "behind_for": behind_for, "error_age": _age(g["last_error_at"], wall)})
        projections = []
        for p in a.get("projections") or []:
            status, behind_for = watch.status(
                f"{name}/projection/{p['name']}", p.get("behind"), p["events_applied"], now
            )
            projections.append(
                p
                | {
                    "status": status,
                    "behind_for": behind_for,
                    "applied_age": _age(p["last_applied_at"], wall),
                    "error_age": _age(p.get("last_error_at"), wall),
                }
            )
        statuses = [outbox_status] + [x["status"] for x in groups + projections]
        worst = "stuck" if "stuck" in statuses else "behind" if "behind" in statuses else "healthy"
        waiting[name] = pending + sum(int(g["behind"] or 0) for g in a.get("consumer_groups") or [])
        services.append(
            a | {"status": worst, "outbox_status": outbox_status, "groups": groups, "projections": projections}
        )
    watch.sample(now, waiting)
    return {"services": services, "chart": chart(watch, now), "watch": watch}


PALETTE = ("#2563eb", "#16a34a", "#db2777", "#ea580c", "#7c3aed", "#0891b2", "#65a30d", "#b91c1c")


def chart(watch: LagWatch, now: float) -> dict[str, Any]:
    """The events waiting per service over the last :data:`KEEP_S` seconds, as SVG polylines."""
    top = max([v for _, w in watch.samples for v in w.values() if v] + [1])
    lines = []
    for i, service in enumerate(SERVICES):
        points = [
            f"{CHART_W * (1 - (now - t) / watch.keep_s):.1f},{CHART_H - 4 - (CHART_H - 8) * (w[service] or 0) / top:.1f}"  # noqa: E501
            for t, w in watch.samples
            if w.get(service) is not None
        ]
        lines.append({"service": service, "colour": PALETTE[i % len(PALETTE)], "points": " ".join(points)})
    return {"lines": lines, "top": top, "width": CHART_W, "height": CHART_H, "minutes": int(watch.keep_s // 60)}


@router.get("/lag", response_class=HTMLResponse)
async def lag_page(request: Request, user: User) -> HTMLResponse:
    return page(request, "lag.html", user=user, **await lag_rows(request, user))


@router.get("/lag/table", response_class=HTMLResponse)
async def lag_table(request: Request, user: User) -> HTMLResponse:
    """The table and the chart alone: what the page polls every 2 s."""
    return page(request, "lag_table.html", user=user, **await lag_rows(request, user))
