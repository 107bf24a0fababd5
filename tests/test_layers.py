"""Every layer imports only downward (docs/architecture.md, "Layers"): a test, so the map stays true."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sendtrack"

#: layer -> the layers it may import (besides itself). Bottom first.
ALLOWED = {
    "errors": set(),
    "domain": set(),
    "kinds": {"errors", "codes"},
    "codes": {"errors"},
    "calendar": {"domain", "errors", "codes"},
    "default_config": set(),
    "config": {"domain", "errors", "codes", "calendar", "kinds", "rules", "default_config"},
    "rules": {"domain", "errors", "codes", "kinds", "calendar"},
    "output": {"domain", "errors", "codes"},
    "storage": {"domain", "errors", "codes", "kinds", "output"},
    "app": {"domain", "errors", "codes", "kinds", "calendar", "config", "rules", "storage", "output"},
    "reports": {"domain", "errors", "codes", "kinds", "calendar", "config", "rules", "storage", "output"},
    "cli": {"domain", "errors", "codes", "kinds", "calendar", "config", "rules", "storage", "output", "app",
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


SQL_CALL = re.compile(r"\bdb\.(execute|all|one|executemany|insert)\(|\.raw\b|\bcursor\(|\bsqlite3\.connect|"
                      r"\bpsycopg\.connect|\bfetch(one|many|all)\(")


@pytest.mark.parametrize("layer", ["app", "cli", "output", "rules"])
def test_no_sql_outside_storage(layer):
    """The use cases, the CLI, output and the rules hold no SQL and open no cursor: storage does
    (reports keep their read queries beside them, through storage's Database)."""
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        found = [f"{number}: {line.strip()}" for number, line in
                 enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if SQL_CALL.search(line)]
        assert not found, f"{path.relative_to(PACKAGE)}: " + "; ".join(found)


def test_reports_open_no_cursor():
    for path in sorted((PACKAGE / "reports").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\.raw\b|\bcursor\(|fetch(one|many|all)\(", text), path.name


def test_a_commands_database_is_closed_when_it_ends_however_it_ends(cli, monkeypatch):
    """The CLI opens the database inside the command's resource stack (cli.common.owning): it is
    closed after success and after a refusal alike, without a try/finally in each command."""
    from sendtrack.storage.db import Database

    opened, closed = [], []
    real_init, real_close = Database.__init__, Database.close

    def init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        opened.append(self)

    def close(self):
        closed.append(self)
        real_close(self)

    monkeypatch.setattr(Database, "__init__", init)
    monkeypatch.setattr(Database, "close", close)
    cli.ok("add-request --ref L1 --name 'Test Layer' --dob 2015-03-15 --received 2025-01-06")
    cli.fails("record decision NOPE --date 2025-02-10 --outcome assess")
    cli.ok("overdue --as-of 2025-06-30 --format csv")
    assert opened and all(db in closed for db in opened), (len(opened), len(closed))
