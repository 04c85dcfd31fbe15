"""Argument values checked against their types, with errors that name the argument.

graphql-core's own rule says ``Enum 'Severity' cannot represent non-enum value: "urgent"``;
a client that sent several filters needs to know which one. This is that rule, with the
field and the argument in the message and in the error's extensions (code
``BAD_USER_INPUT``); it takes the place of graphql-core's in validation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import ArgumentNode, FieldNode, GraphQLError, ValidationContext
from graphql.validation import ValuesOfCorrectTypeRule
from strawberry.extensions import SchemaExtension


class NamedValuesOfCorrectTypeRule(ValuesOfCorrectTypeRule):
    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.fields: list[str] = []
        self.arguments: list[str] = []

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        self.fields.append(node.name.value)

    def leave_field(self, node: FieldNode, *_args: Any) -> None:
        self.fields.pop()

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        self.arguments.append(node.name.value)

    def leave_argument(self, node: ArgumentNode, *_args: Any) -> None:
        self.arguments.pop()

    def report_error(self, error: GraphQLError) -> None:
        if self.arguments:
            argument = self.arguments[-1]
            field = self.fields[-1] if self.fields else None
            where = f"argument {argument} of {field}" if field else f"argument {argument}"
            error = GraphQLError(
                f"{where}: {error.message}",
                error.nodes,
                extensions={"code": "BAD_USER_INPUT", "argument": argument, **({"field": field} if field else {})},
            )
        super().report_error(error)


class NamedArgumentErrors(SchemaExtension):
    """Validation with :class:`NamedValuesOfCorrectTypeRule` instead of graphql-core's rule."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = tuple(
            NamedValuesOfCorrectTypeRule if rule is ValuesOfCorrectTypeRule else rule
            for rule in context.validation_rules
        )
        yield
