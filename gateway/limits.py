"""A cost limit for lists: how many items a query may ask for, multiplied through nested lists.

Depth, token and alias limits come with strawberry; this one counts what a query
would fetch: each list field (one taking ``first``) costs its ``first`` times the cost
of the lists above it. A page size given by a variable counts at the value the request
sends (or, when it sends none, at the variable's default, then at the argument's), so
the limit is checked when the operation is about to run, after validation: a refused
query fetches nothing from any service.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from strawberry.extensions import SchemaExtension

MAX_PAGE = 500  # what a service answers at most for one page: a larger `first` fetches no more


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return max(1, min(value, MAX_PAGE))


def _first(field: FieldNode, definition: Any, variables: Mapping[str, Any]) -> int | None:
    arg = definition.args.get("first")
    if arg is None:
        return None
    default = _count(arg.default_value) or MAX_PAGE
    for argument in field.arguments or ():
        if argument.name.value == "first":
            value = argument.value
            if isinstance(value, IntValueNode):
                return _count(int(value.value)) or default
            if isinstance(value, VariableNode):
                return _count(variables.get(value.name.value)) or default
            return default
    return default


def query_cost(
    schema: GraphQLSchema,
    parent: GraphQLNamedType | None,
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    multiplier: int = 1,
    seen: frozenset[str] = frozenset(),
) -> int:
    """The items a selection would fetch at most, with ``variables`` the operation's values."""
    if selection_set is None or parent is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            definition = getattr(parent, "fields", {}).get(selection.name.value)
            if definition is None:
                continue
            first = _first(selection, definition, variables)
            inner = multiplier * first if first is not None else multiplier
            if first is not None:
                total += inner
            total += query_cost(
                schema, get_named_type(definition.type), selection.selection_set, fragments, variables, inner, seen
            )
        elif isinstance(selection, InlineFragmentNode):
            on = schema.get_type(selection.type_condition.name.value) if selection.type_condition else parent
            total += query_cost(schema, on, selection.selection_set, fragments, variables, multiplier, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:
                on = schema.get_type(fragment.type_condition.name.value)
                total += query_cost(schema, on, fragment.selection_set, fragments, variables, multiplier, seen | {name})
    return total


def operation_cost(
    schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode],
    sent: Mapping[str, Any] | None,
) -> int:  # fmt: skip
    """The cost of one operation with the variables a request sent (a variable it did not
    send counts at its default)."""
    variables: dict[str, Any] = {}
    for var in operation.variable_definitions or ():
        name = var.variable.name.value
        if sent is not None and name in sent:
            variables[name] = sent[name]
        elif isinstance(var.default_value, IntValueNode):
            variables[name] = int(var.default_value.value)
    roots = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }
    return query_cost(schema, roots[operation.operation], operation.selection_set, fragments, variables)


def cost_error(cost: int, limit: int, operation: OperationDefinitionNode | None = None) -> GraphQLError:
    return GraphQLError(
        f"the query would fetch up to {cost} items, more than the limit of {limit}: "
        "ask for smaller pages (first) or fewer nested lists",
        operation,
        extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "limit": limit},
    )


def _operations(document: Any, name: str | None) -> Iterator[OperationDefinitionNode]:
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (name is None or (
            definition.name is not None and definition.name.value == name
        )):  # fmt: skip
            yield definition


CACHED = 1024
# (document, operation name, the whole numbers sent as variables) -> (the document, its costliest
# operation, that cost). ParserCache hands the same document to every request of the same text, so
# a client's page query is walked once per page size it sends, not once per request (~70 µs a walk).
# The schema is not in the key: every schema a process builds has the same types.
_COSTS: OrderedDict[tuple[int, str | None, tuple[tuple[str, int], ...]], tuple[Any, Any, int]] = OrderedDict()


def document_cost(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, sent: Mapping[str, Any] | None
) -> tuple[OperationDefinitionNode | None, int]:
    """The costliest operation the request may run with the variables sent, and its cost."""
    numbers = tuple(sorted((k, v) for k, v in (sent or {}).items() if type(v) is int))
    key = (id(document), operation_name, numbers)
    kept = _COSTS.get(key)
    if kept is not None and kept[0] is document:  # the entry keeps its document, so the id is still its own
        _COSTS.move_to_end(key)
        return kept[1], kept[2]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    costliest: OperationDefinitionNode | None = None
    highest = 0
    for operation in _operations(document, operation_name):
        cost = operation_cost(schema, operation, fragments, dict(numbers))
        if costliest is None or cost > highest:
            costliest, highest = operation, cost
    _COSTS[key] = (document, costliest, highest)
    if len(_COSTS) > CACHED:
        _COSTS.popitem(last=False)
    return costliest, highest


def cost_limiter(max_cost: int) -> type[SchemaExtension]:
    """An extension refusing, before it runs, an operation that would fetch more than
    ``max_cost`` items with the variables sent: the answer is that error alone."""

    class CostLimiter(SchemaExtension):
        def on_execute(self) -> Iterator[None]:
            context = self.execution_context
            document = context.graphql_document
            if document is not None and not context.result:
                schema = context.schema._schema
                operation, cost = document_cost(schema, document, context.operation_name, context.variables)
                if cost > max_cost:
                    context.result = ExecutionResult(data=None, errors=[cost_error(cost, max_cost, operation)])
            yield

    return CostLimiter
