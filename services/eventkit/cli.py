"""The command line every service gets: ``python -m services.<name> serve|migrate|rebuild``."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from typing import Any

import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from services.eventkit.app import SERVED_SERVICE, create_app
from services.eventkit.db import KIT_MIGRATIONS, create_pool, migrate
from services.eventkit.logs import configure_logging
from services.eventkit.projection import rebuild as rebuild_projection
from services.eventkit.runtime import Mode, ServiceDefinition, ServiceRuntime
from services.eventkit.settings import Settings
from services.eventkit.store import EventStore

console = Console(stderr=True)


def listen_options(settings: Settings, host: str | None, port: int | None, *, graceful_s: int) -> dict[str, Any]:
    """uvicorn's options for a served process (a service or the gateway): where it listens,
    our own logging instead of uvicorn's, no access log, and how long a stop waits."""
    return {
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
            await runtime.open()
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

    return cli


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
