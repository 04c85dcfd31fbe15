"""A cost limit for lists: how many items a query may ask for, multiplied through nested lists.

Depth, token and alias limits come with strawberry; this one counts what a query
would fetch: each list field (one taking ``first``) costs its ``first`` (or that
argument's default) times the cost of the lists above it.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
)
from strawberry.extensions import AddValidationRules

VARIABLE_PAGE = 500  # a page size given by a variable is counted at the largest it can be


def _first(field: FieldNode, definition: Any, variables: dict[str, int]) -> int | None:
    arg = definition.args.get("first")
    if arg is None:
        return None
    for argument in field.arguments or ():
        if argument.name.value == "first":
            value = argument.value
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, VariableNode):
                return variables.get(value.name.value, VARIABLE_PAGE)
            return VARIABLE_PAGE
    return int(arg.default_value) if isinstance(arg.default_value, int) else VARIABLE_PAGE


def query_cost(
    schema: GraphQLSchema,
    parent: GraphQLNamedType | None,
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, int],
    multiplier: int = 1,
    seen: frozenset[str] = frozenset(),
) -> int:
    if selection_set is None or parent is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            fields = parent.fields if isinstance(parent, GraphQLObjectType) else getattr(parent, "fields", {})
            definition = fields.get(selection.name.value)
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


class CostLimiter(AddValidationRules):
    def __init__(self, max_cost: int) -> None:
        max_allowed = max_cost

        class CostRule(ValidationRule):
            def __init__(self, context: ValidationContext) -> None:
                super().__init__(context)
                schema = context.schema
                document = context.document
                fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
                roots = {
                    OperationType.QUERY: schema.query_type,
                    OperationType.MUTATION: schema.mutation_type,
                    OperationType.SUBSCRIPTION: schema.subscription_type,
                }
                for definition in document.definitions:
                    if not isinstance(definition, OperationDefinitionNode):
                        continue
                    defaults: dict[str, int] = {}
                    for var in definition.variable_definitions or ():
                        if isinstance(var.default_value, IntValueNode):
                            defaults[var.variable.name.value] = int(var.default_value.value)
                    cost = query_cost(
                        schema, roots[definition.operation], definition.selection_set, fragments, defaults
                    )
                    if cost > max_allowed:
                        context.report_error(
                            GraphQLError(
                                f"the query would fetch up to {cost} items, more than the limit of {max_allowed}: "
                                "ask for smaller pages (first) or fewer nested lists",
                                definition,
                                extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "limit": max_allowed},
                            )
                        )

        super().__init__([CostRule])
