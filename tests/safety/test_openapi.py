"""The safety service's OpenAPI document: every endpoint described, every command with examples."""

from __future__ import annotations

from typing import Any, TypeVar

from tests.safety.conftest import SafetyWorld


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


async def test_every_command_endpoint_has_a_summary_errors_and_request_examples(world: SafetyWorld) -> None:
    doc = (await world.client.get("/openapi.json")).json()
    commands = [
        (path, op)
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        if method == "post" and not path.startswith("/ops/")  # operators' acts, not the school's commands
    ]
    assert len(commands) >= 10
    missing = []
    for path, op in commands:
        assert op.get("summary"), path
        assert {"403", "409", "422"} <= set(op["responses"]), path
        body = resolve(doc, op["requestBody"]["content"]["application/json"]["schema"])
        if not body.get("examples"):
            missing.append(path)
    assert not missing, f"command bodies without examples: {missing}"


async def test_every_query_endpoint_has_a_summary(world: SafetyWorld) -> None:
    doc = (await world.client.get("/openapi.json")).json()
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op.get("summary"), f"{method.upper()} {path}"


T = TypeVar("T")


def _all_subclasses(cls: type[T]) -> list[type[T]]:
    out: list[type[T]] = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_all_subclasses(sub))
    return out


def test_every_example_is_a_valid_command() -> None:
    import services.directory.service
    import services.safety.service  # noqa: F401 - loads every command model
    from services.eventkit.commands import Command

    checked = 0
    for model in _all_subclasses(Command):
        extra = model.model_config.get("json_schema_extra") or {}
        assert isinstance(extra, dict)
        examples = extra.get("examples", [])
        assert isinstance(examples, list)
        for example in examples:
            model.model_validate(example)
            checked += 1
    assert checked >= 10
