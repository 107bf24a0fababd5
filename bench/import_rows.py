"""The side file of the "same rows" import floor (bench/fair_import.py): everything `sendtrack import`
derives from an export file with the rules and the audit chain, taken from a database that a sendtrack
import of that same file wrote. Made beforehand, outside the timing.

    python bench/import_rows.py EXPORT.csv IMPORTED.db SIDE.csv

CSV (read with csv.reader, the cheapest to read back: the deadline rows go straight from the reader
into executemany), an empty field for NULL (this script refuses a database holding an empty string, so
the two never mix), rows of varying width:

- one line: how many meta rows, how many audit heads;
- in the export file's order, for each case: a line [case id, the ids of its placement rows in the
  order the file lists them], then for each of its events in the file's order [hash, imported_by,
  imported_at];
- the meta rows [name, value]; the audit heads [case id, event id, hash];
- to the end, the deadline rows, every column, id first.

The values the export file holds (the case's columns, its events' columns, its placements) are not
repeated here: the floor reads them from the export file itself.
"""

from __future__ import annotations

import csv
import sqlite3
import sys

DEADLINES = ("id", "case_id", "rule", "owner", "kind", "subject", "source", '"trigger"', "due", "act_by",
             "completed_on", "excepted_from", "exception_limb", "ended_on", "known_from", "known_until")


def field(value):
    assert value != "", "an empty string would read back as NULL"
    return "" if value is None else value


def main(exported: str, imported: str, side: str) -> None:
    conn = sqlite3.connect(f"file:{imported}?mode=ro", uri=True)
    case_ids = dict(conn.execute("SELECT ref, id FROM cases"))
    extras = {row[0]: [field(value) for value in row[1:]] for row in conn.execute(
        "SELECT id, hash, imported_by, imported_at FROM events")}
    placements: dict[int, list] = {}
    for case_id, placement_id in conn.execute("SELECT case_id, id FROM placements ORDER BY id"):
        placements.setdefault(case_id, []).append(placement_id)
    meta = conn.execute("SELECT name, value FROM meta ORDER BY name").fetchall()
    heads = conn.execute("SELECT case_id, event_id, hash FROM audit_heads ORDER BY case_id").fetchall()
    with open(side, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([len(meta), len(heads)])
        with open(exported, newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["kind"] == "request":
                    case_id = case_ids[row["ref"]]
                    writer.writerow([case_id, *placements.get(case_id, [])])
                writer.writerow(extras[int(row["event_id"])])
        writer.writerows([[field(value) for value in row] for row in (*meta, *heads)])
        for row in conn.execute(f"SELECT {', '.join(DEADLINES)} FROM deadlines ORDER BY id"):
            writer.writerow([field(value) for value in row])


if __name__ == "__main__":
    main(*sys.argv[1:4])
