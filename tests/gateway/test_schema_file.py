"""gateway/schema.graphql is the published contract: it must be what the code serves."""

from __future__ import annotations

from gateway.schema import SDL_PATH, sdl


def test_the_exported_sdl_matches_the_code() -> None:
    assert SDL_PATH.exists(), "run: .venv/bin/python -m gateway --sdl"
    assert SDL_PATH.read_text() == sdl(), "the schema changed: run .venv/bin/python -m gateway --sdl and commit it"


def test_every_command_of_every_service_is_a_mutation() -> None:
    from gateway.mutations import command_routes
    from services import registry

    text = sdl()
    for definition in (service.load() for service in registry.SERVICES):
        for route in command_routes(definition):
            head, *rest = route.name.split("_")
            name = head + "".join(p.title() for p in rest)
            assert f"  {name}(" in text, name
