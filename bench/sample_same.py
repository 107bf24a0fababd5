"""Is a seeded sample the same, row for row, from two installations of sendtrack?

    python bench/sample_same.py --other /work/main/.venv/bin/sendtrack          # 2,000 cases
    python bench/sample_same.py --other OLD --cases 13000 --workers 0

Samples `--cases` cases (`--seed 1 --as-of 2025-06-30`) into a fresh database with each executable
(this checkout's `sendtrack` on PATH, or --this, against --other), then compares every table's rows in
rowid order, each value with its storage class (cases with their return fields, events with their
hashes, audit heads, deadlines, placements, ...). Prints one line a table and exits 1 on the first
table that differs. Databases go to a temporary folder, removed afterwards.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

#: tables whose rows are not the sample's output (the schema's version, ...): compared all the same
SKIP: set[str] = set()


def sample(exe: str, db: Path, cases: int, workers: str | None) -> None:
    env = dict(os.environ)
    if workers is not None:
        env["SENDTRACK_WORKERS"] = workers
    for args in (["init"], ["sample", "--cases", str(cases), "--seed", "1", "--as-of", "2025-06-30"]):
        subprocess.run([exe, "--db", str(db), *args], check=True, env=env, stdout=subprocess.DEVNULL)


def tables(db: Path) -> dict[str, list[tuple]]:
    raw = sqlite3.connect(db)
    names = [r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                       "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    out = {}
    for name in names:
        if name in SKIP:
            continue
        rowid = "" if raw.execute(f"SELECT sql FROM sqlite_master WHERE name = '{name}'").fetchone()[0] \
            .upper().rstrip().endswith("WITHOUT ROWID") else "rowid, "
        # each value with its Python type, which is SQLite's storage class: 1, 1.0 and True compare
        # equal in Python, but an INTEGER stored as REAL (or a date stored as anything but text) differs
        out[name] = [tuple((type(value).__name__, value) for value in row)
                     for row in raw.execute(f'SELECT {rowid}* FROM "{name}" ORDER BY 1')]
    out["(indexes)"] = raw.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' "
                                   "ORDER BY name").fetchall()
    raw.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--other", required=True, help="the other sendtrack executable (e.g. main's)")
    parser.add_argument("--this", default=shutil.which("sendtrack") or "sendtrack")
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--workers", default=None, help="SENDTRACK_WORKERS for this checkout's run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sample-same-") as folder:
        here, there = Path(folder, "this.db"), Path(folder, "other.db")
        sample(args.this, here, args.cases, args.workers)
        sample(args.other, there, args.cases, None)
        mine, theirs = tables(here), tables(there)
    if mine.keys() != theirs.keys():
        print(f"different tables: {sorted(mine.keys() ^ theirs.keys())}")
        return 1
    for name in sorted(mine):
        a, b = mine[name], theirs[name]
        if a != b:
            first = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
                         min(len(a), len(b)))
            print(f"{name}: DIFFERENT ({len(a)} rows against {len(b)}; first difference at row {first})")
            return 1
        print(f"{name}: same ({len(a)} rows)")
    print(f"same: {args.cases} cases, every table row for row")
    return 0


if __name__ == "__main__":
    sys.exit(main())
