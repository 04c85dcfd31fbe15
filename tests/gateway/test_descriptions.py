"""Every type, field, argument and enum value of the schema says what it is."""

from __future__ import annotations

from typing import Any

from gateway.schema import build_schema
from gateway.settings import GatewaySettings

BUILT_IN = {"String", "Int", "Float", "Boolean", "ID"}

INTROSPECTION = """{ __schema { types {
  name kind description
  fields(includeDeprecated: true) { name description args { name description } }
  inputFields { name description }
  enumValues(includeDeprecated: true) { name description }
} } }"""


def undescribed(types: list[dict[str, Any]]) -> list[str]:
    missing: list[str] = []
    for t in types:
        name = t["name"]
        if name.startswith("__") or name in BUILT_IN:
            continue
        if not (t["description"] or "").strip():
            missing.append(name)
        for field in t["fields"] or []:
            if not (field["description"] or "").strip():
                missing.append(f"{name}.{field['name']}")
            missing += [
                f"{name}.{field['name']}({arg['name']})"
                for arg in field["args"]
                if not (arg["description"] or "").strip()
            ]
        missing += [f"{name}.{f['name']}" for f in t["inputFields"] or [] if not (f["description"] or "").strip()]
        missing += [f"{name}.{v['name']}" for v in t["enumValues"] or [] if not (v["description"] or "").strip()]
    return missing


async def test_every_type_field_argument_and_enum_value_has_a_description() -> None:
    result = await build_schema(GatewaySettings(environment="development")).execute(INTROSPECTION)
    assert result.errors is None
    assert result.data is not None
    types = result.data["__schema"]["types"]
    kinds = {t["kind"] for t in types if not t["name"].startswith("__")}
    assert {"OBJECT", "INPUT_OBJECT", "ENUM", "INTERFACE", "UNION", "SCALAR"} <= kinds
    assert undescribed(types) == []


def test_the_walk_finds_what_is_not_described() -> None:
    """The walk itself: an element without a description, at any level, is reported."""
    blank: dict[str, Any] = {"fields": None, "inputFields": None, "enumValues": None}
    types = [
        blank | {"name": "Hazard", "kind": "OBJECT", "description": "A hazard", "fields": [
            {"name": "area", "description": "", "args": []},
            {"name": "history", "description": "Steps", "args": [{"name": "first", "description": None}]},
        ]},
        blank | {"name": "Severity", "kind": "ENUM", "description": None, "enumValues": [
            {"name": "LOW", "description": " "},
        ]},
        blank | {"name": "ReportHazardInput", "kind": "INPUT_OBJECT", "description": "x", "inputFields": [
            {"name": "area", "description": None},
        ]},
        blank | {"name": "String", "kind": "SCALAR", "description": None},
        blank | {"name": "__Type", "kind": "OBJECT", "description": None},
    ]  # fmt: skip
    assert undescribed(types) == [
        "Hazard.area",
        "Hazard.history(first)",
        "Severity",
        "Severity.LOW",
        "ReportHazardInput.area",
    ]
