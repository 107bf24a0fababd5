"""The fair floor for `sendtrack overdue --format csv`: python + sqlite3 writing the exact same bytes
(same table scan, same 14 columns, same order, same formula-safe cells), without typer, the
configuration, the rules or sendtrack's layers. tests/test_bench.py checks the bytes are equal.

    python bench/fair_overdue.py DB AS_OF > out.csv

What it leaves out is what sendtrack adds around the same query: start-up (typer, the command), the
configuration check, the database checks at open, and its row objects. (The floor before this one
read through the due-date index and wrote 9 of the 14 columns: it was slower than sendtrack.)
"""

from __future__ import annotations

import csv
import sqlite3
import sys
from datetime import date

db, day = sys.argv[1], sys.argv[2]
conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
# The overdue status of sendtrack's STATUS_SQL for LA, non-local rows: not a window (domain.WINDOW_RULES,
# never overdue), not completed or ended by the day, due before it, not excepted by it. NOT INDEXED: the
# same scan sendtrack does. (tests/test_bench.py fails when STATUS_SQL moves and this does not.)
rows = conn.execute(
    """SELECT c.ref, c.name, c.team, c.coordinator, d.rule, d.subject, d.owner, d.kind, d.due, d.act_by,
              d.source
       FROM deadlines d NOT INDEXED JOIN cases c ON c.id = d.case_id
       WHERE d.owner = 'la' AND d.kind <> 'local' AND d.rule <> 'cease-effective' AND d.due < :day
         AND d.known_from <= :day AND (d.known_until IS NULL OR :day < d.known_until)
         AND (d.completed_on IS NULL OR d.completed_on > :day)
         AND (d.ended_on IS NULL OR d.ended_on > :day)
         AND (d.excepted_from IS NULL OR d.excepted_from > :day)
       ORDER BY d.due, c.ref, d.rule, COALESCE(d.subject, ''), d.id""", {"day": day})
as_of = date.fromisoformat(day)
FORMULA = tuple("=+-@\t\r")  # sendtrack.output.files.FORMULA_STARTS
out = csv.writer(sys.stdout, lineterminator="\n")


def safe(value: str) -> str:
    return "'" + value if value.lstrip("'")[:1] in FORMULA and value[:1] in (*FORMULA, "'") else value


out.writerow(["ref", "initials", "team", "coordinator", "rule", "subject", "owner", "kind", "status", "due",
              "act_by", "days_overdue", "exception_limb", "source"])
for ref, name, team, coordinator, rule, subject, owner, kind, due, act_by, source in rows:
    parts = name.replace("-", " ").split()
    initials = "".join(p[0].upper() + "." for p in parts) if parts else "?"
    out.writerow([safe(ref), safe(initials), safe(team), safe(coordinator or ""), safe(rule),
                  safe(subject or ""), owner, kind, "overdue", due[:10], act_by[:10],
                  (as_of - date.fromisoformat(due[:10])).days, "", safe(source)])
