"""Query execution with a short path for plain scalar fields.

A page of 100 hazards with each one's campus is about 1,000 fields, and 800 of them are
scalars read straight off an attribute (``area``, ``status``, ``reportedAt``...). The
generic path of graphql-core builds a resolve info, a response path and a resolver call
for each (about 3 µs a field, half the gateway's CPU for such a page). Here a field that
strawberry itself marks as basic (no resolver, no extension, no argument) and whose type
is a scalar or an enum is read and serialised directly.

An object field without a resolver (a connection's ``edges`` item's ``node``, ``pageInfo``) is
read the same way and its sub-selection executed at once, as graphql-core's completion would,
with its errors handled as graphql-core handles them; it skips the resolve info, strawberry's
resolver and the completion's dispatch (a page of 100 has 100 ``node`` fields).

A field with a resolver that can answer from what the request already holds (a row's ``campus``,
fetched with its page) carries that answer (:func:`answered_at_once`): when it has one, the
sub-selection is executed at once as for an object field without a resolver; when it has none
(null, or not fetched), the resolver runs on the generic path as always.

A list of objects whose whole selection takes those short paths (a page's ``edges``, each with
its ``node`` and the node's ``campus``) is completed by one loop over a plan made once per
execution (:meth:`PlainFieldExecution.complete_iterable_value`): no response path, no completion
dispatch, no sub-selection look-up per item. Reading is all it does (attributes, answers at once),
so at the first thing unusual in any item the list is completed again on the paths above.

Anything unusual takes the generic path, so that its answer and its errors are exactly
graphql-core's: a null value (the generic path decides between null and a non-null
error), a value the scalar refuses, a missing attribute, any schema middleware.
``tests/gateway/test_execution.py`` compares both paths, answers and errors alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar, cast

from graphql import (
    GraphQLEnumType,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    is_leaf_type,
)
from graphql.execution.collect_fields import CollectedFields, FieldDetailsList, GroupedFieldSet, collect_subfields
from graphql.pyutils import AwaitableOrValue, Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE


class EnumNames:
    """An enum's output: its names by value, one dict lookup (strawberry's enum type loops over
    its values for a member, and graphql-core's takes several steps for a plain value: a page
    of 100 hazards has 200 enum values). Anything not found is the enum type's own to answer."""

    def __init__(self, leaf: GraphQLEnumType) -> None:
        self.leaf = leaf
        self.names = {value.value: name for name, value in leaf.values.items()}

    def coerce_output_value(self, value: Any) -> Any:
        name = self.names.get(value)
        return name if name is not None else self.leaf.coerce_output_value(value)


# field name -> (resolver, python attribute name, leaf type or its enum names)
PlainField = tuple[Callable[[Any, str], Any], str, GraphQLLeafType | EnumNames]
# A plain dict (a weak one cost 4% of a page): a process builds its schema once; tests that
# build more keep a few small plans alive.
_PLANS: dict[GraphQLObjectType, dict[str, PlainField]] = {}


def basic_fields(parent_type: GraphQLObjectType) -> Iterator[tuple[str, Any, GraphQLOutputType, GraphQLOutputType]]:
    """strawberry's basic fields of a type: no resolver, no extension (permission classes are
    one), no argument; each with its definition, its type as declared and that type without its
    non-null wrapper. (Error handlers never apply to them: a basic field is no union of errors.)"""
    for name, field_def in parent_type.fields.items():
        definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
        if definition is None or not definition.is_basic_field or field_def.args:
            continue
        field_type = field_def.type
        inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
        yield name, definition, field_type, inner


def plain_fields(parent_type: GraphQLObjectType) -> dict[str, PlainField]:
    """The fields of a type that can take the short path, worked out once per type."""
    plan = _PLANS.get(parent_type)
    if plan is None:
        plan = {}
        for name, definition, _, leaf in basic_fields(parent_type):
            if is_leaf_type(leaf):
                output = EnumNames(leaf) if isinstance(leaf, GraphQLEnumType) else leaf
                plan[name] = (definition.default_resolver, definition.python_name, output)
        _PLANS[parent_type] = plan
    return plan


class NestedObject:
    """An object field without a resolver: its object type, the field's type as declared
    (nullable or not, for its errors) and whether a value may be taken as that type without
    the resolve info: no ``is_type_of``, or strawberry's own (which never reads it)."""

    def __init__(self, return_type: GraphQLOutputType, object_type: GraphQLObjectType) -> None:
        self.return_type = return_type
        self.object_type = object_type
        check = object_type.is_type_of
        self.is_type_of = check
        self.accepted: set[type] = set()
        self.checkable = check is None or (
            getattr(check, "__module__", "") == "strawberry.schema.schema_converter"
            and getattr(check, "__qualname__", "").endswith("_get_is_type_of.<locals>.is_type_of")
        )

    def accepts(self, value: Any) -> bool:
        if value is None or isinstance(value, Exception) or not self.checkable:
            return False
        # strawberry's is_type_of never reads the resolve info (checked above)
        return self.is_type_of is None or self.is_type_of(value, cast("GraphQLResolveInfo[Any]", None)) is True

    def accepts_by_class(self, value: Any) -> bool:
        """:meth:`accepts`, remembering the classes it accepted: strawberry's ``is_type_of`` answers
        by the class alone for a value that was not cast (``strawberry.cast``) to a type."""
        kind = type(value)
        if kind in self.accepted and getattr(value, TYPE_CAST_ATTRIBUTE, None) is None:
            return True
        if not self.accepts(value):
            return False
        if getattr(value, TYPE_CAST_ATTRIBUTE, None) is None and len(self.accepted) < 16:
            self.accepted.add(kind)
        return True


# field name -> (resolver, python attribute name, the object field)
NestedField = tuple[Callable[[Any, str], Any], str, NestedObject]
_NESTED: dict[GraphQLObjectType, dict[str, NestedField]] = {}


def nested_fields(parent_type: GraphQLObjectType) -> dict[str, NestedField]:
    """The object fields of a type read straight off an attribute, worked out once per type."""
    plan = _NESTED.get(parent_type)
    if plan is None:
        plan = {}
        for name, definition, field_type, inner in basic_fields(parent_type):
            if isinstance(inner, GraphQLObjectType):
                plan[name] = (definition.default_resolver, definition.python_name, NestedObject(field_type, inner))
        _NESTED[parent_type] = plan
    return plan


AT_ONCE = "__houqin_at_once__"
Resolver = TypeVar("Resolver", bound=Callable[..., Any])
# (the field's source, the request's context) -> the field's value, or None: ask the resolver
AtOnce = Callable[[Any, Any], Any]


def answered_at_once(answer: AtOnce) -> Callable[[Resolver], Resolver]:
    """Marks a resolver of an object field as answered, when ``answer(source, context)`` has a
    value, without the resolver's call (its resolve info, strawberry's wrapping, the completion's
    dispatch). ``answer`` must return what the resolver would, or None to let the resolver run."""

    def mark(resolver: Resolver) -> Resolver:
        setattr(resolver, AT_ONCE, answer)
        return resolver

    return mark


# field name -> (the answer, the object field)
AtOnceField = tuple[AtOnce, NestedObject]
_AT_ONCE: dict[GraphQLObjectType, dict[str, AtOnceField]] = {}


def at_once_fields(parent_type: GraphQLObjectType) -> dict[str, AtOnceField]:
    """The object fields of a type whose resolver has an answer at once (no argument, no
    extension), worked out once per type."""
    plan = _AT_ONCE.get(parent_type)
    if plan is None:
        plan = {}
        for name, field_def in parent_type.fields.items():
            definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if definition is None or field_def.args or definition.extensions or definition.base_resolver is None:
                continue
            answer = getattr(definition.base_resolver.wrapped_func, AT_ONCE, None)
            field_type = field_def.type
            inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
            if answer is not None and isinstance(inner, GraphQLObjectType):
                plan[name] = (answer, NestedObject(field_type, inner))
        _AT_ONCE[parent_type] = plan
    return plan


# How a field of a selection is read: (kind, response name, its nodes, reader, attribute, output)
STEP_PLAIN, STEP_NESTED, STEP_AT_ONCE, STEP_GENERIC = "plain", "nested", "at once", "generic"
Step = tuple[str, str, FieldDetailsList, Any, Any, Any]


def plan_steps(parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> list[Step] | None:
    """The fields of a selection in order, each with the short path it may take: a plain scalar
    (no argument), an object read off an attribute or answered at once (no argument, no
    directive); the rest generic. None if none may take a short path."""
    plan = plain_fields(parent_type)
    nested = nested_fields(parent_type)
    at_once = at_once_fields(parent_type)
    if not plan and not nested and not at_once:
        return None
    steps: list[Step] = []
    for response_name, field_details_list in grouped_field_set.items():
        node = field_details_list[0].node
        name = node.name.value
        plain = plan.get(name)
        if plain is not None and not node.arguments:
            steps.append((STEP_PLAIN, response_name, field_details_list, *plain))
            continue
        if not node.arguments and not node.directives:
            field = nested.get(name)
            if field is not None:
                steps.append((STEP_NESTED, response_name, field_details_list, *field))
                continue
            quick = at_once.get(name)
            if quick is not None:
                steps.append((STEP_AT_ONCE, response_name, field_details_list, quick[0], None, quick[1]))
                continue
        steps.append((STEP_GENERIC, response_name, field_details_list, None, None, None))
    return steps


# A list item's selection planned whole: (the object's check, its fields), each field as
# (response name, kind, reader, attribute, output, nullable, the sub-selection's plan)
ListField = tuple[str, str, Any, Any, Any, bool, "ListPlan | None"]
ListPlan = tuple[NestedObject, list[ListField]]
STEP_TYPENAME = "typename"


class Unusual(Exception):
    """Something in a list's items the list plan leaves to the generic path."""


UNUSUAL = Unusual()


# Distinct sets of subfields one execution remembers: a document has a few dozen at most.
SUBFIELDS_MEMO = 256
Worked = TypeVar("Worked")


class ByIdentity:
    """What an execution worked out once from an object of the document's (a selection, a list
    of field nodes), by that object's identity: each entry keeps its object alive, so the id stays
    its own. Bounded; a subscription's events share it (each event's execution is a copy)."""

    def __init__(self) -> None:
        self.entries: dict[tuple[Any, int], tuple[Any, Any]] = {}

    def get(self, kind: Any, source: Any, work: Callable[[], Worked]) -> Worked:
        key = (kind, id(source))
        known = self.entries.get(key)
        if known is not None and known[0] is source:
            return cast("Worked", known[1])
        worked = work()
        if len(self.entries) >= SUBFIELDS_MEMO:
            self.entries.clear()
        self.entries[key] = (source, worked)
        return worked


class PlainFieldExecution(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's execution, with plain scalar fields read and serialised directly."""

    # each execution's plans of its selections (``_steps``) and of its lists' items (``_list_plan``)
    _steps_memo: ByIdentity | None = None
    _list_memo: ByIdentity | None = None

    def collect_subfields(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> CollectedFields:
        """The subfields of an object field, remembered by the list of the field's nodes (as
        graphql-core does: the items of a page pass the same list) and by the nodes themselves.

        A subscription's events share this memory (each event's execution is a copy of the
        subscription's), but each event collects its root fields into new lists: remembered by
        the list alone, the memory grew by each event for as long as the subscription lasted and
        never hit. By the nodes (the document's, the same for every event) it hits; and the memory
        is bounded all the same.
        """
        memo: dict[Any, tuple[Any, CollectedFields]] = self._relevant_sub_fields  # type: ignore[assignment]
        by_list = (return_type, id(field_details_list))
        cached = memo.get(by_list)
        if cached is not None:
            return cached[1]
        by_nodes = (
            return_type,
            *[(id(d.node), id(d.defer_usage), id(d.fragment_variable_values)) for d in field_details_list],
        )
        known = memo.get(by_nodes)
        if known is not None:
            collected = known[1]
        else:
            collected = collect_subfields(
                self.schema,
                self.fragments,
                self.variable_values,
                self.operation,
                return_type,
                field_details_list,
                self.hide_suggestions,
            )
        if len(memo) >= SUBFIELDS_MEMO:
            memo.clear()
        # each entry keeps what its key's ids are of alive, so the ids stay theirs
        memo[by_list] = (field_details_list, collected)
        if known is None:
            memo[by_nodes] = (field_details_list, collected)
        return collected

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        middleware = self.middleware_manager
        if middleware is not None and middleware._middleware_resolvers:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        steps = self._steps(parent_type, grouped_field_set)
        if steps is None:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for kind, response_name, field_details_list, read, attribute, output in steps:
                if kind is STEP_PLAIN:
                    try:
                        value = read(source_value, attribute)
                        if value is not None:
                            coerced = output.coerce_output_value(value)
                            if coerced is not None and coerced is not Undefined:
                                results[response_name] = coerced
                                continue
                    except Exception:  # the generic path below raises it, located
                        pass
                elif kind is not STEP_GENERIC:
                    try:
                        value = read(source_value, attribute if kind is STEP_NESTED else self.context_value)
                    except Exception:  # the generic path below raises it, located
                        value = None
                    if output.accepts(value):
                        result = self._execute_object(
                            output,
                            field_details_list,
                            Path(path, response_name, parent_type.name),
                            value,
                            position_context,
                        )
                        results[response_name] = result
                        if is_awaitable(result):
                            awaitable_fields.append(response_name)
                        continue
                result = self.execute_field(
                    parent_type,
                    source_value,
                    field_details_list,
                    Path(path, response_name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return self._gather_fields(results, awaitable_fields)

    def _steps(self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> list[Step] | None:
        """How each field of a selection is read, worked out once per execution (the items of a
        page share their selection), or None when none takes a short path."""
        memo = self._steps_memo
        if memo is None:
            memo = self._steps_memo = ByIdentity()
        return memo.get(parent_type, grouped_field_set, lambda: plan_steps(parent_type, grouped_field_set))

    def _execute_object(
        self,
        nested: NestedObject,
        field_details_list: FieldDetailsList,
        path: Path,
        value: Any,
        position_context: Any,
    ) -> AwaitableOrValue[Any]:
        """An object field's value with its sub-selection executed, as graphql-core's
        ``execute_field`` completes it: an error below a nullable field makes it null (and is
        reported), below a non-null one it goes up to the parent."""
        try:
            completed = self.collect_and_execute_subfields(
                nested.object_type, field_details_list, path, value, position_context
            )
        except Exception as raw_error:
            self.handle_field_error(raw_error, nested.return_type, field_details_list, path)
            return None
        if not self.is_awaitable(completed):
            return completed

        async def later() -> Any:
            try:
                return await completed
            except Exception as raw_error:
                self.handle_field_error(raw_error, nested.return_type, field_details_list, path)
                return None

        return later()

    def complete_iterable_value(
        self,
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        items: Iterable[Any],
        position_context: Any,
    ) -> AwaitableOrValue[list[Any]]:
        """A list of objects completed by one loop over its items' plan, when the whole selection
        takes the short paths; at the first item with anything unusual, the list is completed
        again by graphql-core (each item with the short paths of :meth:`execute_fields`)."""
        plan = None
        if position_context is None:
            middleware = self.middleware_manager
            if middleware is None or not middleware._middleware_resolvers:
                plan = self._list_plan(item_type, field_details_list)
        if plan is None or self.get_stream_usage(field_details_list, path) is not None:
            return super().complete_iterable_value(item_type, field_details_list, info, path, items, position_context)
        values = items if isinstance(items, list | tuple) else list(items)
        nullable = not isinstance(item_type, GraphQLNonNull)
        run = self._run_list_plan
        try:
            return [None if value is None and nullable else run(plan, value) for value in values]
        except Exception:  # Unusual, or an error a read raised: the generic path locates and reports it
            return super().complete_iterable_value(item_type, field_details_list, info, path, values, position_context)

    def _list_plan(self, item_type: GraphQLOutputType, field_details_list: FieldDetailsList) -> ListPlan | None:
        """The plan of a list's items, once per execution, or None if any field of the selection
        (at any depth) takes the generic path."""
        memo = self._list_memo
        if memo is None:
            memo = self._list_memo = ByIdentity()
        inner = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        if not isinstance(inner, GraphQLObjectType):
            return None
        return memo.get(
            item_type, field_details_list, lambda: self._object_plan(NestedObject(item_type, inner), field_details_list)
        )

    def _object_plan(self, nested: NestedObject, field_details_list: FieldDetailsList) -> ListPlan | None:
        if not nested.checkable:
            return None
        object_type = nested.object_type
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(object_type, field_details_list)
        if new_defer_usages:
            return None
        steps = self._steps(object_type, grouped_field_set)
        if steps is None:
            return None
        fields: list[ListField] = []
        for kind, response_name, details, read, attribute, output in steps:
            node = details[0].node
            name = node.name.value
            if kind is STEP_GENERIC:
                if name != "__typename" or node.directives:
                    return None
                fields.append((response_name, STEP_TYPENAME, None, None, object_type.name, True, None))
                continue
            nullable = not isinstance(object_type.fields[name].type, GraphQLNonNull)
            sub = None
            if kind is not STEP_PLAIN:
                sub = self._object_plan(output, details)
                if sub is None:
                    return None
            fields.append((response_name, kind, read, attribute, output, nullable, sub))
        return nested, fields

    def _run_list_plan(self, plan: ListPlan, value: Any) -> dict[str, Any]:
        """One item's answer by its plan; raises :class:`Unusual` where the plan has no answer."""
        nested, fields = plan
        if not nested.accepts_by_class(value):
            raise UNUSUAL
        results: dict[str, Any] = {}
        context = self.context_value
        for response_name, kind, read, attribute, output, nullable, sub in fields:
            if kind is STEP_TYPENAME:
                results[response_name] = output
                continue
            field_value = read(value, context if kind is STEP_AT_ONCE else attribute)
            if field_value is None:
                if not nullable or kind is STEP_AT_ONCE:  # an error to locate; the resolver's to answer
                    raise UNUSUAL
                results[response_name] = None
            elif kind is STEP_PLAIN:
                coerced = output.coerce_output_value(field_value)
                if coerced is None or coerced is Undefined:
                    raise UNUSUAL
                results[response_name] = coerced
            else:
                results[response_name] = self._run_list_plan(sub, field_value)  # type: ignore[arg-type]
        return results

    async def _gather_fields(self, results: dict[str, Any], awaitable_fields: list[str]) -> dict[str, Any]:
        """The fields that resolve later, awaited together (as graphql-core does)."""
        if len(awaitable_fields) == 1:
            field = awaitable_fields[0]
            results[field] = await results[field]
        else:
            awaited = await gather_with_cancel(*(results[field] for field in awaitable_fields))
            results.update(zip(awaitable_fields, awaited, strict=True))
        return results
