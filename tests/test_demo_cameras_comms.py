"""The demo's camera coverage, parent communications and the bus's changed stops: dated in the
term, and read back from the safety service as the seed tells them."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from demo import cameras_comms
from demo.loader import INJURIES, DemoLoader
from demo.school import SET_UP_AT, TERM_ENDS, TERM_STARTS
from demo.timeline import acts_of, out_of_order
from services.directory.service import DIRECTORY
from services.safety.service import SAFETY
from tests.conftest import SettingsFactory, eventually


def test_the_facts_are_dated_in_the_term_and_the_break_injury_is_in_the_blind_corridor() -> None:
    days = [c["on"] for c in cameras_comms.COMMUNICATIONS] + [cameras_comms.BUS_CHANGE["effective_on"]]
    assert all(TERM_STARTS.isoformat() <= d <= TERM_ENDS.isoformat() for d in days)
    themes = {t for c in cameras_comms.COMMUNICATIONS for t in c["themes"]}
    assert {"drowning", "bullying", "fire", "mental_health"} <= themes  # the seed's four
    assert {c["kind"] for c in cameras_comms.COMMUNICATIONS} == {"letter", "expert_talk", "wechat_post"}
    blind = {a for a, _, _, camera in cameras_comms.AREAS if camera is None}
    at_breaks = [i for i, _, setting, _, _ in INJURIES if setting in ("break", "activity")]
    assert [i for i in at_breaks if cameras_comms.INJURY_PLACES.get(i) in blind] == ["inj-2"]


async def test_the_demo_reads_coverage_communications_and_the_bus_as_the_seed_tells(
    make_settings: SettingsFactory, start_service: Any
) -> None:
    ns = f"democc{uuid4().hex[:6]}"
    services = {
        d.name: await start_service(d, await make_settings(d.name, namespace_suffix=ns)) for d in (DIRECTORY, SAFETY)
    }
    loader = DemoLoader({name: svc.client for name, svc in services.items()}, services["safety"].settings)
    await loader.load_directory()
    await loader.load_safety()  # maps the camera areas first
    await cameras_comms.load(loader)
    safety, zhou = services["safety"].client, loader.token("zhou")

    async def get(path: str, **params: Any) -> dict[str, Any]:
        response = await safety.get(path, params=params, headers=zhou)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def incidents() -> dict[str, Any] | None:
        found = await get("/camera-areas/incidents", campus_id="main")
        # an injury's coverage is read from its area's cameras, streams of their own that can reach
        # the read model after the injuries: until then a covered injury reads uncovered
        return found if found["injuries"] == {"covered": 2, "uncovered": 1, "unplaced": 0} else None

    found = await eventually(incidents, timeout=60)
    assert found["injuries"] == {"covered": 2, "uncovered": 1, "unplaced": 0}
    assert [(i["incident_id"], i["area_id"]) for i in found["uncovered"]] == [("inj-2", "main-2f-east")]
    blind = await get("/camera-areas", campus_id="main", covered="false", as_of="2020-10-19")
    assert [a["area_id"] for a in blind["items"]] == ["main-2f-east"]

    async def summary() -> dict[str, Any] | None:
        found = await get("/parent-communications/summary", campus_id="main", term_id="2020-2021-1")
        # the letter's receipts are its second event (acknowledged 1126 before them, 1172 after)
        letter = found["by_theme"]["drowning"]["acknowledged"] == 1172
        return found if found["total"]["communications"] == 4 and letter else None

    s = await eventually(summary, timeout=60)
    assert s["by_theme"]["drowning"] == {"communications": 1, "reached": 1180, "acknowledged": 1172}
    assert s["by_theme"]["mental_health"]["communications"] == 2 and s["by_kind"]["wechat_post"]["communications"] == 2

    async def bus_on(day: str) -> dict[str, Any] | None:
        found = await get("/buses/main-bus-1", as_of=day)
        return found["compliance"] if found["item_changes"] else None

    october = await eventually(lambda: bus_on("2020-10-20"), timeout=60)
    november = await bus_on("2020-11-10")
    assert october["items_in_force"]["stops"] == ["顺园小区", "薛家镇政府", "本部东门"]
    assert november is not None and november["items_in_force"]["stops"] == ["顺园小区", "本部东门"]

    acts = [act for name, svc in services.items() for act in await acts_of(name, svc.pool)]
    assert out_of_order(acts, window=(SET_UP_AT, TERM_ENDS)) == []
