"""A campus of a school: opened, renamed, closed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from services.directory.events import CampusClosed, CampusOpened, CampusRenamed
from services.eventkit.acts import ActAtOrNow
from services.eventkit.bounds import EntityId, Name, Ref
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Rejected

# -- commands ------------------------------------------------------------------------------


class OpenCampus(Command):
    model_config = examples(
        {"campus_id": "aoyuan", "school_id": "xuexiao", "name": "奥园校区", "address": "常州市新北区"}
    )

    campus_id: EntityId
    school_id: EntityId
    name: Name
    address: Ref = ""
    at: ActAtOrNow = None


class RenameCampus(Command):
    model_config = examples({"name": "奥园校区 (新)"})

    name: Name
    at: ActAtOrNow = None


class CloseCampus(Command):
    model_config = examples({"reason": "并入本部"})

    reason: Name
    at: ActAtOrNow = None


# -- state and decisions -------------------------------------------------------------------


@dataclass(frozen=True)
class CampusState:
    exists: bool = False
    school_id: str = ""
    district_id: str = ""
    name: str = ""
    closed: bool = False


CampusCommand = Resolved[OpenCampus] | Resolved[RenameCampus] | Resolved[CloseCampus]


def decide_campus(rc: CampusCommand, state: CampusState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if isinstance(cmd, OpenCampus):
        if state.exists:
            raise Rejected(f"campus {cmd.campus_id} already exists", field="campus_id")
        return [
            CampusOpened(
                campus_id=cmd.campus_id,
                school_id=cmd.school_id,
                district_id=rc.tenant.district_id or "",
                name=cmd.name,
                address=cmd.address,
            )
        ]
    if not state.exists:
        raise Rejected("the campus does not exist")
    if state.closed:
        raise Rejected(f"campus {state.name} is closed")
    campus_id = rc.tenant.campus_id or ""
    if isinstance(cmd, RenameCampus):
        if cmd.name == state.name:
            return []
        return [CampusRenamed(campus_id=campus_id, name=cmd.name)]
    assert isinstance(cmd, CloseCampus)
    return [CampusClosed(campus_id=campus_id, reason=cmd.reason)]


def evolve_campus(state: CampusState, event: DomainEvent) -> CampusState:
    if isinstance(event, CampusOpened):
        return CampusState(True, event.school_id, event.district_id, event.name)
    if isinstance(event, CampusRenamed):
        return replace(state, name=event.name)
    if isinstance(event, CampusClosed):
        return replace(state, closed=True)
    return state


Campus: Decider[CampusCommand, CampusState, DomainEvent] = Decider(
    "Campus", CampusState(), decide_campus, evolve_campus, "campus", starts=(OpenCampus,)
)
