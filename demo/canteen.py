"""The term's canteen (食堂) at 薛家实验小学, as data: what the demo loader writes.

The seed's "sunshine canteen" (阳光食堂) for 2020-2021 第一学期 on both campuses:

- the new meal committee (新一届薛小膳食委员会) formed with its written duties — parents,
  teachers, leaders and the canteen's heads — and its first meeting, minutes and decisions;
- each week one parent of the campus comes in (18 weeks per campus, from the week after the
  committee's first meeting): weighs and inspects the morning's delivery with two staff, eats
  lunch with the pupils, rates the dishes and writes a reflection (心得体会), most posted to the
  parents' WeChat group (薛小家长微信群), two kept internal, a few suggestions answered;
- the leaders' accompanied lunches (陪餐), one a week on each campus;
- the daily records of three weeks of November (2020-11-02 to 2020-11-20) on each campus: the
  week's menu, the morning deliveries with their certificates and pesticide quick tests (one
  failed lot of spinach rejected on 2020-11-11), every dish of every lunch sampled and disposed
  of after its time, the workers' morning checks (冯阿姨 stood down with a fever on 2020-11-10
  and cleared on 2020-11-12), the fridges' temperatures (one out-of-limit reading on Aoyuan on
  2020-11-17, with its corrective action); the workers' health certificates (one renewed);
- the serving audits at lunch in September and October that found uneven portions (打菜不均匀),
  and the violations (员工操作不规范) of the months the staff appraisal has them, each proposing
  its deduction to the worker's monthly appraisal (``demo.appraisals`` confirms them);
- the serving-skill contest (打菜技能评比) of 2020-11-18 with three judges and the criteria
  均匀度, 速度, 卫生规范, its prizes carrying the rule book's bonus rules (B-1, B-2);
- the weekly sweeps and monthly reviews (and the daily controls of the November weeks), one
  sweep finding the roughing room's fly screen broken (粗加工间纱窗破损), a hazard for safety;
- the term's satisfaction survey of pupils and parents.

Every moment is the school's (UTC+08:00) on a school day. The loader (``DemoLoader.load_canteen``)
turns each row into the commands of whoever would send it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from demo.appraisals import PRIZE_NAMES, SERVING_CONTEST, SERVING_JUDGES, SERVING_PRIZES, SERVING_SCORES, Act
from demo.school import SCHOOL, SEED, TERM

TZ = "+08:00"
CHANNEL = "薛小家长微信群"
CAMPUSES = ("main", "aoyuan")
MANAGER = {"main": "zhou", "aoyuan": "shen"}  # the campus's logistics manager runs its canteen
LEADER = {"main": "xu-vp", "aoyuan": "wu-vp"}  # the campus's vice principal
HEAD_COOK = {"main": "jiang-cook", "aoyuan": "yuan-cook"}  # the head of the campus's kitchen
WORKERS = {
    "main": ("jiang-cook", "han-canteen", "ding-canteen", "feng-canteen"),
    "aoyuan": ("yuan-cook", "cao-canteen", "lu-canteen"),
}
DINERS = {"main": 1180, "aoyuan": 640}  # pupils and staff at lunch
PLACE = {"main": "本部 一楼学生餐厅", "aoyuan": "奥园校区 学生餐厅"}
# National Day and Mid-Autumn (10-01 to 10-08), New Year's Day; 2020-09-27 (a Sunday) was worked.
HOLIDAYS = frozenset({date(2020, 10, d) for d in range(1, 9)} | {date(2021, 1, 1)})
KITCHEN_WEEKS = (date(2020, 11, 2), date(2020, 11, 9), date(2020, 11, 16))
"""The weeks whose daily records (menu, deliveries, samples, morning checks, temperatures) are loaded."""


def at(moment: str) -> datetime:
    """``YYYY-MM-DD HH:MM`` at the school."""
    return datetime.fromisoformat(f"{moment.replace(' ', 'T')}:00{TZ}")


def on_day(day: date, clock: str) -> datetime:
    return at(f"{day.isoformat()} {clock}")


def school_day(day: date) -> bool:
    return day.weekday() < 5 and day not in HOLIDAYS


def school_days(monday: date) -> list[date]:
    return [d for d in (monday + timedelta(days=n) for n in range(5)) if school_day(d)]


def previous_school_day(day: date) -> date:
    before = day - timedelta(days=1)
    while not school_day(before):
        before -= timedelta(days=1)
    return before


def next_school_day(day: date) -> date:
    after = day + timedelta(days=1)
    while not school_day(after):
        after += timedelta(days=1)
    return after


def kitchen_days() -> list[date]:
    return [d for monday in KITCHEN_WEEKS for d in school_days(monday)]


def name_of(who: str) -> str:
    for s in SEED.staff:
        if s.staff_id == who:
            return s.name
    return next(p.name for p in SEED.parents if p.parent_id == who)


def campus_of_parent(parent_id: str) -> str:
    parent = next(p for p in SEED.parents if p.parent_id == parent_id)
    class_id = SEED.class_of(parent.student_id)
    return next(c.campus_id for c in SEED.classes if c.class_id == class_id)


# -- the meal committee 膳食委员会 ------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    member_id: str
    name: str
    kind: str  # parent, teacher, leader, canteen
    duty: str
    staff_id: str | None = None
    parent_id: str | None = None


@dataclass(frozen=True)
class Committee:
    committee_id: str
    name: str
    duties: tuple[str, ...]
    members: tuple[Member, ...]
    formed: datetime
    formed_by: str


@dataclass(frozen=True)
class Meeting:
    meeting_id: str
    held: datetime
    attendees: tuple[str, ...]  # member ids
    minutes: str
    decisions: tuple[str, ...]
    recorded_by: str


def _staff_member(staff_id: str, kind: str, duty: str) -> Member:
    return Member(staff_id, name_of(staff_id), kind, duty, staff_id=staff_id)


def _parent_member(parent_id: str, duty: str) -> Member:
    return Member(parent_id, name_of(parent_id), "parent", duty, parent_id=parent_id)


COMMITTEE = Committee(
    committee_id=f"{SCHOOL}-{TERM}",  # the canteen names a school's committee of a term so
    name="新一届薛小膳食委员会",
    duties=(
        "审议学校食堂每周菜谱, 听取师生和家长对伙食的意见和建议",
        "监督食材采购、进货查验、留样和加工制作过程, 参与早晨称菜、验菜",
        "每周安排一名家长进校园, 参与称菜验菜和午间陪餐, 撰写心得体会",
        "督促落实校领导陪餐制度, 每学期组织一次师生和家长满意度调查",
        "对食堂存在的问题提出整改意见, 跟踪整改落实情况",
        "每学期至少召开两次会议, 形成会议纪要并向家长公开",
    ),
    members=(
        _staff_member("xu-vp", "leader", "主任委员: 主持委员会工作, 召集会议, 督促整改"),
        _staff_member("gu", "leader", "副主任委员: 统筹两校区食堂管理, 组织技能培训与评比"),
        _staff_member("zhou", "leader", "委员: 本部食堂日常管理, 安排家长进校园, 审核心得推送"),
        _staff_member("shen", "leader", "委员: 奥园校区食堂日常管理, 安排家长进校园, 审核心得推送"),
        _staff_member("huang", "teacher", "委员: 收集本部学生对饭菜的意见, 反馈班级用餐情况"),
        _staff_member("zhu", "teacher", "委员: 收集奥园校区学生对饭菜的意见, 反馈班级用餐情况"),
        _staff_member("jiang-cook", "canteen", "委员: 本部食堂负责人, 落实菜谱、进货查验和留样"),
        _staff_member("yuan-cook", "canteen", "委员: 奥园校区食堂负责人, 落实菜谱、进货查验和留样"),
        _parent_member("yao-mum", "家长委员: 本部家长代表, 关注特殊体质学生的饮食安全"),
        _parent_member("zhang-mum", "家长委员: 本部家长代表, 参与菜谱审议和满意度调查"),
        _parent_member("ma-dad", "家长委员: 奥园校区家长代表, 参与菜谱审议和家长进校园安排"),
    ),
    formed=at("2020-09-04 15:00"),
    formed_by="gu",
)

FIRST_MEETING = Meeting(
    meeting_id="meeting-2020-09-09",
    held=at("2020-09-09 15:30"),
    attendees=tuple(m.member_id for m in COMMITTEE.members),
    minutes=(
        "2020年9月9日下午, 新一届薛小膳食委员会在本部会议室召开第一次会议, 徐副校长主持, 全体委员出席。"
        "会议宣读了膳食委员会管理职责, 顾主任通报了两校区食堂人员、设施和食材配送情况, "
        "周主任、沈主任介绍了进货查验、留样、晨检和索证索票制度。家长委员就菜品搭配、"
        "份量和过敏学生的饮食提出意见。会议讨论了家长进校园的安排: 自第三周起每周每个校区邀请一名家长, "
        "早晨参与称菜、验菜, 中午陪餐, 撰写心得体会, 经审核后在薛小家长微信群推送。"
    ),
    decisions=(
        "自9月14日所在周起, 每周每个校区邀请一名家长进校园, 参与称菜、验菜和午间陪餐",
        "家长心得体会经后勤处审核、本人同意后在薛小家长微信群推送",
        "每周五公布下周菜谱, 家长委员可提出修改意见",
        "校领导每周在各校区陪餐不少于一次并做好记录",
        "对花生等过敏学生建立清单, 食堂单独备餐",
        "期中组织员工打菜技能培训, 期末开展师生和家长满意度调查",
    ),
    recorded_by="zhou",
)


# -- lunch: the dishes of a day ----------------------------------------------------------------

MEATS = (
    "红烧鸡腿",
    "糖醋里脊",
    "红烧狮子头",
    "咖喱牛肉",
    "土豆烧鸡块",
    "可乐鸡翅",
    "番茄牛腩",
    "红烧带鱼",
    "香酥鸡排",
    "梅干菜烧肉",
)
HALF = (
    "肉末茄子",
    "青椒肉丝",
    "木耳炒蛋",
    "番茄炒蛋",
    "西兰花炒虾仁",
    "芹菜香干肉丝",
    "洋葱炒蛋",
    "莴笋炒肉片",
    "胡萝卜炒肉丝",
    "韭黄炒蛋",
)
GREENS = (
    "清炒青菜",
    "蒜蓉菠菜",
    "手撕包菜",
    "清炒西葫芦",
    "红烧冬瓜",
    "清炒豆芽",
    "炒茼蒿",
    "清炒莴笋丝",
    "蚝油生菜",
    "炒大白菜",
)
SOUPS = ("紫菜蛋汤", "番茄蛋汤", "冬瓜海带汤", "青菜豆腐汤", "玉米排骨汤", "萝卜丝汤", "丝瓜蛋汤", "白菜粉丝汤")
STAPLE = "米饭"


def lunch(campus_id: str, day: date) -> tuple[str, ...]:
    """The dishes of a campus's lunch on a day: a meat dish, a half-meat dish, greens, a soup and
    rice (a parent's visit day has the dishes the parent wrote about)."""
    for visit in VISITS:
        if (visit.campus_id, visit.day) == (campus_id, day):
            return (*visit.dishes, STAPLE)
    n = day.toordinal() + (3 if campus_id == "aoyuan" else 0)
    return (
        MEATS[n % len(MEATS)],
        HALF[(n * 3) % len(HALF)],
        GREENS[(n * 7) % len(GREENS)],
        SOUPS[n % len(SOUPS)],
        STAPLE,
    )


# -- parent visits 家长进校园 ------------------------------------------------------------------


@dataclass(frozen=True)
class Rating:
    dish: str
    look: int
    taste: int
    quantity: int


@dataclass(frozen=True)
class Visit:
    """One parent's day at the canteen: weighed and inspected the morning's delivery with two
    staff, ate lunch with the pupils, rated the dishes and wrote a reflection."""

    campus_id: str
    day: date
    parent_id: str
    with_staff: tuple[str, str]
    weighing: str  # what the weighing and inspection found
    ratings: tuple[Rating, ...]  # the lunch's four dishes
    issues: tuple[str, ...]
    title: str
    reflection: str
    suggestions: tuple[str, ...] = ()
    answers: tuple[tuple[int, str], ...] = ()  # (suggestion's position, the school's answer)
    consent: bool = True
    kept_internal: str = ""  # the reason, when it is not published

    @property
    def visit_id(self) -> str:
        return f"{self.campus_id}-{self.day.isoformat()}"

    @property
    def week_of(self) -> date:
        return self.day - timedelta(days=self.day.weekday())

    @property
    def dishes(self) -> tuple[str, ...]:
        return tuple(r.dish for r in self.ratings)

    @property
    def scheduled(self) -> datetime:
        """The Friday before (the previous school day before the week), after school."""
        return on_day(previous_school_day(self.week_of), "16:00")

    @property
    def inspected(self) -> datetime:
        return on_day(self.day, "07:40")

    @property
    def lunched(self) -> datetime:
        return on_day(self.day, "12:30")

    @property
    def submitted(self) -> datetime:
        return on_day(self.day, "20:30")

    @property
    def reviewed(self) -> datetime:
        return on_day(next_school_day(self.day), "10:00")

    @property
    def published(self) -> bool:
        return self.consent and not self.kept_internal

    def answered(self, n: int) -> datetime:
        return on_day(next_school_day(self.day), "16:00") + timedelta(minutes=n)


def _r(dish: str, look: int = 5, taste: int = 5, quantity: int = 5) -> Rating:
    return Rating(dish, look, taste, quantity)


def _d(day: str) -> date:
    return date.fromisoformat(day)


M2, A2 = ("zhou", "jiang-cook"), ("shen", "yuan-cook")
M2H = ("zhou", "han-canteen")


VISITS: tuple[Visit, ...] = (
    # -- 本部 main ---------------------------------------------------------------------------
    Visit(
        "main",
        _d("2020-09-16"),
        "yao-mum",
        M2,
        "青菜、猪肉、鸡腿逐项过秤, 与送货单核对无误; 猪肉检疫合格证明齐全",
        (_r("红烧鸡腿"), _r("番茄炒蛋", 5, 5, 4), _r("清炒青菜", 4, 4, 5), _r("紫菜蛋汤", 4, 4, 5)),
        (),
        "走进食堂, 心里踏实了",
        "早上七点不到, 我和周主任、蒋师傅一起在后门等送菜车。每一样菜都要过秤, 和送货单一项一项对, "
        "猪肉还要看检疫合格证明, 青菜当场做农残快检。以前只听孩子说食堂饭菜好吃, 今天亲眼看到这么细的流程, "
        "心里一下子踏实了。中午和孩子们一起吃饭, 红烧鸡腿软烂入味, 番茄炒蛋酸甜适口。我家孩子花生过敏, "
        "食堂专门为过敏的孩子做了标记、单独打菜, 作为妈妈特别感动。",
        ("建议在菜谱上标注含过敏原的菜品",),
        ((0, "已采纳: 自下周起每周菜谱对含花生、虾等常见过敏原的菜品加注标记"),),
    ),
    Visit(
        "main",
        _d("2020-09-23"),
        "wang-dad",
        M2,
        "冬瓜、鸡蛋、肉末过秤无误, 鸡蛋抽查无破损",
        (_r("红烧肉圆", 4, 5, 4), _r("肉末茄子", 4, 5, 4), _r("红烧冬瓜", 4, 4, 5), _r("番茄蛋汤", 5, 4, 5)),
        ("个别学生添饭时打菜阿姨语气生硬",),
        "陪餐有感",
        "今天参与了称菜验菜和中午陪餐。食材新鲜, 称重严格, 这点很放心。饭菜整体不错, 肉末茄子孩子们都爱吃。"
        "但吃饭时看到有学生去添饭, 打菜的阿姨说话有些冲, 孩子有点不敢再去。希望食堂在服务态度上再注意一点, "
        "孩子们毕竟还小。",
        ("希望加强打菜员工的服务态度培训",),
        ((0, "感谢王爸爸的反馈, 已对相关员工进行提醒教育并纳入月考核, 本周例会开展文明服务培训"),),
        kept_internal="涉及具体员工, 已内部核实处理, 不在家长群推送",
    ),
    Visit(
        "main",
        _d("2020-09-29"),
        "zhang-mum",
        M2H,
        "节前最后一批蔬菜数量按用餐人数核减, 检查冷库无积压食材",
        (_r("可乐鸡翅"), _r("青椒肉丝", 5, 4, 5), _r("手撕包菜", 4, 4, 4), _r("冬瓜海带汤", 4, 4, 5)),
        (),
        '节前的一次"突击检查"',
        "国庆长假前一天来到食堂, 正好看到周主任带着员工清点冷库, 节前采购按用餐人数核减, 不留一点过期隐患。"
        "称菜时韩阿姨教我看青菜的叶子和根部判断新鲜程度, 学到了。中午的可乐鸡翅一上桌就被孩子们抢光, "
        '我们班的孩子说这是"每周最期待的一天"。作为膳食委员会的家长委员, 我会把看到的告诉更多家长。',
    ),
    Visit(
        "main",
        _d("2020-10-15"),
        "chen-mum",
        M2,
        "鲈鱼、鸡蛋、西兰花过秤, 鱼类冷链温度3.5℃",
        (_r("咖喱牛肉", 5, 5, 4), _r("西兰花炒虾仁", 5, 5, 4), _r("蒜蓉菠菜", 4, 4, 5), _r("萝卜丝汤", 4, 3, 5)),
        ("萝卜丝汤略淡",),
        "看得见的安全, 吃得出的用心",
        "早晨和周主任、蒋师傅一起验菜, 连冷藏车运来的虾仁都要用温度计测一测, 3.5度, 合格才能入库。"
        "我问为什么每道菜都要留一份放冰箱, 蒋师傅说这是留样, 每样不少于125克, 要放满48小时。"
        "中午的咖喱牛肉很下饭, 西兰花炒虾仁颜色漂亮。孩子们吃得很安静, 老师在旁边提醒光盘。",
        ("汤可以稍微调一下咸淡",),
        ((0, "已转告厨师, 汤品按学生口味适当调整, 仍坚持少盐少油"),),
    ),
    Visit(
        "main",
        _d("2020-10-21"),
        "lin-dad",
        M2,
        "大米、食用油索证索票齐全, 抽查大米生产日期在保质期内",
        (_r("土豆烧鸡块", 5, 5, 5), _r("芹菜香干肉丝", 4, 4, 4), _r("清炒西葫芦", 4, 4, 4), _r("青菜豆腐汤", 5, 4, 5)),
        (),
        "一个爸爸的食堂半日",
        "平时接送孩子都是匆匆忙忙, 今天第一次走进后厨。蔬菜进门先过秤、再快检, 肉要有检疫证明, 米和油要有票据, "
        "每一张都夹在台账里。员工进操作间前量体温、看手、检查衣帽, 一个都不落下。中午陪儿子吃饭, 土豆烧鸡块是他的最爱, "
        '他说"爸爸你看, 我都吃光了"。感谢食堂的师傅们。',
    ),
    Visit(
        "main",
        _d("2020-10-28"),
        "liu-mum",
        M2,
        "鸡排、茄子、豆芽过秤, 豆芽抽样快检合格",
        (_r("香酥鸡排"), _r("肉末茄子", 4, 5, 4), _r("清炒豆芽", 4, 4, 5), _r("玉米排骨汤", 5, 5, 4)),
        (),
        '从"听说"到"看见"',
        '以前女儿回家总说食堂的菜"还行", 我一直半信半疑。今天跟着周主任和蒋师傅从称菜开始看, '
        "快检试纸、温度计、留样冰箱, 每一步都有记录。中午和六年级的孩子们一起吃饭, 香酥鸡排外酥里嫩, "
        "玉米排骨汤很鲜。吃完饭孩子们自己把餐盒分类放好, 这个习惯真好。我会在家长群里告诉大家: 我看见了。",
    ),
    Visit(
        "main",
        _d("2020-11-04"),
        "zhao-dad",
        M2,
        "青菜、猪肉、鸡蛋三项过秤与送货单一致, 猪肉中心温度2.8℃",
        (_r("红烧狮子头"), _r("洋葱炒蛋", 4, 4, 4), _r("清炒青菜", 4, 5, 5), _r("紫菜蛋汤", 4, 4, 5)),
        (),
        "狮子头的秘密",
        "早上七点, 蒋师傅已经带着员工在后门验货。我学着用快检卡测青菜, 几分钟就出结果, 合格。"
        "中午的红烧狮子头是蒋师傅的拿手菜, 肉是当天早上验过的, 葱姜剁得细, 孩子们吃得满嘴油光。"
        "最让我意外的是每道菜出锅后都先取一份留样, 贴上标签写清楚时间和留样人。这样的食堂, 我放心。",
    ),
    Visit(
        "main",
        _d("2020-11-11"),
        "sun-mum",
        M2,
        "菠菜农残快检抑制率62%, 不合格, 当场整批拒收, 改用库存大白菜; 其余食材过秤合格",
        (_r("梅干菜烧肉", 5, 5, 4), _r("韭黄炒蛋", 4, 4, 4), _r("炒大白菜", 4, 4, 5), _r("冬瓜海带汤", 4, 4, 5)),
        (),
        "一筐没进门的菠菜",
        "今天陪菜的时候遇到了一件事: 送来的菠菜做农残快检, 试纸颜色不对, 抑制率超过了50%。周主任当场决定整批拒收, "
        '让供货商拉走, 中午的蔬菜改成了库存的大白菜。送货的人有些不高兴, 但主任说"孩子吃的东西, 一点都不能含糊"。'
        "这一幕让我特别感动。中午的梅干菜烧肉香而不腻, 孩子们都说好吃。把关严, 家长才能放心。",
        ("拒收的供货商是否要考核或更换?",),
        ((0, "已约谈该供货商并记入供货考核, 连续两次不合格即暂停供货; 菠菜改由另一家基地配送"),),
    ),
    Visit(
        "main",
        _d("2020-11-18"),
        "zhou-dad",
        M2H,
        "鸡腿、番茄、包菜过秤, 鸡腿检疫证明齐全; 下午恰逢打菜技能评比",
        (_r("红烧鸡腿"), _r("番茄炒蛋", 5, 5, 5), _r("手撕包菜", 4, 4, 4), _r("丝瓜蛋汤", 4, 4, 5)),
        (),
        "同一勺, 同一份",
        "今天中午陪餐, 发现每个孩子餐盒里的鸡腿大小差不多, 番茄炒蛋的份量也很均匀。韩阿姨告诉我, "
        "下午学校要举行打菜技能评比, 大家练了两个星期, 一勺下去的份量心里都有数。开学时听说有的班级打菜不均匀, "
        "现在看到的完全不一样了。学校能发现问题、用比赛解决问题, 这种做法值得点赞。",
    ),
    Visit(
        "main",
        _d("2020-11-25"),
        "wu-mum",
        M2,
        "带鱼冷链温度-12℃以下, 包装标签、生产日期齐全",
        (_r("红烧带鱼", 4, 5, 4), _r("胡萝卜炒肉丝", 4, 4, 4), _r("蒜蓉菠菜", 4, 4, 5), _r("萝卜丝汤", 4, 4, 5)),
        ("带鱼有小刺, 低年级孩子吃起来有些困难",),
        "小小的刺, 大大的心",
        "早上和周主任、蒋师傅一起验带鱼, 冻品温度、标签、日期一样不落。中午的红烧带鱼味道很好, "
        "但我注意到低年级的孩子吃鱼有点慢, 怕刺。六年级的女儿吃得很熟练。食堂员工在餐厅里来回巡视, "
        "看到有孩子挑刺还过去帮忙, 很暖心。",
        ("低年级可以换成刺少的鱼或鱼排",),
        ((0, "采纳: 一、二年级的鱼类菜品改用龙利鱼柳等无刺鱼排"),),
    ),
    Visit(
        "main",
        _d("2020-12-03"),
        "xu-dad",
        M2H,
        "大白菜、牛肉、鸡蛋过秤, 牛肉检疫证明齐全; 检查留样冰箱温度2℃",
        (_r("番茄牛腩", 5, 5, 4), _r("木耳炒蛋", 4, 4, 4), _r("炒大白菜", 4, 4, 5), _r("白菜粉丝汤", 4, 4, 5)),
        (),
        "冬天里的一碗热汤",
        "天冷了, 早上七点的后门风很大, 韩阿姨和周主任已经在一样一样称菜了。我特别看了留样冰箱, "
        "两天的菜整整齐齐摆着, 每盒都有标签。中午的番茄牛腩热乎乎的, 孩子们吃完还喝了一碗热汤。"
        "食堂给每个班的饭菜都用保温箱送, 端到孩子面前还是烫的, 细节做得很到位。",
    ),
    Visit(
        "main",
        _d("2020-12-09"),
        "hu-mum",
        M2,
        "猪肉、茄子、生菜过秤, 发现一箱生菜少了0.4公斤, 按实际重量记账",
        (_r("糖醋里脊", 5, 5, 4), _r("肉末茄子", 4, 4, 4), _r("蚝油生菜", 4, 4, 4), _r("番茄蛋汤", 4, 4, 5)),
        (),
        "少了四两生菜",
        "今天称菜时发现一箱生菜比送货单少了0.4公斤, 周主任让蒋师傅按实际重量记在验收单上, 并告诉供货商下次注意。"
        '别看只有几两, 较真的态度让人佩服。中午的糖醋里脊酸甜可口, 孩子说比我做的好吃, 我这个当妈的有点"吃醋"。',
    ),
    Visit(
        "main",
        _d("2020-12-16"),
        "gao-dad",
        M2,
        "鸡翅、莴笋、鸡蛋过秤合格, 鸡翅中心温度3℃",
        (_r("可乐鸡翅"), _r("莴笋炒肉片", 4, 4, 4), _r("清炒莴笋丝", 4, 3, 4), _r("紫菜蛋汤", 4, 4, 5)),
        ("两道菜都有莴笋, 搭配重复",),
        "给菜谱提个小建议",
        "早晨和周主任、蒋师傅验货, 流程规范, 记录清楚。中午的可乐鸡翅依然是孩子们的最爱。只是今天半荤和素菜都用了莴笋, "
        "搭配上有点重复。孩子们正在长身体, 希望菜品能更丰富一些。整体来说, 饭菜干净卫生, 份量足, 孩子吃得饱。",
        ("同一餐避免重复用同一种蔬菜",),
        ((0, "已调整菜谱编排规则, 同一餐同一种蔬菜不重复出现"),),
    ),
    Visit(
        "main",
        _d("2020-12-23"),
        "luo-mum",
        M2,
        "冬至后第一批饺子馅料原料过秤, 面粉索票齐全",
        (_r("香酥鸡排"), _r("青椒肉丝", 4, 4, 4), _r("炒茼蒿", 4, 4, 4), _r("玉米排骨汤", 5, 5, 5)),
        (),
        "冬至里的温暖",
        "冬至刚过, 食堂特意为孩子们准备了热乎乎的玉米排骨汤。早上我和周主任、蒋师傅核对了每一样菜, "
        '连面粉都要看票据和保质期。陪餐时, 六2班的孩子们主动和我打招呼, 有个孩子说: "阿姨, '
        '我们食堂的汤是全世界最好喝的。"'
        "童言无忌, 却是对食堂最好的肯定。",
    ),
    Visit(
        "main",
        _d("2020-12-30"),
        "zheng-mum",
        M2H,
        "元旦前食材按两天用量采购, 冷库清点无过期食品",
        (_r("红烧狮子头"), _r("番茄炒蛋"), _r("清炒青菜", 4, 4, 5), _r("番茄蛋汤", 4, 4, 5)),
        (),
        "2020年最后一次陪餐",
        '今天是2020年最后一次家长进食堂, 有幸轮到我。韩阿姨带我看了冷库, 节前食材按用量采购, 过期食品"零库存"。'
        "中午的红烧狮子头和番茄炒蛋很受欢迎。一学期下来, 听说每周都有家长来, 每篇心得都发在群里, "
        "这种公开透明的做法, 让我们家长对学校更加信任。新年快乐, 食堂的师傅们辛苦了!",
    ),
    Visit(
        "main",
        _d("2021-01-07"),
        "xie-dad",
        M2,
        "寒潮天气, 蔬菜到货检查有无冻伤, 青菜快检合格",
        (_r("咖喱牛肉", 5, 5, 4), _r("胡萝卜炒肉丝", 4, 4, 4), _r("手撕包菜", 4, 4, 4), _r("冬瓜海带汤", 4, 4, 5)),
        (),
        "寒潮里的早晨",
        "今天零下好几度, 早上六点五十到学校, 蒋师傅他们已经在验菜了。蔬菜要一筐一筐翻看有没有冻伤, 不合格的当场退回。"
        "中午的咖喱牛肉热气腾腾, 孩子们吃得额头冒汗。天越冷, 越能体会到师傅们的辛苦。",
    ),
    Visit(
        "main",
        _d("2021-01-13"),
        "song-mum",
        M2,
        "鸡腿、鸡蛋、豆芽过秤, 豆芽快检合格",
        (_r("红烧鸡腿"), _r("洋葱炒蛋", 4, 4, 4), _r("清炒豆芽", 4, 4, 4), _r("青菜豆腐汤", 4, 4, 5)),
        ("希望期末考试期间多一些孩子爱吃的菜",),
        "期末前的一顿好饭",
        '临近期末, 孩子们学习紧张。今天来食堂, 看到菜谱特意安排了红烧鸡腿这样的"硬菜"。'
        "称菜、验菜和以前家长们在群里写的一样规范。"
        "陪餐时三年级的孩子们吃得很香, 没有浪费。",
        ("期末考试周多安排孩子们爱吃的菜",),
        ((0, "期末考试周菜谱已请膳食委员会家长委员参与拟定, 增加鸡腿、狮子头等学生喜爱菜品"),),
    ),
    Visit(
        "main",
        _d("2021-01-20"),
        "tang-grandma",
        M2,
        "猪肉、青菜、鸡蛋过秤合格, 肉类检疫证明齐全",
        (_r("梅干菜烧肉"), _r("番茄炒蛋"), _r("清炒青菜", 4, 4, 5), _r("紫菜蛋汤", 4, 4, 5)),
        (),
        "奶奶眼里的学校食堂",
        "我是唐同学的奶奶, 孙子的饭一直是我操心的事。今天走进学校食堂, 看到称菜要过秤, 青菜要化验, 员工进门要量体温, "
        "比我们那时候讲究多了。中午和孩子们一起吃饭, 梅干菜烧肉烧得烂, 我这个老太太也能嚼得动。回家我跟孙子说: "
        '"在学校要好好吃饭, 师傅们用心呢。"',
    ),
    # -- 奥园校区 aoyuan ---------------------------------------------------------------------
    Visit(
        "aoyuan",
        _d("2020-09-17"),
        "ma-dad",
        A2,
        "青菜、猪肉、鸡蛋逐项过秤, 猪肉检疫合格证明齐全, 青菜快检合格",
        (_r("土豆烧鸡块"), _r("青椒肉丝", 4, 4, 4), _r("清炒青菜", 4, 4, 5), _r("紫菜蛋汤", 4, 4, 5)),
        (),
        '奥园校区第一位"家长监督员"',
        "作为膳食委员会的家长委员, 我成了奥园校区第一个进食堂的家长。早上和沈主任、袁师傅一起称菜, "
        "每样菜过秤后在验收单上签字, "
        "我也签了名, 感觉责任重大。一年级的孩子们刚开始在学校吃午饭, 有的还不太会用勺子, 老师和食堂阿姨耐心地帮忙。"
        "土豆烧鸡块软糯, 很适合小朋友。",
    ),
    Visit(
        "aoyuan",
        _d("2020-09-24"),
        "qin-mum",
        A2,
        "冬瓜、鸡蛋、肉末过秤, 鸡蛋抽查无破损; 查看员工健康证在有效期内",
        (_r("红烧狮子头"), _r("木耳炒蛋", 4, 4, 4), _r("红烧冬瓜", 4, 4, 5), _r("番茄蛋汤", 5, 4, 5)),
        (),
        "一年级妈妈的安心午餐",
        "女儿刚上一年级, 最担心的就是她在学校吃不好。今天跟着沈主任和袁师傅从早上验菜开始, "
        "看到了员工的健康证、晨检记录和留样冰箱, 心里的石头落了地。中午女儿看到我来陪餐特别开心, "
        "把狮子头吃得干干净净。",
    ),
    Visit(
        "aoyuan",
        _d("2020-09-30"),
        "he-mum",
        A2,
        "节前食材按用量采购, 冷柜清点, 无临期食材",
        (_r("可乐鸡翅"), _r("番茄炒蛋", 5, 5, 5), _r("手撕包菜", 4, 4, 4), _r("冬瓜海带汤", 4, 4, 5)),
        (),
        "长假前的最后一餐",
        "国庆中秋长假前一天, 食堂依然一丝不苟: 节前采购按用量核减, 冰柜里一样临期食品都没有。"
        "中午的可乐鸡翅让小朋友们欢呼起来, 一年级的小朋友吃完还把餐盒里的骨头收拾干净。"
        "袁师傅说放假前最后一顿要让孩子们吃得开心。祝师傅们节日快乐!",
    ),
    Visit(
        "aoyuan",
        _d("2020-10-13"),
        "jin-dad",
        A2,
        "鲈鱼冷链温度4℃, 芹菜过秤, 芹菜快检合格",
        (_r("咖喱牛肉", 5, 4, 4), _r("芹菜香干肉丝", 4, 3, 4), _r("蒜蓉菠菜", 4, 4, 4), _r("萝卜丝汤", 4, 4, 5)),
        ("芹菜香干低年级孩子不太爱吃, 剩得较多",),
        "看见剩菜, 想到菜谱",
        "早上验菜很规范, 冷链食品都测了温度。中午陪餐时我留意了一下剩菜, 芹菜香干肉丝剩得比较多, "
        '二年级的孩子们说"芹菜有味道"。建议菜谱编排时多考虑低年级孩子的口味, 既有营养又好入口。',
        ("低年级菜谱多考虑孩子口味",),
        ((0, "已请家长委员和班主任收集低年级学生喜爱菜品, 在下月菜谱中调整"),),
    ),
    Visit(
        "aoyuan",
        _d("2020-10-22"),
        "shi-mum",
        A2,
        "鸡排、茄子、包菜过秤合格, 查看晨检记录: 三名员工全部合格上岗",
        (_r("香酥鸡排"), _r("肉末茄子", 4, 4, 4), _r("手撕包菜", 4, 4, 4), _r("玉米排骨汤", 5, 5, 4)),
        (),
        '后厨里的"晨检"',
        "今天第一次知道食堂员工每天上岗前都要晨检: 量体温、看手上有没有伤口、问有没有拉肚子咳嗽, 衣帽口罩都要检查。"
        "沈主任说有一项不合格就不能进操作间。这么严格, 孩子们吃的饭菜怎么会不放心? 中午的香酥鸡排孩子们都说好吃。",
    ),
    Visit(
        "aoyuan",
        _d("2020-10-29"),
        "du-dad",
        A2,
        "猪肉、青椒、鸡蛋过秤与送货单一致",
        (_r("梅干菜烧肉", 4, 5, 4), _r("青椒肉丝", 4, 4, 4), _r("炒大白菜", 4, 4, 4), _r("丝瓜蛋汤", 4, 4, 5)),
        (),
        "把关的人",
        "作为一名在食品厂工作的爸爸, 我对进货查验格外留意。今天看到的流程: 索证、过秤、快检、留样, 环环相扣, "
        '和我们厂里的要求几乎一样。袁师傅说这叫"两人验收", 一个人称, 一个人核, 谁都不能一个人说了算。专业!',
    ),
    Visit(
        "aoyuan",
        _d("2020-11-05"),
        "yan-mum",
        A2,
        "青菜、鸡腿、鸡蛋过秤, 青菜快检合格, 鸡腿中心温度3℃",
        (_r("红烧鸡腿"), _r("番茄炒蛋", 5, 5, 4), _r("清炒青菜", 4, 4, 5), _r("青菜豆腐汤", 4, 4, 5)),
        (),
        "一只鸡腿的旅程",
        "早上七点, 我看着这批鸡腿下车: 测温3度, 检疫证明核对编号, 过秤入库。中午它变成了孩子们餐盒里的红烧鸡腿, "
        "出锅后先留样125克, 才开始打菜。从车上到餐桌, 每一步都有人把关、有记录可查。这一天, "
        '我真正理解了"阳光食堂"四个字。',
    ),
    Visit(
        "aoyuan",
        _d("2020-11-12"),
        "pu-dad",
        A2,
        "菠菜换由另一家基地配送, 快检合格; 其余过秤合格",
        (_r("糖醋里脊", 5, 5, 4), _r("洋葱炒蛋", 4, 3, 4), _r("蒜蓉菠菜", 4, 4, 4), _r("冬瓜海带汤", 4, 4, 5)),
        (),
        "严把入口关",
        "听说昨天本部拒收了一批农残不合格的菠菜, 今天奥园校区的菠菜已经换了供货基地, 快检合格才入库。"
        "食堂发现问题、解决问题的速度让我佩服。中午的糖醋里脊一上桌, 小朋友们吃得津津有味。",
    ),
    Visit(
        "aoyuan",
        _d("2020-11-19"),
        "qian-mum",
        A2,
        "猪肉、西兰花、虾仁过秤, 虾仁冷链温度-15℃",
        (_r("番茄牛腩", 5, 5, 5), _r("西兰花炒虾仁", 5, 5, 4), _r("清炒西葫芦", 4, 4, 4), _r("紫菜蛋汤", 4, 4, 5)),
        (),
        '赛过之后的"均匀"',
        "听沈主任说昨天食堂员工进行了打菜技能评比, 曹阿姨拿了二等奖。今天中午我特意看了看, "
        "每个小朋友餐盒里的牛腩和虾仁都差不多多, "
        "阿姨们一勺一勺打得又快又稳。以赛促练, 孩子们是最大的受益者。",
    ),
    Visit(
        "aoyuan",
        _d("2020-11-26"),
        "fang-dad",
        A2,
        "带鱼改为龙利鱼柳, 冷链温度-14℃, 标签齐全",
        (_r("红烧带鱼", 4, 4, 4), _r("胡萝卜炒肉丝", 4, 4, 4), _r("炒茼蒿", 4, 3, 4), _r("萝卜丝汤", 4, 4, 5)),
        ("一年级孩子打菜时份量可以少一点, 吃不完再添",),
        "少盛多添, 光盘不浪费",
        "陪餐时看到一年级孩子的餐盒打得满满的, 有的孩子吃不完。我建议小朋友的份量可以先少一点, 吃不完的不浪费, "
        "不够的再添。食堂的师傅们听了马上表示会调整。饭菜味道很好, 员工操作规范。",
        ("低年级先少盛, 不够再添",),
        ((0, '采纳: 一年级实行"少盛多添", 餐厅设添饭添菜点'),),
    ),
    Visit(
        "aoyuan",
        _d("2020-12-03"),
        "kong-mum",
        A2,
        "大白菜、牛肉过秤, 牛肉检疫证明齐全; 检查消毒柜运行正常",
        (_r("咖喱牛肉", 5, 5, 4), _r("木耳炒蛋", 4, 4, 4), _r("炒大白菜", 4, 4, 4), _r("白菜粉丝汤", 4, 4, 5)),
        (),
        "消毒柜里的餐盒",
        "今天除了称菜验菜, 袁师傅还带我看了洗消间: 餐盒先洗后消毒, 消毒柜的温度和时间都有记录。"
        "中午吃饭时我想起早上看到的那一排排消毒好的餐盒, 觉得孩子们用得放心。咖喱牛肉很香, 女儿添了一次饭。",
    ),
    Visit(
        "aoyuan",
        _d("2020-12-10"),
        "cai-grandpa",
        A2,
        "猪肉、冬瓜、鸡蛋过秤合格",
        (_r("红烧狮子头"), _r("番茄炒蛋"), _r("红烧冬瓜", 4, 4, 4), _r("番茄蛋汤", 4, 4, 5)),
        (),
        "爷爷的一天",
        "退休在家, 接送孙子是我的事。这次学校请我来食堂看看, 很高兴。早上称菜、验菜, 样样有规矩; "
        "中午和小朋友们一起吃饭, "
        "狮子头又大又软。小朋友们吃饭不说话, 吃完还把桌面擦干净。学校教得好, 食堂做得好。",
    ),
    Visit(
        "aoyuan",
        _d("2020-12-17"),
        "ren-mum",
        A2,
        "鸡翅、莴笋过秤, 鸡翅中心温度3℃, 莴笋快检合格",
        (_r("可乐鸡翅"), _r("莴笋炒肉片", 4, 4, 4), _r("蚝油生菜", 4, 4, 4), _r("玉米排骨汤", 5, 5, 5)),
        (),
        '"今天有鸡翅!"',
        '早上送孩子进校门时她就兴奋地说"今天有鸡翅"。没想到中午我也能和她一起吃。'
        "验菜时我学会了看检疫证明上的编号和日期, "
        '袁师傅说每张证明都要留存。饭菜热乎, 份量均匀, 女儿吃完了还说"妈妈, 你明天还来吗?"',
    ),
    Visit(
        "aoyuan",
        _d("2020-12-24"),
        "xia-dad",
        A2,
        "蔬菜、猪肉过秤合格, 青菜快检合格",
        (_r("梅干菜烧肉", 4, 4, 4), _r("青椒肉丝", 4, 4, 4), _r("清炒青菜", 4, 4, 4), _r("丝瓜蛋汤", 3, 3, 4)),
        ("丝瓜蛋汤颜色发黑",),
        "陪餐记录",
        "早上称菜验菜流程规范。中午饭菜整体尚可, 丝瓜蛋汤颜色有些发黑, 卖相不太好。建议改进。",
        ("丝瓜去皮后及时下锅, 避免氧化发黑",),
        ((0, "已转告厨师, 丝瓜切后即烹, 冬季丝瓜不新鲜时改用其他汤品"),),
        consent=False,
        kept_internal="家长未同意公开",
    ),
    Visit(
        "aoyuan",
        _d("2020-12-31"),
        "bao-mum",
        A2,
        "元旦前食材按用量采购, 冷库清点无过期食品",
        (_r("香酥鸡排"), _r("番茄炒蛋"), _r("清炒西葫芦", 4, 4, 4), _r("紫菜蛋汤", 4, 4, 5)),
        (),
        "跨年前的午餐",
        "2020年的最后一天, 我在奥园校区的食堂陪孩子们吃了一顿午饭。香酥鸡排、番茄炒蛋, 都是孩子们爱吃的。"
        "早上验菜时, 沈主任说这一学期每周都有一位家长来, 十几位家长的心得都发在群里了。谢谢食堂一学期的付出!",
    ),
    Visit(
        "aoyuan",
        _d("2021-01-07"),
        "ge-dad",
        A2,
        "寒潮天气蔬菜检查冻伤, 一筐青菜冻伤退回, 其余合格",
        (_r("番茄牛腩", 5, 5, 4), _r("胡萝卜炒肉丝", 4, 4, 4), _r("炒大白菜", 4, 4, 4), _r("青菜豆腐汤", 4, 4, 5)),
        (),
        "冻伤的青菜不进门",
        "寒潮来了, 今天验菜时袁师傅发现一筐青菜叶子冻伤发软, 当即退回, 让供货商补送。一个细节, 看出食堂对孩子的用心。"
        "中午的番茄牛腩暖胃暖心, 二年级的孩子们吃完还排队去添了汤。寒冬里有这样一群用心的师傅, 家长们放心。",
    ),
    Visit(
        "aoyuan",
        _d("2021-01-14"),
        "mao-mum",
        A2,
        "鸡腿、豆芽、鸡蛋过秤合格, 豆芽快检合格",
        (_r("红烧鸡腿"), _r("洋葱炒蛋", 4, 4, 4), _r("清炒豆芽", 4, 4, 4), _r("冬瓜海带汤", 4, 4, 5)),
        (),
        "期末的温暖",
        "快放寒假了, 今天来食堂陪餐。从早上称菜到中午打菜, 每一步都和开学时家长们在群里写的一样规范, "
        "一个学期都没有走样, 这最难得。"
        "鸡腿依然是孩子们的最爱, 一年级的女儿现在自己就能把饭菜吃完, 还学会了把餐盒分类放好。",
    ),
    Visit(
        "aoyuan",
        _d("2021-01-21"),
        "lv-mum",
        A2,
        "猪肉、青菜、鸡蛋过秤合格, 检疫证明齐全",
        (_r("糖醋里脊"), _r("番茄炒蛋"), _r("清炒青菜", 4, 4, 5), _r("紫菜蛋汤", 4, 4, 5)),
        (),
        "学期最后一位陪餐家长",
        "我是本学期奥园校区最后一位来食堂的家长。跟着沈主任和袁师傅称菜、验菜, 又和孩子们一起吃了午饭。"
        "一个学期, 十八周, 十八位家长, 这份坚持本身就是最好的答卷。希望下学期继续!",
        ("下学期希望继续开展家长进食堂活动",),
        ((0, "下学期将继续每周邀请家长进校园, 并邀请本学期提过建议的家长回访"),),
    ),
)


# -- the leaders' accompanied lunches 陪餐 -----------------------------------------------------


@dataclass(frozen=True)
class LeaderMeal:
    campus_id: str
    day: date
    diner: str
    ratings: tuple[Rating, ...]
    issues: tuple[str, ...] = ()

    @property
    def record_id(self) -> str:
        return f"{self.campus_id}-{self.day.isoformat()}-{self.diner}"

    @property
    def recorded(self) -> datetime:
        return on_day(self.day, "12:40")


LEADER_ISSUES: dict[tuple[str, date], tuple[str, ...]] = {
    ("main", date(2020, 9, 15)): ("六年级餐盒荤菜份量不均匀",),
    ("aoyuan", date(2020, 9, 16)): ("一年级餐盒打菜不均匀",),
    ("main", date(2020, 10, 13)): ("个别餐盒份量不均",),
    ("aoyuan", date(2020, 11, 25)): ("汤品偏咸",),
    ("main", date(2020, 12, 22)): ("米饭略硬",),
}
LEADER_DAY = {"main": 1, "aoyuan": 2}  # Tuesday on main, Wednesday on Aoyuan (the audits' days in September)


def leader_meals() -> list[LeaderMeal]:
    """One leader's lunch a week on each campus from the committee's first week to the term's last:
    the vice principal, the campus's director and 顾主任 in turn."""
    out: list[LeaderMeal] = []
    monday = date(2020, 9, 7)
    n = 0
    while monday <= date(2021, 1, 18):
        days = school_days(monday)
        if days:
            for campus in CAMPUSES:
                wanted = monday + timedelta(days=LEADER_DAY[campus])
                day = wanted if wanted in days else days[0]
                diner = (LEADER[campus], MANAGER[campus], "gu")[n % 3]
                dishes = lunch(campus, day)[:4]
                issues = LEADER_ISSUES.get((campus, day), ())
                ratings = tuple(
                    Rating(d, 5 - (i + n) % 2, 4 + (i * n) % 2, 4 if issues and i == 0 else 5)
                    for i, d in enumerate(dishes)
                )
                out.append(LeaderMeal(campus, day, diner, ratings, issues))
            n += 1
        monday += timedelta(days=7)
    return out


# -- deliveries 进货查验 and pesticide quick tests 农残快检 ---------------------------------------

SUPPLIER_ID, SUPPLIER_NAME = "lvyuan", "常州市新北区绿源农副产品配送有限公司"
SUPPLIER_LICENCE = ("JY13204110025531", date(2023, 5, 31))  # 食品经营许可证 and its expiry
GREEN_ITEM = {  # the greens dish -> (the vegetable delivered, its category)
    "清炒青菜": ("青菜", "leafy_vegetable"),
    "蒜蓉菠菜": ("菠菜", "leafy_vegetable"),
    "手撕包菜": ("包菜", "leafy_vegetable"),
    "清炒西葫芦": ("西葫芦", "vegetable"),
    "红烧冬瓜": ("冬瓜", "vegetable"),
    "清炒豆芽": ("黄豆芽", "beans"),
    "炒茼蒿": ("茼蒿", "leafy_vegetable"),
    "清炒莴笋丝": ("莴笋", "vegetable"),
    "蚝油生菜": ("生菜", "leafy_vegetable"),
    "炒大白菜": ("大白菜", "leafy_vegetable"),
}
MEAT_ITEM = {  # the meat dish -> (what is delivered, its category)
    "红烧鸡腿": ("鸡腿", "poultry"),
    "糖醋里脊": ("猪里脊", "meat"),
    "红烧狮子头": ("猪前腿肉", "meat"),
    "咖喱牛肉": ("牛肉", "meat"),
    "土豆烧鸡块": ("鸡块", "poultry"),
    "可乐鸡翅": ("鸡翅中", "poultry"),
    "番茄牛腩": ("牛腩", "meat"),
    "红烧带鱼": ("冻带鱼段", "aquatic"),
    "香酥鸡排": ("鸡胸排", "poultry"),
    "梅干菜烧肉": ("五花肉", "meat"),
    "红烧肉圆": ("猪前腿肉", "meat"),
}


@dataclass(frozen=True)
class Line:
    line_no: int
    item: str
    category: str
    declared_grams: int
    weighed_grams: int
    temperature_c10: int | None  # chilled lines
    quarantine: str | None  # the quarantine certificate's number (meat, poultry)
    pesticide: tuple[str, int] | None = None  # (verdict, inhibition per mille) for leafy vegetables and beans
    rejected: str = ""  # the reason, when the line is refused

    @property
    def tested(self) -> bool:
        return self.category in ("leafy_vegetable", "beans")


@dataclass(frozen=True)
class Delivery:
    campus_id: str
    day: date
    inspectors: tuple[str, str]
    lines: tuple[Line, ...]

    @property
    def delivery_id(self) -> str:
        return f"{self.campus_id}-{self.day.isoformat()}-lvyuan"

    @property
    def received(self) -> datetime:
        return on_day(self.day, "06:50")

    @property
    def signed(self) -> datetime:
        return on_day(self.day, "07:35")


SPINACH_FAILED = ("main", date(2020, 11, 11))  # the failed lot: rejected, lunch's greens changed to 大白菜
SHORT_LETTUCE = ("main", date(2020, 12, 9))  # a case of lettuce 0.4 kg short: within tolerance, accepted as weighed


def delivery(campus_id: str, day: date) -> Delivery:
    """The morning's delivery of the day's lunch: its greens, its meat and the eggs."""
    meat_dish, _, greens_dish, *_ = lunch(campus_id, day)
    diners = DINERS[campus_id]
    green, green_kind = ("菠菜", "leafy_vegetable") if (campus_id, day) == SPINACH_FAILED else GREEN_ITEM[greens_dish]
    meat, meat_kind = MEAT_ITEM[meat_dish]
    n = day.toordinal()
    green_grams = diners * 120 // 1000 * 1000
    meat_grams = diners * 90 // 1000 * 1000
    egg_grams = diners * 30 // 1000 * 1000
    verdict = ("fail", 620) if (campus_id, day) == SPINACH_FAILED else ("pass", 120 + n % 150)
    short = 400 if (campus_id, day) == SHORT_LETTUCE else 0
    frozen = meat_kind == "aquatic"
    lines = (
        Line(
            1,
            green,
            green_kind,
            green_grams,
            green_grams - short + (n % 3) * 100,
            None,
            None,
            verdict if green_kind in ("leafy_vegetable", "beans") else None,
            "农残快检不合格(抑制率62%), 整批拒收, 由供货商带回" if verdict[0] == "fail" else "",
        ),
        Line(
            2,
            meat,
            meat_kind,
            meat_grams,
            meat_grams + (n % 4) * 100,
            -150 if frozen else 20 + n % 20,
            None if frozen else f"动检 320411{day.strftime('%m%d')}{campus_id[0].upper()}{n % 97:02d}",
        ),
        Line(3, "鸡蛋", "eggs", egg_grams, egg_grams + (n % 2) * 100, None, None),
    )
    inspectors = (
        ("zhou", "han-canteen")
        if campus_id == "main" and (n % 2 or day in {v.day for v in VISITS if v.with_staff == M2H})
        else (MANAGER[campus_id], HEAD_COOK[campus_id])
    )
    for v in VISITS:
        if (v.campus_id, v.day) == (campus_id, day):
            inspectors = v.with_staff
    return Delivery(campus_id, day, inspectors, lines)


def deliveries() -> list[Delivery]:
    """The deliveries the demo records: every morning of the November weeks, and each visit day's
    (the parent weighed and inspected it with the staff)."""
    days = {(c, d) for c in CAMPUSES for d in kitchen_days()} | {(v.campus_id, v.day) for v in VISITS}
    return [delivery(c, d) for c, d in sorted(days, key=lambda cd: (cd[1], cd[0]))]


# -- meals served, samples 留样, morning checks 晨检, health certificates, temperatures ----------


def servers(campus_id: str, day: date) -> tuple[str, ...]:
    """Who serves lunch: the campus's workers but one stood down (冯阿姨, 11-10 to 11-11)."""
    return tuple(w for w in WORKERS[campus_id] if not (w == FEVER.staff_id and FEVER.day <= day < FEVER.cleared.date()))


@dataclass(frozen=True)
class StandDown:
    staff_id: str
    campus_id: str
    day: date
    reasons: tuple[str, ...]
    note: str
    cleared: datetime
    cleared_note: str


FEVER = StandDown(
    "feng-canteen",
    "main",
    date(2020, 11, 10),
    ("发热",),
    "体温37.8℃, 停止上岗, 到社区医院就诊",
    at("2020-11-12 06:30"),
    "体温正常, 社区医院复诊无异常, 恢复上岗",
)


@dataclass(frozen=True)
class Check:
    staff_id: str
    campus_id: str
    day: date
    at: datetime
    by: str
    fever: bool = False
    note: str = ""

    @property
    def passed(self) -> bool:
        return not self.fever


def morning_checks() -> list[Check]:
    """Each worker on shift checked before it (the head cook checks the others, the manager the
    head cook); 冯阿姨 stood down on 11-10, off on 11-11, checked again once cleared on 11-12."""
    out: list[Check] = []
    for day in kitchen_days():
        for campus in CAMPUSES:
            for n, who in enumerate(WORKERS[campus]):
                if who == FEVER.staff_id and FEVER.day < day < FEVER.cleared.date():
                    continue
                by = MANAGER[campus] if who == HEAD_COOK[campus] else HEAD_COOK[campus]
                moment = on_day(day, "06:40") + timedelta(minutes=2 * n)
                fever = (who, day) == (FEVER.staff_id, FEVER.day)
                out.append(Check(who, campus, day, moment, by, fever, FEVER.note if fever else "体温正常, 衣帽整洁"))
    return out


@dataclass(frozen=True)
class HealthCertificate:
    staff_id: str
    campus_id: str
    number: str
    issued_on: date
    expires_on: date
    recorded: datetime


HEALTH_CERTIFICATES: tuple[HealthCertificate, ...] = (
    *(
        HealthCertificate(
            who,
            campus,
            f"常新卫健 2020{n:04d}",
            date(2020, 3, 2) + timedelta(days=7 * n),
            date(2021, 3, 1) + timedelta(days=7 * n),
            at("2020-08-31 10:00") + timedelta(minutes=n),
        )
        for campus in CAMPUSES
        for n, who in enumerate(WORKERS[campus], start=1 if campus == "main" else 5)
        if who != "lu-canteen"
    ),
    # 陆阿姨's certificate runs out on 2020-12-10 (warned from 11-10); renewed on 12-04
    HealthCertificate(
        "lu-canteen", "aoyuan", "常新卫健 20190877", date(2019, 12, 11), date(2020, 12, 10), at("2020-08-31 10:10")
    ),
    HealthCertificate(
        "lu-canteen", "aoyuan", "常新卫健 20201203", date(2020, 12, 3), date(2021, 12, 2), at("2020-12-04 09:00")
    ),
)


@dataclass(frozen=True)
class Unit:
    unit_id: str
    campus_id: str
    name: str
    kind: str
    min_c10: int
    max_c10: int
    clock: str  # when it is read


UNITS: tuple[Unit, ...] = tuple(
    Unit(f"{campus}-{key}", campus, name, kind, low, high, clock)
    for campus in CAMPUSES
    for key, name, kind, low, high, clock in (
        ("sample-fridge", "留样冰箱", "sample_fridge", 0, 80, "07:30"),
        ("fridge-1", "1号冷藏柜", "fridge", 0, 80, "07:32"),
        ("freezer-1", "1号冷冻柜", "freezer", -250, -180, "07:34"),
        ("hot-1", "保温售饭台", "hot_holding", 600, 950, "11:20"),
    )
)
UNITS_REGISTERED = at("2020-08-31 09:00")


@dataclass(frozen=True)
class Reading:
    unit: Unit
    at: datetime
    c10: int
    by: str
    corrective: str = ""  # the corrective action of an out-of-limit reading
    corrected: datetime | None = None

    @property
    def reading_id(self) -> str:
        return f"{self.unit.unit_id}-{self.at.strftime('%Y%m%d-%H%M')}"

    @property
    def within(self) -> bool:
        return self.unit.min_c10 <= self.c10 <= self.unit.max_c10


WARM_FRIDGE = ("aoyuan-fridge-1", date(2020, 11, 17))


def readings() -> list[Reading]:
    """Each unit read each kitchen day: the fridges in the morning, the serving line before lunch;
    on 11-17 Aoyuan's cold fridge read 9.5 ℃: its food moved, the door seal replaced, read again."""
    out: list[Reading] = []
    for day in kitchen_days():
        n = day.toordinal()
        for unit in UNITS:
            typical = {
                "sample_fridge": 30 + n % 15,
                "fridge": 25 + n % 20,
                "freezer": -210 + n % 15,
                "hot_holding": 680 + n % 60,
            }
            moment = on_day(day, unit.clock)
            by = HEAD_COOK[unit.campus_id]
            if (unit.unit_id, day) == WARM_FRIDGE:
                out.append(
                    Reading(
                        unit,
                        moment,
                        95,
                        by,
                        "冷藏柜门封条老化关不严: 柜内食材转移至备用冷藏柜, 当场报修更换门封条, 10:00复测",
                        moment + timedelta(minutes=20),
                    )
                )
                out.append(Reading(unit, on_day(day, "10:00"), 40, by))
                continue
            out.append(Reading(unit, moment, typical[unit.kind], by))
    return out


@dataclass(frozen=True)
class Sample:
    campus_id: str
    day: date
    dish: str
    grams: int
    by: str
    disposed: datetime

    @property
    def sample_id(self) -> str:
        return f"{self.campus_id}-{self.day.isoformat()}-lunch-{lunch(self.campus_id, self.day).index(self.dish) + 1}"

    @property
    def retained(self) -> datetime:
        return on_day(self.day, "11:00") + timedelta(minutes=lunch(self.campus_id, self.day).index(self.dish))


def disposal_day(day: date) -> date:
    """A sample kept 48 hours is disposed of on the first school day two days on."""
    later = day + timedelta(days=2)
    while not school_day(later):
        later += timedelta(days=1)
    return later


def samples() -> list[Sample]:
    """Every dish of every lunch of the kitchen weeks sampled (at least 125 g, in the sample
    fridge) before it is served, by the head cook, and disposed of after 48 hours."""
    return [
        Sample(
            campus,
            day,
            dish,
            150 + 5 * (n % 4),
            HEAD_COOK[campus],
            on_day(disposal_day(day), "14:00") + timedelta(minutes=n),
        )
        for day in kitchen_days()
        for campus in CAMPUSES
        for n, dish in enumerate(lunch(campus, day))
    ]


def served_at(day: date) -> datetime:
    return on_day(day, "11:50")


# -- the weekly menu 菜谱 ----------------------------------------------------------------------


@dataclass(frozen=True)
class Menu:
    campus_id: str
    week_of: date
    planned: datetime
    published: datetime

    @property
    def menu_id(self) -> str:
        return f"{self.campus_id}-{self.week_of.isoformat()}"

    @property
    def meals(self) -> list[tuple[date, tuple[str, ...]]]:
        return [(d, lunch(self.campus_id, d)) for d in school_days(self.week_of)]


MENUS: tuple[Menu, ...] = tuple(
    Menu(campus, monday, on_day(previous_school_day(monday), "14:00"), on_day(previous_school_day(monday), "15:00"))
    for monday in KITCHEN_WEEKS
    for campus in CAMPUSES
)


# -- serving audits 打菜均匀 and violations 员工操作不规范 ---------------------------------------


@dataclass(frozen=True)
class Audit:
    """A manager weighed portions of one dish per server at lunch; a server whose portions spread
    beyond the district's tolerance (10 % of the target) is a finding, proposed to their appraisal
    as 打菜不均匀 (Q-1)."""

    campus_id: str
    seen_at: str  # "YYYY-MM-DD HH:MM"
    auditor: str
    course: int  # which dish of the day's lunch (0: the meat dish, 2: the greens)
    target_grams: int
    portions: tuple[tuple[str, tuple[int, ...]], ...]  # (server, the portions weighed)

    @property
    def when(self) -> datetime:
        return at(self.seen_at)

    @property
    def dish(self) -> str:
        return lunch(self.campus_id, self.when.date())[self.course]

    @property
    def audit_id(self) -> str:
        return f"{self.campus_id}-{self.seen_at[:10]}-{self.course + 1}"

    def uneven(self, tolerance_permille: int = 100) -> list[str]:
        """The servers whose portions spread beyond the tolerance."""
        return [
            who
            for who, grams in self.portions
            if (max(grams) - min(grams)) * 1000 > tolerance_permille * self.target_grams
        ]


AUDITS: tuple[Audit, ...] = (
    Audit(
        "main",
        "2020-09-15 11:40",
        "zhou",
        0,
        100,
        (("ding-canteen", (72, 126, 88, 118, 80, 131)), ("han-canteen", (98, 103, 100, 96, 102, 99))),
    ),
    Audit(
        "aoyuan",
        "2020-09-16 11:40",
        "shen",
        0,
        120,
        (("cao-canteen", (96, 140, 110, 152, 104, 128)), ("lu-canteen", (118, 124, 121, 116, 119, 122))),
    ),
    Audit(
        "main",
        "2020-09-22 11:45",
        "gu",
        0,
        100,
        (("ding-canteen", (76, 120, 92, 124, 85, 110)), ("jiang-cook", (101, 97, 99, 104, 100, 98))),
    ),
    Audit(
        "main",
        "2020-09-22 11:45",
        "gu",
        2,
        80,
        (("han-canteen", (52, 80, 64, 86, 58, 75)), ("feng-canteen", (79, 82, 78, 84, 80, 81))),
    ),
    Audit(
        "main",
        "2020-10-13 11:40",
        "zhou",
        0,
        100,
        (
            ("jiang-cook", (84, 118, 95, 112, 90, 121)),
            ("feng-canteen", (70, 104, 92, 118, 86, 99)),
            ("ding-canteen", (99, 102, 97, 101, 100, 104)),
            ("han-canteen", (96, 100, 103, 98, 101, 99)),
        ),
    ),
    Audit(
        "aoyuan",
        "2020-10-14 11:40",
        "shen",
        0,
        100,
        (
            ("yuan-cook", (82, 115, 96, 120, 88, 104)),
            ("cao-canteen", (100, 98, 103, 99, 101, 97)),
            ("lu-canteen", (97, 101, 99, 104, 100, 98)),
        ),
    ),
    Audit(
        "aoyuan",
        "2020-11-25 11:40",
        "shen",
        0,
        100,
        (
            ("lu-canteen", (70, 86, 78, 92, 74, 81)),
            ("cao-canteen", (99, 101, 100, 98, 102, 100)),
            ("yuan-cook", (100, 103, 99, 101, 98, 100)),
        ),
    ),
)
"""September's and October's audits (and one in November) that found uneven portions."""


@dataclass(frozen=True)
class Violation:
    campus_id: str
    staff_id: str
    rule: str  # the rule book's code
    seen_at: str
    observed_by: str
    place: str
    description: str
    evidence: tuple[str, ...] = ()

    @property
    def when(self) -> datetime:
        return at(self.seen_at)

    @property
    def violation_id(self) -> str:
        return f"{self.staff_id}-{self.seen_at[:10]}"


VIOLATIONS: tuple[Violation, ...] = (
    Violation(
        "aoyuan",
        "lu-canteen",
        "S-3",
        "2020-09-10 10:30",
        "shen",
        "奥园校区 食堂操作间",
        "切配时未戴口罩",
        ("photos/patrol/2020-09-10-aoyuan-kitchen.jpg",),
    ),
    Violation(
        "main",
        "feng-canteen",
        "S-1",
        "2020-11-24 09:40",
        "zhou",
        "本部 食堂操作间",
        "生熟砧板混用",
        ("photos/selfcheck/2020-11-24-main-boards.jpg",),
    ),
    Violation("aoyuan", "cao-canteen", "S-3", "2020-12-09 10:40", "shen", "奥园校区 食堂操作间", "未戴工作帽"),
)
"""员工操作不规范: the violations the staff appraisal deducts in those months."""


# -- the serving-skill contest 打菜技能评比 (its scores and prizes are demo.appraisals') -----------

CONTEST_CRITERIA = (("even", "均匀度", 50), ("speed", "速度", 30), ("hygiene", "卫生规范", 20))
CONTEST_CAMPUS = "main"  # held in the main campus's canteen, for the workers of both
CONTEST_NAME = "食堂员工打菜技能评比"
CONTEST_HELD_ON = date(2020, 11, 18)
CONTEST_ANNOUNCED, CONTEST_SCORED, CONTEST_CONCLUDED = (
    at("2020-11-09 09:00"),
    at("2020-11-18 14:00"),
    at("2020-11-20 15:00"),
)


# -- self-inspections 自查 (日管控、周排查、月调度) -----------------------------------------------

# The standard checklists (the canteen's) with where each is looked at; the weekly sweep adds the
# fly screens and rat guards of the roughing room and store.
DAILY_ITEMS = (
    ("晨检", "更衣间"),
    ("留样", "留样间"),
    ("餐具消毒", "洗消间"),
    ("生熟分开", "切配间"),
    ("防蝇防鼠设施", "操作间"),
    ("燃气管道", "烹饪间"),
    ("冰箱温度", "冷藏区"),
)
WEEKLY_ITEMS = (
    ("原料贮存与保质期", "仓库"),
    ("索证索票", "办公室"),
    ("加工场所环境卫生", "操作间"),
    ("设施设备", "烹饪间"),
    ("消防器材", "操作间"),
    ("有害生物防制", "仓库"),
    ("日管控问题整改", "办公室"),
    ("防蝇防鼠设施", "粗加工间"),
)
MONTHLY_ITEMS = (
    ("周排查问题整改", "办公室"),
    ("从业人员健康证", "办公室"),
    ("从业人员培训", "办公室"),
    ("供应商评价", "办公室"),
    ("食品安全管理制度落实", "办公室"),
    ("应急处置准备", "办公室"),
)


@dataclass(frozen=True)
class Finding:
    item: str
    area: str
    note: str
    hazard: bool = False
    severity: str | None = None


@dataclass(frozen=True)
class SelfInspection:
    campus_id: str
    cadence: str  # daily, weekly, monthly
    when: datetime
    by: str
    findings: tuple[Finding, ...] = ()

    @property
    def inspection_id(self) -> str:
        return f"{self.campus_id}-{self.cadence}-{self.when.date().isoformat()}"

    @property
    def items(self) -> tuple[tuple[str, str], ...]:
        return {"daily": DAILY_ITEMS, "weekly": WEEKLY_ITEMS, "monthly": MONTHLY_ITEMS}[self.cadence]


FLY_SCREEN = Finding("防蝇防鼠设施", "粗加工间", "粗加工间纱窗破损, 防蝇失效", hazard=True, severity="medium")
BOARDS = Finding("生熟分开", "切配间", "冯阿姨生熟砧板混用, 当场纠正")
FINDINGS: dict[tuple[str, str, date], tuple[Finding, ...]] = {
    ("main", "weekly", date(2020, 10, 23)): (FLY_SCREEN,),
    ("main", "daily", date(2020, 11, 24)): (BOARDS,),
}


def self_inspections() -> list[SelfInspection]:
    """The weekly sweep each Friday (the week's last school day) and the monthly review on each
    month's last school day, by the campus's manager; the daily control by the head cook on the
    kitchen days, and on 11-24 on main (the day the boards were mixed)."""
    out: list[SelfInspection] = []
    monday = date(2020, 9, 7)
    while monday <= date(2021, 1, 18):
        days = school_days(monday)
        if days:
            for campus in CAMPUSES:
                out.append(SelfInspection(campus, "weekly", on_day(days[-1], "15:00"), MANAGER[campus]))
        monday += timedelta(days=7)
    for month_end in (date(2020, 9, 30), date(2020, 10, 30), date(2020, 11, 30), date(2020, 12, 31), date(2021, 1, 22)):
        day = month_end if school_day(month_end) else previous_school_day(month_end)
        for campus in CAMPUSES:
            out.append(SelfInspection(campus, "monthly", on_day(day, "16:00"), MANAGER[campus]))
    for day in [*kitchen_days(), date(2020, 11, 24)]:
        for campus in CAMPUSES if day != date(2020, 11, 24) else ("main",):
            by = MANAGER[campus] if (campus, day) == ("main", date(2020, 11, 24)) else HEAD_COOK[campus]
            out.append(SelfInspection(campus, "daily", on_day(day, "09:40"), by))
    return sorted(
        (
            SelfInspection(
                i.campus_id, i.cadence, i.when, i.by, FINDINGS.get((i.campus_id, i.cadence, i.when.date()), ())
            )
            for i in out
        ),
        key=lambda i: i.when,
    )


# -- the term's satisfaction survey 满意度调查 ---------------------------------------------------

SURVEY_QUESTIONS = (
    ("taste", "饭菜口味"),
    ("quantity", "饭菜份量"),
    ("variety", "菜品花样"),
    ("hygiene", "食堂卫生"),
    ("service", "员工服务态度"),
)


@dataclass(frozen=True)
class Survey:
    survey_id: str
    audience: str
    title: str
    opened: datetime
    batches: tuple[tuple[datetime, int, tuple[tuple[int, int, int], ...]], ...]  # (counted, respondents, per question)
    closed: datetime
    summary: str

    @property
    def respondents(self) -> int:
        return sum(n for _, n, _ in self.batches)

    @property
    def satisfaction_permille(self) -> int:
        satisfied = sum(c[0] for _, _, counts in self.batches for c in counts)
        answers = sum(sum(c) for _, _, counts in self.batches for c in counts)
        return satisfied * 1000 // answers


SURVEYS = (
    Survey(
        f"{SCHOOL}-{TERM}-pupils",
        "pupils",
        "2020-2021学年第一学期 学生食堂满意度调查",
        at("2020-12-14 09:00"),
        (
            (at("2020-12-17 16:00"), 820, ((701, 96, 23), (688, 110, 22), (602, 171, 47), (760, 52, 8), (731, 77, 12))),
            (at("2020-12-18 16:00"), 450, ((390, 48, 12), (372, 66, 12), (331, 94, 25), (421, 25, 4), (402, 41, 7))),
        ),
        at("2020-12-21 15:00"),
        "学生对食堂总体满意, 菜品花样满意度相对较低, 下学期增加面食和时令蔬菜品种",
    ),
    Survey(
        f"{SCHOOL}-{TERM}-parents",
        "parents",
        "2020-2021学年第一学期 家长食堂满意度调查",
        at("2020-12-14 09:00"),
        ((at("2020-12-18 17:00"), 936, ((842, 80, 14), (829, 91, 16), (781, 128, 27), (874, 56, 6), (853, 70, 13))),),
        at("2020-12-21 15:30"),
        "家长对食品安全和食堂卫生高度认可, 家长进校园活动获好评; 建议继续丰富菜品、关注低年级份量",
    ),
)


# -- the commands, in the order they happened ----------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _ratings(ratings: tuple[Rating, ...]) -> list[dict[str, object]]:
    return [{"dish": r.dish, "look": r.look, "taste": r.taste, "quantity": r.quantity} for r in ratings]


def acts() -> list[Act]:
    """Every command of the term's canteen, sorted by when it happened (acts at the same moment
    keep the order they are listed in)."""
    out: list[Act] = [*_committee(), *_kitchen_setup()]
    for visit in VISITS:
        out += _visit(visit)
    for meal in leader_meals():
        body = {
            "campus_id": meal.campus_id,
            "on": meal.day.isoformat(),
            "meal": "lunch",
            "diner_id": meal.diner,
            "place": PLACE[meal.campus_id],
            "ratings": _ratings(meal.ratings),
            "issues": list(meal.issues),
        }
        out.append(Act(meal.recorded, "/accompanied-meals", body, meal.diner))
    for d in deliveries():
        out += _delivery(d)
    for menu in MENUS:
        out += _menu(menu)
    out += _kitchen_days()
    out += _serving()
    out += _contest()
    for inspection in self_inspections():
        out.append(Act(inspection.when, "/self-inspections", _inspection_body(inspection), inspection.by))
    for survey in SURVEYS:
        out += _survey(survey)
    return sorted(out, key=lambda a: a.at)


def _committee() -> list[Act]:
    c = COMMITTEE
    members = [
        {k: v for k, v in vars(m).items() if v is not None} for m in c.members
    ]  # member_id, name, kind, duty and the staff or parent id
    body = {
        "school_id": SCHOOL,
        "term_id": TERM,
        "name": c.name,
        "oversight": False,
        "duties": list(c.duties),
        "members": members,
        "on": c.formed.date().isoformat(),
    }
    m = FIRST_MEETING
    meeting = {
        "meeting_id": m.meeting_id,
        "on": m.held.date().isoformat(),
        "attendees": list(m.attendees),
        "minutes": m.minutes,
        "decisions": list(m.decisions),
    }
    return [
        Act(c.formed, "/meal-committees", body, c.formed_by),
        Act(m.held + timedelta(hours=1), f"/meal-committees/{c.committee_id}/meetings", meeting, m.recorded_by),
    ]


def _kitchen_setup() -> list[Act]:
    """The kitchens' fridges and serving line registered and the workers' health certificates
    recorded before the term (陆阿姨's renewed one on 12-04)."""
    out: list[Act] = []
    for n, unit in enumerate(UNITS):
        moment = UNITS_REGISTERED + timedelta(minutes=n)
        body = {
            "unit_id": unit.unit_id,
            "campus_id": unit.campus_id,
            "name": unit.name,
            "kind": unit.kind,
            "min_c10": unit.min_c10,
            "max_c10": unit.max_c10,
            "at": _iso(moment),
        }
        out.append(Act(moment, "/temperature-units", body, MANAGER[unit.campus_id]))
    for cert in HEALTH_CERTIFICATES:
        body = {
            "staff_id": cert.staff_id,
            "campus_id": cert.campus_id,
            "number": cert.number,
            "issued_on": cert.issued_on.isoformat(),
            "expires_on": cert.expires_on.isoformat(),
            "at": _iso(cert.recorded),
        }
        out.append(Act(cert.recorded, "/health-certificates", body, MANAGER[cert.campus_id]))
    return out


def _visit(v: Visit) -> list[Act]:
    manager = MANAGER[v.campus_id]
    path = f"/parent-visits/{v.visit_id}"
    out = [
        Act(
            v.scheduled,
            "/parent-visits",
            {
                "visit_id": v.visit_id,
                "campus_id": v.campus_id,
                "visit_on": v.day.isoformat(),
                "parent_id": v.parent_id,
                "at": _iso(v.scheduled),
            },
            manager,
        ),
        Act(
            v.inspected,
            f"{path}/deliveries",
            {
                "with_staff": list(v.with_staff),
                "delivery_ids": [delivery(v.campus_id, v.day).delivery_id],
                "note": v.weighing,
                "at": _iso(v.inspected),
            },
            manager,
        ),
        Act(
            v.lunched,
            f"{path}/lunch",
            {"ratings": _ratings(v.ratings), "issues": list(v.issues), "at": _iso(v.lunched)},
            manager,
        ),
        Act(
            v.submitted,
            f"{path}/reflection",
            {
                "title": v.title,
                "text": v.reflection,
                "suggestions": list(v.suggestions),
                "consent_to_publish": v.consent,
                "at": _iso(v.submitted),
            },
            v.parent_id,
        ),
    ]
    if v.published:
        out.append(Act(v.reviewed, f"{path}/publish", {"channel": CHANNEL, "at": _iso(v.reviewed)}, manager))
    else:
        reason = {"reason": v.kept_internal, "at": _iso(v.reviewed)}
        out.append(Act(v.reviewed, f"{path}/keep-internal", reason, manager))
    for n, answer in v.answers:
        moment = v.answered(n)
        body: dict[str, Any] = {"suggestion": n, "answer": answer, "at": _iso(moment)}
        out.append(Act(moment, f"{path}/answers", body, manager))
    return out


def _delivery(d: Delivery) -> list[Act]:
    receiver = HEAD_COOK[d.campus_id]
    licence_no, licence_ends = SUPPLIER_LICENCE
    lines = []
    body: dict[str, Any]
    for line in d.lines:
        certificates = []
        if line.quarantine is not None:
            certificates.append({"kind": "quarantine", "number": line.quarantine, "expires_on": d.day.isoformat()})
        lines.append(
            {
                "line_no": line.line_no,
                "item": line.item,
                "category": line.category,
                "batch": d.day.strftime("%Y%m%d"),
                "produced_on": (d.day - timedelta(days=30 if line.category == "aquatic" else 0)).isoformat(),
                "shelf_life_days": 180 if line.category == "aquatic" else (20 if line.category == "eggs" else 2),
                "declared_grams": line.declared_grams,
                "chilled": line.temperature_c10 is not None,
                "certificates": certificates,
            }
        )
    body = {
        "delivery_id": d.delivery_id,
        "campus_id": d.campus_id,
        "supplier_id": SUPPLIER_ID,
        "supplier_name": SUPPLIER_NAME,
        "certificates": [
            {"kind": "supplier_licence", "number": licence_no, "expires_on": licence_ends.isoformat()},
            {"kind": "invoice", "number": f"送货单 {d.day.strftime('%Y%m%d')}-{d.campus_id}"},
        ],
        "lines": lines,
        "at": _iso(d.received),
    }
    path = f"/deliveries/{d.delivery_id}"
    out = [Act(d.received, "/deliveries", body, receiver)]
    for n, line in enumerate(d.lines):
        moment = d.received + timedelta(minutes=10 + 3 * n)
        inspector = d.inspectors[n % 2]
        weighed = {
            "line_no": line.line_no,
            "weighed_grams": line.weighed_grams,
            "temperature_c10": line.temperature_c10,
            "note": "实际重量少于送货单, 按实际重量验收" if line.weighed_grams < line.declared_grams else "",
            "at": _iso(moment),
        }
        out.append(Act(moment, f"{path}/inspections", weighed, inspector))
        if line.pesticide is not None:
            verdict, inhibition = line.pesticide
            tested = moment + timedelta(minutes=12)
            body = {
                "line_no": line.line_no,
                "test_id": f"{d.delivery_id}-{line.line_no}",
                "verdict": verdict,
                "inhibition_permille": inhibition,
                "at": _iso(tested),
            }
            out.append(Act(tested, f"{path}/pesticide-tests", body, d.inspectors[0]))
    decided = d.received + timedelta(minutes=35)
    for line in d.lines:
        if line.rejected and line.pesticide is not None and line.pesticide[0] == "fail":
            continue  # a failed quick test rejects its lot by itself
        if line.rejected:
            body = {"line_no": line.line_no, "reason": line.rejected, "at": _iso(decided)}
            out.append(Act(decided, f"{path}/reject", body, MANAGER[d.campus_id]))
        else:
            out.append(Act(decided, f"{path}/accept", {"line_no": line.line_no, "at": _iso(decided)}, d.inspectors[0]))
    out.append(Act(d.signed, f"{path}/sign", {"at": _iso(d.signed)}, MANAGER[d.campus_id]))
    return out


def _menu(menu: Menu) -> list[Act]:
    body = {
        "campus_id": menu.campus_id,
        "week_of": menu.week_of.isoformat(),
        "meals": [
            {"served_on": day.isoformat(), "meal": "lunch", "dishes": list(dishes)} for day, dishes in menu.meals
        ],
        "at": _iso(menu.planned),
    }
    manager = MANAGER[menu.campus_id]
    return [
        Act(menu.planned, "/menus", body, manager),
        Act(menu.published, f"/menus/{menu.menu_id}/publish", {"at": _iso(menu.published)}, manager),
    ]


def _kitchen_days() -> list[Act]:
    """Each kitchen day: the morning checks (and the stand-down, and its clearing), the fridges
    read, every dish sampled before lunch, the meal served, its samples checked, the samples of
    two days before disposed of."""
    out: list[Act] = []
    for check in morning_checks():
        body = {
            "staff_id": check.staff_id,
            "campus_id": check.campus_id,
            "on": check.day.isoformat(),
            "shift": "lunch",
            "fever": check.fever,
            "gastro": False,
            "hand_wound": False,
            "respiratory": False,
            "dress_ok": True,
            "note": check.note,
        }
        out.append(Act(check.at, "/morning-checks", body, check.by))
    cleared = {"note": FEVER.cleared_note, "at": _iso(FEVER.cleared)}
    out.append(Act(FEVER.cleared, f"/canteen-workers/{FEVER.staff_id}/clear", cleared, MANAGER[FEVER.campus_id]))
    for reading in readings():
        path = f"/temperature-units/{reading.unit.unit_id}"
        body = {"reading_id": reading.reading_id, "c10": reading.c10, "at": _iso(reading.at)}
        out.append(Act(reading.at, f"{path}/readings", body, reading.by))
        if reading.corrected is not None:
            body = {"reading_id": reading.reading_id, "action": reading.corrective, "at": _iso(reading.corrected)}
            out.append(Act(reading.corrected, f"{path}/corrective-actions", body, reading.by))
    for sample in samples():
        body = {
            "sample_id": sample.sample_id,
            "campus_id": sample.campus_id,
            "served_on": sample.day.isoformat(),
            "meal": "lunch",
            "dish": sample.dish,
            "grams": sample.grams,
            "unit_id": f"{sample.campus_id}-sample-fridge",
            "at": _iso(sample.retained),
        }
        out.append(Act(sample.retained, "/food-samples", body, sample.by))
        body = {"at": _iso(sample.disposed)}
        out.append(Act(sample.disposed, f"/food-samples/{sample.sample_id}/dispose", body, sample.by))
    for day in kitchen_days():
        for campus in CAMPUSES:
            served = served_at(day)
            body = {
                "campus_id": campus,
                "on": day.isoformat(),
                "meal": "lunch",
                "dishes": list(lunch(campus, day)),
                "servers": list(servers(campus, day)),
                "diners": DINERS[campus],
            }
            out.append(Act(served, "/meals", body, HEAD_COOK[campus]))
            checked = on_day(day, "13:00")
            meal = f"{campus}-{day.isoformat()}-lunch"
            out.append(Act(checked, f"/meals/{meal}/check-samples", {"at": _iso(checked)}, MANAGER[campus]))
    return out


def _serving() -> list[Act]:
    out: list[Act] = []
    for audit in AUDITS:
        body = {
            "audit_id": audit.audit_id,
            "campus_id": audit.campus_id,
            "meal": "lunch",
            "dish": audit.dish,
            "target_grams": audit.target_grams,
            "rule_code": "Q-1",
            "portions": [{"server_id": who, "grams": list(grams)} for who, grams in audit.portions],
            "at": _iso(audit.when),
        }
        out.append(Act(audit.when, "/serving-audits", body, audit.auditor))
    for v in VIOLATIONS:
        body = {
            "violation_id": v.violation_id,
            "campus_id": v.campus_id,
            "staff_id": v.staff_id,
            "rule_code": v.rule,
            "description": v.description,
            "place": v.place,
            "evidence_refs": list(v.evidence),
            "source": "canteen_audit" if v.when.date() == date(2020, 11, 24) else "patrol",
            "at": _iso(v.when),
        }
        out.append(Act(v.when, "/canteen-violations", body, v.observed_by))
    return out


def _contest() -> list[Act]:
    announced, scored, concluded = CONTEST_ANNOUNCED, CONTEST_SCORED, CONTEST_CONCLUDED
    body = {
        "contest_id": SERVING_CONTEST,
        "school_id": SCHOOL,
        "campus_id": CONTEST_CAMPUS,
        "name": CONTEST_NAME,
        "held_on": CONTEST_HELD_ON.isoformat(),
        "criteria": [{"code": code, "name": name, "max_score": most} for code, name, most in CONTEST_CRITERIA],
        "judges": list(SERVING_JUDGES),
        "entrants": list(SERVING_SCORES),
        "at": _iso(announced),
    }
    path = f"/serving-contests/{SERVING_CONTEST}"
    out = [Act(announced, "/serving-contests", body, "zhou")]
    for n, (who, by_judge) in enumerate(SERVING_SCORES.items()):
        for judge, scores in zip(SERVING_JUDGES, by_judge, strict=True):
            moment = scored + timedelta(minutes=5 * n)
            sheet = {
                "judge": judge,
                "entrant": who,
                "scores": [{"criterion": c[0], "score": s} for c, s in zip(CONTEST_CRITERIA, scores, strict=True)],
                "at": _iso(moment),
            }
            out.append(Act(moment, f"{path}/scores", sheet, "zhou"))  # 周主任 keeps the judges' sheets
    prizes = [
        {
            "entrant": who,
            "prize": prize,
            "title": f"食堂员工打菜技能评比 {PRIZE_NAMES[prize]}",
            "bonus_rule_code": rule,
        }
        for who, prize, rule in SERVING_PRIZES
    ]
    out.append(Act(concluded, f"{path}/conclude", {"prizes": prizes, "at": _iso(concluded)}, "zhou"))
    return out


def _inspection_body(i: SelfInspection) -> dict[str, object]:
    found = {(f.item, f.area): f for f in i.findings}
    results: list[dict[str, object]] = []
    for item, area in i.items:
        finding = found.get((item, area))
        if finding is None:
            results.append({"item": item, "area": area, "ok": True})
        else:
            result: dict[str, object] = {"item": item, "area": area, "ok": False, "note": finding.note}
            if finding.hazard:
                result |= {"hazard": True, "severity": finding.severity}
            results.append(result)
    return {"campus_id": i.campus_id, "cadence": i.cadence, "results": results, "at": _iso(i.when)}


def _survey(s: Survey) -> list[Act]:
    body = {
        "school_id": SCHOOL,
        "term_id": TERM,
        "audience": s.audience,
        "title": s.title,
        "questions": [{"code": code, "text": text} for code, text in SURVEY_QUESTIONS],
        "at": _iso(s.opened),
    }
    out = [Act(s.opened, "/surveys", body, "gu")]
    for counted, respondents, counts in s.batches:
        batch = {
            "respondents": respondents,
            "counts": [
                {"code": code, "satisfied": c[0], "neutral": c[1], "dissatisfied": c[2]}
                for (code, _), c in zip(SURVEY_QUESTIONS, counts, strict=True)
            ],
            "at": _iso(counted),
        }
        out.append(Act(counted, f"/surveys/{s.survey_id}/counts", batch, "gu"))
    out.append(Act(s.closed, f"/surveys/{s.survey_id}/close", {"summary": s.summary, "at": _iso(s.closed)}, "gu"))
    return out
