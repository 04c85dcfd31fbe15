"""The safety service's reactions to other services' events.

``HealthRecordOpener``: every student enrolled (new or transfer) gets a health
record (一人一档). The record is appended in the transaction that also records the
enrolment as handled, so it is opened once however often the event arrives; a
record the medical room already opened by hand is left as it is.
"""

from __future__ import annotations

from dataclasses import replace

from services.directory import events as directory
from services.directory.events import DIRECTORY_EVENTS
from services.eventkit.auth import Principal
from services.eventkit.commands import CommandBus, caused_by
from services.eventkit.consumer import Reaction
from services.eventkit.db import Connection
from services.eventkit.decider import Resolved
from services.eventkit.envelope import Envelope, TenantPath
from services.eventkit.errors import ConcurrencyConflict
from services.safety.events import SAFETY_EVENTS
from services.safety.health import ADMISSION, CLASS_ID, HealthRecord, OpenHealthRecord

SYSTEM = Principal(subject="safety.health-record-opener", name="一人一档")


class HealthRecordOpener(Reaction):
    name = "health-record-opener"
    event_types = frozenset({"directory.StudentEnrolled"})

    async def handle(self, conn: Connection, envelope: Envelope) -> None:
        e = DIRECTORY_EVENTS.decode(envelope)
        if not isinstance(e, directory.StudentEnrolled):
            return
        tenant = TenantPath(district_id=e.district_id, school_id=e.school_id, campus_id=e.campus_id)
        command = OpenHealthRecord(student_id=e.student_id, opened_on=e.enrolled_on)
        ctx = replace(caused_by(envelope, SYSTEM), expected_version=0)  # only a record nobody opened yet
        facts = {CLASS_ID: e.class_id, ADMISSION: e.admission.value}
        try:
            async with conn.transaction():  # a savepoint: losing a race undoes only this
                await CommandBus.in_transaction("safety", SAFETY_EVENTS).execute(
                    HealthRecord, e.student_id, Resolved(command, tenant, e.student_id, facts), ctx, tenant, conn=conn
                )
        except ConcurrencyConflict:
            return  # the medical room opened it by hand first
