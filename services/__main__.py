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
from urllib.parse import quote

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
        print_tokens()
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


def print_tokens() -> None:
    """The development tokens (a district admin of the demo district, the platform admin) and
    where to open GraphiQL and the console."""
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
    console.print(f"Operations console: http://127.0.0.1:{gateway_port}/console (development sign-in)")
    console.print(f"A district admin of the demo district {DEMO_DISTRICT} (header Authorization: Bearer <token>):")
    print(demo_admin, flush=True)
    console.print("The platform admin (registers districts):")
    print(platform, flush=True)


def service_url(name: str) -> str:
    """Where a service answers: ``HOUQIN_<NAME>_URL`` (as the gateway reads it: in Compose,
    http://<name>:<port>), else its port on 127.0.0.1."""
    return os.environ.get(f"HOUQIN_{name.upper()}_URL") or f"http://127.0.0.1:{Settings(service=name).port}"


def load_demo() -> None:
    """Loads the demo district through the running services, unless it is already there."""
    import httpx

    from demo.loader import DemoLoader

    async def run() -> str:
        clients = {name: httpx.AsyncClient(base_url=service_url(name), timeout=30) for name in SERVICES}
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
def demo(
    tokens: bool = typer.Option(False, "--tokens", help="Then print the development tokens and where to go"),
) -> None:
    """Load the demo district into a running system (./houqin up does it by itself; in Docker
    Compose, the demo job does)."""
    load_demo()
    if tokens:
        print_tokens()


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

    from services.eventkit.envelope import Envelope

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
        if partitions:  # a lookup of the ends made now (seek_to_end can take an older one still on its way)
            found = {}
            if since_ms is not None:
                found = await consumer.offsets_for_times({tp: since_ms for tp in partitions})
            ends = await consumer.end_offsets(partitions)
            for tp in partitions:
                consumer.seek(tp, found[tp].offset if found.get(tp) else ends[tp])
        notes.print(f"following {len(partitions)} partitions of {len(topics)} services' events (Ctrl-C stops)")
        while limit is None or shown < limit:
            batches = await consumer.getmany(timeout_ms=500, max_records=500)
            for tp, records in batches.items():
                for record in records:
                    try:
                        env = Envelope.from_wire(record.value)
                    except Exception:
                        continue
                    tenant = env.tenant
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
def rebuild(
    service: str = typer.Argument(..., help=f"One of: {', '.join(SERVICES)}"),
    projection: str = typer.Argument(..., help="The projection's name (./houqin status lists them)"),
    reason: str = typer.Option("rebuilt from the command line", "--reason", help="Why (kept in the audit)"),
    poll: float = typer.Option(0.25, min=0.05, max=5.0, help="Seconds between two looks at the progress"),
) -> None:
    """Rebuild a projection in the running service (shadow, then swap), with its progress until done."""
    import httpx
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    if service not in SERVICES:
        notes.print(f"[red]no service {service!r}[/red]; one of: {', '.join(SERVICES)}")
        raise typer.Exit(2)
    if not (0 < len(reason.strip()) <= 500):
        notes.print("[red]--reason[/red]: between 1 and 500 characters")
        raise typer.Exit(2)
    settings = Settings(service=service)
    actor = f"cli:{os.environ.get('USER', 'operator')}"
    # Run on the service's machine with its signing key: the platform's operator (a rebuild
    # rewrites every district's rows of the projection).
    operator = Principal(subject=actor, roles=frozenset([Role.OPERATOR, Role.PLATFORM_ADMIN]))
    headers = {"Authorization": f"Bearer {mint_token(settings, operator, ttl_s=3600)}"}
    base = f"http://127.0.0.1:{settings.port}"
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        try:
            answer = client.post(f"/ops/projections/{quote(projection, safe='')}/rebuild", json={"reason": reason})
        except httpx.TransportError:
            notes.print(
                f"[red]the {service} service does not answer on port {settings.port}[/red]; "
                "start the system with ./houqin up"
            )
            raise typer.Exit(1) from None
        if answer.status_code == 409:
            notes.print(f"[red]a rebuild of {service}.{projection} is running already[/red]; wait for it to finish")
            raise typer.Exit(1)
        if answer.status_code != 202:
            body = answer.json() if answer.headers.get("content-type", "").startswith("application/json") else {}
            notes.print(f"[red]refused ({answer.status_code})[/red]: {body.get('reason') or body or answer.text[:300]}")
            raise typer.Exit(2 if answer.status_code in (404, 422) else 1)
        started = answer.json()
        state: dict[str, Any] = {}
        with Progress(
            TextColumn(f"rebuilding {service}.{projection}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), TimeRemainingColumn(), console=notes,
        ) as progress:  # fmt: skip
            task = progress.add_task("replay", total=started["total"] or None)
            while True:
                try:
                    now = client.get(f"/ops/projections/{quote(projection, safe='')}")
                except httpx.TransportError:
                    notes.print(f"[red]the {service} service stopped answering[/red]; the rebuild stopped with it")
                    raise typer.Exit(1) from None
                run = now.json().get("rebuild") or {}
                if run.get("id") == started["rebuild_id"]:
                    state = run
                    progress.update(task, completed=run["replayed"], total=run["total"] or None)
                    if run["state"] != "running":
                        break
                time.sleep(poll)
    if state.get("state") != "done":
        notes.print(f"[red]{service}.{projection}: the rebuild {state.get('state')}[/red]: {state.get('error') or ''}")
        raise typer.Exit(1)
    console.print(
        f"{service}.{projection} rebuilt: {state['events']} events, {state['caught_up']} caught up at the swap, "
        f"in {float(state['seconds'] or 0):.1f}s (started by {started['started_by']}, audit #{started['audit_id']})",
        highlight=False,
        soft_wrap=True,
    )


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


dlq = typer.Typer(
    help="Dead letters of a service: list, show, replay (one, or all once confirmed), park. Audited.",
    no_args_is_help=True,
)
cli.add_typer(dlq, name="dlq")
DLQ_ACTOR = f"cli:{os.environ.get('USER', 'operator')}"
_service_arg = typer.Argument(..., help=f"One of: {', '.join(SERVICES)}")
_consumer_opt = typer.Option(..., "--consumer", help="As dead letters name it, or the handler's name")
_reason_opt = typer.Option(..., "--reason", help="Why (kept in the audit)")
_actor_opt = typer.Option(DLQ_ACTOR, "--actor", help="Who acts (kept in the audit)")


def _dlq_run(service: str, act: Any) -> Any:
    """``act(conn, consumers)`` on the service's own database, as its /ops routes do it."""
    from services.eventkit import operations
    from services.eventkit.db import create_pool
    from services.eventkit.errors import HouqinError

    if service not in SERVICES:
        notes.print(f"[red]no service {service!r}[/red]; one of: {', '.join(SERVICES)}")
        raise typer.Exit(2)
    definition = registry.service(service).load()
    settings = Settings(service=service)
    reactions = [spec.reaction for spec in definition.reactions]
    consumers = operations.consumers_of(settings, definition.projections, reactions)

    async def go() -> Any:
        pool = await create_pool(settings.dsn, min_size=1, max_size=2)
        try:
            async with pool.acquire() as conn:
                return await act(conn, consumers)
        finally:
            await pool.close()

    try:
        return asyncio.run(go())
    except HouqinError as exc:
        notes.print(f"[red]{exc.reason}[/red]")
        raise typer.Exit(1) from None


def _state_style(state: str) -> str:
    return {"open": "[red]open[/red]", "parked": "[yellow]parked[/yellow]"}.get(state, f"[green]{state}[/green]")


@dlq.command("list")
def dlq_list(
    service: str = _service_arg,
    consumer: str | None = typer.Option(None, "--consumer", help="Only this consumer's"),
    state: str | None = typer.Option(None, "--state", help="open, parked, skipped or replayed"),
    limit: int = typer.Option(50, "--limit", min=1, max=500),
) -> None:
    """How many dead letters wait per consumer, then the latest of them."""
    from services.eventkit import operations

    if state is not None and state not in {s.value for s in operations.DeadLetterState}:
        notes.print(f"[red]no state {state!r}[/red]; one of: open, parked, skipped, replayed")
        raise typer.Exit(2)

    async def act(conn: Any, _: Any) -> Any:
        return await operations.dead_letter_counts(conn), await operations.dead_letters(conn, consumer, limit, state)

    counts, letters = _dlq_run(service, act)
    table = Table("consumer", "waiting", "parked", "all", title=f"{service}: dead letters per consumer")
    for c in counts:
        table.add_row(c.consumer, f"[red]{c.open}[/red]" if c.open else "[green]0[/green]", str(c.parked), str(c.total))
    console.print(table if counts else f"{service}: no dead letters")
    if letters:
        rows = Table("id", "recorded", "consumer", "event", "stream", "error", "state", title="latest")
        for d in letters:
            rows.add_row(
                str(d.id), d.recorded_at.strftime("%Y-%m-%d %H:%M:%S"), d.consumer,
                f"{d.type or '(not an event)'}\n{d.event_id or ''}", d.stream_id or "", d.reason[:200],
                _state_style(d.state),
            )  # fmt: skip
        console.print(rows)


@dlq.command("show")
def dlq_show(service: str = _service_arg, dead_letter_id: int = typer.Argument(..., min=1)) -> None:
    """One dead letter: its error and its event (sensitive fields were withheld when it was kept)."""
    import json

    from rich.syntax import Syntax

    from services.eventkit import operations

    async def act(conn: Any, _: Any) -> Any:
        return await operations.dead_letter(conn, dead_letter_id)

    d = _dlq_run(service, act)
    table = Table(show_header=False, title=f"{service}: dead letter {d.id}")
    for key, value in (
        ("consumer", d.consumer), ("event", f"{d.type or '(not an event)'} {d.event_id or ''}"),
        ("stream", d.stream_id or ""), ("occurred", str(d.occurred_at or "")), ("recorded", str(d.recorded_at)),
        ("source", f"{d.topic}/{d.partition}/{d.offset}"), ("state", _state_style(d.state)), ("error", d.reason),
    ):  # fmt: skip
        table.add_row(key, value)
    console.print(table)
    text = json.dumps(d.envelope, ensure_ascii=False, indent=2) if d.envelope else "(not an event's JSON)"
    console.print(Syntax(text, "json", word_wrap=True))


@dlq.command("replay")
def dlq_replay(
    service: str = _service_arg,
    consumer: str = _consumer_opt,
    event_id: str | None = typer.Option(None, "--event-id", help="One event (else --all)"),
    every: bool = typer.Option(False, "--all", help="Every waiting dead letter of the consumer"),
    expected: int | None = typer.Option(None, "--expected", min=0, max=1000, help="With --all: the count confirmed"),
    reason: str = _reason_opt,
    actor: str = _actor_opt,
) -> None:
    """Replay one event, or all the consumer's waiting ones (after confirming how many), through the
    consumer's own exactly-once path: a replay of an event already applied applies nothing."""
    from uuid import UUID

    from services.eventkit import operations

    if (event_id is None) == (not every):
        notes.print("[red]name one event with --event-id, or replay --all[/red]")
        raise typer.Exit(2)
    if event_id is not None:
        try:
            one = UUID(event_id)
        except ValueError:
            notes.print(f"[red]not an event id: {event_id[:80]!r}[/red]")
            raise typer.Exit(2) from None

        async def replay_one(conn: Any, consumers: Any) -> Any:
            handler = operations.find_consumer(consumers, consumer)
            return await operations.retry_event(conn, handler, actor=actor, reason=reason, event_id=one)

        done = _dlq_run(service, replay_one)
        console.print(f"replayed {done.retried.type} {done.retried.event_id}: applied {done.retried.applied} "
                      f"(audit {done.audit_id})")  # fmt: skip
        return
    if expected is None:

        async def waiting(conn: Any, consumers: Any) -> Any:
            handler = operations.find_consumer(consumers, consumer)
            return len(await operations.open_events(conn, handler.label))

        expected = int(_dlq_run(service, waiting))
        if not typer.confirm(f"Replay {expected} dead letter(s) of {consumer}?"):
            raise typer.Exit(1)
    confirmed = expected

    async def replay_every(conn: Any, consumers: Any) -> Any:
        handler = operations.find_consumer(consumers, consumer)
        return await operations.replay_all(conn, handler, expected=confirmed, actor=actor, reason=reason)

    result = _dlq_run(service, replay_every)
    table = Table("event", "type", "applied", "audit", title=f"{service}: replayed {len(result.replayed)}")
    for r in result.replayed:
        table.add_row(str(r.retried.event_id), r.retried.type, str(r.retried.applied), str(r.audit_id))
    console.print(table)
    if result.failed:
        notes.print(f"[red]still fails: {result.failed}[/red]")
        raise typer.Exit(1)


@dlq.command("park")
def dlq_park(
    service: str = _service_arg,
    consumer: str = _consumer_opt,
    event_id: str = typer.Option(..., "--event-id", help="The event"),
    reason: str = _reason_opt,
    actor: str = _actor_opt,
) -> None:
    """Keep a dead letter aside: shown as parked, left out of a replay of all."""
    from uuid import UUID

    from services.eventkit import operations

    try:
        one = UUID(event_id)
    except ValueError:
        notes.print(f"[red]not an event id: {event_id[:80]!r}[/red]")
        raise typer.Exit(2) from None

    async def park(conn: Any, consumers: Any) -> Any:
        handler = operations.find_consumer(consumers, consumer)
        return await operations.park_event(conn, handler, actor=actor, reason=reason, event_id=one)

    done = _dlq_run(service, park)
    console.print(f"parked {done.event_id} of {done.consumer} (audit {done.audit_id})")


if __name__ == "__main__":
    cli()
