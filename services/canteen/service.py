"""The canteen service (食堂): the meal committee, accompanied meals, parent visits, delivery
acceptance and pesticide tests, food samples, staff morning checks, temperatures, the weekly
menu, serving audits, violations and the serving-skill contest, self-inspections and the
satisfaction survey, on every campus of the district; the **food-safety ledger** (食安台账)."""

from __future__ import annotations

from services.campus.mirror import MIRROR_MIGRATIONS, DirectoryMirror
from services.canteen.events import CANTEEN_EVENTS
from services.canteen.projections.committee import COMMITTEE_MEALS
from services.canteen.projections.deliveries import DELIVERIES
from services.canteen.projections.kitchen import KITCHEN_RECORDS
from services.canteen.projections.ledger import FOOD_SAFETY_LEDGER
from services.canteen.projections.self_inspections import SELF_INSPECTIONS
from services.canteen.projections.serving import SERVING
from services.canteen.projections.visits import PARENT_VISITS
from services.canteen.routes import (
    accompanied,
    committee,
    deliveries,
    kitchen,
    ledger,
    rules,
    self_inspection,
    serving,
    survey,
    term_figures,
    visits,
)
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
        committee.router,
        accompanied.router,
        visits.router,
        deliveries.router,
        kitchen.samples_router,
        kitchen.staff_health_router,
        kitchen.temperatures_router,
        serving.router,
        self_inspection.router,
        survey.router,
        ledger.router,
        term_figures.router,
    ],
    migrations=MIRROR_MIGRATIONS,
    projections=[
        FOOD_SAFETY_LEDGER,
        COMMITTEE_MEALS,
        PARENT_VISITS,
        DELIVERIES,
        KITCHEN_RECORDS,
        SERVING,
        SELF_INSPECTIONS,
    ],
    reactions=[
        ReactionSpec(DirectoryMirror(), ["directory"]),
    ],
    openapi_tags=[
        {
            "name": "ledger",
            "description": "The campus's food-safety ledger (食安台账), per day and per week "
            "(parents read their child's campus's)",
        },
        {"name": "rules", "description": "The district's canteen rules: samples, tolerances, dishes not served"},
        {"name": "committee", "description": "The meal committee (膳食委员会) and the parents' oversight committee"},
        {"name": "accompanied-meals", "description": "Leaders' accompanied meals (陪餐) and their weekly coverage"},
        {
            "name": "parent visits",
            "description": "Parent visits (sunshine canteen): one parent a week per campus inspects the "
            "deliveries, eats lunch with the pupils and writes a reflection",
        },
        {
            "name": "deliveries",
            "description": "Delivery acceptance (进货查验, 索证索票) and pesticide quick tests (农残快检)",
        },
        {"name": "samples", "description": "Meals served and food samples (留样): retained, held, disposed of"},
        {"name": "staff-health", "description": "Canteen workers' health certificates and morning checks (晨检)"},
        {
            "name": "temperatures",
            "description": "Temperature logs (fridges, freezers, hot holding) and corrective actions",
        },
        {"name": "serving", "description": "The weekly menu, serving audits, violations and the serving-skill contest"},
        {
            "name": "self-inspections",
            "description": "日管控、周排查、月调度: daily controls, weekly sweeps, monthly reviews; hazards to safety",
        },
        {"name": "surveys", "description": "The satisfaction survey of each term"},
        {"name": "term report", "description": "The canteen's figures of a term, for the term report"},
        {"name": "operations", "description": "Health, readiness, metrics and lag"},
    ],
)
