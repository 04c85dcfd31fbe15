"""The command table refuses a table that could not be served as declared, and makes
endpoints whose parameters FastAPI reads as a hand-written one's."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from services.campus.scoped import CampusCommandsDep, campus_command_table
from services.eventkit.app import Context
from services.eventkit.auth import Role
from services.eventkit.commands import Command, CommandResult
from services.eventkit.decider import Decider


class OpenThing(Command):
    thing_id: str
    campus_id: str


class CloseThing(Command):
    reason: str = ""


THING: Decider[Any, Any, Any] = Decider("thing", None, lambda c, s: [], lambda s, e: s, "thing")


def test_rows_become_endpoints_with_the_path_the_body_the_context_and_the_scope() -> None:
    table = campus_command_table("things")
    table.new("things", "/things", "Open a thing", OpenThing, THING, id="thing_id", roles=[Role.DISTRICT_ADMIN])
    table.existing("things", "/things/{thing_id}/close", "Close it", CloseThing, THING, what="thing", roles=[])
    router = table.router("things")
    assert [(r.path, r.name) for r in router.routes] == [  # type: ignore[attr-defined]
        ("/things", "open_thing"),
        ("/things/{thing_id}/close", "close_thing"),
    ]
    close = router.routes[1].endpoint  # type: ignore[attr-defined]
    assert list(inspect.signature(close).parameters) == ["thing_id", "cmd", "ctx", "scope"]
    assert [s.name for s in table] == ["open_thing", "close_thing"]
    assert table.specs[1].path_params == ["thing_id"] and not table.specs[1].starts_entity


def test_a_table_that_could_not_be_served_is_refused_when_declared() -> None:
    table = campus_command_table("things")
    with pytest.raises(ValueError, match="has no field"):
        table.new("things", "/things", "Open", OpenThing, THING, id="id", roles=[])
    with pytest.raises(ValueError, match="exactly one path parameter"):
        table.existing("things", "/a/{a}/b/{b}", "Both", CloseThing, THING, what="thing", roles=[])
    table.new("things", "/things", "Open", OpenThing, THING, id="thing_id", roles=[])
    with pytest.raises(ValueError, match="two commands are named open_thing"):
        table.new("things", "/things/again", "Open", OpenThing, THING, id="thing_id", roles=[])
    with pytest.raises(ValueError, match="two commands are posted to /things"):
        table.new("things", "/things", "Open", OpenThing, THING, id="thing_id", roles=[], name="open_again")
    with pytest.raises(ValueError, match="no command is tagged"):
        table.router("nothing")


def test_a_custom_endpoint_is_a_row_too_and_names_its_one_command_body() -> None:
    table = campus_command_table("things")

    @table.custom("things", "/things/{thing_id}/close", "Close it, with more checks")
    async def close_with_checks(
        thing_id: str, cmd: CloseThing, ctx: Context, scope: CampusCommandsDep
    ) -> CommandResult:
        raise NotImplementedError

    (spec,) = table.specs
    assert (spec.name, spec.model, spec.endpoint) == ("close_with_checks", CloseThing, close_with_checks)
    with pytest.raises(TypeError, match="one command body"):

        @table.custom("things", "/things/{thing_id}/open", "No body")
        async def no_body(thing_id: str, ctx: Context) -> CommandResult:
            raise NotImplementedError
