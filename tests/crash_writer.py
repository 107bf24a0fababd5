"""A long write for the crash tests: one transaction through `Database.write()` that adds cases, their
request events and materialised deadlines row by row (as an import does) and never commits on its own.

Prints "writing" once the first rows are in, then keeps inserting until killed, or until N cases are
in when N is given (then commits and prints "committed").
"""

from __future__ import annotations

import sys
from datetime import date

from sendtrack.app.record import now
from sendtrack.calendar import england
from sendtrack.domain import Settings
from sendtrack.rules.engine import compute
from sendtrack.storage import cases as store
from sendtrack.storage.db import locate, open_database


def main(limit: int | None) -> None:
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
            if number == 50:
                print("writing", flush=True)
    print("committed", flush=True)
    db.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else None)
