"""infra/k8s: the Kubernetes manifests, checked offline against the code they deploy.

Each object is validated against Kubernetes' own OpenAPI schemas (``kubernetes-validate``, strict:
an unknown field is an error), and the properties a district's cluster relies on are asserted
against the code: the registry's services and ports, the ``HOUQIN_*`` names the settings read,
the probes' paths, the topics and databases each service uses. Nothing is started; the rendered
checks run ``kubectl kustomize`` (no cluster needed) and skip without kubectl, the others read
the files.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml  # type: ignore[import-untyped]
from pydantic_settings import BaseSettings

from gateway.settings import GatewaySettings
from services import registry
from services.eventkit.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "infra" / "k8s"
EXAMPLES = K8S / "examples"
SECRET_TEMPLATE = K8S / "secret.template.yaml"
NAMESPACE = "houqin"
# The oldest Kubernetes the manifests are for, and the newest the validator knows.
KUBE_VERSIONS = ("1.29", kubernetes_validate.latest_version())
# The sources of the names read outside the settings classes: typer options with an envvar.
SERVICE_CLI = ROOT / "services" / "eventkit" / "cli.py"
GATEWAY_CLI = ROOT / "gateway" / "__main__.py"
MEMORY_LIMITS = (256 * 2**20, 512 * 2**20)  # a served process's memory limit lies within these

Obj = dict[str, Any]


def k8s_name(service: str) -> str:
    """A registry name as a Kubernetes object's name (a DNS label: hr_eval is hr-eval)."""
    return service.replace("_", "-")


COMPONENTS = {k8s_name(name): name for name in registry.NAMES} | {registry.GATEWAY: registry.GATEWAY}


# -- reading the manifests --------------------------------------------------------------------


def _documents(text: str) -> list[Obj]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


def _file(path: Path) -> list[Obj]:
    return _documents(path.read_text(encoding="utf-8"))


def _kustomization() -> Obj:
    kustomization: Obj = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    return kustomization


def _resource_files() -> list[Obj]:
    """The kustomization's resources, read directly (no namespace, labels or images applied)."""
    return [doc for name in _kustomization()["resources"] for doc in _file(K8S / name)]


def _kubectl() -> str:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: `kubectl kustomize infra/k8s` cannot be rendered here")
    return kubectl


def _render(directory: Path) -> list[Obj]:
    result = subprocess.run(
        [_kubectl(), "kustomize", str(directory)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, f"kubectl kustomize {directory} failed:\n{result.stderr}"
    return _documents(result.stdout)


@cache
def _rendered() -> tuple[Obj, ...]:
    return tuple(_render(K8S))


@pytest.fixture(scope="module", params=["rendered", "files"])
def objects(request: pytest.FixtureRequest) -> list[Obj]:
    """Every object: as ``kubectl kustomize infra/k8s`` renders them, and as the files hold them."""
    return list(_rendered()) if request.param == "rendered" else _resource_files()


@pytest.fixture(scope="module")
def rendered() -> list[Obj]:
    return list(_rendered())


@pytest.fixture(scope="module")
def secrets() -> dict[str, dict[str, str]]:
    """The secret template: each Secret's keys and placeholder values."""
    return {doc["metadata"]["name"]: dict(doc.get("stringData") or {}) for doc in _file(SECRET_TEMPLATE)}


def of_kind(objects: Iterable[Obj], kind: str) -> dict[str, Obj]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def pod_spec(workload: Obj) -> Obj:
    spec: Obj = workload["spec"]["template"]["spec"]
    return spec


def containers(workload: Obj) -> list[Obj]:
    pod = pod_spec(workload)
    return [*pod.get("initContainers", []), *pod["containers"]]


def workloads(objects: Iterable[Obj]) -> Iterator[Obj]:
    return (o for o in objects if o["kind"] in ("Deployment", "Job"))


def quantity(value: str | int) -> float:
    """A Kubernetes quantity (``512Mi``, ``1``, ``100m``) as a number of bytes or cores."""
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 1e3, "M": 1e6, "G": 1e9, "m": 1e-3}
    match = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(value))
    assert match, f"not a quantity: {value!r}"
    number, unit = match.groups()
    assert unit in units or not unit, f"unknown unit in {value!r}"
    return float(number) * units.get(unit, 1)


def container_port(container: Obj, port: str | int) -> int:
    """A probe's or a Service's port (a name or a number), as the container's port number."""
    ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
    if isinstance(port, int):
        assert port in ports.values(), f"{container['name']} declares no port {port}"
        return port
    assert port in ports, f"{container['name']} has no port named {port!r}"
    number: int = ports[port]
    return number


def env_value(container: Obj, name: str) -> str | None:
    for var in container.get("env", []):
        if var["name"] == name:
            value: str | None = var.get("value")
            return value
    return None


# -- what the code reads ----------------------------------------------------------------------


def _settings_names(settings: type[BaseSettings]) -> set[str]:
    """The variables a settings class reads: its prefix and each field's name (as pydantic-settings does)."""
    prefix = str(settings.model_config.get("env_prefix", ""))
    assert all(field.alias is None and field.validation_alias is None for field in settings.model_fields.values())
    return {f"{prefix}{name}".upper() for name in settings.model_fields}


def _envvars_of_cli(path: Path) -> set[str]:
    """The ``envvar=`` of the typer options in a command line's module."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.keyword) and node.arg == "envvar":
            assert isinstance(node.value, ast.Constant) and isinstance(node.value.value, str), ast.dump(node)
            names.add(node.value.value)
    return names


@cache
def names_read_by(component: str) -> frozenset[str]:
    if component == registry.GATEWAY:
        return frozenset(_settings_names(GatewaySettings) | _envvars_of_cli(GATEWAY_CLI))
    return frozenset(_settings_names(Settings) | _envvars_of_cli(SERVICE_CLI))


def test_the_names_read_are_found() -> None:
    """The collection itself finds what it must (else every name check below passes on nothing)."""
    service, gateway = names_read_by("directory"), names_read_by(registry.GATEWAY)
    assert {"HOUQIN_PG_HOST", "HOUQIN_KAFKA_BOOTSTRAP", "HOUQIN_JWT_SECRET", "HOUQIN_API_PROCESSES"} <= service
    assert {"HOUQIN_DIRECTORY_URL", "HOUQIN_HR_EVAL_URL", "HOUQIN_GATEWAY_PROCESSES"} <= gateway
    assert "HOUQIN_DIRECTORY_URL" not in service and "HOUQIN_API_PROCESSES" not in gateway


# -- the files and their schemas --------------------------------------------------------------


def test_the_kustomization_lists_every_manifest() -> None:
    """A manifest left out of kustomization.yaml is never applied; the template stays out on purpose."""
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", SECRET_TEMPLATE.name}
    assert set(_kustomization()["resources"]) == files


@pytest.mark.parametrize("version", KUBE_VERSIONS)
def test_every_object_is_valid_for_kubernetes(objects: list[Obj], version: str) -> None:
    problems = []
    for obj in [*objects, *_file(SECRET_TEMPLATE)]:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            where = ".".join(str(p) for p in exc.path)
            problems.append(f"{obj['kind']}/{obj['metadata']['name']}: {where}: {exc.message}")
    assert not problems, "\n".join(problems)


def test_the_rendering_puts_everything_in_the_namespace(rendered: list[Obj]) -> None:
    assert set(of_kind(rendered, "Namespace")) == {NAMESPACE}
    outside = [
        f"{o['kind']}/{o['metadata']['name']}"
        for o in rendered
        if o["kind"] != "Namespace" and o["metadata"].get("namespace") != NAMESPACE
    ]
    assert not outside, f"not in the namespace {NAMESPACE}: {outside}"
    for doc in _file(SECRET_TEMPLATE):
        assert doc["metadata"]["namespace"] == NAMESPACE


def test_the_image_is_overridable(tmp_path: Path) -> None:
    """A kustomize overlay's ``images:`` reaches every container (none names another image)."""
    (tmp_path / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "resources": [os.path.relpath(K8S, tmp_path)],  # kustomize takes no absolute base
                "images": [{"name": "houqin", "newName": "registry.example-district.cn/houqin", "newTag": "1.4.0"}],
            }
        )
    )
    images = {c["name"]: c["image"] for w in workloads(_render(tmp_path)) for c in containers(w)}
    assert images and set(images.values()) == {"registry.example-district.cn/houqin:1.4.0"}, images
    assert {c["image"] for w in workloads(_rendered()) for c in containers(w)} == {"houqin:latest"}


# -- one Deployment per component --------------------------------------------------------------


def test_a_deployment_per_service_and_the_gateway(objects: list[Obj]) -> None:
    assert set(of_kind(objects, "Deployment")) == set(COMPONENTS)


def test_every_houqin_service_of_compose_has_a_deployment_with_its_command(objects: list[Obj]) -> None:
    """Compose's services built from the Dockerfile that stay up (not kafka or postgres, not the
    demo job) each have a Deployment running the same command."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    houqin = {name: spec for name, spec in compose.items() if "build" in spec and spec.get("restart") != "no"}
    assert houqin.keys() == {*registry.NAMES, registry.GATEWAY}
    deployments = of_kind(objects, "Deployment")
    for name, spec in houqin.items():
        assert k8s_name(name) in deployments, f"compose's {name} has no Deployment"
        (container,) = containers(deployments[k8s_name(name)])
        assert container["command"] == spec["command"], name


def test_deployments_are_replicated_probed_and_bounded(objects: list[Obj]) -> None:
    for name, deployment in of_kind(objects, "Deployment").items():
        assert deployment["spec"]["replicas"] >= 2, name
        (container,) = containers(deployment)
        port = registry.PORTS[COMPONENTS[name]]
        assert env_value(container, "HOUQIN_HTTP_PORT") == str(port), name
        assert container_port(container, "http") == port, name
        for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz"), ("startupProbe", "/healthz")):
            get = container[probe]["httpGet"]
            assert get["path"] == path, f"{name}: {probe} on {get['path']}"
            assert container_port(container, get["port"]) == port, f"{name}: {probe} not on the HTTP port"
        resources = container["resources"]
        assert {"cpu", "memory"} <= resources["requests"].keys(), name
        limit = quantity(resources["limits"]["memory"])
        assert MEMORY_LIMITS[0] <= limit <= MEMORY_LIMITS[1], f"{name}: memory limit {limit}"
        assert quantity(resources["requests"]["memory"]) <= limit, name
        if "cpu" in resources["limits"]:
            assert quantity(resources["requests"]["cpu"]) <= quantity(resources["limits"]["cpu"]), name


def test_metrics_port_is_the_one_the_process_serves(objects: list[Obj]) -> None:
    """A declared ``metrics`` port is where the settings put the metrics of that HTTP port."""
    for name, deployment in of_kind(objects, "Deployment").items():
        (container,) = containers(deployment)
        served = Settings(service=COMPONENTS[name], http_port=container_port(container, "http"), metrics_port=None)
        assert container_port(container, "metrics") == served.metrics_listen_port(), name
        annotations = deployment["spec"]["template"]["metadata"].get("annotations", {})
        assert annotations.get("prometheus.io/port") == str(served.metrics_listen_port()), name


def test_every_workload_runs_unprivileged(objects: list[Obj]) -> None:
    for workload in workloads(objects):
        pod = pod_spec(workload)
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        assert pod.get("automountServiceAccountToken") is False
        for container in containers(workload):
            context = container["securityContext"]
            where = f"{workload['metadata']['name']}/{container['name']}"
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["capabilities"]["drop"] == ["ALL"], where
            assert "memory" in container["resources"]["limits"], where


# -- Services, PodDisruptionBudgets and the Ingress select the right pods -----------------------


def _selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and selector.items() <= labels.items()


def test_services_and_budgets_select_their_deployments_pods_only(objects: list[Obj]) -> None:
    deployments = of_kind(objects, "Deployment")
    services, budgets = of_kind(objects, "Service"), of_kind(objects, "PodDisruptionBudget")
    pod_labels = {name: d["spec"]["template"]["metadata"]["labels"] for name, d in deployments.items()}
    for name, deployment in deployments.items():
        assert _selects(deployment["spec"]["selector"]["matchLabels"], pod_labels[name]), name
        service, budget = services.get(name), budgets.get(name)
        assert service is not None, f"no Service for {name}"
        assert budget is not None, f"no PodDisruptionBudget for {name}"
        for kind, selector in (
            ("Service", service["spec"]["selector"]),
            ("PDB", budget["spec"]["selector"]["matchLabels"]),
        ):
            selected = {other for other, labels in pod_labels.items() if _selects(selector, labels)}
            assert selected == {name}, f"{kind} {name} selects the pods of {sorted(selected)}"
        (container,) = containers(deployment)
        (port,) = service["spec"]["ports"]
        assert port["port"] == container_port(container, port["targetPort"]) == registry.PORTS[COMPONENTS[name]]
        spec = budget["spec"]
        assert ("maxUnavailable" in spec) != ("minAvailable" in spec), name
        allowed = spec.get("maxUnavailable", deployment["spec"]["replicas"] - spec.get("minAvailable", 0))
        assert 1 <= allowed < deployment["spec"]["replicas"], f"{name}: a PDB that blocks every drain or allows none"


def test_the_gateway_reaches_every_service_by_its_service(objects: list[Obj]) -> None:
    services = of_kind(objects, "Service")
    (gateway,) = containers(of_kind(objects, "Deployment")[registry.GATEWAY])
    for name in registry.NAMES:
        url = env_value(gateway, f"HOUQIN_{name.upper()}_URL")
        (port,) = services[k8s_name(name)]["spec"]["ports"]
        assert url == f"http://{k8s_name(name)}:{port['port']}", name


def test_the_ingress_serves_graphql_and_the_console_from_the_gateway(objects: list[Obj]) -> None:
    (ingress,) = of_kind(objects, "Ingress").values()
    service = of_kind(objects, "Service")[registry.GATEWAY]
    routes = {
        path["path"]: path["backend"]["service"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]
    }
    assert {"/graphql", "/console"} <= routes.keys()
    port_names = {p["name"] for p in service["spec"]["ports"]}
    for path, backend in routes.items():
        assert backend["name"] == registry.GATEWAY, path
        assert backend["port"].get("name") in port_names, path
    assert not routes.keys() & {"/", "/metrics", "/healthz", "/readyz", "/ops", "/docs"}


# -- configuration: only names the code reads, and no usable secret --------------------------


def test_every_variable_set_is_one_the_code_reads(objects: list[Obj], secrets: dict[str, dict[str, str]]) -> None:
    config_maps = of_kind(objects, "ConfigMap")
    for workload in workloads(objects):
        for container in containers(workload):
            name = workload["metadata"]["name"]
            command = container["command"]
            component = registry.GATEWAY if command[2] == "gateway" else command[2].removeprefix("services.")
            names = {var["name"] for var in container.get("env", [])}
            for source in container.get("envFrom", []):
                assert "prefix" not in source, name
                if "configMapRef" in source:
                    names |= config_maps[source["configMapRef"]["name"]]["data"].keys()
                else:
                    names |= secrets[source["secretRef"]["name"]].keys()
            unread = names - names_read_by(component)
            assert not unread, f"{name}/{container['name']} sets what {component} never reads: {sorted(unread)}"


def test_every_reference_has_its_object(objects: list[Obj], secrets: dict[str, dict[str, str]]) -> None:
    """Each ConfigMap is in the manifests, each Secret and key in the template."""
    config_maps = of_kind(objects, "ConfigMap")
    for workload in workloads(objects):
        for container in containers(workload):
            for var in container.get("env", []):
                source = var.get("valueFrom", {})
                if "secretKeyRef" in source:
                    ref = source["secretKeyRef"]
                    held: Iterable[str] = secrets.get(ref["name"], {})
                elif "configMapKeyRef" in source:
                    ref = source["configMapKeyRef"]
                    held = config_maps.get(ref["name"], {}).get("data", {})
                else:
                    continue
                assert ref["key"] in held, f"{container['name']}: {var['name']} from {ref['name']}/{ref['key']}"
            for source in container.get("envFrom", []):
                ref = source.get("configMapRef") or source["secretRef"]
                assert ref["name"] in (config_maps if "configMapRef" in source else secrets), ref


def test_the_secret_template_cannot_run_a_district(secrets: dict[str, dict[str, str]]) -> None:
    """Its key is one a production service refuses, and the per-service URLs are the registry's."""
    key = secrets["houqin-secrets"]["HOUQIN_JWT_SECRET"]
    production = Settings(
        environment="production", jwt_secret=key, jwt_jwks_url=None, jwt_issuer="https://id/", jwt_audience="houqin"
    )
    assert production.production_problems(), "the template's JWT key would be accepted in production"
    assert secrets["houqin-database-urls"] == dict.fromkeys(registry.NAMES, "")
    assert Settings(service="safety", database_url="", pg_host="db").dsn.endswith("@db:5432/houqin_safety")


def test_the_config_is_for_production(objects: list[Obj]) -> None:
    data = of_kind(objects, "ConfigMap")["houqin-config"]["data"]
    settings = Settings(**{k.removeprefix("HOUQIN_").lower(): v for k, v in data.items()}, jwt_secret="x" * 48)
    assert settings.production and not settings.production_problems()
    assert not GatewaySettings(**{k.removeprefix("HOUQIN_").lower(): v for k, v in data.items()}).introspection_enabled


# -- migrations --------------------------------------------------------------------------------


def test_the_migration_job_migrates_every_service(objects: list[Obj]) -> None:
    (job,) = of_kind(objects, "Job").values()
    commands = sorted(c["command"] for c in containers(job))
    assert commands == sorted(["python", "-m", s.package, "migrate"] for s in registry.SERVICES)
    assert pod_spec(job)["restartPolicy"] in ("OnFailure", "Never")
    source = SERVICE_CLI.read_text(encoding="utf-8")
    assert '@cli.command("migrate")' in source, "the services' command line has no migrate any more"
    for container in containers(job):
        service = container["command"][2].removeprefix("services.")
        urls = [v for v in container["env"] if v["name"] == "HOUQIN_DATABASE_URL"]
        assert [v["valueFrom"]["secretKeyRef"]["key"] for v in urls] == [service], container["name"]


# -- the examples for the external PostgreSQL and Kafka ------------------------------------------


def test_the_strimzi_topics_are_the_ones_the_services_use(objects: list[Obj]) -> None:
    data = of_kind(objects, "ConfigMap")["houqin-config"]["data"]
    settings = Settings(namespace=data["HOUQIN_NAMESPACE"])
    topics = {t["spec"]["topicName"]: t for t in _file(EXAMPLES / "strimzi-topics.yaml") if t["kind"] == "KafkaTopic"}
    wanted = {settings.topic_of(s) for s in registry.NAMES} | {
        Settings(service=s, namespace=settings.namespace).dlq_topic for s in registry.NAMES
    }
    assert topics.keys() == wanted
    default_partitions = Settings.model_fields["topic_partitions"].default
    clusters = set()
    for topic in topics.values():
        spec = topic["spec"]
        assert spec["replicas"] == 3 and str(spec["config"]["min.insync.replicas"]) == "2", spec["topicName"]
        assert spec["partitions"] == default_partitions, spec["topicName"]
        clusters.add((topic["metadata"]["labels"]["strimzi.io/cluster"], topic["metadata"]["namespace"]))
    (cluster, namespace) = clusters.pop()
    assert data["HOUQIN_KAFKA_BOOTSTRAP"] == f"{cluster}-kafka-bootstrap.{namespace}:9092"


def test_the_cloudnativepg_example_has_a_standby_and_every_database(
    objects: list[Obj], secrets: dict[str, dict[str, str]]
) -> None:
    documents = _file(EXAMPLES / "cnpg-cluster.yaml")
    (cluster,) = (d for d in documents if d["kind"] == "Cluster")
    assert cluster["spec"]["instances"] >= 2
    owner = secrets["houqin-secrets"]["HOUQIN_PG_USER"]
    databases = {d["spec"]["name"]: d for d in documents if d["kind"] == "Database"}
    assert databases.keys() == {s.database for s in registry.SERVICES}
    for database in databases.values():
        assert database["spec"]["owner"] == owner and database["spec"]["cluster"]["name"] == cluster["metadata"]["name"]
    data = of_kind(objects, "ConfigMap")["houqin-config"]["data"]
    assert data["HOUQIN_PG_HOST"] == f"{cluster['metadata']['name']}-rw"
    assert cluster["metadata"]["namespace"] == NAMESPACE  # the short name resolves from the services' namespace
