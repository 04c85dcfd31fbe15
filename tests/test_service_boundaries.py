"""The import rule between services, checked by walking every import of ``services/``.

A service imports nothing of another service except that service's published event
contracts (its ``events`` module; or it reads them by wire name and needs no import at
all). The picture it keeps true::

    services (directory, safety, inventory, ...) ──▶ services.campus ──▶ services.directory.events
            │                                             │                          │
            └─────────────────────────────────────────────┴──────────────────────────┴──▶ services.eventkit

The kit imports nothing but itself and the registry; the campus layer reads the directory
only through its events; the directory never uses the campus layer. Modules at the top of
``services/`` (the command line) may use any service: they start them. One of them, the
registry (``services/registry.py``, the list of services and their ports), is read by anyone,
the kit included: it imports no service (a test here holds that), only names them.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

KIT = "eventkit"
CAMPUS = "campus"
REGISTRY = "registry"


def imported_modules(source: str) -> list[tuple[int, str]]:
    """Every absolute module a source file imports, with its line. ``from a.b import c`` is
    ``a.b.c`` when that is how the rule allows it (``c`` a module), else ``a.b``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
    return found


def allowed(owner: str, target: list[str]) -> bool:
    """May the package ``services.<owner>`` import ``services.<target...>``?"""
    if not target:
        return False
    other = target[0]
    if other in (owner, KIT, REGISTRY):
        return True
    if owner == KIT:
        return False
    if owner == CAMPUS:
        return other == "directory" and target[1:2] == ["events"]
    if other == CAMPUS:
        return owner != "directory"
    return target[1:2] == ["events"]  # another service: its published events only


def violations(services_root: Path) -> list[str]:
    """``path:line imports module`` for every import that breaks the rule under ``services_root``."""
    found: list[str] = []
    for path in sorted(services_root.rglob("*.py")):
        parts = path.relative_to(services_root).parts
        if len(parts) < 2:
            continue  # the command line at the top of services/
        owner = parts[0]
        for line, module in imported_modules(path.read_text(encoding="utf-8")):
            names = module.split(".")
            if names[0] != services_root.name:
                continue
            # ``from services.x.events import SomeEvent``: a name of an allowed module
            if allowed(owner, names[1:]) or allowed(owner, names[1:-1]):
                continue
            found.append(f"{path.relative_to(services_root.parent)}:{line} imports {module}")
    return found


def test_no_service_imports_another_service_beyond_its_events() -> None:
    assert violations(ROOT / "services") == []


def test_the_kit_and_the_campus_layer_stay_below_the_services() -> None:
    assert not allowed(KIT, ["campus", "mirror"])
    assert allowed(KIT, ["registry"])
    assert allowed("safety", ["registry", "PORTS"])
    assert not allowed(KIT, ["safety", "events"])
    assert allowed(CAMPUS, ["directory", "events"])
    assert not allowed(CAMPUS, ["directory", "queries"])
    assert not allowed(CAMPUS, ["safety", "events"])
    assert not allowed("directory", ["campus", "scoped"])
    assert allowed("safety", ["campus", "scoped"])


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "services"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_a_deliberate_cross_service_import_is_caught(tmp_path: Path) -> None:
    """The same tree passes with an import of another service's events, and fails once a
    route module reaches into another service's internals."""
    clean = {
        "safety/__init__.py": "",
        "safety/hazards.py": "from services.eventkit.decider import Decider\nfrom services.campus.scoped import X\n",
        "safety/events.py": "from services.eventkit.envelope import DomainEvent\n",
        "inventory/__init__.py": "",
        "inventory/reactions.py": "from services.safety.events import HazardAssignedInHouse\n",
        "inventory/audit.py": "import services.safety.events\nfrom services.safety import events\n",
    }
    assert violations(_tree(tmp_path / "clean", clean)) == []

    crossing = clean | {
        "inventory/routes.py": "from services.eventkit.auth import Role\n\n"
        "from services.safety.hazards import Hazard\n",
        "inventory/loose.py": "import services.safety.projections.inspection_status\n",
        "inventory/whole.py": "from services import safety\n",
        "campus/mirror.py": "from services.directory.queries import principal_for\n",
        "directory/api.py": "from services.campus.mirror import staff_member\n",
    }
    found = violations(_tree(tmp_path / "crossing", crossing))
    assert found == [
        "services/campus/mirror.py:1 imports services.directory.queries.principal_for",
        "services/directory/api.py:1 imports services.campus.mirror.staff_member",
        "services/inventory/loose.py:1 imports services.safety.projections.inspection_status",
        "services/inventory/routes.py:3 imports services.safety.hazards.Hazard",
        "services/inventory/whole.py:1 imports services.safety",
    ]


def test_the_registry_imports_no_service() -> None:
    """Importing the list of services (as the kit's settings do) loads no service, nor the kit."""
    probe = (
        "import sys, services.registry as r; "
        "print(sorted(m for m in sys.modules if m.startswith('services.') and m != 'services.registry'))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
