"""Every layer imports only downward (docs/architecture.md, "Layers"): a test, so the map stays true."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sendtrack"

#: layer -> the layers it may import (besides itself). Bottom first.
ALLOWED = {
    "errors": set(),
    "domain": set(),
    "kinds": {"errors"},
    "calendar": {"domain", "errors"},
    "config": {"domain", "errors", "calendar", "kinds", "rules"},
    "rules": {"domain", "errors", "kinds", "calendar"},
    "output": {"domain", "errors"},
    "storage": {"domain", "errors", "kinds", "output"},
    "app": {"domain", "errors", "kinds", "calendar", "config", "rules", "storage", "output"},
    "reports": {"domain", "errors", "kinds", "calendar", "config", "rules", "storage", "output"},
    "cli": {"domain", "errors", "kinds", "calendar", "config", "rules", "storage", "output", "app",
            "reports"},
    "__main__": {"cli"},
}


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "sendtrack"


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "sendtrack":
            if node.module == "sendtrack":
                found.update(f"sendtrack.{alias.name}" for alias in node.names)
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "sendtrack")
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_only_downward(path):
    own = layer_of(".".join(("sendtrack", *path.relative_to(PACKAGE).with_suffix("").parts)))
    assert own in ALLOWED, f"{path}: layer {own!r} is not in docs/architecture.md's map"
    wrong = {m for m in imports(path) if layer_of(m) != own and layer_of(m) not in ALLOWED[own]}
    assert not wrong, f"{path.relative_to(PACKAGE)} ({own}) imports {sorted(wrong)}"


def test_every_module_opens_with_a_line_saying_what_it_owns():
    for path in MODULES:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        assert doc and doc.strip(), f"{path.relative_to(PACKAGE)} has no module docstring"
