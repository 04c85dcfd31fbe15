"""A running directory and inventory service on the session's Kafka, with the seed's school."""

from __future__ import annotations

from typing import Any

import pytest_asyncio

from services.inventory.service import INVENTORY
from tests.conftest import SettingsFactory
from tests.school import SchoolWorld, school_world


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(make_settings: SettingsFactory, start_service: Any) -> SchoolWorld:
    w = await school_world(make_settings, start_service, INVENTORY)
    for item_id, name, unit, consumable, price, reorder in [
        ("broom", "笤帚", "把", True, 1500, 10),
        ("gloves", "橡胶手套", "副", True, 600, 20),
        ("pen", "签字笔", "支", True, 200, 100),
        ("projector", "投影仪", "台", False, 350000, 0),
    ]:
        response = await w.post(
            "/items",
            {
                "item_id": item_id,
                "school_id": "xuexiao",
                "name": name,
                "unit": unit,
                "category": "日常用品",
                "consumable": consumable,
                "unit_price_fen": price,
                "reorder_point": reorder,
            },
        )
        assert response.status_code == 200, response.text
    return w
