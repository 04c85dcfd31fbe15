"""The canteen service (食堂): the meal committee, accompanied meals, parent visits, delivery
acceptance and pesticide tests, food samples, staff morning checks, temperatures, the weekly
menu, serving audits, violations and the serving-skill contest, self-inspections and the
satisfaction survey, on every campus of the district; the **food-safety ledger** (食安台账)."""

from __future__ import annotations

from services.campus.mirror import MIRROR_MIGRATIONS, DirectoryMirror
from services.canteen.events import CANTEEN_EVENTS
from services.canteen.projections.ledger import FOOD_SAFETY_LEDGER
from services.canteen.routes import ledger, rules
from services.eventkit.runtime import ReactionSpec, ServiceDefinition

CANTEEN = ServiceDefinition(
    name="canteen",
    title="Houqin canteen",
    description="The school canteen (食堂): the meal committee, accompanied meals, parent visits, "
    "delivery acceptance and pesticide quick tests, food samples, staff morning checks, temperature logs, "
    "the weekly menu, serving audits, violations and the serving-skill contest, self-inspections, "
    "the satisfaction survey, and the campus's food-safety ledger.",
    registry=CANTEEN_EVENTS,
    routers=[
        rules.router,
        ledger.router,
    ],
    migrations=MIRROR_MIGRATIONS,
    projections=[FOOD_SAFETY_LEDGER],
    reactions=[
        ReactionSpec(DirectoryMirror(), ["directory"]),
    ],
    openapi_tags=[
        {"name": "rules", "description": "The district's canteen rules: samples, tolerances, dishes not served"},
        {
            "name": "ledger",
            "description": "The campus's food-safety ledger (食安台账), per day and per week "
            "(parents read their child's campus's)",
        },
        {"name": "operations", "description": "Health, readiness, metrics and lag"},
    ],
)
