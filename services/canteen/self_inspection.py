"""Self-inspections (自查): the daily control, the weekly sweep and the monthly review
(日管控、周排查、月调度) of a campus's canteen.

One stream per inspection, its id made of the campus, the cadence and the period it covers
(:func:`self_inspection_id`): ``main-daily-2020-10-15`` (the day), ``main-weekly-2020-10-12``
(the Monday of the week), ``main-monthly-2020-10`` (the month). A campus records one daily
control a day, one weekly sweep a week and one monthly review a month; a second is refused.

Each result is one item of the checklist checked in one area: passed, or failed with a note.
A failed item may be a hazard (a broken fly screen, a cracked gas hose): it then has a severity,
and the inspection reports it to safety as a :class:`HazardFound`, one per hazard, dated when
the inspection was done; safety keeps each once as a hazard of the campus.

The standard checklist of each cadence is data (:data:`STANDARD_CHECKLISTS`). **A daily control
covers every item of the standard daily list** (each in at least one area; more items may be
added): one that leaves any out is refused (422 naming ``results`` and the items missing), so
that a day's control is never recorded half done. The weekly and monthly lists are the
standard's guidance: an inspection of those cadences may check a list of the school's own, and
its reads say which standard items it did not cover.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pydantic import Field, ValidationInfo, field_validator

from services.canteen.common import monday_of
from services.canteen.events import Cadence, CheckResult, HazardFound, SelfInspectionRecorded
from services.eventkit.acts import ActAtOrNow
from services.eventkit.bounds import EntityId, Many, Name, Text
from services.eventkit.commands import Command, examples
from services.eventkit.days import local_day
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent, Value
from services.eventkit.errors import Rejected
from services.safety.events import Severity


@dataclass(frozen=True)
class ChecklistItem:
    """One item of a standard checklist: its name (what a result's ``item`` says) and what is checked."""

    item: str
    checks: str


STANDARD_CHECKLISTS: dict[Cadence, tuple[ChecklistItem, ...]] = {
    Cadence.DAILY: (
        ChecklistItem("晨检", "从业人员晨检：发热、腹泻、手部伤口、呼吸道症状，着装规范"),
        ChecklistItem("留样", "每餐每样菜品留样不少于规定克数，冷藏保存不少于规定时长，标签齐全"),
        ChecklistItem("餐具消毒", "餐饮具清洗消毒到位，保洁柜密闭"),
        ChecklistItem("生熟分开", "生熟食品、工具、容器分开存放和使用"),
        ChecklistItem("防蝇防鼠设施", "纱窗、挡鼠板、灭蝇灯完好有效"),
        ChecklistItem("燃气管道", "燃气管道、软管、阀门无泄漏、无老化，报警器正常"),
        ChecklistItem("冰箱温度", "冷藏 0-8 ℃、冷冻 -18 ℃ 以下，记录完整"),
    ),
    Cadence.WEEKLY: (
        ChecklistItem("原料贮存与保质期", "库存原料分类离地离墙存放，无过期变质"),
        ChecklistItem("索证索票", "本周进货票证齐全、在有效期内"),
        ChecklistItem("加工场所环境卫生", "地面、墙面、排水沟、下水道清洁无积污"),
        ChecklistItem("设施设备", "加工设备、排油烟设施、冷藏设施运转正常"),
        ChecklistItem("消防器材", "灭火器、灭火毯在位有效，疏散通道畅通"),
        ChecklistItem("有害生物防制", "无蟑螂、老鼠、苍蝇活动痕迹"),
        ChecklistItem("日管控问题整改", "本周日管控发现的问题已整改"),
    ),
    Cadence.MONTHLY: (
        ChecklistItem("周排查问题整改", "本月周排查发现的问题已整改并复查"),
        ChecklistItem("从业人员健康证", "全部从业人员健康证在有效期内"),
        ChecklistItem("从业人员培训", "本月食品安全培训已开展并记录"),
        ChecklistItem("供应商评价", "供应商资质、供货质量评价"),
        ChecklistItem("食品安全管理制度落实", "各项制度执行情况，台账完整"),
        ChecklistItem("应急处置准备", "食物中毒等应急预案、物资、联系人有效"),
    ),
}
"""The standard checklist of each cadence (日管控、周排查、月调度), in the order an inspector walks it."""


def missing_items(cadence: Cadence, items: Sequence[str]) -> list[str]:
    """The standard items of ``cadence`` none of ``items`` names, in the list's order."""
    named = {i.strip() for i in items}
    return [c.item for c in STANDARD_CHECKLISTS[cadence] if c.item not in named]


def period_of(cadence: Cadence, day: date) -> date:
    """The first day of the period a ``cadence`` inspection done on ``day`` covers: the day,
    the Monday of its week, or the first of its month."""
    if cadence is Cadence.WEEKLY:
        return monday_of(day)
    if cadence is Cadence.MONTHLY:
        return day.replace(day=1)
    return day


def self_inspection_id(campus_id: str, cadence: Cadence, day: date) -> str:
    """The inspection of ``campus_id`` of ``cadence`` whose period holds ``day``:
    ``<campus>-daily-<day>``, ``<campus>-weekly-<Monday>``, ``<campus>-monthly-<YYYY-MM>``."""
    start = period_of(cadence, day)
    period = start.strftime("%Y-%m") if cadence is Cadence.MONTHLY else start.isoformat()
    return f"{campus_id}-{cadence.value}-{period}"


def hazard_description(item: str, note: str) -> str:
    """What a hazard found in a self-inspection says: the item, and the inspector's note."""
    return f"{item}：{note}" if note else item


# -- commands ----------------------------------------------------------------------------


class CheckLine(Value):
    """One checklist item checked in one area: passed, or failed (with a note); a failed item
    that is a hazard says how severe it is, and is reported to safety."""

    item: Name = Field(description="The checklist item (e.g. 防蝇防鼠设施; the standard list names them)")
    area: Name = Field(description="Where it was checked (e.g. 粗加工间)")
    ok: bool = Field(description="Whether the item passed")
    note: Text = Field(default="", description="What was found (say it for a failed item)")
    hazard: bool = Field(default=False, description="A failed item that is a hazard: reported to safety")
    severity: Severity | None = Field(
        default=None, validate_default=True, description="How severe the hazard is (a hazard only)"
    )

    @field_validator("hazard")
    @classmethod
    def _hazard_failed(cls, hazard: bool, info: ValidationInfo) -> bool:
        # field validators (not a model one), so that the refusal names the field
        if hazard and info.data.get("ok") is True:
            raise ValueError("a hazard is a failed item: ok must be false")
        return hazard

    @field_validator("severity")
    @classmethod
    def _severity_of_hazard(cls, severity: Severity | None, info: ValidationInfo) -> Severity | None:
        hazard = info.data.get("hazard")
        if hazard and severity is None:
            raise ValueError("a hazard says its severity (low, medium, high, critical)")
        if hazard is False and severity is not None:
            raise ValueError("only a hazard has a severity: set hazard, or leave severity out")
        return severity


class RecordSelfInspection(Command):
    """A self-inspection of a campus's canteen: the daily control, the weekly sweep or the
    monthly review, one a period; each failed item that is a hazard is reported to safety."""

    model_config = examples(
        {
            "campus_id": "main",
            "cadence": "daily",
            "at": "2020-10-15T16:30:00+08:00",
            "results": [
                {"item": "晨检", "area": "更衣室", "ok": True},
                {"item": "留样", "area": "留样间", "ok": True},
                {"item": "餐具消毒", "area": "洗消间", "ok": True},
                {"item": "生熟分开", "area": "切配间", "ok": True},
                {
                    "item": "防蝇防鼠设施",
                    "area": "粗加工间",
                    "ok": False,
                    "note": "北侧纱窗破损",
                    "hazard": True,
                    "severity": "medium",
                },
                {"item": "燃气管道", "area": "烹饪间", "ok": True},
                {"item": "冰箱温度", "area": "冷藏间", "ok": True, "note": "2号冷藏柜 4 ℃"},
            ],
        }
    )

    campus_id: EntityId
    cadence: Cadence = Field(description="daily (日管控), weekly (周排查) or monthly (月调度)")
    results: Many[CheckLine] = Field(
        min_length=1, description="Each item checked, in each area (a daily control covers the standard daily list)"
    )
    at: ActAtOrNow = None

    @field_validator("results")
    @classmethod
    def _covers_the_list(cls, results: list[CheckLine], info: ValidationInfo) -> list[CheckLine]:
        seen: set[tuple[str, str]] = set()
        for line in results:
            if (line.item, line.area) in seen:
                raise ValueError(f"{line.item} in {line.area} is given twice")
            seen.add((line.item, line.area))
        cadence = info.data.get("cadence")
        if cadence is Cadence.DAILY:
            missing = missing_items(cadence, [line.item for line in results])
            if missing:
                raise ValueError(f"a daily control covers every item of the daily list; missing: {'、'.join(missing)}")
        return results


# -- state -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SelfInspectionState:
    recorded: bool = False
    campus_id: str = ""
    cadence: Cadence | None = None


def decide(rc: Resolved[RecordSelfInspection], state: SelfInspectionState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if state.recorded:
        raise Rejected(
            f"the {cmd.cadence.value} self-inspection {rc.entity_id} is already recorded: one a period",
            field="cadence",
        )
    expected = self_inspection_id(cmd.campus_id, cmd.cadence, local_day(rc.at))
    if rc.entity_id != expected:  # the id names the period the act falls in
        raise Rejected(f"an inspection done at {rc.at.isoformat()} is {expected}, not {rc.entity_id}", field="at")
    events: list[DomainEvent] = [
        SelfInspectionRecorded(
            inspection_id=rc.entity_id,
            campus_id=cmd.campus_id,
            cadence=cmd.cadence,
            results=[CheckResult(**line.model_dump()) for line in cmd.results],
            inspected_by=rc.actor,
        )
    ]
    for line in cmd.results:
        if line.hazard:
            assert line.severity is not None
            events.append(
                HazardFound(
                    campus_id=cmd.campus_id,
                    area=line.area,
                    description=hazard_description(line.item, line.note),
                    severity=line.severity,
                    found_at=rc.at,
                    source_ref=rc.entity_id,
                    raised_by=rc.actor,
                )
            )
    return events


def evolve(state: SelfInspectionState, event: DomainEvent) -> SelfInspectionState:
    if isinstance(event, SelfInspectionRecorded):
        return SelfInspectionState(True, event.campus_id, event.cadence)
    return state


SelfInspection: Decider[Resolved[RecordSelfInspection], SelfInspectionState, DomainEvent] = Decider(
    "SelfInspection", SelfInspectionState(), decide, evolve, "self-inspection", starts=(RecordSelfInspection,)
)
"""One stream per inspection (:func:`self_inspection_id`)."""
