from services.eventkit.cli import service_cli
from services.report.service import REPORT

service_cli(REPORT)()
