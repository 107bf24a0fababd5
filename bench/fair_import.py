"""The fair ("same rows") floor for `sendtrack import`: python + sqlite3 writing the very rows the import
writes, without the checks, the rules or the audit chain's hashing. It reads the export file with the
csv module (the cases, their placements, the events) and a side file of everything import derives
(the case ids, the events' hashes and import stamps, the deadline rows, the audit heads, the placement
ids, the meta rows), made beforehand from a sendtrack import of the same file by bench/import_rows.py,
and inserts every row with executemany in one transaction into a database made by `sendtrack init`
(the same schema, indexes and triggers). tests/test_bench.py checks the database ends up the same as
sendtrack's, table by table, row for row.

    python bench/import_rows.py EXPORT.csv IMPORTED.db SIDE.csv       # once, untimed
    python bench/fair_import.py EXPORT.csv SIDE.csv EMPTY.db          # the floor

The connection is set up as sendtrack's import sets up its own (foreign keys on, WAL, synchronous
NORMAL, a 32 MB page cache); it keeps every index while it inserts, where import drops two of the
deadlines' and builds them at its end (a trick of import's, not of the plain write).

Values go in as the files give them, text: SQLite's column affinity stores the ids as the integers
import writes, and NULLIF(?, '') makes an empty field NULL (the side file never holds an empty string).
bench/raw_import.py is the floor before this one: the cases, placements and events only (no hashes,
no deadlines, no audit heads): not the same write, kept as an informational row.
"""

from __future__ import annotations

import csv
import itertools
import json
import sqlite3
import sys

CASE_COLUMNS = ("ref", "name", "dob", "source", "team", "coordinator", "looked_after",
                "alternative_provision",
                "setting", "created_at", "upn", "uln", "upn_unknown", "sex", "ethnicity", "postcode",
                "primary_need", "secondary_need")
PLACEMENT_KEYS = ("urn", "ukprn", "setting_type", "rank", "entry", "leaving", "phase")
EVENT_COLUMNS = ("event_id", "kind", "date", "details", "voids", "recorded_by", "recorded_at")
DEADLINES = ("id", "case_id", "rule", "owner", "kind", "subject", "source", '"trigger"', "due", "act_by",
             "completed_on", "excepted_from", "exception_limb", "ended_on", "known_from", "known_until")
NULL_IF_EMPTY = "NULLIF(?, '')"
NULLABLE = {"subject", "completed_on", "excepted_from", "exception_limb", "ended_on", "known_until"}

exported, side, db = sys.argv[1], sys.argv[2], sys.argv[3]
conn = sqlite3.connect(db, isolation_level=None)
conn.execute("PRAGMA foreign_keys = ON")
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("PRAGMA synchronous = NORMAL")
conn.execute("PRAGMA cache_size = -32768")  # import's page cache (storage.bulk.IMPORT_CACHE_KIB)
conn.execute("BEGIN IMMEDIATE")
cases, placements, events = [], [], []
with open(side, newline="", encoding="utf-8") as derived, \
        open(exported, newline="", encoding="utf-8") as handle:
    extra = csv.reader(derived)
    metas, heads = (int(n) for n in next(extra))
    reader = csv.reader(handle)
    heading = next(reader)
    at = {name: heading.index(name) for name in (*CASE_COLUMNS, "placements", *EVENT_COLUMNS)}
    case_at = [at[column] for column in CASE_COLUMNS]
    event_at = [at[column] for column in EVENT_COLUMNS]
    kind_at, date_at, placements_at = at["kind"], at["date"], at["placements"]
    looked_after_at, ap_at = at["looked_after"], at["alternative_provision"]
    for row in reader:
        if row[kind_at] == "request":
            case_id, *placement_ids = next(extra)
            values = [row[i] for i in case_at]
            values[6], values[7] = row[looked_after_at] == "yes", row[ap_at] == "yes"
            cases.append((case_id, row[date_at], *values))  # a case is received on its request's date
            for placement_id, placement in zip(placement_ids, json.loads(row[placements_at] or "[]"),
                                               strict=True):
                placements.append((placement_id, case_id, *(placement.get(key) for key in PLACEMENT_KEYS)))
        events.append((row[event_at[0]], case_id, *(row[i] for i in event_at[1:]), *next(extra)))
    conn.executemany(f"INSERT INTO cases (id, received, {', '.join(CASE_COLUMNS)}) "
                     f"VALUES (?, ?, {', '.join([NULL_IF_EMPTY] * len(CASE_COLUMNS))})", cases)
    conn.executemany(f"INSERT INTO placements (id, case_id, {', '.join(PLACEMENT_KEYS)}) "
                     f"VALUES ({', '.join('?' * (len(PLACEMENT_KEYS) + 2))})", placements)
    conn.executemany("INSERT INTO events (id, case_id, kind, date, details, voids, recorded_by, recorded_at, "
                     "hash, imported_by, imported_at) "
                     "VALUES (?, ?, ?, ?, ?, NULLIF(?, ''), ?, ?, ?, NULLIF(?, ''), NULLIF(?, ''))", events)
    conn.executemany("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)",
                     itertools.islice(extra, metas))
    conn.executemany("INSERT INTO audit_heads (case_id, event_id, hash) VALUES (?, ?, ?)",
                     itertools.islice(extra, heads))
    deadlines = conn.executemany(f"INSERT INTO deadlines ({', '.join(DEADLINES)}) VALUES "
                     f"({', '.join(NULL_IF_EMPTY if c in NULLABLE else '?' for c in DEADLINES)})",
                     extra).rowcount
conn.execute("COMMIT")
print(f"{len(cases)} cases, {len(events)} events, {deadlines} deadlines")
