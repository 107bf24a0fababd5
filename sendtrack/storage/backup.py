"""`sendtrack backup`: an online copy of the SQLite database through SQLite's backup API, mode 0600."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sendtrack.errors import RefusedError
from sendtrack.storage.db import Database


def backup(db: Database, dest: Path, *, force: bool = False) -> int:
    """Copy the open database to `dest` and return its number of cases.

    The copy is one step of `sqlite3.Connection.backup` (pages=-1) inside SQLite's read lock, so it is
    a consistent snapshot even while other processes write (WAL readers do not block writers). It is
    written to a 0600 temporary file beside `dest`, checked, switched out of WAL so it is one
    self-contained file, and only then renamed onto `dest`: an interrupted backup leaves no half file.
    """
    if db.dialect != "sqlite":
        raise RefusedError("backup copies a SQLite database; for PostgreSQL use pg_dump, e.g. "
                           "`pg_dump --format=custom --file=sendtrack.dump DBNAME` (restore with pg_restore)")
    dest = dest.expanduser()
    if dest.is_dir():
        raise RefusedError(f"{dest} is a directory: give the backup file's name")
    if dest.exists() and not force:
        raise RefusedError(f"{dest} already exists: choose another name or give --force to replace it")
    if not dest.parent.is_dir():
        raise RefusedError(f"no directory {dest.parent} to write the backup into")
    source = db.location.path
    if source is not None and dest.resolve() == source.resolve():
        raise RefusedError("the backup cannot replace the database it copies")
    temporary = dest.with_name(f".{dest.name}.{os.getpid()}.partial")
    try:
        fd = os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
        os.close(fd)
        os.chmod(temporary, 0o600)
        target = sqlite3.connect(temporary, isolation_level=None)
        try:
            db.raw.backup(target, pages=-1)
            target.execute("PRAGMA journal_mode = DELETE")  # one file: no -wal to copy alongside
            result = target.execute("PRAGMA integrity_check").fetchone()[0]
            if result != "ok":
                raise RefusedError(f"the copy failed SQLite's integrity check ({result}); {dest} not written")
            cases = target.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
        finally:
            target.close()
        os.replace(temporary, dest)
    except OSError as exc:
        raise RefusedError(f"cannot write {dest}: {exc.strerror or exc}") from None
    finally:
        for leftover in (temporary, Path(f"{temporary}-journal")):
            if leftover.exists():
                leftover.unlink()
    return cases
