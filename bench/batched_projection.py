"""``inspection_status`` with a set-based ``apply_batch``: what the kit's batch hook is for.

The safety service's projection applies every event with its own statements; most of a
term's events are patrol findings (one ``UPDATE inspections SET findings = findings + 1``
each, dozens per inspection row) and agreement signatures. Here a batch's findings
become one ``UPDATE ... FROM unnest(...)`` adding each inspection's counts once, and its
signatures one ``UPDATE`` of every signed agreement; every other event goes through the
projection's own ``apply`` (via the kit's StatementPipeline), in order.

Why the result is the same as one by one: the finding counters are increments that no
other statement of the projection reads or overwrites, and an inspection's row is
inserted by its first event (so it exists before any of its findings); a signature
overwrites its agreement's status and time, and is applied at once whenever a refusal of
the same agreement comes later in the batch, so the last word stays last.
``bench.projection_rebuild`` checks it: both paths give the same tables, row for row.

It lives here, not in services/safety, because these benchmarks only change the kit;
adopting it is moving this class into services/safety/projections/inspection_status.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.projection import StatementPipeline
from services.safety import events as ev
from services.safety.events import SAFETY_EVENTS
from services.safety.projections.inspection_status import InspectionStatus

FINDING = "safety.InspectionFindingRecorded"
SIGNED = "safety.AgreementSigned"
REFUSED = "safety.AgreementRefused"


class BatchedInspectionStatus(InspectionStatus):
    async def apply_batch(self, conn: Connection, schema: str, envelopes: Sequence[Envelope]) -> None:
        counts: dict[str, list[int]] = {}  # inspection -> [findings, problems]
        signed: dict[tuple[str, str], datetime] = {}  # (campaign, party) -> signed at
        pipeline = StatementPipeline(conn)
        try:
            for env in envelopes:
                if env.type == FINDING:
                    finding = cast(ev.InspectionFindingRecorded, SAFETY_EVENTS.decode(env))
                    acc = counts.setdefault(finding.inspection_id, [0, 0])
                    acc[0] += 1
                    acc[1] += 0 if finding.ok else 1
                elif env.type == SIGNED:
                    signature = cast(ev.AgreementSigned, SAFETY_EVENTS.decode(env))
                    signed[(signature.campaign_id, signature.party_id)] = signature.signed_at
                else:
                    if env.type == REFUSED and signed:
                        refusal = cast(ev.AgreementRefused, SAFETY_EVENTS.decode(env))
                        if (refusal.campaign_id, refusal.party_id) in signed:
                            await pipeline.drain()
                            await self._sign(conn, schema, signed)
                            signed = {}
                    await self.apply(cast(Connection, pipeline), schema, env)
            await pipeline.drain()
        finally:
            await pipeline.settle()
        if counts:
            await conn.execute(
                f"UPDATE {schema}.inspections i SET findings = i.findings + d.n, problems = i.problems + d.p "
                "FROM unnest($1::text[], $2::int[], $3::int[]) AS d(inspection_id, n, p) "
                "WHERE i.inspection_id = d.inspection_id",
                list(counts),
                [c[0] for c in counts.values()],
                [c[1] for c in counts.values()],
            )
        if signed:
            await self._sign(conn, schema, signed)

    @staticmethod
    async def _sign(conn: Connection, schema: str, signed: dict[tuple[str, str], datetime]) -> None:
        await conn.execute(
            f"UPDATE {schema}.agreements a SET status = 'signed', signed_at = d.signed_at "
            "FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS d(campaign_id, party_id, signed_at) "
            "WHERE a.campaign_id = d.campaign_id AND a.party_id = d.party_id",
            [k[0] for k in signed],
            [k[1] for k in signed],
            list(signed.values()),
        )


BATCHED_INSPECTION_STATUS = BatchedInspectionStatus()
