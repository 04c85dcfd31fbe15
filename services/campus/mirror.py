"""The directory as other services see it: a reaction that mirrors campuses, terms,
classes, staff and students into the consuming service's own database, and the
lookups its handlers use (so they can refuse a command for a campus that does not exist).

Class and campus headcounts are kept by increments: applied twice, an event would
show, which is why the kit's tracking makes each event act once.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import asyncpg

from services.directory import events as ev
from services.directory.events import DIRECTORY_EVENTS
from services.eventkit.consumer import Reaction
from services.eventkit.days import local_day
from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope, TenantPath
from services.eventkit.errors import InvalidInput

MIRROR_MIGRATIONS = Path(__file__).parent / "mirror_migrations"


class DirectoryMirror(Reaction):
    name = "directory-mirror"
    event_types = frozenset(DIRECTORY_EVENTS.names)

    async def handle(self, conn: Connection, envelope: Envelope) -> None:
        e = DIRECTORY_EVENTS.decode(envelope)
        match e:
            case ev.CampusOpened():
                await conn.execute(
                    "INSERT INTO directory_campuses (campus_id, school_id, district_id, name) VALUES ($1, $2, $3, $4) "
                    "ON CONFLICT (campus_id) DO UPDATE SET school_id = $2, district_id = $3, name = $4",
                    e.campus_id,
                    e.school_id,
                    e.district_id,
                    e.name,
                )
            case ev.CampusRenamed():
                await conn.execute("UPDATE directory_campuses SET name = $2 WHERE campus_id = $1", e.campus_id, e.name)
            case ev.CampusClosed():
                await conn.execute("UPDATE directory_campuses SET closed = true WHERE campus_id = $1", e.campus_id)
            case ev.TermScheduled():
                await conn.execute(
                    "INSERT INTO directory_terms (term_id, school_id, name, starts_on, ends_on) "
                    "VALUES ($1, $2, $3, $4, $5) "
                    "ON CONFLICT (term_id) DO NOTHING",
                    e.term_id,
                    e.school_id,
                    e.name,
                    e.starts_on,
                    e.ends_on,
                )
            case ev.ClassOpened():
                await conn.execute(
                    "INSERT INTO directory_classes (class_id, campus_id, school_id, district_id, name, grade) "
                    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (class_id) DO UPDATE SET "
                    "campus_id = $2, school_id = $3, district_id = $4, name = $5, grade = $6",
                    e.class_id,
                    e.campus_id,
                    e.school_id,
                    e.district_id,
                    e.name,
                    e.grade,
                )
            case ev.TeacherAssigned():
                await conn.execute(
                    "INSERT INTO directory_class_teachers (class_id, staff_id, subject) VALUES ($1, $2, $3) "
                    "ON CONFLICT DO NOTHING",
                    e.class_id,
                    e.staff_id,
                    e.subject,
                )
            case ev.TeacherUnassigned():
                await conn.execute(
                    "DELETE FROM directory_class_teachers WHERE class_id = $1 AND staff_id = $2", e.class_id, e.staff_id
                )
            case ev.StaffJoined():
                await conn.execute(
                    "INSERT INTO directory_staff "
                    "(staff_id, district_id, school_id, name, roles, campus_ids, joined_on) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (staff_id) DO NOTHING",
                    e.staff_id,
                    e.district_id,
                    e.school_id,
                    e.name,
                    [r.value for r in e.roles],
                    e.campus_ids,
                    local_day(e.joined_at),
                )
            case ev.StaffRolesChanged():
                await conn.execute(
                    "UPDATE directory_staff SET roles = $2, campus_ids = $3 WHERE staff_id = $1",
                    e.staff_id,
                    [r.value for r in e.roles],
                    e.campus_ids,
                )
            case ev.StaffLeft():
                await conn.execute(
                    "UPDATE directory_staff SET active = false, left_on = $2 WHERE staff_id = $1", e.staff_id, e.left_on
                )
            case ev.StudentEnrolled():
                await conn.execute(
                    "INSERT INTO directory_students (student_id, class_id, campus_id, school_id, district_id, name, "
                    "admission) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    e.student_id,
                    e.class_id,
                    e.campus_id,
                    e.school_id,
                    e.district_id,
                    e.name,
                    e.admission.value,
                )
                await _headcount(conn, envelope, e.class_id, +1)
            case ev.StudentMovedClass():
                await conn.execute(
                    "UPDATE directory_students SET class_id = $2, campus_id = $3 WHERE student_id = $1",
                    e.student_id,
                    e.to_class_id,
                    e.campus_id,
                )
                await _headcount(conn, envelope, e.from_class_id, -1)
                await _headcount(conn, envelope, e.to_class_id, +1)
            case ev.StudentLeft():
                await conn.execute("UPDATE directory_students SET active = false WHERE student_id = $1", e.student_id)
                await _headcount(conn, envelope, e.class_id, -1)
            case ev.ParentRegistered():
                await conn.execute(
                    "INSERT INTO directory_parents (parent_id, district_id, school_id, name, phone) "
                    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (parent_id) DO NOTHING",
                    e.parent_id,
                    e.district_id,
                    e.school_id,
                    e.name,
                    e.phone,
                )
            case ev.ParentLinked():
                await conn.execute(
                    "INSERT INTO directory_parent_students (parent_id, student_id, relation) VALUES ($1, $2, $3) "
                    "ON CONFLICT DO NOTHING",
                    e.parent_id,
                    e.student_id,
                    e.relation,
                )
            case _:
                pass


async def _headcount(conn: Connection, envelope: Envelope, class_id: str, delta: int) -> None:
    """Counts by increments. Students and classes are different streams, so in different
    partitions: an enrolment may arrive before its class. The rows are then created as
    placeholders, which ClassOpened and CampusOpened fill in later."""
    campus_id = await conn.fetchval(
        "INSERT INTO directory_classes (class_id, campus_id, school_id, district_id, name, grade, students) "
        "VALUES ($1, $2, $3, $4, '', 0, $5) "
        "ON CONFLICT (class_id) DO UPDATE SET students = directory_classes.students + $5 RETURNING campus_id",
        class_id,
        envelope.campus_id,
        envelope.school_id,
        envelope.district_id,
        delta,
    )
    await conn.execute(
        "INSERT INTO directory_campuses (campus_id, school_id, district_id, name, students) "
        "VALUES ($1, $2, $3, '', $4) "
        "ON CONFLICT (campus_id) DO UPDATE SET students = directory_campuses.students + $4",
        campus_id,
        envelope.school_id,
        envelope.district_id,
        delta,
    )


async def _campus_row(db: asyncpg.Pool | Connection, campus_id: str, field: str) -> TenantPath | None:
    """The campus's tenant path (None: closed), or a 422 if the mirror does not know it."""
    row = await db.fetchrow(
        "SELECT school_id, district_id, closed FROM directory_campuses WHERE campus_id = $1", campus_id
    )
    if row is None:
        raise InvalidInput(f"campus {campus_id} does not exist", field=field)
    if row["closed"]:
        return None
    return TenantPath(district_id=row["district_id"], school_id=row["school_id"], campus_id=campus_id)


class CampusCache:
    """The mirror's campus rows, held in process for ``ttl_s`` seconds.

    Nearly every command names a campus, and campuses change a few times a year: a
    round trip per command to read the same row was 13% of the service's time for a short
    command. The mirror itself learns of a change from Kafka, so a campus is never known
    at once anyway; the cache adds at most ``ttl_s`` to that. A campus the mirror does not
    know is never cached: one just opened is usable as soon as the mirror has it.
    """

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._rows: dict[str, tuple[float, TenantPath | None]] = {}

    async def tenant(self, db: asyncpg.Pool | Connection, campus_id: str, *, field: str = "campus_id") -> TenantPath:
        """The tenant path of an open campus, or a 422 naming the field."""
        now = time.monotonic()
        hit = self._rows.get(campus_id)
        if hit is not None and now - hit[0] < self.ttl_s:
            tenant = hit[1]
        else:
            tenant = await _campus_row(db, campus_id, field)
            if self.ttl_s > 0:
                self._rows[campus_id] = (now, tenant)
        if tenant is None:
            raise InvalidInput(f"campus {campus_id} is closed", field=field)
        return tenant


async def term_of(db: asyncpg.Pool | Connection, school_id: str, day: date) -> asyncpg.Record | None:
    """The term of the school calendar that ``day`` falls in."""
    return await db.fetchrow(
        "SELECT term_id, name, starts_on, ends_on FROM directory_terms "
        "WHERE school_id = $1 AND starts_on <= $2 AND $2 <= ends_on",
        school_id,
        day,
    )


async def term_in_calendar(db: asyncpg.Pool | Connection, school_id: str, term_id: str) -> asyncpg.Record | None:
    """The term ``term_id`` if it is in the calendar of the school (its name and dates)."""
    return await db.fetchrow(
        "SELECT term_id, name, starts_on, ends_on FROM directory_terms WHERE term_id = $1 AND school_id = $2",
        term_id,
        school_id,
    )


async def term_near(db: asyncpg.Pool | Connection, school_id: str, day: date) -> asyncpg.Record | None:
    """The term ``day`` falls in or, between terms, the nearest one (the term it follows or
    precedes: what a refusal names); None only if the school calendar has no term at all."""
    return await db.fetchrow(
        "SELECT term_id, name, starts_on, ends_on FROM directory_terms WHERE school_id = $1 "
        "ORDER BY CASE WHEN starts_on <= $2 AND $2 <= ends_on THEN 0 "
        "ELSE least(abs(starts_on - $2), abs(ends_on - $2)) END, starts_on LIMIT 1",
        school_id,
        day,
    )


async def student_tenant(
    db: asyncpg.Pool | Connection, student_id: str, *, field: str = "student_id"
) -> tuple[asyncpg.Record, TenantPath]:
    """A student still at school (class, admission, name) and where they are, or a 422 naming the field."""
    row = await db.fetchrow(
        "SELECT student_id, class_id, campus_id, school_id, district_id, name, admission FROM directory_students "
        "WHERE student_id = $1 AND active",
        student_id,
    )
    if row is None:
        raise InvalidInput(f"student {student_id} is not enrolled", field=field)
    return row, TenantPath(district_id=row["district_id"], school_id=row["school_id"], campus_id=row["campus_id"])


async def class_tenant(db: asyncpg.Pool | Connection, class_id: str, *, field: str = "class_id") -> TenantPath:
    row = await db.fetchrow(
        "SELECT campus_id, school_id, district_id FROM directory_classes WHERE class_id = $1", class_id
    )
    if row is None or not row["campus_id"]:
        raise InvalidInput(f"class {class_id} does not exist", field=field)
    return TenantPath(district_id=row["district_id"], school_id=row["school_id"], campus_id=row["campus_id"])


async def teachers_of_class(db: asyncpg.Pool | Connection, class_id: str) -> list[str]:
    rows = await db.fetch(
        "SELECT DISTINCT t.staff_id FROM directory_class_teachers t JOIN directory_staff s USING (staff_id) "
        "WHERE t.class_id = $1 AND s.active ORDER BY t.staff_id",
        class_id,
    )
    return [r["staff_id"] for r in rows]


async def staff_member(db: asyncpg.Pool | Connection, staff_id: str, *, field: str = "staff_id") -> asyncpg.Record:
    """An active staff member (name, roles, campus_ids), or a 422 naming the field."""
    row = await db.fetchrow(
        "SELECT staff_id, name, roles, campus_ids, school_id, district_id FROM directory_staff "
        "WHERE staff_id = $1 AND active",
        staff_id,
    )
    if row is None:
        raise InvalidInput(f"staff member {staff_id} does not exist", field=field)
    return row
