"""``Campus``, composed from the part every area adds to it.

The directory's part is the campus row (and its classes); every other area adds its own
fields (safety the inspection status, the inventory the stock). No area imports another:
each names the composed type through ``gateway.common.campuses``. A new area with fields
on the campus adds its part here, as one more base; the schema lists the fields in the
order of the bases.
"""

from __future__ import annotations

import strawberry

from gateway.canteen.committee import CommitteeOnCampus
from gateway.canteen.deliveries import DeliveriesOnCampus
from gateway.canteen.kitchen import KitchenOnCampus
from gateway.canteen.ledger import LedgerOnCampus
from gateway.canteen.self_inspection import SelfInspectionOnCampus
from gateway.canteen.serving import ServingOnCampus
from gateway.canteen.visits import VisitsOnCampus
from gateway.common.nodes import Node
from gateway.directory.campus import DirectoryCampus
from gateway.hr_eval.campus import HrEvalOnCampus
from gateway.inventory.assets_reads import AssetReadsOnCampus
from gateway.inventory.campus import InventoryOnCampus
from gateway.inventory.quotas_and_damage import QuotasAndDamageOnCampus
from gateway.inventory.registration import RegistrationOnCampus
from gateway.inventory.requisitions_reads import RequisitionsOnCampus
from gateway.safety.cameras_comms import CamerasCommsOnCampus
from gateway.safety.campus import SafetyOnCampus


@strawberry.type(
    description="A campus (校区) of a school: its stock, hazards, assets, staff and their appraisals, its canteen"
)
class Campus(
    DirectoryCampus,
    SafetyOnCampus,
    InventoryOnCampus,
    HrEvalOnCampus,
    LedgerOnCampus,
    CommitteeOnCampus,
    VisitsOnCampus,
    DeliveriesOnCampus,
    KitchenOnCampus,
    ServingOnCampus,
    SelfInspectionOnCampus,
    AssetReadsOnCampus,
    RequisitionsOnCampus,
    QuotasAndDamageOnCampus,
    RegistrationOnCampus,
    CamerasCommsOnCampus,
    Node,
):
    pass
