"""The safety service's reactions to other services' events.

``HealthRecordOpener``: every student enrolled (new or transfer) gets a health
record (一人一档). The record is appended in the transaction that also records the
enrolment as handled, so it is opened once however often the event arrives; a
record the medical room already opened by hand is left as it is.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from pydantic import BaseModel

from services.eventkit.auth import Principal
from services.eventkit.commands import CommandBus, caused_by
from services.eventkit.consumer import Reaction
from services.eventkit.days import local_day
from services.eventkit.db import Connection
from services.eventkit.decider import Resolved
from services.eventkit.envelope import Envelope, TenantPath
from services.eventkit.errors import ConcurrencyConflict
from services.safety.events import SAFETY_EVENTS
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
