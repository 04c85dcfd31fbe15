"""The safety service's reactions to other services' events.

``HealthRecordOpener``: every student enrolled (new or transfer) gets a health
record (一人一档). The record is appended in the transaction that also records the
enrolment as handled, so it is opened once however often the event arrives; a
record the medical room already opened by hand is left as it is.

``HazardsFromServices``: a hazard another service found (the canteen's self-inspection)
is reported as a hazard of the campus, once: its id is made from the raising event's.

``HazardsRectifiedByRepairs``: the inventory's verified repair of a hazard rectifies the
hazard, once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from pydantic import BaseModel

from services.eventkit.auth import Principal
from services.eventkit.bounds import NAME_LENGTH, TEXT_LENGTH
from services.eventkit.commands import CommandBus, caused_by
from services.eventkit.consumer import Reaction
from services.eventkit.days import local_day
from services.eventkit.db import Connection
from services.eventkit.decider import Resolved
from services.eventkit.envelope import Envelope, TenantPath
from services.eventkit.errors import ConcurrencyConflict
from services.safety.events import SAFETY_EVENTS, HazardRaised, RepairOfHazardVerified, hazard_id_of_raising
from services.safety.hazards import Hazard, HazardState, RectifyFromRepair, ReportHazard
from services.safety.health import ADMISSION, CLASS_ID, HealthRecord, OpenHealthRecord

SYSTEM = Principal(subject="safety.health-record-opener", name="一人一档")


class Enrolment(BaseModel):
    """What the opener reads of the directory's ``directory.StudentEnrolled`` (by wire name: a
    service never imports another's classes; unknown fields are ignored)."""

    student_id: str
    class_id: str
    campus_id: str
    school_id: str
    district_id: str
    admission: str
    enrolled_on: date


class HealthRecordOpener(Reaction):
    name = "health-record-opener"
    event_types = frozenset({"directory.StudentEnrolled"})

    async def handle(self, conn: Connection, envelope: Envelope) -> None:
        if envelope.type != "directory.StudentEnrolled":
            return
        e = Enrolment.model_validate(envelope.data)
        tenant = TenantPath(district_id=e.district_id, school_id=e.school_id, campus_id=e.campus_id)
        ctx = replace(caused_by(envelope, SYSTEM), expected_version=0)  # only a record nobody opened yet
        # opened the day of the enrolment, or the day it was recorded if that is earlier (an
        # enrolment entered ahead of its day: a record is not opened in the future)
        command = OpenHealthRecord(student_id=e.student_id, on=min(e.enrolled_on, local_day(ctx.occurred_at)))
        facts = {CLASS_ID: e.class_id, ADMISSION: e.admission}
        try:
            async with conn.transaction():  # a savepoint: losing a race undoes only this
                await CommandBus.in_transaction("safety", SAFETY_EVENTS).execute(
                    HealthRecord, e.student_id, Resolved(command, tenant, e.student_id, facts), ctx, tenant, conn=conn
                )
        except ConcurrencyConflict:
            return  # the medical room opened it by hand first


HAZARDS_SYSTEM = Principal(subject="safety.hazards-from-services", name="外部隐患上报")

RAISING_SOURCES: dict[str, str] = {"canteen.HazardFound": "食堂自查"}
"""The wire names of other services' :class:`HazardRaised` events safety reports, and what each
hazard's description says it came from."""

_RAISED_FIELDS = frozenset(HazardRaised.model_fields)


def raised_hazard(envelope: Envelope) -> HazardRaised:
    """The hazard an event raises, read by the contract alone (fields the raising service adds are not read)."""
    return HazardRaised.model_validate({k: v for k, v in envelope.data.items() if k in _RAISED_FIELDS})


class HazardsFromServices(Reaction):
    """Another service found a hazard (the canteen's self-inspection: a broken fly screen, a
    cracked gas hose): reported as a hazard of its campus, with the safety hazard's rules from
    then on (its SLA counted from when it was found). Its id is made from the raising event's
    (:func:`hazard_id_of_raising`), so the same event delivered again reports nothing new; it is
    dated when it was found, and its description says where it came from."""

    name = "hazards-from-services"
    event_types = frozenset(RAISING_SOURCES)

    async def handle(self, conn: Connection, envelope: Envelope) -> None:
        source = RAISING_SOURCES.get(envelope.type)
        if source is None:
            return
        raised = raised_hazard(envelope)
        hazard_id = hazard_id_of_raising(envelope.event_id)
        tenant = TenantPath(district_id=envelope.district_id, school_id=envelope.school_id, campus_id=raised.campus_id)
        bus = CommandBus.in_transaction("safety", SAFETY_EVENTS)
        _, version = await bus.load(Hazard, Hazard.stream_id(hazard_id), conn=conn)
        if version != 0:
            return  # the same event delivered again: reported already
        command = ReportHazard(
            hazard_id=hazard_id,
            campus_id=raised.campus_id,
            area=raised.area[:NAME_LENGTH],
            description=f"{source} {raised.source_ref}（{raised.raised_by} 发现）：{raised.description}"[:TEXT_LENGTH],
            severity=raised.severity,
            photo_ref=raised.photo_ref,
            at=raised.found_at,
        )
        # dated by the finding, and only a hazard nobody reported yet
        ctx = replace(caused_by(envelope, HAZARDS_SYSTEM), expected_version=0)
        try:
            async with conn.transaction():  # a savepoint: losing a race undoes only this
                await bus.execute(Hazard, hazard_id, Resolved(command, tenant, hazard_id), ctx, tenant, conn=conn)
        except ConcurrencyConflict:
            return  # delivered twice at once: the other delivery reported it


REPAIRS_SYSTEM = Principal(subject="safety.hazards-from-repairs", name="维修验收整改")


class HazardsRectifiedByRepairs(Reaction):
    """The inventory verified the in-house repair of a hazard (``inventory.RepairVerified`` with
    a ``hazard_id``, read by wire name and payload alone: :class:`RepairOfHazardVerified`): the
    hazard is rectified, dated by that verification and named after who did the repair (the
    record is this reaction's). Exactly once: the rectification names its repair, and a repair
    that rectified the hazard once records nothing again (a redelivery, or the same event
    delivered twice at once: the loser of the race finds it done); a hazard already rectified by
    hand, closed or reopened is left as it is. The hazard's verification stays with safety's
    managers, and none of the repair's doers may give it."""

    name = "hazards-rectified-by-repairs"
    event_types = frozenset({"inventory.RepairVerified"})

    async def handle(self, conn: Connection, envelope: Envelope) -> None:
        if envelope.type != "inventory.RepairVerified":
            return
        verified = RepairOfHazardVerified.model_validate(envelope.data)
        if verified.hazard_id is None:
            return  # a repair reported by hand: no hazard to rectify
        hazard_id = verified.hazard_id
        done_by = verified.done_by or verified.assignee_id
        if done_by is None:
            return  # a verification that does not say who did the repair (never recorded so): nothing to name
        command = RectifyFromRepair(
            repair_id=verified.repair_id,
            done_by=done_by,
            fixed_by=tuple(who for who in (verified.assignee_id,) if who),
            note=f"维修 {verified.repair_id} 已验收（{verified.verified_by}）：{verified.note}"[:TEXT_LENGTH],
        )
        bus = CommandBus.in_transaction("safety", SAFETY_EVENTS)
        ctx = replace(caused_by(envelope, REPAIRS_SYSTEM), acted_at=verified.verified_at)
        for attempt in range(3):
            state: HazardState
            state, version = await bus.load(Hazard, Hazard.stream_id(hazard_id), conn=conn)
            if version == 0:
                return  # not a hazard of this district's safety records
            tenant = TenantPath(
                district_id=envelope.district_id, school_id=envelope.school_id, campus_id=state.campus_id
            )
            try:
                async with conn.transaction():  # a savepoint: losing a race undoes only this
                    await bus.execute(
                        Hazard,
                        hazard_id,
                        Resolved(command, tenant, hazard_id),
                        replace(ctx, expected_version=version),
                        tenant,
                        conn=conn,
                    )
                return
            except ConcurrencyConflict:
                if attempt == 2:
                    raise  # the hazard kept changing: the runner delivers it again
                # another act on the hazard came first: decide again on what it left
