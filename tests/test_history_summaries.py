"""Every service's history summaries: each names an event type of its service, and reads
only fields its event has (run on a payload of each type with every field filled)."""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from typing import Any

import pytest
from pydantic import BaseModel

from services import registry
from services.eventkit.envelope import DomainEvent
from services.eventkit.runtime import ServiceDefinition

DEFINITIONS = [service.load() for service in registry.SERVICES]


def sample(annotation: Any) -> Any:
    """A value of a field's type (the first of a union, one item of a list)."""
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin in (typing.Union, types.UnionType):
        return sample(args[0])
    if origin is list:
        return [sample(args[0])]
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            return next(iter(annotation))
        if issubclass(annotation, BaseModel):
            return filled(annotation)
        if issubclass(annotation, bool):
            return True
        if issubclass(annotation, int):
            return 1
        if issubclass(annotation, dt.datetime):
            return dt.datetime(2020, 10, 12, tzinfo=dt.UTC)
        if issubclass(annotation, dt.date):
            return dt.date(2020, 10, 12)
    return "x"


def filled(model: type[BaseModel]) -> Any:
    return model.model_construct(**{name: sample(f.annotation) for name, f in model.model_fields.items()})


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.name)
def test_every_summary_reads_its_own_events_fields(definition: ServiceDefinition) -> None:
    policy = definition.history
    names = set(definition.registry.names)
    assert set(policy.summaries) <= names and set(policy.titles) <= names
    for name, summary in policy.summaries.items():
        event: DomainEvent = filled(definition.registry.model_for(name))
        line = summary(event)
        assert line and "\n" not in line, name


def test_the_main_services_summarise_their_main_events() -> None:
    by_name = {d.name: d for d in DEFINITIONS}
    assert len(by_name["safety"].history.summaries) >= 30
    assert len(by_name["inventory"].history.summaries) >= 30
    assert len(by_name["directory"].history.summaries) >= 15
