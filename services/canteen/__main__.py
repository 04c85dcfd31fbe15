from services.canteen.service import CANTEEN
from services.eventkit.cli import service_cli

service_cli(CANTEEN)()
