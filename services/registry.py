"""The services of Houqin, each listed once: its name, port, database and package.

Everything that needs the list reads it from here: the command line (``up``, ``status``),
the kit's settings (each service's default port), the gateway (the service URLs and the
definitions whose commands become mutations), the tests, and ``infra/postgres`` (the
databases to create; ``python -m services.registry databases``).

This module imports nothing but the standard library, and no service: a service's
definition is imported only when ``Service.load()`` asks for it, so the kit may read
the ports here without depending on any service.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from services.eventkit.command_table import CommandTable
    from services.eventkit.runtime import ServiceDefinition

GATEWAY = "gateway"
GATEWAY_PORT = 8000
DATABASE_PREFIX = "houqin"  # each service's database is <prefix>_<service> (HOUQIN_DATABASE_PREFIX)


def database_of(service: str, prefix: str = DATABASE_PREFIX) -> str:
    return f"{prefix}_{service}"


@dataclass(frozen=True)
class Service:
    name: str  # also its events topic <namespace>.<name>.events and its HOUQIN_<NAME>_URL in the gateway
    port: int
    package: str  # ``python -m <package> serve`` runs it
    definition: str  # "<module>:<attribute>" of its ServiceDefinition, imported by load() only

    @property
    def commands(self) -> str:
        """Where its command table is: ``<package>.commands:COMMANDS`` (the layout of every service)."""
        return f"{self.package}.commands:COMMANDS"

    @property
    def database(self) -> str:
        return database_of(self.name)

    def load(self) -> ServiceDefinition:
        """The service's definition (this imports the service)."""
        definition: ServiceDefinition = _attribute(self.definition)
        return definition

    def load_events(self) -> None:
        """Imports the service's events module (``<package>.events``): its event types, with the
        fields each withholds from all but their readers (``services.eventkit.redaction``)."""
        importlib.import_module(f"{self.package}.events")

    def load_commands(self) -> CommandTable:
        """The service's command table (this imports its aggregates and command lookups, not
        its routes or projections): what the gateway makes mutations of."""
        table: CommandTable = _attribute(self.commands)
        return table


def _attribute(path: str) -> Any:
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)


# In start order: the directory first, the others mirror it.
SERVICES: tuple[Service, ...] = (
    Service("directory", 8001, "services.directory", "services.directory.service:DIRECTORY"),
    Service("safety", 8002, "services.safety", "services.safety.service:SAFETY"),
    Service("canteen", 8003, "services.canteen", "services.canteen.service:CANTEEN"),
    Service("inventory", 8004, "services.inventory", "services.inventory.service:INVENTORY"),
    Service("hr_eval", 8005, "services.hr_eval", "services.hr_eval.service:HR_EVAL"),
    Service("report", 8006, "services.report", "services.report.service:REPORT"),
)

NAMES: tuple[str, ...] = tuple(s.name for s in SERVICES)
PORTS: dict[str, int] = {GATEWAY: GATEWAY_PORT} | {s.name: s.port for s in SERVICES}


def service(name: str) -> Service:
    for s in SERVICES:
        if s.name == name:
            return s
    raise KeyError(f"no service {name!r} in services/registry.py (there are: {', '.join(NAMES)})")


def main(argv: list[str]) -> int:
    """The lists for scripts that do not run the services' Python (infra/postgres/start.sh)."""
    what = argv[0] if argv else ""
    if what == "names":
        print("\n".join(NAMES))
    elif what == "databases":
        print("\n".join(s.database for s in SERVICES))
    elif what == "ports":
        print("\n".join(f"{name} {port}" for name, port in PORTS.items()))
    elif what == "docker-init-sql":
        print(docker_init_sql(), end="")
    else:
        print("usage: python -m services.registry names|databases|ports|docker-init-sql", file=sys.stderr)
        return 2
    return 0


def docker_init_sql() -> str:
    """What infra/postgres/docker-init.sql holds (a test keeps the file equal to this)."""
    header = [
        "-- Runs once, when the PostgreSQL container starts on an empty data volume",
        "-- (/docker-entrypoint-initdb.d/). One database per service, owned by the",
        "-- houqin role that the image creates from POSTGRES_USER.",
        "-- Generated from services/registry.py: python -m services.registry docker-init-sql",
    ]
    return "\n".join([*header, *(f"CREATE DATABASE {s.database} OWNER houqin;" for s in SERVICES)]) + "\n"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
