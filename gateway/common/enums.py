"""The closed vocabularies of the services, as GraphQL enums with their meaning.

Filters and fields take these (a hazard's ``severity``, a staff member's ``roles``...), so an
unknown value is a validation error naming the argument before any service is asked. The
enums are the services' own (one source of truth for the values); what each means is said
here, in the words of the logistics office.
"""

from __future__ import annotations

from enum import Enum, StrEnum

import strawberry

from services.canteen.deliveries import DeliveryStatus
from services.canteen.events import (
    Audience,
    Cadence,
    CertificateKind,
    DinerKind,
    FoodCategory,
    Meal,
    MemberKind,
    UnitKind,
    Verdict,
)
from services.canteen.violations import ViolationSource
from services.directory.events import Admission
from services.eventkit.auth import Role
from services.hr_eval.events import Channel, ContestKind, DisputeOutcome, ItemSource, Level, Prize
from services.inventory.compensation import ChargeStatus
from services.inventory.events import (
    ChargeAgainst,
    DamageCause,
    PurchaseCategory,
    RecipientKind,
    RepairSource,
    ReturnedCondition,
    ReturnedOutcome,
    StockTakePeriod,
)
from services.inventory.keys import KeyStatus
from services.inventory.procurement import PurchaseStatus
from services.inventory.repairs import RepairStatus
from services.inventory.stocktake import StockTakeStatus
from services.safety.drills import DrillStatus
from services.safety.education import SessionStatus
from services.safety.events import (
    BusItem,
    DrillKind,
    InjurySetting,
    InspectionKind,
    PartyKind,
    RoutePoint,
    SessionResult,
    Severity,
)
from services.safety.hazards import HazardStatus


class AssetStatus(StrEnum):
    """Where a room asset stands (the inventory derives it from its damages and disposal)."""

    IN_USE = "in_use"
    DAMAGED = "damaged"
    DISPOSAL_REQUESTED = "disposal_requested"
    DISPOSAL_APPROVED = "disposal_approved"
    DISPOSED = "disposed"


def _describe(cls: type[Enum], description: str, values: dict[str, str]) -> None:
    strawberry.enum(cls, description=description)
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    missing = {member.name for member in cls} - values.keys()
    assert not missing, f"{cls.__name__}: no description for {sorted(missing)}"
    for value in definition.values:
        value.description = values[value.name]


_describe(Admission, "How a student joined the school", {
    "NEW": "A new student (新生), enrolled at the start of a school stage",
    "TRANSFER": "A transfer student (插班生), joining a class from another school",
})  # fmt: skip
_describe(Role, "A role a member of staff (or a parent, or an operator) holds; it decides what they may read and do", {
    "PLATFORM_ADMIN": "Registers districts; covers every district",
    "DISTRICT_ADMIN": "Administers a district: its schools, campuses, staff and calendar",
    "LOGISTICS_MANAGER": "Runs a campus's logistics office (后勤): stock, purchases, repairs, safety",
    "PRINCIPAL": "The school's principal: reads every appraisal, report and record of the school",
    "VICE_PRINCIPAL": "The campus's vice principal in charge of logistics and safety; signs everyday acceptances",
    "ACCEPTANCE_MEMBER": "A member of the acceptance team that signs major purchases and repairs",
    "MEDICAL": "The medical room (医务室): health records, injuries and special conditions",
    "TEACHER": "A teacher of the classes they are assigned to",
    "CLASS_TEACHER": "A head teacher (班主任) of a class",
    "CLEANER": "A cleaner: reports repairs from the places they clean",
    "GUARD": "A guard: gate, keys and patrols",
    "CANTEEN_WORKER": "A canteen worker",
    "TECHNICIAN": "A technician: carries out repairs",
    "OPERATOR": "Runs the system: operations endpoints, lag and the live event stream",
    "PARENT": "A parent of a student of the school",
})  # fmt: skip
_describe(Severity, "How serious a hazard is; it sets how many days it may stay open (its SLA)", {
    "LOW": "Low: 30 days to close",
    "MEDIUM": "Medium: 7 days to close",
    "HIGH": "High: 3 days to close",
    "CRITICAL": "Critical: 1 day to close",
})  # fmt: skip
_describe(HazardStatus, "Where a hazard (隐患) stands, from its report to its verified closing", {
    "REPORTED": "Reported, not yet assigned (or reopened after a failed verification)",
    "ASSIGNED": "Assigned to someone of the campus to rectify",
    "ESCALATED": "Escalated to an outside authority",
    "RECTIFIED": "Rectified, waiting for verification",
    "CLOSED": "Verified and closed",
})  # fmt: skip
_describe(InspectionKind, "A kind of safety inspection of a campus", {
    "DAILY_PATROL": "The daily patrol (日巡视)",
    "MONTHLY_CHECK": "The monthly check (月检查)",
    "SPECIAL_CHECK": "A focused check of one problem (专项问题集中检查)",
    "FIRE": "A fire safety check (消防检查)",
})  # fmt: skip
_describe(DrillKind, "A kind of emergency drill", {
    "EPIDEMIC": "Epidemic response (疫情)",
    "INFECTIOUS_DISEASE": "Infectious disease (传染病)",
    "FOOD_POISONING": "Group food poisoning (群体性食物中毒)",
    "FIRE": "Fire evacuation (119 消防)",
    "SCHOOL_BUS": "School bus safety (校车安全)",
    "GAS_LEAK": "Gas leak (燃气泄漏)",
    "OTHER": "Any other drill",
})  # fmt: skip
_describe(DrillStatus, "Where a drill stands", {
    "PLANNED": "Planned for a day, not yet held",
    "CONDUCTED": "Held, its summary not yet filed",
    "SUMMARISED": "Held and summarised",
})  # fmt: skip
_describe(InjurySetting, "Where a student injury happened", {
    "PE": "In a PE lesson (体育课)",
    "BREAK": "During a break (课间)",
    "ACTIVITY": "During a school activity (活动)",
    "OTHER": "Anywhere else at school",
})  # fmt: skip
_describe(SessionStatus, "Where a Friday safety session of a class stands", {
    "PLANNED": "Planned for its week",
    "DELIVERED": "Delivered by the teacher",
    "CHECKED": "Checked by the campus",
})  # fmt: skip
_describe(SessionResult, "What the check of a safety session found", {
    "GOOD": "Delivered well",
    "NEEDS_IMPROVEMENT": "To be improved",
})  # fmt: skip
_describe(PartyKind, "Who signs a responsibility agreement", {
    "STAFF": "A member of staff",
    "PARENT": "A parent, for their child",
})  # fmt: skip
_describe(BusItem, "One of the six fixed items (六定) of a school bus's file", {
    "VEHICLE": "The vehicle (定车)",
    "DRIVER": "The driver (定驾驶员)",
    "ROUTE": "The route (定线路)",
    "STOPS": "The stops (定站点)",
    "TIMES": "The times (定时间)",
    "ESCORT": "The escort teacher (定随车照管人员)",
})  # fmt: skip
_describe(RoutePoint, "A safety point checked along a bus route", {
    "SIGNS": "Signs (标识)",
    "WARNING_BOARDS": "Warning boards (警示标牌)",
    "GUARDRAILS": "Guardrails (隔离护栏)",
    "SPEED_HUMPS": "Speed humps (减速设施)",
})  # fmt: skip
_describe(PurchaseCategory, "The kind of a purchase, which decides who signs its acceptance", {
    "EVERYDAY": "Everyday supplies (一般日常用品): the campus's vice principal signs acceptance",
    "MAJOR": "A major purchase or repair (重大采购及维修): the acceptance team signs",
})  # fmt: skip
_describe(PurchaseStatus, "Where a purchase stands in the procurement pipeline", {
    "REQUESTED": "Requested, waiting for a decision",
    "APPROVED": "Approved, not yet bought",
    "REJECTED": "Rejected",
    "PURCHASED": "Bought, waiting for acceptance",
    "ACCEPTED": "Accepted by its signers, waiting for settlement",
    "SETTLED": "Settled against its invoice",
})  # fmt: skip
_describe(RepairStatus, "Where a repair (维修) stands", {
    "REPORTED": "Reported, not yet assigned",
    "ASSIGNED": "Assigned to a technician",
    "DONE": "Done, waiting for verification",
    "VERIFIED": "Verified by the one who reported it or a manager",
})  # fmt: skip
_describe(RepairSource, "Where a repair came from", {
    "REPORTED": "Reported from a place by a cleaner, a guard or a manager",
    "HAZARD": "Asked for by campus safety to rectify a hazard",
})  # fmt: skip
_describe(KeyStatus, "Where a key stands", {
    "ISSUED": "Out with its holder",
    "RETURNED": "Back in the key cabinet",
    "LOST": "Reported lost",
})  # fmt: skip
_describe(ChargeAgainst, "Who a compensation charge is against", {
    "PERSON": "A person (a student or a member of staff)",
    "CLASS": "A whole class",
})  # fmt: skip
_describe(ChargeStatus, "Where a compensation charge stands", {
    "CHARGED": "Charged, not yet paid",
    "PAID": "Paid, with a receipt",
    "WAIVED": "Waived, with a reason",
})  # fmt: skip
_describe(DamageCause, "What caused damage to an asset", {
    "WEAR": "Wear and tear: nobody is charged",
    "PERSON": "A person (or a class): a compensation charge may follow",
})  # fmt: skip
_describe(RecipientKind, "Who a requisition of stock is issued to", {
    "PERSON": "A member of staff",
    "DEPARTMENT": "A department (teaching group, office)",
})  # fmt: skip
_describe(StockTakePeriod, "Why a stock-take (盘库) is held", {
    "MONTHLY": "The monthly count",
    "TERM_END": "The count at the end of a term",
})  # fmt: skip
_describe(StockTakeStatus, "Where a stock-take stands", {
    "OPEN": "Counting in progress",
    "CLOSED": "Closed: variances booked against the stock",
})  # fmt: skip
_describe(AssetStatus, "Where a room asset stands", {
    "IN_USE": "In use, undamaged",
    "DAMAGED": "Damaged (see its damages)",
    "DISPOSAL_REQUESTED": "Disposal requested",
    "DISPOSAL_APPROVED": "Disposal approved, not yet carried out",
    "DISPOSED": "Disposed of",
})  # fmt: skip

_describe(ItemSource, "Where an appraisal item comes from", {
    "PATROL": "What an appraiser saw on the daily patrol",
    "INSPECTION": "A finding of a safety inspection naming the worker",
    "CANTEEN_AUDIT": "A canteen self-inspection or serving audit",
    "COMPLAINT": "A complaint of a teacher, a parent or a pupil",
    "CONTEST": "A prize in a contest (a bonus)",
    "OTHER": "Another source",
})  # fmt: skip
_describe(Channel, "How a deduction was told to the worker before publication", {
    "IN_PERSON": "Face to face",
    "PHONE": "By telephone",
    "MESSAGE": "By a private message (not the staff group)",
    "MEETING": "At a meeting",
})  # fmt: skip
_describe(DisputeOutcome, "How a disputed deduction was decided", {
    "UPHELD": "The item stands as it was",
    "REDUCED": "The item counts fewer points",
    "WITHDRAWN": "The item is taken back (0 points)",
})  # fmt: skip

_describe(ContestKind, "What kind of contest it is", {
    "SKILL": "A skill contest, e.g. the canteen staff's serving-skill contest (打菜技能评比)",
    "SPORT": "A sports contest, e.g. rope-skipping and shuttlecock (跳绳踢毽)",
    "SPEECH": "A speech contest, e.g. the young teachers' ethics speech contest (师德演讲)",
    "OTHER": "Another kind of contest",
})  # fmt: skip
_describe(Level, "The level of a contest, an award or an honour", {
    "SCHOOL": "The school's own",
    "DISTRICT": "The district's (区级)",
    "CITY": "The city's (市级)",
    "PROVINCE": "The province's (省级)",
    "NATION": "The nation's (国家级)",
})  # fmt: skip
_describe(Prize, "The prize of an award", {
    "FIRST": "First prize (一等奖)",
    "SECOND": "Second prize (二等奖)",
    "THIRD": "Third prize (三等奖)",
    "EXCELLENCE": "Excellence award (优秀奖)",
    "SPECIAL": "Special prize (特等奖)",
})  # fmt: skip
_describe(Cadence, "How often a canteen self-inspection (食堂自查) is done", {
    "DAILY": "The daily control (日管控): covers the whole standard daily checklist",
    "WEEKLY": "The weekly sweep (周排查)",
    "MONTHLY": "The monthly review (月调度)",
})  # fmt: skip

# -- the canteen's deliveries (进货查验) and pesticide quick tests (农残快检) --
_describe(CertificateKind, "What a certificate that comes with a delivery is (索证索票)", {
    "SUPPLIER_LICENCE": "The supplier's food business licence or business licence (食品经营许可证 / 营业执照)",
    "QUARANTINE": "An animal quarantine certificate of a meat or poultry line (动物检疫合格证明)",
    "INSPECTION_REPORT": "A batch's inspection or test report (检验检测报告)",
    "INVOICE": "The delivery note or invoice (票据)",
})  # fmt: skip
_describe(FoodCategory, "A delivery line's kind of food: it says which checks the line needs", {
    "LEAFY_VEGETABLE": "Leafy vegetables: quick-tested for pesticide residues before acceptance",
    "BEANS": "Beans (豆类): quick-tested for pesticide residues before acceptance",
    "VEGETABLE": "Other vegetables",
    "MEAT": "Meat: comes with a quarantine certificate",
    "POULTRY": "Poultry: comes with a quarantine certificate",
    "AQUATIC": "Fish and other aquatic products",
    "EGGS": "Eggs",
    "DAIRY": "Milk and dairy products",
    "GRAIN_OIL": "Rice, flour and cooking oil",
    "CONDIMENT": "Condiments",
    "FRUIT": "Fruit",
    "OTHER": "Anything else",
})  # fmt: skip
_describe(Verdict, "The outcome of a pesticide quick test", {
    "PASS": "Passed: the lot may be accepted",
    "FAIL": "Failed (an enzyme inhibition of 50 % or more): the lot is rejected and may not be used",
})  # fmt: skip
_describe(DeliveryStatus, "Where a delivery's acceptance stands", {
    "RECEIVED": "Received: its lines are being weighed, tested and decided",
    "SIGNED": "Its acceptance is signed (two-person acceptance): nothing of it changes any more",
})  # fmt: skip

# -- the canteen: meals, kitchen equipment, violations, the meal committee and surveys --
_describe(Meal, "A meal of a day at a campus's canteen (also a canteen worker's shift)", {
    "BREAKFAST": "Breakfast (早餐)",
    "LUNCH": "Lunch (午餐)",
    "DINNER": "Dinner (晚餐)",
})  # fmt: skip
_describe(UnitKind, "A piece of kitchen equipment whose temperature is logged", {
    "FRIDGE": "A fridge (冷藏)",
    "FREEZER": "A freezer (冷冻)",
    "HOT_HOLDING": "Hot holding (热藏): food kept hot for serving",
    "SAMPLE_FRIDGE": "The food-sample fridge (留样冰箱)",
    "DISHWASHER": "A dish-washing machine (its rinse temperature)",
})  # fmt: skip
_describe(ViolationSource, "How a canteen worker's violation was seen", {
    "PATROL": "On the manager's patrol, or on camera",
    "CANTEEN_AUDIT": "At a canteen audit or self-inspection",
})  # fmt: skip
_describe(MemberKind, "Who sits on a meal committee", {
    "PARENT": "A parent (家长代表)",
    "TEACHER": "A teacher (教师代表)",
    "LEADER": "A school leader: the principal, a vice principal, a director",
    "CANTEEN": "The canteen's manager or a canteen worker",
    "PUPIL": "A pupils' representative (学生代表)",
    "OTHER": "Anyone else the school invites",
})  # fmt: skip
_describe(DinerKind, "Who ate with the pupils at an accompanied meal (陪餐)", {
    "LEADER": "A school leader (领导陪餐)",
    "PARENT": "A parent, on their visit (家长陪餐)",
    "TEACHER": "A teacher",
})  # fmt: skip
_describe(Audience, "Who a satisfaction survey asks", {
    "PUPILS": "The pupils (学生)",
    "PARENTS": "The parents (家长)",
    "STAFF": "The school's staff (教职工)",
})  # fmt: skip

_describe(ReturnedCondition, "The state of what was handed back for old for new (以旧换新)", {
    "WORN": "Worn out by its ordinary use",
    "BROKEN": "Broken in use (a person's doing is charged at price instead)",
})  # fmt: skip
_describe(ReturnedOutcome, "What becomes of what was handed back for old for new", {
    "DISPOSED": "Thrown away or disposed of (报废)",
    "REPAIRED": "Sent for repair, back on the shelf once fixed",
})  # fmt: skip

__all__ = [
    "Admission", "AssetStatus", "Audience", "BusItem", "Cadence", "CertificateKind", "Channel", "ChargeAgainst",
    "ChargeStatus", "ContestKind", "DamageCause", "DeliveryStatus", "DinerKind", "DisputeOutcome", "DrillKind",
    "DrillStatus", "FoodCategory", "HazardStatus", "InjurySetting", "InspectionKind", "ItemSource", "KeyStatus",
    "Level", "Meal", "MemberKind", "PartyKind", "Prize", "PurchaseCategory", "PurchaseStatus", "RecipientKind",
    "RepairSource", "RepairStatus",
    "ReturnedCondition", "ReturnedOutcome", "Role", "RoutePoint", "SessionResult", "SessionStatus", "Severity",
    "StockTakePeriod", "StockTakeStatus", "UnitKind", "Verdict", "ViolationSource",
]  # fmt: skip
