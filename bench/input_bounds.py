"""What the input bounds cost: command validation with the bounded models against unbounded copies
of the same models, and an in-process request with the body limit against one without it.

    .venv/bin/python -m bench.input_bounds [--quick] [--rounds N]

- ``validation``: every command model of every service (``services/registry.py``) validating
  each of its OpenAPI examples, as the command lane does (``model_validate`` of the parsed JSON).
  The baseline is a copy of each model with every bound taken off (lengths, patterns, minimums
  and maximums, numbers of items) and everything else kept (types, field validators, stripping
  of whitespace), nested models likewise.
- ``request``: an in-process ASGI request to a FastAPI app shaped as a service's (the correlation
  middleware, one command route whose endpoint only answers), with the body limit outermost and
  without it: a command with a ``Content-Length``, the same one chunked (the limit reads and
  replays the body), and a GET (no body, no ``Content-Length``).

The limit is measured twice: around an app that only reads the body (what the limit adds, and
nothing else, differs) and around the service-shaped app (what that is beside a request's cost).
The two variants of each run in turns (``--rounds``, 21 by default), each turn a few tens of
milliseconds; each variant's best turn is its figure, so that other work on a busy machine lowers
both and not one. Target: the bounds and the limit add less than 1% of what a command costs
the service (373 µs of CPU per command at best, bench/README.md).
"""

from __future__ import annotations

import argparse
import gc
import json
import time
import typing
from collections.abc import Callable
from types import UnionType
from typing import Annotated, Any

import annotated_types
from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel, StringConstraints, ValidationError, create_model
from pydantic.fields import FieldInfo
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bench.cli import console, parser, pick, run
from bench.report import footer, header, rate_table, summary
from services.eventkit.app import CorrelationMiddleware, service_routers
from services.eventkit.body_limit import BodyLimit
from services.eventkit.commands import Command
from services.inventory.stock import ReceiveStock
from services.registry import SERVICES

SERVICE_CPU_PER_COMMAND_US = 373.0  # the best closed loop of bench.commands_http (bench/README.md)
TARGET_SHARE = 0.01


# -- unbounded copies -----------------------------------------------------------------------


def _kept(metadata: list[Any]) -> list[Any]:
    """Metadata without its bounds: validators and whitespace stripping stay, limits go."""
    kept: list[Any] = []
    for m in metadata:
        if isinstance(m, annotated_types.GroupedMetadata):  # StringConstraints, Interval, Len...
            strip = getattr(m, "strip_whitespace", None)
            if strip:
                kept.append(StringConstraints(strip_whitespace=True))
            continue
        if isinstance(m, annotated_types.BaseMetadata | FieldInfo):
            continue
        if type(m).__name__ in ("_PydanticGeneralMetadata",):  # pattern, strip... as pydantic keeps them
            continue
        kept.append(m)
    return kept


class Unbounded:
    """Copies of models with every bound taken off, each made once."""

    def __init__(self) -> None:
        self.made: dict[type[BaseModel], type[BaseModel]] = {}

    def of(self, model: type[BaseModel]) -> type[BaseModel]:
        if model not in self.made:
            fields: dict[str, Any] = {}
            for name, field in model.model_fields.items():
                annotation = self.plain(field.annotation)
                kept = _kept(list(field.metadata))
                if kept:
                    annotation = Annotated[(annotation, *kept)]  # type: ignore[valid-type]
                if field.default_factory is not None:
                    fields[name] = (annotation, FieldInfo(default_factory=field.default_factory))
                else:
                    fields[name] = (annotation, field.default if not field.is_required() else ...)
            # a subclass: the model's validators and config stay, its fields lose their bounds
            self.made[model] = create_model(f"Unbounded{model.__name__}", __base__=model, **fields)
        return self.made[model]

    def plain(self, annotation: Any) -> Any:
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if origin is Annotated:
            inner = self.plain(args[0])
            kept = _kept(list(annotation.__metadata__))
            return Annotated[(inner, *kept)] if kept else inner
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return self.of(annotation)
        if origin in (typing.Union, UnionType):
            return typing.Union[tuple(self.plain(a) for a in args)]  # noqa: UP007
        if origin in (list, tuple, set, frozenset) and args:
            return origin[tuple(self.plain(a) for a in args)] if origin is tuple else origin[self.plain(args[0])]
        return annotation


def command_bodies() -> list[tuple[type[BaseModel], dict[str, Any]]]:
    """Every command model with each of its examples that it accepts."""
    models: dict[type[BaseModel], None] = {}
    for service in SERVICES:
        for spec in service.load_commands():
            models[spec.model] = None
        for router in service_routers(service.load()):
            for route in router.routes:
                if isinstance(route, APIRoute) and route.body_field is not None:
                    body = route.body_field.field_info.annotation
                    if isinstance(body, type) and issubclass(body, Command):
                        models[body] = None
    bodies: list[tuple[type[BaseModel], dict[str, Any]]] = []
    for model in models:
        extra = model.model_config.get("json_schema_extra")
        examples = extra.get("examples") if isinstance(extra, dict) else None
        for example in examples if isinstance(examples, list) else []:
            if not isinstance(example, dict):
                continue
            try:
                model.model_validate(example)
            except ValidationError:
                continue
            bodies.append((model, example))
    return bodies


# -- turns ------------------------------------------------------------------------------------


def best_rate(
    variants: dict[str, Callable[[int], None]], ops_per_call: int, calls: int, rounds: int
) -> dict[str, float]:
    """Operations per second of each variant: its best turn, the variants taking turns."""
    best = dict.fromkeys(variants, 0.0)
    for _ in range(rounds):
        for name, call in variants.items():
            started = time.perf_counter()
            call(calls)
            elapsed = time.perf_counter() - started
            best[name] = max(best[name], ops_per_call * calls / elapsed)
    return best


def validation(rounds: int, calls: int) -> list[dict[str, Any]]:
    bodies = command_bodies()
    copies = Unbounded()
    bounded: list[tuple[Callable[[Any], Any], dict[str, Any]]] = [(m.model_validate, body) for m, body in bodies]
    unbounded: list[tuple[Callable[[Any], Any], dict[str, Any]]] = [
        (copies.of(m).model_validate, body) for m, body in bodies
    ]
    for validate, body in unbounded:  # the copies accept what the models accept
        validate(body)

    def runner(pairs: list[tuple[Callable[[Any], Any], dict[str, Any]]]) -> Callable[[int], None]:
        def go(n: int) -> None:
            for _ in range(n):
                for validate, body in pairs:
                    validate(body)

        return go

    rates = best_rate({"bounded": runner(bounded), "unbounded": runner(unbounded)}, len(bodies), calls, rounds)
    note = f"{len(bodies)} examples of {len({m for m, _ in bodies})} command models"
    return [
        {"name": "validation, unbounded copies", "rate": rates["unbounded"], "note": note},
        {"name": "validation, bounded models", "rate": rates["bounded"], "note": note},
    ]


def service_shaped_app(limit: bool) -> ASGIApp:
    app = FastAPI()

    @app.post("/stock/receipts")
    async def receive(body: ReceiveStock) -> dict[str, str]:
        return {"item_id": body.item_id}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(CorrelationMiddleware)
    if limit:
        app.add_middleware(BodyLimit)
    return app


BODY = json.dumps({"campus_id": "main", "item_id": "broom", "quantity": 20, "reason": "区里调拨"}).encode()


async def bare(scope: Scope, receive: Receive, send: Send) -> None:
    """An app that reads the body and answers at once: what the limit adds is all that differs."""
    if scope["method"] == "POST":
        while (await receive()).get("more_body", False):
            pass
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


SHAPES: dict[str, tuple[str, str, list[tuple[bytes, bytes]], list[bytes]]] = {
    "command (Content-Length)": (
        "POST",
        "/stock/receipts",
        [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())],
        [BODY],
    ),
    "command (chunked)": (
        "POST",
        "/stock/receipts",
        [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")],
        [BODY[:40], BODY[40:]],
    ),
    "GET (no body)": ("GET", "/healthz", [], [b""]),
}


async def requests(app_name: str, apps: dict[str, ASGIApp], rounds: int, calls: int) -> list[dict[str, Any]]:
    """Requests per second of each shape, with the limit and without (``apps``), in turns."""
    for app in apps.values():  # a FastAPI app builds its middleware stack on the first request
        await one(app, "GET", "/healthz", [], [b""])
    rows: list[dict[str, Any]] = []
    for shape, (method, path, headers, chunks) in SHAPES.items():
        best = dict.fromkeys(apps, 0.0)
        for _ in range(rounds):
            for name, app in apps.items():
                started = time.perf_counter()
                for _ in range(calls):
                    await one(app, method, path, headers, chunks)
                best[name] = max(best[name], calls / (time.perf_counter() - started))
        added = cost_us(best["without"], best["with"])
        ratio = best["with"] / best["without"]
        rows.append({"name": f"{app_name}, {shape}, without the limit", "rate": best["without"], "shape": shape})
        rows.append(
            {
                "name": f"{app_name}, {shape}, with the limit",
                "rate": best["with"],
                "shape": shape,
                "added_us": added,
                "note": f"{ratio:.2f}x, {added:+.2f} µs per request",
            }
        )
    return rows


async def one(app: ASGIApp, method: str, path: str, headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> None:
    pending = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1} for i, chunk in enumerate(chunks)
    ]
    status = 0

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8004),
    }
    await app(scope, receive, send)
    if status != 200:
        raise AssertionError(f"{method} {path} answered {status}")


def cost_us(base: float, measured: float) -> float:
    """Microseconds added per operation, from two rates."""
    return (1 / measured - 1 / base) * 1e6


async def main(args: argparse.Namespace) -> None:
    await header("input bounds: bounded commands and the body limit, against the same without them")
    rounds = args.rounds or pick(args.quick, 21, 3)
    valid = validation(rounds, pick(args.quick, 100, 5))
    rate_table("command validations per second", valid, valid[0]["name"])
    gc.collect()
    gc.freeze()  # what was built so far is not scanned again by every collection
    bare_rows = await requests(
        "bare app", {"with": BodyLimit(bare), "without": bare}, rounds, pick(args.quick, 20_000, 2_000)
    )
    rate_table("in-process requests per second: an app that only reads the body", bare_rows)
    fastapi_rows = await requests(
        "service-shaped app",
        {"with": service_shaped_app(True), "without": service_shaped_app(False)},
        rounds,
        pick(args.quick, 300, 50),
    )
    rate_table("in-process requests per second: a FastAPI app shaped as a service's", fastapi_rows)
    validation_us = cost_us(valid[0]["rate"], valid[1]["rate"])
    limit_us = bare_rows[1]["added_us"]  # a command with a Content-Length: the common case
    chunked_us = bare_rows[3]["added_us"]
    added = validation_us + limit_us
    console.print(
        f"added per command: validation {validation_us:+.2f} µs, body limit {limit_us:+.2f} µs "
        f"({chunked_us:+.2f} µs chunked); {added / SERVICE_CPU_PER_COMMAND_US:+.2%} of the service's "
        f"{SERVICE_CPU_PER_COMMAND_US:.0f} µs of CPU per command"
    )
    await footer()
    service = fastapi_rows[1]["rate"] / fastapi_rows[0]["rate"]
    summary(
        "input_bounds",
        added <= TARGET_SHARE * SERVICE_CPU_PER_COMMAND_US,
        f"validation {valid[1]['rate']:,.0f}/s bounded vs {valid[0]['rate']:,.0f}/s unbounded "
        f"({valid[1]['rate'] / valid[0]['rate']:.2f}x, {validation_us:+.2f} µs); body limit {limit_us:+.2f} µs "
        f"per request ({chunked_us:+.2f} chunked), a service-shaped request {service:.2f}x; "
        f"{added:+.2f} µs per command (target: under {TARGET_SHARE:.0%} of {SERVICE_CPU_PER_COMMAND_US:.0f} µs)",
    )


if __name__ == "__main__":
    cli = parser(__doc__ or "")
    cli.add_argument("--rounds", type=int, default=None, help="turns of each variant (default 21; --quick 3)")
    run(main, cli)
