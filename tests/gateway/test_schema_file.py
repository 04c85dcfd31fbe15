"""gateway/schema.graphql is the published contract: it must be what the code serves."""

from __future__ import annotations

from graphql import build_schema, parse, validate

from gateway.schema import SDL_PATH, sdl
from services.__main__ import demo_queries


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
            if not spec.mutation:  # the gateway's own mutation puts its body together (draftTermReport)
                continue
            head, *rest = spec.name.split("_")
            name = head + "".join(p.title() for p in rest)
            assert f"  {name}(" in text, name


def test_the_gateway_imports_the_command_tables_and_no_route_of_any_service() -> None:
    """What the gateway needs of a service's code is its command table: importing every table
    in a fresh interpreter loads no service's routes and no service definition."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from services import registry\n"
        "for s in registry.SERVICES: s.load_commands()\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith('services.')))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    assert any(m.endswith(".commands") for m in loaded)
    services = [m for m in loaded if m.split(".")[1] not in ("eventkit", "campus")]
    assert [m for m in services if ".routes" in m or m.endswith(".service")] == []


def test_the_queries_houqin_up_suggests_are_valid_against_the_schema() -> None:
    queries = demo_queries().split("as it stands today:\n", 1)[1].split("\n\n")
    assert len(queries) == 2
    for query in queries:
        query = query.split(":\n", 1)[-1] if query.startswith("The ") else query
        assert validate(build_schema(SDL_PATH.read_text()), parse(query)) == []
