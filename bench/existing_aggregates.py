"""Commands on existing aggregates, as the gateway sends them: findings recorded on open inspections.

A workload of ``bench.commands_http`` beside ``ReportHazard`` (which starts a new stream each
time and reads nothing). Here each command loads its stream, decides on it and appends to it:

- **The aggregates:** ``count`` inspections (daily patrols of a 10-item checklist over 3 areas),
  started over HTTP before the loops (:meth:`OpenInspections.start`).
- **The command:** ``POST /inspections/{id}/findings`` with a finding that passed
  (``RecordFinding``, ``ok`` true: one ``InspectionFindingRecorded``, no hazard raised). It stays
  valid however often it is sent while the inspection is open, as on a real walk where the
  inspector goes through every item of the checklist in every area. Command ``i`` goes to
  inspection ``i % count``, and its item and area follow the rounds, so each inspection's stream
  grows by one event a round, as a real inspection's does (30 findings for a full checklist).
- **As the gateway sends it** (``gateway.clients.Caller.command``): every request with a fresh
  ``Idempotency-Key`` (a UUID, the gateway's own when the client gives none) and its own
  ``X-Correlation-ID``; no ``expected_version`` (the gateway forwards one only when the client
  put it in the mutation's input). With the key the service looks up the command's earlier
  result first, then claims the key in the append's transaction and stores the result.
- **The replay** (:meth:`OpenInspections.replay`): a key already answered, sent again with the
  same request, as the gateway's one retry after a dropped connection sends it. The service
  answers the first result from its idempotency record (``duplicate`` true, the same version)
  and appends nothing.

Every answer is checked (200; a fresh key never a duplicate; a replay always one, with the
first answer's version) and counted: after the run, the events appended must be exactly the
commands answered 200 (:func:`findings_recorded`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import uuid4

import asyncpg
import orjson

from bench.dataset import campuses
from bench.load import Op

CHECKLIST = (
    "灭火器在有效期内",
    "安全出口畅通",
    "消防栓门板完好",
    "应急照明正常",
    "疏散指示标志清晰",
    "电线无私拉乱接",
    "楼梯扶手牢固",
    "窗户限位器完好",
    "地面无积水",
    "配电箱上锁",
)
AREAS = ("教学楼", "食堂", "操场")
FINDINGS_PER_WALK = len(CHECKLIST) * len(AREAS)
"""The findings of one full walk of an inspection: the length its stream reaches in a round."""
STARTED_AT = "2020-10-12T07:30:00+08:00"
CAMPUSES = campuses()


class Poster(Protocol):
    """What sends a command: ``bench.clients.ClientPool``, or a test's client."""

    async def post(self, path: str, payload: Any, headers: dict[str, str] | None = None) -> tuple[int, bytes]: ...


def inspection_body(n: int, tag: str) -> dict[str, Any]:
    """``StartInspection`` of inspection ``n`` of ``tag``: a daily patrol of one of the 60 campuses."""
    c = CAMPUSES[n % len(CAMPUSES)]
    return {
        "inspection_id": f"in-{tag}-{n}",
        "campus_id": c.campus_id,
        "kind": "daily_patrol",
        "areas": list(AREAS),
        "checklist": list(CHECKLIST),
        "at": STARTED_AT,
    }


def finding_body(walk_step: int) -> dict[str, Any]:
    """The ``walk_step``-th finding of a walk: every item of the checklist in one area, then the next
    area; it passed (no hazard raised), and it is dated by its arrival (no ``at``), as a form sends it."""
    step = walk_step % FINDINGS_PER_WALK
    return {"item": CHECKLIST[step % len(CHECKLIST)], "area": AREAS[step // len(CHECKLIST)], "ok": True}


def gateway_headers(key: str) -> dict[str, str]:
    """The headers of a command forwarded by the gateway besides the caller's token."""
    return {"Idempotency-Key": key, "X-Correlation-ID": str(uuid4())}


@dataclass(frozen=True)
class Sent:
    """A command answered 200: what was sent (for its replay) and the version it reached."""

    path: str
    body: dict[str, Any]
    key: str
    version: int


@dataclass
class OpenInspections:
    """``count`` open inspections of ``tag`` and the findings recorded on them through ``client``."""

    client: Poster
    tag: str
    count: int
    recorded: int = 0  # answered 200 with a fresh key: each appended one event
    replayed: int = 0  # answered 200 as a duplicate of an earlier key: nothing appended
    sent: list[Sent] = field(default_factory=list)

    def stream_id(self, n: int) -> str:
        return f"inspection-in-{self.tag}-{n}"

    def start(self) -> Op:
        """Starts inspection ``i`` (raises unless answered 200): the aggregates, before the loops."""

        async def start(i: int) -> None:
            status, content = await self.client.post("/inspections", inspection_body(i, self.tag))
            if status != 200:
                raise RuntimeError(f"start inspection {status}: {content[:200]!r}")

        return start

    def record(self) -> Op:
        """Records finding ``i`` on inspection ``i % count`` with a fresh key: load, decide, append."""

        async def record(i: int) -> None:
            n, walk_step = i % self.count, i // self.count
            path = f"/inspections/in-{self.tag}-{n}/findings"
            body = finding_body(walk_step)
            key = str(uuid4())
            status, content = await self.client.post(path, body, gateway_headers(key))
            if status != 200:
                raise RuntimeError(f"record finding {status}: {content[:200]!r}")
            answer = orjson.loads(content)
            if answer["duplicate"]:
                raise RuntimeError(f"a fresh Idempotency-Key was answered as a duplicate: {answer}")
            self.recorded += 1
            self.sent.append(Sent(path, body, key, answer["version"]))

        return record

    def replay(self) -> Op:
        """Sends command ``i % len(sent)`` again with its key and request: the first answer comes
        back (``duplicate``, the same version) and nothing is appended."""

        async def replay(i: int) -> None:
            first = self.sent[i % len(self.sent)]
            status, content = await self.client.post(first.path, first.body, gateway_headers(first.key))
            if status != 200:
                raise RuntimeError(f"replay {status}: {content[:200]!r}")
            answer = orjson.loads(content)
            if not answer["duplicate"] or answer["version"] != first.version:
                raise RuntimeError(f"a replayed key was not answered as its first result (v{first.version}): {answer}")
            self.replayed += 1

        return replay


async def findings_recorded(pool: asyncpg.Pool, tag: str) -> int:
    """The findings stored on the inspections of ``tag``."""
    return int(
        await pool.fetchval(
            "SELECT count(*) FROM events WHERE type = 'safety.InspectionFindingRecorded' AND stream_id LIKE $1",
            f"inspection-in-{tag}-%",
        )
    )


async def stream_lengths(pool: asyncpg.Pool, tag: str) -> tuple[int, float, int]:
    """(shortest, mean, longest) stream of the inspections of ``tag``, in events."""
    row = await pool.fetchrow(
        "SELECT min(v) AS low, avg(v)::float8 AS mean, max(v) AS high FROM "
        "(SELECT max(version) AS v FROM events WHERE stream_id LIKE $1 GROUP BY stream_id) s",
        f"inspection-in-{tag}-%",
    )
    assert row is not None
    return int(row["low"] or 0), float(row["mean"] or 0.0), int(row["high"] or 0)
