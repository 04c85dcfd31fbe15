"""docker-compose.yml parses with the Compose CLI and has the shape the stack relies on.

Only ``config`` is run: it needs no Docker engine and starts nothing. Both the
docker-compose 1.29 line (Debian's package) and Docker Compose v2 are accepted.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from services import registry
from services.eventkit.settings import DEVELOPMENT_SECRET

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
INFRASTRUCTURE = {"postgres", "kafka"}
APP_SERVICES = {*registry.NAMES, registry.GATEWAY}
JOBS = {"demo"}  # runs once and ends: no healthcheck; waits for every service to be healthy


@cache
def _compose() -> tuple[str, ...] | None:
    """The Compose command line available here: docker-compose first, then docker compose."""
    if shutil.which("docker-compose"):
        return ("docker-compose",)
    if shutil.which("docker"):
        try:
            probe = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if probe.returncode == 0:
            return ("docker", "compose")
    return None


# What an operator's .env gives Compose (docker-compose.yml carries no key of its own).
KEY = "a-private-key-of-the-district-0123456789"


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    compose = _compose()
    if compose is None:
        pytest.skip("neither docker-compose nor docker compose is installed")
    settings = {k: v for k, v in os.environ.items() if not k.startswith("HOUQIN_")}
    return subprocess.run(
        [*compose, "-f", str(COMPOSE_FILE), "config", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=settings | ({"HOUQIN_JWT_SECRET": KEY} if env is None else env),
    )


def _lines_of(*args: str) -> set[str]:
    result = _run(*args)
    assert result.returncode == 0, result.stderr
    return {line.strip() for line in result.stdout.splitlines() if line.strip()}


def _service_blocks(config: str) -> dict[str, list[str]]:
    """Lines of each service in the normalised ``config`` output (two-space block style)."""
    blocks: dict[str, list[str]] = {}
    current: list[str] | None = None
    in_services = False
    for line in config.splitlines():
        if not line.strip():
            continue
        if not line.startswith(" "):
            in_services = line.rstrip() == "services:"
            current = None
        elif in_services and line.startswith("  ") and line[2] != " ":
            current = blocks.setdefault(line.strip().rstrip(":"), [])
        elif in_services and current is not None:
            current.append(line)
    return blocks


def _summary_without_yaml(config: str) -> dict[str, dict[str, Any]]:
    summary: dict[str, dict[str, Any]] = {}
    for name, lines in _service_blocks(config).items():
        keys: dict[str, str | None] = {}
        healthy: set[str] = set()
        check: list[str] = []
        section = dep = None
        for line in lines:
            indent = len(line) - len(line.lstrip())
            key, _, value = line.strip().partition(":")
            if indent == 4 and not line.lstrip().startswith("-"):
                section = key
                keys[key] = value.strip().strip("'\"") or None
            elif section == "healthcheck":
                check.append(line.strip())
            elif section == "depends_on" and indent == 6:
                dep = key
            elif section == "depends_on" and indent == 8 and key == "condition" and value.strip() == "service_healthy":
                healthy.add(str(dep))
        test = check[check.index("test:") + 1] if "test:" in check else None
        has_check = test is not None and test != "- NONE" and "disable: true" not in check
        summary[name] = {"image": keys.get("image"), "healthcheck": has_check, "healthy_deps": healthy}
    return summary


def _summary(config: str) -> dict[str, dict[str, Any]]:
    """Per service: image, whether it has a healthcheck, which services it waits to be healthy."""
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        return _summary_without_yaml(config)
    services = yaml.safe_load(config)["services"]
    summary: dict[str, dict[str, Any]] = {}
    for name, spec in services.items():
        depends = spec.get("depends_on") or {}
        check = spec.get("healthcheck") or {}
        summary[name] = {
            "image": spec.get("image"),
            "healthcheck": check.get("test") not in (None, "NONE", ["NONE"]) and not check.get("disable"),
            "healthy_deps": (
                {dep for dep, cond in depends.items() if (cond or {}).get("condition") == "service_healthy"}
                if isinstance(depends, dict)
                else set()
            ),
        }
    return summary


@pytest.fixture(scope="module")
def config() -> str:
    result = _run()
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_compose_file_parses() -> None:
    result = _run("-q")
    assert result.returncode == 0, f"compose config failed:\n{result.stderr}"


def test_services_and_volumes() -> None:
    services = _lines_of("--services")
    assert services >= INFRASTRUCTURE | APP_SERVICES
    volumes = _lines_of("--volumes")
    assert {"postgres-data", "kafka-data"} <= volumes


def test_service_shape(config: str) -> None:
    summary = _summary(config)
    assert summary.keys() >= INFRASTRUCTURE | APP_SERVICES
    assert str(summary["kafka"]["image"]).startswith("apache/kafka:")
    assert str(summary["postgres"]["image"]).startswith("postgres:16")
    missing = sorted(name for name, s in summary.items() if name not in INFRASTRUCTURE | JOBS and not s["healthcheck"])
    assert not missing, f"services without a healthcheck: {missing}"
    # service_healthy on them needs their healthchecks too
    assert all(summary[name]["healthcheck"] for name in INFRASTRUCTURE)
    for name in summary.keys() - INFRASTRUCTURE:
        assert summary[name]["healthy_deps"] >= INFRASTRUCTURE, f"{name} must wait for healthy postgres and kafka"


def test_fallback_reading_agrees_with_yaml(config: str) -> None:
    pytest.importorskip("yaml")
    assert _summary_without_yaml(config) == _summary(config)


def test_host_ports_are_loopback_only(config: str) -> None:
    yaml = pytest.importorskip("yaml")
    for name, spec in yaml.safe_load(config)["services"].items():
        for port in spec.get("ports") or []:
            # 1.29 prints "127.0.0.1:8001:8001/tcp", Compose v2 the long form with host_ip
            host_ip = port.get("host_ip") if isinstance(port, dict) else str(port).rsplit(":", 2)[0]
            assert host_ip == "127.0.0.1", f"{name} publishes {port} beyond loopback"


def test_the_file_carries_no_key_and_compose_refuses_to_start_without_one() -> None:
    """No usable default key: without HOUQIN_JWT_SECRET (from .env) Compose stops, naming it."""
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    assert DEVELOPMENT_SECRET not in text
    assert re.search(r"HOUQIN_JWT_SECRET: \$\{HOUQIN_JWT_SECRET:\?[^}]*\.env\.example[^}]*\}", text)
    assert not re.search(r"\$\{HOUQIN_JWT_SECRET:?-", text)  # no default, empty or not
    refused = _run("-q", env={})
    assert refused.returncode != 0
    assert "HOUQIN_JWT_SECRET" in refused.stderr and ".env.example" in refused.stderr
    services = yaml_config(_run().stdout)
    for name in APP_SERVICES:
        assert services[name]["environment"]["HOUQIN_JWT_SECRET"] == KEY, name


def yaml_config(config: str) -> dict[str, Any]:
    yaml = pytest.importorskip("yaml")
    services: dict[str, Any] = yaml.safe_load(config)["services"]
    return services


def test_the_env_example_names_every_token_setting() -> None:
    """.env.example (what to copy to .env) has each token setting, empty, and says what each is for."""
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    values = dict(re.findall(r"^(HOUQIN_\w+)=(.*)$", example, flags=re.MULTILINE))
    for name in ("HOUQIN_JWT_SECRET", "HOUQIN_JWT_JWKS_URL", "HOUQIN_JWT_ISSUER", "HOUQIN_JWT_AUDIENCE"):
        assert values.get(name) == "", name
    assert DEVELOPMENT_SECRET not in example
    assert "production" in example and "32 bytes" in example
    assert ".env" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()


def _file() -> dict[str, Any]:
    """docker-compose.yml as YAML reads it (with the x-service blocks merged in), no Compose CLI needed."""
    yaml = pytest.importorskip("yaml")
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return loaded


def _published(port: int) -> list[str]:
    return [f"127.0.0.1:{port}:{port}"]


def test_the_services_are_those_of_the_registry() -> None:
    """Each service of services/registry.py runs in Compose as ``python -m <package> serve`` on its
    port, and no other; the gateway finds each at http://<name>:<port>."""
    services = _file()["services"]
    assert services.keys() - INFRASTRUCTURE - JOBS == APP_SERVICES
    for entry in registry.SERVICES:
        spec = services[entry.name]
        assert spec["command"] == ["python", "-m", entry.package, "serve"], entry.name
        assert spec["environment"]["HOUQIN_HTTP_PORT"] == str(entry.port), entry.name
        assert spec["ports"] == _published(entry.port), entry.name
        assert "HOUQIN_DATABASE_PREFIX" not in spec["environment"], f"{entry.name}: its database is {entry.database}"
    gateway = services[registry.GATEWAY]
    assert gateway["command"] == ["python", "-m", "gateway"]
    assert gateway["environment"]["HOUQIN_HTTP_PORT"] == str(registry.GATEWAY_PORT)
    assert gateway["ports"] == _published(registry.GATEWAY_PORT)
    urls = {
        key: value
        for key, value in gateway["environment"].items()
        if re.fullmatch(r"HOUQIN_\w+_URL", key) and key != "HOUQIN_JWT_JWKS_URL"  # the identity provider's
    }
    assert urls == {f"HOUQIN_{s.name.upper()}_URL": f"http://{s.name}:{s.port}" for s in registry.SERVICES}


def test_the_databases_are_those_of_the_registry() -> None:
    """PostgreSQL's init script (generated from the registry) makes one database per service."""
    volumes = _file()["services"]["postgres"]["volumes"]
    assert "./infra/postgres/docker-init.sql:/docker-entrypoint-initdb.d/10-houqin.sql:ro" in volumes
    script = (ROOT / "infra" / "postgres" / "docker-init.sql").read_text(encoding="utf-8")
    created = re.findall(r"^CREATE DATABASE (\w+) OWNER houqin;$", script, flags=re.MULTILINE)
    assert created == [s.database for s in registry.SERVICES]


def test_the_header_lists_every_port() -> None:
    """The comment at the top of docker-compose.yml names each service's host port."""
    header = COMPOSE_FILE.read_text(encoding="utf-8").split("\n\n", 1)[0]
    listed = dict(re.findall(r"^#\s+(\w+)\s+127\.0\.0\.1:(\d+)", header, flags=re.MULTILINE))
    assert {name: listed.get(name) for name in registry.PORTS} == {n: str(p) for n, p in registry.PORTS.items()}


def test_the_demo_job_loads_the_demo_once_everything_is_healthy(config: str) -> None:
    """``docker compose up`` gives what ``./houqin up`` gives: the demo loaded, the tokens printed."""
    demo = _file()["services"]["demo"]
    assert demo["command"] == ["python", "-m", "services", "demo", "--tokens"]
    assert demo["restart"] == "no" and not _summary(config)["demo"]["healthcheck"]
    assert _summary(config)["demo"]["healthy_deps"] == INFRASTRUCTURE | APP_SERVICES
    urls = {k: v for k, v in demo["environment"].items() if re.fullmatch(r"HOUQIN_\w+_URL", k) and "JWKS" not in k}
    assert urls == {f"HOUQIN_{s.name.upper()}_URL": f"http://{s.name}:{s.port}" for s in registry.SERVICES}
