"""The `checked` table: each case `check` last found clean, with its fingerprint (app/check.py says what
it covers and why a changed case cannot match it)."""

from __future__ import annotations

from collections.abc import Iterable

from sendtrack.storage import columns
from sendtrack.storage.db import Database

TABLE = "checked"
_SELECT = columns.select(TABLE, columns.CHECKED)
_PUT = (f"INSERT INTO {TABLE} ({', '.join(columns.CHECKED)}) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (case_id) DO UPDATE SET fingerprint = excluded.fingerprint, "
        "closed = excluded.closed, allowed = excluded.allowed")


def present(db: Database) -> bool:
    """Whether the table exists (a database not yet upgraded has none: its checks are all full)."""
    return db.table_exists(TABLE)


def recorded(db: Database) -> dict[int, tuple[str, bool, bool]]:
    """case id -> (fingerprint, closed, allowed) as the last check recorded them."""
    return {row[0]: (str(row[1]), bool(row[2]), bool(row[3])) for row in db.stream(_SELECT, (), 10_000)}


def record(db: Database, rows: Iterable[tuple[int, str, bool, bool]]) -> None:
    """Put (case id, fingerprint, closed, allowed) rows (inside the caller's write transaction)."""
    db.executemany(_PUT, rows)


def forget(db: Database, case_id: int) -> None:
    """Drop what a check recorded of one case (inside the caller's write transaction): `erase` does,
    so no fingerprint made from the child's name and date of birth outlives them."""
    if present(db):
        db.execute(f"DELETE FROM {TABLE} WHERE case_id = ?", (case_id,))


def event_rows(db: Database) -> list[tuple]:
    """Every event as the audit chain reads it (storage.audit.CHAIN_EVENTS: case id first), by case,
    date and id: what check reads once for the chains, its own checks and the fingerprints."""
    from sendtrack.storage import audit

    return db.all(audit.CHAIN_EVENTS + audit.CHAIN_ORDER)
