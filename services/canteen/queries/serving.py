"""Reads of menus, serving audits, violations and serving-skill contests (the serving projection),
and the rows they answer.

Who reads what: the canteen's READERS read the records of the campuses in their scope. Parents
read the *published* menus of their children's campuses, and nothing else here (a menu is
posted for the families anyway; an unpublished plan is the canteen's draft). A violation's
description and evidence are shown to the EVIDENCE_READERS of its campus and to the worker it
names; a canteen worker reads only the violations naming them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import asyncpg
from pydantic import Field

from services.canteen.common import READERS
from services.canteen.events import (
    EVIDENCE_READERS,
    ContestCriterion,
    ContestPrize,
    MenuMeal,
    ServerPortions,
    ServerResult,
)
from services.canteen.projections.serving import SERVING
from services.eventkit.auth import Principal, Role
from services.eventkit.envelope import Value
from services.eventkit.errors import NotFound
from services.eventkit.queries import Query, Row

S = SERVING.schema


# -- rows --------------------------------------------------------------------------------


class WeekMenu(Row):
    """A campus's menu of a week, as last planned."""

    menu_id: str = Field(description="<campus>-<Monday of the week>")
    district_id: str | None
    school_id: str | None
    campus_id: str
    week_of: date = Field(description="The Monday of the week")
    meals: list[MenuMeal]
    dishes: int = Field(description="How many dishes the week's meals serve in all")
    planned_by: str
    planned_at: datetime
    plans: int = Field(description="How many times the week was planned (a plan replaces the one before)")
    published: bool = Field(description="Whether the plan as it stands is published")
    published_by: str | None
    published_at: datetime | None


class ServingAuditRow(Row):
    """A serving audit with its results per server."""

    audit_id: str
    district_id: str | None
    school_id: str | None
    campus_id: str
    served_on: date
    meal: str
    dish: str
    target_grams: int
    tolerance_permille: int = Field(description="The district's serving tolerance on the day, per mille")
    portions: list[ServerPortions]
    results: list[ServerResult]
    servers_beyond: list[str] = Field(description="The servers whose spread was beyond the tolerance")
    auditor_id: str
    audited_at: datetime


class CanteenViolation(Row):
    """A canteen worker's violation (its description and evidence only for those who may see them)."""

    violation_id: str
    district_id: str | None
    school_id: str | None
    campus_id: str
    staff_id: str
    rule_code: str
    description: str | None = Field(description="What was seen (none: not shown to the caller)")
    place: str
    evidence_refs: list[str] | None = Field(description="References to photos, footage (none: not shown)")
    observed_by: str
    observed_at: datetime
    withdrawn: bool
    withdrawn_reason: str | None
    withdrawn_by: str | None
    withdrawn_at: datetime | None


class ContestSheetRow(Value):
    """A judge's latest sheet of an entrant."""

    judge: str
    entrant: str
    scores: dict[str, int]
    total: int


class ServingContestRow(Row):
    """A serving-skill contest, with its sheets and, once concluded, its ranking and prizes."""

    contest_id: str
    district_id: str | None
    school_id: str
    campus_id: str
    name: str
    held_on: date
    criteria: list[ContestCriterion]
    judges: list[str]
    entrants: list[str]
    announced_by: str
    sheets: list[ContestSheetRow]
    concluded: bool
    ranking: list[str] | None = Field(description="The entrants (staff ids), best first, once concluded")
    prizes: list[ContestPrize] | None
    concluded_by: str | None
    concluded_at: datetime | None


# -- queries -------------------------------------------------------------------------------


MENU_COLUMNS = (
    "menu_id, district_id, school_id, campus_id, week_of, meals, dishes, planned_by, planned_at, plans, "
    "published, published_by, published_at"
)


def menu_list(
    principal: Principal, campus_id: str | None, week_of: date | None, published: bool | None = None
) -> Query:
    """Menus in the caller's scope; a parent's: the published ones of their children's campuses."""
    q = Query(f"SELECT {MENU_COLUMNS} FROM {S}.menus m", "menu_id")
    if principal.has_role(*READERS):
        q.scoped(principal, "m.", READERS)
    else:
        principal.require_role(*READERS, Role.PARENT)
        parent = q.param(principal.subject)
        q.where.append(
            "m.published AND m.campus_id IN (SELECT s.campus_id FROM directory_parent_students p "
            f"JOIN directory_students s USING (student_id) WHERE p.parent_id = {parent})"
        )
    q.filter("m.campus_id = {}", campus_id).filter("m.week_of = {}", week_of)
    return q.filter("m.published = {}", published)


async def menu(pool: asyncpg.Pool, principal: Principal, menu_id: str) -> dict[str, Any]:
    row = await menu_list(principal, None, None).filter("m.menu_id = {}", menu_id).one(pool)
    if row is None:
        raise NotFound(f"menu {menu_id} not found")
    return row


AUDIT_COLUMNS = (
    "audit_id, district_id, school_id, campus_id, served_on, meal, dish, target_grams, tolerance_permille, "
    "portions, results, servers_beyond, auditor_id, audited_at"
)


def audit_list(
    principal: Principal, campus_id: str | None, served_on: date | None, server_id: str | None, beyond: bool | None
) -> Query:
    """Serving audits in the caller's scope (``server_id``: those weighing that server's portions;
    ``beyond``: those with a server beyond tolerance, or none)."""
    principal.require_role(*READERS)
    q = Query(f"SELECT {AUDIT_COLUMNS} FROM {S}.serving_audits a", "audit_id")
    q.scoped(principal, "a.", READERS).filter("a.campus_id = {}", campus_id).filter("a.served_on = {}", served_on)
    q.filter("a.portions @> jsonb_build_array(jsonb_build_object('server_id', {}::text))", server_id)
    if beyond is not None:
        q.where.append("cardinality(a.servers_beyond) > 0" if beyond else "cardinality(a.servers_beyond) = 0")
    return q


async def audit(pool: asyncpg.Pool, principal: Principal, audit_id: str) -> dict[str, Any]:
    row = await audit_list(principal, None, None, None, None).filter("a.audit_id = {}", audit_id).one(pool)
    if row is None:
        raise NotFound(f"serving audit {audit_id} not found")
    return row


OTHER_READERS = tuple(r for r in READERS if r is not Role.CANTEEN_WORKER)


def violation_list(principal: Principal, campus_id: str | None, staff_id: str | None, withdrawn: bool | None) -> Query:
    """Violations in the caller's scope: a canteen worker's, only those naming them; the
    description and evidence only for the EVIDENCE_READERS of the campus and the worker named."""
    principal.require_role(*READERS)
    q = Query("", "violation_id")
    me = q.param(principal.subject)
    evidence, values = principal.scope_sql(len(q.params) + 1, "v.", EVIDENCE_READERS)
    q.params.extend(values)
    shown = f"({evidence} OR v.staff_id = {me})"
    q.select_from = (
        "SELECT * FROM (SELECT v.violation_id, v.district_id, v.school_id, v.campus_id, v.staff_id, v.rule_code, "
        f"CASE WHEN {shown} THEN v.description END AS description, v.place, "
        f"CASE WHEN {shown} THEN v.evidence_refs END AS evidence_refs, v.observed_by, v.observed_at, "
        f"v.withdrawn, v.withdrawn_reason, v.withdrawn_by, v.withdrawn_at FROM {S}.violations v"
    )
    readers, values = principal.scope_sql(len(q.params) + 1, "v.", OTHER_READERS)
    q.params.extend(values)
    workers, values = principal.scope_sql(len(q.params) + 1, "v.", (Role.CANTEEN_WORKER,))
    q.params.extend(values)
    q.select_from += f" WHERE {readers} OR (v.staff_id = {me} AND {workers})) x"
    return q.filter("campus_id = {}", campus_id).filter("staff_id = {}", staff_id).filter("withdrawn = {}", withdrawn)


async def violation(pool: asyncpg.Pool, principal: Principal, violation_id: str) -> dict[str, Any]:
    row = await violation_list(principal, None, None, None).filter("violation_id = {}", violation_id).one(pool)
    if row is None:
        raise NotFound(f"violation {violation_id} not found")
    return row


CONTEST_COLUMNS = (
    "contest_id, district_id, school_id, campus_id, name, held_on, criteria, judges, entrants, announced_by, "
    "(SELECT coalesce(jsonb_agg(t.v ORDER BY t.k), '[]'::jsonb) FROM jsonb_each(c.sheets) AS t(k, v)) AS sheets, "
    "concluded, ranking, prizes, concluded_by, concluded_at"
)


def contest_list(principal: Principal, campus_id: str | None, concluded: bool | None) -> Query:
    """Serving-skill contests in the caller's scope."""
    principal.require_role(*READERS)
    q = Query(f"SELECT {CONTEST_COLUMNS} FROM {S}.serving_contests c", "contest_id")
    q.scoped(principal, "c.", READERS).filter("c.campus_id = {}", campus_id)
    return q.filter("c.concluded = {}", concluded)


async def contest(pool: asyncpg.Pool, principal: Principal, contest_id: str) -> dict[str, Any]:
    row = await contest_list(principal, None, None).filter("c.contest_id = {}", contest_id).one(pool)
    if row is None:
        raise NotFound(f"serving contest {contest_id} not found")
    return row
