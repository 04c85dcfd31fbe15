"""The short path for plain scalar fields answers exactly as graphql-core's generic path:
the same data in the same key order, the same errors at the same paths."""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import json
from typing import Any, NewType

import pytest
import strawberry
from graphql import GraphQLObjectType, parse
from graphql.execution.collect_fields import collect_fields, collect_subfields
from strawberry.extensions import SchemaExtension
from strawberry.permission import BasePermission
from strawberry.schema.config import StrawberryConfig
from strawberry.types import Info

from gateway import execution
from gateway.execution import PlainFieldExecution, answered_at_once, at_once_fields, nested_fields, plain_fields
from gateway.schema import build_schema


class Severity(enum.Enum):
    LOW = "low"
    HIGH = "high"


def _strict_count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"not a count: {value!r}")
    return value


Count = NewType("Count", int)
CONFIG = StrawberryConfig(scalar_map={Count: strawberry.scalar(name="Count", serialize=_strict_count, parse_value=int)})


class Deny(BasePermission):
    message = "not for you"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return False


@strawberry.type
class Campus:
    campus_id: strawberry.ID
    name: str


@strawberry.type
class Item:
    item_id: strawberry.ID
    title: str
    note: str | None
    required_but_missing: str
    severity: Severity
    reported_at: dt.datetime
    on: dt.date
    age_days: float
    open: bool
    count: Count
    tags: list[str]
    secret: str = strawberry.field(default="hidden", permission_classes=[Deny])

    @strawberry.field
    def shout(self, times: int = 1) -> str:
        return self.title.upper() * times

    @strawberry.field
    async def campus(self) -> Campus | None:
        await asyncio.sleep(0)
        return Campus(campus_id=strawberry.ID("c1"), name="奥园校区")

    @strawberry.field
    def broken(self) -> str | None:
        raise RuntimeError("resolver failed")


def _items() -> list[Item]:
    at = dt.datetime(2020, 10, 12, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    good = {"note": None, "severity": Severity.HIGH, "reported_at": at, "on": at.date(), "age_days": 1.5,
            "open": True, "tags": ["a", "b"]}  # fmt: skip
    return [
        Item(item_id=strawberry.ID("i1"), title="走廊", required_but_missing="x", count=3, **good),  # type: ignore[arg-type]
        Item(item_id=strawberry.ID("i2"), title="楼梯", required_but_missing=None, count=4, **good),  # type: ignore[arg-type]
        Item(item_id=strawberry.ID("i3"), title="操场", required_but_missing="y", count="many", **good),  # type: ignore[arg-type]
    ]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return _items()

    @strawberry.field
    def item(self) -> Item:
        return _items()[1]


class Uppercase(SchemaExtension):
    """A schema extension with a resolve hook: graphql-core runs it as middleware on every field."""

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        result = _next(root, info, *args, **kwargs)
        return result.upper() if isinstance(result, str) else result


def schemas(*extensions: type[SchemaExtension]) -> tuple[strawberry.Schema, strawberry.Schema]:
    generic = strawberry.Schema(query=Query, extensions=list(extensions), config=CONFIG)
    short = strawberry.Schema(
        query=Query, extensions=list(extensions), config=CONFIG, execution_context_class=PlainFieldExecution
    )
    return generic, short


QUERIES = [
    "{ items { itemId title note severity reportedAt on ageDays open count tags } }",
    "{ items { title requiredButMissing } }",  # a non-null field resolving null: the item becomes null
    "{ item { title requiredButMissing } }",  # ... and the error climbs to the nullable root
    "{ items { count title } }",  # a scalar refusing a value
    "{ items { b: title a: itemId title __typename shout(times: 2) campus { name campusId } broken } }",
    "{ items { ...F title @skip(if: true) note @include(if: false) } } fragment F on Item { open itemId }",
    "{ items { secret title } }",  # a permission class: not a basic field
    "query($t: Int!) { items { shout(times: $t) severity } }",
]


def outcome(result: Any) -> str:
    errors = sorted(
        (e.message, tuple(e.path or ()), tuple((loc.line, loc.column) for loc in e.locations or ()))
        for e in result.errors or ()
    )
    # json.dumps keeps the key order: the answer's fields come in the order of the query
    return json.dumps({"data": result.data, "errors": errors}, ensure_ascii=False, default=str)


@pytest.mark.parametrize("query", QUERIES)
async def test_the_short_path_answers_as_the_generic_path(query: str) -> None:
    generic, short = schemas()
    expected = await generic.execute(query, variable_values={"t": 2})
    got = await short.execute(query, variable_values={"t": 2})
    assert outcome(got) == outcome(expected)


async def test_the_cases_above_do_reach_the_errors_they_are_meant_for() -> None:
    generic, _ = schemas()
    messages = {e.message for q in QUERIES for e in (await generic.execute(q, variable_values={"t": 2})).errors or ()}
    assert any("Cannot return null for non-nullable field Item.requiredButMissing" in m for m in messages)
    assert any("not a count" in m for m in messages)
    assert "not for you" in messages
    assert "resolver failed" in messages


async def test_a_schema_extension_with_a_resolve_hook_still_sees_every_field() -> None:
    generic, short = schemas(Uppercase)
    query = "{ items { title note severity } }"
    expected, got = await generic.execute(query), await short.execute(query)
    assert outcome(got) == outcome(expected)
    assert got.data is not None and got.data["items"][0]["title"] == "走廊".upper()


def test_only_basic_scalar_fields_without_arguments_take_the_short_path() -> None:
    _, short = schemas()
    item = short._schema.get_type("Item")
    assert isinstance(item, GraphQLObjectType)
    assert set(plain_fields(item)) == {
        "itemId", "title", "note", "requiredButMissing", "severity", "reportedAt", "on", "ageDays", "open", "count",
    }  # fmt: skip


def test_the_gateway_executes_with_the_short_path() -> None:
    assert build_schema().execution_context_class is PlainFieldExecution


class Level(enum.StrEnum):
    LOW = "low"
    HIGH = "high"


@strawberry.type
class Levelled:
    name: str
    level: Level


@strawberry.type
class LevelQuery:
    @strawberry.field
    def rows(self) -> list[Levelled | None]:
        # a row from a service's JSON holds the plain value; a member; a value of no member
        values: list[Any] = ["low", Level.HIGH, "urgent"]
        return [Levelled(name=str(i), level=value) for i, value in enumerate(values)]


async def test_enum_values_take_the_short_path_as_they_take_the_generic_one() -> None:
    generic = strawberry.Schema(query=LevelQuery, config=CONFIG)
    short = strawberry.Schema(query=LevelQuery, config=CONFIG, execution_context_class=PlainFieldExecution)
    query = "{ rows { name level } }"
    expected, got = await generic.execute(query), await short.execute(query)
    assert outcome(got) == outcome(expected)
    assert got.data == {"rows": [{"name": "0", "level": "LOW"}, {"name": "1", "level": "HIGH"}, None]}
    assert got.errors and "urgent" in got.errors[0].message
    levelled = short._schema.get_type("Levelled")
    assert isinstance(levelled, GraphQLObjectType) and set(plain_fields(levelled)) == {"name", "level"}


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Place(Named):
    code: str
    strict: str

    @strawberry.field
    async def later(self) -> str:
        await asyncio.sleep(0)
        return self.code

    @strawberry.field
    async def late_failure(self) -> str:
        await asyncio.sleep(0)
        raise RuntimeError("late failure")


@strawberry.type
class Holder:
    label: str
    place: Place | None
    sure: Place
    odd: Place | None = None
    places: list[Place] = strawberry.field(default_factory=list)


def _holders() -> list[Holder | None]:
    good = Place(name="食堂", code="p1", strict="ok")
    missing = Place(name="操场", code="p2", strict=None)  # type: ignore[arg-type]
    wrong: Any = Campus(campus_id=strawberry.ID("c1"), name="奥园校区")  # not a Place
    return [
        Holder(label="h1", place=good, sure=good, places=[good, good]),
        Holder(label="h2", place=missing, sure=missing, places=[good, missing]),
        Holder(label="h3", place=None, sure=good, odd=wrong),
        None,
    ]


@strawberry.type
class NestedQuery:
    @strawberry.field
    def holders(self) -> list[Holder | None]:
        return _holders()

    @strawberry.field
    def holder(self) -> Holder:
        return _holders()[1]  # type: ignore[return-value]

    @strawberry.field
    def sure_holders(self) -> list[Holder] | None:
        return _holders()[:3]  # type: ignore[return-value]


NESTED_QUERIES = [
    "{ holders { label place { name code } sure { code name } } }",
    "{ holders { place { strict code } } }",  # a non-null field null in a nullable object: the object null
    "{ holders { sure { strict } label } }",  # ... in a non-null object: the error climbs to the holder
    "{ holder { sure { strict } } }",  # ... and on to the nullable root
    "{ holders { place { later lateFailure } } }",  # fields that resolve later, one failing
    "{ holders { sure { later lateFailure } } }",
    "{ holders { sure { later } place { later code } } }",
    "{ holders { odd { code } label } }",  # a value that is not of the field's type
    "{ holders { place { ... on Named { name } __typename code } p: place { code } } }",
    "{ holders { place @include(if: false) { code } sure @skip(if: false) { code } } }",
    "{ holders { __typename label place { __typename code } } }",
    "{ holders { label places { code name } } }",  # a list in each item: planned on its own
    "{ holders { places { code strict } } }",  # ... with a null where none may be: the item null
    "{ sureHolders { label sure { code } } }",  # a list of non-null items, all well
    "{ sureHolders { label sure { strict } } }",  # ... one of them null: the whole list null
    "{ sureHolders { label t: __typename @include(if: true) } }",
]


def nested_schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    generic = strawberry.Schema(query=NestedQuery, config=CONFIG)
    short = strawberry.Schema(query=NestedQuery, config=CONFIG, execution_context_class=PlainFieldExecution)
    return generic, short


@pytest.mark.parametrize("query", NESTED_QUERIES)
async def test_object_fields_take_the_short_path_and_answer_as_the_generic_path(query: str) -> None:
    generic, short = nested_schemas()
    assert outcome(await short.execute(query)) == outcome(await generic.execute(query))


async def test_the_object_cases_reach_the_errors_they_are_meant_for() -> None:
    generic, _ = nested_schemas()
    errors = [e for q in NESTED_QUERIES for e in (await generic.execute(q)).errors or ()]
    messages = {e.message for e in errors}
    assert "Cannot return null for non-nullable field Place.strict." in messages
    assert "late failure" in messages
    assert any("Expected value of type 'Place'" in m for m in messages)
    # a null in a non-null object climbs to the holder, or to the root
    answer = await generic.execute("{ holder { sure { strict } } }")
    assert answer.data is None and answer.errors


def test_object_fields_without_a_resolver_are_planned_for_the_short_path() -> None:
    _, short = nested_schemas()
    holder = short._schema.get_type("Holder")
    assert isinstance(holder, GraphQLObjectType)
    plan = nested_fields(holder)
    assert set(plan) == {"place", "sure", "odd"}
    place = plan["place"][2]
    # Place implements an interface: strawberry's is_type_of, which the short path may call
    assert place.checkable and place.accepts(Place(name="n", code="c", strict="s"))
    assert not place.accepts(Campus(campus_id=strawberry.ID("c1"), name="n"))
    # a list's plan remembers the classes accepted, but a value cast to another type is asked again
    assert place.accepts_by_class(Place(name="n", code="c", strict="s")) and place.accepted == {Place}
    assert place.accepts_by_class(Place(name="m", code="d", strict="t"))
    assert not place.accepts_by_class(strawberry.cast(Campus, Place(name="n", code="c", strict="s")))
    assert not place.accepts_by_class(Campus(campus_id=strawberry.ID("c1"), name="n")) and place.accepted == {Place}


async def test_the_short_path_skips_the_resolve_info_of_object_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []
    original = PlainFieldExecution.build_resolve_info

    def counting(self: Any, field_def: Any, field_nodes: Any, parent_type: Any, path: Any) -> Any:
        built.append(f"{parent_type.name}.{field_nodes[0].name.value}")
        return original(self, field_def, field_nodes, parent_type, path)

    monkeypatch.setattr(PlainFieldExecution, "build_resolve_info", counting)
    _, short = nested_schemas()
    answer = await short.execute("{ holder { place { code } sure { code } } }")
    assert answer.errors is None
    # the holder's two object fields: no resolve info; only the root field's
    assert built == ["NestedQuery.holder"]
    built.clear()
    answer = await short.execute("{ holders { label place { code } } }")
    assert answer.errors is None
    # a list of them, h3's null place included, is answered by the list's plan: none either
    assert built == ["NestedQuery.holders"]


# A resolver answered at once: a row's campus, from what the request fetched with its page.
KNOWN = {"c1": Campus(campus_id=strawberry.ID("c1"), name="奥园校区")}
resolved: list[str] = []


def _known_campus(root: Any, context: Any) -> Any:
    if root.campus_id == "boom":
        raise RuntimeError("the answer failed")  # the resolver then runs, and reports its own error
    return context["campuses"].get(root.campus_id)


@strawberry.type
class Row:
    row_id: str
    campus_id: str

    @strawberry.field
    @answered_at_once(_known_campus)
    def campus(self, info: Info) -> Campus | None:
        resolved.append(self.row_id)
        if self.campus_id == "boom":
            raise RuntimeError("no such campus")
        return info.context["campuses"].get(self.campus_id) or (
            Campus(campus_id=strawberry.ID(self.campus_id), name="asked") if self.campus_id == "c2" else None
        )

    @strawberry.field
    @answered_at_once(_known_campus)
    def sure_campus(self, info: Info) -> Campus:
        resolved.append(self.row_id)
        return info.context["campuses"].get(self.campus_id) or Campus(campus_id=strawberry.ID("x"), name=None)  # type: ignore[arg-type]

    @strawberry.field(permission_classes=[Deny])  # type: ignore[untyped-decorator]
    @answered_at_once(_known_campus)
    def guarded_campus(self) -> Campus | None:
        return None


@strawberry.type
class RowQuery:
    @strawberry.field
    def rows(self) -> list[Row]:
        return [Row(row_id="r1", campus_id="c1"), Row(row_id="r2", campus_id="c2"), Row(row_id="r3", campus_id="gone"),
                Row(row_id="r4", campus_id="boom"), Row(row_id="r5", campus_id="c1")]  # fmt: skip


AT_ONCE_QUERIES = [
    "{ rows { rowId campus { name campusId } } }",
    "{ rows { sureCampus { name } } }",  # the resolver's null in a non-null object climbs
    "{ rows { guardedCampus { name } } }",  # a permission class: never answered at once
    "{ rows { c: campus { name } campus @include(if: false) { campusId } } }",
]


@pytest.mark.parametrize("query", AT_ONCE_QUERIES)
async def test_a_resolver_answered_at_once_answers_as_the_generic_path(query: str) -> None:
    generic = strawberry.Schema(query=RowQuery, config=CONFIG)
    short = strawberry.Schema(query=RowQuery, config=CONFIG, execution_context_class=PlainFieldExecution)
    context = {"campuses": KNOWN}
    assert outcome(await short.execute(query, context_value=context)) == outcome(
        await generic.execute(query, context_value=context)
    )


async def test_a_resolver_runs_only_for_rows_the_request_did_not_answer_at_once() -> None:
    short = strawberry.Schema(query=RowQuery, config=CONFIG, execution_context_class=PlainFieldExecution)
    resolved.clear()
    answer = await short.execute("{ rows { rowId campus { name } } }", context_value={"campuses": KNOWN})
    assert [e.message for e in answer.errors or ()] == ["no such campus"]
    assert answer.data == {"rows": [
        {"rowId": "r1", "campus": {"name": "奥园校区"}}, {"rowId": "r2", "campus": {"name": "asked"}},
        {"rowId": "r3", "campus": None}, {"rowId": "r4", "campus": None},
        {"rowId": "r5", "campus": {"name": "奥园校区"}},
    ]}  # fmt: skip
    assert resolved == ["r2", "r3", "r4"]  # r1 and r5 were known: no resolver call
    row = short._schema.get_type("Row")
    assert isinstance(row, GraphQLObjectType) and set(at_once_fields(row)) == {"campus", "sureCampus"}


def test_the_gateway_s_row_campuses_are_answered_at_once() -> None:
    schema = build_schema()
    for name in ("Hazard", "Inspection", "Purchase", "Appraisal"):
        found = schema._schema.get_type(name)
        assert isinstance(found, GraphQLObjectType), name
        assert "campus" in at_once_fields(found), name


async def test_a_selection_is_planned_once_for_every_item_of_a_list(monkeypatch: pytest.MonkeyPatch) -> None:
    planned: list[str] = []
    original = execution.plan_steps

    def counting(parent_type: Any, grouped_field_set: Any) -> Any:
        planned.append(parent_type.name)
        return original(parent_type, grouped_field_set)

    monkeypatch.setattr(execution, "plan_steps", counting)
    _, short = nested_schemas()
    answer = await short.execute("{ holders { label place { code } sure { code name } } }")
    assert answer.errors is None and len(answer.data["holders"]) == 4  # type: ignore[index]
    # three holders (and a null one): Holder once, Place once for each of its two selections
    assert sorted(planned) == ["Holder", "NestedQuery", "Place", "Place"]
    steps = original(short._schema.get_type("Holder"), _holder_selection(short))  # type: ignore[arg-type]
    kinds = [step[0] for step in steps or ()]
    assert kinds == [execution.STEP_PLAIN, execution.STEP_NESTED, execution.STEP_NESTED]


def _holder_selection(schema: strawberry.Schema) -> Any:
    """The grouped fields of ``{ label place { code } sure { code } }`` on Holder."""
    document = parse("{ holders { label place { code } sure { code } } }")
    operation = document.definitions[0]
    root = collect_fields(schema._schema, {}, {}, schema._schema.query_type, operation, False)  # type: ignore[arg-type]
    holders = root.grouped_field_set["holders"]
    holder_type = schema._schema.get_type("Holder")
    return collect_subfields(schema._schema, {}, {}, operation, holder_type, holders, False).grouped_field_set  # type: ignore[arg-type]


async def test_a_list_whose_selection_takes_the_short_paths_is_completed_by_its_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """graphql-core completes each item of a list (a response path, a dispatch, a sub-selection
    look-up); a list planned whole does none of that, and at anything unusual in any item it is
    completed again item by item, as the comparisons above show it answers."""
    completed: list[str] = []
    original = PlainFieldExecution.complete_list_item_value

    def counting(self: Any, item: Any, *args: Any) -> Any:
        completed.append(getattr(item, "label", None) or getattr(item, "code", None) or repr(item))
        return original(self, item, *args)

    monkeypatch.setattr(PlainFieldExecution, "complete_list_item_value", counting)
    _, short = nested_schemas()
    answer = await short.execute("{ holders { label place { code } sure { name } } }")
    assert answer.errors is None and answer.data is not None
    assert [h and h["label"] for h in answer.data["holders"]] == ["h1", "h2", "h3", None]
    assert completed == []  # planned whole: no item completed by graphql-core
    answer = await short.execute("{ holders { label odd { code } } }")  # h3's odd is no Place
    assert answer.errors and "Expected value of type 'Place'" in answer.errors[0].message
    assert completed == ["h1", "h2", "h3", "None"]  # all again, item by item
    completed.clear()
    answer = await short.execute("{ holders { label all: places { later } } }")  # a resolver: no plan
    assert answer.errors is None
    assert completed == ["h1", "p1", "p1", "h2", "p1", "p2", "h3", "None"]
