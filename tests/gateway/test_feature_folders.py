"""The gateway's feature folders, checked by walking every import of ``gateway/``.

Each area of the API is a folder (``gateway/directory``, ``gateway/safety``, ...: its
types, its root Query fields, its service calls) and imports no other area. The picture
it keeps true::

    gateway/schema.py, gateway/campus.py (the top: compose Query and Campus from the areas)
            │
            ▼
    gateway/<area>/ (directory, safety, inventory, ops, ...)   ── none imports another ──
            │
            ▼
    gateway/common/ and the shared modules at the top (context, clients, results, limits, ...)

A module at the top that imports an area, or a module that does, is part of the top (a
composer): neither an area nor ``common`` may import it, except for the type checker
(under ``if TYPE_CHECKING:``), which is how ``common`` names the composed ``Campus``.
A module written as a string (``strawberry.lazy("gateway.safety.types")``,
``importlib.import_module``) counts as an import, except that a composer may be named so:
that is a lazy reference to a composed type, resolved when the schema is built.
"""

from __future__ import annotations

import ast
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

COMMON = "common"
MODULE_PATH = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+")


@dataclass(frozen=True)
class Reference:
    line: int
    module: str  # absolute, dotted
    how: str  # "import", "type-only import" or "string"


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def references(source: str, package: str) -> list[Reference]:
    """Every module a source file names: its imports (relative ones made absolute against
    ``package``, the dotted package the file is in), type-only or not, and every string
    that is a dotted module path. ``from a.b import c`` is ``a.b.c``."""
    found: list[Reference] = []

    def visit(node: ast.AST, type_only: bool) -> None:
        how = "type-only import" if type_only else "import"
        if isinstance(node, ast.Import):
            found.extend(Reference(node.lineno, alias.name, how) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parent, base] if base else parent)
            found.extend(Reference(node.lineno, f"{base}.{alias.name}", how) for alias in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and MODULE_PATH.fullmatch(node.value):
            found.append(Reference(node.lineno, node.value, "string"))
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for statement in node.body:
                visit(statement, True)
            for statement in node.orelse:
                visit(statement, type_only)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, type_only)

    visit(ast.parse(source), False)
    return found


def _package_of(path: Path, root: Path) -> str:
    return ".".join([root.name, *path.relative_to(root).parts[:-1]])


def _part_of(module: str, root: Path) -> str | None:
    """The area, ``common`` or top module of ``root`` a dotted module name falls in."""
    names = module.split(".")
    if names[0] != root.name or len(names) < 2:
        return None
    return names[1]


def areas(root: Path) -> set[str]:
    return {p.name for p in root.iterdir() if (p / "__init__.py").is_file() and p.name != COMMON}


def composers(root: Path) -> set[str]:
    """The modules at the top of ``root`` that import an area, or import a module that does."""
    the_areas = areas(root)
    imports = {
        path.stem: {
            part
            for ref in references(path.read_text(encoding="utf-8"), root.name)
            if ref.how == "import" and (part := _part_of(ref.module, root)) is not None
        }
        for path in root.glob("*.py")
    }
    found: set[str] = set()
    while True:
        more = {top for top, parts in imports.items() if top not in found and parts & (the_areas | found)}
        if not more:
            return found
        found |= more


def violations(root: Path) -> list[str]:
    """``path:line <how> module`` for every reference under ``root`` (a package laid out as
    ``gateway/``) that crosses from one area into another, or into the top."""
    the_areas, the_top = areas(root), composers(root)
    found: list[str] = []
    for owner in sorted(the_areas | {COMMON}):
        for path in sorted((root / owner).rglob("*.py")):
            for ref in references(path.read_text(encoding="utf-8"), _package_of(path, root)):
                part = _part_of(ref.module, root)
                if part is None or part == owner:
                    continue
                crosses = part in the_areas or (part in the_top and ref.how == "import")
                if crosses:
                    found.append(f"{path.relative_to(root.parent)}:{ref.line} {ref.how} {ref.module}")
    return found


def test_no_area_of_the_gateway_imports_another() -> None:
    assert violations(ROOT / "gateway") == []


def test_the_areas_and_the_top_are_what_the_layout_says() -> None:
    gateway = ROOT / "gateway"
    assert {"directory", "safety", "inventory", "ops"} <= areas(gateway)
    assert {"schema", "campus", "app"} <= composers(gateway)
    assert not {"context", "clients", "results", "limits", "memo", "execution", "settings"} & composers(gateway)


def test_relative_imports_and_module_strings_are_references() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "from . import loaders\n"
        "from ..common.pages import row\n"
        "import strawberry\n"
        "if TYPE_CHECKING:\n"
        "    from gateway.campus import Campus\n"
        'Ref = strawberry.lazy("gateway.safety.types")\n'
        'TEXT = "not a module path, though it names gateway.safety"\n'
    )
    assert references(source, "gateway.inventory") == [
        Reference(1, "typing.TYPE_CHECKING", "import"),
        Reference(2, "gateway.inventory.loaders", "import"),
        Reference(3, "gateway.common.pages.row", "import"),
        Reference(4, "strawberry", "import"),
        Reference(6, "gateway.campus.Campus", "type-only import"),
        Reference(7, "gateway.safety.types", "string"),
    ]


def test_a_crossing_import_in_a_copy_of_the_gateway_is_caught(tmp_path: Path) -> None:
    root = tmp_path / "gateway"
    shutil.copytree(ROOT / "gateway", root, ignore=shutil.ignore_patterns("__pycache__"))
    assert violations(root) == []

    with (root / "safety" / "types.py").open("a", encoding="utf-8") as f:
        f.write("\n\ndef campus_row():\n    from gateway.directory.campus import DirectoryCampus\n\n")
        f.write("    return DirectoryCampus\n")
    lines = (root / "safety" / "types.py").read_text(encoding="utf-8").splitlines()
    line = lines.index("    from gateway.directory.campus import DirectoryCampus") + 1
    (root / "inventory" / "extra.py").write_text(
        "from typing import TYPE_CHECKING, Annotated\n"
        "import strawberry\n"
        "from ..safety import loaders\n"
        "from gateway.schema import Query\n"
        "if TYPE_CHECKING:\n"
        "    from gateway.campus import Campus\n"
        "    from gateway.directory.types import School\n"
        'Status = Annotated["CampusSafety", strawberry.lazy("gateway.safety.types")]\n'
        'CampusRef = Annotated["Campus", strawberry.lazy("gateway.campus")]\n',
        encoding="utf-8",
    )
    (root / "common" / "extra.py").write_text("import gateway.ops.types\n", encoding="utf-8")

    assert violations(root) == [
        "gateway/common/extra.py:1 import gateway.ops.types",
        "gateway/inventory/extra.py:3 import gateway.safety.loaders",
        "gateway/inventory/extra.py:4 import gateway.schema.Query",
        "gateway/inventory/extra.py:7 type-only import gateway.directory.types.School",
        "gateway/inventory/extra.py:8 string gateway.safety.types",
        f"gateway/safety/types.py:{line} import gateway.directory.campus.DirectoryCampus",
    ]


def test_a_new_area_is_an_area_and_a_shared_module_that_imports_one_is_the_top(tmp_path: Path) -> None:
    root = tmp_path / "gateway"
    (root / "common").mkdir(parents=True)
    (root / "common" / "__init__.py").touch()
    (root / "canteen").mkdir()
    (root / "canteen" / "__init__.py").touch()
    (root / "canteen" / "types.py").write_text("from gateway.context import Ctx\nfrom gateway.menus import menu\n")
    (root / "context.py").write_text("Ctx = object\n")
    (root / "menus.py").write_text("from gateway.registry import AREAS\n")
    (root / "registry.py").write_text("from gateway import canteen\nAREAS = [canteen]\n")

    assert areas(root) == {"canteen"}
    assert composers(root) == {"menus", "registry"}
    assert violations(root) == ["gateway/canteen/types.py:2 import gateway.menus.menu"]
