"""Reads of camera coverage: the areas of a campus with their coverage on a day, one area's
changes, and the injuries and hazards of a campus and period by the coverage where they
happened (``services.safety.cameras`` says how an incident is placed in an area)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import asyncpg

from services.eventkit.auth import Principal
from services.eventkit.errors import InvalidInput, NotFound
from services.eventkit.queries import Page, Query
from services.safety.cameras import place_names
from services.safety.projections.coverage_outreach import COVERAGE_OUTREACH

C = COVERAGE_OUTREACH.schema

AREA_COLUMNS = "area_id, district_id, school_id, campus_id, building, place, mapped_on"
STATUS = {"installed": "working", "repaired": "working", "out_of_order": "out_of_order", "removed": "removed"}


async def rows_of(pool: asyncpg.Pool, q: Query) -> list[dict[str, Any]]:
    """Every row the query keeps (a campus's areas or incidents: a few dozen)."""
    sql = q.select_from + (" WHERE " + " AND ".join(q.where) if q.where else "")
    return [dict(r) for r in await pool.fetch(sql, *q.params)]


def cameras_on(changes: list[dict[str, Any]], day: date) -> list[dict[str, Any]]:
    """Each camera of an area on ``day``: its latest change not after it (``changes`` in order)."""
    latest: dict[str, dict[str, Any]] = {}
    for change in changes:
        if change["on"] <= day:
            latest[change["camera_id"]] = {
                "camera_id": change["camera_id"],
                "status": STATUS[change["change"]],
                "since": change["on"],
            }
    return sorted(latest.values(), key=lambda c: c["camera_id"])


async def changes_of(pool: asyncpg.Pool, area_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Every change of the cameras of the areas, in the order recorded."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in await pool.fetch(
        f"SELECT area_id, camera_id, change, on_date AS on, note FROM {C}.camera_changes "
        "WHERE area_id = ANY($1::text[]) ORDER BY area_id, version",
        area_ids,
    ):
        item = dict(r)
        found[item.pop("area_id")].append(item)
    return found


def with_coverage(area: dict[str, Any], changes: list[dict[str, Any]], day: date) -> dict[str, Any]:
    cameras = cameras_on(changes, day) if day >= area["mapped_on"] else []
    working = sum(1 for c in cameras if c["status"] == "working")
    return area | {"as_of": day, "covered": working > 0, "working_cameras": working, "cameras": cameras}


async def area_page(
    pool: asyncpg.Pool,
    principal: Principal,
    campus_id: str | None,
    covered: bool | None,
    as_of: date,
    after: str | None,
    limit: int,
) -> Page:
    """The camera areas in the caller's scope with their coverage on ``as_of``; ``covered`` keeps
    only the areas covered (or not) that day (applied to the page read)."""
    q = Query(f"SELECT {AREA_COLUMNS} FROM {C}.camera_areas", "area_id").scoped(principal)
    q.filter("campus_id = {}", campus_id)
    if covered is not None:
        # covered on the day: one of its cameras' latest change not after it leaves it working
        q.where.append(
            ("" if covered else "NOT ")
            + f"EXISTS (SELECT 1 FROM (SELECT DISTINCT ON (camera_id) change FROM {C}.camera_changes c "
            f"WHERE c.area_id = camera_areas.area_id AND c.on_date <= {q.param(as_of)} "
            "ORDER BY camera_id, on_date DESC, version DESC) latest WHERE change IN ('installed', 'repaired'))"
        )
    page = await q.page(pool, after, limit)
    changes = await changes_of(pool, [a["area_id"] for a in page.items])
    page.items = [with_coverage(a, changes.get(a["area_id"], []), as_of) for a in page.items]
    return page


async def area_file(pool: asyncpg.Pool, principal: Principal, area_id: str, as_of: date) -> dict[str, Any]:
    """One camera area in the caller's scope, its coverage on ``as_of`` and every change, or a 404."""
    q = Query(f"SELECT {AREA_COLUMNS} FROM {C}.camera_areas", "area_id").scoped(principal)
    row = await q.filter("area_id = {}", area_id).one(pool)
    if row is None:
        raise NotFound(f"camera area {area_id} not found")
    changes = (await changes_of(pool, [area_id])).get(area_id, [])
    return with_coverage(row, changes, as_of) | {"changes": changes}


async def incident_coverage(
    pool: asyncpg.Pool, principal: Principal, campus_id: str, from_: date | None, to: date | None
) -> dict[str, Any]:
    """The injuries and hazards of a campus (in the caller's scope) over a range, each in the area
    it was placed in and counted as covered or uncovered by that area's coverage on its day, or
    as unplaced (422 if the range is backwards)."""
    if from_ is not None and to is not None and to < from_:
        raise InvalidInput("the range ends before it starts", field="to")
    areas_q = Query(f"SELECT {AREA_COLUMNS} FROM {C}.camera_areas", "area_id").scoped(principal)
    areas = {a["area_id"]: a for a in await rows_of(pool, areas_q.filter("campus_id = {}", campus_id))}
    by_place: dict[str, str] = {}
    for area in sorted(areas.values(), key=lambda a: a["area_id"]):
        for name in place_names(area["building"], area["place"]):
            by_place.setdefault(name, area["area_id"])
    changes = await changes_of(pool, list(areas))
    q = Query(
        f"SELECT kind, incident_id, campus_id, occurred_on, camera_area_id, place FROM {C}.placed_incidents",
        "incident_id",
    ).scoped(principal)
    q.filter("campus_id = {}", campus_id).filter("occurred_on >= {}", from_).filter("occurred_on <= {}", to)
    counts = {kind: {"covered": 0, "uncovered": 0, "unplaced": 0} for kind in ("injury", "hazard")}
    uncovered: list[dict[str, Any]] = []
    unplaced: list[dict[str, Any]] = []
    for row in sorted(await rows_of(pool, q), key=lambda r: (r["occurred_on"], r["kind"], r["incident_id"])):
        area_id, placed_by = None, None
        if row["camera_area_id"] in areas:
            area_id, placed_by = row["camera_area_id"], "area_id"
        elif row["camera_area_id"] is None and row["place"] is not None and row["place"].strip() in by_place:
            area_id, placed_by = by_place[row["place"].strip()], "place"
        if area_id is None:
            coverage = "unplaced"
        else:
            covered = with_coverage(areas[area_id], changes.get(area_id, []), row["occurred_on"])["covered"]
            coverage = "covered" if covered else "uncovered"
        counts[row["kind"]][coverage] += 1
        item = {
            "kind": row["kind"],
            "incident_id": row["incident_id"],
            "campus_id": row["campus_id"],
            "occurred_on": row["occurred_on"],
            "area_id": area_id,
            "placed_by": placed_by,
            "coverage": coverage,
        }
        if coverage == "uncovered":
            uncovered.append(item)
        elif coverage == "unplaced":
            unplaced.append(item)
    return {
        "campus_id": campus_id,
        "from": from_,
        "to": to,
        "injuries": counts["injury"],
        "hazards": counts["hazard"],
        "uncovered": uncovered,
        "unplaced": unplaced,
    }
