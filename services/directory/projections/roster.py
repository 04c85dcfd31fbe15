"""The roster: the directory as read tables, every row tagged with its tenant path."""

from __future__ import annotations

from services.directory import events as ev
from services.directory.events import DIRECTORY_EVENTS
from services.eventkit.db import Connection
from services.eventkit.envelope import Envelope
from services.eventkit.projection import Projection


class Roster(Projection):
    name = "roster"
    event_types = frozenset(DIRECTORY_EVENTS.names)

    def ddl(self, schema: str) -> str:
        return f"""
        CREATE TABLE {schema}.districts (
            district_id text PRIMARY KEY, name text NOT NULL, school_id text, campus_id text);
        CREATE TABLE {schema}.schools (
            school_id text PRIMARY KEY, district_id text NOT NULL, name text NOT NULL, campus_id text);
        CREATE TABLE {schema}.terms (
            term_id text PRIMARY KEY, school_id text NOT NULL, district_id text, campus_id text,
            name text NOT NULL, starts_on date NOT NULL, ends_on date NOT NULL);
        CREATE TABLE {schema}.campuses (
            campus_id text PRIMARY KEY, school_id text NOT NULL, district_id text NOT NULL,
            name text NOT NULL, address text NOT NULL DEFAULT '', closed boolean NOT NULL DEFAULT false,
            students bigint NOT NULL DEFAULT 0);
        CREATE TABLE {schema}.classes (
            class_id text PRIMARY KEY, campus_id text NOT NULL, school_id text NOT NULL, district_id text NOT NULL,
            name text NOT NULL, grade integer NOT NULL, class_teacher_id text,
            students bigint NOT NULL DEFAULT 0);
        CREATE INDEX ON {schema}.classes (campus_id);
        CREATE TABLE {schema}.class_teachers (
            class_id text NOT NULL, staff_id text NOT NULL, subject text NOT NULL,
            PRIMARY KEY (class_id, staff_id, subject));
        CREATE INDEX ON {schema}.class_teachers (staff_id);
        CREATE TABLE {schema}.staff (
            staff_id text PRIMARY KEY, district_id text NOT NULL, school_id text, campus_id text,
            name text NOT NULL, roles text[] NOT NULL, campus_ids text[] NOT NULL, phone text NOT NULL DEFAULT '',
            active boolean NOT NULL DEFAULT true);
        CREATE TABLE {schema}.students (
            student_id text PRIMARY KEY, class_id text NOT NULL, campus_id text NOT NULL, school_id text NOT NULL,
            district_id text NOT NULL, name text NOT NULL, admission text NOT NULL, enrolled_on date NOT NULL,
            active boolean NOT NULL DEFAULT true);
        CREATE INDEX ON {schema}.students (class_id);
        CREATE TABLE {schema}.parents (
            parent_id text PRIMARY KEY, district_id text NOT NULL, school_id text NOT NULL, campus_id text,
            name text NOT NULL, phone text NOT NULL DEFAULT '');
        CREATE TABLE {schema}.parent_students (
            parent_id text NOT NULL, student_id text NOT NULL, class_id text NOT NULL, relation text NOT NULL,
            PRIMARY KEY (parent_id, student_id));
        """

    async def apply(self, conn: Connection, schema: str, envelope: Envelope) -> None:
        e = DIRECTORY_EVENTS.decode(envelope)
        s = schema
        match e:
            case ev.DistrictRegistered():
                await conn.execute(
                    f"INSERT INTO {s}.districts (district_id, name) VALUES ($1, $2)", e.district_id, e.name
                )
            case ev.SchoolRegistered():
                await conn.execute(
                    f"INSERT INTO {s}.schools (school_id, district_id, name) VALUES ($1, $2, $3)",
                    e.school_id,
                    e.district_id,
                    e.name,
                )
            case ev.TermScheduled():
                await conn.execute(
                    f"INSERT INTO {s}.terms (term_id, school_id, district_id, name, starts_on, ends_on) "
                    "VALUES ($1, $2, $3, $4, $5, $6)",
                    e.term_id,
                    e.school_id,
                    envelope.district_id,
                    e.name,
                    e.starts_on,
                    e.ends_on,
                )
            case ev.CampusOpened():
                await conn.execute(
                    f"INSERT INTO {s}.campuses (campus_id, school_id, district_id, name, address) "
                    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (campus_id) DO UPDATE SET "
                    "school_id = $2, district_id = $3, name = $4, address = $5",
                    e.campus_id,
                    e.school_id,
                    e.district_id,
                    e.name,
                    e.address,
                )
            case ev.CampusRenamed():
                await conn.execute(f"UPDATE {s}.campuses SET name = $2 WHERE campus_id = $1", e.campus_id, e.name)
            case ev.CampusClosed():
                await conn.execute(f"UPDATE {s}.campuses SET closed = true WHERE campus_id = $1", e.campus_id)
            case ev.ClassOpened():
                await conn.execute(
                    f"INSERT INTO {s}.classes (class_id, campus_id, school_id, district_id, name, grade) "
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
                    f"INSERT INTO {s}.class_teachers (class_id, staff_id, subject) VALUES ($1, $2, $3)",
                    e.class_id,
                    e.staff_id,
                    e.subject,
                )
                if e.is_class_teacher:
                    await conn.execute(
                        f"UPDATE {s}.classes SET class_teacher_id = $2 WHERE class_id = $1", e.class_id, e.staff_id
                    )
            case ev.TeacherUnassigned():
                await conn.execute(
                    f"DELETE FROM {s}.class_teachers WHERE class_id = $1 AND staff_id = $2", e.class_id, e.staff_id
                )
                await conn.execute(
                    f"UPDATE {s}.classes SET class_teacher_id = NULL WHERE class_id = $1 AND class_teacher_id = $2",
                    e.class_id,
                    e.staff_id,
                )
            case ev.StaffJoined():
                await conn.execute(
                    f"INSERT INTO {s}.staff (staff_id, district_id, school_id, name, roles, campus_ids, phone) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    e.staff_id,
                    e.district_id,
                    e.school_id,
                    e.name,
                    [r.value for r in e.roles],
                    e.campus_ids,
                    e.phone,
                )
            case ev.StaffRolesChanged():
                await conn.execute(
                    f"UPDATE {s}.staff SET roles = $2, campus_ids = $3 WHERE staff_id = $1",
                    e.staff_id,
                    [r.value for r in e.roles],
                    e.campus_ids,
                )
            case ev.StaffLeft():
                await conn.execute(f"UPDATE {s}.staff SET active = false WHERE staff_id = $1", e.staff_id)
            case ev.StudentEnrolled():
                await conn.execute(
                    f"INSERT INTO {s}.students (student_id, class_id, campus_id, school_id, district_id, name, "
                    "admission, enrolled_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    e.student_id,
                    e.class_id,
                    e.campus_id,
                    e.school_id,
                    e.district_id,
                    e.name,
                    e.admission.value,
                    e.enrolled_on,
                )
                await self._headcount(conn, s, envelope, e.class_id, +1)
            case ev.StudentMovedClass():
                await conn.execute(
                    f"UPDATE {s}.students SET class_id = $2, campus_id = $3 WHERE student_id = $1",
                    e.student_id,
                    e.to_class_id,
                    e.campus_id,
                )
                await self._headcount(conn, s, envelope, e.from_class_id, -1)
                await self._headcount(conn, s, envelope, e.to_class_id, +1)
            case ev.StudentLeft():
                await conn.execute(f"UPDATE {s}.students SET active = false WHERE student_id = $1", e.student_id)
                await self._headcount(conn, s, envelope, e.class_id, -1)
            case ev.ParentRegistered():
                await conn.execute(
                    f"INSERT INTO {s}.parents (parent_id, district_id, school_id, name, phone) "
                    "VALUES ($1, $2, $3, $4, $5)",
                    e.parent_id,
                    e.district_id,
                    e.school_id,
                    e.name,
                    e.phone,
                )
            case ev.ParentLinked():
                await conn.execute(
                    f"INSERT INTO {s}.parent_students (parent_id, student_id, class_id, relation) "
                    "VALUES ($1, $2, $3, $4)",
                    e.parent_id,
                    e.student_id,
                    e.class_id,
                    e.relation,
                )

    @staticmethod
    async def _headcount(conn: Connection, schema: str, envelope: Envelope, class_id: str, delta: int) -> None:
        """Counts, not recounts: an event applied twice would show here.

        A student's stream and its class's are in different partitions, so an enrolment
        can arrive first: the class (and campus) row is then a placeholder that
        ClassOpened (CampusOpened) fills in.
        """
        campus_id = await conn.fetchval(
            f"INSERT INTO {schema}.classes (class_id, campus_id, school_id, district_id, name, grade, students) "
            "VALUES ($1, $2, $3, $4, '', 0, $5) "
            f"ON CONFLICT (class_id) DO UPDATE SET students = {schema}.classes.students + $5 RETURNING campus_id",
            class_id,
            envelope.campus_id,
            envelope.school_id,
            envelope.district_id,
            delta,
        )
        await conn.execute(
            f"INSERT INTO {schema}.campuses (campus_id, school_id, district_id, name, students) "
            "VALUES ($1, $2, $3, '', $4) "
            f"ON CONFLICT (campus_id) DO UPDATE SET students = {schema}.campuses.students + $4",
            campus_id,
            envelope.school_id,
            envelope.district_id,
            delta,
        )


ROSTER = Roster()
