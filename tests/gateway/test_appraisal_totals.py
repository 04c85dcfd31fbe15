"""The monthly appraisal totals through the front door: a daily patrol's finding naming the
guard, sent as a GraphQL mutation to the safety service, reaches the staff appraisal through
Kafka as a proposal; the appraiser confirms it, tells the guard, who acknowledges it; the month
is finalised and published — and the campus's one query shows the three projections the
gateway combines (inspection status, inventory counts, monthly appraisal totals)."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tests.conftest import eventually
from tests.gateway.conftest import System

RESULT = """
    __typename
    ... on Accepted { streamId version events }
    ... on InvalidInput { errors { field reason } }
    ... on Rejected { message field }
    ... on Forbidden { message }
    ... on NotFound { message }
    ... on VersionConflict { message }
"""

CAMPUS = """
query Campus($campus: ID!, $month: String!) {
  campus(campusId: $campus) {
    name
    inspectionStatus { inspections { kind lastCompletedAt } hazards { open } }
    inventoryCounts { nodes { itemId onHand } }
    appraisalTotals(month: $month) {
      month appraised published finalised mean min max spread belowThreshold
      byRule { ruleCode ruleText items points }
      workers { appraisalId staffId name role base deductions bonuses total state published corrected }
      appraisers { appraiserId items pointsGiven }
      pending { uncommunicated disputed notFinalised notPublished }
    }
  }
}
"""

TOTALS = """
query Totals($campus: ID!, $month: String!) {
  appraisalTotals(campusId: $campus, month: $month) {
    appraised published
    byRule { ruleCode }
    workers { staffId total published }
    pending { notPublished }
  }
}
"""

APPRAISAL = """
query One($id: ID!) {
  appraisal(appraisalId: $id) {
    id appraisalId staffId total publishedTotal state
    items { itemId ruleCode points status source sourceRef proposalId channel acknowledgedAt }
    history { type }
  }
}
"""


async def mutate(system: System, name: str, args: str, as_: str = "manager-main", **variables: Any) -> dict[str, Any]:
    """Sends one mutation and requires it Accepted; its answer."""
    params = ", ".join(f"${k}: {t}" for k, (t, _) in variables.items())
    query = (
        f"mutation M({params}) {{ {name}({args}) {{ {RESULT} }} }}"
        if params
        else f"mutation {{ {name}({args}) {{ {RESULT} }} }}"
    )
    body = await system.gql(query, as_, **{k: v for k, (_, v) in variables.items()})
    assert body.get("errors") is None, body
    assert body["data"][name]["__typename"] == "Accepted", body["data"][name]
    answer: dict[str, Any] = body["data"][name]
    return answer


async def test_a_patrol_finding_reaches_the_campus_appraisal_totals_through_kafka(system: System) -> None:
    month = "2020-10"
    await mutate(
        system,
        "publishRuleBook",
        "input: $input",
        input=(
            "PublishRuleBookInput!",
            {
                "schoolId": "xuexiao",
                "title": "后勤人员月考核细则",
                "effectiveOn": "2020-09-01",
                "baseScore": 100,
                "categories": [{"code": "DISC", "name": "劳动纪律", "deductionCap": 20, "bonusCap": 0}],
                "items": [{"code": "D-3", "text": "门岗未按规定登记来访人员", "category": "DISC", "points": -2}],
            },
        ),
    )
    opened = await mutate(
        system, "openAppraisals", "input: $input", input=("OpenAppraisalsInput!", {"campusId": "main", "month": month})
    )

    # the daily patrol at the gate: visitors not registered, put down to the guard
    patrol = f"patrol-{uuid4().hex[:8]}"
    await mutate(
        system,
        "startInspection",
        "input: $input",
        input=(
            "StartInspectionInput!",
            {
                "inspectionId": patrol,
                "campusId": "main",
                "kind": "DAILY_PATROL",
                "areas": ["本部 大门"],
                "checklist": ["来访人员登记"],
                "at": "2020-10-15T07:30:00+08:00",
            },
        ),
    )
    await mutate(
        system,
        "recordFinding",
        "inspectionId: $id, input: $input",
        id=("ID!", patrol),
        input=(
            "RecordFindingInput!",
            {
                "item": "来访人员登记",
                "area": "本部 大门",
                "ok": False,
                "severity": "LOW",
                "note": "两名来访人员未登记",
                "responsibleStaffId": "li-guard",
                "ruleCode": "D-3",
                "at": "2020-10-15T07:45:00+08:00",
            },
        ),
    )

    proposals = """
    query P($month: String) {
      appraisalProposals(campusId: "main", month: $month, state: "received") {
        nodes { proposalId staffId source sourceRef ruleCode }
      }
    }"""

    async def proposed() -> list[dict[str, Any]]:
        body = await system.gql(proposals, month=month)
        assert body.get("errors") is None, body
        nodes: list[dict[str, Any]] = body["data"]["appraisalProposals"]["nodes"]
        return nodes

    (proposal,) = await eventually(proposed, timeout=60)
    assert proposal["staffId"] == "li-guard" and proposal["source"] == "PATROL" and proposal["sourceRef"] == patrol

    guard_month = f"li-guard-{month}"
    await mutate(
        system,
        "confirmProposal",
        "proposalId: $id, input: $input",
        id=("ID!", proposal["proposalId"]),
        input=("ConfirmProposalInput!", {"itemId": "gate-1015"}),
    )
    await mutate(
        system,
        "communicateDeduction",
        "appraisalId: $id, input: $input",
        id=("ID!", guard_month),
        input=("CommunicateDeductionInput!", {"itemId": "gate-1015", "channel": "IN_PERSON"}),
    )
    # before publication the guard sees nothing of the month's totals, nor another's appraisal
    early = await system.gql(TOTALS, "guard-main", campus="main", month=month)
    assert early["data"]["appraisalTotals"]["appraised"] == 0 and early["data"]["appraisalTotals"]["workers"] == []
    await mutate(
        system,
        "acknowledgeDeduction",
        "appraisalId: $id, input: $input",
        "guard-main",
        id=("ID!", guard_month),
        input=("AcknowledgeDeductionInput!", {"itemId": "gate-1015"}),
    )

    async def all_listed() -> dict[str, Any] | None:
        # each appraisal opened is a stream of its own, which the proposal's wait did not cover: one
        # missing from the list would be left unfinalised, and the month not published
        listed = await system.gql(
            'query { appraisals(campusId: "main", month: "2020-10") { totalCount nodes { appraisalId state } } }'
        )
        found: dict[str, Any] = listed["data"]["appraisals"]
        return found if len(found["nodes"]) == len(opened["events"]) else None

    appraisals = await eventually(all_listed, timeout=60)
    ids = sorted(n["appraisalId"] for n in appraisals["nodes"])
    assert appraisals["totalCount"] == len(ids) and guard_month in ids
    for appraisal_id in ids:
        await mutate(
            system,
            "finaliseAppraisal",
            "appraisalId: $id, input: $input",
            id=("ID!", appraisal_id),
            input=("FinaliseAppraisalInput!", {}),
        )
    await mutate(
        system,
        "publishAppraisalMonth",
        "input: $input",
        input=("PublishAppraisalMonthInput!", {"campusId": "main", "month": month}),
    )

    async def published() -> dict[str, Any]:
        body = await system.gql(CAMPUS, campus="main", month=month)
        assert body.get("errors") is None, body
        campus: dict[str, Any] = body["data"]["campus"]
        return campus if campus["appraisalTotals"]["published"] == len(ids) else {}

    campus = await eventually(published, timeout=60)
    # the three projections in one query
    assert campus["inspectionStatus"]["inspections"] is not None
    assert isinstance(campus["inventoryCounts"]["nodes"], list)
    totals = campus["appraisalTotals"]
    workers = {w["staffId"]: w for w in totals["workers"]}
    assert workers["li-guard"]["total"] == 98 and workers["li-guard"]["deductions"] == 2
    assert workers["li-guard"]["role"] == "GUARD" and workers["li-guard"]["published"] is True
    assert all(w["total"] == 100 for s, w in workers.items() if s != "li-guard")
    assert totals["appraised"] == len(ids) and totals["min"] == 98 and totals["max"] == 100
    assert totals["spread"] == 2 and totals["belowThreshold"] == 0
    assert totals["mean"] == round((98 + 100 * (len(ids) - 1)) / len(ids), 1)
    assert totals["byRule"] == [{"ruleCode": "D-3", "ruleText": "门岗未按规定登记来访人员", "items": 1, "points": -2}]
    assert totals["appraisers"] == [{"appraiserId": "zhou", "items": 1, "pointsGiven": -2}]
    assert totals["pending"] == {"uncommunicated": 0, "disputed": 0, "notFinalised": 0, "notPublished": 0}

    # after publication the guard reads the month's totals (not its rules or pending work) and his own appraisal
    after = (await system.gql(TOTALS, "guard-main", campus="main", month=month))["data"]["appraisalTotals"]
    assert after["published"] == len(ids) and after["byRule"] == [] and after["pending"] is None
    own = (await system.gql(APPRAISAL, "guard-main", id=guard_month))["data"]["appraisal"]
    assert own["total"] == 98 and own["publishedTotal"] == 98 and own["state"] == "published"
    (item,) = own["items"]
    assert item["proposalId"] == proposal["proposalId"] and item["status"] == "acknowledged"
    assert item["source"] == "PATROL" and item["channel"] == "IN_PERSON" and item["points"] == -2
    assert [h["type"] for h in own["history"]][:1] == ["hr_eval.AppraisalOpened"]
    others = [i for i in ids if i != guard_month]
    if others:
        assert (await system.gql(APPRAISAL, "guard-main", id=others[0]))["data"]["appraisal"] is None

    # the appraisal is a Node
    node = await system.gql(
        "query N($id: ID!) { node(id: $id) { ... on Appraisal { appraisalId total } } }", id=own["id"]
    )
    assert node["data"]["node"] == {"appraisalId": guard_month, "total": 98}


RULE_BOOK = """
query Book($school: ID!) {
  ruleBook(schoolId: $school, on: "2020-10-01") {
    version baseScore categories { code deductionCap } items { code points }
    acknowledgements(campusId: "main") { acknowledgedCount pendingCount acknowledged { staffId } pending { staffId } }
  }
}
"""

RECORDS = """
query Records($staff: ID!) {
  appraisalTrend(staffId: $staff, fromMonth: "2020-09", toMonth: "2021-01") { months { month total published } }
  awards(schoolId: "xuexiao", level: DISTRICT) { totalCount nodes { awardId title prize level recipientName } }
  honours(schoolId: "xuexiao") { nodes { honourId title level awardedBy awardedOn } }
}
"""


async def test_the_rule_book_its_acknowledgements_a_trend_awards_and_honours(system: System) -> None:
    """Runs after the month above was published (the module's system is shared)."""
    before = (await system.gql(RULE_BOOK, school="xuexiao"))["data"]["ruleBook"]
    assert before["version"] == 1 and before["baseScore"] == 100 and before["items"] == [{"code": "D-3", "points": -2}]
    pending = {p["staffId"] for p in before["acknowledgements"]["pending"]}
    assert "li-guard" in pending and before["acknowledgements"]["pendingCount"] == len(pending)
    await mutate(
        system,
        "acknowledgeRuleBook",
        "input: $input",
        "guard-main",
        input=("AcknowledgeRuleBookInput!", {"schoolId": "xuexiao", "version": 1}),
    )

    async def acknowledged() -> dict[str, Any]:
        book = (await system.gql(RULE_BOOK, school="xuexiao"))["data"]["ruleBook"]
        found: dict[str, Any] = book["acknowledgements"]
        return found if found["acknowledged"] else {}

    after = await eventually(acknowledged, timeout=60)
    assert [a["staffId"] for a in after["acknowledged"]] == ["li-guard"]
    assert after["pendingCount"] == len(pending) - 1
    # a worker does not read who has acknowledged
    denied = await system.gql(RULE_BOOK, "guard-main", school="xuexiao")
    assert denied["data"]["ruleBook"]["acknowledgements"] is None and denied["errors"]

    await mutate(
        system,
        "grantAward",
        "input: $input",
        input=(
            "GrantAwardInput!",
            {
                "awardId": "rope-skipping-district",
                "schoolId": "xuexiao",
                "title": "新北区女教工跳绳踢毽比赛 团体一等奖",
                "prize": "FIRST",
                "level": "DISTRICT",
                "on": "2020-11-20",
                "recipientName": "薛家实验小学女教工队",
            },
        ),
    )
    await mutate(
        system,
        "recordHonour",
        "input: $input",
        input=(
            "RecordHonourInput!",
            {
                "honourId": "garden-unit",
                "schoolId": "xuexiao",
                "title": "常州市园林式单位",
                "level": "CITY",
                "awardedBy": "常州市园林局",
                "on": "2020-12-15",
            },
        ),
    )

    async def recorded() -> dict[str, Any]:
        body = await system.gql(RECORDS, "guard-main", staff="li-guard")
        assert body.get("errors") is None, body
        data: dict[str, Any] = body["data"]
        return data if data["honours"]["nodes"] and data["awards"]["nodes"] else {}

    data = await eventually(recorded, timeout=60)
    assert data["appraisalTrend"]["months"] == [{"month": "2020-10", "total": 98, "published": True}]
    assert data["awards"]["totalCount"] == 1
    assert data["awards"]["nodes"][0]["prize"] == "FIRST" and data["awards"]["nodes"][0]["level"] == "DISTRICT"
    (honour,) = data["honours"]["nodes"]
    assert honour == {
        "honourId": "garden-unit",
        "title": "常州市园林式单位",
        "level": "CITY",
        "awardedBy": "常州市园林局",
        "awardedOn": "2020-12-15",
    }
    # another worker's trend is not theirs to read
    other = await system.gql(RECORDS, "guard-main", staff="wang-tech")
    assert other["data"]["appraisalTrend"] is None
