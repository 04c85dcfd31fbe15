"""The schema: every area's queries, every command as a mutation, the live event stream,
and the limits that keep the API safe."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.tools import merge_types

from gateway.canteen.ledger import LedgerQuery
from gateway.canteen.queries import CanteenCommitteeQuery
from gateway.canteen.visits import VisitsQuery
from gateway.common.nodes import NodeQuery
from gateway.common.scalars import SCALARS
from gateway.directory.queries import DirectoryQuery
from gateway.execution import PlainFieldExecution
from gateway.glossary import describe
from gateway.hr_eval.queries import HrEvalQuery
from gateway.inventory.assets_reads import AssetReadsQuery
from gateway.inventory.queries import InventoryQuery
from gateway.inventory.quotas_and_damage import QuotasAndDamageQuery
from gateway.inventory.requisitions_reads import RequisitionsQuery
from gateway.limits import cost_limiter
from gateway.mutations import SCALAR_OVERRIDES, build_mutation_type
from gateway.ops.queries import OpsQuery
from gateway.ops.subscriptions import Subscription
from gateway.read_after import ReadAfter
from gateway.report.queries import REPORT_MUTATIONS, ReportQuery
from gateway.safety.cameras_comms import CamerasCommsQuery
from gateway.safety.queries import SafetyQuery
from gateway.safety.watch_duty import WatchDutyQuery
from gateway.settings import GatewaySettings
from gateway.validation import NamedArgumentErrors
from services import registry

SDL_PATH = Path(__file__).parent / "schema.graphql"

# one per area (gateway/<area>/queries.py); the schema lists their fields in this order
Query = merge_types(
    "Query",
    (
        NodeQuery,
        DirectoryQuery,
        SafetyQuery,
        InventoryQuery,
        HrEvalQuery,
        CanteenCommitteeQuery,
        VisitsQuery,
        LedgerQuery,
        OpsQuery,
        AssetReadsQuery,
        RequisitionsQuery,
        QuotasAndDamageQuery,
        WatchDutyQuery,
        CamerasCommsQuery,
        ReportQuery,
    ),
)
# every command of every service, and the gateway's own (drafting a report: the gateway gathers its figures)
Mutation = build_mutation_type([s.load_commands() for s in registry.SERVICES], REPORT_MUTATIONS)


def build_schema(settings: GatewaySettings | None = None) -> strawberry.Schema:
    settings = settings or GatewaySettings()
    s = settings
    # Depth and aliases are validation rules that read only the document, so the result of
    # validating a document can be cached: the rule classes are made once here, and every
    # request adds the same ones. The cost depends on the variables sent (page sizes): it is
    # checked when the operation is about to run (gateway.limits).
    limits = [
        QueryDepthLimiter(max_depth=s.max_depth),
        MaxAliasesLimiter(max_alias_count=s.max_aliases),
    ]
    rules = [rule for limit in limits for rule in limit.validation_rules]
    # factories: each request gets fresh extension instances (the caches live at module level)
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: ParserCache(maxsize=512),  # API clients send the same few query texts again and again
        lambda: MaxTokensLimiter(max_token_count=s.max_tokens),
        lambda: AddValidationRules(rules),
        NamedArgumentErrors,
        lambda: ValidationCache(maxsize=512),
        cost_limiter(s.max_cost),
        ReadAfter,  # last: waits only for an operation the limits let through
    ]
    if not settings.introspection_enabled:
        extensions.append(DisableIntrospection)
    schema = strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        scalar_overrides=SCALAR_OVERRIDES | SCALARS,
        execution_context_class=PlainFieldExecution,
    )
    describe(schema._schema)
    return schema


def sdl() -> str:
    schema = strawberry.Schema(
        query=Query, mutation=Mutation, subscription=Subscription, scalar_overrides=SCALAR_OVERRIDES | SCALARS
    )
    describe(schema._schema)
    return schema.as_str() + "\n"


if __name__ == "__main__":
    SDL_PATH.write_text(sdl())
    print(f"wrote {SDL_PATH}")
