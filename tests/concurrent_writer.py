"""A writer process for the concurrency tests: N writes through the real command path, one per call.

Each write is a whole `sendtrack` command run in this process (its own connection, transaction and
deadline rebuild, as a coordinator's command would be); only the bank-holiday calendar and typer's
click command are built once, so the test measures the database and not start-up. Even writes add a
request with a generated reference (a read-then-write race on the next number); odd ones record a
contact on a shared case.
With a START directory, the writer creates START/ready-WORKER once it is ready to write and waits for
START/go: the test starts every writer's writes together, so they contend however slowly each process
started; with N 0 it writes until START/stop appears. Prints one line of JSON: how many writes, how many
failed, and the failures' messages.
"""

from __future__ import annotations

import contextlib
import functools
import io
import itertools
import json
import sys
import time
from pathlib import Path

import typer

import sendtrack.calendar
from sendtrack.cli.app import app

START_WAIT_S = 600  # a test that died before saying go: give up rather than linger


def wait_for_go(start: Path, worker: int) -> None:
    (start / f"ready-{worker}").touch()
    waited = 0.0
    while not (start / "go").exists():
        if waited > START_WAIT_S:
            sys.exit(f"concurrent_writer: no {start / 'go'} after {START_WAIT_S} s")
        time.sleep(0.01)
        waited += 0.01


def main(worker: int, writes: int, shared: str, start: Path | None = None) -> None:
    sendtrack.calendar.england = functools.cache(sendtrack.calendar.england)
    command = typer.main.get_command(app)  # the click command `sendtrack` runs, built once
    sendtrack.calendar.england()  # built before the start line, as the command is
    if start is not None:
        wait_for_go(start, worker)
    failures, latencies = [], []
    # WRITES 0: write until START/stop appears (beside a long writer, for as long as it runs)
    counts = range(writes) if writes or start is None else itertools.takewhile(
        lambda _: not (start / "stop").exists(), itertools.count())
    for i in counts:
        if i % 2 == 0:
            args = ["add-request", "--name", f"Child W{worker} N{i}", "--dob", "2015-03-15",
                    "--received", "2025-01-06", "--by", f"worker-{worker}"]
        else:
            args = ["record", "contact", shared, "--date", "2025-02-01", "--note", f"w{worker}-{i}",
                    "--by", f"worker-{worker}"]
        err = io.StringIO()
        started = time.perf_counter()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            try:
                code = command.main(args, standalone_mode=False, prog_name="sendtrack")
            except SystemExit as exc:
                code = exc.code
        latencies.append(time.perf_counter() - started)
        if code:
            failures.append(f"{' '.join(args[:2])}: exit {code}: {err.getvalue().strip()}")
    latencies.sort()
    print(json.dumps({"worker": worker, "writes": len(latencies), "failures": failures,
                      "max_s": round(latencies[-1], 3),
                      "p50_s": round(latencies[len(latencies) // 2], 4)}))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], Path(sys.argv[4]) if len(sys.argv) > 4 else None)
