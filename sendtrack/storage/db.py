"""Connections: SQLite through the standard library, PostgreSQL through psycopg; one small interface.

The commands use plain SQL through this module rather than SQLAlchemy sessions: importing sqlmodel
costs ~490 ms and SQLAlchemy Core ~240 ms per command on these machines, and an indexed query on the
deadline table answers a council's overdue report in milliseconds. SQL here is written with `?`
placeholders and portable syntax; PostgreSQL gets them rewritten to `%s`.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import struct
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sendtrack.errors import (
    BusyDatabase,
    DamagedDatabase,
    DatabaseError,
    ReadOnlyDatabase,
    SchemaError,
    SendtrackError,
)

BUSY_TIMEOUT_MS = 30_000
#: `PRAGMA quick_check` runs as a command opens a SQLite database no bigger than this (file and -wal):
#: it reads every page, ~8 ms a MB here (0.55-0.68 s on a 13,000-case, 72 MB database), so above it
#: only the header checks run (README "Storage": a damaged database).
QUICK_CHECK_MAX_BYTES = 8 << 20
#: A long writer (import, recompute) keeps the write lock about this long per transaction at most ...
SHARE_HOLD_S = 0.3
#: ... then leaves it free at least this long, and tries for its next turn only this often: a waiting
#: interactive writer tries every 10 ms or sooner (Database._begin), so it goes first.
SHARE_PAUSE_S = 0.05
#: How long a long writer waits for its next turn before giving up as busy.
SHARE_WAIT_S = 600

SQLITE_MAGIC = b"SQLite format 3\x00"
WAL_MAGIC = (0x377F0682, 0x377F0683)

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
    0600 too (tests/test_privacy.py holds it to that). An existing file is looked at first and left
    exactly as it is unless it is a SQLite database (or empty): a text file or a device named by
    mistake is refused, its mode untouched. An existing database loses group and other access, and
    gains nothing (a read-only one stays read-only). A missing folder is made only for the default
    location (`default_path`); a named one (--db, SENDTRACK_DB) must exist: a typo is refused."""
    if not path.parent.exists():
        file = next((p for p in path.parent.parents if p.exists() and not p.is_dir()), None)
        if file is not None:
            raise DatabaseError(f"{path}: {file} is a file, not a folder: nothing was created; check --db")
        # only the default location's folder is made: a mistyped --db must not make folders silently
        if path.absolute() != default_path().absolute():
            import shlex

            raise DatabaseError(f"the folder {path.parent} does not exist: nothing was created; make it "
                                f"first (`mkdir -m 700 {shlex.quote(str(path.parent))}`) or check --db")
        path.parent.mkdir(mode=0o700, parents=True)
        os.chmod(path.parent, 0o700)  # exactly 0700, whatever the umask
    try:
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    except NotADirectoryError:
        raise DatabaseError(f"{path}: {path.parent} is a file, not a folder: nothing was created; "
                            "check --db") from None
    except PermissionError:
        raise  # refused in words where the database is opened (storage.db.refusal)
    except OSError as exc:  # /proc, a read-only file system, a name too long ...
        raise DatabaseError(f"{path} cannot be created here ({exc.strerror or type(exc).__name__}): nothing "
                            "was created; check --db") from None
    else:
        os.close(fd)
        os.chmod(path, 0o600)  # exactly 0600, whatever the umask
        return
    found = os.stat(path)
    if not stat.S_ISREG(found.st_mode):
        raise DatabaseError(f"{path} is not a regular file, so not a SQLite database: nothing was changed")
    if found.st_size and read_header(path)[:16] != SQLITE_MAGIC:
        raise DatabaseError(f"{path} is not a SQLite database (its first bytes say so): nothing was "
                            "changed; name the database file, or a new one, with --db")
    private = stat.S_IMODE(found.st_mode) & 0o700
    if private != stat.S_IMODE(found.st_mode):
        with suppress(PermissionError):  # another user's file: theirs to tighten
            os.chmod(path, private)


def read_header(path: Path, size: int = 100) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(size)


# --- a damaged file, looked at before SQLite opens it ---------------------------------------------------

def _header_problem(path: Path) -> str | None:
    """What is wrong with the database file's header and size, or None (https://sqlite.org/fileformat.html).

    Read before SQLite opens the file: SQLite itself would write to some damaged files (one cut
    short part-way through a page) and silently drop a write-ahead log whose header is damaged,
    with whatever it held."""
    size = path.stat().st_size
    if size == 0:
        return None  # a new, empty database: `init` fills it
    header = read_header(path)
    if header[:16] != SQLITE_MAGIC:
        if not header.strip(b"\x00"):
            return "its header is zeroed"
        return None  # not SQLite at all: SQLite's own "file is not a database" says so
    if len(header) < 100:
        return "the file is cut short inside its header"
    page_size = struct.unpack(">H", header[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return "its header has an impossible page size"
    problem = _wal_problem(path, page_size)
    if problem or _wal_size(path):
        # another process's checkpoint copies pages from a non-empty -wal, growing the file after
        # its header says how many pages there are: its size says nothing until the log is empty
        return problem
    if size % page_size:
        problem = "the file ends part-way through a page (cut short?)"
    pages, change, valid_for = struct.unpack(">I", header[28:32])[0], header[24:28], header[92:96]
    if pages and change == valid_for and pages * page_size > size:
        problem = f"the file is shorter than its header says ({size // page_size} of {pages} pages)"
    if problem and (_wal_size(path) or path.stat().st_size != size):
        return None  # a writer came along while it was read: not a finding
    return problem


def _wal_size(path: Path) -> int:
    try:
        return path.with_name(path.name + "-wal").stat().st_size
    except OSError:
        return 0


def _wal_problem(path: Path, page_size: int) -> str | None:
    """A -wal file holds committed writes not yet copied into the database; SQLite ignores one whose
    header is damaged (https://sqlite.org/walformat.html), so those writes would be lost unseen."""
    wal = path.with_name(path.name + "-wal")
    try:
        with open(wal, "rb") as handle:
            header = handle.read(32)
    except FileNotFoundError:
        return None
    except OSError:
        return None  # unreadable: SQLite says so itself
    if not header:
        return None  # an empty log: nothing in it
    if len(header) < 32:
        return "its write-ahead log (-wal) is cut short inside its header"
    magic, version, wal_page_size = struct.unpack(">III", header[:12])
    if magic not in WAL_MAGIC or version != 3007000:
        return "its write-ahead log (-wal) has a damaged header"
    if wal_page_size != page_size:
        return "its write-ahead log (-wal) is for another page size"
    order = ">" if magic & 1 else "<"
    s0 = s1 = 0
    for x0, x1 in struct.iter_unpack(order + "II", header[:24]):
        s0 = (s0 + x0 + s1) & 0xFFFFFFFF
        s1 = (s1 + x1 + s0) & 0xFFFFFFFF
    if (s0, s1) != struct.unpack(">II", header[24:32]):
        return "its write-ahead log (-wal) has a damaged header"
    return None


def check_file(path: Path) -> None:
    """Refuse a database file SQLite should not be let near: not a regular file, or a damaged header,
    size or write-ahead log (a damaged page inside is PRAGMA quick_check's, or SQLite's own error).

    A checkpoint by another process grows the file after writing the header, so the file's size is
    only judged while its -wal is empty or absent (and a finding is looked at again before it counts)."""
    try:
        found = os.stat(path)
    except OSError as exc:
        raise DatabaseError(f"cannot open {path} as a SQLite database ({exc.strerror})") from None
    if stat.S_ISDIR(found.st_mode):
        raise DatabaseError(f"cannot open {path} as a SQLite database (it is a directory)")
    if not stat.S_ISREG(found.st_mode):
        raise DatabaseError(f"cannot open {path} as a SQLite database (it is not a regular file)")
    try:
        problem = _header_problem(path)
        for _ in range(3):
            if problem is None:
                return
            time.sleep(0.05)
            problem = _header_problem(path)
    except PermissionError:
        raise DatabaseError(f"cannot open {path} as a SQLite database (permission denied)") from None
    if problem:
        raise DamagedDatabase(str(path), problem)


def _writable(path: Path) -> bool:
    """Whether this user may write the database: the file, and its directory (SQLite makes the -wal,
    -shm and -journal files beside it). A file its owner may not write (a backup made read-only:
    README "Backup and restore") is opened read-only by anyone, root too, whom os.access lets write
    anything: opening it writable would turn it to WAL and leave files beside it."""
    try:
        owner_writes = bool(path.stat().st_mode & 0o200)
    except OSError:
        owner_writes = False
    return owner_writes and os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


# --- SQLite's errors in words ---------------------------------------------------------------------------

#: SQLite's primary result codes (https://sqlite.org/rescode.html)
SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_IOERR = 5, 6, 8, 10
SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = 11, 13, 14, 26


def _code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF
    # an error that came back from a worker process has lost its code: its message is SQLite's own
    text = str(exc).lower()
    for words, found in (("malformed", SQLITE_CORRUPT), ("file is not a database", SQLITE_NOTADB),
                         ("disk is full", SQLITE_FULL), ("readonly database", SQLITE_READONLY),
                         ("database is locked", SQLITE_BUSY), ("disk i/o error", SQLITE_IOERR)):
        if words in text:
            return found
    return None


def _disk_full(path: Path | None) -> bool:
    """Whether the file system holding `path` has (nearly) no space left: SQLite reports a full disk
    as an I/O error when it is the -shm file that cannot grow."""
    if path is None:
        return False
    try:
        found = os.statvfs(path.parent)
    except OSError:
        return False
    return found.f_bavail * found.f_frsize < (1 << 20)


def refusal(exc: BaseException, location: Location | None) -> SendtrackError | None:
    """The refusal a SQLite error means, said in words, or None if it is not one of them. SQLite's
    own message is never shown whole: a constraint's message can carry a value."""
    if not isinstance(exc, sqlite3.Error):
        return None
    code = _code(exc)
    where = location.describe() if location is not None else "the database"
    path = location.path if location is not None else None
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB):
        detail = "SQLite: file is not a database" if code == SQLITE_NOTADB else \
            "SQLite: database disk image is malformed"
        return DamagedDatabase(where, detail)
    if code == SQLITE_FULL or (code in (SQLITE_IOERR, SQLITE_CANTOPEN) and _disk_full(path)):
        return DatabaseError(f"the disk is full; nothing was written to {where}: free some space and "
                             "try again")
    if code == SQLITE_READONLY:
        return ReadOnlyDatabase(f"the database is read-only: nothing was written ({where} or its "
                                "directory cannot be written by this user)")
    if code in (SQLITE_BUSY, SQLITE_LOCKED):
        return BusyDatabase(f"the database is busy (another process has held its write lock for "
                             f"{BUSY_TIMEOUT_MS // 1000} s); nothing was written: try again")
    if code == SQLITE_IOERR:
        return DatabaseError(f"an input/output error on {where}; nothing was written: the disk may be "
                             "failing (check it, then `sendtrack check`)")
    if code == SQLITE_CANTOPEN:
        return DatabaseError(f"cannot open {where} (SQLite cannot open the file or the files beside it)")
    return None


def _refused(exc: BaseException, location: Location) -> BaseException:
    return refusal(exc, location) or exc


class Database:
    """One connection with explicit transactions; rows come back as tuples of plain values."""

    def __init__(self, location: Location, raw: Any, dialect: str, *, read_only: bool = False) -> None:
        self.location = location
        self.raw = raw
        self.dialect = dialect
        #: opened read-only (the file or its directory is not writable): every write is refused
        self.read_only = read_only
        #: a long writer waiting its turn (Turns): one try, it waits in turns of its own
        self._polite = False

    def _sql(self, sql: str) -> str:
        # psycopg reads every % as a placeholder: a literal one (LIKE 'A-%') must be doubled
        return sql if self.dialect == "sqlite" else sql.replace("%", "%%").replace("?", "%s")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        cursor = self.raw.cursor()
        cursor.execute(self._sql(sql), tuple(params))
        return cursor

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return [tuple(row) for row in self.execute(sql, params).fetchall()]

    def stream(self, sql: str, params: Sequence[Any] = (), size: int = 500) -> Iterator[tuple]:
        """The rows of a query as they come, `size` at a time: a report never holds them all."""
        cursor = self.execute(sql, params)
        while rows := cursor.fetchmany(size):
            for row in rows:
                yield tuple(row)

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
    def write(self, *, wait: bool = True) -> Iterator[Database]:
        """A write transaction that takes the write lock first (SQLite `BEGIN IMMEDIATE`), so a
        read-then-write never fails half-way with "database is locked"; rolled back on any error.
        SQLite's errors come out as refusals in words: damaged, disk full, read-only, busy.
        `wait=False` (SQLite): refused as busy at once when another process holds the lock, for a
        write that may be left undone (check's record of the cases it found clean)."""
        was, self._polite = self._polite, self._polite or not wait
        try:
            self._begin()
        finally:
            self._polite = was
        try:
            yield self
        except BaseException as exc:
            self._rollback()
            if isinstance(exc, sqlite3.Error):
                raise _refused(exc, self.location) from None
            raise
        else:
            self._commit()

    def refuse_read_only(self) -> None:
        """Refuse a write to a database opened read-only."""
        if self.read_only:
            where = self.location.describe()
            raise ReadOnlyDatabase(f"the database is read-only: nothing was written ({where} or its "
                                   "directory cannot be written by this user)")

    def _begin(self) -> None:
        self.refuse_read_only()
        if self.dialect != "sqlite":
            self.raw.execute("BEGIN")
            # one writer at a time per database, as SQLite gives: case materialisation reads then writes
            # (PostgreSQL queues the lock's waiters in order, so a long writer needs no pause)
            self.raw.execute("SELECT pg_advisory_xact_lock(7217)")
            return
        # not SQLite's busy handler: it retries a writer less often the longer it has waited (every
        # 100 ms after 0.3 s), so writers arriving later take the lock first, again and again; here
        # a writer that has waited longer tries more often, and a long writer least (Turns)
        waited_since, give_up = time.monotonic(), time.monotonic() + BUSY_TIMEOUT_MS / 1000
        self.raw.execute("PRAGMA busy_timeout = 0")
        try:
            while True:
                try:
                    self.raw.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.Error as exc:
                    now = time.monotonic()
                    if _code(exc) not in (SQLITE_BUSY, SQLITE_LOCKED) or now > give_up or self._polite:
                        # busy only after the busy timeout: another process held the lock for 30 s
                        raise _refused(exc, self.location) from None
                    waited = now - waited_since
                time.sleep(0.010 if waited < 0.25 else 0.005 if waited < 1.0 else 0.002)
        finally:
            self.raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    def _commit(self) -> None:
        try:
            self.raw.commit() if self.dialect != "sqlite" else self.raw.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise _refused(exc, self.location) from None

    def _rollback(self) -> None:
        # SQLite may have rolled back by itself (a full disk, an I/O error): nothing is left to undo
        with suppress(sqlite3.Error):
            self.raw.rollback() if self.dialect != "sqlite" else self.raw.execute("ROLLBACK")

    @contextmanager
    def turns(self) -> Iterator[Turns]:
        """Write transactions for a long writer (import, recompute) that shares the lock: its work goes
        in steps (`with turns.step():`), several steps to a transaction while it has held the lock less
        than SHARE_HOLD_S; then it commits and, on SQLite, leaves the lock free SHARE_PAUSE_S before
        waiting for its next turn as the interactive writers do. Whatever was committed stays; a step
        that fails rolls back its transaction's uncommitted steps."""
        turns = Turns(self)
        try:
            yield turns
        except BaseException:
            turns.abandon()
            raise
        else:
            turns.finish()

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


class Turns:
    """The long writer's transactions (Database.turns), each one `Database.write()`, so whatever
    watches writes sees these too."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.current: Any = None  # the open write() context
        self.taken = 0.0
        self.commits = 0

    @property
    def open(self) -> bool:
        return self.current is not None

    def _take(self) -> None:
        """Begin the next transaction. After the first, on SQLite: leave the lock free a while (the
        waiting writers' turn), then try for it only every SHARE_PAUSE_S, less often than any
        interactive writer waiting (Database._begin), so they go first."""
        polite = self.commits and self.db.dialect == "sqlite"
        if not polite:
            self.current = self.db.write()
            self.current.__enter__()
            self.taken = time.monotonic()
            return
        give_up = time.monotonic() + SHARE_WAIT_S
        time.sleep(SHARE_PAUSE_S)
        self.db._polite = True
        try:
            while True:
                attempt = self.db.write()
                try:
                    attempt.__enter__()
                except BusyDatabase:
                    if time.monotonic() > give_up:
                        raise
                    time.sleep(SHARE_PAUSE_S)
                    continue
                self.current, self.taken = attempt, time.monotonic()
                return
        finally:
            self.db._polite = False

    @contextmanager
    def step(self, *, commit: bool = False) -> Iterator[Database]:
        """One step of work inside a write transaction; `commit`: end the transaction after it."""
        if self.current is None:
            self._take()
        try:
            yield self.db
        except BaseException as exc:
            self._end(exc)
            raise  # _end re-raises a database error in words; anything else goes on as it was
        if commit or time.monotonic() - self.taken >= SHARE_HOLD_S:
            self.commit()

    def _end(self, exc: BaseException | None) -> None:
        current, self.current = self.current, None
        if current is None:
            return
        if exc is None:
            current.__exit__(None, None, None)
            self.commits += 1
        else:
            current.__exit__(type(exc), exc, exc.__traceback__)

    def commit(self) -> None:
        self._end(None)

    def abandon(self) -> None:
        if self.current is not None:
            self._end(RuntimeError("abandoned"))

    def finish(self) -> None:
        self.commit()


def connect_sqlite(path: Path, *, create: bool = False, read_only: bool = False) -> sqlite3.Connection:
    """A connection with foreign keys, the busy timeout and WAL. `read_only`: opened with SQLite's
    `mode=ro` (no journal mode is set: that would be a write)."""
    if create:
        create_private_file(path)
    elif not path.exists():
        raise SchemaError(f"no sendtrack database at {path}: run `sendtrack init`")
    raw = None
    try:
        if read_only:
            raw = _connect_read_only(path)
        else:
            raw = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000,
                                  check_same_thread=False)
        raw.execute("PRAGMA foreign_keys = ON")
        raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not read_only:
            raw.execute("PRAGMA journal_mode = WAL")
            # NORMAL is safe with WAL: a power cut may lose the last commits, never corrupt the file
            raw.execute("PRAGMA synchronous = NORMAL")
            # deleted and overwritten content is zeroed, not left in free space: an erased name or
            # date of birth (or one an edit replaced) leaves no trace in the file (SQLite's default
            # depends on how it was built: Debian's is on, others' off)
            raw.execute("PRAGMA secure_delete = ON")
    except sqlite3.DatabaseError as exc:  # a directory, a text file, a damaged header
        if raw is not None:
            raw.close()  # and SQLite removes the -wal and -shm files it made
        found = refusal(exc, Location(path=path))
        if isinstance(found, DamagedDatabase) and _code(exc) != SQLITE_NOTADB:
            raise found from None
        if _code(exc) in (SQLITE_NOTADB, SQLITE_CORRUPT) or found is None:
            raise DatabaseError(f"cannot open {path} as a SQLite database ({exc}): if it is sendtrack's "
                                "database, it is damaged: restore the last backup (README \"Backup "
                                "and restore\")") from None
        raise found from None
    return raw


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection (https://sqlite.org/wal.html#readonly). A WAL database is read through
    its -shm file; where this user can neither open nor make one (a read-only directory) and there
    is no -wal file, the file is read as it stands (`immutable=1`: nothing can be writing it, as no
    -wal exists); with a -wal file (a writer has it open, or left writes in it) it cannot be read."""
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    raw = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000,
                          check_same_thread=False)
    try:
        raw.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return raw
    except sqlite3.OperationalError as exc:
        raw.close()
        if _code(exc) != SQLITE_CANTOPEN:
            raise
    if path.with_name(path.name + "-wal").exists():
        raise DatabaseError(f"cannot read {path}: it is read-only to this user, and its write-ahead log "
                            "(-wal) cannot be read without a -shm file this user may not create; a writer "
                            "may have it open: try again later, or ask its owner to run any sendtrack "
                            "command on it, which folds the log into the file")
    return sqlite3.connect(uri + "&immutable=1", uri=True, isolation_level=None,
                           timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)


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


def open_database(location: Location, *, create: bool = False, check_schema: bool = True,
                  verify: bool = True) -> Database:
    """Open the database; unless `check_schema` is off, refuse one missing or at another schema.

    SQLite: the file is looked at before SQLite opens it (`check_file`); a damaged one is refused. One
    this user may not write is opened read-only: reads work, writes are refused. `verify`: also run
    `PRAGMA quick_check` when it is cheap (up to QUICK_CHECK_MAX_BYTES); `check` turns it off, as
    it looks for damage itself and reports it."""
    if location.is_sqlite:
        path = location.path
        assert path is not None
        if path.exists() or not create:
            if not path.exists():
                raise SchemaError(f"no sendtrack database at {path}: run `sendtrack init`")
            check_file(path)
        read_only = not create and not _writable(path)
        db = Database(location, connect_sqlite(path, create=create, read_only=read_only), "sqlite",
                      read_only=read_only)
    else:
        assert location.url is not None  # a Location is a path or a URL
        db = Database(location, connect_postgres(location.url), "postgresql")
        # psycopg in autocommit: explicit BEGIN/COMMIT in write(); make rollback/commit plain SQL too
        db.raw.rollback = lambda: db.raw.execute("ROLLBACK")
        db.raw.commit = lambda: db.raw.execute("COMMIT")
    try:
        if check_schema:
            require_schema(db)
        if verify and db.dialect == "sqlite":
            quick_check(db)
    except BaseException as exc:
        db.close()
        if isinstance(exc, sqlite3.Error):
            raise _refused(exc, location) from None
        raise
    return db


def newer_than_this(version: str | None) -> bool:
    """Whether schema `version` comes after this sendtrack's (revision ids are ordered numbers)."""
    from sendtrack.storage.version import HEAD

    return bool(version and version.isdigit() and HEAD.isdigit() and int(version) > int(HEAD))


def refuse_newer(db: Database) -> str | None:
    """The database's schema revision; refused (exit 3) if a newer sendtrack wrote it."""
    version = db.schema_version()
    if newer_than_this(version):
        raise SchemaError(f"{db.location.describe()} was written by a newer sendtrack (revision {version}); "
                          "upgrade sendtrack")
    return version


def require_schema(db: Database) -> None:
    from sendtrack.storage.version import HEAD

    version = refuse_newer(db)
    if version != HEAD:
        where = db.location.describe()
        if version is None:
            raise SchemaError(f"{where} is not a sendtrack database yet: run `sendtrack init`")
        raise SchemaError(f"{where} is at schema {version}, this sendtrack needs {HEAD}: "
                          "run `sendtrack init` to upgrade it")


def quick_check(db: Database) -> None:
    """`PRAGMA quick_check` on a SQLite database small enough for it to be cheap; damage refused."""
    path = db.location.path
    assert path is not None
    wal = path.with_name(path.name + "-wal")
    size = path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    if size > QUICK_CHECK_MAX_BYTES:
        return
    found = [row[0] for row in db.raw.execute("PRAGMA quick_check(1)").fetchall()]
    if found != ["ok"]:
        # SQLite's finding names pages, tables and indexes, never a value
        detail = " ".join(str(found[0]).replace("*** in database main ***", "").split())[:100] \
            if found else "no answer"
        raise DamagedDatabase(db.location.describe(), f"PRAGMA quick_check: {detail}")
