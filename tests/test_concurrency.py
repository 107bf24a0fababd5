"""Several processes writing at once: every write lands, none sees "database is locked".

The writes go through the real command path (tests/concurrent_writer.py), each with its own
connection and transaction: `BEGIN IMMEDIATE` on SQLite (WAL, 30 s busy timeout), a transaction-scoped
advisory lock on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

WRITER = Path(__file__).with_name("concurrent_writer.py")


def run_writers(processes: int, writes: int, shared: str) -> tuple[list[dict], float]:
    started = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, str(WRITER), str(n), str(writes), shared],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=os.environ.copy())
             for n in range(processes)]
    reports = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert "locked" not in err.lower() and "busy" not in err.lower(), err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return reports, time.perf_counter() - started


@pytest.mark.slow
@pytest.mark.parametrize("processes, writes", [(4, 250), (8, 100)], ids=["4x250", "8x100"])
def test_concurrent_writers_lose_nothing(backend_cli, backend, processes, writes):
    if not backend.is_sqlite and (processes, writes) != (8, 100):
        pytest.skip("PostgreSQL runs the 8 x 100 case")
    backend_cli.ok("add-request --ref SHARED --name 'Shared Case' --dob 2015-03-15 --received 2025-01-06")
    reports, seconds = run_writers(processes, writes, "SHARED")
    failures = [f for r in reports for f in r["failures"]]
    assert failures == []
    db = backend.open()
    try:
        cases = db.one("SELECT COUNT(*), COUNT(DISTINCT ref) FROM cases")
        contacts = db.all("SELECT recorded_by, COUNT(*) FROM events WHERE kind = 'contact' "
                          "GROUP BY recorded_by ORDER BY recorded_by")
        requests = db.one("SELECT COUNT(*) FROM events WHERE kind = 'request'")[0]
    finally:
        db.close()
    adds, notes = (writes + 1) // 2, writes // 2
    assert cases == (1 + processes * adds, 1 + processes * adds)  # generated references never collide
    assert requests == 1 + processes * adds
    assert contacts == [(f"worker-{n}", notes) for n in range(processes)]
    # the deadlines rebuilt by every interleaved write still match the events
    assert "no problems" in backend_cli.ok("check")
    print(f"\n{backend.name}: {processes} x {writes} writes in {seconds:.1f} s, worst single write "
          f"{max(r['max_s'] for r in reports):.2f} s")
