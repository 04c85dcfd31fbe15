"""The gateway's safety limits, on the schema alone."""

from __future__ import annotations

from gateway.schema import build_schema
from gateway.settings import GatewaySettings

INTROSPECTION = "{ __schema { queryType { name } } }"


async def test_introspection_is_on_in_development_and_off_in_production() -> None:
    development = await build_schema(GatewaySettings(environment="development")).execute(INTROSPECTION)
    assert development.data == {"__schema": {"queryType": {"name": "Query"}}}
    production = await build_schema(GatewaySettings(environment="production")).execute(INTROSPECTION)
    assert production.data is None and production.errors
    assert "introspection has been disabled" in production.errors[0].message


async def test_too_many_tokens_are_refused_before_anything_runs() -> None:
    schema = build_schema(GatewaySettings(max_tokens=50))
    query = "{ " + " ".join(f"f{i}: districts {{ nodes {{ name }} }}" for i in range(10)) + " }"
    result = await schema.execute(query)
    assert result.data is None and result.errors
    assert "token" in result.errors[0].message.lower()


async def test_variables_for_page_sizes_are_counted_at_the_value_sent() -> None:
    schema = build_schema(GatewaySettings(max_cost=1000))
    query = "query($n: Int) { campuses(first: $n) { nodes { classes(first: 10) { nodes { name } } } } }"
    result = await schema.execute(query, variable_values={"n": 200})
    assert result.errors and result.errors[0].extensions == {"code": "QUERY_TOO_COSTLY", "cost": 2200, "limit": 1000}
    # not sent: the argument's default (100 campuses)
    unsent = await schema.execute(query)
    assert unsent.errors and unsent.errors[0].extensions["cost"] == 1100  # type: ignore[index]
    for small in ({"n": 5}, {"n": 90}):
        allowed = await schema.execute(query, variable_values=small)
        assert not any(e.extensions and e.extensions.get("code") == "QUERY_TOO_COSTLY" for e in allowed.errors or [])
    with_default = "query($n: Int = 5) { campuses(first: $n) { nodes { classes(first: 10) { nodes { name } } } } }"
    allowed = await schema.execute(with_default)
    assert not any(e.extensions and e.extensions.get("code") == "QUERY_TOO_COSTLY" for e in allowed.errors or [])
    refused = await schema.execute(with_default, variable_values={"n": 500})
    assert refused.errors and refused.errors[0].extensions["cost"] == 5500  # type: ignore[index]


async def test_validation_is_cached_per_document_and_limits_still_hold_on_every_repeat() -> None:
    strict = build_schema(GatewaySettings(max_cost=1000, max_depth=4))
    lenient = build_schema(GatewaySettings(max_cost=1_000_000, max_depth=20))
    costly = "{ campuses(first: 100) { nodes { classes(first: 50) { nodes { name } } } } }"
    deep = "{ campuses(first: 1) { nodes { classes(first: 1) { nodes { campus { name } } } } } }"
    for _ in range(3):
        refused = await strict.execute(costly)
        assert refused.errors and refused.errors[0].extensions["code"] == "QUERY_TOO_COSTLY"  # type: ignore[index]
        too_deep = await strict.execute(deep)
        assert too_deep.errors and "exceeds maximum operation depth" in too_deep.errors[0].message
        # the same documents under other limits are judged by those limits, not by a cached answer
        for query in (costly, deep):
            allowed = await lenient.execute(query)
            for error in allowed.errors or []:
                assert "depth" not in error.message
                assert not error.extensions or error.extensions.get("code") != "QUERY_TOO_COSTLY"
