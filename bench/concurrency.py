"""Interactive writers beside the long writers: 4 coordinators writing while an `import` and a `recompute`
of a council's 13,000 cases run (issue 9's "long writers share the lock"); prints figures.

    python bench/concurrency.py                    # council size: 13,000 cases imported, 13,000 recomputed
    python bench/concurrency.py --cases 2000       # smaller
    python bench/concurrency.py --source /work/main --source .   # the same run on two checkouts

Each writer is a process running whole `sendtrack` commands (add-request, then record contact on a
shared case, in turn) in a loop, each with its own connection and transaction as a coordinator's
command would have, from the moment the import and the recompute start until both have ended. The
recompute has every case's deadlines to rewrite (they are deleted first), the import writes 13,000 new
cases exported from another sampled database (references renamed). Printed: each writer's writes,
"busy" refusals, other failures, median and slowest write; the import's and recompute's times and exit;
the longest stretch the write lock was never seen free; `check` afterwards. With several --source
checkouts, each runs the same scenario from the same files.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import functools
import io
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
AS_OF = "2025-06-30"
WRITERS = 4
SHARED = "SHARED-1"


# --- one writer (run as a process of its own: `concurrency.py --writer N START`) ----------------------

def writer(number: int, start: Path) -> None:
    import typer

    import sendtrack.calendar
    from sendtrack.cli.app import app

    sendtrack.calendar.england = functools.cache(sendtrack.calendar.england)
    command = typer.main.get_command(app)  # built once: the figures are the database's, not start-up's
    sendtrack.calendar.england()
    (start / f"ready-{number}").touch()
    while not (start / "go").exists():
        time.sleep(0.01)
    results = []  # (seconds, exit code, message)
    i = 0
    while not (start / "stop").exists():
        if i % 2 == 0:
            args = ["add-request", "--name", f"Writer {number} Child {i}", "--dob", "2015-03-15",
                    "--received", "2025-01-06", "--by", f"writer-{number}"]
        else:
            args = ["record", "contact", SHARED, "--date", "2025-02-01", "--note", f"w{number}-{i}",
                    "--by", f"writer-{number}"]
        err = io.StringIO()
        started = time.perf_counter()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                code = command.main(args, standalone_mode=False, prog_name="sendtrack")
            except SystemExit as exc:
                code = exc.code
            except Exception as exc:  # noqa: BLE001 - a failure is a figure here, not the end of the run
                code, err = 99, io.StringIO(f"{type(exc).__name__}: {exc}")
        results.append((time.perf_counter() - started, code or 0, err.getvalue().strip()[:200]))
        i += 1
    print(json.dumps(results))


# --- the scenario ---------------------------------------------------------------------------------------

class LockProbe(threading.Thread):
    """Tries for the write lock every 50 ms without waiting (taken and let go at once): the longest
    stretch it was held by someone else throughout is the longest any writer could have had to wait."""

    def __init__(self, db: Path) -> None:
        super().__init__(daemon=True)
        self.db, self.done, self.longest = db, threading.Event(), 0.0

    def run(self) -> None:
        held_since = None
        while not self.done.is_set():
            conn = sqlite3.connect(self.db, isolation_level=None, timeout=0)
            now = time.monotonic()
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
                if held_since is not None:
                    self.longest, held_since = max(self.longest, now - held_since), None
            except sqlite3.OperationalError:
                held_since = now if held_since is None else held_since
            finally:
                conn.close()
            time.sleep(0.05)


def sendtrack(source: Path | None) -> tuple[list[str], dict]:
    """How to run `sendtrack` from a checkout (its package on PYTHONPATH), or the installed one."""
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = str(source.resolve())
    return [sys.executable, "-m", "sendtrack"], env


def prepare(out: Path, cases: int, reuse: bool) -> tuple[Path, Path]:
    """The council database (sampled) and the file to import (another sample, its references renamed)."""
    council, incoming = out / "council.db", out / "incoming-2.csv"
    if reuse and council.exists() and incoming.exists():
        return council, incoming
    st, env = sendtrack(None)
    for db, seed in ((council, "1"), (out / "other.db", "2")):
        for leftover in out.glob(db.name + "*"):
            leftover.unlink()
        subprocess.run([*st, "--db", str(db), "init"], check=True, capture_output=True, env=env)
        subprocess.run([*st, "--db", str(db), "sample", "--cases", str(cases), "--seed", seed, "--as-of",
                        AS_OF], check=True, capture_output=True, env=env)
    exported = out / "other.csv"
    exported.unlink(missing_ok=True)
    subprocess.run([*st, "--db", str(out / "other.db"), "export", "--out", str(exported)], check=True,
                   capture_output=True, env=env)
    with exported.open(newline="") as source, incoming.open("w", newline="") as target:
        rows, out_rows = csv.reader(source), csv.writer(target)
        header = next(rows)
        at, name = header.index("ref"), header.index("name")
        out_rows.writerow(header)
        for row in rows:  # other references, and other names (a child in both would be a second request)
            row[at] = "IMP-" + row[at]
            if row[name]:
                row[name] = "Imported " + row[name]
            out_rows.writerow(row)
    return council, incoming


def scenario(label: str, source: Path | None, council: Path, incoming: Path, out: Path) -> dict:
    st, env = sendtrack(source)
    db = out / f"run-{label}.db"
    for leftover in out.glob(db.name + "*"):
        leftover.unlink()
    with sqlite3.connect(council) as conn, sqlite3.connect(db) as copy:
        conn.backup(copy)
    os.chmod(db, 0o600)
    with sqlite3.connect(db) as conn:  # every case's deadlines to rewrite: the recompute's heaviest case
        conn.execute("DELETE FROM deadlines")
    subprocess.run([*st, "--db", str(db), "add-request", "--ref", SHARED, "--name", "Shared Case", "--dob",
                    "2015-03-15", "--received", "2025-01-06"], check=True, capture_output=True, env=env)
    env = {**env, "SENDTRACK_DB": str(db), "SENDTRACK_USER": "bench"}
    start = out / f"start-{label}"
    shutil.rmtree(start, ignore_errors=True)
    start.mkdir()
    procs = []
    try:
        for number in range(WRITERS):
            procs.append(subprocess.Popen([sys.executable, __file__, "--writer", str(number), str(start)],
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                          start_new_session=True))
        while len(list(start.glob("ready-*"))) < WRITERS:
            if any(p.poll() is not None for p in procs):
                raise SystemExit("bench: a writer ended before the start: "
                                 + next(p.stderr.read() for p in procs if p.poll() is not None))
            time.sleep(0.05)
        probe = LockProbe(db)
        probe.start()
        (start / "go").touch()
        started = time.perf_counter()
        long = {}
        for name, args in (("import", ["import", str(incoming)]), ("recompute", ["recompute"])):
            long[name] = (subprocess.Popen([*st, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                           text=True, env=env), time.perf_counter())
        ended = {}
        while len(ended) < len(long):
            for name, (proc, began) in long.items():
                if name not in ended and proc.poll() is not None:
                    ended[name] = (time.perf_counter() - began, proc.returncode,
                                   proc.stderr.read().strip().splitlines()[-1:] if proc.returncode else [])
            time.sleep(0.05)
        (start / "stop").touch()
        probe.done.set()
        probe.join()
        writes = []
        for proc in procs:
            stdout, stderr = proc.communicate(timeout=600)
            if proc.returncode:
                raise SystemExit(f"bench: a writer failed: {stderr.strip()[-500:]}")
            writes.append(json.loads(stdout))
        seconds = time.perf_counter() - started
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
    check = subprocess.run([*st, "check"], capture_output=True, text=True, env=env)
    return {"label": label, "writes": writes, "long": ended, "seconds": seconds, "held": probe.longest,
            "check": check.stdout.strip().splitlines()[-1:] if check.returncode == 0
            else [f"exit {check.returncode}: {check.stderr.strip()}"]}


def busy(message: str) -> bool:
    return "busy" in message.lower() or "locked" in message.lower()


def report(result: dict, cases: int) -> None:
    print(f"\n## {result['label']}: {WRITERS} writers beside `import` ({cases:,} cases) and `recompute` "
          f"({cases:,} cases, every one rewritten), {result['seconds']:.1f} s\n")
    print("| writer | writes | busy | other failures | median s | slowest s |")
    print("|---|---:|---:|---:|---:|---:|")
    every = []
    for number, results in enumerate(result["writes"]):
        times = [r[0] for r in results]
        every += times
        busy_count = sum(1 for r in results if r[1] and busy(r[2]))
        other = sum(1 for r in results if r[1] and not busy(r[2]))
        print(f"| writer-{number} | {len(results)} | {busy_count} | {other} | "
              f"{statistics.median(times):.3f} | {max(times):.2f} |")
    failures = [r for results in result["writes"] for r in results if r[1]]
    total_busy = sum(1 for r in failures if busy(r[2]))
    print(f"| all | {len(every)} | {total_busy} | {len(failures) - total_busy} | "
          f"{statistics.median(every):.3f} | {max(every):.2f} |")
    print()
    for name, (seconds, code, last) in result["long"].items():
        print(f"- `{name}`: {seconds:.1f} s, exit {code}{': ' + last[0] if last else ''}")
    print(f"- the longest the write lock was never seen free (a probe tried for it every 50 ms; held by one "
          f"writer after another, or by one long transaction): {result['held']:.2f} s")
    print(f"- `check` afterwards: {result['check'][0] if result['check'] else '?'}")
    for message in sorted({r[2] for r in failures})[:5]:
        print(f"- failure: {message}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=13_000, help="cases in the council and in the import")
    parser.add_argument("--source", type=Path, action="append",
                        help="a sendtrack checkout to run (repeatable); default: the installed one")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="where the databases go")
    parser.add_argument("--reuse", action="store_true", help="keep the sampled database and file")
    parser.add_argument("--writer", nargs=2, metavar=("N", "START"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.writer:
        writer(int(args.writer[0]), Path(args.writer[1]))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    council, incoming = prepare(args.out, args.cases, args.reuse)
    print(f"sendtrack concurrency benchmark: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"{args.cases:,} cases", flush=True)
    for number, source in enumerate(args.source or [None]):
        label = f"{number}-{source.resolve().name}" if source is not None else "installed"
        report(scenario(label, source, council, incoming, args.out), args.cases)
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
