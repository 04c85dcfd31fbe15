"""The command line every service gets: ``python -m services.<name> serve|migrate|rebuild``."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import typer
import uvicorn
from pydantic_core import to_jsonable_python
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from services.eventkit import operations
from services.eventkit.app import SERVED_SERVICE, create_app
from services.eventkit.db import KIT_MIGRATIONS, Connection, create_pool, migrate
from services.eventkit.errors import HouqinError
from services.eventkit.logs import configure_logging
from services.eventkit.projection import rebuild as rebuild_projection
from services.eventkit.runtime import Mode, ServiceDefinition, ServiceRuntime
from services.eventkit.settings import Settings
from services.eventkit.store import EventStore

console = Console(stderr=True)


def listen_options(
    settings: Settings, host: str | None, port: int | None, *, graceful_s: int, max_message_bytes: int | None = None
) -> dict[str, Any]:
    """uvicorn's options for a served process (a service or the gateway): where it listens,
    our own logging instead of uvicorn's, no access log, how long a stop waits, and the largest
    WebSocket message (the request body limit: a subscription's messages are bounded like a POST)."""
    return {
        "ws_max_size": max_message_bytes or settings.max_body_bytes,
        "host": host or settings.http_host,
        "port": port or settings.port,
        "log_config": None,
        "access_log": False,
        "timeout_graceful_shutdown": graceful_s,
    }


def service_cli(definition: ServiceDefinition) -> typer.Typer:
    cli = typer.Typer(help=f"{definition.title}: {definition.description}", no_args_is_help=True)

    @cli.command()
    def serve(
        mode: Mode = typer.Option(Mode.ALL, help="all = API + relay + consumers in one process"),
        host: str | None = typer.Option(None, help="Listen address (default from HOUQIN_HTTP_HOST)"),
        port: int | None = typer.Option(None, help="Listen port (default per service)"),
        processes: int = typer.Option(
            1,
            min=1,
            envvar="HOUQIN_API_PROCESSES",
            help="API processes sharing the port (one event loop per core); with more than one, "
            "mode all runs the relay and the consumers in one more process of their own",
        ),
    ) -> None:
        """Run the service (or one of its parts)."""
        settings = Settings(service=definition.name)
        settings.refuse_unsafe_or_exit()
        listen = listen_options(settings, host, port, graceful_s=20)
        if mode in (Mode.ALL, Mode.API) and processes > 1:
            serve_processes(definition, mode, processes, listen)
        elif mode in (Mode.ALL, Mode.API):
            app = create_app(definition, settings, mode=mode, freeze_heap=True, serve_metrics_port=True)
            uvicorn.run(app, **listen)
        else:
            configure_logging(definition.name, settings.log_level, json_output=settings.log_json)
            asyncio.run(ServiceRuntime(definition, settings).run_until_stopped(mode))

    @cli.command("migrate")
    def migrate_cmd() -> None:
        """Apply the schema migrations and exit."""

        async def run() -> list[str]:
            settings = Settings(service=definition.name)
            pool = await create_pool(settings.dsn, min_size=1, max_size=2)
            try:
                dirs = [KIT_MIGRATIONS] + ([definition.migrations] if definition.migrations else [])
                async with pool.acquire() as conn:
                    return await migrate(conn, *dirs)
            finally:
                await pool.close()

        applied = asyncio.run(run())
        console.print(f"{definition.name}: {len(applied)} migration(s) applied")

    @cli.command()
    def rebuild(projection: str = typer.Argument(..., help="Projection name")) -> None:
        """Replay the event store into a fresh copy of a projection and swap it in."""

        async def run() -> None:
            settings = Settings(service=definition.name)
            runtime = ServiceRuntime(definition, settings)
            await runtime.open(reads=False)
            try:
                proj = runtime.projection(projection)
                total = await runtime.store.count()
                with Progress(
                    TextColumn(f"rebuilding {projection}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(),
                    console=console,
                ) as progress:
                    task = progress.add_task("replay", total=total)
                    report = await rebuild_projection(
                        runtime.pool,
                        EventStore(runtime.pool),
                        proj,
                        progress=lambda n: progress.update(task, completed=n),
                    )
                console.print(
                    f"{definition.name}.{projection}: {report.events} events replayed, {report.caught_up} caught up, "
                    f"{report.seconds:.2f}s ({report.rate:,.0f} events/s)"
                )
            finally:
                await runtime.close()

        started = time.perf_counter()
        try:
            asyncio.run(run())
        except KeyError:
            names = ", ".join(p.name for p in definition.projections) or "none"
            console.print(f"[red]no projection {projection!r}[/red]; this service has: {names}")
            raise typer.Exit(2) from None
        console.print(f"done in {time.perf_counter() - started:.1f}s")

    cli.add_typer(operations_cli(definition), name="ops")
    return cli


def operations_cli(definition: ServiceDefinition) -> typer.Typer:
    """``python -m services.<name> ops ...`` (or ``./houqin ops <name> ...``): the operators' acts
    on parked outbox rows and on events a consumer cannot apply, as the service's /ops routes
    do them, audited under ``--actor`` (by default ``cli:$USER``)."""
    ops = typer.Typer(help="Parked outbox rows, events a consumer cannot apply, and the audit.", no_args_is_help=True)
    default_actor = f"cli:{os.environ.get('USER', 'operator')}"
    reason_option = typer.Option(..., "--reason", help="Why (kept in the audit)")
    actor_option = typer.Option(default_actor, "--actor", help="Who acts (kept in the audit)")

    def run(act: Callable[[Connection], Awaitable[Any]]) -> None:
        async def go() -> Any:
            settings = Settings(service=definition.name)
            pool = await create_pool(settings.dsn, min_size=1, max_size=2)
            try:
                async with pool.acquire() as conn:
                    return await act(conn)
            finally:
                await pool.close()

        try:
            answer = asyncio.run(go())
        except HouqinError as exc:
            console.print(f"[red]{exc.reason}[/red]")
            raise typer.Exit(1) from None
        print(json.dumps(to_jsonable_python(answer), ensure_ascii=False, indent=2))  # as the /ops routes answer it

    def consumer(name: str) -> operations.Consumer:
        reactions = [spec.reaction for spec in definition.reactions]
        settings = Settings(service=definition.name)
        return operations.find_consumer(operations.consumers_of(settings, definition.projections, reactions), name)

    @ops.command("parked")
    def parked() -> None:
        """List the outbox rows the broker refused, each with the rows held behind it."""
        run(operations.parked_rows)

    @ops.command("release")
    def release(position: int, reason: str = reason_option, actor: str = actor_option) -> None:
        """Send a parked row again (after raising the broker's limit): its stream follows it."""
        run(lambda conn: operations.release_parked(conn, position, actor=actor, reason=reason))

    @ops.command("discard")
    def discard(position: int, reason: str = reason_option, actor: str = actor_option) -> None:
        """Never send a parked row; its stream's held rows flow on (the event stays in the store)."""
        run(lambda conn: operations.discard_parked(conn, position, actor=actor, reason=reason))

    @ops.command("dead-letters")
    def dead(consumer_name: str | None = typer.Option(None, "--consumer")) -> None:
        """The latest dead letters (payloads aside)."""
        run(lambda conn: operations.dead_letters(conn, consumer_name))

    def on_event(
        act: Callable[..., Awaitable[Any]], consumer_name: str, event_id: str | None,
        partition: int | None, offset: int | None, reason: str, actor: str,
    ) -> None:  # fmt: skip
        """``act`` (skip or retry) on one event of the named consumer."""
        handler = consumer(consumer_name)
        run(lambda conn: act(conn, handler, actor=actor, reason=reason,
                             event_id=UUID(event_id) if event_id else None,
                             partition=partition, offset=offset))  # fmt: skip

    event_id_option = typer.Option(None, "--event-id", help="The event's id")
    partition_option = typer.Option(None, "--partition", help="Its dead letter's partition (with --offset)")
    offset_option = typer.Option(None, "--offset", help="Its dead letter's offset")

    @ops.command("skip")
    def skip(
        consumer_name: str = typer.Option(..., "--consumer", help="As dead letters name it, or the handler's name"),
        event_id: str | None = event_id_option,
        partition: int | None = partition_option,
        offset: int | None = offset_option,
        reason: str = reason_option,
        actor: str = actor_option,
    ) -> None:
        """A consumer never applies one event; a projection's stream goes on past it."""
        on_event(operations.skip_event, consumer_name, event_id, partition, offset, reason, actor)

    @ops.command("retry")
    def retry(
        consumer_name: str = typer.Option(..., "--consumer", help="As dead letters name it, or the handler's name"),
        event_id: str | None = event_id_option,
        partition: int | None = partition_option,
        offset: int | None = offset_option,
        reason: str = reason_option,
        actor: str = actor_option,
    ) -> None:
        """A consumer applies one event again now (after a fix)."""
        on_event(operations.retry_event, consumer_name, event_id, partition, offset, reason, actor)

    @ops.command("audit")
    def audit() -> None:
        """The latest acts on parked rows and events: who, when, what, why."""
        run(operations.audit_rows)

    return ops


def serve_processes(definition: ServiceDefinition, mode: Mode, processes: int, listen: dict[str, Any]) -> None:
    """``processes`` API processes on one port (uvicorn's supervisor restarts any that dies);
    for mode all, the relay and the consumers in a process of their own beside them."""
    os.environ[SERVED_SERVICE] = definition.name
    workers: subprocess.Popen[bytes] | None = None
    if mode is Mode.ALL:
        argv = [sys.executable, "-m", f"services.{definition.name}", "serve", "--mode", Mode.WORKERS.value]
        workers = subprocess.Popen(argv)
    try:
        uvicorn.run("services.eventkit.app:served_api", factory=True, workers=processes, **listen)
    finally:
        if workers is not None:
            workers.send_signal(signal.SIGTERM)
            try:
                workers.wait(30)
            except subprocess.TimeoutExpired:
                workers.kill()
