"""Responsibility agreements through the API: launch, issue, sign, refuse; rates and reminders."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import httpx

from tests.conftest import eventually
from tests.safety.conftest import PEOPLE, SafetyWorld

# Who the seed's school has on each campus: its staff, and the parents of its students
# (yao-mum for yao in g6-1 on main, ma-dad for ma in g1-1 on aoyuan).
MAIN_STAFF = {p["staff_id"] for p in PEOPLE if "main" in p["campus_ids"]}
AOYUAN_STAFF = {p["staff_id"] for p in PEOPLE if "aoyuan" in p["campus_ids"]}
MAIN_PARTIES = len(MAIN_STAFF) + 1
IN_TERM = {"at": "2020-09-10T10:00:00+08:00"}  # when each act of a campaign happens, in its term


def new_id(prefix: str = "agr") -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


async def settled(world: SafetyWorld) -> None:
    """Waits until the reactions to the seed have appended (the health records), so counts hold still."""

    async def done() -> bool:
        n = await world.safety.pool.fetchval("SELECT count(*) FROM events WHERE stream_id LIKE 'health-record-%'")
        return bool(n >= 4)

    await eventually(done, timeout=60)


async def launch(
    world: SafetyWorld, campaign_id: str, *, campus_id: str = "main", as_: str = "manager-main", **overrides: Any
) -> httpx.Response:
    body = {
        "campaign_id": campaign_id,
        "campus_id": campus_id,
        "term_id": "2020-2021-1",
        "title": "2020-2021 第一学期 安全责任书",
        "document_ref": "docs/agreements/2020-2021-1.pdf",
        "parties": ["staff", "parent"],
        "at": "2020-09-07T09:00:00+08:00",
    } | overrides
    return await world.post("/agreement-campaigns", body, as_=as_)


async def launched_and_issued(world: SafetyWorld, campus_id: str = "main", as_: str = "manager-main") -> str:
    campaign_id = new_id()
    response = await launch(world, campaign_id, campus_id=campus_id, as_=as_)
    assert response.status_code == 200, response.text
    response = await world.post(f"/agreement-campaigns/{campaign_id}/issue", {} | IN_TERM, as_=as_)
    assert response.status_code == 200, response.text
    assert response.json()["events"] == ["safety.AgreementsIssued"]
    return campaign_id


async def signing(world: SafetyWorld, campaign_id: str, as_: str = "manager-main", **expected: Any) -> Any:
    """The campaign's signing once the projection shows ``expected`` totals."""

    async def shown() -> Any:
        response = await world.get(f"/agreement-campaigns/{campaign_id}/signing", as_=as_)
        if response.status_code != 200:
            return None
        body = response.json()
        return body if all(body[k] == v for k, v in expected.items()) else None

    return await eventually(shown)


def error_fields(response: httpx.Response) -> list[str]:
    return [d["field"] for d in response.json()["detail"]]


async def test_a_campaign_is_issued_to_staff_and_parents_and_signed(world: SafetyWorld) -> None:
    campaign_id = await launched_and_issued(world)
    body = await signing(world, campaign_id, issued=MAIN_PARTIES)
    assert body["staff"]["issued"] == len(MAIN_STAFF)
    assert [(c["class_id"], c["issued"]) for c in body["classes"]] == [("g6-1", 1)]  # yao-mum, for yao

    # a parent and a teacher sign their own; a manager records a paper copy for another teacher
    for party, as_, on_paper in [
        ("yao-mum", "parent-yao", False),
        ("huang", "teacher-g6", False),
        ("sun", "manager-main", True),
    ]:
        response = await world.post(
            f"/agreement-campaigns/{campaign_id}/sign", {"party_id": party, "on_paper": on_paper} | IN_TERM, as_=as_
        )
        assert response.status_code == 200, response.text
        assert response.json()["events"] == ["safety.AgreementSigned"]

    body = await signing(world, campaign_id, signed=3)
    assert body["unsigned"] == MAIN_PARTIES - 3
    assert body["signing_rate"] == round(3 / MAIN_PARTIES, 4)
    assert (body["staff"]["signed"], body["staff"]["signing_rate"]) == (2, round(2 / len(MAIN_STAFF), 4))
    assert [(c["class_id"], c["class_name"], c["signed"], c["signing_rate"]) for c in body["classes"]] == [
        ("g6-1", "六1班", 1, 1.0)
    ]

    # the reminders list, a page at a time
    unsigned: list[str] = []
    after = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"after": after} if after else {})
        page = (await world.get(f"/agreement-campaigns/{campaign_id}/unsigned", **params)).json()
        assert len(page["items"]) <= 2
        unsigned += [item["party_id"] for item in page["items"]]
        after = page["next_cursor"]
        if after is None:
            break
    assert sorted(unsigned) == sorted(MAIN_STAFF - {"huang", "sun"})

    listed = (await world.get("/agreement-campaigns", campus_id="main")).json()["items"]
    mine = next(c for c in listed if c["campaign_id"] == campaign_id)
    rate = round(3 / MAIN_PARTIES, 4)
    assert (mine["issued"], mine["signed"], mine["refused"], mine["signing_rate"]) == (MAIN_PARTIES, 3, 0, rate)


async def test_parents_are_issued_per_child_class_on_the_campus(world: SafetyWorld) -> None:
    campaign_id = new_id()
    assert (await launch(world, campaign_id, campus_id="aoyuan", as_="manager-aoyuan")).status_code == 200
    issued = await world.post(
        f"/agreement-campaigns/{campaign_id}/issue", {"parties": ["parent"]} | IN_TERM, as_="manager-aoyuan"
    )
    assert issued.status_code == 200, issued.text
    body = await signing(world, campaign_id, as_="manager-aoyuan", issued=1)
    assert body["staff"]["issued"] == 0
    assert [(c["class_id"], c["issued"]) for c in body["classes"]] == [("g1-1", 1)]  # ma-dad, for ma
    page = (await world.get(f"/agreement-campaigns/{campaign_id}/unsigned", as_="manager-aoyuan")).json()
    assert [(i["party_id"], i["party_kind"], i["class_id"]) for i in page["items"]] == [("ma-dad", "parent", "g1-1")]

    # then the staff: only those without one are issued
    staff = await world.post(f"/agreement-campaigns/{campaign_id}/issue", {} | IN_TERM, as_="manager-aoyuan")
    assert staff.status_code == 200, staff.text
    body = await signing(world, campaign_id, as_="manager-aoyuan", issued=1 + len(AOYUAN_STAFF))


async def test_issuing_with_nobody_new_is_rejected(world: SafetyWorld) -> None:
    await settled(world)
    campaign_id = await launched_and_issued(world)
    before = await world.events()
    response = await world.post(f"/agreement-campaigns/{campaign_id}/issue", {} | IN_TERM)
    assert response.status_code == 409, response.text
    assert response.json()["error"] == "rejected"
    assert await world.events() == before


async def test_a_refusal_is_not_final_but_a_signature_is(world: SafetyWorld) -> None:
    campaign_id = await launched_and_issued(world)
    sign = f"/agreement-campaigns/{campaign_id}/sign"
    refuse = f"/agreement-campaigns/{campaign_id}/refuse"
    response = await world.post(refuse, {"party_id": "yao-mum", "reason": "对第五条有异议"} | IN_TERM, as_="parent-yao")
    assert response.status_code == 200, response.text
    await signing(world, campaign_id, refused=1)
    assert (await world.post(sign, {"party_id": "yao-mum"} | IN_TERM, as_="parent-yao")).status_code == 200
    await signing(world, campaign_id, refused=0, signed=1)

    again = await world.post(sign, {"party_id": "yao-mum"} | IN_TERM, as_="parent-yao")
    assert again.status_code == 409, again.text
    assert again.json()["error"] == "rejected"
    late_no = await world.post(refuse, {"party_id": "yao-mum", "reason": "改主意了"} | IN_TERM, as_="parent-yao")
    assert (late_no.status_code, late_no.json()["error"]) == (409, "rejected")


async def test_signing_an_agreement_never_issued_is_rejected(world: SafetyWorld) -> None:
    campaign_id = new_id()
    assert (await launch(world, campaign_id, parties=["parent"])).status_code == 200
    assert (await world.post(f"/agreement-campaigns/{campaign_id}/issue", {} | IN_TERM)).status_code == 200
    # a staff member of the campus, but the campaign is for parents only
    response = await world.post(
        f"/agreement-campaigns/{campaign_id}/sign", {"party_id": "huang"} | IN_TERM, as_="teacher-g6"
    )
    assert response.status_code == 409, response.text
    assert response.json()["error"] == "rejected"
    assert response.json()["field"] == "party_id"


async def test_bad_input_names_the_field_and_appends_nothing(world: SafetyWorld) -> None:
    await settled(world)
    before = await world.events()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"term_id": "2030-2031-1"}, "term_id"),
        ({"parties": []}, "parties"),
        ({"parties": ["pupils"]}, "parties.0"),
        ({"campus_id": "nowhere"}, "campus_id"),
        ({"title": ""}, "title"),
    ]
    for overrides, field in cases:
        response = await launch(world, new_id(), **overrides)
        assert response.status_code == 422, (overrides, response.text)
        assert field in error_fields(response), (overrides, response.json())
    campaign_id = await launched_and_issued(world)
    before = await world.events()
    response = await world.post(
        f"/agreement-campaigns/{campaign_id}/refuse", {"party_id": "yao-mum"} | IN_TERM, as_="parent-yao"
    )
    assert response.status_code == 422
    assert error_fields(response) == ["reason"]
    response = await world.post(
        f"/agreement-campaigns/{campaign_id}/sign", {"party_id": "Yao Mum!"} | IN_TERM, as_="parent-yao"
    )
    assert (response.status_code, error_fields(response)) == (422, ["party_id"])
    assert await world.events() == before


async def test_a_stale_expected_version_is_a_version_conflict(world: SafetyWorld) -> None:
    await settled(world)
    campaign_id = new_id()
    assert (await launch(world, campaign_id)).status_code == 200
    before = await world.events()
    response = await world.post(f"/agreement-campaigns/{campaign_id}/issue", {"expected_version": 0} | IN_TERM)
    assert response.status_code == 409, response.text
    assert response.json()["error"] == "version_conflict"
    assert await world.events() == before
    fresh = await world.post(f"/agreement-campaigns/{campaign_id}/issue", {"expected_version": 1} | IN_TERM)
    assert fresh.status_code == 200, fresh.text


async def test_out_of_scope_is_forbidden(world: SafetyWorld) -> None:
    await settled(world)
    before = await world.events()
    assert (await launch(world, new_id(), as_="manager-aoyuan")).status_code == 403
    assert (await launch(world, new_id(), as_="teacher-g6")).status_code == 403  # managers launch
    campaign_id = await launched_and_issued(world)
    before = await world.events()
    base = f"/agreement-campaigns/{campaign_id}"
    # another campus's campaign answers as one that does not exist (404, the same body)
    nobody = new_id()
    for path, body in (("issue", {}), ("sign", {"party_id": "huang", "on_paper": True})):
        answers = []
        for cid in (campaign_id, nobody):
            response = await world.post(f"/agreement-campaigns/{cid}/{path}", body | IN_TERM, as_="manager-aoyuan")
            answers.append((response.status_code, response.json()["reason"].replace(cid, "?")))
        assert answers[0] == answers[1] == (404, "agreement campaign ? does not exist"), answers
    assert (await world.post(f"{base}/issue", {} | IN_TERM, as_="teacher-g6")).status_code == 403
    paper = {"party_id": "huang", "on_paper": True}
    # a parent signs their own, not someone else's, not even "on paper"
    assert (await world.post(f"{base}/sign", {"party_id": "huang"} | IN_TERM, as_="parent-yao")).status_code == 403
    assert (await world.post(f"{base}/sign", paper | IN_TERM, as_="parent-yao")).status_code == 403
    no = {"party_id": "huang", "reason": "不同意"}
    assert (await world.post(f"{base}/refuse", no | IN_TERM, as_="parent-yao")).status_code == 403
    # a teacher signs their own only; a manager records someone else's only from paper
    assert (await world.post(f"{base}/sign", {"party_id": "sun"} | IN_TERM, as_="teacher-g6")).status_code == 403
    assert (await world.post(f"{base}/sign", {"party_id": "sun"} | IN_TERM, as_="manager-main")).status_code == 403
    assert await world.events() == before
    # reading another campus's campaign
    await signing(world, campaign_id, issued=MAIN_PARTIES)
    for path, who, status in (
        ("signing", "manager-aoyuan", 404),
        ("unsigned", "manager-aoyuan", 404),
        ("signing", "parent-yao", 403),  # not staff: refused before the campaign is looked for
    ):
        answers = []
        for cid in (campaign_id, nobody):  # as a campaign that does not exist
            response = await world.get(f"/agreement-campaigns/{cid}/{path}", as_=who)
            answers.append((response.status_code, response.json()["reason"].replace(cid, "?")))
        assert answers[0] == answers[1] and answers[0][0] == status, (path, who, answers)
    listed = (await world.get("/agreement-campaigns", as_="manager-aoyuan")).json()["items"]
    assert campaign_id not in {c["campaign_id"] for c in listed}
    assert (await world.get("/agreement-campaigns/nope/signing")).status_code == 404


async def test_a_parent_of_another_campus_cannot_sign_there(world: SafetyWorld) -> None:
    campaign_id = await launched_and_issued(world, campus_id="aoyuan", as_="manager-aoyuan")
    response = await world.post(
        f"/agreement-campaigns/{campaign_id}/sign", {"party_id": "yao-mum"} | IN_TERM, as_="parent-yao"
    )
    assert response.status_code == 404, response.text  # another campus's campaign: as if there were none


async def test_the_inspection_status_shows_the_signing_rate(world: SafetyWorld) -> None:
    campaign_id = await launched_and_issued(world)
    for party, as_ in [("yao-mum", "parent-yao"), ("huang", "teacher-g6"), ("sun", "teacher2-g6")]:
        response = await world.post(f"/agreement-campaigns/{campaign_id}/sign", {"party_id": party} | IN_TERM, as_=as_)
        assert response.status_code == 200, response.text

    async def shown() -> Any:
        status = (await world.get("/inspection-status/main")).json()
        mine = [a for a in status["agreements"] if a["campaign_id"] == campaign_id]
        return mine if mine and mine[0]["signed"] == 3 else None

    (row,) = await eventually(shown)
    assert (row["issued"], row["signed"], row["signing_rate"]) == (MAIN_PARTIES, 3, round(3 / MAIN_PARTIES, 4))


async def test_a_party_answers_after_their_agreement_was_issued_and_in_its_term(world: SafetyWorld) -> None:
    campaign_id = new_id()
    assert (await launch(world, campaign_id)).status_code == 200
    issued = await world.post(f"/agreement-campaigns/{campaign_id}/issue", {"at": "2020-09-08T09:00:00+08:00"})
    assert issued.status_code == 200, issued.text
    before = await world.events()
    sign = f"/agreement-campaigns/{campaign_id}/sign"
    for at, step, step_time in [
        ("2020-09-08T08:00:00+08:00", "issued", "2020-09-08T09:00:00+08:00"),
        ("2021-02-03T10:00:00+08:00", "term ended", "2021-01-31"),
    ]:
        refused = await world.post(sign, {"party_id": "yao-mum", "at": at}, as_="parent-yao")
        assert refused.status_code == 409, refused.text
        assert refused.json() | {"reason": ""} == {
            "error": "out_of_order",
            "reason": "",
            "field": "at",
            "step": step,
            "step_time": step_time,
        }
    assert await world.events() == before
    # signed that evening, entered today: the signature keeps its own time
    evening = await world.post(sign, {"party_id": "yao-mum", "at": "2020-09-08T20:00:00+08:00"}, as_="parent-yao")
    assert evening.status_code == 200, evening.text
    row = await world.safety.pool.fetchrow(
        "SELECT occurred_at, data->>'signed_at' AS signed_at FROM events "
        "WHERE stream_id = $1 AND type = 'safety.AgreementSigned'",
        f"agreement-campaign-{campaign_id}",
    )
    assert row is not None and row["occurred_at"].isoformat() == "2020-09-08T12:00:00+00:00"
