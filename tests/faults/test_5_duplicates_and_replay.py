"""Every event delivered twice, then every consumer group replayed from offset 0.

Kafka delivers at least once: a relay that dies before marking publishes again, and an
operator may reset a group. The school's work crosses every service: hazards (a repair each;
some rectified by their verified repair), purchases (stock, and desks: assets to register),
patrol findings naming a worker (a proposal each in the staff appraisal),
awards with a bonus (a proposal per worker), appraisal months opened and published, and the
canteen's violations (a proposal each), self-inspection hazards (a hazard each in safety) and
samples (its food-safety ledger).
Every record of every topic is published a second time (into the same partition, after
the original); then the services stop, every consumer group of the run is rewound to
offset 0 and the services start again. Projections,
mirrors, tracking rows and the events reactions appended stay exactly as they were:
nothing acts twice.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg

from services.canteen.service import CANTEEN
from services.eventkit.projection import Projection, schema_rows
from services.hr_eval.service import HR_EVAL
from services.inventory.service import INVENTORY
from services.safety.service import SAFETY
from tests.conftest import eventually
from tests.faults.harness import Harness
from tests.faults.kafka_faults import groups_behind, groups_of, redeliver_all, rewind
from tests.faults.ledger import Ledger
from tests.faults.school import (
    School,
    appraisal_month_life,
    award_life,
    canteen_life,
    finding_life,
    hazard_life,
    new_id,
    purchase_life,
    start_school,
)


async def mirror_rows(pool: asyncpg.Pool) -> dict[str, list[tuple[Any, ...]]]:
    rows = await schema_rows(pool, "public")
    return {t: r for t, r in rows.items() if t.startswith("directory_")}


async def snapshot(school: School) -> dict[str, Any]:
    """Everything consumers write, in every service."""
    out: dict[str, Any] = {}
    for view in school.view_list():
        out[f"{view.name}.events"] = await view.pool.fetchval("SELECT count(*) FROM events")
        out[f"{view.name}.processed"] = sorted(
            (r["consumer"], str(r["event_id"])) for r in await view.pool.fetch("SELECT * FROM processed_events")
        )
        out[f"{view.name}.mirror"] = await mirror_rows(view.pool)
        projection: Projection
        for projection in view.definition.projections:
            out[f"{view.name}.{projection.name}"] = await schema_rows(view.pool, projection.schema)
    return out


def changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [k for k in before if before[k] != after.get(k)]


async def test_every_event_twice_and_a_replay_from_zero_change_nothing(harness: Harness, ledger: Ledger) -> None:
    school = await start_school(harness, ledger, SAFETY, INVENTORY, HR_EVAL, CANTEEN)
    bootstrap = harness.infra.kafka_bootstrap
    await asyncio.gather(
        *(
            hazard_life(school, new_id(f"h{i}"), reassign=i % 2 == 0, close=i % 3 != 0, repair=i % 6 == 0)
            for i in range(8)
        ),
        *(
            purchase_life(school, new_id(f"p{i}"), [("broom", 1 + i), ("pen", 5), *([("desk", 2)] * (i % 2 == 0))])
            for i in range(4)
        ),
        *(finding_life(school, new_id(f"i{i}")) for i in range(4)),
        *(appraisal_month_life(school, school.next_month()) for _ in range(3)),
        *(award_life(school, new_id(f"a{i}")) for i in range(2)),
        *(canteen_life(school, i) for i in range(3)),
    )
    await school.settled()
    groups = await groups_of(bootstrap, f"{harness.namespace}.")
    assert len(groups) == len(school.runners())
    await eventually(lambda: _no_lag(bootstrap, groups), timeout=60)
    before = await snapshot(school)
    handled = {r.group_id: r.handled for r in school.runners()}

    # 1. every record of every topic, once more
    redelivered = {}
    for view in school.view_list():
        count = await view.pool.fetchval("SELECT count(*) FROM events")
        redelivered[view.name] = await redeliver_all(bootstrap, view.settings.events_topic, count)
    await eventually(lambda: _no_lag(bootstrap, groups), timeout=60)
    assert {r.group_id: r.handled for r in school.runners()} == handled, "a redelivered event acted again"
    assert not changed(before, await snapshot(school))

    # 2. every group back to offset 0, with the services stopped, then started again
    for name in ("canteen", "hr_eval", "inventory", "safety", "directory"):
        await school.stop_service(name)
    for group in groups:
        assert await rewind(bootstrap, group, 0)
    assert set(await groups_behind(bootstrap, groups)) == set(groups)
    for name in ("directory", "safety", "inventory", "hr_eval", "canteen"):
        await school.start_service(name)
    await eventually(lambda: _no_lag(bootstrap, groups), timeout=90)
    replayed = school.runners()
    assert all(r.handled == 0 for r in replayed), {r.group_id: r.handled for r in replayed if r.handled}
    # every group that acted on something skips it now (a projection whose streams this school
    # never wrote has nothing to skip)
    assert all(r.skipped > 0 for r in replayed if handled[r.group_id]), {r.group_id: r.skipped for r in replayed}
    assert sum(1 for n in handled.values() if n) >= len(handled) - 1
    assert not changed(before, await snapshot(school))

    await school.settled()
    counts = await school.check()
    months = 3 * len(school.main_roster)  # three months of the main campus's whole roster
    assert (counts["finding_proposals"], counts["award_proposals"], counts["published_appraisals"]) == (8, 4, months)
    assert (counts["violation_proposals"], counts["canteen_hazards"]) == (3, 3)
    # hazards 0 and 6 rectified by their verified repairs (3 left assigned); two purchases of two desks each
    assert (counts["rectifications"], counts["assets_received"]) == (2, 4)
    print(f"\nredelivered {redelivered}; replayed {len(groups)} groups from 0; {counts}")


async def _no_lag(bootstrap: str, groups: list[str]) -> bool:
    return not await groups_behind(bootstrap, groups)
