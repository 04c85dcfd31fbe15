"""Scale-out: one replica of each service against two, on a three-broker Kafka cluster.

    .venv/bin/python -m bench.scale_out [--quick] [--rate R] [--duration S] [--backlog N]

The benchmark starts a Kafka cluster of its own (``infra/kafka/start.sh`` with three KRaft
nodes on 39092/39102/39112, a temporary state dir; stopped and removed at the end whatever
happens). The services create their topics there with three replicas and
``min.insync.replicas=2`` (checked on the brokers). The workload of
``bench.reaction_throughput`` then runs twice, each time on fresh databases and a fresh topic
namespace:

(a) **one replica:** one safety process (API and workers, ``serve --mode all``) and one
    inventory process (``serve --mode workers``: relay, projections, the reaction);
(b) **two replicas:** two of each, in the same consumer groups: the load generator spreads
    the commands over both safety processes' ports (hazard ``i`` to replica ``i % 2``), and
    each consumer group shares its partitions between the two processes (the assignment is
    printed, and every group must have two members that each hold partitions).

The workload: hazards reported (closed loop, 32 clients: the most commands the safety
service takes), then assigned in-house over HTTP at ``--rate`` for ``--duration`` seconds (open
loop), each assignment crossing to the inventory, whose reaction opens a repair; measured: the
commands' latency, the reaction's lag (assignment recorded -> repair recorded) and backlog; then
the inventory stopped, ``--backlog`` assignments made, the inventory started again, and the
rate at which it catches up. The CPU each process used over the open loop is printed.

Ledger checks of each run: every hazard assigned in-house got exactly one repair (none
doubled, none lost), the topics have three replicas and two in sync, and in (b) every consumer
group had two members, both before the load and after the catch-up's restart.

Target (issue 23): nothing breaks with two replicas, and the figures of both are stated side by
side with the ratio two/one. On a 2-core machine the gain is bounded: the two replicas share the
same two cores with PostgreSQL, three brokers and the load generator.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import asyncpg
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment
from rich.table import Table

from bench.cli import console, parser, pick, run
from bench.clients import ClientPool, district_admin_headers
from bench.cluster import Cluster, kafka_cluster, topic_replication
from bench.cpu import CpuMeter
from bench.databases import fresh_database, new_namespace, settings_for
from bench.dataset import DISTRICT
from bench.load import wait_until
from bench.processes import BenchProcess
from bench.reaction_throughput import ReactionRun, measure, prepare
from bench.report import footer, header, summary
from services.eventkit.db import create_pool
from services.eventkit.kafka import admin_client, delete_topics
from services.inventory.service import INVENTORY
from services.safety.service import SAFETY

RATE = 300.0
REPLICATION = {"kafka_replication_factor": 3, "kafka_min_insync_replicas": 2}


@dataclass(frozen=True)
class RepairLedger:
    """Hazards assigned in-house against the repairs the reaction opened for them."""

    assigned: int
    doubled: dict[str, int]  # hazard: repairs opened for it, when more than one
    lost: list[str]  # hazards assigned in-house with no repair
    stray: list[str]  # repairs of hazards never assigned in-house

    @property
    def exact(self) -> bool:
        return not self.doubled and not self.lost and not self.stray

    def describe(self) -> str:
        if self.exact:
            return f"{self.assigned:,} hazards assigned in-house, {self.assigned:,} repairs: one each"
        return (
            f"{self.assigned:,} hazards assigned in-house: {len(self.doubled)} with more than one repair "
            f"{sorted(self.doubled.items())[:3]}, {len(self.lost)} with none {self.lost[:3]}, "
            f"{len(self.stray)} repairs of hazards never assigned {self.stray[:3]}"
        )


def repair_ledger(assigned: Iterable[str], repaired: Iterable[str]) -> RepairLedger:
    """``assigned``: the hazards assigned in-house; ``repaired``: the hazard of each repair opened
    (one entry per ``RepairReported``, so a repair opened twice shows twice)."""
    hazards = set(assigned)
    repairs = Counter(repaired)
    return RepairLedger(
        assigned=len(hazards),
        doubled={h: n for h, n in repairs.items() if n > 1},
        lost=sorted(hazards - set(repairs)),
        stray=sorted(set(repairs) - hazards),
    )


async def read_ledger(safety: asyncpg.Pool, inventory: asyncpg.Pool) -> RepairLedger:
    """The ledger of the two stores: every assignment in-house, every repair the reaction opened."""
    assigned = await safety.fetch(
        "SELECT stream_id FROM events WHERE type = 'safety.HazardAssignedInHouse'",
    )
    repaired = await inventory.fetch(
        "SELECT data->>'hazard_id' AS hazard_id FROM events WHERE type = 'inventory.RepairReported'",
    )
    return repair_ledger((r["stream_id"].removeprefix("hazard-") for r in assigned), (r["hazard_id"] for r in repaired))


async def group_assignment(bootstrap: str, prefix: str) -> dict[str, list[list[str]]]:
    """Every consumer group of the namespace: for each member, the partitions it holds
    (``topic-suffix:partition``)."""
    async with admin_client(bootstrap, 30) as admin:
        groups = sorted(g[0] for g in await admin.list_consumer_groups() if g[0].startswith(prefix))
        if not groups:
            return {}
        # one group a request: aiokafka decodes the answer about several groups wrongly
        described = [g for group in groups for g in (await admin.describe_consumer_groups([group]))[0].groups]
    assignment: dict[str, list[list[str]]] = {}
    for group in described:  # (error_code, group_id, state, protocol_type, protocol, members, ...)
        members = []
        for member in group[5]:  # (member_id, client_id, client_host, metadata, assignment)
            held = ConsumerProtocolMemberAssignment.decode(member[4]).partitions() if member[4] else []
            members.append(sorted(f"{tp.topic.rsplit('.', 2)[-2]}:{tp.partition}" for tp in held))
        assignment[str(group[1])] = sorted(members)
    return assignment


def groups_shared(assignment: Mapping[str, Sequence[Sequence[str]]], replicas: int) -> bool:
    """Every group has ``replicas`` members and each of them holds partitions."""
    return bool(assignment) and all(len(members) == replicas and all(members) for members in assignment.values())


async def settled_groups(bootstrap: str, prefix: str, replicas: int, timeout_s: float) -> dict[str, list[list[str]]]:
    """The groups' assignment once every group has its ``replicas`` members holding partitions,
    and the same groups are seen twice in a row (a consumer that joins late adds a group)."""
    seen: dict[str, list[list[str]]] = {}
    steady = 0

    async def settled() -> bool:
        nonlocal seen, steady
        now = await group_assignment(bootstrap, prefix)
        steady = steady + 1 if groups_shared(now, replicas) and set(now) == set(seen) else 0
        seen = now
        return steady >= 2

    await wait_until(settled, timeout_s, interval_s=1.0)
    return seen


def print_assignment(title: str, assignment: Mapping[str, Sequence[Sequence[str]]], prefix: str) -> None:
    console.print(f"[bold]{title}[/bold]")
    for group, members in assignment.items():
        held = " | ".join(f"member {i + 1}: {','.join(m) or '-'}" for i, m in enumerate(members))
        console.print(f"  {group.removeprefix(prefix)}: {held}")


@dataclass
class Phase:
    """One run of the workload with ``replicas`` processes of each service."""

    replicas: int
    measured: ReactionRun
    topics: dict[str, tuple[int, str]]  # topic: (replicas, min.insync.replicas)
    groups_before: dict[str, list[list[str]]]
    groups_after: dict[str, list[list[str]]]
    ledger: RepairLedger
    checks: dict[str, bool] = field(default_factory=dict)

    def cores(self) -> dict[str, float]:
        """Cores each process used over the open loop (1.0: one core all the time)."""
        before, after = self.measured.cpu
        elapsed = max(self.measured.offered.elapsed, 1e-9)
        return {name: (after[name].cpu_s - before[name].cpu_s) / elapsed for name in before}


def cpu_groups(cores: Mapping[str, float]) -> dict[str, float]:
    """The cores of the processes summed by kind: the safety replicas, the inventory's, the
    three brokers, PostgreSQL, the load generator."""
    kinds: dict[str, float] = {}
    for name, used in cores.items():
        kind = name.rsplit(" ", 1)[0] if name[-1].isdigit() else name
        kinds[kind] = kinds.get(kind, 0.0) + used
    return kinds


async def phase(cluster: Cluster, replicas: int, *, rate: float, duration: float, backlog_n: int) -> Phase:
    """Fresh databases and namespace, ``replicas`` processes of each service, the workload, the checks."""
    label = "one replica" if replicas == 1 else f"{replicas} replicas"
    console.rule(f"({'ab'[replicas - 1] if replicas <= 2 else replicas}) {label} of each service")
    bootstrap = cluster.bootstrap
    namespace = new_namespace(f"scaleout{replicas}")
    prefix = namespace + "."  # of its topics and consumer groups
    procs: list[BenchProcess] = []
    try:
        async with (
            fresh_database("scaleout", "safety") as safety_dsn,
            fresh_database("scaleout", "inv") as inv_dsn,
        ):
            overrides = REPLICATION | {"kafka_bootstrap": bootstrap}
            safety_settings = settings_for("safety", safety_dsn, namespace, **overrides)
            inv_settings = settings_for("inventory", inv_dsn, namespace, **overrides)
            await prepare(safety_dsn, SAFETY.migrations)
            await prepare(inv_dsn, INVENTORY.migrations)
            safety = [BenchProcess("safety", safety_settings) for _ in range(replicas)]
            inventory = [BenchProcess("inventory", inv_settings, mode="workers") for _ in range(replicas)]
            procs += [*safety, *inventory]
            with console.status(f"starting {replicas} safety and {replicas} inventory process(es)"):
                for p in procs:
                    await p.launch()
            with console.status("waiting for the consumer groups to share their partitions"):
                before = await settled_groups(bootstrap, prefix, replicas, 120)
            print_assignment("consumer groups before the load (partitions of each member)", before, prefix)
            topics = {
                t: await topic_replication(bootstrap, t)
                for t in (safety_settings.events_topic, inv_settings.events_topic)
            }
            console.print(
                "topics: " + ", ".join(f"{t}: {n} replicas, min.insync.replicas {m}" for t, (n, m) in topics.items())
            )
            processes: dict[str, Sequence[int]] = {f"safety {i + 1}": [p.pid] for i, p in enumerate(safety)}
            processes |= {f"inventory {i + 1}": [p.pid] for i, p in enumerate(inventory)}
            processes |= {name: [pid] for name, pid in cluster.node_pids().items()}
            databases = [dsn.rsplit("/", 1)[1] for dsn in (safety_dsn, inv_dsn)]
            meter = CpuMeter(processes, databases)
            headers = district_admin_headers(safety_settings, DISTRICT)
            clients = [ClientPool("raw", p.url, headers, 64 // replicas) for p in safety]
            safety_pool = await create_pool(safety_dsn, min_size=1, max_size=2)
            inv_pool = await create_pool(inv_dsn, min_size=1, max_size=2)
            try:
                measured = await measure(
                    clients, safety_pool, inv_pool, inventory, meter, rate=rate, duration=duration, backlog_n=backlog_n
                )
                with console.status("waiting for the consumer groups after the inventory's restart"):
                    after = await settled_groups(bootstrap, prefix, replicas, 120)
                print_assignment("consumer groups after the catch-up's restart", after, prefix)
                ledger = await read_ledger(safety_pool, inv_pool)
            finally:
                for client in clients:
                    await client.aclose()
                await safety_pool.close()
                await inv_pool.close()
            for p in reversed(procs):
                await p.close()
            procs = []
    finally:
        for p in procs:
            await p.close()
        try:
            await delete_topics(bootstrap, prefix)
        except Exception as exc:
            console.print(f"[yellow]could not delete the topics of {namespace}: {exc!r}[/yellow]")
    result = Phase(replicas, measured, topics, before, after, ledger)
    result.checks = {
        "topics with 3 replicas, min.insync.replicas 2": all(t == (3, "2") for t in topics.values()),
        f"every consumer group with {replicas} member(s) holding partitions, before the load": groups_shared(
            before, replicas
        ),
        f"every consumer group with {replicas} member(s) holding partitions, after the restart": groups_shared(
            after, replicas
        ),
        "every assignment repaired within 120 s of the load": measured.caught_up,
        "the backlog drained": measured.drained,
        "one repair per hazard assigned in-house (none doubled, none lost)": ledger.exact,
    }
    console.print(f"ledger: {ledger.describe()}")
    return result


def side_by_side(one: Phase, two: Phase, rate: float) -> None:
    """The figures of (a) and (b) next to each other, and the ratio two/one."""
    table = Table(title="one replica of each service against two (ratio two/one)", title_justify="left")
    for col in ("", "(a) one replica", "(b) two replicas", "two/one"):
        table.add_column(col, justify="left" if not col else "right")

    def row(name: str, a: float, b: float, fmt: str) -> None:
        ratio = f"{b / a:.2f}x" if a else "-"
        table.add_row(name, fmt.format(a), fmt.format(b), ratio)

    ma, mb = one.measured, two.measured
    ra, rb = ma.reported.latency.summary(), mb.reported.latency.summary()
    oa, ob = ma.offered.latency.summary(), mb.offered.latency.summary()
    la, lb = ma.reaction.summary(), mb.reaction.summary()
    row("ReportHazard, closed loop (32 clients): cmd/s", ma.reported.rate, mb.reported.rate, "{:,.0f}")
    row("  p50 ms", ra["p50"], rb["p50"], "{:.1f}")
    row("  p99 ms", ra["p99"], rb["p99"], "{:.1f}")
    row(f"assign in-house, open loop at {rate:,.0f}/s: accepted cmd/s", ma.offered.rate, mb.offered.rate, "{:,.0f}")
    row("  errors (refused or late)", ma.offered.errors, mb.offered.errors, "{:,.0f}")
    row("  p50 ms", oa["p50"], ob["p50"], "{:.1f}")
    row("  p99 ms", oa["p99"], ob["p99"], "{:.1f}")
    row("reaction lag (assigned -> repair opened) p50 ms", la["p50"], lb["p50"], "{:.0f}")
    row("  p99 ms", la["p99"], lb["p99"], "{:.0f}")
    row("reaction backlog at most (events)", ma.backlog, mb.backlog, "{:,.0f}")
    row("  baseline: safety projection's backlog at most", ma.projection_backlog, mb.projection_backlog, "{:,.0f}")
    row(f"catch-up of a backlog of {ma.backlog_n:,}: repairs/s", ma.catch_up_rate, mb.catch_up_rate, "{:,.0f}")
    row("  baseline: the backlog's assignments, closed loop cmd/s", ma.made.rate, mb.made.rate, "{:,.0f}")
    ca, cb = cpu_groups(one.cores()), cpu_groups(two.cores())
    for kind in ca:
        row(f"CPU over the open loop, {kind} (cores)", ca[kind], cb.get(kind, 0.0), "{:.2f}")
    row("CPU over the open loop, in all (cores)", sum(ca.values()), sum(cb.values()), "{:.2f}")
    console.print(table)
    for p in (one, two):
        cores = ", ".join(f"{name} {used:.2f}" for name, used in p.cores().items())
        console.print(f"[dim]cores of each process over the open loop, {p.replicas} replica(s): {cores}[/dim]")


async def main(args: argparse.Namespace) -> None:
    quick = args.quick
    duration = args.duration or pick(quick, 20.0, 5.0)
    rate = args.rate
    backlog_n = args.backlog or int(pick(quick, 5_000, 500))
    await header(
        f"bench.scale_out: one replica of each service against two, three brokers; {rate:,.0f} assignments/s "
        f"for {duration:.0f} s, a backlog of {backlog_n:,}"
    )
    async with kafka_cluster(3) as cluster:
        console.print(f"Kafka of this run: three nodes at {cluster.bootstrap} (not the shared broker above)")
        one = await phase(cluster, 1, rate=rate, duration=duration, backlog_n=backlog_n)
        two = await phase(cluster, 2, rate=rate, duration=duration, backlog_n=backlog_n)
    side_by_side(one, two, rate)
    checks = [(f"({'ab'[p.replicas - 1]}) {name}", ok) for p in (one, two) for name, ok in p.checks.items()]
    for name, ok in checks:
        console.print(f"{'[green]ok[/green]  ' if ok else '[red]FAIL[/red]'} {name}")
    await footer()
    broken = [name for name, ok in checks if not ok]
    short = [p for p in (one, two) if p.measured.offered.errors > 0 or p.measured.offered.rate < rate * 0.98]
    machine = (
        f"MACHINE TOO SLOW for {rate:,.0f}/s: "
        + ", ".join(f"{p.replicas} replica(s) accepted {p.measured.offered.rate:,.0f}/s" for p in short)
        + "; "
        if short
        else ""
    )
    ratio = two.measured.reported.rate / max(one.measured.reported.rate, 1e-9)
    lag_a, lag_b = one.measured.reaction.summary()["p99"], two.measured.reaction.summary()["p99"]
    catch_a, catch_b = one.measured.catch_up_rate, two.measured.catch_up_rate
    summary(
        "scale_out",
        not broken and not short,
        machine
        + ("nothing broke with two replicas (all ledger checks)" if not broken else f"broken: {'; '.join(broken)}")
        + f"; commands closed loop {one.measured.reported.rate:,.0f} -> {two.measured.reported.rate:,.0f}/s "
        f"({ratio:.2f}x), reaction lag p99 {lag_a:.0f} -> {lag_b:.0f} ms at {rate:,.0f}/s, catch-up "
        f"{catch_a:,.0f} -> {catch_b:,.0f} repairs/s ({catch_b / max(catch_a, 1e-9):.2f}x); on 2 cores the gain "
        "is bounded: both replicas share them with PostgreSQL, three brokers and the load generator",
    )


if __name__ == "__main__":
    cli = parser(__doc__ or "")
    cli.add_argument("--rate", type=float, default=RATE, help="assignments per second in the open loop (default 300)")
    cli.add_argument("--duration", type=float, default=0.0, help="seconds of the open loop (default 20; quick 5)")
    cli.add_argument("--backlog", type=int, default=0, help="assignments waiting when the inventory starts again")
    run(main, cli)
