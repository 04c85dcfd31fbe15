"""The district's canteen rules on the running canteen service."""

from __future__ import annotations

from tests.school import SchoolWorld

RULES = {
    "district_id": "xinbei",
    "effective_on": "2020-09-01",
    "sample_min_grams": 150,
    "sample_min_hours": 72,
    "banned_dishes": [{"name": "四季豆", "reason": "易加热不彻底引起食物中毒", "words": ["芸豆"]}],
    "at": "2020-08-20T09:00:00+08:00",
}


async def test_the_district_admin_sets_the_rules_and_the_staff_read_those_in_force(world: SchoolWorld) -> None:
    before = await world.get("/canteen-rules/xinbei", as_="manager-main", on="2020-08-31")
    assert before.status_code == 200, before.text
    assert before.json()["sample_min_grams"] == 125 and before.json()["effective_on"] is None

    refused = await world.post("/canteen-rules", RULES, as_="manager-main")
    assert refused.status_code == 403, refused.text
    events = await world.events()
    bad = await world.post("/canteen-rules", RULES | {"sample_min_hours": 24}, as_="admin")
    assert bad.status_code == 422 and "sample_min_hours" in bad.text
    assert await world.events() == events

    response = await world.post("/canteen-rules", RULES, as_="admin")
    assert response.status_code == 200, response.text
    assert response.json()["events"] == ["canteen.CanteenRulesSet"]

    after = await world.get("/canteen-rules/xinbei", as_="cook-main", on="2020-09-01")
    assert after.status_code == 200, after.text
    assert after.json()["sample_min_hours"] == 72 and after.json()["banned_dishes"][0]["name"] == "四季豆"

    other = await world.get("/canteen-rules/xinbei", as_="other-admin")
    assert other.status_code == 403, other.text
