"""The words of the schema that mean the same wherever they appear.

A type's own fields are described where the type is written. What is shared is said once
here: the ids every record carries (``campusId``...), the arguments every list takes
(``first``, ``after``, ``asOf``, ``campusId``...), and the fields of the commands' inputs,
which are the services' pydantic models (their documentation lives with the services; this
is what the API says of them). :func:`describe` gives every element of the built schema that
has no description of its own the one named here ("Type.field" before "field");
``tests/gateway/test_descriptions.py`` proves nothing is left undescribed.

Money is in fen (分, a hundredth of a yuan); a day is a day at the school (its time zone);
an instant is ISO 8601 with its offset.
"""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
)

TYPES: dict[str, str] = {
    "Query": "What the logistics office reads: the directory, campus safety, the inventory and operations",
    "Subscription": "What is pushed as it happens (graphql-transport-ws)",
    "CommandResult": "What a command answers: Accepted, or why it was not (each a type of its own)",
    "BusFileInput": "A school bus's file: the six fixed items (六定)",
    "RoutePointResultInput": "What a route check found at one safety point",
    "PurchaseLineRequestInput": "A line of a purchase request: what, how many, at what estimated price",
    "BoughtLineRequestInput": "A line as bought: how many, at what price (same order as the request's lines)",
    "RequisitionLineRequestInput": "A line of a requisition: an item of the catalogue and how many",
}

# Fields of output types and inputs alike, by name.
FIELDS: dict[str, str] = {
    "districtId": "The district (a directory id)",
    "schoolId": "The school (a directory id)",
    "campusId": "The campus (a directory id)",
    "classId": "The class (a directory id)",
    "studentId": "The student (a directory id)",
    "staffId": "The member of staff (a directory id)",
    "parentId": "The parent (a directory id)",
    "termId": "The term of the school calendar (a directory id)",
    "itemId": "The item of the school's catalogue",
    "hazardId": "The hazard's id",
    "inspectionId": "The inspection's id",
    "drillId": "The drill's id",
    "injuryId": "The injury's id",
    "busId": "The bus's id",
    "campaignId": "The campaign's id",
    "sessionId": "The safety session's id",
    "purchaseId": "The purchase's id",
    "repairId": "The repair's id",
    "keyId": "The key's id",
    "assetId": "The room asset's id",
    "chargeId": "The compensation charge's id",
    "stocktakeId": "The stock-take's id",
    "departmentId": "The department (teaching group, office) whose quota it is",
    "campus": "The campus, from the directory (null if outside the caller's scope)",
    "name": "The name, as people at the school use it",
    "quantity": "How many, in the item's unit",
    "unit": "The unit the item is counted in (个, 箱, 包...)",
    "category": "The item's category in the catalogue",
    "reorderPoint": "At or below this many on hand, the item is to be reordered",
    "unitPriceFen": "The price of one unit, in fen",
    "amountFen": "The amount, in fen",
    "room": "The room, as the campus names it",
    "reason": "Why, in the words of the one who acts",
    "note": "A note of the one who acts",
    "description": "What it is, in the words of the one who wrote it",
    "summary": "The summary written when it was finished",
    "title": "Its title",
    "theme": "Its theme",
    "roles": "The roles held",
    "campusIds": "The campuses served (directory ids)",
    "phone": "A phone number (kept by the directory, shown to no one through this API)",
    "admission": "How the student joined the school",
    "severity": "How serious the hazard is",
    "setting": "Where the injury happened",
    "kind": "Its kind",
    "against": "Who the charge is against: a person or a class",
    "againstId": "The person or class charged (a directory id)",
    "relation": "How the parent is related to the student (母亲, 父亲...)",
    "area": "Where on the campus",
    "ok": "Whether it passed",
    "measures": "The measures taken so it does not happen again",
    "cause": "What caused it",
}

# Fields of one type (or one input) only, where the shared word would say too little.
TYPE_FIELDS: dict[str, str] = {
    "AcknowledgeSpecialConditionInput.conditionId": "The special condition read and acknowledged",
    "ApprovePurchaseInput.note": "The approver's note",
    "ApproveQuotaOverrideInput.overrideId": "A new id for this override",
    "ApproveQuotaOverrideInput.extra": "How many may be issued beyond the quota, in the item's unit",
    "ApproveQuotaOverrideInput.reason": "Why more than the quota is needed",
    "AssignHazardInput.assigneeId": "Who of the campus rectifies it (a member of staff)",
    "AssignHazardInput.dueOn": "The day it is to be rectified by (at the school); none: the severity's SLA",
    "AssignTeacherInput.subject": "The subject taught in the class",
    "AssignTeacherInput.isClassTeacher": "Whether the teacher is also the class's head teacher (班主任)",
    "AuditRoomInput.auditId": "A new id for this room audit",
    "AuditRoomInput.foundTags": "The asset tags found in the room",
    "BusFileInput.vehicle": "The vehicle: plate and model",
    "BusFileInput.driver": "The driver and their licence",
    "BusFileInput.route": "The route",
    "BusFileInput.stops": "The stops, in order",
    "BusFileInput.times": "The times it runs",
    "BusFileInput.escort": "The escort teacher on board",
    "CatalogueItemInput.itemId": "A new id for the item",
    "CatalogueItemInput.consumable": "Whether it is used up (issued) rather than kept (an asset)",
    "ChangeBusItemInput.item": "Which of the six fixed items changes",
    "ChangeBusItemInput.value": "Its new value (a list of stops for stops, a text for the others)",
    "ChangeBusItemInput.reason": "Why it changes",
    "ChargeCompensationInput.chargeId": "A new id for the charge",
    "ChargeCompensationInput.quantity": "How many of the item are charged",
    "ChargeCompensationInput.reason": "What was lost or damaged, and how",
    "CheckSessionInput.result": "What the check found",
    "CheckSessionInput.note": "The checker's note",
    "CloseCampusInput.reason": "Why the campus closes",
    "CloseInjuryInput.cause": "What caused the injury",
    "CompleteInspectionInput.summary": "The inspection's summary",
    "CompleteRepairInput.note": "What was done",
    "ConductDrillInput.participants": "How many took part",
    "ConductDrillInput.evacuationSeconds": "How long the evacuation took, in seconds (none for drills without one)",
    "ConductDrillInput.recordRef": "The reference of the drill's record (photos, sign-in sheet)",
    "DamageAssetInput.cause": "What caused the damage: wear, or a person",
    "DamageAssetInput.description": "What was damaged and how",
    "EducationLaunchCampaignInput.campaignId": "A new id for the safety campaign",
    "EducationLaunchCampaignInput.title": "The campaign's title (安全月, 防溺水...)",
    "EducationLaunchCampaignInput.activities": "The campaign's activities, each to be marked done",
    "EnrollStudentInput.studentId": "A new id for the student",
    "EnrollStudentInput.classId": "The class the student joins",
    "EscalateHazardInput.authority": "The outside authority it is escalated to (fire brigade, gas company...)",
    "EscalateHazardInput.reference": "That authority's reference for it",
    "FollowUpInput.note": "What was done or learned in the follow-up",
    "HoldFlagCeremonyInput.theme": "The safety theme of the flag ceremony (国旗下讲话)",
    "HoldFlagCeremonyInput.speaker": "Who spoke",
    "IssueKeyInput.keyId": "The key issued",
    "IssueRequisitionInput.requisitionId": "A new id for the requisition list",
    "IssueRequisitionInput.recipientKind": "Whether a person or a department receives the goods",
    "IssueRequisitionInput.recipientId": "Who receives them (a member of staff or a department)",
    "IssueRequisitionInput.lines": "The items and quantities issued",
    "JoinStaffInput.staffId": "A new id for the member of staff",
    "LaunchCampaignInput.campaignId": "A new id for the agreement campaign",
    "LaunchCampaignInput.title": "The agreement's title (安全责任书)",
    "LaunchCampaignInput.documentRef": "The reference of the agreement's document",
    "LaunchCampaignInput.parties": "Who signs it: staff, parents, or both",
    "LeaveStaffInput.reason": "Why the member of staff leaves",
    "LinkParentInput.studentId": "The child linked to the parent",
    "MarkActivityDoneInput.activity": "The activity done (one of the campaign's)",
    "MarkActivityDoneInput.note": "How it went",
    "MoveAssetInput.toRoom": "The room it moves to",
    "MoveStudentInput.toClassId": "The class the student moves to",
    "NotifyParentInput.how": "How the parents were told (phone, in person...)",
    "OpenCampusInput.campusId": "A new id for the campus",
    "OpenCampusInput.address": "The campus's address",
    "OpenClassInput.classId": "A new id for the class",
    "OpenClassInput.grade": "The grade (1 to 12)",
    "OpenHealthRecordInput.formRef": "The reference of the health form handed in at admission",
    "PayCompensationInput.receiptRef": "The receipt's reference",
    "PlanDrillInput.drillId": "A new id for the drill",
    "PlanSessionInput.sessionId": "A new id for the safety session",
    "PlanSessionInput.classId": "The class that holds it",
    "PurchaseLineRequestInput.estimatedUnitPriceFen": "The estimated price of one unit, in fen",
    "ReceiveStockInput.reason": "Where the goods came from, as they came by no purchase",
    "RecordCountInput.counted": "How many were counted on the shelf",
    "RecordFindingInput.item": "The checklist item checked",
    "RecordFindingInput.ok": "Whether it passed; a failed item raises a hazard at once",
    "RecordFindingInput.note": "What the inspector saw",
    "RecordPurchaseInput.supplier": "Who it was bought from",
    "RecordPurchaseInput.bought": "What was bought, line by line, in the order of the request's lines",
    "RecordRouteCheckInput.checkId": "A new id for the route check",
    "RecordRouteCheckInput.results": "What was found at each safety point of the route",
    "RecordSpecialConditionInput.conditionId": "A new id for the special condition",
    "RecordSpecialConditionInput.description": "The condition (allergy, asthma, heart condition...)",
    "RecordSpecialConditionInput.careInstructions": "What the class's teachers are to do about it",
    "RecordViolationInput.violationId": "A new id for the violation",
    "RecordViolationInput.description": "What rule of the bus was broken",
    "RectifyHazardInput.note": "What was done to rectify it",
    "RectifyViolationInput.violationId": "The violation rectified",
    "RefuseAgreementInput.partyId": "Who refuses to sign (a member of staff or a parent)",
    "RefuseAgreementInput.reason": "Why they refuse",
    "RegisterAssetInput.assetId": "A new id for the asset",
    "RegisterAssetInput.description": "What the asset is (projector, desk set...)",
    "RegisterBusInput.busId": "A new id for the bus",
    "RegisterBusInput.file": "The bus's file: the six fixed items",
    "RegisterDistrictInput.districtId": "A new id for the district",
    "RegisterParentInput.parentId": "A new id for the parent",
    "RegisterSchoolInput.schoolId": "A new id for the school",
    "RejectPurchaseInput.reason": "Why the purchase is rejected",
    "RenameCampusInput.name": "The campus's new name",
    "RepairAssetInput.note": "What was repaired",
    "ReportHazardInput.hazardId": "A new id for the hazard",
    "ReportHazardInput.description": "What is wrong",
    "ReportHazardInput.photoRef": "The reference of a photo of it",
    "ReportInjuryInput.injuryId": "A new id for the injury",
    "ReportInjuryInput.injury": "What happened and the injury (read only by the medical room, the class's teachers "
    "and the campus's safety managers)",
    "ReportInjuryInput.firstAid": "The first aid given",
    "ReportKeyLostInput.note": "How the key was lost",
    "ReportRepairInput.repairId": "A new id for the repair",
    "ReportRepairInput.description": "What is broken, and where",
    "RequestDisposalInput.reason": "Why the asset is to be disposed of",
    "RequestPurchaseInput.purchaseId": "A new id for the purchase",
    "RequestPurchaseInput.lines": "What is asked for, line by line",
    "RequestPurchaseInput.reason": "Why it is needed",
    "ReviewHealthRecordInput.notes": "The review's notes",
    "RoutePointResultInput.point": "The safety point checked",
    "RoutePointResultInput.note": "What was seen there",
    "ScheduleTermInput.termId": "A new id for the term",
    "ScheduleTermInput.name": "The term's name (2024 秋季学期...)",
    "ScheduleTermInput.startsOn": "Its first day",
    "ScheduleTermInput.endsOn": "Its last day",
    "SetInspectionScheduleInput.kind": "The kind of inspection scheduled",
    "SetQuotaInput.quantity": "How many of the item the department may be issued in the term",
    "SettlePurchaseInput.invoiceRef": "The invoice's reference",
    "SettlePurchaseInput.amountFen": "The amount settled, in fen",
    "SignAcceptanceInput.note": "The signer's note on what was delivered",
    "SignAgreementInput.partyId": "Who signs (a member of staff or a parent)",
    "StartInspectionInput.inspectionId": "A new id for the inspection",
    "StartInspectionInput.areas": "The areas of the campus it covers",
    "StartInspectionInput.checklist": "The checklist items to check",
    "StartStockTakeInput.stocktakeId": "A new id for the stock-take",
    "StartStockTakeInput.period": "Why it is held: monthly or at the end of a term",
    "StudentLeavesInput.reason": "Why the student leaves (graduation, transfer...)",
    "SummariseCampaignInput.summary": "The campaign's summary",
    "SummariseDrillInput.summary": "The drill's summary: what went well, what is to improve",
    "SummariseDrillInput.reportRef": "The reference of the drill's report",
    "UnassignTeacherInput.staffId": "The teacher who no longer teaches the class",
    "VerifyHazardInput.passed": "Whether the rectification passes; if not, the hazard is reported again",
    "VerifyHazardInput.note": "What the verifier saw",
    "WaiveCompensationInput.reason": "Why the charge is waived",
}

ARGUMENTS: dict[str, str] = {
    "first": "How many items at most (a page holds 1 to 500; each counts towards the query's cost)",
    "after": "The cursor after which the page starts (pageInfo.endCursor of the page before); none: from the start",
    "asOf": "The day the figures are for, as things stood at its end (default: today at the school)",
    "input": "The command's fields",
    "idempotencyKey": "A key of the client's own: the same command sent again with it is applied once",
    "districtId": "Only those of this district",
    "schoolId": "Only those of this school",
    "campusId": "Only those of this campus",
    "classId": "Only those of this class",
    "termId": "Only those of this term",
    "studentId": "Only those of this student",
    "hazardId": "Only those raised for this hazard",
    "assetId": "Only those of this asset",
    "againstId": "Only those against this person or class",
    "month": "Only those of the month of this day",
    "status": "Only those in this status",
    "state": "Only those in this state",
    "severity": "Only hazards of this severity",
    "kind": "Only those of this kind",
    "setting": "Only injuries that happened in this setting",
    "category": "Only purchases of this category",
    "role": "Only staff holding this role",
    "room": "Only those in this room",
    "open": "Only open injuries (true) or closed ones (false)",
    "openOnly": "Only hazards still open at the end of the day asked (asOf)",
    "completed": "Only completed inspections (true) or those in progress (false)",
    "belowReorderPoint": "Only items at or below their reorder point",
    "overdueOnly": "Only keys past their due day",
    "on": "Only the term this day falls in",
    "services": "Only events of these services (directory, safety, inventory)",
    "types": "Only events of these types (HazardReported...)",
}

# Arguments of one field, where the shared word would say too little ("Type.field(argument)").
FIELD_ARGUMENTS: dict[str, str] = {
    "Query.campus(campusId)": "The campus",
    "Query.hazard(hazardId)": "The hazard",
    "Query.purchase(purchaseId)": "The purchase",
    "Query.parent(parentId)": "The parent",
    "Query.catalogue(schoolId)": "The school whose catalogue it is",
    "Query.catalogueItem(itemId)": "The item",
    "Query.asset(assetId)": "The asset",
    "Query.compensation(chargeId)": "The compensation charge",
    "Query.stockTake(stocktakeId)": "The stock-take",
    "Subscription.events(campusId)": "Only events of this campus",
}

# The path parameters of the commands: which record the command acts on.
PATH_ARGUMENTS = "The {} the command acts on"


def _path_argument(name: str) -> str | None:
    if name.endswith("Id"):
        words = {"stocktake": "stock-take", "charge": "compensation charge", "session": "safety session"}
        entity = name[:-2]
        return PATH_ARGUMENTS.format(words.get(entity, entity))
    return None


def describe(schema: GraphQLSchema) -> GraphQLSchema:
    """Gives every type, field, argument and input field of ``schema`` with no description of
    its own the one named here."""
    for name, named in schema.type_map.items():
        if name.startswith("__"):
            continue
        if not named.description and name in TYPES:
            named.description = TYPES[name]
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in named.fields.items():
                if not field.description:
                    field.description = TYPE_FIELDS.get(f"{name}.{field_name}") or FIELDS.get(field_name)
                for arg_name, arg in getattr(field, "args", {}).items():
                    if not arg.description:
                        arg.description = (
                            FIELD_ARGUMENTS.get(f"{name}.{field_name}({arg_name})")
                            or (_path_argument(arg_name) if name == "Mutation" else None)
                            or ARGUMENTS.get(arg_name)
                        )
        elif isinstance(named, GraphQLEnumType | GraphQLUnionType):
            pass  # enums are described with their values (gateway.common.enums), unions in TYPES
    return schema
