"""A running directory and safety service on the session's Kafka, with the seed's school.

The safety service learns the school from the directory's events (its mirror), as
in production; the fixture waits until it knows every campus, class and person.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest_asyncio

from services.safety.service import SAFETY
from tests.conftest import RunningService, SettingsFactory
from tests.school import PEOPLE, Headers, SchoolWorld, school_world, seed

__all__ = ["PEOPLE", "TODAY", "Headers", "SafetyWorld", "seed", "world"]


class SafetyWorld(SchoolWorld):
    @property
    def safety(self) -> RunningService:
        return self.service


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(make_settings: SettingsFactory, start_service: Any) -> SafetyWorld:
    w = await school_world(make_settings, start_service, SAFETY)
    return SafetyWorld(w.directory, w.service, w.tokens)


TODAY = date(2020, 10, 12)
