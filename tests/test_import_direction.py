"""One direction of imports: tui -> backend -> transports.

`backend` never imports textual or the TUI; `transports` never import the backend or the TUI.
The source is read with `ast`, so an import inside a function or under TYPE_CHECKING counts too,
and relative imports are resolved (`from ..tui import x` in backend climbs into the TUI).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"backend": "provtop.backend", "transports": "provtop.transports", "tui": "provtop.tui"}
# Folder -> import prefixes it must not use. The bare folder names never install as packages.
FORBIDDEN = {
    "backend": ("textual", "provtop.tui", "tui", "backend", "transports"),
    "transports": ("textual", "provtop.backend", "provtop.tui", "backend", "tui", "transports"),
}


@dataclass(frozen=True)
class Import:
    module: str  # the absolute module name the statement reaches
    line: int
    escapes: bool = False  # a relative import that climbs above the top of the provtop namespace


def module_name(path: Path, folder: str) -> tuple[str, bool]:
    """The dotted name of a source file and whether it is a package's __init__."""
    parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join([PACKAGES[folder], *parts]), is_package


def imports_of(source: str, module: str, is_package: bool) -> list[Import]:
    """Every module an import statement (or a literal importlib/__import__ call) in `source` reaches."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    found: list[Import] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [Import(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = node.module or ""
            else:
                if node.level - 1 >= len(package):
                    found.append(Import("." * node.level + (node.module or ""), node.lineno, escapes=True))
                    continue
                anchor = package[: len(package) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            found.append(Import(base, node.lineno))
            # `from provtop import tui` reaches provtop.tui: count each imported name as a submodule.
            found += [Import(f"{base}.{alias.name}", node.lineno) for alias in node.names if alias.name != "*"]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                found.append(Import(node.args[0].value, node.lineno))
    return found


def violations(folder: str, source: str, module: str, is_package: bool = False) -> list[str]:
    found = []
    for imported in imports_of(source, module, is_package):
        if imported.escapes:
            found.append(f"line {imported.line}: '{imported.module}' climbs out of the provtop namespace")
            continue
        for prefix in FORBIDDEN[folder]:
            own = PACKAGES[folder]
            if imported.module.startswith(own + ".") or imported.module == own:
                break  # the package's own modules are always fine
            if imported.module == prefix or imported.module.startswith(prefix + "."):
                found.append(f"line {imported.line}: imports {imported.module}")
                break
    return found


def sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_lower_layers_never_import_upper_ones(folder: str) -> None:
    assert sources(folder), f"no Python files under {folder}/"
    problems = []
    for path in sources(folder):
        module, is_package = module_name(path, folder)
        problems += [f"{path.relative_to(ROOT)} {problem}" for problem in
                     violations(folder, path.read_text(), module, is_package)]

    assert problems == []


# The checker itself, on made-up sources: a guard that finds nothing must be shown able to find.
CAUGHT = [
    ("backend", "import textual", "provtop.backend.store.x"),
    ("backend", "from textual.app import App", "provtop.backend.store.x"),
    ("backend", "from provtop.tui import app", "provtop.backend.x"),
    ("backend", "from provtop import tui", "provtop.backend.x"),
    ("backend", "from ..tui import app", "provtop.backend.x"),
    ("backend", "from ...tui.cli import main", "provtop.backend.store.x"),
    ("backend", "from .... import anything", "provtop.backend.store.x"),
    ("backend", "import tui.cli", "provtop.backend.x"),
    ("backend", "def f():\n    import textual.widgets", "provtop.backend.x"),
    ("backend", "if TYPE_CHECKING:\n    from provtop.tui.app import App", "provtop.backend.x"),
    ("backend", "importlib.import_module('textual')", "provtop.backend.x"),
    ("transports", "from provtop.backend.errors import X", "provtop.transports.x"),
    ("transports", "from ..backend import errors", "provtop.transports.x"),
    ("transports", "from .. import backend", "provtop.transports.x"),
    ("transports", "import provtop.tui", "provtop.transports.x"),
    ("transports", "import backend.errors", "provtop.transports.x"),
]
ALLOWED = [
    ("backend", "from provtop.transports import Transport", "provtop.backend.x"),
    ("backend", "from ..transports import base", "provtop.backend.x"),
    ("backend", "from .store import schema", "provtop.backend.x"),
    ("backend", "from . import entities", "provtop.backend", True),
    ("backend", "import sqlalchemy", "provtop.backend.x"),
    ("backend", "from ..errors import X", "provtop.backend.store.x"),
    ("transports", "from .errors import NotFound", "provtop.transports.x"),
    ("transports", "import asyncssh", "provtop.transports.x"),
]


@pytest.mark.parametrize(("folder", "source", "module"), CAUGHT)
def test_the_checker_catches_a_forbidden_import(folder: str, source: str, module: str) -> None:
    assert violations(folder, source, module) != []


@pytest.mark.parametrize("case", ALLOWED)
def test_the_checker_allows_imports_down_the_layers(case: tuple[str, ...]) -> None:
    folder, source, module, *package = case
    assert violations(folder, source, module, bool(package)) == []
