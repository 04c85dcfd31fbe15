"""services/registry.py is the one list of services: the kit's settings, the gateway, the
command line, infra/postgres and the README agree with it. (docker-compose.yml is held to
it in tests/test_compose.py.)"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.settings import SERVICES as GATEWAY_SERVICES
from gateway.settings import GatewaySettings
from services import __main__ as command_line
from services import registry
from services.eventkit.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_each_service_once_each_port_once() -> None:
    assert len(set(registry.NAMES)) == len(registry.NAMES)
    ports = list(registry.PORTS.values())
    assert len(set(ports)) == len(ports) == len(registry.SERVICES) + 1
    assert registry.GATEWAY not in registry.NAMES
    for entry in registry.SERVICES:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", entry.name), entry.name  # a topic, a database, an env var


@pytest.mark.parametrize("entry", registry.SERVICES, ids=lambda s: s.name)
def test_each_entry_names_a_package_that_runs_and_its_definition(entry: registry.Service) -> None:
    assert importlib.util.find_spec(f"{entry.package}.__main__") is not None, f"python -m {entry.package} serve"
    assert entry.definition.startswith(f"{entry.package}."), entry.definition
    assert entry.load().name == entry.name


def test_the_kit_settings_take_ports_and_databases_from_the_registry() -> None:
    for entry in registry.SERVICES:
        settings = Settings(service=entry.name, database_url=None, http_port=None, port_offset=0)
        assert settings.port == entry.port
        assert settings.dsn.rsplit("/", 1)[1] == entry.database == f"houqin_{entry.name}"
        assert Settings(service=entry.name, database_url=None, port_offset=7).port == entry.port + 7
    assert Settings(service=registry.GATEWAY, http_port=None, port_offset=0).port == registry.GATEWAY_PORT


def test_the_gateway_knows_every_service_and_where_it_listens(monkeypatch: pytest.MonkeyPatch) -> None:
    assert tuple(GATEWAY_SERVICES) == registry.NAMES
    for name in registry.NAMES:
        monkeypatch.delenv(f"HOUQIN_{name.upper()}_URL", raising=False)
    for variable in ("HOUQIN_PORT_OFFSET", "HOUQIN_HTTP_PORT"):
        monkeypatch.delenv(variable, raising=False)
    settings = GatewaySettings()
    assert settings.port == registry.GATEWAY_PORT
    for entry in registry.SERVICES:
        assert f"{entry.name}_url" in GatewaySettings.model_fields
        assert settings.url_of(entry.name) == f"http://127.0.0.1:{entry.port}"
    first = registry.SERVICES[0]
    monkeypatch.setenv(f"HOUQIN_{first.name.upper()}_URL", f"http://{first.name}:{first.port}/")
    assert GatewaySettings().url_of(first.name) == f"http://{first.name}:{first.port}"


def test_the_command_line_starts_and_shows_every_service() -> None:
    """``up`` starts what ``SERVICES`` lists (tests/test_cli.py runs it); ``status`` shows each."""
    assert list(registry.NAMES) == command_line.SERVICES
    offset = 300  # nothing listens there: status reports every service down
    env = os.environ | {"HOUQIN_PORT_OFFSET": str(offset), "COLUMNS": "200"}
    result = subprocess.run(
        [sys.executable, "-m", "services", "status"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    rows = {
        cells[0]: cells[1]
        for line in result.stdout.splitlines()
        if len(cells := [c.strip() for c in re.split(r"[│┃|]", line)[1:-1]]) >= 2 and cells[1].isdigit()
    }
    assert rows == {s.name: str(s.port + offset) for s in registry.SERVICES}


def test_the_postgres_scripts_make_the_registry_databases() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "services.registry", "databases"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == [s.database for s in registry.SERVICES]
    start = (ROOT / "infra" / "postgres" / "start.sh").read_text(encoding="utf-8")
    assert "-m services.registry databases" in start and "houqin_" not in start
    init = (ROOT / "infra" / "postgres" / "docker-init.sql").read_text(encoding="utf-8")
    assert init == registry.docker_init_sql(), "run: python -m services.registry docker-init-sql"


def test_the_readme_lists_every_service_at_its_port() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| `services/(\w+)` \| (\d+) \|", readme, flags=re.MULTILINE))
    assert listed == {s.name: str(s.port) for s in registry.SERVICES}
    assert f"| `gateway` | {registry.GATEWAY_PORT} |" in readme
