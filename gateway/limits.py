"""A cost limit for lists: how many items a query may ask for, multiplied through nested lists.

Depth, token and alias limits come with strawberry; this one counts what a query
would fetch: each list field (one taking ``first``) costs its ``first`` (or the
default page size) times the cost of the lists above it.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
)
from strawberry.extensions import AddValidationRules

DEFAULT_PAGE = 100
VARIABLE_PAGE = 500  # a page size given by a variable is counted at the largest it can be


def _first_of(field: FieldNode, variables: dict[str, int]) -> int | None:
    for argument in field.arguments or ():
        if argument.name.value == "first":
            value = argument.value
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, VariableNode):
                return variables.get(value.name.value, VARIABLE_PAGE)
            return VARIABLE_PAGE
    return None


def query_cost(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    lists: set[str],
    variables: dict[str, int],
    multiplier: int = 1,
    seen: frozenset[str] = frozenset(),
) -> int:
    if selection_set is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            first = _first_of(selection, variables)
            if first is None and selection.name.value in lists:
                first = DEFAULT_PAGE
            inner = multiplier * first if first is not None else multiplier
            if first is not None:
                total += inner
            total += query_cost(selection.selection_set, fragments, lists, variables, inner, seen)
        elif isinstance(selection, InlineFragmentNode):
            total += query_cost(selection.selection_set, fragments, lists, variables, multiplier, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:
                total += query_cost(
                    fragments[name].selection_set, fragments, lists, variables, multiplier, seen | {name}
                )
    return total


class CostLimiter(AddValidationRules):
    def __init__(self, max_cost: int, list_fields: set[str]) -> None:
        max_allowed = max_cost
        lists = list_fields

        class CostRule(ValidationRule):
            def __init__(self, context: ValidationContext) -> None:
                super().__init__(context)
                document = context.document
                fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
                for definition in document.definitions:
                    if not isinstance(definition, OperationDefinitionNode):
                        continue
                    defaults: dict[str, Any] = {}
                    for var in definition.variable_definitions or ():
                        if isinstance(var.default_value, IntValueNode):
                            defaults[var.variable.name.value] = int(var.default_value.value)
                    cost = query_cost(definition.selection_set, fragments, lists, defaults)
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
