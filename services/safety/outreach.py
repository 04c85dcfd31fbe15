"""Parent communications for safety education (家校安全宣传): letters to parents (告家长书),
expert talks (专家讲座), WeChat posts (微信推送) and parent meetings, each on safety themes
(drowning, bullying, fire, mental health ...), for an audience (the campus, some grades, some
classes), with how many families it reached and how many acknowledged it.

A communication is recorded on the day it went out or was held, a day of a term (the handler
looks the term up: ``facts``), with its reach so far; the reach is counted again later (more
receipts come back), never lower than before and no earlier than the day it went out. Fewer
families acknowledge than were reached.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from services.eventkit.acts import ActOn, not_before
from services.eventkit.bounds import Count, EntityId, Few, Name, Ref, ShortText
from services.eventkit.commands import Command, examples
from services.eventkit.decider import Decider, Resolved
from services.eventkit.envelope import DomainEvent
from services.eventkit.errors import Rejected
from services.safety.common import TERM_ID, in_term
from services.safety.events import (
    Audience,
    AudienceScope,
    CommunicationKind,
    ParentCommunicationReachCounted,
    ParentCommunicationRecorded,
    SafetyTheme,
)

Grade = Annotated[int, Field(ge=1, le=12)]


class AudienceOf(BaseModel):
    """Who it was for: the whole campus, some grades, or some classes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scope: AudienceScope = Field(description="campus, grades or classes", examples=["campus"])
    grades: Few[Grade] = Field(default_factory=list, description="The grades (scope grades)", examples=[[5, 6]])
    class_ids: Few[EntityId] = Field(
        default_factory=list, description="The classes (scope classes)", examples=[["g6-1"]]
    )

    @model_validator(mode="after")
    def _fits_the_scope(self) -> Self:
        if self.scope is AudienceScope.GRADES and not self.grades:
            raise ValueError("an audience of grades names at least one grade")
        if self.scope is AudienceScope.CLASSES and not self.class_ids:
            raise ValueError("an audience of classes names at least one class")
        if self.scope is not AudienceScope.GRADES and self.grades:
            raise ValueError(f"an audience of scope {self.scope.value} names no grades")
        if self.scope is not AudienceScope.CLASSES and self.class_ids:
            raise ValueError(f"an audience of scope {self.scope.value} names no classes")
        if len(set(self.grades)) != len(self.grades) or len(set(self.class_ids)) != len(self.class_ids):
            raise ValueError("grades and classes are named once each")
        return self

    def recorded(self) -> Audience:
        return Audience(scope=self.scope, grades=list(self.grades), class_ids=list(self.class_ids))


def acknowledged_of_reached(acknowledged: int, info: ValidationInfo) -> int:
    reached = info.data.get("reached")
    if reached is not None and acknowledged > reached:
        raise ValueError(f"more acknowledged ({acknowledged}) than reached ({reached})")
    return acknowledged


class RecordParentCommunication(Command):
    model_config = examples(
        {
            "communication_id": "main-letter-drowning-2020",
            "campus_id": "main",
            "kind": "letter",
            "themes": ["drowning"],
            "on": "2020-09-04",
            "audience": {"scope": "campus"},
            "title": "致家长的一封信: 珍爱生命 预防溺水",
            "reference": "docs/letters/2020-09-04-drowning.pdf",
            "reached": 1180,
            "acknowledged": 1102,
        }
    )

    communication_id: EntityId
    campus_id: EntityId
    kind: CommunicationKind = Field(description="A letter, an expert talk, a WeChat post ...", examples=["letter"])
    themes: Few[SafetyTheme] = Field(min_length=1, description="Its safety themes", examples=[["drowning"]])
    on: ActOn
    audience: AudienceOf = Field(description="Who it was for", examples=[{"scope": "campus"}])
    title: Name = Field(examples=["致家长的一封信: 珍爱生命 预防溺水"])
    reference: Ref = Field(
        min_length=1,
        description="The letter's file, the post's link, the talk's record",
        examples=["docs/letters/2020-09-04-drowning.pdf"],
    )
    speaker: ShortText = Field(default="", description="Who spoke (an expert talk)", examples=["市公安局 王警官"])
    reached: Count = Field(default=0, description="Families (a talk: people) reached so far", examples=[1180])
    acknowledged: Count = Field(
        default=0, description="Of them, who acknowledged it (a receipt, a read confirmation)", examples=[1102]
    )

    @field_validator("themes")
    @classmethod
    def _distinct(cls, themes: list[SafetyTheme]) -> list[SafetyTheme]:
        if len(set(themes)) != len(themes):
            raise ValueError("each theme is named once")
        return themes

    @field_validator("acknowledged")
    @classmethod
    def _acknowledged_of_reached(cls, acknowledged: int, info: ValidationInfo) -> int:
        return acknowledged_of_reached(acknowledged, info)


class CountReach(Command):
    """The reach counted again: how many were reached and acknowledged by the day counted."""

    model_config = examples({"reached": 1190, "acknowledged": 1165, "on": "2020-09-11"})

    reached: Count = Field(description="Families (a talk: people) reached so far", examples=[1190])
    acknowledged: Count = Field(description="Of them, who acknowledged it so far", examples=[1165])
    on: ActOn

    @field_validator("acknowledged")
    @classmethod
    def _acknowledged_of_reached(cls, acknowledged: int, info: ValidationInfo) -> int:
        return acknowledged_of_reached(acknowledged, info)


@dataclass(frozen=True)
class CommunicationState:
    recorded: bool = False
    sent_on: date | None = None
    reached: int = 0
    acknowledged: int = 0
    last_counted_on: date | None = None


CommunicationCommand = Resolved[RecordParentCommunication] | Resolved[CountReach]


def decide(rc: CommunicationCommand, state: CommunicationState) -> Sequence[DomainEvent]:
    """``facts``: the term of the day it went out (the handler looks it up)."""
    cmd = rc.command
    if isinstance(cmd, RecordParentCommunication):
        if state.recorded:
            raise Rejected(f"communication {cmd.communication_id} is already recorded", field="communication_id")
        in_term(cmd.on, rc.facts, field="on")
        return [
            ParentCommunicationRecorded(
                communication_id=cmd.communication_id,
                campus_id=cmd.campus_id,
                term_id=rc.facts[TERM_ID],
                kind=cmd.kind,
                themes=list(cmd.themes),
                sent_on=cmd.on,
                audience=cmd.audience.recorded(),
                title=cmd.title,
                reference=cmd.reference,
                speaker=cmd.speaker,
                reached=cmd.reached,
                acknowledged=cmd.acknowledged,
            )
        ]
    if not state.recorded:
        raise Rejected("the communication was never recorded")
    assert isinstance(cmd, CountReach)
    not_before(cmd.on, state.sent_on, field="on", step="sent", what="communication")
    not_before(cmd.on, state.last_counted_on, field="on", step="counted", what="reach")
    if cmd.reached < state.reached:
        raise Rejected(f"{state.reached} were reached already: a count does not go down", field="reached")
    if cmd.acknowledged < state.acknowledged:
        raise Rejected(f"{state.acknowledged} acknowledged already: a count does not go down", field="acknowledged")
    if (cmd.reached, cmd.acknowledged) == (state.reached, state.acknowledged):
        raise Rejected("the reach is already that", field="reached")
    return [
        ParentCommunicationReachCounted(
            communication_id=rc.entity_id, reached=cmd.reached, acknowledged=cmd.acknowledged, counted_on=cmd.on
        )
    ]


def evolve(state: CommunicationState, event: DomainEvent) -> CommunicationState:
    match event:
        case ParentCommunicationRecorded():
            return CommunicationState(
                recorded=True, sent_on=event.sent_on, reached=event.reached, acknowledged=event.acknowledged
            )
        case ParentCommunicationReachCounted():
            return replace(
                state, reached=event.reached, acknowledged=event.acknowledged, last_counted_on=event.counted_on
            )
    return state


ParentCommunication: Decider[CommunicationCommand, CommunicationState, DomainEvent] = Decider(
    "ParentCommunication",
    CommunicationState(),
    decide,
    evolve,
    "parent-communication",
    starts=(RecordParentCommunication,),
)
