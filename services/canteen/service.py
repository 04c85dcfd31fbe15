"""The canteen service (食堂): the meal committee, accompanied meals, parent visits, delivery
acceptance and pesticide tests, food samples, staff morning checks, temperatures, the weekly
menu, serving audits, violations and the serving-skill contest, self-inspections and the
satisfaction survey, on every campus of the district; the **food-safety ledger** (食安台账)."""

from __future__ import annotations

from services.campus.mirror import MIRROR_MIGRATIONS, DirectoryMirror
from services.canteen.events import CANTEEN_EVENTS
from services.canteen.projections.serving import SERVING
from services.canteen.routes import rules, serving
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
        serving.router,
    ],
    migrations=MIRROR_MIGRATIONS,
    projections=[SERVING],
    reactions=[
        ReactionSpec(DirectoryMirror(), ["directory"]),
    ],
    openapi_tags=[
        {"name": "rules", "description": "The district's canteen rules: samples, tolerances, dishes not served"},
        {"name": "serving", "description": "The weekly menu, serving audits, violations and the serving-skill contest"},
        {"name": "operations", "description": "Health, readiness, metrics and lag"},
    ],
)
