"""Read routes: the directory in the caller's scope (``services.directory.queries``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from services.directory.queries import organisation, people
from services.directory.queries.models import Campus, District, Parent, School, SchoolClass, Staff, Student, Term
from services.eventkit.app import CurrentPrincipal, Runtime
from services.eventkit.auth import Role
from services.eventkit.queries import Page, page_route
from services.eventkit.routes import After, Limit

router = APIRouter(tags=["queries"])

Ids = Annotated[str | None, Query(description="Only these ids, comma-separated (for batch lookups)")]


def _split(ids: str | None) -> list[str] | None:
    return [i for i in ids.split(",") if i] if ids else None


@page_route(router, "/districts", District, summary="Districts in the caller's scope")
async def list_districts(
    runtime: Runtime, principal: CurrentPrincipal, after: After = None, limit: Limit = 100
) -> Page:
    return await organisation.districts(runtime.pool, principal, after, limit)


@page_route(router, "/schools", School, summary="Schools in the caller's scope")
async def list_schools(
    runtime: Runtime,
    principal: CurrentPrincipal,
    district_id: str | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    return await organisation.schools(runtime.pool, principal, district_id, after, limit)


@page_route(router, "/schools/{school_id}/terms", Term, summary="The school calendar (or the term of a day)")
async def list_terms(
    school_id: str,
    runtime: Runtime,
    principal: CurrentPrincipal,
    on: Annotated[date | None, Query(description="Only the term this day falls in")] = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    return await organisation.terms(runtime.pool, principal, school_id, on, after, limit)


@page_route(router, "/campuses", Campus, summary="Campuses in the caller's scope")
async def list_campuses(
    runtime: Runtime,
    principal: CurrentPrincipal,
    school_id: str | None = None,
    ids: Ids = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    return await organisation.campuses(runtime.pool, principal, school_id, after, limit, _split(ids))


@router.get("/campuses/{campus_id}", summary="One campus")
async def get_campus(campus_id: str, runtime: Runtime, principal: CurrentPrincipal) -> Campus:
    return Campus.model_validate(await organisation.campus(runtime.pool, principal, campus_id))


@page_route(router, "/classes", SchoolClass, summary="Classes with their teachers and headcount")
async def list_classes(
    runtime: Runtime,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    ids: Ids = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    return await people.classes(runtime.pool, principal, campus_id, after, limit, _split(ids))


@router.get("/classes/{class_id}", summary="One class")
async def get_class(class_id: str, runtime: Runtime, principal: CurrentPrincipal) -> SchoolClass:
    return SchoolClass.model_validate(await people.one_class(runtime.pool, principal, class_id))


@page_route(router, "/staff", Staff, summary="Staff, by campus and role")
async def list_staff(
    runtime: Runtime,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    role: Role | None = None,
    ids: Ids = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    return await people.staff(runtime.pool, principal, campus_id, role, after, limit, _split(ids))


@page_route(router, "/students", Student, summary="Students (in scope, or in the classes the caller teaches)")
async def list_students(
    runtime: Runtime, principal: CurrentPrincipal, class_id: str | None = None, after: After = None, limit: Limit = 100
) -> Page:
    return await people.students(runtime.pool, principal, class_id, after, limit)


@page_route(router, "/parents", Parent, summary="Parents, with their children (no phone numbers)")
async def list_parents(
    runtime: Runtime,
    principal: CurrentPrincipal,
    school_id: str | None = None,
    student_id: Annotated[str | None, Query(description="Only the parents of this student")] = None,
    ids: Ids = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    return await people.parents(runtime.pool, principal, school_id, student_id, after, limit, _split(ids))


@router.get("/parents/{parent_id}", summary="One parent, with their children (no phone number)")
async def get_parent(parent_id: str, runtime: Runtime, principal: CurrentPrincipal) -> Parent:
    return Parent.model_validate(await people.parent(runtime.pool, principal, parent_id))
