"""The side file of the "same rows" import floor (bench/fair_import.py): everything `sendtrack import`
derives from an export file with the rules and the audit chain, taken from a database that a sendtrack
import of that same file wrote. Made beforehand, outside the timing.

    python bench/import_rows.py EXPORT.csv IMPORTED.db SIDE.jsonl

One JSON line per case, in the export file's order (a JSON array, no keys: the cheapest for the floor to
read), after a first line holding the `meta` rows:

    [case id, [[hash, imported_by, imported_at] for each of its events, in the file's order],
     [each of its deadline rows, every column, id first], [audit head's event id, its hash],
     [the ids of its placement rows, in the order the file lists them]]

The case id is import's numbering; the values the export file holds (the case's columns, its events'
columns, its placements) are not repeated here: the floor reads them from the export file itself.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import sys

DEADLINES = ("id", "case_id", "rule", "owner", "kind", "subject", "source", '"trigger"', "due", "act_by",
             "completed_on", "excepted_from", "exception_limb", "ended_on", "known_from", "known_until")


def main(exported: str, imported: str, side: str) -> None:
    conn = sqlite3.connect(f"file:{imported}?mode=ro", uri=True)
    case_ids = dict(conn.execute("SELECT ref, id FROM cases"))
    extras = {row[0]: list(row[1:]) for row in conn.execute(
        "SELECT id, hash, imported_by, imported_at FROM events")}
    deadlines: dict[int, list] = {}
    for row in conn.execute(f"SELECT {', '.join(DEADLINES)} FROM deadlines ORDER BY id"):
        deadlines.setdefault(row[1], []).append(list(row))
    heads = {row[0]: [row[1], row[2]]
             for row in conn.execute("SELECT case_id, event_id, hash FROM audit_heads")}
    placements: dict[int, list] = {}
    for case_id, placement_id in conn.execute("SELECT case_id, id FROM placements ORDER BY id"):
        placements.setdefault(case_id, []).append(placement_id)
    meta = [list(row) for row in conn.execute("SELECT name, value FROM meta ORDER BY name")]
    lines = [json.dumps(meta)]
    case: list | None = None
    with open(exported, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["kind"] == "request":
                if case is not None:
                    lines.append(json.dumps(case))
                case_id = case_ids[row["ref"]]
                case = [case_id, [], deadlines.get(case_id, []), heads[case_id], placements.get(case_id, [])]
            assert case is not None, "each case's rows follow its request's (the export's order)"
            case[1].append(extras[int(row["event_id"])])
    if case is not None:
        lines.append(json.dumps(case))
    with open(side, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
