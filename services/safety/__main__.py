from services.eventkit.cli import service_cli
from services.safety.service import SAFETY

service_cli(SAFETY)()
