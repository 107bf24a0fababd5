"""The floor for `sendtrack import`: the same file's cases and events read with the csv module and written
with plain executemany in one transaction, into an initialised empty database (no checks, no deadlines)."""

from __future__ import annotations

import csv
import sqlite3
import sys

path, db = sys.argv[1], sys.argv[2]
conn = sqlite3.connect(db, isolation_level=None)
conn.execute("PRAGMA foreign_keys = ON")
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("PRAGMA synchronous = NORMAL")
conn.execute("BEGIN IMMEDIATE")
cases, events, ids = [], [], {}
with open(path, newline="", encoding="utf-8") as handle:
    reader = csv.reader(handle)
    next(reader)
    for (ref, name, dob, source, team, coordinator, looked_after, ap, setting, created_at, event_id, kind,
         when, details, voids, by, at, *_) in reader:  # (then imported_by, imported_at: not read)
        if kind == "request":
            ids[ref] = len(ids) + 1
            cases.append((ids[ref], ref, name, dob, when, source, team, coordinator or None,
                          looked_after == "yes", ap == "yes", setting or None, created_at))
        events.append((int(event_id), ids[ref], kind, when, details, int(voids) if voids else None, by, at))
conn.executemany("INSERT INTO cases (id, ref, name, dob, received, source, team, coordinator, looked_after, "
                 "alternative_provision, setting, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", cases)
conn.executemany("INSERT INTO events (id, case_id, kind, date, details, voids, recorded_by, recorded_at) "
                 "VALUES (?,?,?,?,?,?,?,?)", events)
conn.execute("COMMIT")
print(f"{len(cases)} cases, {len(events)} events")
