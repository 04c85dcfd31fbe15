"""The GraphQL written in the README is valid against the schema: a reader who copies it gets
answers, not validation errors."""

from __future__ import annotations

import re
from pathlib import Path

from graphql import parse, validate

from gateway.schema import build_schema
from gateway.settings import GatewaySettings

README = Path(__file__).parents[2] / "README.md"


def graphql_blocks() -> list[str]:
    return re.findall(r"```graphql\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_every_graphql_block_of_the_readme_validates_against_the_schema() -> None:
    blocks = graphql_blocks()
    assert blocks, "the README shows the API"
    schema = build_schema(GatewaySettings(environment="development"))._schema
    for block in blocks:
        errors = validate(schema, parse(block))
        assert errors == [], (block[:80], [e.message for e in errors])


def test_the_readme_queries_the_three_projections_of_a_campus_in_one_query() -> None:
    combined = [b for b in graphql_blocks() if "appraisalTotals" in b]
    assert combined and all(f in combined[0] for f in ("inspectionStatus", "inventoryCounts", "appraisalTotals"))
