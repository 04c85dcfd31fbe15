"""A running directory and canteen service on the session's Kafka, with the seed's school and
three of its canteen workers (``tests.school.CANTEEN_STAFF``)."""

from __future__ import annotations

from typing import Any

import pytest_asyncio

from services.canteen.service import CANTEEN
from tests.conftest import SettingsFactory
from tests.school import CANTEEN_SCHOOL, SchoolWorld, school_world


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(make_settings: SettingsFactory, start_service: Any) -> SchoolWorld:
    return await school_world(make_settings, start_service, CANTEEN, school=CANTEEN_SCHOOL)
