"""Facts about the database as a whole (the `meta` table): the configuration fingerprint its stored
deadlines were computed with."""

from __future__ import annotations

from sendtrack.storage.db import Database

FINGERPRINT = "config_fingerprint"


def get(db: Database, name: str) -> str | None:
    row = db.one("SELECT value FROM meta WHERE name = ?", (name,))
    return row[0] if row else None


def put(db: Database, name: str, value: str) -> None:
    """Set `name` to `value` (inside the caller's write transaction)."""
    db.execute("INSERT INTO meta (name, value) VALUES (?, ?) "
               "ON CONFLICT (name) DO UPDATE SET value = excluded.value", (name, value))


def stored_fingerprint(db: Database) -> str | None:
    """The fingerprint of the configuration the stored deadlines were computed with (None: no write yet)."""
    return get(db, FINGERPRINT)


def store_fingerprint(db: Database, value: str) -> None:
    put(db, FINGERPRINT, value)
