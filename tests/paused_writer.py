"""A `sendtrack export --out` or `backup` that stops part-way, for tests/test_files.py to SIGKILL.

    python tests/paused_writer.py export|backup ARGS...

runs `sendtrack ARGS...` with the writing made to pause at a fixed point: an export after its first
rows are in the temporary file, a backup once the copy is in its temporary file (before the integrity
check and the rename). At that point it prints "paused" on stderr and sleeps until killed.
"""

from __future__ import annotations

import sys
import time


def pause() -> None:
    sys.stderr.write("paused\n")
    sys.stderr.flush()
    while True:
        time.sleep(60)


def main(what: str, args: list[str]) -> int:
    if what == "export":
        from sendtrack.app import exchange

        rows = exchange.export_rows

        def paused_rows(db):
            for number, row in enumerate(rows(db)):
                yield row
                if number == 3:
                    pause()

        exchange.export_rows = paused_rows
    else:
        from sendtrack.storage import backup

        copy = backup._copy

        def paused_copy(db, target):
            copy(db, target)
            pause()

        backup._copy = paused_copy
    from sendtrack.cli.app import app

    return app(args, standalone_mode=False, prog_name="sendtrack") or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
