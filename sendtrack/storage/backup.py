"""`sendtrack backup`: an online copy of the SQLite database through SQLite's backup API, mode 0600."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sendtrack.errors import RefusedError
from sendtrack.output.files import OutputRefused, safe_path
from sendtrack.storage.db import Database

#: SQLite's primary result codes, in words (https://sqlite.org/rescode.html).
SQLITE_REASONS = {3: "permission denied", 8: "the file system is read-only", 10: "an input/output error",
                  13: "the disk is full", 14: "the file cannot be opened"}


def backup(db: Database, dest: Path, *, force: bool = False) -> int:
    """Copy the open database to `dest` and return its number of cases.

    The copy is one step of `sqlite3.Connection.backup` (pages=-1) inside SQLite's read lock, so it is
    a consistent snapshot even while other processes write (WAL readers do not block writers). It goes
    through output.files.safe_path: into a 0600 temporary file beside `dest`, checked, switched out of
    WAL so it is one self-contained file, and only then renamed onto `dest`. The destination is refused
    if it is a link, an existing file (without `force`), or the database or one of its -wal, -shm and
    -journal files; an interrupted backup leaves no half file behind.
    """
    if db.dialect != "sqlite":
        raise RefusedError("backup copies a SQLite database; for PostgreSQL use pg_dump, e.g. "
                           "`pg_dump --format=custom --file=sendtrack.dump DBNAME` (restore with pg_restore)")
    from sendtrack.output.progress import progress

    try:
        with safe_path(dest, force=force, database=db.location) as temporary, \
                progress(2, "Copying the database") as bar:
            target = sqlite3.connect(temporary, isolation_level=None)
            try:
                _copy(db, target)
                bar.advance()
                bar.describe("Checking the copy")
                target.execute("PRAGMA journal_mode = DELETE")  # one file: no -wal to copy alongside
                result = target.execute("PRAGMA integrity_check").fetchone()[0]
                bar.advance()
                if result != "ok":
                    raise OutputRefused(f"the copy failed SQLite's integrity check; nothing was written "
                                        f"to {dest}")
                cases = target.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
            finally:
                target.close()
    except sqlite3.Error as exc:
        raise OutputRefused(f"cannot write {dest}: {sqlite_reason(exc)}; nothing was written") from None
    return cases


def _copy(db: Database, target: sqlite3.Connection) -> None:
    """The whole database in one step of the backup API (a test pauses here to kill a backup)."""
    db.raw.backup(target, pages=-1)


def sqlite_reason(exc: sqlite3.Error) -> str:
    """What SQLite's error means, without its message (which never needs to reach a user here)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in SQLITE_REASONS:
        return SQLITE_REASONS[code & 0xFF]
    name = getattr(exc, "sqlite_errorname", None)
    return f"SQLite refused ({name or type(exc).__name__})"
