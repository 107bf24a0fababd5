"""`sendtrack sample`'s write (app/sample.py): whole rows of new cases, their events, deadlines and
placements, each case's return values in its own row rather than set by an UPDATE a statement later."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sendtrack.storage import columns
from sendtrack.storage.bulk import insert_events, loading
from sendtrack.storage.cases import INSERT_DEADLINE
from sendtrack.storage.db import Database
from sendtrack.storage.returns import INSERT_PLACEMENT

#: The values of a sample's case row: storage.columns.CASES, then the return values (None where the case
#: has none), as `put_return_values` would UPDATE them into the row (the same stored values).
CASE_COLUMNS = (*columns.CASES, *columns.CASE_RETURNS)
INSERT_CASE = columns.insert("cases", CASE_COLUMNS)


def insert_sample_rows(db: Database, cases: list[tuple], events: list[tuple], deadlines: list[tuple],
                       placements: list[tuple]) -> None:
    """Case rows (CASE_COLUMNS), event rows as `bulk.insert_events` takes them (their hashes chained
    here, the request's over its case row), deadline rows (INSERT_DEADLINE's columns) and placement
    rows (INSERT_PLACEMENT's)."""
    db.executemany(INSERT_CASE, cases)
    insert_events(db, events, cases)  # a case row begins as columns.CASES: where its identity is read
    db.executemany(INSERT_DEADLINE, deadlines)
    db.executemany(INSERT_PLACEMENT, placements)


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
