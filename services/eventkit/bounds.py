"""The bounded field types every command is made of: one place says how long, how many and how
large any input may be, so every service (and any service added later) inherits the same limits.

Each bound is what the input's storage and its read models hold:

- strings are PostgreSQL ``text`` in events (jsonb) and read models, which cannot hold a NUL
  character: a NUL is refused (422 naming the field) instead of failing the append or, worse, a
  projection later; every string has a length bound;
- integers: see the rule below;
- lists have a maximum number of items.

The rule for numbers: **a single command value fits int4; anything summed or multiplied is
bigint.**

- One value of one command (a quantity, a unit price, an amount settled, a reorder point, a
  quota set, a stream version) is at most ``INT4_MAX``: it is stored as it came, in an
  ``integer`` column, and travels as GraphQL's ``Int`` (32-bit signed too).
- What a read model accumulates (stock on hand, received, issued, adjusted, issued per day,
  quota used and overrides, a headcount, a counter of events such as a key's loans or an
  inspection's findings) or multiplies (a line's quantity times its unit price, summed into a
  purchase's total or a charge's amount) is a ``bigint`` column. Each bounded command adds at
  most ``MAX_QUANTITY`` (or one), so a bigint takes some 9 × 10^12 commands to fill; each
  product fits it (500 lines × 1,000,000 × ``INT4_MAX`` < 2^63). Products and sums are
  computed in Python (exact at any size) or in bigint SQL arithmetic, never cast to ``int``.
- A query that sums over rows sums money as ``numeric`` (what ``sum`` of a bigint gives: it
  cannot overflow) read back as a Python ``int``, and sums of quantities cast back to
  ``bigint``.
- In GraphQL, every field that carries such a sum or product is the ``BigInt`` scalar
  (``gateway/common/scalars.py``: a JSON number written out in full, exact for every reader up
  to 2^53 - 1). Counts of records (hazards open, students in a class, purchases at a step)
  stay ``Int``: each record is made by events of its own, and a campus does not make two
  billion of them; their columns are bigint (or ``count(*)``'s bigint) all the same.

Projections carry their shape (``services.eventkit.projection.shape_of``): a release that
widens a column rebuilds the read model on start, so no int4 table of an older release stays.

``tests/eventkit/test_bounds.py`` walks every command model of every service and fails on a
string, list or number field without a bound.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from pydantic import Field, StringConstraints

T = TypeVar("T")

INT4_MAX = 2_147_483_647
"""The largest value of a PostgreSQL ``integer`` (and of a GraphQL ``Int``)."""

NO_NUL = r"^[^\x00]*$"
"""A string PostgreSQL ``text`` can hold: no NUL character."""

ID_LENGTH = 63
NAME_LENGTH = 200
SHORT_TEXT_LENGTH = 200
REF_LENGTH = 500
TEXT_LENGTH = 4000

MAX_QUANTITY = 1_000_000
"""Items in one line of a command (received, issued, counted, bought, charged)."""

FEW_ITEMS = 50
MANY_ITEMS = 500

EntityId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$", max_length=ID_LENGTH)]
"""An id chosen by the client: lowercase letters, digits and dashes, 2 to 63 characters."""

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_LENGTH, pattern=NO_NUL)]
"""A name or a title: not blank, at most 200 characters."""

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=SHORT_TEXT_LENGTH, pattern=NO_NUL)]
"""A short free text (a place, a reference number, a phone number), possibly empty."""

Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40, pattern=NO_NUL)]
"""A telephone number as people write it, possibly empty."""

Ref = Annotated[str, StringConstraints(strip_whitespace=True, max_length=REF_LENGTH, pattern=NO_NUL)]
"""Where a document, a photo or a record is kept (a path or an address), possibly empty."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=TEXT_LENGTH, pattern=NO_NUL)]
"""A long free text (a description, a note, a summary), possibly empty."""

Version = Annotated[int, Field(ge=0, le=INT4_MAX)]
"""A stream's version (``events.version`` is an ``integer``)."""

Count = Annotated[int, Field(ge=0, le=INT4_MAX)]
"""How many of something (an index, a count), as an ``integer`` column holds it."""

Quantity = Annotated[int, Field(ge=0, le=MAX_QUANTITY)]
"""Items of one line: add ``gt=0`` where none is not a quantity."""

Fen = Annotated[int, Field(ge=0, le=INT4_MAX)]
"""An amount of money in fen (分) in one command: up to 21,474,836.47 yuan, what an ``integer``
column holds. Totals made of such amounts (times a quantity, summed) are bigint."""

Few = Annotated[list[T], Field(max_length=FEW_ITEMS)]
"""A short list (roles, campuses, parties, the stops of a route): at most 50 items."""

Many = Annotated[list[T], Field(max_length=MANY_ITEMS)]
"""A longer list (the lines of a purchase, a checklist, results): at most 500 items."""


def reason_of(error: Mapping[str, Any]) -> str:
    """A validation error's reason in words (pydantic's, except a NUL character is named as such)."""
    if error.get("type") == "string_pattern_mismatch" and (error.get("ctx") or {}).get("pattern") == NO_NUL:
        return "must not contain a NUL character"
    return str(error.get("msg", "invalid"))
