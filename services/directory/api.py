"""HTTP routes of the directory: commands (POST) and scoped queries (GET)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from services.directory import commands as c
from services.directory import queries as q
from services.directory.handlers import DirectoryHandlers
from services.eventkit.app import Context, CurrentPrincipal, Runtime
from services.eventkit.auth import Role
from services.eventkit.commands import CommandResult
from services.eventkit.queries import Page
from services.eventkit.routes import After, Endpoint, Limit, command_route


async def directory_admin(principal: CurrentPrincipal) -> None:
    """Only district (or platform) admins change the directory; checked before any lookup."""
    principal.require_role(Role.DISTRICT_ADMIN, Role.PLATFORM_ADMIN)


commands = APIRouter(tags=["commands"], dependencies=[Depends(directory_admin)])
reads = APIRouter(tags=["queries"])


def handlers(request: Request) -> DirectoryHandlers:
    return DirectoryHandlers(request.app.state.runtime.bus)


def command(path: str, summary: str) -> Callable[[Endpoint], Endpoint]:
    return command_route(commands, path, summary)


@command("/districts", "Register a district")
async def register_district(cmd: c.RegisterDistrict, ctx: Context, request: Request) -> CommandResult:
    return await handlers(request).register_district(cmd, ctx)


@command("/schools", "Register a school in a district")
async def register_school(cmd: c.RegisterSchool, ctx: Context, request: Request) -> CommandResult:
    return await handlers(request).register_school(cmd, ctx)


@command("/schools/{school_id}/terms", "Schedule a term in the school calendar")
async def schedule_term(school_id: str, cmd: c.ScheduleTerm, ctx: Context, request: Request) -> CommandResult:
    return await handlers(request).schedule_term(school_id, cmd, ctx)


@command("/campuses", "Open a campus of a school")
async def open_campus(cmd: c.OpenCampus, ctx: Context, request: Request) -> CommandResult:
    return await handlers(request).open_campus(cmd, ctx)


@command("/campuses/{campus_id}/rename", "Rename a campus")
async def rename_campus(campus_id: str, cmd: c.RenameCampus, ctx: Context, request: Request) -> CommandResult:
    return await handlers(request).rename_campus(campus_id, cmd, ctx)


@command("/campuses/{campus_id}/close", "Close a campus")
async def close_campus(campus_id: str, cmd: c.CloseCampus, ctx: Context, request: Request) -> CommandResult:
    return await handlers(request).close_campus(campus_id, cmd, ctx)


@command("/classes", "Open a class on a campus")
async def open_class(cmd: c.OpenClass, ctx: Context, request: Request) -> CommandResult:
    return await handlers(request).open_class(cmd, ctx)


@command("/classes/{class_id}/teachers", "Assign a teacher (or the class teacher) to a class")
async def assign_teacher(class_id: str, cmd: c.AssignTeacher, ctx: Context, request: Request) -> CommandResult:
    return await handlers(request).assign_teacher(class_id, cmd, ctx)


@command("/classes/{class_id}/teachers/remove", "Remove a teacher from a class")
async def unassign_teacher(class_id: str, cmd: c.UnassignTeacher, ctx: Context, request: Request) -> CommandResult:
    return await handlers(request).unassign_teacher(class_id, cmd, ctx)


@command("/staff", "A staff member joins, with roles and campuses")
async def join_staff(cmd: c.JoinStaff, ctx: Context, request: Request) -> CommandResult:
    return await handlers(request).join_staff(cmd, ctx)


@command("/staff/{staff_id}/roles", "Change a staff member's roles and campuses")
async def change_staff_roles(staff_id: str, cmd: c.ChangeStaffRoles, ctx: Context, request: Request) -> CommandResult:
    return await handlers(request).change_staff_roles(staff_id, cmd, ctx)


@command("/staff/{staff_id}/leave", "A staff member leaves")
async def staff_leaves(staff_id: str, cmd: c.LeaveStaff, ctx: Context, request: Request) -> CommandResult:
    return await handlers(request).staff_leaves(staff_id, cmd, ctx)


@command("/students", "Enrol a new or transfer student in a class")
async def enroll_student(cmd: c.EnrollStudent, ctx: Context, request: Request) -> CommandResult:
    return await handlers(request).enroll_student(cmd, ctx)


@command("/students/{student_id}/move", "Move a student to another class of the school")
async def move_student(student_id: str, cmd: c.MoveStudent, ctx: Context, request: Request) -> CommandResult:
    return await handlers(request).move_student(student_id, cmd, ctx)


@command("/students/{student_id}/leave", "A student leaves the school")
async def student_leaves(student_id: str, cmd: c.StudentLeaves, ctx: Context, request: Request) -> CommandResult:
    return await handlers(request).student_leaves(student_id, cmd, ctx)


@command("/parents", "Register a parent")
async def register_parent(cmd: c.RegisterParent, ctx: Context, request: Request) -> CommandResult:
    return await handlers(request).register_parent(cmd, ctx)


@command("/parents/{parent_id}/children", "Link a parent to their child")
async def link_parent(parent_id: str, cmd: c.LinkParent, ctx: Context, request: Request) -> CommandResult:
    return await handlers(request).link_parent(parent_id, cmd, ctx)


# -- queries -------------------------------------------------------------------------------

Ids = Annotated[str | None, Query(description="Only these ids, comma-separated (for batch lookups)")]


def _split(ids: str | None) -> list[str] | None:
    return [i for i in ids.split(",") if i] if ids else None


@reads.get("/districts", response_model=Page, summary="Districts in the caller's scope")
async def list_districts(
    runtime: Runtime, principal: CurrentPrincipal, after: After = None, limit: Limit = 100
) -> Page:
    return await q.districts(runtime.pool, principal, after, limit)


@reads.get("/schools", response_model=Page, summary="Schools in the caller's scope")
async def list_schools(
    runtime: Runtime,
    principal: CurrentPrincipal,
    district_id: str | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    return await q.schools(runtime.pool, principal, district_id, after, limit)


@reads.get("/schools/{school_id}/terms", response_model=Page, summary="The school calendar (or the term of a day)")
async def list_terms(
    school_id: str,
    runtime: Runtime,
    principal: CurrentPrincipal,
    on: Annotated[date | None, Query(description="Only the term this day falls in")] = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    return await q.terms(runtime.pool, principal, school_id, on, after, limit)


@reads.get("/campuses", response_model=Page, summary="Campuses in the caller's scope")
async def list_campuses(
    runtime: Runtime,
    principal: CurrentPrincipal,
    school_id: str | None = None,
    ids: Ids = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    return await q.campuses(runtime.pool, principal, school_id, after, limit, _split(ids))


@reads.get("/campuses/{campus_id}", summary="One campus")
async def get_campus(campus_id: str, runtime: Runtime, principal: CurrentPrincipal) -> dict[str, Any]:
    return await q.campus(runtime.pool, principal, campus_id)


@reads.get("/classes", response_model=Page, summary="Classes with their teachers and headcount")
async def list_classes(
    runtime: Runtime,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    ids: Ids = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    return await q.classes(runtime.pool, principal, campus_id, after, limit, _split(ids))


@reads.get("/classes/{class_id}", summary="One class")
async def get_class(class_id: str, runtime: Runtime, principal: CurrentPrincipal) -> dict[str, Any]:
    return await q.one_class(runtime.pool, principal, class_id)


@reads.get("/staff", response_model=Page, summary="Staff, by campus and role")
async def list_staff(
    runtime: Runtime,
    principal: CurrentPrincipal,
    campus_id: str | None = None,
    role: Role | None = None,
    after: After = None,
    limit: Limit = 100,
) -> Page:
    return await q.staff(runtime.pool, principal, campus_id, role, after, limit)


@reads.get("/students", response_model=Page, summary="Students (in scope, or in the classes the caller teaches)")
async def list_students(
    runtime: Runtime, principal: CurrentPrincipal, class_id: str | None = None, after: After = None, limit: Limit = 100
) -> Page:
    return await q.students(runtime.pool, principal, class_id, after, limit)
