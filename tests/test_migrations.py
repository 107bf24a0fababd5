"""Migrations on a real SQLite file: they match the models, go down and up, and ship in the wheel."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
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
    assert f"created (schema {HEAD})" in result.stdout
    assert {"cases", "events", "deadlines"} <= tables(db)


# --- upgrading a database that holds data, from every revision ----------------------------------

def revisions() -> list[str]:
    """Every revision, oldest first: a new migration is covered by adding it, nothing else."""
    script = ScriptDirectory.from_config(migrate.alembic_config(Location(path=Path("unused.db"))))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


DATA_TABLES = ("cases", "events", "deadlines", "audit_heads")  # each ordered by its first column


def reference_rows(tmp_path) -> dict[str, tuple[list[str], list[tuple]]]:
    """Realistic rows at head: the golden cases the engine supports (load_golden: G13-G15 wait for
    issue 13), a void and a re-assignment, through the CLI."""
    from tests.conftest import Cli
    from tests.test_check import load_golden

    path = tmp_path / "reference.db"
    cli = Cli()
    cli.ok(["--db", str(path), "init"])
    load_golden(_WithDb(cli, path))
    cli.ok(["--db", str(path), "record", "contact", "G01", "--date", "2025-02-01", "--note", "phoned"])
    event = cli.ok(["--db", str(path), "record", "contact", "G01", "--date", "2025-02-02"]).split()[3]
    cli.ok(["--db", str(path), "record", "void", "G01", event, "--reason", "duplicate"])
    cli.ok(["--db", str(path), "assign", "G01", "--team", "front-door", "--coordinator", "Sam Patel"])
    out = {}
    with sqlite3.connect(path) as conn:
        for table in DATA_TABLES:
            cursor = conn.execute(f"SELECT * FROM {table} ORDER BY 1")
            out[table] = ([c[0] for c in cursor.description], cursor.fetchall())
    return out


class _WithDb:
    """A Cli that adds --db PATH to every line."""

    def __init__(self, cli, path) -> None:
        self.cli, self.path = cli, path

    def ok(self, args):
        return self.cli.ok(["--db", str(self.path), *args])


def _filler(column) -> object:
    """A value for a NOT NULL column the reference rows do not have (one a later revision dropped)."""
    from datetime import date, datetime

    kind = column["type"].python_type
    return {int: 0, str: "", bool: False, date: date(2000, 1, 1), datetime: datetime(2000, 1, 1)}.get(kind)


def _as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(int(value))
    # SQLAlchemy writes SQLite datetimes with microseconds, sendtrack without: the same instant
    return str(value).replace("T", " ").removesuffix(".000000")


@pytest.mark.parametrize("revision", revisions())
def test_upgrading_a_database_with_rows_from_every_revision(backend, revision, tmp_path):
    """Put realistic rows into a database at `revision` (columns it has), run `sendtrack init`, and
    find every row and value kept, and `sendtrack check` clean."""
    from sqlalchemy import MetaData, Table, insert, inspect, text

    from tests.conftest import Cli

    reference = reference_rows(tmp_path)
    migrate.upgrade(backend.location, revision)
    engine = create_engine(backend.location.sqlalchemy_url())
    try:
        with engine.begin() as connection:
            inspector = inspect(connection)
            for table in DATA_TABLES:
                if not inspector.has_table(table):
                    continue
                columns = {c["name"]: c for c in inspector.get_columns(table)}
                names, rows = reference[table]
                target = Table(table, MetaData(), autoload_with=connection)
                values = []
                for row in rows:
                    given = {n: v for n, v in zip(names, row, strict=True) if n in columns}
                    for name, column in columns.items():
                        if name not in given and not column["nullable"] and column.get("default") is None:
                            given[name] = _filler(column)
                    values.append(_typed(target, given))
                connection.execute(insert(target), values)
                if not backend.is_sqlite and "id" in columns:
                    connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                            f"(SELECT MAX(id) FROM {table}))"))
    finally:
        engine.dispose()

    out = Cli().ok("init")
    expected = "up to date" if revision == HEAD else f"upgraded from schema {revision} to {HEAD}"
    assert expected in out, out

    db = backend.open()
    try:
        for table in DATA_TABLES:
            names, rows = reference[table]
            kept = db.all(f"SELECT {', '.join(names)} FROM {table} ORDER BY 1")
            assert [tuple(map(_as_text, r)) for r in kept] == [tuple(map(_as_text, r)) for r in rows], table
    finally:
        db.close()
    assert "no problems" in Cli().ok("check")
    Cli().ok("record contact G01 --date 2025-02-03")  # and it takes new writes


def _typed(table, values: dict) -> dict:
    """SQLite hands back ISO text; give SQLAlchemy the Python values its column types expect."""
    from datetime import date, datetime

    out = {}
    for name, value in values.items():
        kind = table.c[name].type.python_type
        if isinstance(value, str) and kind is datetime:
            value = datetime.fromisoformat(value)
        elif isinstance(value, str) and kind is date:
            value = date.fromisoformat(value)
        elif isinstance(value, int) and kind is bool:
            value = bool(value)
        out[name] = value
    return out


def test_init_on_each_backend_matches_the_models_and_goes_down_and_up(backend_cli, backend):
    engine = create_engine(backend.location.sqlalchemy_url())
    try:
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []
    finally:
        engine.dispose()
    migrate.downgrade(backend.location, "base")
    backend_cli.fails("cases", code=3)
    assert "created (schema" in backend_cli.ok("init")
    assert "no problems" in backend_cli.ok("check")
