"""`sendtrack sample`'s write (app/sample.py): whole rows of new cases, their events, deadlines and
placements, each case's return values in its own row rather than set by an UPDATE a statement later."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sendtrack.storage import audit, columns
from sendtrack.storage.bulk import INSERT_CASE_RETURNS, loading
from sendtrack.storage.cases import INSERT_DEADLINE
from sendtrack.storage.db import Database
from sendtrack.storage.returns import INSERT_PLACEMENT

#: Python's sqlite3 binds None ~8x slower than a number (~0.28 us against ~0.04 us a value: None is not
#: one of the types it binds directly, so each goes through its adapter look-ups), and a sample's
#: deadline rows hold ~4.8 of them each (known_until, excepted_from, exception_limb nearly always).
#: On SQLite the sample's rows say "no value" with ABSENT, which no column that may be NULL ever holds
#: (dates and words are text), and its INSERT turns it into NULL: the same stored rows.
ABSENT = 0
#: the deadlines' columns that may be NULL (the rest are NOT NULL: a None there is refused as before)
_NULLABLE = ("subject", "completed_on", "excepted_from", "exception_limb", "ended_on", "known_until")
_INSERT_DEADLINE_ABSENT = (
    f"INSERT INTO deadlines ({', '.join(columns.DEADLINES[1:])}) VALUES "
    f"({', '.join(f'NULLIF(?, {ABSENT})' if name in _NULLABLE else '?' for name in columns.DEADLINES[1:])})")
#: events as a sample writes them: without imported_by and imported_at (NULL), so not bound as None
_INSERT_EVENT = columns.insert("events", (*columns.EVENTS[:8], "hash"))
#: Where a cases row (columns.CASES order) holds the values an identity-bearing event's hash covers.
_IDENTITY_AT = tuple(columns.CASES.index(name) for name in audit.IDENTITY)


def absent(db: Database) -> Any:
    """What the sample's rows hold where a deadline has no value: ABSENT on SQLite, None elsewhere."""
    return ABSENT if db.dialect == "sqlite" else None


def insert_sample_rows(db: Database, cases: list[tuple], events: list[tuple], deadlines: list[tuple],
                       placements: list[tuple]) -> None:
    """Case rows with their return values (columns.CASES, then columns.CASE_RETURNS, None where the
    case has none: what `put_return_values` would UPDATE into them a statement later); event rows in
    columns.EVENTS order up to recorded_at, each case's in id order (their hashes chained here, as
    `bulk.insert_events` chains them: the request's over its case row); deadline rows
    (INSERT_DEADLINE's columns, `absent(db)` for no value); placement rows (INSERT_PLACEMENT's)."""
    db.executemany(INSERT_CASE_RETURNS, cases)
    _insert_events(db, events, cases)
    db.executemany(_INSERT_DEADLINE_ABSENT if db.dialect == "sqlite" else INSERT_DEADLINE, deadlines)
    db.executemany(INSERT_PLACEMENT, placements)


def _insert_events(db: Database, events: list[tuple], cases: list[tuple]) -> None:
    """`bulk.insert_events` for a sample's rows: every event's case is among `cases`, written just
    before (so each identity is in its row), and the rows stop before imported_by/imported_at."""
    if not events:
        return
    identities: dict[int, str | tuple] = {row[0]: tuple(row[i] for i in _IDENTITY_AT) for row in cases}
    touched = {row[1] for row in events}
    heads = {row[0]: (row[1], row[2]) for row in db.all(
        "SELECT case_id, event_id, hash FROM audit_heads WHERE case_id BETWEEN ? AND ?",
        (min(touched), max(touched))) if row[0] in touched}
    db.executemany(_INSERT_EVENT, audit.chain(events, identities, heads))
    db.executemany(audit.PUT_HEAD, [(case_id, *heads[case_id]) for case_id in sorted(touched)])


#: SQLite's page cache while the rows go in: they are appended in id order, so a small cache holds the
#: pages being filled; 32 MB costs no more CPU than bulk.loading's 128 MB (30,000 cases' rows inserted
#: both ways, alternated: 3.15-3.27 s either way) and keeps the parent ~100 MB smaller.
LOAD_CACHE_KIB = 32768
#: ... and while the indexes are rebuilt at the end: SQLite's sorter works in runs of the cache's size,
#: and small runs sort in the processor's caches and then merge: the nine indexes of 100,000 cases build
#: in ~3.9 s of CPU with 8 MB against ~5.1 s with 128 MB (alternated, same database). The rebuild is
#: the sample's one long stretch on one core.
INDEX_CACHE_KIB = 8192


@contextmanager
def loading_sample(db: Database, incoming: dict[str, int]) -> Iterator[None]:
    """`bulk.loading` (inside the write) with the page cache sized for the load, then for the rebuild of
    the indexes it dropped."""
    with loading(db, incoming, cache_kib=LOAD_CACHE_KIB):
        yield
        if db.dialect == "sqlite":
            db.execute(f"PRAGMA cache_size = -{INDEX_CACHE_KIB}")


@contextmanager
def references_unchecked(db: Database) -> Iterator[None]:
    """SQLite, around (not inside) the sample's write: foreign keys not checked row by row, then checked
    again for every later statement of the connection. Every row the sample writes refers to a case or
    event of the same write, numbered by it (tests/test_sample.py runs `PRAGMA foreign_key_check` on a
    sample); the check, a lookup of the case for each of ~33 rows a case, is ~7% of the inserts' CPU
    (13,000 cases' rows inserted with and without it, alternated: 1.33-1.43 s against 1.23-1.31 s).
    SQLite ignores the PRAGMA inside a transaction, hence around the write."""
    if db.dialect != "sqlite":
        yield
        return
    db.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        db.execute("PRAGMA foreign_keys = ON")
