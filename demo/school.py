"""The seed's school district, as the directory holds it: its facts, and the commands that write them.

新北区 (xinbei) holds 薛家实验小学 (xuexiao) with its main campus (本部) and the Aoyuan campus
(奥园校区), and a second school, 龙虎塘实验小学 (longhu), with a main campus of its own. One term,
2020-2021 第一学期; at xuexiao the logistics staff (a whole office: managers, canteen workers,
cleaners, guards and technicians), teachers and class teachers of both campuses,
classes, students and parents (the parents who take turns at the canteen's weekly visit among
them). Staff and parent ids are also the subjects of their tokens.

This is the one description of that school: the demo (``demo.loader``) writes all of it, the
tests write the part they need (``District.only``), all through :meth:`District.commands`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

from services.eventkit.auth import Principal, Role

# Who sends a command: the platform admin registers districts, the district's admin the rest.
PLATFORM, ADMIN = "platform", "admin"


@dataclass(frozen=True)
class Term:
    term_id: str
    name: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class School:
    school_id: str
    name: str
    term_id: str  # its id of the district's term


@dataclass(frozen=True)
class Campus:
    campus_id: str
    school_id: str
    name: str


@dataclass(frozen=True)
class Staff:
    staff_id: str
    name: str
    roles: tuple[str, ...]
    campus_ids: tuple[str, ...]
    school_id: str


@dataclass(frozen=True)
class SchoolClass:
    class_id: str
    campus_id: str
    name: str
    grade: int


@dataclass(frozen=True)
class Teacher:
    class_id: str
    staff_id: str
    subject: str
    is_class_teacher: bool


@dataclass(frozen=True)
class Student:
    student_id: str
    name: str
    class_id: str
    admission: str
    enrolled_on: date


@dataclass(frozen=True)
class Parent:
    parent_id: str
    name: str
    school_id: str
    student_id: str
    relation: str


@dataclass(frozen=True)
class Command:
    """One directory command: the path it is posted to, its body, and who sends it."""

    path: str
    body: dict[str, Any]
    as_: str


@dataclass(frozen=True)
class District:
    district_id: str
    name: str
    term: Term
    schools: tuple[School, ...]
    campuses: tuple[Campus, ...]
    staff: tuple[Staff, ...]
    classes: tuple[SchoolClass, ...]
    teachers: tuple[Teacher, ...]
    students: tuple[Student, ...]
    parents: tuple[Parent, ...]
    set_up_at: datetime | None = None  # when the district's office entered it (None: when the commands arrive)

    def only(
        self,
        *,
        schools: Iterable[str] | None = None,
        classes: Iterable[str] | None = None,
        staff: Iterable[str] | None = None,
        students: Iterable[str] | None = None,
        parents: Iterable[str] | None = None,
    ) -> District:
        """The part of the district with these ids (``None``: all of them); what belongs to
        something left out (a school's campuses, a class's teachers) is left out too."""

        def keep(wanted: Iterable[str] | None) -> set[str] | None:
            return None if wanted is None else set(wanted)

        def kept(value: str, wanted: set[str] | None) -> bool:
            return wanted is None or value in wanted

        school_ids, class_ids, staff_ids = keep(schools), keep(classes), keep(staff)
        student_ids, parent_ids = keep(students), keep(parents)
        campuses = tuple(c for c in self.campuses if kept(c.school_id, school_ids))
        campus_ids = {c.campus_id for c in campuses}
        classes_ = tuple(c for c in self.classes if c.campus_id in campus_ids and kept(c.class_id, class_ids))
        kept_classes = {c.class_id for c in classes_}
        people = tuple(s for s in self.staff if kept(s.staff_id, staff_ids) and set(s.campus_ids) & campus_ids)
        kept_staff = {s.staff_id for s in people}
        students_ = tuple(s for s in self.students if s.class_id in kept_classes and kept(s.student_id, student_ids))
        kept_students = {s.student_id for s in students_}
        return replace(
            self,
            schools=tuple(s for s in self.schools if kept(s.school_id, school_ids)),
            campuses=campuses,
            staff=people,
            classes=classes_,
            teachers=tuple(t for t in self.teachers if t.class_id in kept_classes and t.staff_id in kept_staff),
            students=students_,
            parents=tuple(p for p in self.parents if p.student_id in kept_students and kept(p.parent_id, parent_ids)),
        )

    def with_staff(self, staff_id: str, **changes: Any) -> District:
        """The district with one member of staff changed (``campus_ids=("main",)``...)."""
        self.member(staff_id)
        return replace(self, staff=tuple(replace(s, **changes) if s.staff_id == staff_id else s for s in self.staff))

    def member(self, staff_id: str) -> Staff:
        return next(s for s in self.staff if s.staff_id == staff_id)

    def class_of(self, student_id: str) -> str:
        return next(s.class_id for s in self.students if s.student_id == student_id)

    def principal(self, who: str) -> Principal:
        """The token's principal of a member of staff (their roles, campuses and the classes they
        teach) or of a parent (their children's classes)."""
        for s in self.staff:
            if s.staff_id == who:
                return Principal(
                    subject=s.staff_id,
                    name=s.name,
                    roles=frozenset(Role(r) for r in s.roles),
                    campuses=frozenset(s.campus_ids),
                    classes=frozenset(t.class_id for t in self.teachers if t.staff_id == who),
                )
        for p in self.parents:
            if p.parent_id == who:
                return Principal(
                    subject=p.parent_id,
                    name=p.name,
                    roles=frozenset([Role.PARENT]),
                    classes=frozenset([self.class_of(p.student_id)]),
                )
        raise KeyError(who)

    def staff_body(self, s: Staff) -> dict[str, Any]:
        return {
            "staff_id": s.staff_id,
            "district_id": self.district_id,
            "school_id": s.school_id,
            "name": s.name,
            "roles": list(s.roles),
            "campus_ids": list(s.campus_ids),
        }

    def commands(self) -> list[Command]:
        """The directory's commands that write the district, in order: the district (by the
        platform admin), then its schools, terms, campuses, staff, classes, teachers, students
        and parents (by the district's admin)."""
        out = [Command("/districts", {"district_id": self.district_id, "name": self.name}, PLATFORM)]
        out += self._set_up()
        if self.set_up_at is None:
            return out
        at = self.set_up_at.isoformat()
        return [c if "on" in c.body else replace(c, body=c.body | {"at": at}) for c in out]

    def _set_up(self) -> list[Command]:
        out: list[Command] = []
        body: dict[str, Any]
        for school in self.schools:
            body = {"school_id": school.school_id, "district_id": self.district_id, "name": school.name}
            out.append(Command("/schools", body, ADMIN))
        for school in self.schools:
            term = {
                "term_id": school.term_id,
                "name": self.term.name,
                "starts_on": self.term.starts_on.isoformat(),
                "ends_on": self.term.ends_on.isoformat(),
            }
            out.append(Command(f"/schools/{school.school_id}/terms", term, ADMIN))
        for c in self.campuses:
            body = {"campus_id": c.campus_id, "school_id": c.school_id, "name": c.name}
            out.append(Command("/campuses", body, ADMIN))
        out += [Command("/staff", self.staff_body(s), ADMIN) for s in self.staff]
        for k in self.classes:
            body = {"class_id": k.class_id, "campus_id": k.campus_id, "name": k.name, "grade": k.grade}
            out.append(Command("/classes", body, ADMIN))
        for t in self.teachers:
            body = {"staff_id": t.staff_id, "subject": t.subject, "is_class_teacher": t.is_class_teacher}
            out.append(Command(f"/classes/{t.class_id}/teachers", body, ADMIN))
        for st in self.students:
            body = {
                "student_id": st.student_id,
                "name": st.name,
                "class_id": st.class_id,
                "admission": st.admission,
                "on": st.enrolled_on.isoformat(),
            }
            out.append(Command("/students", body, ADMIN))
        for p in self.parents:
            out.append(Command("/parents", {"parent_id": p.parent_id, "school_id": p.school_id, "name": p.name}, ADMIN))
            link = {"student_id": p.student_id, "relation": p.relation}
            out.append(Command(f"/parents/{p.parent_id}/children", link, ADMIN))
        return out


DISTRICT, SCHOOL, TERM = "xinbei", "xuexiao", "2020-2021-1"
TERM_STARTS, TERM_ENDS = date(2020, 9, 1), date(2021, 1, 31)
SET_UP_AT = datetime(2020, 8, 17, 9, 0, tzinfo=timezone(timedelta(hours=8)))  # the office sets up the term


def _staff(staff_id: str, name: str, roles: list[str], campuses: list[str]) -> Staff:
    return Staff(staff_id, name, tuple(roles), tuple(campuses), SCHOOL)


# The rest of the logistics office, each appraised every month on their campus: canteen
# workers, cleaners, guards and a technician on each campus, beside the seed's own 王师傅
# (technician, both campuses), 李师傅 (guard, main) and 陈阿姨 (cleaner, Aoyuan).
OFFICE_WORKERS = (
    _staff("jiang-cook", "蒋师傅", ["canteen_worker"], ["main"]),
    _staff("han-canteen", "韩阿姨", ["canteen_worker"], ["main"]),
    _staff("ding-canteen", "丁阿姨", ["canteen_worker"], ["main"]),
    _staff("feng-canteen", "冯阿姨", ["canteen_worker"], ["main"]),
    _staff("liu-clean", "刘阿姨", ["cleaner"], ["main"]),
    _staff("yang-clean", "杨阿姨", ["cleaner"], ["main"]),
    _staff("zhao-guard", "赵师傅", ["guard"], ["main"]),
    _staff("xie-tech", "谢师傅", ["technician"], ["main"]),
    _staff("yuan-cook", "袁师傅", ["canteen_worker"], ["aoyuan"]),
    _staff("cao-canteen", "曹阿姨", ["canteen_worker"], ["aoyuan"]),
    _staff("lu-canteen", "陆阿姨", ["canteen_worker"], ["aoyuan"]),
    _staff("pan-clean", "潘阿姨", ["cleaner"], ["aoyuan"]),
    _staff("zou-guard", "邹师傅", ["guard"], ["aoyuan"]),
    _staff("peng-guard", "彭师傅", ["guard"], ["aoyuan"]),
    _staff("tang-tech", "唐师傅", ["technician"], ["aoyuan"]),
)

# The families whose parents take turns at the canteen's weekly visit (家长进校园, ``demo.canteen``),
# beside the seed's own 姚妈妈, 林爸爸 (main) and 马爸爸 (Aoyuan): (student, pupil's name, class,
# parent, parent's name, relation).
VISITING_FAMILIES: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("zhang-hy", "张同学", "g2-1", "zhang-mum", "张妈妈", "mother"),
    ("wang-zx", "王同学", "g4-2", "wang-dad", "王爸爸", "father"),
    ("chen-yr", "陈同学", "g3-3", "chen-mum", "陈妈妈", "mother"),
    ("liu-sy", "刘同学", "g6-2", "liu-mum", "刘妈妈", "mother"),
    ("zhao-jh", "赵同学", "g2-1", "zhao-dad", "赵爸爸", "father"),
    ("sun-ml", "孙同学", "g4-2", "sun-mum", "孙妈妈", "mother"),
    ("zhou-yt", "周同学", "g3-3", "zhou-dad", "周爸爸", "father"),
    ("wu-xr", "吴同学", "g6-1", "wu-mum", "吴妈妈", "mother"),
    ("xu-ky", "徐同学", "g2-1", "xu-dad", "徐爸爸", "father"),
    ("hu-yx", "胡同学", "g4-2", "hu-mum", "胡妈妈", "mother"),
    ("gao-zy", "高同学", "g3-3", "gao-dad", "高爸爸", "father"),
    ("luo-sq", "罗同学", "g6-2", "luo-mum", "罗妈妈", "mother"),
    ("zheng-hr", "郑同学", "g2-1", "zheng-mum", "郑妈妈", "mother"),
    ("xie-yf", "谢同学", "g4-2", "xie-dad", "谢爸爸", "father"),
    ("song-jy", "宋同学", "g3-3", "song-mum", "宋妈妈", "mother"),
    ("tang-zh", "唐同学", "g6-2", "tang-grandma", "唐奶奶", "grandmother"),
    ("qin-mum", "", "", "qin-mum", "秦妈妈", "mother"),  # 秦同学's mother (g1-1, the seed's pupil)
    ("he-yq", "何同学", "g1-3", "he-mum", "何妈妈", "mother"),
    ("jin-ll", "金同学", "g2-4", "jin-dad", "金爸爸", "father"),
    ("shi-yn", "施同学", "g3-2", "shi-mum", "施妈妈", "mother"),
    ("du-hx", "杜同学", "g1-3", "du-dad", "杜爸爸", "father"),
    ("yan-ss", "严同学", "g2-4", "yan-mum", "严妈妈", "mother"),
    ("pu-zr", "浦同学", "g3-2", "pu-dad", "浦爸爸", "father"),
    ("qian-yy", "钱同学", "g1-1", "qian-mum", "钱妈妈", "mother"),
    ("fang-jc", "方同学", "g1-3", "fang-dad", "方爸爸", "father"),
    ("kong-xy", "孔同学", "g2-4", "kong-mum", "孔妈妈", "mother"),
    ("cai-wj", "蔡同学", "g3-2", "cai-grandpa", "蔡爷爷", "grandfather"),
    ("ren-yh", "任同学", "g1-1", "ren-mum", "任妈妈", "mother"),
    ("xia-mq", "夏同学", "g1-3", "xia-dad", "夏爸爸", "father"),
    ("bao-tt", "鲍同学", "g2-4", "bao-mum", "鲍妈妈", "mother"),
    ("ge-hn", "葛同学", "g3-2", "ge-dad", "葛爸爸", "father"),
    ("mao-xt", "毛同学", "g1-1", "mao-mum", "毛妈妈", "mother"),
    ("lv-cy", "吕同学", "g2-4", "lv-mum", "吕妈妈", "mother"),
)
_VISITING_STUDENTS = tuple(
    Student(student, name, class_id, "new", TERM_STARTS) for student, name, class_id, *_ in VISITING_FAMILIES if name
)
_VISITING_PARENTS = tuple(
    Parent(parent, parent_name, SCHOOL, "qin" if parent == "qin-mum" else student, relation)
    for student, _, _, parent, parent_name, relation in VISITING_FAMILIES
)

SEED = District(
    district_id=DISTRICT,
    name="新北区",
    term=Term(TERM, "2020-2021 第一学期", TERM_STARTS, TERM_ENDS),
    schools=(School(SCHOOL, "薛家实验小学", TERM), School("longhu", "龙虎塘实验小学", f"longhu-{TERM}")),
    campuses=(
        Campus("main", SCHOOL, "本部"),
        Campus("aoyuan", SCHOOL, "奥园校区"),
        Campus("longhu-main", "longhu", "本部"),
    ),
    staff=(
        _staff("zhou", "周主任", ["logistics_manager"], ["main"]),
        _staff("gu", "顾主任", ["logistics_manager"], ["main", "aoyuan"]),
        _staff("shen", "沈主任", ["logistics_manager"], ["aoyuan"]),
        _staff("xu-vp", "徐副校长", ["vice_principal"], ["main"]),
        _staff("wu-vp", "吴副校长", ["vice_principal"], ["aoyuan"]),
        _staff("team-a", "验收组 钱老师", ["acceptance_member"], ["main", "aoyuan"]),
        _staff("team-b", "验收组 孙老师", ["acceptance_member"], ["main", "aoyuan"]),
        _staff("wang-tech", "王师傅", ["technician"], ["main", "aoyuan"]),
        _staff("li-guard", "李师傅", ["guard"], ["main"]),
        _staff("chen-clean", "陈阿姨", ["cleaner"], ["aoyuan"]),
        _staff("doctor-he", "何医生", ["medical"], ["main", "aoyuan"]),
        _staff("huang", "黄金萍", ["teacher", "class_teacher"], ["main"]),
        _staff("sun", "孙老师", ["teacher"], ["main"]),
        _staff("zhu", "朱老师", ["teacher", "class_teacher"], ["aoyuan"]),
        *OFFICE_WORKERS,
    ),
    classes=(
        SchoolClass("g6-1", "main", "六1班", 6),
        SchoolClass("g6-2", "main", "六2班", 6),
        SchoolClass("g1-1", "aoyuan", "一1班", 1),
        SchoolClass("g2-1", "main", "二1班", 2),
        SchoolClass("g3-3", "main", "三3班", 3),
        SchoolClass("g4-2", "main", "四2班", 4),
        SchoolClass("g1-3", "aoyuan", "一3班", 1),
        SchoolClass("g2-4", "aoyuan", "二4班", 2),
        SchoolClass("g3-2", "aoyuan", "三2班", 3),
    ),
    teachers=(
        Teacher("g6-1", "huang", "语文", True),
        Teacher("g6-1", "sun", "数学", False),
        Teacher("g1-1", "zhu", "语文", True),
    ),
    students=(
        Student("yao", "姚同学", "g6-1", "transfer", TERM_STARTS),
        Student("lin", "林同学", "g6-1", "new", TERM_STARTS),
        Student("he", "何同学", "g6-2", "new", TERM_STARTS),
        Student("ma", "马同学", "g1-1", "new", TERM_STARTS),
        Student("qin", "秦同学", "g1-1", "new", TERM_STARTS),
        *_VISITING_STUDENTS,
    ),
    parents=(
        Parent("yao-mum", "姚妈妈", SCHOOL, "yao", "mother"),
        Parent("lin-dad", "林爸爸", SCHOOL, "lin", "father"),
        Parent("ma-dad", "马爸爸", SCHOOL, "ma", "father"),
        *_VISITING_PARENTS,
    ),
    set_up_at=SET_UP_AT,
)
