"""Cases, events and materialised deadlines: rows in and out, converted to and from domain values."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sendtrack.domain import Case, Deadline, Event
from sendtrack.errors import RefusedError
from sendtrack.storage.db import Database

CASE_COLUMNS = ("id, ref, name, dob, received, source, team, coordinator, looked_after, "
                "alternative_provision, setting")
EVENT_COLUMNS = "id, case_id, kind, date, details, voids, recorded_by, recorded_at"
DEADLINE_FIELDS = ("rule", "owner", "kind", "subject", "source", "trigger", "due", "act_by",
                   "completed_on", "excepted_from", "exception_limb", "ended_on", "known_from",
                   "known_until")
DATE_FIELDS = {"trigger", "due", "act_by", "completed_on", "excepted_from", "ended_on", "known_from",
               "known_until"}
INSERT_DEADLINE = (f"INSERT INTO deadlines (case_id, {', '.join(DEADLINE_FIELDS)}) "
                   f"VALUES (?, {', '.join('?' * len(DEADLINE_FIELDS))})")


def as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


@dataclass(frozen=True, slots=True)
class CaseRow:
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
    def from_row(row: tuple) -> CaseRow:
        (id_, ref, name, dob, received, source, team, coordinator, looked_after, ap, setting) = row
        return CaseRow(id_, ref, name, as_date(dob), as_date(received), source, team, coordinator,
                       bool(looked_after), bool(ap), setting)


@dataclass(frozen=True, slots=True)
class EventRow:
    id: int
    case_id: int
    kind: str
    date: date
    details: dict
    voids: int | None
    recorded_by: str
    recorded_at: str

    @staticmethod
    def from_row(row: tuple) -> EventRow:
        id_, case_id, kind, when, details, voids, by, at = row
        at = at.isoformat(sep=" ") if isinstance(at, datetime) else str(at)
        return EventRow(id_, case_id, kind, as_date(when), json.loads(details or "{}"), voids, by, at)

    def to_event(self) -> Event:
        return Event.make(self.id, self.kind, self.date, **self.details)


def find_case(db: Database, ref: str) -> CaseRow:
    row = db.one(f"SELECT {CASE_COLUMNS} FROM cases WHERE ref = ?", (ref,))
    if row is None:
        near = db.one("SELECT ref FROM cases WHERE UPPER(ref) = UPPER(?)", (ref,))
        hint = f" (did you mean {near[0]}?)" if near else ""
        raise RefusedError(f"unknown case {ref!r}{hint}")
    return CaseRow.from_row(row)


def event_rows(db: Database, case_id: int) -> list[EventRow]:
    rows = db.all(f"SELECT {EVENT_COLUMNS} FROM events WHERE case_id = ? ORDER BY date, id", (case_id,))
    return [EventRow.from_row(r) for r in rows]


def voided_ids(rows: Iterable[EventRow]) -> set[int]:
    return {r.voids for r in rows if r.kind == "void" and r.voids is not None}


def to_case(case: CaseRow, rows: list[EventRow]) -> Case:
    """The domain case: every event that is not a void and has not been voided, by date then id."""
    voided = voided_ids(rows)
    events = tuple(r.to_event() for r in rows if r.kind != "void" and r.id not in voided)
    return Case(ref=case.ref, dob=case.dob, received=case.received, looked_after=case.looked_after,
                alternative_provision=case.alternative_provision, setting=case.setting, events=events)


def insert_case(db: Database, *, ref: str, name: str, dob: date, received: date, source: str, team: str,
                coordinator: str | None, looked_after: bool, alternative_provision: bool,
                setting: str | None, now: datetime) -> int:
    return db.insert(
        "INSERT INTO cases (ref, name, dob, received, source, team, coordinator, looked_after, "
        "alternative_provision, setting, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (ref, name, dob, received, source, team, coordinator, looked_after, alternative_provision,
         setting, now),
    )


def insert_event(db: Database, *, case_id: int, kind: str, when: date, details: dict, recorded_by: str,
                 now: datetime, voids: int | None = None) -> int:
    payload = json.dumps({k: v for k, v in details.items() if v is not None}, sort_keys=True,
                         default=str)
    return db.insert(
        "INSERT INTO events (case_id, kind, date, details, voids, recorded_by, recorded_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (case_id, kind, when, payload, voids, recorded_by, now),
    )


def deadline_values(case_id: int, item: Deadline) -> tuple:
    return (case_id, *(getattr(item, name) for name in DEADLINE_FIELDS))


def replace_deadlines(db: Database, case_id: int, items: list[Deadline]) -> None:
    """Materialise: the case's deadline rows become exactly `items` (same transaction as the write)."""
    db.execute("DELETE FROM deadlines WHERE case_id = ?", (case_id,))
    db.executemany(INSERT_DEADLINE, [deadline_values(case_id, item) for item in items])


def stored_deadlines(db: Database, case_id: int) -> list[Deadline]:
    rows = db.all(f"SELECT {', '.join(DEADLINE_FIELDS)} FROM deadlines WHERE case_id = ? ORDER BY id",
                  (case_id,))
    return [row_to_deadline(row) for row in rows]


def row_to_deadline(row: tuple) -> Deadline:
    values = {name: (as_date(v) if name in DATE_FIELDS else v) for name, v in zip(DEADLINE_FIELDS, row,
                                                                                 strict=True)}
    return Deadline(**values)
