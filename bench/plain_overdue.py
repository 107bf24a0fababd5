"""The plain-sqlite3 floor for England's `overdue --format csv`: the same question in one query, written
as CSV by the standard library (no typer, no sendtrack)."""

from __future__ import annotations

import csv
import sqlite3
import sys
from datetime import date

db, day = sys.argv[1], sys.argv[2]
conn = sqlite3.connect(db)
rows = conn.execute(
    """SELECT c.ref, c.name, c.team, c.coordinator, d.rule, d.subject, d.due, d.source
       FROM deadlines d JOIN cases c ON c.id = d.case_id
       WHERE d.owner = 'la' AND d.kind <> 'local' AND d.due < :day
         AND d.known_from <= :day AND (d.known_until IS NULL OR :day < d.known_until)
         AND (d.completed_on IS NULL OR d.completed_on > :day)
         AND (d.ended_on IS NULL OR d.ended_on > :day)
         AND (d.excepted_from IS NULL OR d.excepted_from > :day)
       ORDER BY d.due, c.ref""", {"day": day})
as_of = date.fromisoformat(day)
out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["ref", "initials", "team", "coordinator", "rule", "subject", "due", "days_overdue", "source"])
for ref, name, team, coordinator, rule, subject, due, source in rows:
    initials = "".join(p[0].upper() + "." for p in name.replace("-", " ").split())
    out.writerow([ref, initials, team, coordinator or "", rule, subject or "", due,
                  (as_of - date.fromisoformat(due)).days, source])
