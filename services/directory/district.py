"""A district: the root of the tenant tree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.directory.events import DistrictRegistered
from services.eventkit.acts import ActAtOrNow
from services.eventkit.bounds import EntityId, Name
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Rejected

# -- commands ------------------------------------------------------------------------------


class RegisterDistrict(Command):
    model_config = examples({"district_id": "xinbei", "name": "新北区"})

    district_id: EntityId
    name: Name
    at: ActAtOrNow = None


# -- state and decisions -------------------------------------------------------------------


@dataclass(frozen=True)
class DistrictState:
    exists: bool = False
    name: str = ""


def decide_district(rc: Resolved[RegisterDistrict], state: DistrictState) -> Sequence[DomainEvent]:
    if state.exists:
        raise Rejected(f"district {rc.command.district_id} is already registered", field="district_id")
    return [DistrictRegistered(district_id=rc.command.district_id, name=rc.command.name)]


def evolve_district(state: DistrictState, event: DomainEvent) -> DistrictState:
    if isinstance(event, DistrictRegistered):
        return DistrictState(exists=True, name=event.name)
    return state


District: Decider[Resolved[RegisterDistrict], DistrictState, DomainEvent] = Decider(
    "District", DistrictState(), decide_district, evolve_district, "district", starts=(RegisterDistrict,)
)
