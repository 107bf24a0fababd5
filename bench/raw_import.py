"""The floor for `sendtrack import`: the same file's cases, placements and events read with the csv module
(by heading) and written with plain executemany in one transaction, into an initialised empty database
(no checks, no deadlines, no audit chain)."""

from __future__ import annotations

import csv
import json
import sqlite3
import sys

CASE_COLUMNS = ("ref", "name", "dob", "source", "team", "coordinator", "looked_after",
                "alternative_provision",
                "setting", "created_at", "upn", "uln", "upn_unknown", "sex", "ethnicity", "postcode",
                "primary_need", "secondary_need")
PLACEMENT_KEYS = ("urn", "ukprn", "setting_type", "rank", "entry", "leaving", "phase")

path, db = sys.argv[1], sys.argv[2]
conn = sqlite3.connect(db, isolation_level=None)
conn.execute("PRAGMA foreign_keys = ON")
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("PRAGMA synchronous = NORMAL")
conn.execute("BEGIN IMMEDIATE")
cases, placements, events, ids = [], [], [], {}
with open(path, newline="", encoding="utf-8") as handle:
    for row in csv.DictReader(handle):
        ref = row["ref"]
        if row["kind"] == "request":
            ids[ref] = case_id = len(ids) + 1
            values = [row[column] or None for column in CASE_COLUMNS]
            values[6], values[7] = row["looked_after"] == "yes", row["alternative_provision"] == "yes"
            cases.append((case_id, row["date"], *values))  # a case is received on its request's date
            for placement in json.loads(row["placements"] or "[]"):
                placements.append((case_id, *(placement.get(key) for key in PLACEMENT_KEYS)))
        events.append((int(row["event_id"]), ids[ref], row["kind"], row["date"], row["details"],
                       int(row["voids"]) if row["voids"] else None, row["recorded_by"], row["recorded_at"]))
conn.executemany(f"INSERT INTO cases (id, received, {', '.join(CASE_COLUMNS)}) "
                 f"VALUES ({', '.join('?' * (len(CASE_COLUMNS) + 2))})", cases)
conn.executemany(f"INSERT INTO placements (case_id, {', '.join(PLACEMENT_KEYS)}) "
                 f"VALUES ({', '.join('?' * (len(PLACEMENT_KEYS) + 1))})", placements)
conn.executemany("INSERT INTO events (id, case_id, kind, date, details, voids, recorded_by, recorded_at) "
                 "VALUES (?,?,?,?,?,?,?,?)", events)
conn.execute("COMMIT")
print(f"{len(cases)} cases, {len(events)} events")
