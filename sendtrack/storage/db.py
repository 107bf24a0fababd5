"""Connections: SQLite through the standard library, PostgreSQL through psycopg; one small interface.

The commands use plain SQL through this module rather than SQLAlchemy sessions: importing sqlmodel
costs ~490 ms and SQLAlchemy Core ~240 ms per command on these machines, and an indexed query on the
deadline table answers a council's overdue report in milliseconds. SQL here is written with `?`
placeholders and portable syntax; PostgreSQL gets them rewritten to `%s`.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sendtrack.errors import DatabaseError, SchemaError

BUSY_TIMEOUT_MS = 30_000

sqlite3.register_adapter(date, date.isoformat)
sqlite3.register_adapter(datetime, lambda value: value.isoformat(sep=" "))


@dataclass(frozen=True, slots=True)
class Location:
    """Where the database is: a SQLite file, or a server URL."""

    path: Path | None = None
    url: str | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.path is not None

    def sqlalchemy_url(self) -> str:
        return self.url if self.url else f"sqlite:///{self.path}"

    def describe(self) -> str:
        if self.path is not None:
            return str(self.path)
        # never print a password
        url = self.url or ""
        if "@" in url:
            scheme, _, rest = url.partition("://")
            url = f"{scheme}://…@{rest.rpartition('@')[2]}"
        return url


def default_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "sendtrack" / "sendtrack.db"


def locate(db: str | None) -> Location:
    """--db, else SENDTRACK_DB, else SENDTRACK_DATABASE_URL, else the user data directory."""
    if db:
        return Location(url=db) if "://" in db else Location(path=Path(db).expanduser())
    if os.environ.get("SENDTRACK_DB"):
        return Location(path=Path(os.environ["SENDTRACK_DB"]).expanduser())
    if os.environ.get("SENDTRACK_DATABASE_URL"):
        url = os.environ["SENDTRACK_DATABASE_URL"]
        if url.startswith("sqlite:///"):
            return Location(path=Path(url.removeprefix("sqlite:///")))
        return Location(url=url)
    return Location(path=default_path())


def create_private_file(path: Path) -> None:
    """Create the SQLite file owner-only (0600) in an owner-only directory (0700) before SQLite opens it.

    SQLite gives the -wal and -shm files it makes beside it the database file's mode, so they are
    0600 too (tests/test_privacy.py holds it to that)."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)
        os.chmod(path.parent, 0o700)  # exactly 0700, whatever the umask
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
        os.close(fd)
    os.chmod(path, 0o600)


class Database:
    """One connection with explicit transactions; rows come back as tuples of plain values."""

    def __init__(self, location: Location, raw: Any, dialect: str) -> None:
        self.location = location
        self.raw = raw
        self.dialect = dialect

    def _sql(self, sql: str) -> str:
        # psycopg reads every % as a placeholder: a literal one (LIKE 'A-%') must be doubled
        return sql if self.dialect == "sqlite" else sql.replace("%", "%%").replace("?", "%s")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        cursor = self.raw.cursor()
        cursor.execute(self._sql(sql), tuple(params))
        return cursor

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return [tuple(row) for row in self.execute(sql, params).fetchall()]

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        row = self.execute(sql, params).fetchone()
        return tuple(row) if row is not None else None

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.raw.cursor().executemany(self._sql(sql), rows)

    def insert(self, sql: str, params: Sequence[Any]) -> int:
        """Run an INSERT and return the new row's id."""
        if self.dialect == "sqlite":
            return self.execute(sql, params).lastrowid
        return self.execute(sql + " RETURNING id", params).fetchone()[0]

    @contextmanager
    def write(self) -> Iterator[Database]:
        """A write transaction that takes the write lock first (SQLite `BEGIN IMMEDIATE`), so a
        read-then-write never fails half-way with "database is locked"; rolled back on any error."""
        if self.dialect == "sqlite":
            try:
                self.raw.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                # only after the busy timeout: another process has held the write lock for 30 s
                raise DatabaseError(f"the database is busy ({exc}); nothing was written: try again") from None
        else:
            self.raw.execute("BEGIN")
            # one writer at a time per database, as SQLite gives: case materialisation reads then writes
            self.raw.execute("SELECT pg_advisory_xact_lock(7217)")
        try:
            yield self
        except BaseException:
            self.raw.rollback() if self.dialect != "sqlite" else self.raw.execute("ROLLBACK")
            raise
        else:
            self.raw.commit() if self.dialect != "sqlite" else self.raw.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[Database]:
        """A read-only snapshot: every query inside sees the database as of one moment, and writers
        are not held up (SQLite WAL readers never block writers)."""
        if self.dialect == "sqlite":
            self.raw.execute("BEGIN")
        else:
            self.raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            yield self
        finally:
            self.raw.rollback() if self.dialect != "sqlite" else self.raw.execute("ROLLBACK")

    def close(self) -> None:
        self.raw.close()

    def table_exists(self, name: str) -> bool:
        if self.dialect == "sqlite":
            sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        else:
            sql = ("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() "
                   "AND table_name = ?")
        return self.one(sql, (name,)) is not None

    def schema_version(self) -> str | None:
        if not self.table_exists("alembic_version"):
            return None
        row = self.one("SELECT version_num FROM alembic_version")
        return row[0] if row else None


def connect_sqlite(path: Path, *, create: bool = False) -> sqlite3.Connection:
    if create:
        create_private_file(path)
    elif not path.exists():
        raise SchemaError(f"no sendtrack database at {path}: run `sendtrack init`")
    try:
        raw = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000,
                              check_same_thread=False)
        raw.execute("PRAGMA foreign_keys = ON")
        raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        raw.execute("PRAGMA journal_mode = WAL")
        # NORMAL is safe with WAL: a power cut may lose the last commits, never corrupt the file
        raw.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:  # a directory, a text file, a damaged header
        raise DatabaseError(f"cannot open {path} as a SQLite database ({exc})") from None
    return raw


def connect_postgres(url: str) -> Any:
    try:
        import psycopg
    except ImportError:
        raise DatabaseError("PostgreSQL needs psycopg: pip install 'sendtrack[postgres]'") from None
    dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        raw = psycopg.connect(dsn, autocommit=True)
    except psycopg.Error as exc:
        raise DatabaseError(f"cannot connect to the database: {exc.__class__.__name__}") from None
    raw.autocommit = True
    return raw


def open_database(location: Location, *, create: bool = False, check_schema: bool = True) -> Database:
    """Open the database; unless `check_schema` is off, refuse one missing or at an older schema."""
    from sendtrack.storage.version import HEAD

    if location.path is not None:
        db = Database(location, connect_sqlite(location.path, create=create), "sqlite")
    else:
        assert location.url is not None  # a Location is a path or a URL
        db = Database(location, connect_postgres(location.url), "postgresql")
        # psycopg in autocommit: explicit BEGIN/COMMIT in write(); make rollback/commit plain SQL too
        db.raw.rollback = lambda: db.raw.execute("ROLLBACK")
        db.raw.commit = lambda: db.raw.execute("COMMIT")
    if check_schema:
        version = db.schema_version()
        if version != HEAD:
            db.close()
            where = location.describe()
            if version is None:
                raise SchemaError(f"{where} is not a sendtrack database yet: run `sendtrack init`")
            raise SchemaError(f"{where} is at schema {version}, this sendtrack needs {HEAD}: "
                              "run `sendtrack init` to upgrade it")
    return db
