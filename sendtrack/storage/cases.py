"""Cases, events and materialised deadlines: rows in and out, converted to and from domain values."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sendtrack.domain import Case, Deadline, Event
from sendtrack.errors import RefusedError
from sendtrack.storage import audit, columns
from sendtrack.storage.db import Database
from sendtrack.storage.values import as_date

#: The columns a StoredCase is read from (every case column but created_at, which only export reads).
CASE_COLUMNS = columns.CASES[:-1]
SELECT_CASE = columns.select("cases", CASE_COLUMNS)
SELECT_EVENT = columns.select("events", columns.EVENTS)
#: a new case, numbered by the database (storage.bulk inserts with ids of its own)
INSERT_NEW_CASE = columns.insert("cases", columns.CASES[1:])
#: an event with its id: the id is part of its hash, so it is chosen before the row is written
INSERT_EVENT = columns.insert("events", columns.EVENTS)
#: The case values an identity-bearing event's hash covers (storage/audit.py).
SELECT_IDENTITY = f"SELECT {', '.join(audit.IDENTITY)} FROM cases WHERE id = ?"
INSERT_DEADLINE = columns.insert("deadlines", columns.DEADLINES[1:])


@dataclass(frozen=True, slots=True)
class StoredCase:
    id: int
    ref: str
    name: str
    dob: date
    received: date
    source: str
    team: str
    coordinator: str | None
    looked_after: bool
    alternative_provision: bool
    setting: str | None

    @staticmethod
    def from_row(row: tuple) -> StoredCase:
        """From a row of CASE_COLUMNS, by name."""
        v = dict(zip(CASE_COLUMNS, row, strict=True))
        return StoredCase(**{**v, "dob": as_date(v["dob"]), "received": as_date(v["received"]),
                             "looked_after": bool(v["looked_after"]),
                             "alternative_provision": bool(v["alternative_provision"])})


@dataclass(frozen=True, slots=True)
class StoredEvent:
    id: int
    case_id: int
    kind: str
    date: date
    details: dict
    voids: int | None
    recorded_by: str
    recorded_at: str
    imported_by: str | None
    imported_at: str | None
    hash: str | None

    @staticmethod
    def from_row(row: tuple) -> StoredEvent:
        """From a row of columns.EVENTS, by name."""
        v = dict(zip(columns.EVENTS, row, strict=True))
        return StoredEvent(**{**v, "date": as_date(v["date"]), "details": json.loads(v["details"] or "{}"),
                              "recorded_at": _stamp(v["recorded_at"]),
                              "imported_at": None if v["imported_at"] is None else _stamp(v["imported_at"])})

    def to_event(self) -> Event:
        return Event.make(self.id, self.kind, self.date, **self.details)


def _stamp(value) -> str:
    return value.isoformat(sep=" ") if isinstance(value, datetime) else str(value)


def find_case(db: Database, ref: str) -> StoredCase:
    row = db.one(f"{SELECT_CASE} WHERE ref = ?", (ref,))
    if row is None:
        near = db.one("SELECT ref FROM cases WHERE UPPER(ref) = UPPER(?)", (ref,))
        hint = f" (did you mean {near[0]}?)" if near else ""
        raise RefusedError(f"unknown case {ref!r}{hint}")
    return StoredCase.from_row(row)


def ref_taken(db: Database, ref: str) -> bool:
    return db.one("SELECT 1 FROM cases WHERE ref = ?", (ref,)) is not None


def next_ref(db: Database, prefix: str = "SEN") -> str:
    """The next free generated reference: SEN-000001, SEN-000002, ..."""
    row = db.one("SELECT COALESCE(MAX(id), 0) FROM cases")
    number = (row[0] if row else 0) + 1
    while ref_taken(db, f"{prefix}-{number:06d}"):
        number += 1
    return f"{prefix}-{number:06d}"


def set_holder(db: Database, case_id: int, *, team: str, coordinator: str | None) -> None:
    """Who holds the case now (the move itself is kept as an `assign` event by the caller)."""
    db.execute("UPDATE cases SET team = ?, coordinator = ? WHERE id = ?", (team, coordinator, case_id))


def set_case_values(db: Database, case_id: int, values: dict[str, Any]) -> None:
    """Correct the case's own values (the caller records the `edit` event with old and new)."""
    unknown = [k for k in values if k not in columns.CASES or k in ("id", "ref", "created_at")]
    assert not unknown, unknown
    assignments = ", ".join(f"{k} = ?" for k in values)
    db.execute(f"UPDATE cases SET {assignments} WHERE id = ?", (*values.values(), case_id))


def cases_born(db: Database, dob: date) -> list[StoredCase]:
    """The cases of children born on `dob` (the duplicate-child check compares their names)."""
    return [StoredCase.from_row(r) for r in db.all(f"{SELECT_CASE} WHERE dob = ? ORDER BY id", (dob,))]


def cases_with_upn(db: Database, upn: str) -> list[StoredCase]:
    """The cases holding this UPN (the duplicate-child check: a UPN is one child's for life)."""
    return [StoredCase.from_row(r) for r in db.all(f"{SELECT_CASE} WHERE upn = ? ORDER BY id", (upn,))]


def names(db: Database) -> Iterator[tuple[int, str, date]]:
    """(id, name, dob) of every case, a batch at a time: name matching folds accents and case in
    Python, the same way on SQLite and PostgreSQL."""
    cursor = db.execute("SELECT id, name, dob FROM cases ORDER BY id")
    while rows := cursor.fetchmany(10_000):
        for case_id, name, dob in rows:
            yield case_id, name, as_date(dob)  # type: ignore[misc]


def event_rows(db: Database, case_id: int) -> list[StoredEvent]:
    rows = db.all(f"{SELECT_EVENT} WHERE case_id = ? ORDER BY date, id", (case_id,))
    return [StoredEvent.from_row(r) for r in rows]


def voided_ids(rows: Iterable[StoredEvent]) -> set[int]:
    return {r.voids for r in rows if r.kind == "void" and r.voids is not None}


def to_case(case: StoredCase, rows: list[StoredEvent]) -> Case:
    """The domain case: every event that is not a void and has not been voided, by date then id."""
    voided = voided_ids(rows)
    events = tuple(r.to_event() for r in rows if r.kind != "void" and r.id not in voided)
    void = any(r.kind == "request" and r.id in voided for r in rows)
    return Case(ref=case.ref, dob=case.dob, received=case.received, looked_after=case.looked_after,
                alternative_provision=case.alternative_provision, setting=case.setting, events=events,
                void=void)


def insert_case(db: Database, *, ref: str, name: str, dob: date, received: date, source: str, team: str,
                coordinator: str | None, looked_after: bool, alternative_provision: bool,
                setting: str | None, now: datetime) -> int:
    return db.insert(INSERT_NEW_CASE, (ref, name, dob, received, source, team, coordinator, looked_after,
                                       alternative_provision, setting, now))


def details_json(details: dict) -> str:
    """An event's details as stored (and hashed): None values left out, keys sorted."""
    return json.dumps({k: v for k, v in details.items() if v is not None}, sort_keys=True, default=str)


def insert_event(db: Database, *, case_id: int, kind: str, when: date, details: dict, recorded_by: str,
                 now: datetime, voids: int | None = None) -> int:
    """Append one event, its hash chained to the case's head, and move the head on (inside the
    caller's write transaction, which holds the write lock: the id chosen here stays free)."""
    payload = details_json(details)
    event_id = next_event_id(db)
    head = db.one(audit.GET_HEAD, (case_id,))
    who = ""
    if kind in audit.IDENTITY_KINDS:
        row = db.one(SELECT_IDENTITY, (case_id,))
        if row is None:
            raise RefusedError(f"no case with id {case_id}")
        who = audit.identity(*row)
    digest = audit.event_hash(head[1] if head else audit.GENESIS, case_id, event_id, kind, when, payload,
                              voids, recorded_by, now, who)
    db.execute(INSERT_EVENT, (event_id, case_id, kind, when, payload, voids, recorded_by, now, None, None,
                              digest))
    db.execute(audit.PUT_HEAD, (case_id, event_id, digest))
    return event_id


#: The largest event id sendtrack writes on SQLite, and so the largest an import takes there
#: (docs/import-format.md): 2**62, half of SQLite's 2**63 - 1. Import refuses a larger one in a file, and
#: no event is given one above it (a record, or a row an import numbers), so an export always imports
#: again; the room left beneath it (2**62 ids) is more than any council will use.
MAX_EVENT_ID = 2 ** 62
#: The same on PostgreSQL, whose events.id is an `integer` (4 bytes: 2**31 - 1); a larger id crashed the
#: import there. (A `bigint` column, by a migration, would give it SQLite's bound.)
MAX_EVENT_ID_POSTGRESQL = 2 ** 31 - 1


def max_event_id(db: Database) -> int:
    """The largest event id this database's events table holds and sendtrack writes."""
    return MAX_EVENT_ID if db.dialect == "sqlite" else MAX_EVENT_ID_POSTGRESQL


def next_event_id(db: Database) -> int:
    """The id the next event gets: SQLite's own choice (one more than the largest), or PostgreSQL's
    sequence (which bulk loads move past the ids they insert); refused past max_event_id (reached only
    through an imported file's ids near it)."""
    limit = max_event_id(db)
    if db.dialect == "sqlite":
        row = db.one("SELECT COALESCE(MAX(id), 0) + 1 FROM events")
    else:
        # checked before the sequence is asked: at the column's end its nextval is an error of its own
        top = db.one("SELECT COALESCE(MAX(id), 0) FROM events")
        row = (limit + 1,) if top is not None and int(top[0]) >= limit else \
            db.one("SELECT nextval(pg_get_serial_sequence('events', 'id'))")
    assert row is not None
    event_id = int(row[0])
    if event_id > limit:
        raise RefusedError(f"event ids are used up: the next would be above {limit}, the largest this "
                           "database holds; renumber the export's event_id and voids columns and import "
                           "it into a new database")
    return event_id


def deadline_values(case_id: int, item: Deadline) -> tuple:
    return (case_id, *(getattr(item, name) for name in columns.DEADLINE_FIELDS))


def replace_deadlines(db: Database, case_id: int, items: list[Deadline]) -> None:
    """Materialise: the case's deadline rows become exactly `items` (same transaction as the write)."""
    db.execute("DELETE FROM deadlines WHERE case_id = ?", (case_id,))
    db.executemany(INSERT_DEADLINE, [deadline_values(case_id, item) for item in items])


def stored_deadlines(db: Database, case_id: int) -> list[Deadline]:
    rows = db.all(f"{columns.select('deadlines', columns.DEADLINE_FIELDS)} WHERE case_id = ? ORDER BY id",
                  (case_id,))
    return [row_to_deadline(row) for row in rows]


def row_to_deadline(row: tuple) -> Deadline:
    values: dict[str, Any] = {name: (as_date(v) if name in columns.DEADLINE_DATES else v)
                              for name, v in zip(columns.DEADLINE_FIELDS, row, strict=True)}
    return Deadline(**values)


# --- whole tables, for `check` ----------------------------------------------------------------------

def every_case(db: Database) -> list[StoredCase]:
    return [StoredCase.from_row(r) for r in every_case_row(db)]


def every_case_row(db: Database) -> list[tuple]:
    """Every case as its row of CASE_COLUMNS, by reference (`StoredCase.from_row` reads one)."""
    return db.all(f"{SELECT_CASE} ORDER BY ref, id")


def every_event(db: Database) -> Iterable[StoredEvent]:
    """Every event, by case, then date, then id."""
    return (StoredEvent.from_row(r) for r in db.all(f"{SELECT_EVENT} ORDER BY case_id, date, id"))


def every_deadline(db: Database) -> Iterable[tuple[int, Deadline]]:
    """(case id, deadline) for every stored deadline, by case, then id."""
    sql = f"{columns.select('deadlines', ('case_id', *columns.DEADLINE_FIELDS))} ORDER BY case_id, id"
    return ((row[0], row_to_deadline(row[1:])) for row in db.all(sql))


def deadline_keys(db: Database, fields: Sequence[str]) -> Iterator[tuple[int, tuple[str, ...]]]:
    """(case id, the row's `fields` as text) for every stored deadline, by case then id, the text made
    in SQL (no Deadline built: `check` only compares them): a date as its first ten characters (as
    `row_to_deadline` reads it), None as ""."""
    exprs = [f"COALESCE(SUBSTR(CAST({name} AS TEXT), 1, 10), '')" if name in columns.DEADLINE_DATES
             else f"COALESCE(CAST({name} AS TEXT), '')" for name in fields]
    assert set(fields) <= set(columns.DEADLINE_FIELDS), fields
    sql = f"SELECT case_id, {', '.join(exprs)} FROM deadlines ORDER BY case_id, id"
    for row in db.stream(sql, (), 10_000):
        yield row[0], tuple(row[1:])


def engine_problems(db: Database) -> list[tuple[str, str]]:
    """(code, message) from SQLite's own integrity and foreign-key checks (PostgreSQL enforces both
    itself, so it has none to report)."""
    if db.dialect != "sqlite":
        return []
    out = [("integrity", str(r[0])) for r in db.all("PRAGMA integrity_check") if r[0] != "ok"]
    out += [("foreign-key", f"{table} row {rowid} points at a missing {parent} row")
            for table, rowid, parent, _ in db.all("PRAGMA foreign_key_check")]
    return out


def export_stream(db: Database, case_columns: tuple[str, ...], event_columns: tuple[str, ...],
                  *, batch: int = 10_000) -> Iterator[tuple]:
    """Every event with the named columns of its case, then its own (`event_id` is the event's id),
    by case then event id, fetched a batch at a time so memory stays flat."""
    unknown = [c for c in case_columns if c not in columns.CASES + columns.CASE_RETURNS] + \
              [c for c in event_columns if c != "event_id" and c not in columns.EVENTS]
    assert not unknown, unknown
    chosen = [f"c.{c}" for c in case_columns]
    chosen += ["e.id" if c == "event_id" else f"e.{c}" for c in event_columns]
    cursor = db.execute(f"SELECT {', '.join(chosen)} FROM events e JOIN cases c ON c.id = e.case_id "
                        "ORDER BY c.id, e.id")
    while rows := cursor.fetchmany(batch):
        yield from rows
