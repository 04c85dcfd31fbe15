"""``houqin``: run the whole system locally, mint development tokens, show status.

Usually called through ``./houqin`` at the repository root, which prepares the
virtual environment and the infrastructure first.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from services import registry
from services.eventkit.auth import Grant, Principal, Role, mint_token
from services.eventkit.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
STATE = Path(os.environ.get("HOUQIN_STATE_DIR", ROOT / "infra" / ".state"))
# The services that exist, in start order (services/registry.py); the gateway comes last.
SERVICES = list(registry.NAMES)
DEMO_DISTRICT = "xinbei"


def demo_queries() -> str:
    """What to ask first: the demo term as it stood on its last day, and as it stands today."""
    from demo.school import TERM_ENDS

    return (
        f"\nThe demo term (entered afterwards, every act at its own date) as it stood on its last day, "
        f"and as it stands today:\n"
        f'  {{ end: campus(campusId: "main") {{ inspectionStatus(asOf: "{TERM_ENDS.isoformat()}") {{ '
        f"hazards {{ open closed breachingSla }} inspections {{ kind lastCompletedAt nextDue overdue }} }} }}\n"
        f'    today: campus(campusId: "main") {{ inspectionStatus {{ inspections {{ kind nextDue overdue }} }} }}\n'
        f'    wall: hazard(hazardId: "aoyuan-wall-tiles") {{ status history {{ type actedAt recordedAt summary }} }} }}'
        "\n"
        f"\nThe staff appraisal of a month, beside the campus's inspection status and inventory counts:\n"
        f'  {{ campus(campusId: "aoyuan") {{ inspectionStatus {{ hazards {{ open }} }} '
        f"inventoryCounts(belowReorderPoint: true) {{ nodes {{ name onHand }} }}\n"
        f'    appraisalTotals(month: "2020-10") {{ appraised published mean min max '
        f"byRule {{ ruleCode ruleText items }} workers {{ name role total corrected }} }} }} }}"
    )


cli = typer.Typer(help="Houqin: the logistics office of a school district.", no_args_is_help=True)
console = Console()
notes = Console(stderr=True)  # for commands whose stdout is a value (a token)


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@cli.command()
def up(
    timeout: float = typer.Option(60.0, help="Seconds to wait for each service to be ready"),
    demo: bool = typer.Option(True, help="Load the demo district (once) so there is something to see"),
) -> None:
    """Start every service (API, relay and consumers each) and wait; Ctrl-C stops them cleanly."""
    logs = STATE / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    children: list[tuple[str, subprocess.Popen[bytes]]] = []

    def stop_all() -> None:
        for child_name, child in children:
            if child.poll() is None:
                console.print(f"stopping {child_name}...")
                child.send_signal(signal.SIGTERM)
        for _child_name, child in children:
            try:
                child.wait(30)
            except subprocess.TimeoutExpired:
                child.kill()

    def on_sigterm(*_: object) -> None:
        stop_all()
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_sigterm)
    started = time.monotonic()
    try:
        for name in [*SERVICES, registry.GATEWAY]:
            port = Settings(service=name).port
            if _ready(port):
                console.print(f"[yellow]{name}[/yellow]: something already answers on port {port}; leaving it")
                continue
            log = (logs / f"{name}.log").open("ab")
            command = (
                [sys.executable, "-m", "gateway"]
                if name == registry.GATEWAY
                else [sys.executable, "-m", registry.service(name).package, "serve"]
            )
            proc = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
            children.append((name, proc))
            with console.status(f"starting {name} on port {port}..."):
                deadline = time.monotonic() + timeout
                while not _ready(port):
                    if proc.poll() is not None or time.monotonic() > deadline:
                        console.print(f"[red]{name} did not become ready[/red]; see {logs / (name + '.log')}")
                        stop_all()
                        raise typer.Exit(1)
                    time.sleep(0.3)
            where = "/graphql" if name == registry.GATEWAY else "/docs"
            console.print(f"[green]{name}[/green] ready: http://127.0.0.1:{port}{where}")
        if demo:
            load_demo()
        settings = Settings()
        platform = mint_token(settings, Principal(subject="platform-admin", roles=frozenset([Role.PLATFORM_ADMIN])))
        demo_admin = mint_token(
            settings,
            Principal(
                subject="demo-admin",
                name="演示 区管理员",
                roles=frozenset([Role.DISTRICT_ADMIN]),
                districts=frozenset([DEMO_DISTRICT]),
            ),
        )
        gateway_port = Settings(service=registry.GATEWAY).port
        console.print(f"\nGraphiQL: http://127.0.0.1:{gateway_port}/graphql")
        console.print(f"A district admin of the demo district {DEMO_DISTRICT} (header Authorization: Bearer <token>):")
        print(demo_admin, flush=True)
        console.print("The platform admin (registers districts):")
        print(platform, flush=True)
        console.print(demo_queries(), highlight=False, soft_wrap=True)
        console.print(
            f"\nHouqin is up: {len(SERVICES)} services and the gateway in {time.monotonic() - started:.1f}s. "
            f"Logs in {logs}. Ctrl-C stops everything."
        )
        while all(proc.poll() is None for _, proc in children):
            time.sleep(1)
        dead = [name for name, proc in children if proc.poll() is not None]
        console.print(f"[red]{', '.join(dead)} stopped unexpectedly[/red]; see the logs in {logs}")
        raise typer.Exit(1)
    except KeyboardInterrupt:
        pass
    finally:
        stop_all()


def load_demo() -> None:
    """Loads the demo district through the running services, unless it is already there."""
    import httpx

    from demo.loader import DemoLoader

    async def run() -> str:
        clients = {
            name: httpx.AsyncClient(base_url=f"http://127.0.0.1:{Settings(service=name).port}", timeout=30)
            for name in SERVICES
        }
        try:
            loader = DemoLoader(clients, Settings())
            if await loader.already_loaded():
                return "demo district already loaded"
            started = time.monotonic()
            with console.status("loading the demo district...") as status:
                sent = await loader.load(lambda step: status.update(f"loading the demo district: {step}"))
            return f"demo district loaded: {sent} commands in {time.monotonic() - started:.1f}s"
        finally:
            for client in clients.values():
                await client.aclose()

    try:
        console.print(asyncio.run(run()))
    except RuntimeError as exc:
        console.print(f"[red]the demo district did not load[/red]: {exc}; the system runs without it")


@cli.command()
def demo() -> None:
    """Load the demo district into a running system (./houqin up does it by itself)."""
    load_demo()


@cli.command()
def token(
    user: str = typer.Argument(..., help="A staff or parent id from the directory, or 'platform-admin'"),
    ttl: int = typer.Option(12 * 3600, help="Seconds the token is valid"),
    grant: list[str] = typer.Option(
        [],
        "--grant",
        help="ROLE:district|school|campus:ID, repeatable: the token holds each role only where granted "
        "(instead of the directory's roles over every campus the user serves)",
    ),
) -> None:
    """Mint a development token (HS256, key from HOUQIN_JWT_SECRET) for a user of the directory."""
    settings = Settings(service="directory")
    grants = frozenset(_grant(g) for g in grant)
    if user == "platform-admin":
        principal = Principal(subject=user, roles=frozenset([Role.PLATFORM_ADMIN]))
    else:
        principal = asyncio.run(_principal_of(settings, user))
    if grants:
        principal = Principal(subject=principal.subject, name=principal.name, classes=principal.classes, grants=grants)
    notes.print(f"[dim]{principal.subject}: {', '.join(sorted(principal.roles))}[/dim]", highlight=False)
    print(mint_token(settings, principal, ttl_s=ttl))


def _grant(text: str) -> Grant:
    role, _, rest = text.partition(":")
    level, _, node = rest.partition(":")
    try:
        if level not in ("district", "school", "campus") or not node:
            raise ValueError(level)
        return Grant.model_validate({"role": role, level: node})
    except ValueError:
        notes.print(f"[red]--grant {text}[/red]: expected ROLE:district|school|campus:ID with a known role")
        raise typer.Exit(2) from None


async def _principal_of(settings: Settings, user: str) -> Principal:
    import asyncpg

    from services.directory.queries.principals import principal_for
    from services.eventkit.errors import NotFound

    try:
        conn = await asyncpg.connect(settings.dsn)
    except (OSError, asyncpg.PostgresError) as exc:
        notes.print(f"[red]cannot reach the directory database[/red] ({exc}); start it with ./houqin up")
        raise typer.Exit(1) from None
    try:
        return await principal_for(conn, user)
    except NotFound as exc:
        notes.print(f"[red]{exc.reason}[/red]")
        raise typer.Exit(1) from None
    except asyncpg.UndefinedTableError:
        notes.print("[red]the directory has no roster yet[/red]; start the system once with ./houqin up")
        raise typer.Exit(1) from None
    finally:
        await conn.close()


@cli.command()
def report(
    school: str = typer.Argument(..., help="The school's id (e.g. xuexiao)"),
    term: str = typer.Argument(..., help="The term's id in the school calendar (e.g. 2020-2021-1)"),
    campus: str | None = typer.Option(None, "--campus", help="Only this campus (default: every campus one reads)"),
    format: str = typer.Option("pdf", "--format", help="pdf, docx or html"),
    output: Path | None = typer.Option(None, "-o", "--output", help="The file to write (default: <report>.<format>)"),
    version: int | None = typer.Option(None, "--version", help="An issued version (default: as it stands)"),
    user: str | None = typer.Option(
        None, "--as", help="Read it as this user of the directory (default: the demo district's admin)"
    ),
) -> None:
    """Write a term's report (后勤条线总结) as a PDF, a Word file or a web page, from a running system."""
    import httpx

    if format not in ("pdf", "docx", "html"):
        notes.print(f"[red]--format {format}[/red]: one of pdf, docx, html")
        raise typer.Exit(2)
    settings = Settings(service="directory")
    if user is None:
        principal = Principal(
            subject="demo-admin", roles=frozenset([Role.DISTRICT_ADMIN]), districts=frozenset([DEMO_DISTRICT])
        )
    else:
        principal = asyncio.run(_principal_of(settings, user))
    port = Settings(service=registry.GATEWAY).port
    params = {"format": format, "campus_id": campus, "version": version}
    started = time.monotonic()
    try:
        with console.status(f"asking every service for the figures of {school} {term} and writing the {format}..."):
            response = httpx.get(
                f"http://127.0.0.1:{port}/reports/{school}/{term}",
                params={k: v for k, v in params.items() if v is not None},
                headers={"Authorization": f"Bearer {mint_token(settings, principal, ttl_s=300)}"},
                timeout=120,
            )
    except httpx.TransportError as exc:
        notes.print(f"[red]the gateway does not answer on port {port}[/red] ({exc}); start the system with ./houqin up")
        raise typer.Exit(1) from None
    if response.status_code != 200:
        notes.print(f"[red]the report was refused ({response.status_code})[/red]: {response.text[:500]}")
        raise typer.Exit(1)
    disposition = response.headers.get("content-disposition", "")
    name = disposition.rsplit("''", 1)[-1] if "''" in disposition else f"{school}-{term}.{format}"
    target = output or Path(name)
    target.write_bytes(response.content)
    took = time.monotonic() - started
    console.print(f"wrote {target} ({len(response.content) / 1024:.0f} KiB, {format}) in {took:.1f}s")


TAIL_MAX = 1_000_000  # --limit's bound
FILTER_MAX = 200  # each filter's length


def _tail_principal(settings: Settings, user: str | None) -> Principal:
    """Whose scope and redaction the tail applies: the demo district's operator by default."""
    from gateway.console.auth import WATCHERS

    if user is None:
        return Principal(
            subject="demo-operator", roles=frozenset([Role.OPERATOR]), districts=frozenset([DEMO_DISTRICT])
        )
    if user == "platform-admin":
        return Principal(subject="platform-admin", roles=frozenset([Role.PLATFORM_ADMIN]))
    principal = asyncio.run(_principal_of(settings, user))
    if not principal.has_role(*WATCHERS):
        notes.print(f"[red]{user} does not watch the event streams[/red] (operators and admins do)")
        raise typer.Exit(1)
    return principal


def _tail_line(service: str, env: Any, principal: Principal) -> str:
    import orjson
    from rich.markup import escape

    from services.eventkit.redaction import redact_data

    data = orjson.dumps(redact_data(env.type, env.data, principal)).decode()
    at = (env.recorded_at or env.occurred_at).astimezone().strftime("%H:%M:%S.%f")[:-3]
    where = env.campus_id or env.school_id or env.district_id or "-"
    return (
        f"[dim]{at}[/dim] [cyan]{escape(service)}[/cyan] [bold]{escape(env.type)}[/bold] "
        f"{escape(env.stream_id)}@{env.version} [magenta]{escape(where)}[/magenta] "
        f"by {escape(env.actor or '-')} [dim]corr {escape(env.correlation_id or '-')}[/dim] "
        f"{escape(data[:400])}{'…' if len(data) > 400 else ''}"
    )


async def _tail(
    settings: Settings, services: list[str], principal: Principal, wanted: Any, since_ms: int | None, limit: int | None
) -> int:
    from aiokafka import AIOKafkaConsumer

    from services.eventkit.envelope import Envelope, TenantPath

    topics = {settings.topic_of(name): name for name in services}
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap, group_id=None, enable_auto_commit=False, auto_offset_reset="latest"
    )
    await consumer.start()
    shown = 0
    try:
        known = await consumer.topics()
        present = [t for t in topics if t in known]
        if present:  # without a group every partition is assigned, once the metadata is in
            consumer.subscribe(present)
            for _ in range(600):  # 30 s at most (aiokafka tells no assignment without a group)
                if {tp.topic for tp in consumer.assignment()} == set(present):
                    break
                await asyncio.sleep(0.05)
        partitions = sorted(consumer.assignment())
        if since_ms is not None and partitions:
            found = await consumer.offsets_for_times({tp: since_ms for tp in partitions})
            ends = await consumer.end_offsets(partitions)
            for tp in partitions:
                consumer.seek(tp, found[tp].offset if found.get(tp) else ends[tp])
        elif partitions:
            await consumer.seek_to_end(*partitions)
            for tp in partitions:
                await consumer.position(tp)  # resolved now: what is produced from here on is shown
        notes.print(f"following {len(partitions)} partitions of {len(topics)} services' events (Ctrl-C stops)")
        while limit is None or shown < limit:
            batches = await consumer.getmany(timeout_ms=500, max_records=500)
            for tp, records in batches.items():
                for record in records:
                    try:
                        env = Envelope.from_wire(record.value)
                    except Exception:
                        continue
                    tenant = TenantPath(district_id=env.district_id, school_id=env.school_id, campus_id=env.campus_id)
                    if not principal.covers(tenant) or not wanted(env):
                        continue
                    console.print(_tail_line(topics[tp.topic], env, principal), soft_wrap=True, highlight=False)
                    shown += 1
                    if limit is not None and shown >= limit:
                        return shown
    finally:
        await consumer.stop()
    return shown


@cli.command()
def tail(
    service: list[str] = typer.Option([], "--service", help=f"Only these services (repeat): {', '.join(SERVICES)}"),
    type_: list[str] = typer.Option([], "--type", help="Only these event types (repeat)"),
    campus: str | None = typer.Option(None, "--campus", help="Only this campus"),
    stream: str | None = typer.Option(None, "--stream", help="Only this stream id"),
    actor: str | None = typer.Option(None, "--actor", help="Only events by this actor"),
    correlation: str | None = typer.Option(
        None, "--correlation", help="Only this correlation id (a command and what it caused)"
    ),
    since: str | None = typer.Option(None, "--since", help="From this time on (ISO 8601; default: from now)"),
    limit: int | None = typer.Option(None, "--limit", min=1, max=TAIL_MAX, help="Stop after this many events"),
    user: str | None = typer.Option(None, "--as", help="As this user of the directory (default: the demo operator)"),
) -> None:
    """Print events as they happen (read from Kafka), within the user's scope, health fields redacted."""
    import datetime as dt

    unknown = [s for s in service if s not in SERVICES]
    if unknown:
        notes.print(f"[red]no service {unknown[0]!r}[/red]; one of: {', '.join(SERVICES)}")
        raise typer.Exit(2)
    for value in (*type_, campus, stream, actor, correlation, since):
        if value is not None and (len(value) > FILTER_MAX or "\x00" in value):
            notes.print(f"[red]a filter of more than {FILTER_MAX} characters (or with NUL)[/red]")
            raise typer.Exit(2)
    since_ms = None
    if since is not None:
        try:
            at = dt.datetime.fromisoformat(since)
        except ValueError:
            notes.print(f"[red]--since {since}[/red]: an ISO 8601 time, e.g. 2026-12-01T08:00:00+08:00")
            raise typer.Exit(2) from None
        since_ms = int((at if at.tzinfo else at.astimezone()).timestamp() * 1000)
    settings = Settings(service="directory")
    principal = _tail_principal(settings, user)
    types = set(type_)

    def wanted(env: Any) -> bool:
        return (
            (not types or env.type in types)
            and (campus is None or env.campus_id == campus)
            and (stream is None or env.stream_id == stream)
            and (actor is None or env.actor == actor)
            and (correlation is None or env.correlation_id == correlation)
        )

    try:
        asyncio.run(_tail(settings, service or SERVICES, principal, wanted, since_ms, limit))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        notes.print(
            f"[red]Kafka does not answer at {settings.kafka_bootstrap}[/red] ({exc}); start it with ./houqin up"
        )
        raise typer.Exit(1) from None


@cli.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def ops(
    context: typer.Context,
    service: str = typer.Argument(..., help=f"One of: {', '.join(SERVICES)}"),
) -> None:
    """A service's operations commands: ./houqin ops <service> parked|release|discard|dead-letters|skip|retry|audit."""
    if service not in SERVICES:
        notes.print(f"[red]no service {service!r}[/red]; one of: {', '.join(SERVICES)}")
        raise typer.Exit(2)
    done = subprocess.run([sys.executable, "-m", f"services.{service}", "ops", *context.args], cwd=ROOT)
    raise typer.Exit(done.returncode)


@cli.command()
def status() -> None:
    """Which services answer, and how far behind their relays and projections are."""
    import json

    table = Table("service", "port", "ready", "outbox", "projections")
    operator = Principal(subject="houqin-status", roles=frozenset([Role.OPERATOR]))
    for name in SERVICES:
        settings = Settings(service=name)
        port = settings.port
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/ops/lag",
            headers={"Authorization": f"Bearer {mint_token(settings, operator, ttl_s=60)}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                lag = json.load(response)
            projections = ", ".join(f"{p['name']}={p['events_applied']}" for p in lag["projections"]) or "-"
            table.add_row(name, str(port), "yes" if _ready(port) else "no", str(lag["outbox_pending"]), projections)
        except (urllib.error.URLError, OSError):
            table.add_row(name, str(port), "[red]down[/red]", "-", "-")
    console.print(table)


if __name__ == "__main__":
    cli()
