"""The schema: every area's queries, every command as a mutation, the live event stream,
and the limits that keep the API safe."""

from __future__ import annotations

from pathlib import Path

import strawberry
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.tools import merge_types

from gateway.limits import CostLimiter
from gateway.mutations import SCALAR_OVERRIDES, build_mutation_type
from gateway.settings import GatewaySettings
from gateway.types.directory import DirectoryQuery
from gateway.types.inventory import InventoryQuery
from gateway.types.ops import OpsQuery, Subscription
from gateway.types.safety import SafetyQuery
from services.directory.service import DIRECTORY
from services.inventory.service import INVENTORY
from services.safety.service import SAFETY

SDL_PATH = Path(__file__).parent / "schema.graphql"

Query = merge_types("Query", (DirectoryQuery, SafetyQuery, InventoryQuery, OpsQuery))
Mutation = build_mutation_type([DIRECTORY, SAFETY, INVENTORY])


def _list_fields() -> set[str]:
    """Names of fields that return lists of things (connections or plain lists)."""
    probe = strawberry.Schema(
        query=Query, mutation=Mutation, subscription=Subscription, scalar_overrides=SCALAR_OVERRIDES
    )
    names: set[str] = set()
    for type_ in probe._schema.type_map.values():
        for name, field in getattr(type_, "fields", {}).items():
            if "first" in getattr(field, "args", {}):
                names.add(name)
    return names


def build_schema(settings: GatewaySettings | None = None) -> strawberry.Schema:
    settings = settings or GatewaySettings()
    extensions: list[SchemaExtension | type[SchemaExtension]] = [
        QueryDepthLimiter(max_depth=settings.max_depth),
        MaxTokensLimiter(max_token_count=settings.max_tokens),
        MaxAliasesLimiter(max_alias_count=settings.max_aliases),
        CostLimiter(settings.max_cost, _list_fields()),
    ]
    if not settings.introspection_enabled:
        extensions.append(DisableIntrospection())
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        scalar_overrides=SCALAR_OVERRIDES,
    )


def sdl() -> str:
    return (
        strawberry.Schema(
            query=Query, mutation=Mutation, subscription=Subscription, scalar_overrides=SCALAR_OVERRIDES
        ).as_str()
        + "\n"
    )


if __name__ == "__main__":
    SDL_PATH.write_text(sdl())
    print(f"wrote {SDL_PATH}")
