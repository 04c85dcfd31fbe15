from services.eventkit.cli import service_cli
from services.inventory.service import INVENTORY

service_cli(INVENTORY)()
