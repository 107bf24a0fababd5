"""Bulk SQL: whole tables in and out with executemany, reads of case-id ranges for worker processes, and
what long writers need to write in chunks: the import's staging file and marker, recompute's mark."""

from __future__ import annotations

import hashlib
import io
import json
import marshal
import os
import pickle
import sqlite3
import tempfile
import zlib
from array import array
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

from sendtrack.storage import audit, columns
from sendtrack.storage.cases import INSERT_DEADLINE, SELECT_IDENTITY
from sendtrack.storage.columns import DEADLINE_FIELDS
from sendtrack.storage.db import Database, Location, connect_sqlite

#: whole rows with their ids (bulk loads number cases and events themselves)
INSERT_CASE = columns.insert("cases", columns.CASES)
#: a case row with its return columns too (columns.CASE_RETURNS): written whole, not updated after
INSERT_CASE_RETURNS = columns.insert("cases", (*columns.CASES, *columns.CASE_RETURNS))
INSERT_EVENT = columns.insert("events", columns.EVENTS)
#: What the rules need of a case, for bulk.to_case.
RULE_CASE = "SELECT id, ref, dob, received, looked_after, alternative_provision, setting FROM cases"

__all__ = ["INSERT_CASE", "INSERT_DEADLINE", "INSERT_EVENT"]

#: Where a cases row (columns.CASES order) holds the values an identity-bearing event's hash covers.
_IDENTITY_AT = tuple(columns.CASES.index(name) for name in audit.IDENTITY)


def next_ids(db: Database) -> tuple[int, int]:
    """The next free case id and event id."""
    case = db.one("SELECT COALESCE(MAX(id), 0) FROM cases")
    event = db.one("SELECT COALESCE(MAX(id), 0) FROM events")
    return (case[0] if case else 0) + 1, (event[0] if event else 0) + 1


def reset_sequences(db: Database) -> None:
    """PostgreSQL: explicit ids were inserted, so move the id sequences past them."""
    if db.dialect == "sqlite":
        return
    # set to the largest id, called (the next is one more), not to one more, uncalled: at an integer
    # column's last id (2**31 - 1) "one more" is out of the sequence's range; an empty table: 1, uncalled
    for table in ("cases", "events", "deadlines"):
        db.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST(top, 1), top > 0) "
                   f"FROM (SELECT COALESCE(MAX(id), 0) AS top FROM {table}) AS highest")


def id_ranges(ids: list[int], size: int) -> list[tuple[int, int]]:
    """Inclusive (first, last) id ranges of about `size` cases each, from the sorted case ids."""
    return [(ids[start], ids[min(start + size, len(ids)) - 1]) for start in range(0, len(ids), size)]


def _chained(db: Database, lo: int, hi: int) -> list[tuple]:
    return db.all(f"{audit.CHAIN_EVENTS} WHERE case_id BETWEEN ? AND ?{audit.CHAIN_ORDER}", (lo, hi))


def chain_digest(db: Database, lo: int, hi: int, chained: list[tuple]) -> int | None:
    """Everything audit.find_breaks reads of the cases with ids in [lo, hi] (their identity, chain
    heads and `chained`, their events), as one number: the same number, read again later, means the
    same verdict, without hashing every event again (~0.03 ms a case; this is ~0.004 ms).

    BLAKE2b over the values as marshal's version 2 writes them: each value with its type, whole (1,
    1.0, '1', b'1' and 2**61 + 1 all differ) and with no back-references, so equal rows give equal
    bytes and different rows different bytes. Python's own hash of the rows, used before, was keyed
    only for text: an integer column raised by 2**61 - 1 (a void's target, a case's flag) read the
    same, so a chain altered between the passes could be made to pass (a breaker's finding); repr
    instead of marshal cost 8% of recompute's CPU with every case changed, this 4-6% (6-8% with
    update_case_deadlines' per-case digest, the same function since). None on
    PostgreSQL, whose values (dates) are not worth the care: there the chains are verified again
    every time."""
    if db.dialect != "sqlite":
        return None
    cases = db.all(f"{audit.CHAIN_CASES} WHERE id BETWEEN ? AND ? ORDER BY id", (lo, hi))
    heads = db.all(f"{audit.HEADS} WHERE case_id BETWEEN ? AND ? ORDER BY case_id", (lo, hi))
    return rows_digest((cases, heads, chained))


def rows_digest(rows) -> int:
    """Rows read from the database as one number that only the same rows give (chain_digest says how),
    whichever process works it out."""
    try:
        data = marshal.dumps(rows, 2)
    except ValueError:  # a value marshal does not write: spelt out by repr (slower, as exact)
        data = repr(rows).encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(data, digest_size=16).digest(), "big")


def verify_range(db: Database, lo: int, hi: int) -> tuple[list[audit.Break], int | None]:
    """The first broken link of each chain of event hashes of the cases with ids in [lo, hi], and
    their chain_digest (for fetch_range: `verified`)."""
    chained = _chained(db, lo, hi)
    return audit.find_breaks(db, lo, hi, chained), chain_digest(db, lo, hi, chained)


def fetch_range(db: Database, lo: int, hi: int, verified: int | None = None,
                ) -> tuple[list, list, list, list[audit.Break]]:
    """Cases with ids in [lo, hi], their events in (date, id) order, their stored deadlines in order
    (id, case_id, *DEADLINE_FIELDS),
    and the first broken link of each of their chains of event hashes (storage/audit.py): none when
    what the chains are verified from is as it was when verify_range gave the digest `verified`."""
    cases = db.all(f"{RULE_CASE} WHERE id BETWEEN ? AND ? ORDER BY id", (lo, hi))
    # one read of the events for the rules and the audit: (case_id, id, kind, date, details, voids) are
    # the first six columns of audit.CHAIN_EVENTS
    chained = _chained(db, lo, hi)
    if verified is not None and chain_digest(db, lo, hi, chained) == verified:
        broken: list[audit.Break] = []
    else:
        broken = audit.find_breaks(db, lo, hi, chained)
    events = [row[:6] for row in chained]
    deadlines = db.all(f"SELECT id, case_id, {', '.join(DEADLINE_FIELDS)} FROM deadlines "
                       "WHERE case_id BETWEEN ? AND ? ORDER BY case_id, id", (lo, hi))
    if db.dialect != "sqlite":  # psycopg gives dates: compare them as the ISO text SQLite keeps
        cases = [tuple(_text(v) for v in r) for r in cases]
        events = [tuple(_text(v) for v in r) for r in events]
        deadlines = [tuple(_text(v) for v in r) for r in deadlines]
    return cases, events, deadlines, broken


def _text(value):
    from datetime import date

    return value.isoformat() if isinstance(value, date) else value


class RangeReader:
    """A worker's own read-only connection to the SQLite file, opened on first use."""

    def __init__(self, location: Location) -> None:
        self.location = location
        self.db: Database | None = None

    def _open(self) -> Database:
        if self.db is None:
            assert self.location.path is not None
            self.db = Database(self.location, connect_sqlite(self.location.path), "sqlite")
        return self.db

    def __call__(self, lo: int, hi: int, verified: int | None = None,
                 ) -> tuple[list, list, list, list[audit.Break]]:
        db = self._open()
        with db.read():  # one snapshot: the parent commits in chunks while workers read
            return fetch_range(db, lo, hi, verified)

    def breaks(self, lo: int, hi: int) -> tuple[list[audit.Break], int | None]:
        """verify_range, from one snapshot."""
        db = self._open()
        with db.read():
            return verify_range(db, lo, hi)


def replace_case_deadlines(db: Database, changed: list[tuple[int, list[tuple]]]) -> None:
    """The deadline rows of these cases become exactly the given rows."""
    db.executemany("DELETE FROM deadlines WHERE case_id = ?", [(case_id,) for case_id, _ in changed])
    db.executemany(INSERT_DEADLINE, [row for _, rows in changed for row in rows])


#: One stored deadline row rewritten in place, by id.
UPDATE_DEADLINE = ("UPDATE deadlines SET " + ", ".join(f'"{name}" = ?' for name in DEADLINE_FIELDS)
                   + " WHERE id = ?")


def rewrite_case_deadlines(db: Database, changed: list[tuple[int, list[tuple]]]) -> int:
    """The deadline rows of these cases become exactly the given rows (case_id, *DEADLINE_FIELDS), in
    this order, as replace_case_deadlines leaves them, writing only what differs: the cases' rows are
    read again here, inside the caller's write transaction (so what is compared is what is stored
    now, whatever was read before), and a case holding as many rows as it is given has only its
    differing rows updated in place, by position (ids, and so the rows' order, kept); any other case
    is deleted and written again. Returns how many rows were written.

    Deleting and inserting every row of a case was most of a recompute's write: a changed setting
    (contact_weeks) alters ~3 of a case's ~19 rows, and every insert and delete also moves an entry
    in each of the table's three indexes."""
    if not changed:
        return 0
    stored: dict[int, list[tuple]] = {}
    fields = ", ".join(DEADLINE_FIELDS)
    for lo, hi in runs(sorted(case_id for case_id, _ in changed)):
        for row in db.all(f"SELECT id, case_id, {fields} FROM deadlines WHERE case_id BETWEEN ? AND ? "
                          "ORDER BY case_id, id", (lo, hi)):
            stored.setdefault(row[1], []).append(row)
    if db.dialect != "sqlite":  # psycopg gives dates: compare them as the ISO text SQLite keeps
        stored = {k: [tuple(_text(v) for v in r) for r in rows] for k, rows in stored.items()}
    updates: list[tuple] = []
    whole: list[tuple[int, list[tuple]]] = []
    for case_id, rows in changed:
        old = stored.get(case_id, [])
        if len(old) != len(rows):
            whole.append((case_id, rows))
            continue
        updates.extend((*new[1:], was[0]) for was, new in zip(old, rows, strict=True) if was[1:] != new)
    if whole:
        replace_case_deadlines(db, whole)
    if updates:
        db.executemany(UPDATE_DEADLINE, updates)
    return len(updates) + sum(len(rows) for _, rows in whole)


def _stored_deadlines(db: Database, case_ids: list[int]) -> dict[int, list[tuple]]:
    """These cases' deadline rows (id, case_id, *DEADLINE_FIELDS) in id order, by case, as fetch_range
    reads them (dates as ISO text)."""
    stored: dict[int, list[tuple]] = {}
    fields = ", ".join(DEADLINE_FIELDS)
    for lo, hi in runs(sorted(case_ids)):
        for row in db.all(f"SELECT id, case_id, {fields} FROM deadlines WHERE case_id BETWEEN ? AND ? "
                          "ORDER BY case_id, id", (lo, hi)):
            stored.setdefault(row[1], []).append(row)
    if db.dialect != "sqlite":  # psycopg gives dates: compare them as the ISO text SQLite keeps
        stored = {k: [tuple(_text(v) for v in r) for r in rows] for k, rows in stored.items()}
    return stored


def update_case_deadlines(db: Database, changed: list[tuple[int, list[tuple] | tuple[int, list]]],
                          ) -> set[int]:
    """Write recompute's changes, each a case's new rows (case_id, *DEADLINE_FIELDS), all of them
    (written as replace_case_deadlines does), or (a digest of the case's stored rows as they were
    read, [(deadline id, new row)] of its rows that differ). The second are read again here, inside
    the caller's write transaction: a case whose rows no longer give the digest (rewritten since
    they were read: another recompute) is not written, and returned, to be computed again.

    The digest is rows_digest of the rows as fetch_range gives them (a list of tuples), the same in
    every process."""
    whole = [(case_id, write) for case_id, write in changed if isinstance(write, list)]
    parts = [(case_id, write) for case_id, write in changed if not isinstance(write, list)]
    stale: set[int] = set()
    updates: list[tuple] = []
    if parts:
        stored = _stored_deadlines(db, [case_id for case_id, _ in parts])
        for case_id, (digest, rows) in parts:
            if rows_digest(stored.get(case_id, [])) != digest:
                stale.add(case_id)
                continue
            updates.extend((*row[1:], deadline) for deadline, row in rows)
    if whole:
        replace_case_deadlines(db, whole)
    if updates:
        db.executemany(UPDATE_DEADLINE, updates)
    return stale


def runs(ids: list[int]) -> list[tuple[int, int]]:
    """Inclusive ranges of consecutive ids, from sorted ids."""
    runs: list[tuple[int, int]] = []
    for case_id in ids:
        if runs and case_id == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], case_id)
        else:
            runs.append((case_id, case_id))
    return runs


@contextmanager
def loading(db: Database, incoming: dict[str, int], *, cache_kib: int | None = None) -> Iterator[None]:
    """Inside a write transaction, before loading `incoming` rows per table: on SQLite, a bigger page
    cache, and a table's indexes dropped and rebuilt afterwards (same SQL, same transaction) when more
    rows are coming than it holds: building an index once from sorted rows is ~2x quicker than
    updating it row by row."""
    if db.dialect != "sqlite":
        yield
        return
    db.execute(f"PRAGMA cache_size = -{CACHE_KIB if cache_kib is None else cache_kib}")
    rebuild: list[str] = []
    for table, count in incoming.items():
        held = db.one(f"SELECT COUNT(*) FROM {table}")
        if held is not None and count > held[0]:
            rebuild += drop_indexes(db, table)
    yield
    for sql in rebuild:
        db.execute(sql)


CACHE_KIB = 131072
#: The page cache of an import's write (in steps of a few hundred cases, each touching a few pages of
#: each index): 32 MB took the peak of a council import from 240 MB to 159 MB and of a 50,000-case one
#: from 291 MB to 183 MB, for no more CPU (13.24 s against 13.29 s, 57.98 s against 57.45 s, same run).
IMPORT_CACHE_KIB = 32768


def drop_indexes(db: Database, table: str, *, keep: Collection[str] = ()) -> list[str]:
    """SQLite, inside a write transaction: drop a table's indexes (but `keep`); returns the SQL that
    re-creates them exactly, to run before the transaction commits."""
    dropped = []
    for name, sql in db.all("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                            "AND sql IS NOT NULL", (table,)):
        if name not in keep:
            db.execute(f'DROP INDEX "{name}"')
            dropped.append(sql)
    return dropped


def recreate_indexes(db: Database, statements: list[str]) -> None:
    """Run what `drop_indexes` returned, before the transaction commits."""
    for sql in statements:
        db.execute(sql)


def recreate_missing_indexes(db: Database, statements: list[str]) -> None:
    """SQLite: run those of `drop_indexes`' statements whose index is not there (one of the same name
    that is, is left as it is)."""
    if not statements or db.dialect != "sqlite":
        return
    present = {row[0] for row in db.all("SELECT name FROM sqlite_master WHERE type = 'index'")}
    recreate_indexes(db, [sql for sql in statements if _index_name(sql) not in present])


def _index_name(sql: str) -> str:
    """The name in `CREATE [UNIQUE] INDEX name ON ...` (as sqlite_master keeps it)."""
    words = sql.split()
    return words[words.index("INDEX") + 1].strip('"')


def holds_deadlines(db: Database) -> bool:
    """Whether the deadlines table holds any row."""
    return db.one("SELECT 1 FROM deadlines LIMIT 1") is not None


def case_ids(db: Database) -> array[int]:
    """Every case id, in order: 8 bytes a case (a list of ints would be 36, 23 MB at England), read a
    batch at a time."""
    ids: array[int] = array("q")
    cursor = db.execute("SELECT id FROM cases ORDER BY id")
    while rows := cursor.fetchmany(10_000):
        ids.extend(row[0] for row in rows)
    return ids


def ref_in_range(db: Database, first: str, last: str) -> str | None:
    """A stored reference between `first` and `last` (inclusive), if any."""
    row = db.one("SELECT ref FROM cases WHERE ref BETWEEN ? AND ?", (first, last))
    return row[0] if row else None


def existing_refs(db: Database, refs: list[str]) -> set[str]:
    """Those of `refs` already taken by a stored case."""
    found: set[str] = set()
    for start in range(0, len(refs), 500):
        part = refs[start:start + 500]
        rows = db.all(f"SELECT ref FROM cases WHERE ref IN ({', '.join('?' * len(part))})", part)
        found.update(r[0] for r in rows)
    return found


def insert_rows(db: Database, *, cases: list[tuple] = (), events: list[tuple] = (),  # type: ignore[assignment]
                deadlines: list[tuple] = ()) -> None:  # type: ignore[assignment]
    """Whole rows with their ids, in the column order of storage.columns; events without their hash,
    which `insert_events` adds. Case rows may carry their return columns after columns.CASES (all of
    columns.CASE_RETURNS, None where unknown)."""
    if cases:
        db.executemany(INSERT_CASE if len(cases[0]) == len(columns.CASES) else INSERT_CASE_RETURNS, cases)
    if events:
        insert_events(db, events, cases)
    if deadlines:
        db.executemany(INSERT_DEADLINE, deadlines)


def insert_events(db: Database, events: list[tuple], cases: list[tuple] = ()) -> None:  # type: ignore[assignment]
    """Event rows with their ids, in columns.EVENTS order without the hash (imported_by and
    imported_at may be left off: NULL), each case's rows in id
    order: each gets its hash chained to its case's head (storage/audit.py), and the heads move on.
    `cases` are the rows (columns.CASES order) just written for these events, if any: a request's hash
    covers its case's values; other cases' values are read from the database."""
    if not events:
        return
    # the case's values; audit.chain finds each identity-bearing event's (an edit undone before it)
    identities: dict[int, str | tuple] = {row[0]: tuple(row[i] for i in _IDENTITY_AT) for row in cases}
    touched = {row[1] for row in events}
    for case_id in {row[1] for row in events if row[2] in audit.IDENTITY_KINDS} - identities.keys():
        found = db.one(SELECT_IDENTITY, (case_id,))
        if found is not None:
            identities[case_id] = tuple(found)
    lo, hi = min(touched), max(touched)
    heads = {row[0]: (row[1], row[2]) for row in db.all(
        "SELECT case_id, event_id, hash FROM audit_heads WHERE case_id BETWEEN ? AND ?", (lo, hi))
        if row[0] in touched}
    # rows without imported_by/imported_at (a sample's) get NULL for both: written by sendtrack itself
    width = len(columns.EVENTS) - 1
    # a list: chain reads the rows twice (the edited cases first)
    db.executemany(INSERT_EVENT, audit.chain([row if len(row) == width else (*row, None, None)
                                              for row in events], identities, heads))
    db.executemany(audit.PUT_HEAD, [(case_id, *heads[case_id]) for case_id in sorted(touched)])


# --- recompute in chunks: what was written since it began ---------------------------------------------

def last_event_id(db: Database) -> int:
    row = db.one("SELECT COALESCE(MAX(id), 0) FROM events")
    return row[0] if row else 0


def cases_up_to(db: Database, case_id: int) -> int:
    """How many cases have ids up to `case_id`."""
    row = db.one("SELECT COUNT(*) FROM cases WHERE id <= ?", (case_id,))
    return row[0] if row else 0


def case_extent(db: Database) -> tuple[int, int]:
    """(the highest case id, how many cases)."""
    row = db.one("SELECT COALESCE(MAX(id), 0), COUNT(*) FROM cases")
    return (row[0], row[1]) if row else (0, 0)


def cases_written_since(db: Database, mark: int) -> set[int]:
    """Cases with an event after event `mark` (events are append-only and numbered upwards, so these
    are exactly the cases written since `mark` was read)."""
    # not SELECT DISTINCT: SQLite answers that by scanning the whole (case_id, date) index (8 ms at
    # 13,000 cases, run once per step of a recompute); this is a range of the primary key, ~nothing
    return {row[0] for row in db.all("SELECT case_id FROM events WHERE id > ?", (mark,))}


# --- import in chunks: the staging file and the marker ---------------------------------------------------

#: meta row naming an import being written (or stopped part-way): JSON, see app/exchange.py
IMPORT_MARKER = "import_batch"


def import_marker(db: Database) -> dict | None:
    from sendtrack.storage import meta

    value = meta.get(db, IMPORT_MARKER)
    return json.loads(value) if value else None


def put_import_marker(db: Database, marker: dict) -> None:
    from sendtrack.storage import meta

    meta.put(db, IMPORT_MARKER, json.dumps(marker, sort_keys=True))


def clear_import_marker(db: Database) -> None:
    db.execute("DELETE FROM meta WHERE name = ?", (IMPORT_MARKER,))


class _Rows(pickle.Unpickler):
    """Unpickles rows of plain values and dates only: a staging file is never a way to run code."""

    def find_class(self, module: str, name: str):
        if module == "datetime" and name in ("date", "datetime"):
            return {"date": date, "datetime": datetime}[name]
        raise pickle.UnpicklingError(f"{module}.{name} is not a row value")


#: The first byte of a chunk packed with marshal (a zlib stream, as `pack` wrote before, starts 0x78).
_MARSHALLED = b"M"


def pack(rows) -> bytes:
    """Rows as a staging file keeps them, compressed: rows of plain values (None, bool, int, float,
    str, bytes, and tuples, lists and dicts of them) marshalled, ~2x quicker to write than a pickle and
    as quick to read (an import stages its dates as ISO text, so every chunk is plain); rows holding
    anything else (a date) pickled, as every chunk was before."""
    try:
        return _MARSHALLED + zlib.compress(marshal.dumps(rows), 1)
    except ValueError:  # marshal writes plain values only
        return zlib.compress(pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL), 1)


def unpack(blob: bytes):
    """What `pack` packed. Nothing but plain values is read back: marshal builds values without
    looking up any class or running any code; a pickled chunk (an older sendtrack's, or rows holding
    dates) may hold dates and no other class (_Rows)."""
    if blob[:1] == _MARSHALLED:
        return marshal.loads(zlib.decompress(memoryview(blob)[1:]))
    return _Rows(io.BytesIO(zlib.decompress(blob))).load()


class Staging:
    """An import's checked rows, kept outside the database until they are written into it: a private
    SQLite file (0600, beside the database) holding a chunk of whole cases a row (their case, event
    and deadline rows, as insert_rows takes them, `pack`ed), in case-id order.

    Written with no journal and no syncing while the import checks its file (a crash then leaves
    only a stray file, removed by the next import), then `seal`ed (synced) before any of it is
    written into the database, so an import stopped part-way can be finished from it."""

    def __init__(self, path: Path, raw: sqlite3.Connection) -> None:
        self.path, self.raw = path, raw
        #: the deadline rows in a column of their own (packed by the workers), not in `rows`
        self.separate = any(row[1] == "deadlines" for row in raw.execute("PRAGMA table_info(chunks)"))

    @classmethod
    def create(cls, directory: Path, name: str) -> Staging:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        # the creator's process id in the name: a stray file (its import killed before it wrote
        # anything) is swept by the next import once that process is gone (sweep_staging)
        fd, where = tempfile.mkstemp(dir=directory, prefix=f".{name}.import-{os.getpid()}-",
                                     suffix=".staging")
        os.close(fd)  # mkstemp made it 0600
        raw = sqlite3.connect(where, isolation_level=None)
        raw.execute("PRAGMA journal_mode = OFF")
        raw.execute("PRAGMA synchronous = OFF")
        raw.execute("CREATE TABLE chunks (n INTEGER PRIMARY KEY, lo INTEGER NOT NULL, hi INTEGER NOT NULL, "
                    "cases INTEGER NOT NULL, rows BLOB NOT NULL, deadlines BLOB NOT NULL)")
        raw.execute("CREATE TABLE about (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
        raw.execute("CREATE TABLE refs (ref TEXT NOT NULL)")
        return cls(Path(where), raw)

    @classmethod
    def open(cls, path: Path) -> Staging | None:
        """The staging file an import stopped part-way left, or None if it is gone or unreadable."""
        if not path.is_file():
            return None
        try:
            raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
            raw.execute("SELECT COUNT(*) FROM chunks").fetchone()
        except sqlite3.Error:
            return None
        return cls(path, raw)

    def add(self, cases: list[tuple], events: list[tuple], deadlines: list[tuple] = (),  # type: ignore[assignment]
            *, packed: bytes | None = None) -> None:
        """Rows of whole cases (cases in id order; events and deadlines start with the case id); the
        deadline rows may come `pack`ed instead (by a worker process)."""
        if not cases:
            return
        self.raw.execute("INSERT INTO chunks (lo, hi, cases, rows, deadlines) VALUES (?, ?, ?, ?, ?)",
                         (cases[0][0], cases[-1][0], len(cases), pack((cases, events, [])),
                          packed if packed is not None else pack(deadlines)))
        self.raw.executemany("INSERT INTO refs (ref) VALUES (?)", [(c[1],) for c in cases])

    def refs(self, size: int = 500) -> Iterator[list[str]]:
        """The staged cases' references, `size` at a time."""
        cursor = self.raw.execute("SELECT ref FROM refs")
        while part := cursor.fetchmany(size):
            yield [r[0] for r in part]

    def note(self, **values) -> None:
        self.raw.executemany("INSERT OR REPLACE INTO about (name, value) VALUES (?, ?)",
                             [(k, json.dumps(v)) for k, v in values.items()])

    def about(self) -> dict:
        return {k: json.loads(v) for k, v in self.raw.execute("SELECT name, value FROM about")}

    def chunks(self) -> list[tuple[int, int, int, int]]:
        """(n, first case id, last case id, cases) of every chunk, in case-id order."""
        return [tuple(r) for r in self.raw.execute("SELECT n, lo, hi, cases FROM chunks ORDER BY n")]

    def rows(self, n: int) -> tuple[list[tuple], list[tuple], list[tuple]]:
        if not self.separate:  # a file staged before the deadline rows had a column of their own
            blob = self.raw.execute("SELECT rows FROM chunks WHERE n = ?", (n,)).fetchone()[0]
            return unpack(blob)
        blob, deadlines = self.raw.execute("SELECT rows, deadlines FROM chunks WHERE n = ?", (n,)).fetchone()
        cases, events, _ = unpack(blob)
        return cases, events, unpack(deadlines)

    def seal(self) -> None:
        """Make the staged rows durable before the database is written from them."""
        with open(self.path, "rb+") as handle:
            os.fsync(handle.fileno())

    def remove(self) -> None:
        self.raw.close()
        self.path.unlink(missing_ok=True)

    def close(self) -> None:
        self.raw.close()


def sweep_staging(directory: Path, name: str, *, keep: str | None) -> list[Path]:
    """Remove staging files of imports killed before writing anything into the database: those whose
    process is gone and that no marker names (`keep`). A live process's file is never touched, even
    one whose number was reused (it stays until that process ends too)."""
    removed = []
    # the marker names the file by mkstemp's absolute path, the glob by `directory` as given (relative
    # under a relative --db): compare them resolved, or the marked file of a stopped import is swept
    kept = Path(keep).resolve() if keep is not None else None
    for path in directory.glob(f".{name}.import-*.staging"):
        pid = path.name[len(f".{name}.import-"):].split("-", 1)[0]
        if path.resolve() == kept or not pid.isdigit() or _running(int(pid)):
            continue
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def _running(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
