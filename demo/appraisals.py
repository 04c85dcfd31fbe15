"""The term's staff appraisal (后勤月考核) at 薛家实验小学, as data: what the demo loader writes.

The rule book (月考核细则) was studied at the term's first staff meeting (2020-08-31) and each
worker acknowledged it there. Each month the campus's directors open every worker's appraisal
at the base score, note what they saw on their daily patrols (and what an inspection, the
canteen's self-inspection or a complaint showed), tell each worker of every deduction before
the scores go to the staff group, and publish the month early in the next one:

- uneven portions (打菜不均匀) found by the canteen's serving audits at lunch in September and
  October, and the canteen workers' violations (员工操作不规范), each proposed by the canteen
  (``demo.canteen``) and confirmed by the director; one canteen worker's September deductions
  held to the category's cap;
- the serving-skill contest (打菜技能评比) of 2020-11-18 that followed, run by the canteen with
  three judges: its results arrive as a contest with awards, the winners' bonuses proposed for
  November and confirmed;
- one dispute (Aoyuan, October) decided by 顾主任, director of both campuses, who did not
  propose the item: reduced;
- one correction of a published month (main, November) with its reason;
- one deduction safety proposed: November's fire inspection on Aoyuan found the exit
  blocked and named the cleaner (``demo.loader.PROBLEMS``); her director confirmed it;
- the district's first prizes of the seed (the female teachers' rope-skipping and shuttlecock
  contest, the young teachers' ethics speech contest won by 黄金萍) and the city's
  garden-style unit (园林式单位) honour.

Times are the school's (UTC+08:00). The loader (``DemoLoader.load_hr_eval``) turns each row into
the commands of whoever would send it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from demo.school import SCHOOL, SEED

TZ = "+08:00"
BASE_SCORE = 100
MONTHS = ("2020-09", "2020-10", "2020-11", "2020-12")
MANAGER_OF = {"main": "zhou", "aoyuan": "shen"}  # opens, finalises and publishes the campus's months
BOTH_CAMPUSES = "gu"  # 顾主任: director of both campuses

RULE_BOOK: dict[str, Any] = {
    "school_id": SCHOOL,
    "title": "薛家实验小学后勤人员月考核细则（2020-2021学年第一学期）",
    "effective_on": "2020-09-01",
    "studied_on": "2020-08-31",
    "base_score": BASE_SCORE,
    "categories": [
        {"code": "DISC", "name": "劳动纪律", "deduction_cap": 10, "bonus_cap": 0},
        {"code": "DUTY", "name": "岗位职责", "deduction_cap": 15, "bonus_cap": 0},
        {"code": "SAFE", "name": "安全与卫生", "deduction_cap": 15, "bonus_cap": 0},
        {"code": "SERV", "name": "服务质量", "deduction_cap": 6, "bonus_cap": 0},
        {"code": "MERIT", "name": "加分项", "deduction_cap": 0, "bonus_cap": 10},
    ],
    "items": [
        {"code": "D-1", "text": "无故迟到、早退", "category": "DISC", "points": -2},
        {"code": "D-2", "text": "上班时间玩手机、擅自离岗", "category": "DISC", "points": -3},
        {"code": "R-1", "text": "责任区卫生不达标", "category": "DUTY", "points": -3},
        {"code": "R-2", "text": "外来人员、车辆未登记即放行", "category": "DUTY", "points": -3},
        {"code": "R-3", "text": "报修未在一个工作日内处理", "category": "DUTY", "points": -2},
        {"code": "S-1", "text": "食品加工生熟不分、操作不规范", "category": "SAFE", "points": -5},
        {"code": "S-2", "text": "消防通道、安全出口堆放杂物", "category": "SAFE", "points": -3},
        {"code": "S-3", "text": "未按规定穿戴工作衣帽、口罩", "category": "SAFE", "points": -2},
        {"code": "Q-1", "text": "打菜不均匀、份量不足", "category": "SERV", "points": -2},
        {"code": "Q-2", "text": "对师生态度生硬（经核实的投诉）", "category": "SERV", "points": -3},
        {"code": "B-1", "text": "技能比赛获一等奖", "category": "MERIT", "points": 5},
        {"code": "B-2", "text": "技能比赛获二、三等奖", "category": "MERIT", "points": 3},
        {"code": "B-3", "text": "主动发现隐患、及时报告或维修", "category": "MERIT", "points": 2},
        {"code": "B-4", "text": "拾金不昧、好人好事", "category": "MERIT", "points": 2},
    ],
    "at": f"2020-08-28T10:00:00{TZ}",  # drafted by 周主任 before the meeting that studied it
}
POINTS = {r["code"]: int(r["points"]) for r in RULE_BOOK["items"]}
CATEGORY = {r["code"]: str(r["category"]) for r in RULE_BOOK["items"]}
CAPS = {c["code"]: int(c["deduction_cap"]) for c in RULE_BOOK["categories"]}
RULE_BOOK_STUDIED_AT = f"2020-08-31T15:00:00{TZ}"  # the term's first staff meeting

WORKERS = tuple(
    s.staff_id
    for s in SEED.staff
    if s.school_id == SCHOOL and {"cleaner", "guard", "canteen_worker", "technician"} & set(s.roles)
)
"""Every logistics worker of the school, appraised on their home campus (:func:`home_campus`)."""


def home_campus(staff_id: str) -> str:
    """Where a worker is appraised: the first of their campuses (their home campus), so 王师傅,
    who works on both, is appraised on the main campus."""
    return SEED.member(staff_id).campus_ids[0]


@dataclass(frozen=True)
class Item:
    """One line of a month: who gained or lost points for what, seen by whom, where and how."""

    staff_id: str
    rule: str
    seen_at: str  # "YYYY-MM-DD HH:MM", the school's time
    by: str  # the appraiser who proposes it
    place: str
    note: str
    source: str = "patrol"
    source_ref: str = ""
    evidence: tuple[str, ...] = ()
    confirmed: str = ""  # "YYYY-MM-DD HH:MM": proposed by another service, confirmed by ``by`` then

    @property
    def when(self) -> datetime:
        return datetime.fromisoformat(f"{self.seen_at}:00{TZ}")

    @property
    def month(self) -> str:
        return self.seen_at[:7]

    @property
    def campus_id(self) -> str:
        return home_campus(self.staff_id)

    @property
    def appraisal_id(self) -> str:
        return f"{self.staff_id}-{self.month}"

    @property
    def item_id(self) -> str:
        return f"{self.rule.lower()}-{self.seen_at[5:7]}{self.seen_at[8:10]}"

    @property
    def points(self) -> int:
        return POINTS[self.rule]


# fmt: off
# Who lost (or gained) which points for what, month by month. 周主任 (zhou) patrols the main
# campus, 沈主任 (shen) Aoyuan; 顾主任 (gu) both.
ITEMS: tuple[Item, ...] = (
    # -- 2020-09 ---------------------------------------------------------------------------
    Item("li-guard", "R-2", "2020-09-08 07:35", "zhou", "本部 东门", "外来送货人员未登记即放行"),
    Item("lu-canteen", "S-3", "2020-09-10 10:30", "shen", "奥园校区 食堂操作间", "切配时未戴口罩",
         source="patrol", source_ref="lu-canteen-2020-09-10", confirmed="2020-09-10 14:00"),
    Item("ding-canteen", "Q-1", "2020-09-15 11:40", "zhou", "本部 食堂", "六年级餐盒打菜不均匀, 荤菜份量相差明显",
         source="canteen_audit", source_ref="main-2020-09-15-1", confirmed="2020-09-15 14:00"),
    Item("cao-canteen", "Q-1", "2020-09-16 11:40", "shen", "奥园校区 食堂", "一年级餐盒打菜不均匀",
         source="canteen_audit", source_ref="aoyuan-2020-09-16-1", confirmed="2020-09-16 14:00"),
    Item("liu-clean", "R-1", "2020-09-17 10:00", "zhou", "本部 教学楼二楼卫生间", "地面积水未及时清理"),
    Item("peng-guard", "D-1", "2020-09-21 07:20", "shen", "奥园校区 大门", "早班迟到二十分钟"),
    Item("ding-canteen", "Q-1", "2020-09-22 11:45", "gu", "本部 食堂", "打菜不均匀, 同班餐盒份量不一",
         source="canteen_audit", source_ref="main-2020-09-22-1", confirmed="2020-09-22 14:00"),
    Item("han-canteen", "Q-1", "2020-09-22 11:45", "gu", "本部 食堂", "打菜不均匀, 蔬菜份量不足",
         source="canteen_audit", source_ref="main-2020-09-22-3", confirmed="2020-09-22 14:00"),
    Item("ding-canteen", "Q-2", "2020-09-23 12:10", "zhou", "本部 食堂", "学生添饭时态度生硬",
         source="complaint", source_ref="家长陪餐心得 2020-09-23"),
    # -- 2020-10 ---------------------------------------------------------------------------
    Item("jiang-cook", "Q-1", "2020-10-13 11:40", "zhou", "本部 食堂", "打菜不均匀",
         source="canteen_audit", source_ref="main-2020-10-13-1", confirmed="2020-10-13 14:00"),
    Item("feng-canteen", "Q-1", "2020-10-13 11:40", "zhou", "本部 食堂", "打菜不均匀",
         source="canteen_audit", source_ref="main-2020-10-13-1", confirmed="2020-10-13 14:00"),
    Item("yuan-cook", "Q-1", "2020-10-14 11:40", "shen", "奥园校区 食堂", "打菜不均匀",
         source="canteen_audit", source_ref="aoyuan-2020-10-14-1", confirmed="2020-10-14 14:00"),
    Item("zhao-guard", "D-2", "2020-10-15 14:20", "zhou", "本部 门卫室", "值班时间玩手机"),
    Item("yang-clean", "S-2", "2020-10-20 09:30", "zhou", "本部 教学楼一楼消防通道", "消防通道堆放清洁工具"),
    Item("zou-guard", "R-2", "2020-10-20 16:10", "shen", "奥园校区 大门", "放学时段外来人员未登记进校"),
    Item("chen-clean", "R-1", "2020-10-22 09:00", "shen", "奥园校区 一楼走廊", "走廊地面未及时拖干"),
    Item("tang-tech", "R-3", "2020-10-26 10:00", "shen", "奥园校区 三楼教室", "教室多媒体报修两天未处理",
         source="complaint", source_ref="朱老师 报修 2020-10-22"),
    Item("wang-tech", "B-3", "2020-10-29 10:00", "gu", "本部 教学楼", "消防检查发现的消防栓门板当日修复",
         source="inspection", source_ref="fire-2020-10-main"),
    # -- 2020-11 ---------------------------------------------------------------------------
    Item("li-guard", "D-1", "2020-11-09 07:15", "zhou", "本部 东门", "早班迟到十五分钟"),
    Item("peng-guard", "R-2", "2020-11-12 13:30", "shen", "奥园校区 大门", "维修车辆未登记即放行"),
    Item("yang-clean", "R-1", "2020-11-17 10:20", "zhou", "本部 教学楼二楼卫生间", "卫生间地面积水未清理"),
    Item("xie-tech", "R-3", "2020-11-19 15:00", "zhou", "本部 教学楼二楼", "报修的洗手池水龙头两天未修",
         source="complaint", source_ref="孙老师 报修 2020-11-17"),
    Item("feng-canteen", "S-1", "2020-11-24 09:40", "zhou", "本部 食堂操作间", "生熟砧板混用 (食堂日管控自查)",
         source="canteen_audit", source_ref="feng-canteen-2020-11-24", confirmed="2020-11-24 14:00"),
    Item("lu-canteen", "Q-1", "2020-11-25 11:40", "shen", "奥园校区 食堂", "打菜份量不足",
         source="canteen_audit", source_ref="aoyuan-2020-11-25-1", confirmed="2020-11-25 14:00"),
    # the month's fire inspection found the exit blocked and named the cleaner (safety proposes it)
    Item("pan-clean", "S-2", "2020-11-28 14:30", "shen", "教学楼", "安全出口畅通: 一楼安全出口堆放清洁工具",
         source="inspection", source_ref="fire-2020-11-aoyuan", confirmed="2020-11-30 08:00"),
    # -- 2020-12 ---------------------------------------------------------------------------
    Item("li-guard", "B-3", "2020-12-03 19:30", "zhou", "本部 操场", "夜间巡逻发现水管漏水, 及时关阀并在群里报修"),
    Item("zhao-guard", "D-1", "2020-12-08 07:25", "zhou", "本部 东门", "早班迟到"),
    Item("cao-canteen", "S-3", "2020-12-09 10:40", "shen", "奥园校区 食堂操作间", "未戴工作帽",
         source="patrol", source_ref="cao-canteen-2020-12-09", confirmed="2020-12-09 14:00"),
    Item("chen-clean", "B-4", "2020-12-11 15:50", "shen", "奥园校区 操场", "拾到学生手表, 交还失主"),
    Item("liu-clean", "R-1", "2020-12-15 10:10", "gu", "本部 教学楼三楼走廊", "走廊垃圾桶未及时清理"),
    Item("pan-clean", "R-1", "2020-12-16 10:00", "shen", "奥园校区 教学楼二楼卫生间", "卫生间洗手台污渍未清理"),
    Item("tang-tech", "B-3", "2020-12-18 14:00", "shen", "奥园校区 三楼教室", "随叫随到, 当天修好教室多媒体"),
)
# fmt: on


@dataclass(frozen=True)
class Dispute:
    """A worker disputes a deduction; a director who did not propose it decides."""

    staff_id: str
    item_id: str
    month: str
    reason: str
    resolved_by: str
    outcome: str
    points: int
    decision: str


DISPUTES = (
    Dispute(
        "zou-guard",
        "r-2-1020",
        "2020-10",
        "来人是接孩子的家长, 已电话与班主任核实身份, 只是未写登记簿",
        BOTH_CAMPUSES,
        "reduced",
        -1,
        "身份已核实属实, 但登记手续仍须补全, 减为扣1分",
    ),
)


@dataclass(frozen=True)
class Correction:
    """A published month corrected, with its reason: the first total stays in the history."""

    correction_id: str
    staff_id: str
    item_id: str
    month: str
    rule: str
    points: int
    reason: str
    requested_by: str
    approved_by: str
    at: str


CORRECTIONS = (
    Correction(
        "yang-clean-2020-11-c1",
        "yang-clean",
        "r-1-1117",
        "2020-11",
        "R-1",
        0,
        "复核监控: 当日二楼卫生间水管爆裂致地面积水, 非保洁责任, 撤销扣分",
        "yang-clean",
        "zhou",
        f"2020-12-07T10:00:00{TZ}",
    ),
)


# -- the month's calendar ---------------------------------------------------------------------

# (opened, finalised, published): opened on the month's first school day, finalised and
# published to the staff group on the next month's first school day (October after National Day).
CALENDAR = {
    "2020-09": ("2020-09-01T08:00", "2020-10-09T09:00", "2020-10-09T15:00"),
    "2020-10": ("2020-10-09T08:00", "2020-11-02T09:00", "2020-11-02T15:00"),
    "2020-11": ("2020-11-02T08:00", "2020-12-01T09:00", "2020-12-01T15:00"),
    "2020-12": ("2020-12-01T08:00", "2021-01-04T09:00", "2021-01-04T15:00"),
}


def local(moment: str) -> datetime:
    """``YYYY-MM-DDTHH:MM`` (or a whole ISO time) in the school's time zone."""
    return datetime.fromisoformat(moment if "+" in moment else f"{moment}:00{TZ}")


def next_school_day(day: date) -> date:
    following = day + timedelta(days=1)
    while following.weekday() >= 5:
        following += timedelta(days=1)
    return following


def told_at(item: Item) -> datetime:
    """A deduction is told the same afternoon (in person), or the next school morning when
    seen after four; one another service proposed, half an hour after it is confirmed."""
    if item.confirmed:
        return local(item.confirmed.replace(" ", "T")) + timedelta(minutes=30)
    seen = item.when
    if seen.time() < time(16, 0):
        return seen.replace(hour=16, minute=30)
    return datetime.combine(next_school_day(seen.date()), time(8, 30), seen.tzinfo)


def answered_at(item: Item) -> datetime:
    """The worker acknowledges (or disputes) at noon of the next school day (one another service
    proposed, that morning)."""
    told = told_at(item)
    if item.confirmed:
        return told + timedelta(hours=2)
    return datetime.combine(next_school_day(told.date()), time(12, 10), told.tzinfo)


def resolved_at(item: Item) -> datetime:
    answered = answered_at(item)
    return datetime.combine(next_school_day(next_school_day(answered.date())), time(15, 0), answered.tzinfo)


# -- the serving-skill contest 打菜技能评比, the district's prizes, the city's honour --------------

SERVING_CONTEST = "serving-2020"
SERVING_JUDGES = ("zhou", "shen", "gu")
# each judge's scores (均匀度, 速度, 卫生规范: ``demo.canteen``) of each entrant in the one round
SERVING_SCORES: dict[str, tuple[tuple[int, int, int], ...]] = {
    "jiang-cook": ((48, 27, 19), (47, 28, 19), (49, 27, 18)),
    "cao-canteen": ((46, 27, 18), (47, 26, 18), (45, 27, 19)),
    "han-canteen": ((45, 26, 18), (44, 27, 18), (45, 26, 17)),
    "yuan-cook": ((44, 27, 17), (45, 25, 18), (44, 26, 18)),
    "ding-canteen": ((42, 25, 17), (43, 24, 17), (41, 25, 18)),
    "feng-canteen": ((41, 24, 16), (42, 23, 17), (40, 24, 17)),
    "lu-canteen": ((40, 24, 17), (41, 23, 16), (40, 23, 16)),
}
SERVING_PRIZES = (  # (entrant, prize, bonus rule)
    ("jiang-cook", "first", "B-1"),
    ("cao-canteen", "second", "B-2"),
    ("han-canteen", "third", "B-2"),
    ("yuan-cook", "third", "B-2"),
)
SERVING_HELD_ON, SERVING_AWARDED_ON = "2020-11-18", "2020-11-20"  # the canteen concludes it on the 20th
SERVING_BONUS_ITEM = "contest-serving-2020"  # the winner's bonus item in their November appraisal
PRIZE_NAMES = {"first": "一等奖", "second": "二等奖", "third": "三等奖"}


def serving_ranking() -> list[str]:
    """The entrants, best first: by the sum of the judges' totals."""
    return sorted(SERVING_SCORES, key=lambda who: -sum(sum(s) for s in SERVING_SCORES[who]))


# the district's first prizes the school's teachers won (the seed's 工会活动 results)
DISTRICT_AWARDS: tuple[dict[str, Any], ...] = (
    {
        "award_id": "xinbei-rope-shuttlecock-2020",
        "school_id": SCHOOL,
        "title": "新北区女教工跳绳踢毽比赛 团体一等奖",
        "prize": "first",
        "level": "district",
        "on": "2020-11-06",
        "recipient_name": "薛家实验小学女教工队",
        "staff_ids": ["huang", "zhu"],
    },
    {
        "award_id": "xinbei-ethics-speech-2020",
        "school_id": SCHOOL,
        "title": "新北区青年教师师德演讲比赛 一等奖",
        "prize": "first",
        "level": "district",
        "on": "2020-12-04",
        "recipient_name": "黄金萍",
        "staff_ids": ["huang"],
    },
)

GARDEN_HONOUR: dict[str, Any] = {
    "honour_id": "changzhou-garden-unit-2020",
    "school_id": SCHOOL,
    "title": "常州市园林式单位",
    "level": "city",
    "awarded_by": "常州市人民政府",
    "on": "2020-12-18",
}


# -- what the term adds up to (the demo's test reads it back) -----------------------------------


def expected_total(staff_id: str, month: str, *, corrected: bool = True) -> int:
    """The worker's total for the month: base, less deductions, plus bonuses, each category to
    its cap; a dispute's or (``corrected``) a correction's points replace the item's."""
    points: dict[str, tuple[str, int]] = {}
    for item in ITEMS:
        if item.staff_id == staff_id and item.month == month:
            points[item.item_id] = (CATEGORY[item.rule], item.points)
    for d in DISPUTES:
        if d.staff_id == staff_id and d.month == month:
            points[d.item_id] = (points[d.item_id][0], d.points)
    for who, _, rule in SERVING_PRIZES:
        if who == staff_id and month == SERVING_AWARDED_ON[:7]:
            points[SERVING_BONUS_ITEM] = (CATEGORY[rule], POINTS[rule])
    if corrected:
        for c in CORRECTIONS:
            if c.staff_id == staff_id and c.month == month:
                points[c.item_id] = (CATEGORY[c.rule], c.points)
    taken: dict[str, int] = {}
    given: dict[str, int] = {}
    for category, p in points.values():
        if p < 0:
            taken[category] = taken.get(category, 0) - p
        else:
            given[category] = given.get(category, 0) + p
    bonus_caps = {c["code"]: int(c["bonus_cap"]) for c in RULE_BOOK["categories"]}
    return (
        BASE_SCORE
        - sum(min(p, CAPS[c]) for c, p in taken.items())
        + sum(min(p, bonus_caps[c]) for c, p in given.items())
    )


# -- the commands, in the order they happened ----------------------------------------------------


@dataclass(frozen=True)
class Act:
    """One command of the staff appraisal service: when it happened, where it is posted, its body
    and who sends it."""

    at: datetime
    path: str
    body: dict[str, Any]
    as_: str
    awaits: bool = False  # what it acts on arrives through Kafka: not found yet means not yet
    proposal: dict[str, str] | None = (
        None  # the received proposal (campus, month, worker, source_ref or source) it confirms
    )


def acts() -> list[Act]:
    """Every command of the term's appraisal, sorted by when it happened (acts at the same moment
    keep the order they are listed in)."""
    out: list[Act] = [Act(local(RULE_BOOK["at"]), "/rule-books", RULE_BOOK, "zhou")]
    studied = local(RULE_BOOK_STUDIED_AT)
    for n, who in enumerate(WORKERS):
        moment = studied + timedelta(minutes=30 + n)
        out.append(
            Act(
                moment,
                "/rule-books/acknowledgements",
                {"school_id": SCHOOL, "version": 1, "at": moment.isoformat()},
                who,
            )
        )
    for month in MONTHS:
        out += _month(month)
    for item in ITEMS:
        out += _item(item)
    for d in DISPUTES:
        item = next(i for i in ITEMS if i.appraisal_id == f"{d.staff_id}-{d.month}" and i.item_id == d.item_id)
        moment = resolved_at(item)
        body = {
            "item_id": d.item_id,
            "outcome": d.outcome,
            "points": d.points,
            "reason": d.decision,
            "at": moment.isoformat(),
        }
        out.append(Act(moment, f"/appraisals/{item.appraisal_id}/disputes/resolution", body, d.resolved_by))
    for c in CORRECTIONS:
        body = {
            "correction_id": c.correction_id,
            "item_id": c.item_id,
            "rule_code": c.rule,
            "points": c.points,
            "reason": c.reason,
            "requested_by": c.requested_by,
            "at": local(c.at).isoformat(),
        }
        out.append(Act(local(c.at), f"/appraisals/{c.staff_id}-{c.month}/corrections", body, c.approved_by))
    out += _serving_contest()
    out += _district_prizes()
    out.append(Act(local(f"{GARDEN_HONOUR['on']}T17:00"), "/honours", GARDEN_HONOUR, BOTH_CAMPUSES))
    return sorted(out, key=lambda a: a.at)


def _month(month: str) -> list[Act]:
    opened, finalised, published = (local(m) for m in CALENDAR[month])
    out: list[Act] = []
    for campus, manager in MANAGER_OF.items():
        body = {"campus_id": campus, "month": month, "at": opened.isoformat()}
        out.append(Act(opened, "/appraisal-months", body, manager))
        for n, who in enumerate(w for w in WORKERS if home_campus(w) == campus):
            moment = finalised + timedelta(minutes=n)
            out.append(Act(moment, f"/appraisals/{who}-{month}/finalise", {"at": moment.isoformat()}, manager))
        body = {"campus_id": campus, "month": month, "at": published.isoformat()}
        out.append(Act(published, "/appraisal-months/publish", body, manager))
    return out


def _item(item: Item) -> list[Act]:
    path = f"/appraisals/{item.appraisal_id}"
    body = {
        "item_id": item.item_id,
        "rule_code": item.rule,
        "occurred_at": item.when.isoformat(),
        "place": item.place,
        "note": item.note,
        "evidence_refs": list(item.evidence),
        "source": item.source,
        "source_ref": item.source_ref,
        "at": item.when.isoformat(),
    }
    out = [Act(item.when, f"{path}/items", body, item.by)]
    if item.confirmed:  # the proposal another service raised becomes the item
        confirmed = local(item.confirmed.replace(" ", "T"))
        body = {"item_id": item.item_id, "at": confirmed.isoformat()}
        wanted = {
            "campus_id": item.campus_id,
            "month": item.month,
            "staff_id": item.staff_id,
            "source_ref": item.source_ref,
        }
        out = [Act(confirmed, "/proposals/{proposal_id}/confirm", body, item.by, proposal=wanted)]
    if item.points > 0:
        return out  # a bonus needs no telling
    told, answered = told_at(item), answered_at(item)
    channel = "in_person" if told.date() == item.when.date() else "phone"
    told_body = {"item_id": item.item_id, "channel": channel, "at": told.isoformat()}
    out.append(Act(told, f"{path}/communications", told_body, item.by))
    dispute = next(
        (d for d in DISPUTES if (d.staff_id, d.item_id, d.month) == (item.staff_id, item.item_id, item.month)), None
    )
    if dispute is None:
        out.append(
            Act(
                answered,
                f"{path}/acknowledgements",
                {"item_id": item.item_id, "at": answered.isoformat()},
                item.staff_id,
            )
        )
    else:
        body = {"item_id": item.item_id, "reason": dispute.reason, "at": answered.isoformat()}
        out.append(Act(answered, f"{path}/disputes", body, item.staff_id))
    return out


def _serving_contest() -> list[Act]:
    """The serving-skill contest is the canteen's (``demo.canteen``): its results arrive here as a
    contest with awards, each prize with a bonus rule proposing that bonus to the winner's month;
    their director confirms it."""
    awarded = local(f"{SERVING_AWARDED_ON}T15:00")
    out: list[Act] = []
    for n, (who, _, _) in enumerate(SERVING_PRIZES):
        confirmed = awarded + timedelta(hours=1, minutes=n)
        body = {"item_id": SERVING_BONUS_ITEM, "at": confirmed.isoformat()}
        wanted = {"campus_id": home_campus(who), "month": SERVING_AWARDED_ON[:7], "staff_id": who, "source": "contest"}
        out.append(
            Act(confirmed, "/proposals/{proposal_id}/confirm", body, MANAGER_OF[home_campus(who)], proposal=wanted)
        )
    return out


def _district_prizes() -> list[Act]:
    """The district's first prizes, given outside the school's own contests."""
    out: list[Act] = []
    for award in DISTRICT_AWARDS:
        out.append(Act(local(f"{award['on']}T17:00"), "/awards", award, BOTH_CAMPUSES))
    return out
