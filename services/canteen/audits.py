"""Serving audits (打菜均匀): a manager weighs portions of one dish as each server dishes them.

Each server (a canteen worker of the campus) has at least three portions weighed. Per server:
the mean portion, and the spread — heaviest less lightest, over the target, in per mille
(rounded half up). A spread within the district's serving tolerance (in force on the audit's
day) passes; for each server beyond it, the audit proposes a deduction in that worker's monthly
appraisal (:class:`services.canteen.events.AppraisalItemProposed`, source ``canteen_audit``,
under the rule the command names), dated by the audit's time. One stream per audit, recorded once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from services.canteen.common import Grams
from services.canteen.events import (
    AppraisalItemProposed,
    Meal,
    ServerPortions,
    ServerResult,
    ServingAuditRecorded,
)
from services.canteen.rules import rules_from
from services.eventkit.acts import ActAtOrNow
from services.eventkit.bounds import EntityId, Few, Name
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent, Value
from services.eventkit.errors import Rejected
from services.hr_eval.events import ItemSource

RuleCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$", max_length=32),
    Field(description="The code of the appraisal rule book's rule a deduction is proposed under, e.g. Q-1"),
]
"""A rule of the staff appraisal's rule book, as the canteen proposes it."""


# -- commands ----------------------------------------------------------------------------


class ServerPortionsLine(Value):
    """The portions one server dished, weighed."""

    server_id: EntityId = Field(description="The canteen worker serving (staff id)")
    grams: Few[Grams] = Field(min_length=3, description="Each portion weighed, in grams (at least three)")


class RecordServingAudit(Command):
    """Portions of one dish of a meal weighed per server against the target portion."""

    model_config = examples(
        {
            "audit_id": "main-2020-10-14-lunch-1",
            "campus_id": "main",
            "meal": "lunch",
            "dish": "红烧鸡块",
            "target_grams": 100,
            "rule_code": "Q-1",
            "portions": [
                {"server_id": "jiang-cook", "grams": [98, 102, 100]},
                {"server_id": "han-canteen", "grams": [80, 120, 101]},
            ],
            "at": "2020-10-14T11:40:00+08:00",
        }
    )

    audit_id: EntityId = Field(description="The audit's id, chosen by the client")
    campus_id: EntityId
    meal: Meal = Field(description="The meal audited (its day is the day of the audit)")
    dish: Name = Field(description="The dish whose portions are weighed")
    target_grams: Grams = Field(ge=1, description="The portion each pupil is due, in grams")
    rule_code: RuleCode
    portions: Few[ServerPortionsLine] = Field(min_length=1, description="The portions weighed, per server")
    at: ActAtOrNow = None

    @field_validator("portions")
    @classmethod
    def _distinct(cls, portions: list[ServerPortionsLine]) -> list[ServerPortionsLine]:
        servers = [p.server_id for p in portions]
        if len(set(servers)) != len(servers):
            raise ValueError("each server appears once")
        return portions


# -- state -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditState:
    recorded: bool = False


def result_of(
    portions: ServerPortionsLine | ServerPortions, target_grams: int, tolerance_permille: int
) -> ServerResult:
    """A server's mean portion and spread per mille of the target (both rounded half up)."""
    grams = portions.grams
    n = len(grams)
    mean = (2 * sum(grams) + n) // (2 * n)
    spread = (2000 * (max(grams) - min(grams)) + target_grams) // (2 * target_grams)
    return ServerResult(
        server_id=portions.server_id,
        mean_grams=mean,
        spread_permille=spread,
        within_tolerance=spread <= tolerance_permille,
    )


AuditCommand = Resolved[RecordServingAudit]


def decide(rc: AuditCommand, state: AuditState) -> Sequence[DomainEvent]:
    cmd = rc.command
    if state.recorded:
        raise Rejected(f"serving audit {cmd.audit_id} is already recorded", field="audit_id")
    tolerance = rules_from(rc.facts).serving_tolerance_permille
    results = [result_of(p, cmd.target_grams, tolerance) for p in cmd.portions]
    events: list[DomainEvent] = [
        ServingAuditRecorded(
            audit_id=cmd.audit_id,
            campus_id=cmd.campus_id,
            served_on=rc.on,
            meal=cmd.meal,
            dish=cmd.dish,
            target_grams=cmd.target_grams,
            tolerance_permille=tolerance,
            portions=[ServerPortions(server_id=p.server_id, grams=list(p.grams)) for p in cmd.portions],
            results=results,
            auditor_id=rc.actor,
        )
    ]
    for result in results:
        if result.within_tolerance:
            continue
        events.append(
            AppraisalItemProposed(
                staff_id=result.server_id,
                campus_id=cmd.campus_id,
                occurred_at=rc.at,
                source=ItemSource.CANTEEN_AUDIT,
                source_ref=cmd.audit_id,
                rule_code=cmd.rule_code,
                note=(
                    f"打菜不均匀: {cmd.dish} ({cmd.meal.value}) target {cmd.target_grams} g, "
                    f"mean {result.mean_grams} g, spread {result.spread_permille}‰ > {tolerance}‰"
                ),
            )
        )
    return events


def evolve(state: AuditState, event: DomainEvent) -> AuditState:
    return AuditState(True) if isinstance(event, ServingAuditRecorded) else state


ServingAudit: Decider[AuditCommand, AuditState, DomainEvent] = Decider(
    "ServingAudit", AuditState(), decide, evolve, "serving-audit", starts=(RecordServingAudit,)
)
"""One stream per audit."""
