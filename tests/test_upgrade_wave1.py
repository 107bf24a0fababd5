"""A database written by wave 1 (sendtrack before issue 13, schema 0003) keeps every event after the
upgrade, and `sendtrack recompute` changes exactly the deadlines issue 13's corrections and new rules
touch. tests/data/wave1-sample.sql is `sqlite3 .dump` of five cases recorded through wave 1's CLI:

W1  plan issued Thu 29 Feb 2024 (C3 correction)
W2  Year 6 -> 7 in Sept 2026; plan amended Mon 3 Nov 2025 without --for-transfer (spec 8.7 correction)
W3  plan ceased Tue 1 Apr 2025 (maintained until cease-effective, spec 4.3)
W4  final Mon 7 Jan 2019, invitations Tue 8 Jan, scheduled 22 Jan for 22 Jan, re-scheduled 23 Jan for
    24 Jan (the review-notice regression)
W5  a request and a decision to assess: nothing changes
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

DUMP = Path(__file__).parent / "data" / "wave1-sample.sql"

ROWS = ("SELECT c.ref, d.rule, coalesce(d.subject, ''), d.trigger, d.due, coalesce(d.completed_on, ''), "
        "coalesce(d.ended_on, ''), coalesce(d.known_until, '') FROM deadlines d JOIN cases c ON c.id = d.case_id")

#: wave 1's columns of every event, as they were written
EVENTS = "SELECT id, case_id, kind, date, details, voids, recorded_by, recorded_at, hash FROM events ORDER BY id"

Y7 = "primary to secondary (Year 6 to 7) on 2026-09-01"
Y12 = "secondary to post-16 (Year 11 to 12) on 2026-09-01"

#: (ref, rule, subject, trigger, due, completed_on, ended_on, known_until) as wave 1 stored them and the
#: rules of issue 13 no longer compute them ...
REMOVED = {
    # C3: 29 Feb 2024 + 12 months had been pulled back to Thu 27 Feb 2025; review-scheduled = due - 56 days
    ("W1", "annual-review", "", "2024-02-29", "2025-02-27", "", "", ""),
    ("W1", "review-scheduled", "", "2024-02-29", "2025-01-02", "", "", ""),
    # the unflagged amended plan of 3 Nov 2025 had completed the Year 7 transfer
    ("W2", "phase-transfer", Y7, "2023-05-22", "2026-02-14", "2025-11-03", "", ""),
    # the cease of 1 Apr 2025 had ended the plan's deadlines that day
    ("W3", "annual-review", "", "2024-05-20", "2025-05-19", "", "2025-04-01", ""),
    ("W3", "phase-transfer-meeting", Y12, "2024-05-20", "2026-01-05", "", "2025-04-01", ""),
    ("W3", "post16-transfer", Y12, "2024-05-20", "2026-03-30", "", "2025-04-01", ""),
    ("W3", "review-scheduled", "", "2024-05-20", "2025-03-24", "", "2025-04-01", ""),
    # the met notice of the meeting of 22 Jan had been replaced by the re-scheduling of 23 Jan
    ("W4", "review-notice", "", "2019-01-22", "2019-01-08", "2019-01-08", "", "2019-01-23"),
    ("W4", "review-notice", "", "2019-01-23", "2019-01-10", "2019-01-08", "", ""),
}
#: ... and what they compute instead, with the rows of the new rules (every plan has an appeal window).
ADDED = {
    # C3: no 29 Feb 2025, so the 12 months end Fri 28 Feb 2025; 28 Feb - 56 days = Fri 3 Jan 2025
    ("W1", "annual-review", "", "2024-02-29", "2025-02-28", "", "", ""),
    ("W1", "review-scheduled", "", "2024-02-29", "2025-01-03", "", "", ""),
    # final 29 Feb 2024 + 2 months = Mon 29 Apr 2024
    ("W1", "appeal-deadline", "plan-contents", "2024-02-29", "2024-04-29", "", "", ""),
    # outstanding now: only a plan recorded --for-transfer completes it
    ("W2", "phase-transfer", Y7, "2023-05-22", "2026-02-14", "", "", ""),
    # final 22 May 2023 + 2 months = Sat 22 Jul 2023; amended plan 3 Nov 2025 + 2 months = Sat 3 Jan 2026
    ("W2", "appeal-deadline", "plan-contents", "2023-05-22", "2023-07-22", "", "", ""),
    ("W2", "appeal-deadline", "plan-contents", "2025-11-03", "2026-01-03", "", "", ""),
    # cease 1 Apr 2025 + 2 months = Sun 1 Jun 2025 (cease-effective): the plan ends Mon 2 Jun 2025
    ("W3", "annual-review", "", "2024-05-20", "2025-05-19", "", "2025-06-02", ""),
    ("W3", "phase-transfer-meeting", Y12, "2024-05-20", "2026-01-05", "", "2025-06-02", ""),
    ("W3", "post16-transfer", Y12, "2024-05-20", "2026-03-30", "", "2025-06-02", ""),
    ("W3", "review-scheduled", "", "2024-05-20", "2025-03-24", "", "2025-06-02", ""),
    ("W3", "cease-effective", "", "2025-04-01", "2025-06-01", "", "", ""),
    ("W3", "appeal-deadline", "cease", "2025-04-01", "2025-06-01", "", "", ""),
    # final 20 May 2024 + 2 months = Sat 20 Jul 2024
    ("W3", "appeal-deadline", "plan-contents", "2024-05-20", "2024-07-20", "", "", ""),
    # the notice stays met, one row; final 7 Jan 2019 + 2 months = Thu 7 Mar 2019
    ("W4", "review-notice", "", "2019-01-22", "2019-01-08", "2019-01-08", "", ""),
    ("W4", "appeal-deadline", "plan-contents", "2019-01-07", "2019-03-07", "", "", ""),
}


def rows(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def test_wave1_database_upgrades_and_recompute_changes_exactly_the_corrected_deadlines(cli, tmp_path,
                                                                                      monkeypatch):
    private_db = tmp_path / "wave1.db"
    monkeypatch.setenv("SENDTRACK_DB", str(private_db))
    with sqlite3.connect(private_db) as conn:
        conn.executescript(DUMP.read_text(encoding="utf-8"))
    events = rows(private_db, EVENTS)
    before = set(rows(private_db, ROWS))
    assert len(events) == 28 and len(before) == 61

    # issue 13 needs no migration of its own; later revisions (if any) upgrade wave 1's schema 0003
    out = cli.ok("init")
    assert "up to date (schema 0003)" in out or "upgraded from schema 0003" in out, out
    found = cli.fails("check", code=1).stdout
    # the closure calendar (summer 2027 estimate) changed the configuration, and four cases differ
    assert "-: configuration:" in found
    assert sorted(line.split(":")[0] for line in found.splitlines() if ": deadlines:" in line) == [
        "W1", "W2", "W3", "W4"]

    cli.ok("recompute")
    after = set(rows(private_db, ROWS))
    assert before - after == REMOVED
    assert after - before == ADDED
    assert rows(private_db, EVENTS) == events  # every event kept, unchanged
    assert "no problems" in cli.ok("check")
