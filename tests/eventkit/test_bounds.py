"""Every input of every command is bounded: each string, list and number field of every command
model of every service (its command table's rows and every route's body) has a bound, from
``services.eventkit.bounds``. A service added to the registry (the canteen, the staff appraisal)
is walked as soon as it is listed."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field, ValidationError

from services.eventkit.app import service_routers
from services.eventkit.bounds import (
    INT4_MAX,
    MAX_QUANTITY,
    EntityId,
    Fen,
    Few,
    Name,
    Quantity,
    Text,
    Version,
    reason_of,
)
from services.eventkit.commands import Command
from services.eventkit.operations import EventAct, OperatorReason
from services.registry import SERVICES

STRING_FORMATS = {"date", "date-time", "time", "uuid", "duration"}  # parsed, not stored as given


def command_models() -> dict[type[BaseModel], str]:
    """Every command model, by the service it belongs to: the command tables' rows and the body
    of every route (custom endpoints included). The operations routes (``/ops``) are not commands
    of the school: their bodies are walked by ``test_operations_bodies_are_bounded``."""
    found: dict[type[BaseModel], str] = {}
    for service in SERVICES:
        for spec in service.load_commands():
            found[spec.model] = service.name
        for router in service_routers(service.load()):
            for route in router.routes:
                if isinstance(route, APIRoute) and route.body_field is not None and not route.path.startswith("/ops"):
                    body = route.body_field.field_info.annotation
                    if isinstance(body, type) and issubclass(body, BaseModel):
                        found.setdefault(body, service.name)
    return found


def unbounded(schema: dict[str, Any], defs: dict[str, Any], path: str) -> list[str]:
    """The fields of a JSON schema without a bound: ``path: what is missing``."""
    if "$ref" in schema:
        return unbounded(defs[schema["$ref"].rsplit("/", 1)[-1]], defs, path)
    missing: list[str] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            missing += unbounded(sub, defs, path)
    kind = schema.get("type")
    if kind == "object":
        for name, sub in schema.get("properties", {}).items():
            missing += unbounded(sub, defs, f"{path}.{name}")
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) or extra is True:
            missing.append(f"{path}: an object of any keys")
    elif kind == "string" and "enum" not in schema and "const" not in schema:
        if schema.get("format") not in STRING_FORMATS:
            if "maxLength" not in schema:
                missing.append(f"{path}: maxLength")
            if "pattern" not in schema:  # NO_NUL, or an id's own pattern: a NUL is refused either way
                missing.append(f"{path}: a pattern that refuses NUL")
    elif kind == "array":
        if "maxItems" not in schema:
            missing.append(f"{path}: maxItems")
        missing += unbounded(schema.get("items", {}), defs, f"{path}[]")
    elif kind in ("integer", "number"):
        if "minimum" not in schema and "exclusiveMinimum" not in schema:
            missing.append(f"{path}: minimum")
        top = schema.get("maximum", schema.get("exclusiveMaximum"))
        if top is None:
            missing.append(f"{path}: maximum")
        elif top > INT4_MAX:
            missing.append(f"{path}: a maximum an integer column (and a GraphQL Int) holds")
    elif kind is None and not any(k in schema for k in ("anyOf", "oneOf", "allOf", "$ref", "enum", "const")):
        missing.append(f"{path}: any value")
    return missing


def unbounded_fields(model: type[BaseModel]) -> list[str]:
    schema = model.model_json_schema()
    return unbounded(schema, schema.get("$defs", {}), model.__name__)


MODELS = command_models()
ORDERED = sorted(MODELS, key=lambda m: (MODELS[m], m.__name__))


def test_every_service_has_its_commands_walked() -> None:
    for service in SERVICES:
        least = 5 if service.name == "report" else 10  # the report service has five commands
        assert sum(1 for s in MODELS.values() if s == service.name) >= least, service.name
    assert all(issubclass(m, Command) for m in MODELS)


@pytest.mark.parametrize("model", ORDERED, ids=[m.__name__ for m in ORDERED])
def test_every_field_of_every_command_is_bounded(model: type[BaseModel]) -> None:
    assert unbounded_fields(model) == []


def test_operations_bodies_are_bounded() -> None:
    """An operator's request is bounded too; a Kafka offset may be a bigint."""
    for model in (OperatorReason, EventAct):
        missing = unbounded_fields(model)
        assert missing == (
            ["EventAct.offset: a maximum an integer column (and a GraphQL Int) holds"] if model is EventAct else []
        )


def test_the_walk_finds_what_is_not_bounded() -> None:
    class Loose(BaseModel):
        name: str
        tags: list[Name]
        count: int
        price: float = Field(ge=0)
        huge: int = Field(ge=0, le=2**40)
        anything: Any = None
        extra: dict[str, EntityId] = {}

    assert unbounded_fields(Loose) == [
        "Loose.name: maxLength",
        "Loose.name: a pattern that refuses NUL",
        "Loose.tags: maxItems",
        "Loose.count: minimum",
        "Loose.count: maximum",
        "Loose.price: maximum",
        "Loose.huge: a maximum an integer column (and a GraphQL Int) holds",
        "Loose.anything: any value",
        "Loose.extra: an object of any keys",
    ]


class Sample(BaseModel):
    item_id: EntityId = "broom"
    name: Name = "笤帚"
    note: Text = ""
    quantity: Quantity = 1
    price_fen: Fen = 0
    version: Version = 0
    stops: Few[Name] = []


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("name", "笤\x00帚", "must not contain a NUL character"),
        ("note", "\x00", "must not contain a NUL character"),
        ("item_id", "broom\x00", "String should match pattern '^[a-z0-9][a-z0-9-]{1,62}$'"),
        ("item_id", "b" * 64, "String should have at most 63 characters"),
        ("note", "长" * 4001, "String should have at most 4000 characters"),
        ("quantity", MAX_QUANTITY + 1, f"Input should be less than or equal to {MAX_QUANTITY}"),
        ("price_fen", INT4_MAX + 1, f"Input should be less than or equal to {INT4_MAX}"),
        ("version", -1, "Input should be greater than or equal to 0"),
        ("stops", ["站"] * 51, "List should have at most 50 items after validation, not 51"),
    ],
)
def test_a_value_past_a_bound_is_refused_naming_the_field(field: str, value: Any, reason: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Sample.model_validate({field: value})
    errors = refused.value.errors()
    assert [(e["loc"][0], reason_of(e)) for e in errors] == [(field, reason)]


def test_values_at_the_bounds_are_accepted() -> None:
    at = Sample(item_id="b" * 63, name="长" * 200, note="长" * 4000, quantity=MAX_QUANTITY, price_fen=INT4_MAX)
    assert at.quantity == MAX_QUANTITY and at.price_fen == INT4_MAX
    assert Sample(name="  笤帚 ").name == "笤帚"  # names and texts are stripped
