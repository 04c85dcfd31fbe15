"""The list of requisition lists (领用清单) and the batch lookups the gateway's dataloaders use, on
the running inventory service: by campus, department, term, recipient and ids, in the caller's
scope, paged and counted."""

from __future__ import annotations

from typing import Any

from tests.conftest import eventually
from tests.inventory.test_stock_api import receive, requisition, uid
from tests.school import SCHOOL, SchoolWorld


async def test_requisition_lists_are_listed_in_scope_by_department_and_paged(world: SchoolWorld) -> None:
    dept, other = uid("yuwen"), uid("shuxue")
    await receive(world, "pen", 20)
    rids = sorted(uid("rq") for _ in range(3))
    for rid, d in zip(rids, (dept, dept, other), strict=True):
        body = requisition(rid, {"item_id": "pen", "quantity": 1}, dept=d, at="2020-10-12T08:00:00+08:00")
        response = await world.post("/requisitions", body)
        assert response.status_code == 200, response.text

    async def listed() -> list[dict[str, Any]] | None:
        items: list[dict[str, Any]] = (await world.get("/requisitions", department_id=dept)).json()["items"]
        return items if len(items) == 2 else None

    first, second = await eventually(listed)
    assert [first["requisition_id"], second["requisition_id"]] == rids[:2]
    assert first | {"lines": None} == {
        "requisition_id": rids[0], "district_id": SCHOOL.district_id, "school_id": "xuexiao", "campus_id": "main",
        "department_id": dept, "recipient_kind": "person", "recipient_id": "huang", "term_id": "2020-2021-1",
        "lines": None, "issued_by": "zhou", "issued_at": "2020-10-12T00:00:00Z",
    }  # fmt: skip
    # an issue that is no exchange returns nothing (old for new: the returned item)
    assert first["lines"] == [{"item_id": "pen", "quantity": 1, "exchange": False, "returned": None}]
    paged = (await world.get("/requisitions", department_id=dept, limit=1, count="true")).json()
    assert [i["requisition_id"] for i in paged["items"]] == rids[:1] and paged["total"] == 2
    assert paged["next_cursor"] == rids[0]

    async def third_listed() -> list[dict[str, Any]] | None:  # the other department's list: a stream of its own
        items: list[dict[str, Any]] = (await world.get("/requisitions", ids=f"{rids[0]},{rids[2]}")).json()["items"]
        return items if rids[2] in {i["requisition_id"] for i in items} else None

    by_ids = await eventually(third_listed)
    assert [i["requisition_id"] for i in by_ids] == [rids[0], rids[2]]
    assert (await world.get("/requisitions", department_id=dept, term_id="2021-2022-1")).json()["items"] == []
    for outsider in ("manager-aoyuan", "other-admin"):
        assert (await world.get("/requisitions", as_=outsider, department_id=dept)).json()["items"] == []
    assert (await world.get("/requisitions", as_="parent-yao")).status_code == 403
