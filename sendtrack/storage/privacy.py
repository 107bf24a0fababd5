"""The SQL of retention and erasure: closed cases' candidates by date of birth, a case's audit chain
in order, and the tombstone written over a case's personal values."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sendtrack.domain import ERASED_NAME as ERASED_NAME  # re-exported: the one tombstone text
from sendtrack.storage import audit
from sendtrack.storage.cases import SELECT_CASE, SELECT_EVENT, SELECT_IDENTITY, StoredCase, StoredEvent
from sendtrack.storage.db import BUSY_TIMEOUT_MS, Database

#: A case's events as audit.verify reads them, with the case id first, in the chain's (id) order.
CASE_CHAIN = f"{audit.CHAIN_EVENTS} WHERE case_id = ? ORDER BY id"
_NOT_ERASED = ("NOT EXISTS (SELECT 1 FROM events e WHERE e.case_id = cases.id AND e.kind IN "
               f"({', '.join(repr(k) for k in sorted(audit.ERASE_KINDS))}))")


def born_by(db: Database, day: date, *, team: str | None, coordinator: str | None) -> list[StoredCase]:
    """Cases not erased whose child was born on or before `day`, in the team and with the coordinator
    when given, by reference."""
    where: list[str] = ["dob <= ?", _NOT_ERASED]
    params: list[object] = [day]
    if team:
        where.append("team = ?")
        params.append(team)
    if coordinator:
        where.append("coordinator = ?")
        params.append(coordinator)
    rows = db.all(f"{SELECT_CASE} WHERE {' AND '.join(where)} ORDER BY ref, id", params)
    return [StoredCase.from_row(r) for r in rows]


def events_of(db: Database, case_ids: list[int], kinds: tuple[str, ...]) -> dict[int, list[StoredEvent]]:
    """The events of these kinds of these cases, by case, each case's in (date, id) order: a batch of
    cases a query."""
    out: dict[int, list[StoredEvent]] = defaultdict(list)
    marks = ", ".join("?" * len(kinds))
    for start in range(0, len(case_ids), 500):
        part = case_ids[start:start + 500]
        rows = db.all(f"{SELECT_EVENT} WHERE case_id IN ({', '.join('?' * len(part))}) AND kind IN ({marks}) "
                      "ORDER BY case_id, date, id", [*part, *kinds])
        for row in rows:
            event = StoredEvent.from_row(row)
            out[event.case_id].append(event)
    return out


def chain_rows(db: Database, case_id: int) -> list[tuple]:
    """The case's events as (id, kind, date, details, voids, recorded_by, recorded_at, imported_by,
    imported_at, hash), in id order."""
    return [tuple(row[1:]) for row in db.all(CASE_CHAIN, (case_id,))]


def erased_cases(db: Database, fields: tuple[str, ...]) -> list[tuple]:
    """Every erased case (one with an erase event) as (ref, name, dob, *fields): the values `check`
    compares with the tombstone. `fields` are column names of the cases table (the app's
    ERASED_RETURNS), never user input."""
    assert all(f.isidentifier() for f in fields)
    columns = "".join(f", {f}" for f in fields)
    erased = _NOT_ERASED.removeprefix("NOT ")
    rows = db.all(f"SELECT ref, name, dob{columns} FROM cases WHERE {erased} ORDER BY ref, id")
    return [tuple(r) for r in rows]


def tombstone(db: Database, case_id: int, *, name: str, dob: date) -> None:
    """Write the tombstone over the case's personal values (inside the erase's write transaction)."""
    db.execute("UPDATE cases SET name = ?, dob = ? WHERE id = ?", (name, dob, case_id))


def identity_values(db: Database, case_id: int) -> tuple:
    """The case's identity values (audit.IDENTITY order), as `check` reads them."""
    row = db.one(SELECT_IDENTITY, (case_id,))
    assert row is not None
    return tuple(row)


def rewrite_details(db: Database, details: dict[int, str]) -> None:
    """Erasure's one sanctioned rewrite of events: each event id's details replaced by the JSON text
    given, with the append-only update trigger lifted for these statements only (audit.lifted), inside
    the erase's write transaction. Stored hashes are never rewritten: the erase event commits to what
    the rewritten events hash to (audit.verify)."""
    if not details:
        return
    with audit.lifted(db):
        for event_id, text in sorted(details.items()):
            db.execute("UPDATE events SET details = ? WHERE id = ?", (text, event_id))


def clear_log(db: Database) -> bool:
    """After an erase has committed, on SQLite: copy the write-ahead log into the file and truncate it,
    so the log's older page images (the erased values among them) do not outlive the erase. Tried
    once, without waiting: False when another connection's read keeps the log (SQLite then clears it
    when the last connection closes). Nothing to do on PostgreSQL (README "Retention and erasure")."""
    if db.dialect != "sqlite":
        return True
    db.raw.execute("PRAGMA busy_timeout = 0")
    try:
        busy, _, _ = db.raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        db.raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return not busy
