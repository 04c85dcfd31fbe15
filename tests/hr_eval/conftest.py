"""A running directory and staff appraisal service on the session's Kafka, with the seed's school."""

from __future__ import annotations

from typing import Any

import pytest_asyncio

from services.hr_eval.service import HR_EVAL
from tests.conftest import SettingsFactory
from tests.school import SchoolWorld, school_world


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(make_settings: SettingsFactory, start_service: Any) -> SchoolWorld:
    return await school_world(make_settings, start_service, HR_EVAL)
