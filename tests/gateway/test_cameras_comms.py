"""Camera coverage, parent communications, flag ceremonies, safety campaigns and the injury summary
in GraphQL: written by mutations, read back scoped and, for the injury summary, redacted as the
injuries list is (what happened and the first aid only for who may read them)."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tests.conftest import eventually
from tests.gateway.conftest import System

RESULT = "__typename ... on Accepted { events } ... on Rejected { message field } ... on Forbidden { message }"


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:8]}"


async def send(
    system: System,
    name: str,
    as_: str = "manager-main",
    target: tuple[str, str] | None = None,
    input_type: str | None = None,
    fields: dict[str, Any] | None = None,
    **body: Any,
) -> None:
    on = f"{target[0]}: $id, " if target else ""
    kind = f"{input_type or name[0].upper() + name[1:]}Input!"
    params = f"$id: ID!, $i: {kind}" if target else f"$i: {kind}"
    query = f"mutation M({params}) {{ {name}({on}input: $i) {{ {RESULT} }} }}"
    variables: dict[str, Any] = {"i": (fields or {}) | body} | ({"id": target[1]} if target else {})
    answer = await system.gql(query, as_, **variables)
    assert answer.get("errors") is None, answer
    assert answer["data"][name]["__typename"] == "Accepted", answer


async def test_camera_areas_and_the_incidents_in_uncovered_ones(system: System) -> None:
    covered, blind, injury = uid("cov"), uid("blind"), uid("inj")
    for area_id, place in [(covered, "一楼大厅"), (blind, "三楼西走廊")]:
        await send(
            system, "mapCameraArea", areaId=area_id, campusId="main", building="教学楼", place=place, on="2020-09-01"
        )
    await send(system, "installCamera", target=("areaId", covered), cameraId="cam-1", on="2020-09-01")
    report = {
        "injuryId": injury,
        "studentId": "lin",
        "setting": "BREAK",
        "at": "2020-10-19T09:40:00+08:00",
        "injury": "课间追逐撞到门框",
        "firstAid": "医务室处理",
        "cameraAreaId": blind,
    }
    await send(system, "reportInjury", "teacher-g6", fields=report)
    query = """
    query Q($campus: ID!) {
      cameraAreas(campusId: $campus, asOf: "2020-10-19", first: 500) {
        nodes { areaId covered workingCameras cameras { cameraId status since } changes { change on } }
      }
      incidentCoverage(campusId: $campus, fromDay: "2020-10-01") {
        injuries { uncovered } uncovered { kind incidentId areaId placedBy coverage }
      }
      campus(campusId: $campus) { cameraAreas(covered: false, asOf: "2020-10-19", first: 500) { nodes { areaId } } }
    }
    """

    async def read() -> dict[str, Any] | None:
        body = await system.gql(query, "manager-main", campus="main")
        assert body.get("errors") is None, body
        data: dict[str, Any] = body["data"]
        uncovered = {i["incidentId"] for i in data["incidentCoverage"]["uncovered"]}
        areas = {a["areaId"]: a for a in data["cameraAreas"]["nodes"]}
        # the camera is the covered area's second event: the area can be read before it
        installed = covered in areas and areas[covered]["cameras"]
        return data if injury in uncovered and blind in areas and installed else None

    data = await eventually(read)
    areas = {a["areaId"]: a for a in data["cameraAreas"]["nodes"]}
    assert areas[covered]["covered"] and areas[covered]["cameras"] == [
        {"cameraId": "cam-1", "status": "working", "since": "2020-09-01"}
    ]
    assert areas[covered]["changes"] == [{"change": "installed", "on": "2020-09-01"}]
    assert not areas[blind]["covered"] and areas[blind]["workingCameras"] == 0
    (mine,) = [i for i in data["incidentCoverage"]["uncovered"] if i["incidentId"] == injury]
    assert mine == {
        "kind": "injury",
        "incidentId": injury,
        "areaId": blind,
        "placedBy": "area_id",
        "coverage": "uncovered",
    }
    on_campus = {a["areaId"] for a in data["campus"]["cameraAreas"]["nodes"]}
    assert blind in on_campus and covered not in on_campus
    # another district's admin reads none of it
    other = await system.gql(query, "other-admin", campus="main")
    assert other["data"] is None or not other["data"]["cameraAreas"]["nodes"]


async def test_parent_communications_by_theme_and_kind(system: System) -> None:
    cid = uid("post")
    post = {
        "communicationId": cid,
        "campusId": "main",
        "kind": "WECHAT_POST",
        "themes": ["MENTAL_HEALTH", "BULLYING"],
        "on": "2020-10-10",
        "audience": {"scope": "CLASSES", "classIds": ["g6-1"]},
        "title": "关注孩子心理健康",
        "reference": "https://mp.weixin.qq.com/s/xuexiao-2020-10-10",
        "reached": 45,
        "acknowledged": 40,
    }
    await send(system, "recordParentCommunication", fields=post)
    query = """
    query Q {
      parentCommunications(campusId: "main", theme: BULLYING, first: 500) {
        nodes { communicationId kind themes sentOn audience { scope classIds } reached acknowledged }
      }
      parentCommunicationSummary(campusId: "main", termId: "2020-2021-1") {
        total { communications reached } byTheme { key communications reached acknowledged } byKind { key reached }
      }
    }
    """

    async def read() -> dict[str, Any] | None:
        body = await system.gql(query, "manager-main")
        assert body.get("errors") is None, body
        data: dict[str, Any] = body["data"]
        return data if cid in {c["communicationId"] for c in data["parentCommunications"]["nodes"]} else None

    data = await eventually(read)
    (mine,) = [c for c in data["parentCommunications"]["nodes"] if c["communicationId"] == cid]
    assert mine["kind"] == "WECHAT_POST" and mine["themes"] == ["MENTAL_HEALTH", "BULLYING"]
    assert mine["audience"] == {"scope": "CLASSES", "classIds": ["g6-1"]} and mine["acknowledged"] == 40
    themes = {t["key"]: t for t in data["parentCommunicationSummary"]["byTheme"]}
    assert themes["mental_health"]["reached"] >= 45 and themes["bullying"]["acknowledged"] >= 40
    assert "drowning" in themes  # every theme is listed, counted or not
    kinds = {k["key"]: k for k in data["parentCommunicationSummary"]["byKind"]}
    assert kinds["wechat_post"]["reached"] >= 45
    refused = await system.gql(
        'query { parentCommunicationSummary(campusId: "main", termId: "2020-2021-1") { total { reached } } }',
        "manager-aoyuan",
    )
    assert refused["errors"] and refused["data"] is None


async def test_flag_ceremonies_and_campaigns_are_read_back(system: System) -> None:
    campaign = uid("traffic")
    await send(
        system,
        "holdFlagCeremony",
        "manager-aoyuan",
        campusId="aoyuan",
        on="2020-10-12",
        theme="珍爱生命 预防溺水",
        speaker="徐副校长",
    )
    launch = {
        "campaignId": campaign,
        "campusId": "aoyuan",
        "title": '交通安全日 "六个一"',
        "activities": ["一次国旗下讲话", "一节班队活动课"],
        "startsOn": "2020-11-02",
        "at": "2020-10-28T09:00:00+08:00",
    }
    await send(system, "launchSafetyCampaign", "manager-aoyuan", input_type="EducationLaunchCampaign", fields=launch)
    await send(
        system,
        "markCampaignActivityDone",
        "manager-aoyuan",
        target=("campaignId", campaign),
        input_type="MarkActivityDone",
        activity="一次国旗下讲话",
        on="2020-11-09",
    )
    query = """
    query Q($c: ID!) {
      flagCeremonies(campusId: "aoyuan", fromDay: "2020-10-01", toDay: "2020-10-31") {
        nodes { ceremonyId month theme speaker }
      }
      safetyCampaign(campaignId: $c) { title activities done summarised activityList { activity doneOn } }
      campus(campusId: "aoyuan") {
        safetyCampaigns(first: 500) { nodes { campaignId } } flagCeremonies { nodes { ceremonyId } }
      }
    }
    """

    async def read() -> dict[str, Any] | None:
        body = await system.gql(query, "manager-aoyuan", c=campaign)
        assert body.get("errors") is None, body
        data: dict[str, Any] = body["data"]
        campaign_read = data["safetyCampaign"]
        return data if campaign_read and campaign_read["done"] == 1 and data["flagCeremonies"]["nodes"] else None

    data = await eventually(read)
    assert data["flagCeremonies"]["nodes"][0] == {
        "ceremonyId": "aoyuan-2020-10",
        "month": "2020-10",
        "theme": "珍爱生命 预防溺水",
        "speaker": "徐副校长",
    }
    assert data["safetyCampaign"]["activityList"] == [
        {"activity": "一次国旗下讲话", "doneOn": "2020-11-09"},
        {"activity": "一节班队活动课", "doneOn": None},
    ]
    assert campaign in {c["campaignId"] for c in data["campus"]["safetyCampaigns"]["nodes"]}
    assert (await system.gql(query, "manager-main", c=campaign))["data"]["safetyCampaign"] is None  # another campus's


async def test_the_injury_summary_withholds_what_happened_from_who_may_not_read_it(system: System) -> None:
    injury = uid("inj")
    report = {
        "injuryId": injury,
        "studentId": "yao",
        "setting": "ACTIVITY",
        "at": "2020-12-02T10:05:00+08:00",
        "injury": "大课间跳绳绊倒, 膝盖擦伤",
        "firstAid": "医务室清洗消毒",
    }
    await send(system, "reportInjury", "teacher-g6", fields=report)
    query = """
    query Q {
      injurySummary(campusId: "main", fromDay: "2020-12-02", toDay: "2020-12-02") {
        total atBreaksOrActivities bySetting { setting injuries }
        incidents(setting: ACTIVITY, first: 500) { nodes { injuryId injury firstAid detailsWithheld } }
      }
    }
    """

    async def read(as_: str) -> dict[str, Any] | None:
        body = await system.gql(query, as_)
        assert body.get("errors") is None, body
        summary: dict[str, Any] = body["data"]["injurySummary"]
        return summary if injury in {i["injuryId"] for i in summary["incidents"]["nodes"]} else None

    manager = await eventually(lambda: read("manager-main"))
    (seen,) = [i for i in manager["incidents"]["nodes"] if i["injuryId"] == injury]
    assert seen == {
        "injuryId": injury,
        "injury": "大课间跳绳绊倒, 膝盖擦伤",
        "firstAid": "医务室清洗消毒",
        "detailsWithheld": False,
    }
    assert manager["total"] >= 1 and {"setting": "ACTIVITY", "injuries": manager["atBreaksOrActivities"]} != {}
    assert next(s for s in manager["bySetting"] if s["setting"] == "ACTIVITY")["injuries"] >= 1
    guard = await read("guard-main")  # on the campus, not a reader of injuries
    assert guard is not None
    (withheld,) = [i for i in guard["incidents"]["nodes"] if i["injuryId"] == injury]
    assert withheld == {"injuryId": injury, "injury": None, "firstAid": None, "detailsWithheld": True}
    assert guard["total"] == manager["total"]  # the counts are the same for every reader in scope
    outsider = (await system.gql(query, "other-admin"))["data"]["injurySummary"]
    assert outsider["total"] == 0 and outsider["incidents"]["nodes"] == []
