"""A term's figures as the seed's school would have them: for the report's pure tests (the
narrative, the decider, the documents) without the services."""

from __future__ import annotations

from datetime import date

from services.campus.term_report import (
    AgreementFigures,
    AppraisalFigures,
    AppraisalMonthFigures,
    AssetFigures,
    AwardFigures,
    BusFigures,
    CampaignFigures,
    CanteenFigures,
    CommitteeFigures,
    ContestFigures,
    Count,
    CoverageFigures,
    DrillFigures,
    EducationFigures,
    FireCheckFigures,
    HazardFigures,
    HazardItem,
    HealthFigures,
    HonourFigures,
    InjuryFigures,
    InspectionKindFigures,
    InventoryFigures,
    KeyFigures,
    ParentVisitFigures,
    PurchaseFigures,
    RepairFigures,
    RuleFigures,
    SafetyFigures,
    ServingFigures,
    StockFigures,
    TermFigures,
    TermScope,
)

SCOPE = TermScope(
    school_id="xuexiao",
    district_id="xinbei",
    term_id="2020-2021-1",
    term_name="2020-2021 第一学期",
    starts_on=date(2020, 9, 1),
    ends_on=date(2021, 1, 31),
    campus_ids=("aoyuan", "main"),
    campus_names=("奥园校区", "本部"),
    whole_school=True,
)

ON_DAYS = tuple(date(2020, 9, 1).replace(month=m) for m in (9, 10, 10, 11, 12, 12))
DRILLS = ("epidemic", "infectious_disease", "food_poisoning", "fire", "school_bus", "gas_leak")

SEED_FIGURES = TermFigures(
    scope=SCOPE,
    safety=SafetyFigures(
        agreements=AgreementFigures(
            staff_signed=40, staff_total=40, parents_signed=12, parents_total=12, parents_first_time=True
        ),
        health=HealthFigures(
            files_opened=6, new_pupils=4, transfer_pupils=2, special_conditions=2, teachers_told=4, teachers_to_tell=0
        ),
        inspections=(
            InspectionKindFigures(kind="daily_patrol", done=90),
            InspectionKindFigures(kind="monthly_check", done=5),
            InspectionKindFigures(kind="special_check", done=2),
            InspectionKindFigures(kind="fire", done=5),
        ),
        fire_checks=FireCheckFigures(
            done=5, months_with_check=5, months_in_term=5, two_directors=5, directors=("周主任", "顾主任")
        ),
        hazards=HazardFigures(
            reported=5,
            escalated=2,
            resolved=5,
            open=0,
            escalated_to=(Count(label="新北区教育局", count=2),),
            by_age=(Count(label="7天内", count=3), Count(label="8–30天", count=2), Count(label="30天以上", count=0)),
            median_age_days=6,
            escalated_items=(
                HazardItem(
                    hazard_id="aoyuan-wall-tiles",
                    title="外墙墙砖脱落",
                    campus_id="aoyuan",
                    campus_name="奥园校区",
                    escalated_to="新北区教育局",
                    status="closed",
                    age_days=20,
                ),
                HazardItem(
                    hazard_id="main-playground-manhole",
                    title="操场窨井盖下沉",
                    campus_id="main",
                    campus_name="本部",
                    escalated_to="新北区教育局",
                    status="closed",
                    age_days=12,
                ),
            ),
        ),
        buses=BusFigures(buses=1, files_complete=1, route_checks=3, violations=1, violations_rectified=1),
        drills=tuple(
            DrillFigures(kind=k, campus_id="main", held_on=ON_DAYS[i], recorded=True, summarised=True)
            for i, k in enumerate(DRILLS)
        ),
        education=EducationFigures(friday_sessions=18, sessions_checked=18, flag_ceremonies=5, ceremony_months=5),
        campaigns=(CampaignFigures(name="交通安全日“六个一”", theme="traffic", activities=6, activities_done=6),),
        injuries=InjuryFigures(
            total=4,
            by_setting=(Count(label="pe", count=1), Count(label="break", count=2), Count(label="activity", count=1)),
            causes=("课间追逐打闹",),
            measures=("楼层值日到位",),
            at_breaks=3,
            at_breaks_with_duty=3,
        ),
        communications_by_theme=(Count(label="drowning", count=1), Count(label="bullying", count=1)),
        students_watched=1,
        camera_areas_uncovered=1,
        incidents_in_uncovered_areas=1,
    ),
    canteen=CanteenFigures(
        committee=CommitteeFigures(members=9, meetings=1, first_meeting_on=date(2020, 9, 18), new_this_term=True),
        parent_visits=ParentVisitFigures(visits=18, weeks_with_visit=18, school_weeks=20, reflections_published=18),
        accompanied_meals=18,
        samples=CoverageFigures(days=90, days_covered=90),
        morning_checks=CoverageFigures(days=90, days_covered=90),
        serving=ServingFigures(audits=4, uneven=2),
        contests=(ContestFigures(name="食堂员工打菜技能评比", entrants=6, winners=("王师傅",)),),
    ),
    inventory=InventoryFigures(
        purchases=PurchaseFigures(
            declared=4,
            approved=4,
            accepted=3,
            settled=3,
            daily_goods_accepted=2,
            daily_goods_acceptors=("陈副校长",),
            major_accepted=1,
            major_acceptors=("验收小组",),
            spend_fen=1_280_050,
        ),
        stock=StockFigures(
            requisition_lists=12,
            requisition_lines=40,
            quota_items=8,
            stock_takes=2,
            variance_lines=1,
            net_variance=-2,
            exchanges=3,
            compensation_charges=1,
            compensation_fen=8000,
        ),
        assets=AssetFigures(
            registered=30,
            unregistered=12,
            damage_by_class=(
                Count(label="一(5)班", count=1),
                Count(label="一(6)班", count=1),
                Count(label="一(7)班", count=1),
            ),
        ),
        keys=KeyFigures(issued=10, returned=8, outstanding=2),
        repairs=RepairFigures(
            reported=6,
            done=6,
            verified=6,
            median_turnaround_hours=5,
            by_reporter_role=(Count(label="cleaner", count=3), Count(label="guard", count=3)),
        ),
    ),
    appraisals=AppraisalFigures(
        months=tuple(
            AppraisalMonthFigures(month=m, campus_id="main", workers=10, average=96.5, published=True)
            for m in ("2020-09", "2020-10", "2020-11", "2020-12", "2021-01")
        ),
        deductions=7,
        deductions_told_before=7,
        deductions_by_rule=(RuleFigures(code="R-2", text="责任区卫生不达标", count=4, points=-12),),
        disputes=1,
        disputes_resolved=1,
        awards=(
            AwardFigures(title="新北区青年教师师德演讲比赛", level="district", prize="first", recipient="黄金萍"),
            AwardFigures(title="新北区女教工跳绳踢毽比赛", level="district", prize="first", recipient="女教工队"),
        ),
        honours=(HonourFigures(title="常州市园林式单位", level="city", awarded_on=date(2020, 12, 1)),),
    ),
)
