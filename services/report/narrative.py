"""The report's narrative, drafted from the figures by rules, in the seed's own shape.

The title and subtitle; 【工作目标回顾】 the four goals; 【实施成效反思】 what was achieved; then
per goal what was done, the numbers in sentences, and 存在问题 (the problems) where a rule finds
one: injuries > 0 → the injury paragraph with its settings; assets unregistered → the
registration problem; keys outstanding → the keys problem; and so on. A paragraph's id is its
rule's key, so that a redraft rewrites the same paragraph and keeps the office's edits.

Pure: figures in, sections out. No I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from services.campus.term_report import AppraisalMonthFigures, AwardFigures, Count, TermFigures
from services.report.events import Paragraph, Section

GOALS = (
    "1. 落实制度，多元融合，确保校园安全。",
    "2. 加强培训，精细管理，提高服务品质。",
    "3. 规范采购，严格把关，完善装备管理。",
    "4. 创新活动，激发活力，促进团队建设。",
)

INSPECTION_NAMES = {
    "daily_patrol": "日巡视",
    "monthly_check": "月检查",
    "special_check": "专项问题集中检查",
    "fire": "消防检查",
}
DRILL_NAMES = {
    "epidemic": "新冠疫情",
    "infectious_disease": "学校传染病应急",
    "food_poisoning": "学校群体性食物中毒应急",
    "fire": "119消防",
    "school_bus": "校车安全",
    "gas_leak": "学校燃气泄漏应急",
    "other": "其他",
}
DRILL_ORDER = tuple(DRILL_NAMES)
SETTING_NAMES = {"pe": "体育课", "break": "课间", "activity": "活动中", "other": "其他场合"}
THEME_NAMES = {
    "drowning": "防溺水",
    "bullying": "防校园欺凌",
    "fire": "消防",
    "mental_health": "心理健康",
    "traffic": "交通安全",
    "school_bus": "校车安全",
    "food_safety": "食品安全",
    "epidemic": "疫情防控",
    "gas": "燃气安全",
}
ROLE_NAMES = {
    "cleaner": "保洁",
    "guard": "保安",
    "logistics_manager": "后勤管理人员",
    "technician": "维修师傅",
    "canteen_worker": "食堂员工",
    "teacher": "教师",
    "class_teacher": "班主任",
}
LEVEL_NAMES = {"school": "校级", "district": "区级", "city": "市级", "province": "省级", "national": "国家级"}
PRIZE_NAMES = {"first": "一等奖", "second": "二等奖", "third": "三等奖", "excellence": "优秀奖", "special": "特等奖"}
MONTH_NAMES = "一二三四五六七八九十"


@dataclass(frozen=True)
class Draft:
    title: str
    subtitle: str
    sections: tuple[Section, ...]


def name_of(names: dict[str, str], key: str) -> str:
    return names.get(key, key)


def _join(parts: Iterable[str], sep: str = "、") -> str:
    return sep.join(p for p in parts if p)


def _counts(counts: Iterable[Count], names: dict[str, str], unit: str) -> str:
    return _join(f"{name_of(names, c.label)}{c.count}{unit}" for c in counts if c.count)


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


def _money(fen: int) -> str:
    return f"{Decimal(fen) / 100:,.2f}元"


def draft(figures: TermFigures, school_name: str = "") -> Draft:
    """The whole report, drafted from ``figures``."""
    scope = figures.scope
    where = school_name or scope.school_id
    if not scope.whole_school:
        where += "（" + _join(scope.campus_names or scope.campus_ids) + "）"
    sections = (
        Section(
            key="goals", heading="【工作目标回顾】", paragraphs=[_p(f"goals.{i + 1}", g) for i, g in enumerate(GOALS)]
        ),
        Section(key="achievements", heading="【实施成效反思】1、取得成绩", paragraphs=_achievements(figures)),
        Section(key="safety", heading="（一）多元融合，保校园安全。", paragraphs=_safety(figures)),
        Section(key="service", heading="（二）创新管理，提服务品质。", paragraphs=_service(figures)),
        Section(key="resources", heading="（三）规范程序，节校园资源。", paragraphs=_resources(figures)),
        Section(key="team", heading="（四）创新活动，建“四有团队”。", paragraphs=_team(figures)),
        Section(key="closing", heading="", paragraphs=[_p("closing", CLOSING)]),
    )
    return Draft(title=f"{where}后勤工作总结", subtitle=f"——{scope.term_name}后勤条线总结", sections=sections)


CLOSING = (
    "回顾这学期的后勤工作，有变革，有作为，也找到了改进空间。新学期的后勤管理将坚守规范的底线，"
    "追求管理提质，不断创新工作方式，在后勤管理上求新作为。"
)


def _goals() -> list[Paragraph]:
    return [_p(f"goals.{i + 1}", goal) for i, goal in enumerate(GOALS)]


def _p(paragraph_id: str, text: str) -> Paragraph:
    return Paragraph(paragraph_id=paragraph_id, text=text)


def _beyond_school(awards: Iterable[AwardFigures]) -> list[AwardFigures]:
    """The awards won outside the school (district, city...): the term's achievements. A school
    contest's prizes are told with the contest."""
    return [a for a in awards if a.level != "school"]


def _award(award: AwardFigures) -> str:
    """``获得<title>`` when the title names the prize (新北区…比赛 团体一等奖), else with level and prize."""
    if "奖" in award.title:
        return f"获得{award.title}"
    return f"在{award.title}中获得{name_of(LEVEL_NAMES, award.level)}{name_of(PRIZE_NAMES, award.prize)}"


def _achievements(f: TermFigures) -> list[Paragraph]:
    a = f.appraisals
    won = _beyond_school(a.awards)
    honours = _join(f"{name_of(LEVEL_NAMES, h.level)}“{h.title}”" for h in a.honours)
    awards = _join(_award(a_) + (f"（{a_.recipient}）" if a_.recipient else "") for a_ in won)
    if not honours and not awards:
        return [_p("achievements.none", "本学期暂无记录在册的荣誉与获奖。")]
    text = "取得成绩："
    if honours:
        text += f"成功创建{honours}，共获荣誉{len(a.honours)}项；"
    if awards:
        text += f"获奖{len(won)}项：{awards}。"
    return [_p("achievements", text.rstrip("；") + ("" if text.endswith("。") else "。"))]


def _safety(f: TermFigures) -> list[Paragraph]:
    s = f.safety
    out: list[Paragraph] = []
    ag = s.agreements
    text = (
        f"首先以责任书压实责任。期初，与全体教职员工签订安全工作责任状，签订{ag.staff_signed}人"
        f"（共{ag.staff_total}人，签订率{_percent(ag.staff_signed, ag.staff_total)}）"
    )
    if ag.parents_total:
        text += (
            f"；与家长签订安全责任状{ag.parents_signed}份（共{ag.parents_total}户，"
            f"签订率{_percent(ag.parents_signed, ag.parents_total)}）"
        )
        if ag.parents_first_time:
            text += "，这是学校首次与家长签订安全责任状"
    out.append(_p("safety.agreements", text + "，明确各自的职责。"))
    h = s.health
    out.append(
        _p(
            "safety.health",
            f"其次是建好一人一档。本学期建立新生及插班生健康档案{h.files_opened}份（新生{h.new_pupils}人、"
            f"插班生{h.transfer_pupils}人），登记特殊体质或特殊情况学生{h.special_conditions}人，"
            f"已告知任课教师{h.teachers_told}人次"
            + (f"，尚有{h.teachers_to_tell}人次待告知" if h.teachers_to_tell else "")
            + "，防患于未然。",
        )
    )
    kinds = {k.kind: k for k in s.inspections}
    regime = _join(
        f"{name_of(INSPECTION_NAMES, kind)}{kinds[kind].done}次"
        + (f"（漏检{kinds[kind].missed}次）" if kinds[kind].missed else "")
        for kind in ("daily_patrol", "monthly_check", "special_check")
        if kind in kinds
    )
    fc = s.fire_checks
    text = f"第三、落实制度。落实校园“日巡视制”“月检查制”“专项问题集中检查制”，本学期完成{regime or '检查0次'}。"
    text += (
        f"每月一次消防检查，共完成消防检查{fc.done}次，覆盖{fc.months_with_check}个月（本学期{fc.months_in_term}个月），"
        f"其中{fc.two_directors}次由两位主任亲自把关、逐一检查"
        + (f"（参与的主任：{_join(fc.directors)}）" if fc.directors else "")
        + "。"
    )
    out.append(_p("safety.inspections", text))
    hz = s.hazards
    text = f"本学期巡视检查共发现安全隐患{hz.reported}处，已整改销号{hz.resolved}处"
    text += f"，期末仍未整改{hz.open}处" if hz.open else "，全部整改到位"
    if hz.escalated:
        items = _join(f"{i.campus_name or i.campus_id}{i.title}" for i in hz.escalated_items)
        to = _join(f"{c.label}" for c in hz.escalated_to)
        text += f"。其中{items}等{hz.escalated}处隐患，及时与{to or '上级部门'}联系"
        resolved = sum(1 for i in hz.escalated_items if i.status in ("closed", "verified", "rectified"))
        text += f"，已妥善解决{resolved}处，消除隐患"
    if hz.median_age_days is not None:
        text += f"；隐患从发现到整改的中位时长为{hz.median_age_days:g}天"
    out.append(_p("safety.hazards", text + "。"))
    b = s.buses
    if b.buses:
        out.append(
            _p(
                "safety.buses",
                f"在校车安全方面，建立校车安全管理档案，做到一车一档：共{b.buses}辆校车，"
                f"{b.files_complete}辆“六定”（定车辆、定驾驶员、定线路、定站点、定时间、定随车照管人员）档案齐全；"
                f"开展校车行驶线路检查{b.route_checks}次，排查标识、警示标牌、隔离护栏、减速设施等情况；"
                f"发现校车交通违法行为{b.violations}起，已整改{b.violations_rectified}起。",
            )
        )
    e = s.education
    drills = sorted(s.drills, key=lambda d: (d.held_on is None, d.held_on, d.kind))
    kinds_done = [k for k in DRILL_ORDER if any(d.kind == k for d in drills)]
    summarised = sum(1 for d in drills if d.summarised)
    text = (
        f"第四、宣教融合。每周五夕会进行主题式的安全教育，本学期共开展{e.friday_sessions}次，"
        f"检查{e.sessions_checked}次；策划安全主题升旗仪式{e.flag_ceremonies}次（覆盖{e.ceremony_months}个月）。"
    )
    if drills:
        text += (
            f"每月安排不同内容的演练，共{len(drills)}次、{len(kinds_done)}类："
            + _join(f"{name_of(DRILL_NAMES, k)}演练" for k in kinds_done)
            + f"，每一次演练都有方案、有记录，{summarised}次已完成总结。"
        )
    out.append(_p("safety.education", text))
    if s.communications_by_theme:
        out.append(
            _p(
                "safety.outreach",
                "采用告家长书、专家讲座、微信推送等多种方式对师生进行主题教育："
                + _counts(s.communications_by_theme, THEME_NAMES, "次")
                + "。",
            )
        )
    for i, c in enumerate(s.campaigns):
        out.append(
            _p(
                f"safety.campaign.{i + 1}",
                f"围绕“{c.name}”主题教育，制定{c.activities}项活动方案，已完成{c.activities_done}项，"
                "围绕方案开展各项活动，进行活动总结。",
            )
        )
    if s.students_watched:
        out.append(
            _p(
                "safety.watch",
                f"对于个别对校园安全有可能构成威胁的学生（本学期{s.students_watched}人），积极与家长沟通，进行陪学，"
                "借助任课教师的力量，加强品德教育，重点关注。",
            )
        )
    inj = s.injuries
    if inj.total:
        text = (
            f"存在问题：学生受伤事故未能避免。本学期，还是发生了{inj.total}起学生受伤事故，"
            + _join((f"{c.count}起发生在{name_of(SETTING_NAMES, c.label)}" for c in inj.by_setting if c.count), "，")
            + "。"
        )
        if inj.at_breaks and inj.at_breaks_with_duty:
            text += f"发生在课间或活动中的{inj.at_breaks}起中，楼层值日教师在岗{inj.at_breaks_with_duty}起；"
        elif inj.at_breaks:
            text += f"发生在课间或活动中的{inj.at_breaks}起，楼层值日教师均未及时到位；"
        if inj.causes:
            text += "究其原因：" + _join(inj.causes, "；") + "。"
        if inj.measures:
            text += "整改措施：" + _join(inj.measures, "；") + "。"
        out.append(_p("safety.problems.injuries", text))
    if s.camera_areas_uncovered or s.incidents_in_uncovered_areas:
        out.append(
            _p(
                "safety.problems.cameras",
                f"校园监控尚有{s.camera_areas_uncovered}处区域未覆盖，本学期有{s.incidents_in_uncovered_areas}起事件"
                "发生在监控盲区，校园监控要调整位置，尽可能全覆盖。",
            )
        )
    return out


def _service(f: TermFigures) -> list[Paragraph]:
    c, inv, a = f.canteen, f.inventory, f.appraisals
    out: list[Paragraph] = []
    cm, pv = c.committee, c.parent_visits
    text = "引进家长资源，共同参与促提升。"
    if cm.members:
        text += (
            f"{'组建了新一届' if cm.new_this_term else ''}膳食委员会（委员{cm.members}人），拟定管理职责，"
            f"召开会议{cm.meetings}次"
            + (f"，第一次会议于{cm.first_meeting_on:%Y年%-m月%-d日}召开" if cm.first_meeting_on else "")
            + "。"
        )
    text += (
        f"每周邀请家长进校园参与早晨的称菜、验菜和中午的陪餐：本学期家长进校{pv.visits}人次，"
        f"{pv.school_weeks}个教学周中有{pv.weeks_with_visit}周有家长参与，陪餐{c.accompanied_meals}次，"
        f"家长撰写并推送心得体会{pv.reflections_published}篇。"
    )
    text += (
        f"食品留样{c.samples.days_covered}天（共{c.samples.days}个供餐日），"
        f"晨检{c.morning_checks.days_covered}天（共{c.morning_checks.days}个供餐日）。"
    )
    out.append(_p("service.canteen", text))
    r = inv.repairs
    if r.reported:
        out.append(
            _p(
                "service.repairs",
                "创新工作方式，齐抓共管成合力。组建了校区保洁与保安的联合群，巡视中发现需要维修的地方及时在群里通报："
                f"本学期报修{r.reported}次（{_counts(r.by_reporter_role, ROLE_NAMES, '次')}），"
                f"已修复{r.done}次、验收{r.verified}次"
                + (f"，从报修到修复的中位时长为{r.median_turnaround_hours:g}小时" if r.median_turnaround_hours else "")
                + "。",
            )
        )
    months = sorted({m.month for m in a.months})
    if months:
        averages = _join(f"{month_name(m)}{avg}分" for m, avg in _averages(a.months).items())
        text = (
            f"改革评价方式，服务师生有成效。每月底由两校区后勤管理人员对每一位员工进行月考核，"
            f"本学期考核{len(months)}个月，月平均分：{averages}。"
            f"共扣分{a.deductions}项，其中{a.deductions_told_before}项在公布前与员工进行了沟通"
        )
        if a.deductions_by_rule:
            top = sorted(a.deductions_by_rule, key=lambda r_: -r_.count)[:3]
            text += "，扣分较多的是" + _join(f"“{r_.text or r_.code}”{r_.count}项" for r_ in top)
        if a.disputes:
            text += f"；员工提出异议{a.disputes}项，已处理{a.disputes_resolved}项"
        out.append(_p("service.appraisals", text + "。"))
    names = {x.name for x in c.contests}  # a canteen contest is kept by hr_eval too: told once
    contests = [x for x in (*c.contests, *(x for x in a.contests if x.name not in names)) if _serving(x.name)]
    if c.serving.uneven or contests:
        text = f"巡视中开展打菜检查{c.serving.audits}次，发现学生餐盒打菜不均匀{c.serving.uneven}次"
        if contests:
            text += "，于是组织员工" + _join(
                f"{x.name}（{x.entrants}人参加" + (f"，{_join(x.winners)}获胜" if x.winners else "") + "）"
                for x in contests
            )
        out.append(_p("service.serving", text + "，以赛促日常工作的不断提升。"))
    short = [
        f"{name}记录{cov.days_covered}天（共{cov.days}个供餐日）"
        for name, cov in (("食品留样", c.samples), ("晨检", c.morning_checks))
        if cov.days_covered < cov.days
    ]
    if short:
        out.append(
            _p(
                "service.problems.records",
                "存在问题：食堂台账还不够完整，" + "，".join(short) + "，要做到每个供餐日都有记录、有检查。",
            )
        )
    if c.serving.uneven:
        out.append(
            _p(
                "service.problems.canteen",
                "存在问题：食堂管理还存在一定漏洞，管理与巡视还需要沉到细处，多观察、多思考；"
                f"本学期打菜不均匀{c.serving.uneven}次，要依靠月考核的指挥棒，奖惩分明，并进一步优化技能比赛的方式。",
            )
        )
    return out


def _serving(name: str) -> bool:
    return "打菜" in name or "serving" in name.lower()


def _averages(months: Iterable[AppraisalMonthFigures]) -> dict[str, str]:
    """Per month (in order), the campuses' averages weighted by their workers: one figure a month."""
    points: dict[str, float] = {}
    workers: dict[str, int] = {}
    for m in months:
        if m.average is not None and m.workers:
            points[m.month] = points.get(m.month, 0.0) + m.average * m.workers
            workers[m.month] = workers.get(m.month, 0) + m.workers
    return {month: f"{points[month] / workers[month]:.1f}" for month in sorted(points)}


def _resources(f: TermFigures) -> list[Paragraph]:
    inv = f.inventory
    p, st, assets, keys = inv.purchases, inv.stock, inv.assets, inv.keys
    out = [
        _p(
            "resources.procurement",
            "规范程序：在物品采购、维修方面，严格执行学校采购制度，做到事先申报，进行审批，采购按规，验收严格，结算有据："
            f"本学期申报采购{p.declared}项、审批{p.approved}项、验收{p.accepted}项、结算{p.settled}项，"
            f"验收金额{_money(p.spend_fen)}；一般日常用品{p.daily_goods_accepted}项由两校区副校长"
            + (f"（{_join(p.daily_goods_acceptors)}）" if p.daily_goods_acceptors else "")
            + f"亲自验收签字，重大采购及维修{p.major_accepted}项由学校验收小组"
            + (f"（{_join(p.major_acceptors)}）" if p.major_acceptors else "")
            + "一一过目。",
        ),
        _p(
            "resources.stock",
            f"加强管理：建立物品领用清单{st.requisition_lists}份（{st.requisition_lines}行），"
            f"期初对{st.quota_items}种日常用品核定数量、按量发放"
            + (f"（超额{st.over_quota}种）" if st.over_quota else "")
            + f"；盘库{st.stock_takes}次，差异{st.variance_lines}项（净差{st.net_variance:+d}）；"
            f"以旧（坏）换新{st.exchanges}次；人为损坏照价赔偿{st.compensation_charges}起，"
            f"共{_money(st.compensation_fen)}。",
        ),
    ]
    problems: list[str] = []
    if assets.unregistered:
        problems.append(
            f"对于各室资产的登记与录入还没有完成：已登记{assets.registered}件，尚有{assets.unregistered}件未登记，"
            "要及时、准确地做好新增资产的录入登记工作。"
        )
    if assets.damage_by_class:
        problems.append(
            f"部分班级对桌椅等公物的保管还不够重视，本学期{len(assets.damage_by_class)}个班级出现公物损坏（"
            + _counts(assets.damage_by_class, {}, "起")
            + "）。"
        )
    if keys.outstanding:
        problems.append(
            f"一些东西只有发放，没有好好回收：本学期发放钥匙{keys.issued}把、收回{keys.returned}把，"
            f"仍有{keys.outstanding}把钥匙未归还" + (f"、{keys.lost}把遗失" if keys.lost else "") + "，要加强管理。"
        )
    if problems:
        out.append(_p("resources.problems", "存在问题：" + "".join(problems)))
    return out


def _team(f: TermFigures) -> list[Paragraph]:
    a = f.appraisals
    contests = [x for x in a.contests if not _serving(x.name)]
    won = _beyond_school(a.awards)
    if not contests and not won:
        return [_p("team.none", "本学期暂无记录在册的团队活动与比赛。")]
    text = "以节点活动为载体，不断增强团队活力。"
    if contests:
        text += (
            "组织" + _join(f"{x.name}（{name_of(LEVEL_NAMES, x.level)}，{x.entrants}人参加）" for x in contests) + "。"
        )
    if won:
        text += "择优参加上级比赛，" + _join((_award(x) for x in won), "，")
        text += "。"
    return [_p("team.activities", text)]


def month_name(month: str) -> str:
    """``2020-10`` → ``10月``."""
    return f"{int(month[5:])}月"
