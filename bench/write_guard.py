"""What refusing writes on a broken audit chain costs: each `record`/`edit`/`void`/`assign` verifies the
case's own chain first (app.record.refuse_broken_chain: that case's events re-hashed, inside the
write). This times `record contact` on a sampled council-size database with the check and without
it (the check replaced by a no-op), interleaved in one run so both see the same machine, and the
check alone.

    python bench/write_guard.py                  # 13,000 cases into a temporary database
    python bench/write_guard.py --cases 2000 --writes 200

The figures are per write, in process (no start-up): median and 95th percentile, milliseconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=13_000)
    parser.add_argument("--writes", type=int, default=400)
    options = parser.parse_args()

    from sendtrack.app import record as records
    from sendtrack.app.context import Context
    from sendtrack.calendar import england
    from sendtrack.config import load
    from sendtrack.storage import audit
    from sendtrack.storage import cases as store
    from sendtrack.storage.db import Location, open_database

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "guard.db"
        env = {**os.environ, "SENDTRACK_DB": str(path)}
        for args in (["init"], ["sample", "--cases", str(options.cases), "--as-of", "2026-02-01"]):
            subprocess.run([sys.executable, "-m", "sendtrack", *args], env=env, check=True,
                           capture_output=True)
        db = open_database(Location(path=path))
        context = Context.of(load(None), england())
        refs = [r[0] for r in db.all("SELECT c.ref FROM cases c WHERE EXISTS (SELECT 1 FROM events e "
                                     "WHERE e.case_id = c.id AND e.kind = 'final') ORDER BY c.id")]
        events = db.all("SELECT COUNT(*) * 1.0 / COUNT(DISTINCT case_id) FROM events")[0][0]
        print(f"{options.cases} cases, {len(refs)} with a plan; {events:.1f} events a case on average")
        real = records.refuse_broken_chain
        timings: dict[str, list[float]] = {"with the chain check": [], "without it": []}
        day = date(2026, 2, 2)
        for n in range(options.writes):
            ref = refs[(n * 7919) % len(refs)]
            with_check = n % 2 == 0
            records.refuse_broken_chain = real if with_check else (lambda db, case_row: None)
            started = time.perf_counter()
            records.record(db, ref=ref, kind="contact", when=day, details={"note": "rang"}, by="bench",
                           today=day, context=context)
            took = time.perf_counter() - started
            timings["with the chain check" if with_check else "without it"].append(took)
        records.refuse_broken_chain = real
        alone = []
        for n in range(options.writes):
            case_row = store.find_case(db, refs[(n * 104729) % len(refs)])
            started = time.perf_counter()
            with db.read():
                assert audit.find_breaks(db, case_row.id, case_row.id) == []
            alone.append(time.perf_counter() - started)
        timings["the check alone"] = alone
        db.close()
    for what, values in timings.items():
        values.sort()
        p95 = values[int(len(values) * 0.95) - 1]
        print(f"{what:>22}: median {statistics.median(values) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms "
              f"({len(values)} writes)")


if __name__ == "__main__":
    main()
