from services.directory.service import DIRECTORY
from services.eventkit.cli import service_cli

service_cli(DIRECTORY)()
