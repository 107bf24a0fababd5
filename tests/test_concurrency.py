"""Several processes writing at once: every write lands, none sees "database is locked".

The writes go through the real command path (tests/concurrent_writer.py), each with its own
connection and transaction: `BEGIN IMMEDIATE` on SQLite (WAL, 30 s busy timeout), a transaction-scoped
advisory lock on PostgreSQL. Every writer starts its writes on the same signal, so they contend however
slowly the processes start; the test asserts what was written, never how long it took (the timings are
printed, for reading only).
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

WRITER = Path(__file__).with_name("concurrent_writer.py")
WAIT_S = 900  # for everything: only a hang takes this long, however loaded the machine


def run_writers(processes: int, writes: int, shared: str, where: Path) -> tuple[list[dict], float]:
    start = where / "start"
    start.mkdir()
    procs, logs = [], []
    try:
        for n in range(processes):
            out, err = where / f"writer-{n}.out", where / f"writer-{n}.err"
            logs.append((out, err))
            with out.open("w") as stdout, err.open("w") as stderr:
                procs.append(subprocess.Popen([sys.executable, str(WRITER), str(n), str(writes), shared,
                                               str(start)], stdout=stdout, stderr=stderr,
                                              env=os.environ.copy(), start_new_session=True))
        deadline = time.monotonic() + WAIT_S
        while len(list(start.glob("ready-*"))) < processes:
            ended = [(n, p.returncode) for n, p in enumerate(procs) if p.poll() is not None]
            assert not ended, f"writers ended before the start: {ended}: {logs[ended[0][0]][1].read_text()}"
            assert time.monotonic() < deadline, "the writers were not all ready in time"
            time.sleep(0.05)
        started = time.perf_counter()
        (start / "go").touch()
        for proc in procs:
            proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        seconds = time.perf_counter() - started
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    reports = []
    for proc, (out, err) in zip(procs, logs, strict=True):
        text = err.read_text()
        assert proc.returncode == 0, text
        assert "locked" not in text.lower() and "busy" not in text.lower(), text
        reports.append(json.loads(out.read_text().strip().splitlines()[-1]))
    return reports, seconds


@pytest.mark.slow
@pytest.mark.parametrize("processes, writes", [(4, 250), (8, 100)], ids=["4x250", "8x100"])
def test_concurrent_writers_lose_nothing(backend_cli, backend, processes, writes, tmp_path):
    if not backend.is_sqlite and (processes, writes) != (8, 100):
        pytest.skip("PostgreSQL runs the 8 x 100 case")
    backend_cli.ok("add-request --ref SHARED --name 'Shared Case' --dob 2015-03-15 --received 2025-01-06")
    reports, seconds = run_writers(processes, writes, "SHARED", tmp_path)
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


def sampled_import_file(cli, tmp_path: Path, cases: int) -> Path:
    """A CSV of `cases` sampled cases from a database of their own, references renamed (IMP-...) so
    they meet none of the test database's sampled ones."""
    other = tmp_path / "other.db"
    cli.ok(["--db", str(other), "init"])
    cli.ok(["--db", str(other), "sample", "--cases", str(cases), "--seed", "2", "--as-of", "2025-06-30"])
    exported = tmp_path / "other.csv"
    cli.ok(["--db", str(other), "export", "--out", str(exported)])
    rows = list(csv.reader(io.StringIO(exported.read_text())))
    renamed = tmp_path / "incoming.csv"
    with renamed.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(rows[0])
        out.writerows(["IMP-" + r[0], *r[1:]] for r in rows[1:])
    return renamed


@pytest.mark.slow
def test_writers_beside_an_import_and_a_recompute_are_never_busy(backend_cli, backend, tmp_path):
    """Issue 9: 4 writers run while an import and a recompute (every case's deadlines to rewrite) write
    in steps; no writer is refused "busy", every write lands, and the result passes `check`."""
    cases = 1_500
    cli = backend_cli
    cli.ok(["sample", "--cases", str(cases), "--seed", "1", "--as-of", "2025-06-30"])
    incoming = sampled_import_file(cli, tmp_path, cases)
    db = backend.open()
    try:
        with db.write():
            db.execute("DELETE FROM deadlines")  # the recompute rewrites every case
    finally:
        db.close()
    cli.ok("add-request --ref SHARED --name 'Shared Case' --dob 2015-03-15 --received 2025-01-06")

    start = tmp_path / "start"
    start.mkdir()
    env = {**os.environ, **backend.env}
    writers, long = [], {}
    try:
        for n in range(4):
            out, err = (tmp_path / f"writer-{n}.{ext}" for ext in ("out", "err"))
            with out.open("w") as stdout, err.open("w") as stderr:
                writers.append((subprocess.Popen([sys.executable, str(WRITER), str(n), "0", "SHARED",
                                                  str(start)], stdout=stdout, stderr=stderr, env=env,
                                                 start_new_session=True), out, err))
        deadline = time.monotonic() + WAIT_S
        while len(list(start.glob("ready-*"))) < 4:
            assert all(p.poll() is None for p, _, _ in writers), "a writer ended before the start"
            assert time.monotonic() < deadline, "the writers were not all ready in time"
            time.sleep(0.05)
        (start / "go").touch()
        for name, args in (("import", ["import", str(incoming)]), ("recompute", ["recompute"])):
            long[name] = subprocess.Popen([sys.executable, "-m", "sendtrack", *args], stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
        for name, proc in long.items():
            _, stderr = proc.communicate(timeout=WAIT_S)
            assert proc.returncode == 0, f"{name}: {stderr}"
        (start / "stop").touch()
        for proc, _, _ in writers:
            proc.wait(timeout=WAIT_S)
    finally:
        for proc in [p for p, _, _ in writers] + list(long.values()):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    reports = []
    for proc, out, err in writers:
        text = err.read_text()
        assert proc.returncode == 0, text
        assert "locked" not in text.lower() and "busy" not in text.lower(), text
        reports.append(json.loads(out.read_text().strip().splitlines()[-1]))
    assert [f for r in reports for f in r["failures"]] == []
    written = sum(r["writes"] for r in reports)
    assert all(r["writes"] >= 2 for r in reports), reports  # each wrote while the long writers ran
    adds = sum((r["writes"] + 1) // 2 for r in reports)
    db = backend.open()
    try:
        found = db.one("SELECT COUNT(*), COUNT(DISTINCT ref) FROM cases")
        imported = db.one("SELECT COUNT(*) FROM cases WHERE ref LIKE 'IMP-%'")[0]
        contacts = db.one("SELECT COUNT(*) FROM events WHERE kind = 'contact' AND recorded_by LIKE 'worker-%'")[0]
    finally:
        db.close()
    assert imported == cases
    assert found == (2 * cases + 1 + adds,) * 2
    assert contacts == written - adds
    assert "no problems" in cli.ok("check")
    print(f"\n{backend.name}: {written} writes beside import and recompute of {cases} cases, worst single "
          f"write {max(r['max_s'] for r in reports):.2f} s")
