"""gateway/schema.graphql is the published contract: it must be what the code serves."""

from __future__ import annotations

from gateway.schema import SDL_PATH, sdl


def test_the_exported_sdl_matches_the_code() -> None:
    assert SDL_PATH.exists(), "run: .venv/bin/python -m gateway --sdl"
    assert SDL_PATH.read_text() == sdl(), "the schema changed: run .venv/bin/python -m gateway --sdl and commit it"


def test_every_command_route_of_every_service_is_a_row_of_its_table_and_a_mutation() -> None:
    """The gateway reads the command tables, not the routers: a command route that is not a
    row of its service's table would be missing from GraphQL."""
    from fastapi.routing import APIRoute

    from services import registry
    from services.eventkit.commands import CommandResult

    text = sdl()
    for service in registry.SERVICES:
        table = service.load_commands()
        rows = {(spec.path, spec.name) for spec in table.specs}
        routes = {
            (route.path, route.name)
            for router in service.load().routers
            for route in router.routes
            if isinstance(route, APIRoute)
            and "POST" in (route.methods or set())
            and route.response_model is CommandResult
        }
        assert routes == rows, service.name
        for spec in table.specs:
            head, *rest = spec.name.split("_")
            name = head + "".join(p.title() for p in rest)
            assert f"  {name}(" in text, name
