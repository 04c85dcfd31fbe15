"""``BigInt``: the whole numbers that do not fit GraphQL's ``Int`` (32-bit signed).

Every value a command carries fits an ``Int`` (``services.eventkit.bounds``). What the read
models add up or multiply does not: stock received over the years, a purchase's total in fen
(quantity times unit price, summed over its lines), quotas summed over departments. Those
fields are ``BigInt``, and nothing else is: one scalar, one rule, everywhere.

A ``BigInt`` is sent as a JSON number, an integer written out in full: never rounded, never
a string, never in exponent notation. Any JSON reader reads it exactly up to 2^53 - 1
(9,007,199,254,740,991: that many fen is ninety trillion yuan); a reader that turns JSON
numbers into doubles (JavaScript's ``JSON.parse``) rounds a value beyond that, and must read
such a field as a big integer. The services hold these values in PostgreSQL ``bigint``
columns (sums over rows as ``numeric``), so none exceeds 2^63 - 1 in a row.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NewType

import strawberry
from graphql import GraphQLError
from strawberry.types.scalar import ScalarDefinition

BIGINT_DESCRIPTION = (
    "A whole number that may exceed the 32 bits of `Int`: a sum or a product of bounded values "
    "(stock received or on hand, a total in fen, quotas summed). Sent as a JSON number written out in full "
    "(never a string, never rounded): exact in every JSON reader up to 2^53 - 1 (9,007,199,254,740,991); "
    "a reader that parses JSON numbers as doubles (JavaScript's JSON.parse) must read it as a big integer "
    "beyond that. At most 2^63 - 1 (a PostgreSQL bigint)."
)


def _serialize(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise GraphQLError(f"BigInt cannot represent a non-integer value: {value!r}")
    whole = int(value)
    if whole != value:
        raise GraphQLError(f"BigInt cannot represent a non-integer value: {value!r}")
    return whole


BIGINT_MAX = 2**63 - 1


def _parse_value(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not -BIGINT_MAX - 1 <= value <= BIGINT_MAX:
        raise GraphQLError(f"BigInt cannot represent {value!r}: a whole number of at most 2^63 - 1 is expected")
    return value


BigInt = NewType("BigInt", int)
"""The Python side of a ``BigInt`` field: an ``int`` (the schema maps it with :data:`SCALARS`)."""

SCALARS: dict[object, ScalarDefinition] = {
    BigInt: strawberry.scalar(
        name="BigInt", description=BIGINT_DESCRIPTION, serialize=_serialize, parse_value=_parse_value
    ),
}
"""The gateway's own scalars, for the schema's ``scalar_overrides``."""
