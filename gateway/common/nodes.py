"""Global ids and ``node(id:)``: any entity that can be fetched on its own, by one id.

A global id is the base64 of ``Type:id`` (``Hazard:h-1``): the GraphQL type and the
entity's own id, which the entity keeps as its own field too (``hazardId``). ``node``
decodes it and asks the service that keeps the entity, as the caller: an entity outside
the caller's scope answers null, exactly like one that does not exist. An id that is not
a global id of a known type is a GraphQL error (``BAD_USER_INPUT``), and nothing is fetched.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any
from urllib.parse import quote

import strawberry
from graphql import GraphQLError
from strawberry.types import Info
from strawberry.types.base import StrawberryObjectDefinition

from gateway.clients import ServiceError, ServiceUnavailable
from gateway.common.pages import graphql_error, row
from gateway.context import GatewayContext

Ctx = Info[GatewayContext, None]

# GraphQL type -> (service, path of one entity with {} for its id, the entity's own id field)
NODE_TYPES: dict[str, tuple[str, str, str]] = {
    "Campus": ("directory", "/campuses/{}", "campus_id"),
    "SchoolClass": ("directory", "/classes/{}", "class_id"),
    "Parent": ("directory", "/parents/{}", "parent_id"),
    "Hazard": ("safety", "/hazards/{}", "hazard_id"),
    "Inspection": ("safety", "/inspections/{}", "inspection_id"),
    "Drill": ("safety", "/drills/{}", "drill_id"),
    "SafetySession": ("safety", "/safety-sessions/{}", "session_id"),
    "Incident": ("safety", "/injuries/{}", "injury_id"),
    "Bus": ("safety", "/buses/{}", "bus_id"),
    "HealthRecord": ("safety", "/health-records/{}", "student_id"),
    "Key": ("inventory", "/keys/{}", "key_id"),
    "Purchase": ("inventory", "/purchases/{}", "purchase_id"),
    "Repair": ("inventory", "/repairs/{}", "repair_id"),
    "CatalogueItem": ("inventory", "/items/{}", "item_id"),
    "Asset": ("inventory", "/assets/{}", "asset_id"),
    "CompensationCharge": ("inventory", "/compensations/{}", "charge_id"),
    "StockTake": ("inventory", "/stocktakes/{}", "stocktake_id"),
    "Appraisal": ("hr_eval", "/appraisals/{}", "appraisal_id"),
}


def global_id(type_name: str, entity_id: str) -> strawberry.ID:
    return strawberry.ID(base64.b64encode(f"{type_name}:{entity_id}".encode()).decode("ascii"))


def from_global_id(value: str) -> tuple[str, str]:
    """The type and the entity id of a global id; a GraphQL error for anything else."""
    try:
        decoded = base64.b64decode(value.encode("ascii"), validate=True).decode("utf-8")
    except (UnicodeError, binascii.Error, ValueError):
        decoded = ""
    type_name, _, entity_id = decoded.partition(":")
    if type_name not in NODE_TYPES or not entity_id:
        raise GraphQLError(
            "not a global id of this API: pass the id field of a Node", extensions={"code": "BAD_USER_INPUT"}
        )
    return type_name, entity_id


@strawberry.interface(description="An entity that can be fetched again by its global id with node(id:)")
class Node:
    @strawberry.field(description="The entity's global id (base64 of Type:id): pass it to node(id:)")
    def id(self) -> strawberry.ID:
        type_name = type(self).__name__
        return global_id(type_name, str(getattr(self, NODE_TYPES[type_name][2])))


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="The entity of a global id (any Node's id), or null when it does not exist or is outside "
        "the caller's scope"
    )
    async def node(
        self,
        info: Ctx,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id, as a Node's id field gives it")],
    ) -> Node | None:
        context = info.context
        context.require()
        type_name, entity_id = from_global_id(str(id))
        service, path, _ = NODE_TYPES[type_name]
        definition = info.schema.get_type_by_name(type_name)
        assert isinstance(definition, StrawberryObjectDefinition), type_name
        try:
            body: Any = await context.caller.get(service, path.format(quote(entity_id, safe="")))
        except ServiceError as exc:
            if exc.status in (403, 404):  # outside the caller's scope is the same as not there
                return None
            raise graphql_error(exc) from None
        except ServiceUnavailable as exc:
            raise graphql_error(exc) from None
        node: Node = row(definition.origin, body)
        return node
