"""Writers for the crash tests, and a way to stop any write part-way on purpose (test-only code).

    python tests/crash_writer.py [OPTIONS] [N]
    python tests/crash_writer.py [OPTIONS] -- SENDTRACK-ARGS...

The first form is the long write: one transaction through `Database.write()` that adds cases, their
request events and materialised deadlines row by row (as an import does); it never commits on its own,
unless N is given: then it stops after N cases, commits and prints "committed". The second form runs
`sendtrack SENDTRACK-ARGS` in this process instead (`recompute`, `import FILE`).

With CRASH_WRITER_NOW=YYYY-MM-DDTHH:MM:SS in the environment, sendtrack's clock (`app.record.now`)
reads that moment.

Options (both forms):
  --hold MARKER AFTER   after the AFTER-th statement that writes inside a write transaction (INSERT,
                        UPDATE, DELETE, CREATE, DROP, ...; one executemany counts once), write MARKER and
                        wait there to be killed: the rows are written, the transaction still open. A
                        test waits for MARKER and then kills, so the write can never finish first,
                        however fast or loaded the machine. Not killed within HOLD_S: exit 3.
  --count FILE          at exit, write to FILE how many such statements ran: a rehearsal on a copy of
                        the database tells the test where the middle of a command's transaction is.

The hold is a monkeypatch of `Database.write`, `Database.execute` and `Database.executemany` in this
process only (every SQL statement sendtrack runs goes through them); `sendtrack/` has no test hook.
"""

from __future__ import annotations

import atexit
import functools
import os
import re
import sys
import time
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

from sendtrack.app.record import now
from sendtrack.calendar import england
from sendtrack.domain import Settings
from sendtrack.rules.engine import compute
from sendtrack.storage import cases as store
from sendtrack.storage.db import Database, locate, open_database

HOLD_S = 600  # a held writer whose test died exits by itself rather than linger
#: environment: a fixed "now" (ISO date and time) for `sendtrack` run here, so two imports of one file
#: stamp their rows alike (imported_at) and their dumps can be compared
FIXED_NOW = "CRASH_WRITER_NOW"
WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)


def watch_writes(*, hold: tuple[Path, int] | None, count: Path | None) -> None:
    """Count the statements that write inside a write transaction; hold at one, or report the total."""
    seen = {"inside": False, "writes": 0}
    plain_write = Database.write

    @contextmanager
    def write(self):
        with plain_write(self) as db:
            seen["inside"] = True
            try:
                yield db
            finally:
                seen["inside"] = False

    def counted(method):
        @functools.wraps(method)
        def run(self, sql, *args, **kwargs):
            result = method(self, sql, *args, **kwargs)
            if seen["inside"] and WRITES.match(sql):
                seen["writes"] += 1
                if hold is not None and seen["writes"] == hold[1]:
                    held(hold[0], sql)
            return result
        return run

    Database.write = write  # type: ignore[method-assign]
    Database.execute = counted(Database.execute)  # type: ignore[method-assign]
    Database.executemany = counted(Database.executemany)  # type: ignore[method-assign]
    if count is not None:
        atexit.register(lambda: count.write_text(f"{seen['writes']}\n"))


def held(marker: Path, sql: str) -> None:
    """Inside the transaction, rows written: say so (atomically: the test never reads half a marker)
    and wait to be killed."""
    partial = marker.with_name(marker.name + ".part")
    partial.write_text(f"{os.getpid()} {' '.join(sql.split())[:80]}\n")
    partial.replace(marker)
    time.sleep(HOLD_S)
    print(f"crash_writer: held for {HOLD_S} s inside the transaction and not killed", file=sys.stderr)
    os._exit(3)


def long_write(limit: int | None) -> None:
    calendar, settings = england(), Settings()
    db = open_database(locate(None))
    with db.write():
        number = 0
        while limit is None or number < limit:
            number += 1
            ref = f"BULK-{number:07d}"
            received = date(2024, 1 + number % 12, 1 + number % 28)
            case_id = store.insert_case(db, ref=ref, name=f"Bulk Child {number}", dob=date(2015, 3, 15),
                                        received=received, source="parent", team="front-door",
                                        coordinator=None, looked_after=False, alternative_provision=False,
                                        setting=None, now=now())
            store.insert_event(db, case_id=case_id, kind="request", when=received,
                               details={"source": "parent"}, recorded_by="bulk", now=now())
            store.replace_deadlines(db, case_id, compute(store.to_case(store.find_case(db, ref),
                                                                       store.event_rows(db, case_id)),
                                                         calendar, settings))
    print("committed", flush=True)
    db.close()


def main(argv: list[str]) -> None:
    hold = count = None
    while argv and argv[0] in ("--hold", "--count"):
        if argv[0] == "--hold":
            hold, argv = (Path(argv[1]), int(argv[2])), argv[3:]
        else:
            count, argv = Path(argv[1]), argv[2:]
    watch_writes(hold=hold, count=count)
    if os.environ.get(FIXED_NOW):  # the clock a test fixed: an import stamps its rows with it
        import sendtrack.app.record

        fixed = datetime.fromisoformat(os.environ[FIXED_NOW])
        sendtrack.app.record.now = lambda: fixed  # type: ignore[assignment]
    if argv[:1] == ["--"]:
        from sendtrack.cli.app import app

        app(argv[1:], prog_name="sendtrack")
    else:
        long_write(int(argv[0]) if argv else None)


if __name__ == "__main__":
    main(sys.argv[1:])
