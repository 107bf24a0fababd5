"""The statutory returns' values in and out: the case's return columns, its placements, and the reads the
SEN2 and Annex A writers fold (every case with its events and final-plan deadline, a batch at a time)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from sendtrack.storage import columns
from sendtrack.storage.cases import as_date
from sendtrack.storage.db import Database

INSERT_PLACEMENT = columns.insert("placements", columns.PLACEMENTS[1:])
#: what a placement is, in the order Placement holds it
PLACEMENT_VALUES = columns.PLACEMENTS[2:]


@dataclass(frozen=True, slots=True)
class Placement:
    urn: str | None
    ukprn: str | None
    setting_type: str | None
    rank: int
    entry: date | None
    leaving: date | None
    phase: str | None

    def as_data(self) -> dict:
        """As the import/export layout writes it: ISO dates, no empty values."""
        out = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in zip(PLACEMENT_VALUES, (
            self.urn, self.ukprn, self.setting_type, self.rank, self.entry, self.leaving, self.phase),
            strict=True)}
        return {k: v for k, v in out.items() if v is not None}

    def current_on(self, day: date) -> bool:
        return (self.entry is None or self.entry <= day) and (self.leaving is None or day <= self.leaving)


def placement_from_row(row: tuple) -> Placement:
    urn, ukprn, setting_type, rank, entry, leaving, phase = row
    return Placement(urn, ukprn, setting_type, int(rank), as_date(entry), as_date(leaving), phase)


def set_case_values(db: Database, rows: Iterable[tuple[int, dict]]) -> None:
    """The return columns of each case given (inside the caller's write); keys from columns.CASE_RETURNS."""
    by_keys: dict[tuple[str, ...], list[tuple]] = {}
    for case_id, values in rows:
        keys = tuple(k for k in columns.CASE_RETURNS if values.get(k) is not None)
        if keys:
            by_keys.setdefault(keys, []).append((*(values[k] for k in keys), case_id))
    for keys, params in by_keys.items():
        db.executemany(f"UPDATE cases SET {', '.join(f'{k} = ?' for k in keys)} WHERE id = ?", params)


def clear_case_values(db: Database, case_id: int, keys: Iterable[str]) -> None:
    """Set the named return columns (columns.CASE_RETURNS) of one case to NULL (an edit's `--upn`
    clears the UPN-unknown reason, and the reverse; an erasure clears the identifiers)."""
    keys = [k for k in columns.CASE_RETURNS if k in set(keys)]
    if keys:
        db.execute(f"UPDATE cases SET {', '.join(f'{k} = NULL' for k in keys)} WHERE id = ?", (case_id,))


def add_placements(db: Database, rows: Iterable[tuple[int, Placement]]) -> None:
    db.executemany(INSERT_PLACEMENT, [(case_id, p.urn, p.ukprn, p.setting_type, p.rank, p.entry, p.leaving,
                                       p.phase) for case_id, p in rows])


def set_current_placement(db: Database, case_id: int, placement: Placement) -> None:
    """A new current placement of its rank: the one it replaces (same rank, still open) leaves the day
    before the new one's entry (or stays open, when the new one has no entry date)."""
    if placement.entry is not None:
        db.execute("UPDATE placements SET leaving = ? WHERE case_id = ? AND rank = ? AND leaving IS NULL",
                   (placement.entry - timedelta(days=1), case_id, placement.rank))
    add_placements(db, [(case_id, placement)])


def correct_current_placement(db: Database, case_id: int, old: Placement, new: Placement) -> None:
    """Correct the case's current placement of `old`'s rank (its newest still open) in place to `new`'s
    setting, entry and phase; when the entry moves, the placement it replaced (same rank, leaving the
    day before the old entry) leaves the day before the new one instead."""
    db.execute("UPDATE placements SET urn = ?, ukprn = ?, setting_type = ?, entry = ?, phase = ? "
               "WHERE id = (SELECT MAX(id) FROM placements WHERE case_id = ? AND rank = ? "
               "AND leaving IS NULL)",
               (new.urn, new.ukprn, new.setting_type, new.entry, new.phase, case_id, old.rank))
    if old.entry is not None and new.entry is not None and new.entry != old.entry:
        db.execute("UPDATE placements SET leaving = ? WHERE case_id = ? AND rank = ? AND leaving = ?",
                   (new.entry - timedelta(days=1), case_id, old.rank, old.entry - timedelta(days=1)))


def placements_out_of_order(db: Database) -> list[tuple[int, int, date | None, date | None]]:
    """(case id, rank, entry, leaving) of every placement that leaves before it starts (an import of the
    export would refuse it), by case id; an entry or leaving that is not a date (written outside
    sendtrack: export could not write it) as (case id, rank, None, None)."""
    out: list[tuple[int, int, date | None, date | None]] = []
    for case_id, rank, entry, leaving in db.all("SELECT case_id, rank, entry, leaving FROM placements "
                                                "WHERE entry IS NOT NULL OR leaving IS NOT NULL "
                                                "ORDER BY case_id, id"):
        try:
            start, end = as_date(entry), as_date(leaving)
            if type(entry) not in (str, date, type(None)) or type(leaving) not in (str, date, type(None)):
                raise TypeError
        except (ValueError, TypeError):
            out.append((case_id, rank, None, None))
            continue
        if start is not None and end is not None and end < start:
            out.append((case_id, rank, start, end))
    return out


def placements_of(db: Database, case_id: int) -> list[Placement]:
    sql = f"{columns.select('placements', PLACEMENT_VALUES)} WHERE case_id = ? ORDER BY id"
    rows = db.all(sql, (case_id,))
    return [placement_from_row(r) for r in rows]


def case_return_values(db: Database, case_id: int) -> tuple[dict, Placement | None]:
    """The case's return columns, and its current main placement (rank 1, not left), if any."""
    row = db.one(f"{columns.select('cases', columns.CASE_RETURNS)} WHERE id = ?", (case_id,))
    values = dict(zip(columns.CASE_RETURNS, row or (), strict=False))
    current = db.one(f"{columns.select('placements', PLACEMENT_VALUES)} WHERE case_id = ? AND rank = 1 "
                     "AND leaving IS NULL ORDER BY id DESC", (case_id,))
    return values, placement_from_row(current) if current else None


def placements_stream(db: Database) -> Iterator[tuple[int, list[Placement]]]:
    """(case id, its placements) for every case holding any, by case id, fetched a batch at a time."""
    sql = f"{columns.select('placements', ('case_id', *PLACEMENT_VALUES))} ORDER BY case_id, id"
    cursor = db.execute(sql)
    current: int | None = None
    held: list[Placement] = []
    while rows := cursor.fetchmany(10_000):
        for row in rows:
            if row[0] != current:
                if current is not None:
                    yield current, held
                current, held = row[0], []
            held.append(placement_from_row(row[1:]))
    if current is not None:
        yield current, held


# --- what the returns read ----------------------------------------------------------------------------

#: the case values a return reads, then its return columns
RETURN_CASE = ("id", "ref", "name", "dob", "received", "source", "looked_after", *columns.CASE_RETURNS)


@dataclass(frozen=True, slots=True)
class ReturnCase:
    """One case as the returns see it: its values, events (kind, date, details; voided ones and voids
    left out), placements and its final-plan deadline (due, completed, excepted from)."""

    values: dict
    events: tuple[tuple[int, str, date, dict], ...]
    placements: tuple[Placement, ...]
    final_plan: tuple[date | None, date | None, date | None] | None
    #: the plan's transfer deadlines (phase-transfer, post16-transfer, post16-move): (rule, due,
    #: completed on), by due date
    transfers: tuple[tuple[str, date, date | None], ...] = ()


def return_cases(db: Database, *, batch: int = 2000) -> Iterator[ReturnCase]:
    """Every case in id order with what the returns need, read a batch of cases at a time."""
    ids = [row[0] for row in db.all("SELECT id FROM cases ORDER BY id")]
    # most events share a few dates and details texts: each is read once (the fold never mutates them)
    days: dict = {}
    parsed: dict[str, dict] = {}
    for start in range(0, len(ids), batch):
        lo, hi = ids[start], ids[min(start + batch, len(ids)) - 1]
        span = (lo, hi)
        cases = db.all(f"{columns.select('cases', RETURN_CASE)} WHERE id BETWEEN ? AND ? ORDER BY id", span)
        events: dict[int, list] = {}
        voided: set[int] = set()
        for event_id, case_id, kind, when, details, voids in db.all(
                "SELECT id, case_id, kind, date, details, voids FROM events WHERE case_id BETWEEN ? AND ? "
                "ORDER BY case_id, date, id", span):
            if voids is not None:
                voided.add(voids)
            day = days.get(when)
            if day is None:
                day = days[when] = as_date(when)
            events.setdefault(case_id, []).append((event_id, kind, day, details))
        placements: dict[int, list[Placement]] = {}
        for row in db.all(f"{columns.select('placements', ('case_id', *PLACEMENT_VALUES))} "
                          "WHERE case_id BETWEEN ? AND ? ORDER BY case_id, id", span):
            placements.setdefault(row[0], []).append(placement_from_row(row[1:]))
        finals: dict[int, tuple] = {}
        transfers: dict[int, list] = {}
        for case_id, rule, due, completed, excepted in db.all(
                "SELECT case_id, rule, due, completed_on, excepted_from FROM deadlines WHERE rule IN "
                "('final-plan', 'phase-transfer', 'post16-transfer', 'post16-move') "
                "AND case_id BETWEEN ? AND ? "
                "ORDER BY case_id, due, id", span):
            if rule == "final-plan":
                finals[case_id] = (as_date(due), as_date(completed), as_date(excepted))
            else:
                transfers.setdefault(case_id, []).append((rule, as_date(due), as_date(completed)))
        for row in cases:
            values = dict(zip(RETURN_CASE, row, strict=True))
            values["dob"], values["received"] = as_date(values["dob"]), as_date(values["received"])
            case_id = values["id"]
            live = tuple((event_id, kind, when, _details(details, parsed))
                         for event_id, kind, when, details in events.get(case_id, ())
                         if kind != "void" and event_id not in voided)
            yield ReturnCase(values, live, tuple(placements.get(case_id, ())), finals.get(case_id),
                             tuple(transfers.get(case_id, ())))


def _details(text: str | None, parsed: dict[str, dict]) -> dict:
    if not text or text == "{}":
        return _EMPTY
    found = parsed.get(text)
    if found is None:
        found = parsed[text] = json.loads(text)
    return found


_EMPTY: dict = {}
SECRET = "pseudonym_secret"


def pseudonym_secret(db: Database) -> bytes:
    """The database's own secret for pseudonymous ids (Annex A's Unique ID), made on first use: 32 random
    bytes, kept in `meta`, so the same case gets the same id in every workbook of this database."""
    from sendtrack.storage import meta

    stored = meta.get(db, SECRET)
    if stored is None:
        import secrets

        with db.write():
            stored = meta.get(db, SECRET)
            if stored is None:
                stored = secrets.token_hex(32)
                meta.put(db, SECRET, stored)
    return bytes.fromhex(stored)
