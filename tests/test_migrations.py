"""Migrations on a real SQLite file: they match the models, go down and up, and ship in the wheel."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from sendtrack.storage import migrate
from sendtrack.storage.db import Location
from sendtrack.storage.schema import SQLModel
from sendtrack.storage.version import HEAD

ROOT = Path(__file__).resolve().parents[1]


def differences(path: Path) -> list:
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_head_constant_is_the_script_head(tmp_path):
    script = ScriptDirectory.from_config(migrate.alembic_config(Location(path=tmp_path / "x.db")))
    assert script.get_current_head() == HEAD


def test_upgrade_from_empty_matches_the_models(tmp_path):
    path = tmp_path / "fresh.db"
    migrate.upgrade(Location(path=path))
    assert differences(path) == []
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_downgrade_and_upgrade_again(tmp_path):
    path = tmp_path / "cycle.db"
    location = Location(path=path)
    migrate.upgrade(location)
    migrate.downgrade(location, "base")
    assert tables(path) == {"alembic_version"}
    migrate.upgrade(location)
    assert {"cases", "events", "deadlines"} <= tables(path)
    assert differences(path) == []


def test_init_twice_keeps_the_rows(cli, private_db):
    cli.ok("add-request --ref K1 --name 'Test Child' --dob 2015-03-15 --received 2025-01-06")
    assert "up to date" in cli.ok("init")
    assert "K1" in cli.ok("cases --format csv")


def test_the_installed_package_runs_init(tmp_path):
    """Build the wheel, install it apart from the source tree, and run `sendtrack init` from it."""
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "-w", str(wheels), str(ROOT)], check=True, capture_output=True)
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
                    *map(str, wheels.glob("sendtrack-*.whl"))], check=True, capture_output=True)
    db = tmp_path / "installed.db"
    env = {**os.environ, "PYTHONPATH": str(target), "SENDTRACK_DB": str(db)}
    where = subprocess.run([sys.executable, "-c", "import sendtrack; print(sendtrack.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert where.stdout.startswith(str(target)), where.stdout
    result = subprocess.run([sys.executable, "-m", "sendtrack", "init"], cwd=tmp_path, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "created (schema 0001)" in result.stdout
    assert {"cases", "events", "deadlines"} <= tables(db)
