"""Shared fixtures: every test gets its own database; nothing can touch a real one.

Tests that take the `backend` (or `backend_cli`) fixture run against SQLite always and against
PostgreSQL too when SENDTRACK_TEST_DATABASE_URL names a server (`.ci/run` starts one): each such test
gets a database of its own there, created for it and dropped after. `pytest -m postgresql` runs only
the PostgreSQL side.
"""

from __future__ import annotations

import json
import os
import shlex
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from typer.testing import CliRunner

from sendtrack.cli.app import app
from sendtrack.cli.common import state
from sendtrack.storage.db import Database, Location, open_database

# The worked cases live in the repository, so a clone with nothing beside it runs them; the spec's own
# copy (../shared/spec beside the repository, where there is one) is kept byte-identical by
# test_golden.test_golden_file_is_the_specs_copy.
GOLDEN = Path(__file__).with_name("data") / "golden-cases.json"
SPEC_GOLDEN = Path(__file__).resolve().parents[2] / "shared" / "spec" / "golden-cases.json"

# Hypothesis profiles. `ci` (chosen when CI is set, as .ci/run sets it) is derandomised: the same examples
# on every run, so CI cannot flip by chance; a failure prints the blob that replays it. `dev` (the
# default elsewhere) draws new examples each run and keeps failures in .hypothesis/ to replay them.
# Neither has a deadline or the too-slow health check: a loaded machine must not fail a test for being
# slow. HYPOTHESIS_PROFILE=ci (or dev) chooses one explicitly. A test's own @settings still win for
# what they name (tests/test_properties.py fixes its max_examples per test).
hypothesis_settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.register_profile("ci", derandomize=True, max_examples=100, database=None, deadline=None,
                                     print_blob=True, suppress_health_check=[HealthCheck.too_slow])
IN_CI = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if IN_CI else "dev"))

# Worked cases the engine does not handle yet, by reference with the reason: their golden tests are
# strict xfails (they fail the day the engine handles them, until the entry goes); the other tests that
# load every case (check, migrations) load only supported_golden_cases(). Issue 13 emptied it.
NOT_YET_SUPPORTED: dict[str, str] = {}


@pytest.fixture(autouse=True)
def private_db(tmp_path, monkeypatch):
    """Point SENDTRACK_DB at tmp_path and reset global CLI state between tests."""
    path = tmp_path / "sendtrack.db"
    monkeypatch.setenv("SENDTRACK_DB", str(path))
    monkeypatch.delenv("SENDTRACK_DATABASE_URL", raising=False)
    monkeypatch.delenv("SENDTRACK_CONFIG", raising=False)
    monkeypatch.setenv("SENDTRACK_USER", "test-user")
    # where a PostgreSQL import stages its rows (the user's data directory): never the real one
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    state.db = state.config = None
    state.debug = False
    return path


class Cli:
    """Runs sendtrack as a user types it; `ok` asserts success, `fails` asserts a refusal."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, line: str | list[str]):
        args = shlex.split(line) if isinstance(line, str) else line
        state.db = state.config = None
        return self.runner.invoke(app, args)

    def ok(self, line: str | list[str]) -> str:
        result = self(line)
        assert result.exit_code == 0, f"{line}\nstdout: {result.stdout}\nstderr: {result.stderr}"
        return result.stdout

    def json(self, line: str):
        return json.loads(self.ok(line))

    def fails(self, line: str | list[str], code: int = 1):
        result = self(line)
        assert result.exit_code == code, f"{line}\nstdout: {result.stdout}\nstderr: {result.stderr}"
        return result


@pytest.fixture
def cli(private_db, templates) -> Cli:
    """The CLI on the test's own SQLite database, initialised (copied from one `sendtrack init`)."""
    return templates.prepare(Backend("sqlite", Location(path=private_db)), "init", lambda runner: None)


def has_command(*names: str) -> bool:
    """Whether `sendtrack NAME` exists: tests of commands another change adds skip until it lands."""
    import typer

    group = typer.main.get_command(app)
    return all(name in group.commands for name in names)  # type: ignore[attr-defined]


def dump(path: Path) -> str:
    """The whole database as SQL text: equal dumps mean nothing was written."""
    with sqlite3.connect(path) as conn:
        return "\n".join(conn.iterdump())


def data_dump(path: Path) -> str:
    """`dump` less the rows of the `checked` table: the cache of the cases `check` found clean, which a
    check records (app/check.py), not data a write made or lost."""
    return "\n".join(line for line in dump(path).splitlines() if not line.startswith('INSERT INTO "checked"'))


def golden_cases() -> list[dict]:
    """Every worked case in tests/data/golden-cases.json, G1-G15."""
    return json.loads(GOLDEN.read_text())["cases"]


def supported_golden_cases() -> list[dict]:
    """The worked cases the engine handles today (issue 13 adds NOT_YET_SUPPORTED's)."""
    return [case for case in golden_cases() if case["request"]["ref"] not in NOT_YET_SUPPORTED]


# --- backends: SQLite always, PostgreSQL when configured --------------------------------------------

PG_URL = os.environ.get("SENDTRACK_TEST_DATABASE_URL")
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=[
        pytest.mark.postgresql,
        pytest.mark.skipif(not PG_URL, reason="set SENDTRACK_TEST_DATABASE_URL to a PostgreSQL server "
                                              "(postgresql+psycopg://...) to run this against it"),
    ]),
]


def _admin_dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@contextmanager
def pg_database(*, create: bool = True) -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the configured server (or only its name, when a template
    copy will create it: CREATE DATABASE costs ~0.5 s); dropped afterwards."""
    import psycopg

    assert PG_URL
    name = f"sendtrack_t_{uuid.uuid4().hex[:12]}"
    base, _, _ = PG_URL.rpartition("/")
    if create:
        with psycopg.connect(_admin_dsn(PG_URL), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(_admin_dsn(PG_URL), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Backend:
    """One test's database on one backend: how to reach it, and a text snapshot of everything in it."""

    name: str
    location: Location
    env: dict[str, str] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.name == "sqlite"

    def open(self, **kwargs) -> Database:
        return open_database(self.location, **kwargs)

    def snapshot(self) -> str:
        """Every row of every table as text: equal snapshots mean nothing was written (PostgreSQL's
        sequences are left out: they advance even in a transaction that rolls back)."""
        if self.is_sqlite:
            return dump(self.location.path)
        db = self.open(check_schema=False)
        try:
            tables = [r[0] for r in db.all("SELECT table_name FROM information_schema.tables WHERE "
                                           "table_schema = current_schema() ORDER BY table_name")]
            lines = []
            for table in tables:
                lines.append(f"-- {table}")
                lines += [repr(row) for row in db.all(f'SELECT * FROM "{table}" ORDER BY 1')]
            return "\n".join(lines)
        finally:
            db.close()

    def execute(self, sql: str, params=()) -> None:
        """Raw SQL outside sendtrack's checks, committed: how tests damage a database on purpose."""
        db = self.open(check_schema=False)
        try:
            if self.is_sqlite:
                db.raw.execute("PRAGMA foreign_keys = OFF")
            with db.write():
                db.execute(sql, params)
        finally:
            db.close()


@pytest.fixture(params=BACKENDS)
def backend(request, private_db, monkeypatch) -> Iterator[Backend]:
    """The test's database, on each configured backend in turn; the CLI's environment points at it."""
    if request.param == "sqlite":
        yield Backend("sqlite", Location(path=private_db), {"SENDTRACK_DB": str(private_db)})
        return
    # a test that copies a template gets its database from the copy
    with pg_database(create="templates" not in request.fixturenames) as url:
        monkeypatch.delenv("SENDTRACK_DB", raising=False)
        monkeypatch.setenv("SENDTRACK_DATABASE_URL", url)
        yield Backend("postgresql", Location(url=url), {"SENDTRACK_DATABASE_URL": url})


@pytest.fixture
def backend_cli(backend, templates) -> Cli:
    """`cli` on every configured backend (the database initialised through `sendtrack init`)."""
    return templates.prepare(backend, "init", lambda runner: None)


class Templates:
    """Databases built once per session through the CLI and copied for each test that wants one:
    `sendtrack init` runs Alembic (~0.3 s), too slow to repeat for every one of hundreds of tests."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.built: dict[tuple[str, str], str] = {}

    def prepare(self, backend: Backend, key: str, build) -> Cli:
        """The test's database as `init` and then `build(cli)` left it; returns the CLI on it."""
        where = self.built.get((backend.name, key))
        if where is None:
            where = self._build(backend, key, build)
            self.built[(backend.name, key)] = where
        if backend.is_sqlite:
            from sendtrack.storage.db import create_private_file

            create_private_file(backend.location.path)
            with sqlite3.connect(where) as source, sqlite3.connect(backend.location.path) as target:
                source.backup(target)
        else:
            import psycopg

            name = backend.location.url.rpartition("/")[2]
            with psycopg.connect(_admin_dsn(PG_URL), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{where}"')
        return Cli()

    def _build(self, backend: Backend, key: str, build) -> str:
        runner = Cli()
        with pytest.MonkeyPatch.context() as env:
            if backend.is_sqlite:
                where = str(self.root / f"{key}.db")
                env.setenv("SENDTRACK_DB", where)
            else:
                import psycopg

                where = f"sendtrack_tpl_{uuid.uuid4().hex[:12]}"
                with psycopg.connect(_admin_dsn(PG_URL), autocommit=True) as admin:
                    admin.execute(f'CREATE DATABASE "{where}"')
                env.delenv("SENDTRACK_DB", raising=False)
                env.setenv("SENDTRACK_DATABASE_URL", f"{PG_URL.rpartition('/')[0]}/{where}")
            runner.ok("init")
            build(runner)
        return where

    def drop(self) -> None:
        if not any(name == "postgresql" for name, _ in self.built):
            return
        import psycopg

        with psycopg.connect(_admin_dsn(PG_URL), autocommit=True) as admin:
            for (name, _), where in self.built.items():
                if name == "postgresql":
                    admin.execute(f'DROP DATABASE IF EXISTS "{where}" WITH (FORCE)')


@pytest.fixture(scope="session")
def templates(tmp_path_factory) -> Iterator[Templates]:
    made = Templates(tmp_path_factory.mktemp("templates"))
    yield made
    made.drop()
