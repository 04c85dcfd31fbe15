"""The meal committee, accompanied meals and surveys through the gateway: the mutations made
from the command table, ``Campus.accompaniedMeals`` and ``Campus.mealCoverage``, and the root
query of a school's committees and surveys."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest_asyncio

from gateway.app import create_gateway
from gateway.settings import GatewaySettings
from tests.conftest import eventually
from tests.gateway.conftest import RoutingTransport
from tests.school import SchoolWorld

Gql = Any


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def gql(world: SchoolWorld) -> AsyncIterator[Gql]:
    """A gateway in front of the world's directory and canteen."""
    base = world.service.settings
    transport = RoutingTransport({"directory": world.directory.app, "canteen": world.service.app})
    settings = GatewaySettings(
        namespace=base.namespace,
        kafka_bootstrap=base.kafka_bootstrap,
        jwt_secret=base.jwt_secret,
        directory_url="http://directory",
        canteen_url="http://canteen",
        log_json=False,
        log_level="WARNING",
        campus_cache_ttl_s=0,
    )
    gateway = create_gateway(settings, transport=transport)
    lifespan = gateway.router.lifespan_context(gateway)
    await lifespan.__aenter__()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gateway")

    async def ask(query: str, as_: str = "manager-main", **variables: Any) -> dict[str, Any]:
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=world.tokens[as_]
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    yield ask
    await client.aclose()
    await lifespan.__aexit__(None, None, None)


RECORD = """
mutation ($input: RecordAccompaniedMealInput!) {
  recordAccompaniedMeal(input: $input) {
    __typename
    ... on Accepted { streamId events }
    ... on InvalidInput { errors { field } }
    ... on Rejected { code field }
  }
}"""

CAMPUS = """
query ($campus: ID!, $week: Date, $kind: DinerKind) {
  campus(campusId: $campus) {
    mealCoverage(weekOf: $week) { weekOf schoolDays daysCovered coveragePermille uncoveredDays leaderMeals parentMeals }
    accompaniedMeals(dinerKind: $kind, fromDay: "2020-09-01") {
      totalCount
      nodes { dinerId dinerName meal servedOn ratings { dish taste } issues campus { campusId } }
    }
  }
}"""


async def test_a_leaders_meal_recorded_through_the_gateway_shows_on_the_campus(gql: Gql) -> None:
    meal = {
        "campusId": "main",
        "on": "2020-09-07",
        "meal": "LUNCH",
        "ratings": [{"dish": "番茄炒蛋", "look": 5, "taste": 4, "quantity": 4}],
        "issues": ["米饭偏硬"],
    }
    done = await gql(RECORD, as_="vp-main", input=meal)
    assert done["data"]["recordAccompaniedMeal"]["__typename"] == "Accepted", done
    assert done["data"]["recordAccompaniedMeal"]["events"] == ["canteen.MealAccompanied"]
    twice = await gql(RECORD, as_="vp-main", input=meal)
    assert twice["data"]["recordAccompaniedMeal"] == {"__typename": "Rejected", "code": "rejected", "field": "on"}
    bad = await gql(RECORD, as_="vp-main", input=meal | {"dinerId": "huang", "on": "2020-09-08"})
    assert bad["data"]["recordAccompaniedMeal"] == {"__typename": "InvalidInput", "errors": [{"field": "dinerId"}]}

    async def shown() -> Any:
        body = await gql(CAMPUS, campus="main", week="2020-09-09", kind="LEADER")
        assert "errors" not in body, body
        campus = body["data"]["campus"]
        return campus if campus["accompaniedMeals"]["totalCount"] == 1 else None

    campus = await eventually(shown)
    assert campus["mealCoverage"] == {
        "weekOf": "2020-09-07",
        "schoolDays": 5,
        "daysCovered": 1,
        "coveragePermille": 200,
        "uncoveredDays": ["2020-09-08", "2020-09-09", "2020-09-10", "2020-09-11"],
        "leaderMeals": 1,
        "parentMeals": 0,
    }
    (node,) = campus["accompaniedMeals"]["nodes"]
    assert (node["dinerId"], node["dinerName"], node["meal"], node["servedOn"]) == (
        "xu-vp",
        "徐副校长",
        "LUNCH",
        "2020-09-07",
    )
    assert node["ratings"] == [{"dish": "番茄炒蛋", "taste": 4}] and node["campus"] == {"campusId": "main"}

    parent = await gql(CAMPUS, as_="parent-yao", campus="main", week="2020-09-09", kind="LEADER")
    assert parent["errors"][0]["extensions"]["code"] == "FORBIDDEN"


COMMITTEES = """
query ($school: ID!, $term: ID!) {
  mealCommittees(schoolId: $school, termId: $term) {
    oversightRequired oversightMissing
    mealCommittee { committeeId name members duties roster { memberId kind joinedOn } }
    oversightCommittee { committeeId }
  }
  canteenSurveys(schoolId: $school) { nodes { surveyId audience status respondents satisfactionPermille } }
}"""


async def test_a_schools_committees_and_surveys_are_read_at_the_root(gql: Gql) -> None:
    form = """
    mutation ($input: FormMealCommitteeInput!) { formMealCommittee(input: $input) { __typename } }"""
    committee = {
        "schoolId": "xuexiao",
        "termId": "2020-2021-1",
        "name": "薛小第一届膳食委员会",
        "duties": ["监督食堂食品安全"],
        "members": [
            {"memberId": "yao-mum", "name": "姚妈妈", "kind": "PARENT", "duty": "家长委员", "parentId": "yao-mum"}
        ],
        "on": "2020-09-01",
    }
    formed = await gql(form, input=committee)
    assert formed["data"]["formMealCommittee"]["__typename"] == "Accepted", formed
    survey = """
    mutation ($input: OpenSurveyInput!) { openSurvey(input: $input) { __typename } }"""
    opened = await gql(
        survey,
        input={
            "schoolId": "xuexiao",
            "termId": "2020-2021-1",
            "audience": "PUPILS",
            "title": "学生满意度调查",
            "questions": [{"code": "taste", "text": "饭菜口味"}],
            "at": "2020-12-14T08:00:00+08:00",
        },
    )
    assert opened["data"]["openSurvey"]["__typename"] == "Accepted", opened

    async def shown() -> Any:
        body = await gql(COMMITTEES, as_="vp-aoyuan", school="xuexiao", term="2020-2021-1")
        assert "errors" not in body, body
        data = body["data"]
        return data if data["mealCommittees"]["mealCommittee"] and data["canteenSurveys"]["nodes"] else None

    data = await eventually(shown)
    committees = data["mealCommittees"]
    assert committees["oversightRequired"] is False and committees["oversightMissing"] is False
    assert committees["oversightCommittee"] is None
    assert committees["mealCommittee"]["committeeId"] == "xuexiao-2020-2021-1"
    assert committees["mealCommittee"]["roster"] == [
        {"memberId": "yao-mum", "kind": "PARENT", "joinedOn": "2020-09-01"}
    ]
    assert data["canteenSurveys"]["nodes"] == [
        {
            "surveyId": "xuexiao-2020-2021-1-pupils",
            "audience": "PUPILS",
            "status": "open",
            "respondents": 0,
            "satisfactionPermille": None,
        }
    ]
    outside = await gql(COMMITTEES, as_="other-admin", school="xuexiao", term="2020-2021-1")
    assert outside["errors"][0]["extensions"]["code"] == "FORBIDDEN"
