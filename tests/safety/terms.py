"""The seed's term as the facts a term-bound command's handler resolves (``services.safety.common``)."""

from __future__ import annotations

from datetime import date, datetime

from demo.school import TERM, TERM_ENDS, TERM_STARTS
from services.eventkit.days import local_day
from services.safety.common import term_facts

TERM_FACTS = term_facts(TERM, TERM_STARTS, TERM_ENDS)
"""2020-2021-1: 2020-09-01 to 2021-01-31."""


def in_term(act: date | datetime) -> bool:
    """Whether the act's school day falls in the seed's term."""
    day = local_day(act) if isinstance(act, datetime) else act
    return TERM_STARTS <= day <= TERM_ENDS
