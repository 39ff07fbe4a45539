"""backend/database sits below every domain: it imports none of them (nor the
composition roots, nor push), function-local imports included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "backend" / "database"
ABOVE = (
    "backend.accounts",
    "backend.organisation",
    "backend.complaints",
    "backend.notifications",
    "backend.stats",
    "backend.web",
    "backend.piccolo_app",
    "backend.app",
    "backend.cli",
    "push",
)


def imported_modules(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
            if node.module == "backend":  # from backend import organisation
                names.extend(f"backend.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_database_imports_nothing_above_it(path):
    assert path.parent == PACKAGE
    wrong = [
        name
        for name in imported_modules(path)
        if any(name == above or name.startswith(above + ".") for above in ABOVE)
    ]
    assert not wrong, f"backend/database/{path.name} imports {wrong}"


def test_the_package_is_all_there():
    names = {p.name for p in PACKAGE.glob("*.py")}
    assert {"__init__.py", "engine.py", "writer.py", "sqlite.py", "postgres.py"} <= names
