"""Every decider of the services has a property test (a machine of ``tests/properties.py``).

The machines live next to their service's tests, in ``tests/<service>/test_<aggregate>_properties.py``;
each module runs the machines it lists in its ``MACHINES``.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import services
from services.eventkit.decider import Decider
from tests.properties import DeciderMachine

TESTS = Path(__file__).resolve().parent


def property_modules() -> list[str]:
    return sorted(
        f"tests.{path.parent.name}.{path.stem}"
        for path in TESTS.glob("*/test_*_properties.py")
        if (path.parent / "__init__.py").exists()
    )


def test_every_decider_of_the_services_is_covered() -> None:
    """A decider added to a service without a machine in a property module fails this."""
    deciders: set[str] = set()
    for module_info in pkgutil.walk_packages(services.__path__, "services."):
        if module_info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        module = importlib.import_module(module_info.name)
        deciders |= {d.name for d in vars(module).values() if isinstance(d, Decider)}
    covered: set[str] = set()
    for name in property_modules():
        module = importlib.import_module(name)
        machines = {
            m
            for m in vars(module).values()
            if isinstance(m, type) and issubclass(m, DeciderMachine) and m is not DeciderMachine
        }
        assert machines <= set(module.MACHINES), f"{name}: a machine it does not run"
        covered |= {m.decider.name for m in module.MACHINES}
    assert deciders - covered == set(), "deciders without property tests"
    assert "HealthRecord" in deciders and len(deciders) > 25
