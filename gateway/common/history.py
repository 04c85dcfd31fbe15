"""The history of a record (every area's ``history`` field): the steps of its stream, from
the service that keeps it (``GET /history?streams=``), with who took each step.

One call per service for all the records of a query that ask for their history with the
same ``first`` (a dataloader per service and page size), and one call to the directory for
all the people who took their steps (:func:`staff_loader`); an id the directory does not
know in the caller's scope (an admin, a reaction of a service) is shown as it is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import strawberry
from graphql import GraphQLError
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from gateway.common.enums import Role
from gateway.common.pages import get
from gateway.context import GatewayContext

Ctx = Info[GatewayContext, None]

MAX_FIRST = 500
BATCH = 100  # streams one service call may name
STAFF_LOADER = "history:staff"
HISTORY = "The record's history, oldest step first: when each step was done and recorded, and by whom"


@strawberry.type(
    description="Who took a step: a member of staff, or an id the directory does not know (an admin, "
    "a service's own reaction)"
)
class Actor:
    id: strawberry.ID = strawberry.field(
        description="The id of who took the step (a member of staff, an admin, or a service)"
    )
    name: str | None
    roles: list[Role]


@strawberry.type(description="One step of a record's history")
class HistoryEntry:
    type: str = strawberry.field(description="The event's type (HazardReported...)")
    version: int = strawberry.field(description="The record's version after this step")
    acted_at: dt.datetime = strawberry.field(description="When the act happened")
    acted_on: dt.date = strawberry.field(description="The day of the act at the school")
    recorded_at: dt.datetime | None = strawberry.field(description="When the service recorded it")
    actor: Actor | None = strawberry.field(description="Who took the step")
    correlation_id: str | None = strawberry.field(
        description="The request that caused it: the same id in every service's logs"
    )
    causation_id: str | None = strawberry.field(description="The event this step reacted to, if a service took it")
    summary: str = strawberry.field(description="What the step did, in one line")
    redacted: bool = strawberry.field(description="Its details are withheld from the caller")


def staff_loader(context: GatewayContext) -> DataLoader[str, dict[str, Any] | None]:
    """The directory's staff by id, in one call for all the ids a query names (those it does
    not show the caller are None)."""

    async def load(ids: list[str]) -> list[dict[str, Any] | None]:
        found: dict[str, dict[str, Any]] = {}
        wanted = sorted(set(ids))
        for start in range(0, len(wanted), MAX_FIRST):
            chunk = wanted[start : start + MAX_FIRST]
            body = await get(context, "directory", "/staff", ids=",".join(chunk), limit=MAX_FIRST)
            found |= {item["staff_id"]: item for item in body["items"]}
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def _entry(item: dict[str, Any], people: dict[str, dict[str, Any] | None]) -> HistoryEntry:
    actor = None
    if item["actor"]:
        person = people.get(item["actor"])
        actor = Actor(
            id=strawberry.ID(item["actor"]),
            name=person["name"] if person else None,
            roles=list(person["roles"]) if person else [],
        )
    return HistoryEntry(
        type=item["type"],
        version=item["version"],
        acted_at=dt.datetime.fromisoformat(item["acted_at"]),
        acted_on=dt.date.fromisoformat(item["acted_on"]),
        recorded_at=dt.datetime.fromisoformat(item["recorded_at"]) if item["recorded_at"] else None,
        actor=actor,
        correlation_id=item["correlation_id"],
        causation_id=item["causation_id"],
        summary=item["summary"],
        redacted=item["redacted"],
    )


def history_loader(service: str, first: int) -> Any:
    """A factory of the dataloader of one service's histories, ``first`` steps each."""

    def make(context: GatewayContext) -> DataLoader[str, list[HistoryEntry]]:
        async def load(streams: list[str]) -> list[list[HistoryEntry] | BaseException]:
            wanted = list(dict.fromkeys(streams))
            found: dict[str, dict[str, Any]] = {}
            for start in range(0, len(wanted), BATCH):
                chunk = wanted[start : start + BATCH]
                body = await get(context, service, "/history", streams=",".join(chunk), limit=first)
                found |= {s["stream_id"]: s for s in body["streams"]}
            actors = sorted({i["actor"] for s in found.values() for i in s["items"] if i["actor"]})
            people: dict[str, dict[str, Any] | None] = {}
            if actors:
                loaded = await context.loader(STAFF_LOADER, staff_loader).load_many(actors)
                people = dict(zip(actors, loaded, strict=True))
            out: list[list[HistoryEntry] | BaseException] = []
            for stream in streams:
                answer = found.get(stream) or {"error": "not_found", "items": []}
                if answer.get("error"):
                    code = "FORBIDDEN" if answer["error"] == "forbidden" else "NOT_FOUND"
                    error = f"{service}: the history of {stream} is {answer['error'].replace('_', ' ')}"
                    out.append(GraphQLError(error, extensions={"code": code, "service": service}))
                else:
                    out.append([_entry(item, people) for item in answer["items"]])
            return out

        return DataLoader(load_fn=load)

    return make


def history_of(info: Ctx, service: str, stream_id: str, first: int) -> list[HistoryEntry]:
    """The steps of a record's stream, oldest first (at most ``first``): the dataloader's
    future, which graphql-core awaits (a plain resolver spares each record a coroutine)."""
    info.context.require()
    first = max(1, min(first, MAX_FIRST))
    loader = info.context.loader(f"history:{service}:{first}", history_loader(service, first))
    return cast("list[HistoryEntry]", loader.load(stream_id))
