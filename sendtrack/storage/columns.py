"""Every table's columns, declared once: the SQL statements, the row types and the schema test read
these names (tests/test_shapes.py holds the SQLModel tables, the row dataclasses and the domain
`Deadline` to them)."""

from __future__ import annotations

from dataclasses import fields

from sendtrack.codes import CASE_RETURN_KEYS
from sendtrack.domain import Deadline

#: cases: a child or young person's request and plan, with who holds it now
CASES = ("id", "ref", "name", "dob", "received", "source", "team", "coordinator", "looked_after",
         "alternative_provision", "setting", "created_at")
#: cases, continued: the values the statutory returns need (sendtrack/codes.py RETURN_FIELDS, which
#: checks each); NULL until known. Bulk writers insert CASES and set these with storage/returns.py
CASE_RETURNS = CASE_RETURN_KEYS
#: placements: where the child is educated, as SEN2 records it (one of urn, ukprn, setting_type; rank 1
#: main or 2 dual registration; entry and leaving dates; phase for Annex A)
PLACEMENTS = ("id", "case_id", "urn", "ukprn", "setting_type", "rank", "entry", "leaving", "phase")
#: events: the append-only log; `hash` chains each event to the previous one of its case (storage/audit.py).
#: recorded_by/recorded_at say who recorded the event and when (an import keeps its file's values as
#: history); imported_by/imported_at say who imported it and when (NULL for events written by a command)
EVENTS = ("id", "case_id", "kind", "date", "details", "voids", "recorded_by", "recorded_at", "imported_by",
          "imported_at", "hash")
#: audit_heads: each case's last event and its hash, the end its chain must reach
AUDIT_HEADS = ("case_id", "event_id", "hash")
#: checked: each case `check` last found clean, with the fingerprint of everything its rules checks read
#: then (app/check.py) and what `open_requests` needs of it (bound into the fingerprint)
CHECKED = ("case_id", "fingerprint", "closed", "allowed")
#: `Deadline` fields computed with the deadline but not stored: `basis` is words from the same dates the
#: row holds, rebuilt by the timeline (a stored copy would only go stale when the wording improves)
COMPUTED_ONLY = frozenset({"basis"})
#: deadlines: one row per materialised `Deadline`, its stored fields in the dataclass's order
DEADLINE_FIELDS = tuple(f.name for f in fields(Deadline) if f.name not in COMPUTED_ONLY)
DEADLINES = ("id", "case_id", *DEADLINE_FIELDS)
#: the deadline fields that hold dates
DEADLINE_DATES = frozenset(f.name for f in fields(Deadline) if "date" in str(f.type))


def select(table: str, columns: tuple[str, ...], alias: str | None = None) -> str:
    """`SELECT a, b, c FROM table` for one of the lists above (qualified when an alias is given)."""
    prefix = f"{alias}." if alias else ""
    return f"SELECT {', '.join(prefix + c for c in columns)} FROM {table}" + (f" {alias}" if alias else "")


def insert(table: str, columns: tuple[str, ...]) -> str:
    """`INSERT INTO table (a, b) VALUES (?, ?)` for one of the lists above."""
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
