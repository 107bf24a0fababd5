"""`calendar`: the open statutory deadlines as RFC 5545 events, parsed back with icalendar and compared with
the fixed caseload's deadlines worked out by hand (tests/caseload.py, seen on Tue 27 May 2025), and the
same bytes on every run for the same deadlines made at the same moment (DTSTAMP is the file's making).

Import into Outlook or Google Calendar cannot be tested here: the file follows RFC 5545 (VERSION,
PRODID, UID, DTSTAMP on every event; all-day DATE values with DTEND the next day, which Exchange needs).
"""

from __future__ import annotations

import os
import stat
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.caseload import AS_OF, CASES, built
from tests.conftest import Cli

icalendar = pytest.importorskip("icalendar")

A = "reg 13(2)"


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    return built(tmp_path_factory, "calendar")


def run(db: str, *args: str) -> bytes:
    result = Cli()(["--db", db, "calendar", "--as-of", AS_OF, *args])
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


# front-door's open statutory deadlines of the authority and its partners on Tue 27 May 2025, by act-by
# date: (summary, act-by, due, status). P15's are excepted (left out); I09 was refused and J10 withdrawn.
FRONT_DOOR = [
    # psychology advice asked 12 Feb + 6 weeks = 26 Mar (a partner's duty: still on the calendar)
    ("A01 advice [psychology] (overdue)", "2025-03-26", "2025-03-26", "overdue"),
    # request 7 Apr + 6 weeks = 19 May
    ("K11 assessment-decision (overdue)", "2025-05-19", "2025-05-19", "overdue"),
    # 6 Jan + 20 weeks = Mon 26 May, a bank holiday: act by Fri 23 May
    ("A01 final-plan (overdue)", "2025-05-23", "2025-05-26", "overdue"),
    # 22 Apr + 6 weeks = Tue 3 Jun
    ("L12 assessment-decision", "2025-06-03", "2025-06-03", "open"),
    # 7 Apr + 16 weeks = 28 Jul
    ("K11 issue-decision", "2025-07-28", "2025-07-28", "open"),
    # 22 Apr + 16 weeks = 12 Aug
    ("L12 issue-decision", "2025-08-12", "2025-08-12", "open"),
    # 7 Apr + 20 weeks = Mon 25 Aug, the summer bank holiday: act by Fri 22 Aug
    ("K11 final-plan", "2025-08-22", "2025-08-25", "open"),
    # 22 Apr + 20 weeks = 9 Sep
    ("L12 final-plan", "2025-09-09", "2025-09-09", "open"),
    # C03's plan 24 Feb 2025 + 12 months - 1 day = 23 Feb 2026 (C3)
    ("C03 annual-review", "2026-02-23", "2026-02-23", "open"),
    # E05's plan 19 May 2025 + 12 months - 1 day = 18 May 2026
    ("E05 annual-review", "2026-05-18", "2026-05-18", "open"),
]


def events(data: bytes) -> list:
    return list(icalendar.Calendar.from_ical(data).walk("VEVENT"))


def test_one_all_day_event_per_open_statutory_deadline(db):
    data = run(db, "--team", "front-door")
    cal = icalendar.Calendar.from_ical(data)
    assert str(cal["VERSION"]) == "2.0" and "sendtrack" in str(cal["PRODID"])
    assert str(cal["X-PUBLISHED-TTL"]) == "PT1H" and str(cal["METHOD"]) == "PUBLISH"
    found = [e for e in events(data) if not str(e["SUMMARY"]).split()[1].startswith(("post16", "phase"))]
    got = [(str(e["SUMMARY"]), e.decoded("DTSTART").isoformat()) for e in found]
    assert got == [(summary, act_by) for summary, act_by, _, _ in FRONT_DOOR]
    for event, (_, act_by, due, status) in zip(found, FRONT_DOOR, strict=True):
        start = event.decoded("DTSTART")
        assert type(start) is date  # an all-day event: VALUE=DATE, not a time
        assert event.decoded("DTEND") == start + timedelta(days=1)
        description = str(event["DESCRIPTION"])
        assert f"Due {due}; act by {act_by}" in description
        assert f"Status: {status}." in description
        assert "Source: " in description
        assert str(event["TRANSP"]) == "TRANSPARENT"
        assert event.decoded("DTSTAMP").tzinfo is not None
    final = next(e for e in found if str(e["SUMMARY"]) == "A01 final-plan (overdue)")
    assert f"Source: {A}." in str(final["DESCRIPTION"])
    # DTSTAMP is the instance's making (RFC 5545 3.8.7.2: the object has a METHOD), the start of the
    # as-of day, the same on every event; written as UTC ("Z"), as the RFC requires
    stamps = {e.decoded("DTSTAMP") for e in found}
    assert stamps == {datetime(2025, 5, 27, tzinfo=UTC)}
    assert all(line.endswith("Z") for line in data.decode().splitlines() if line.startswith("DTSTAMP"))


def test_no_childs_name_initials_or_date_of_birth(db):
    text = run(db).decode()
    assert "BEGIN:VEVENT" in text
    unfolded = text.replace("\r\n ", "")
    for _, name, dob, *_ in CASES:
        initials = ".".join(p[0] for p in name.split()) + "."
        for detail in (name, initials, dob, dob.replace("-", "")):
            assert detail not in unfolded, detail


def test_the_same_deadlines_give_the_same_bytes_and_uids_stay(db, tmp_path, monkeypatch):
    # two runs on one day give the same bytes, whatever the clock says
    first = run(db, "--team", "front-door")
    assert b"DTSTAMP:20250527T000000Z\r\n" in first
    from sendtrack.app import record

    monkeypatch.setattr(record, "now", lambda: datetime(2031, 1, 1, 6, 15))
    assert run(db, "--team", "front-door") == first
    # a day later nothing changed for these deadlines but the day: only the DTSTAMP lines differ
    result = Cli()(["--db", db, "calendar", "--as-of", "2025-05-28", "--team", "front-door"])
    assert result.stdout_bytes.replace(b"20250528T000000Z", b"20250527T000000Z") == first
    # the UIDs are unique, and a deadline keeps its UID when its status changes (L12's decision, due
    # 3 Jun, is overdue on 4 Jun)
    uids = {str(e["SUMMARY"]).removesuffix(" (overdue)"): str(e["UID"]) for e in events(first)}
    assert len(set(uids.values())) == len(events(first))
    later = Cli()(["--db", db, "calendar", "--as-of", "2025-06-04", "--team", "front-door"]).stdout_bytes
    after = {str(e["SUMMARY"]).removesuffix(" (overdue)"): str(e["UID"]) for e in events(later)}
    assert after["L12 assessment-decision"] == uids["L12 assessment-decision"]
    assert "L12 assessment-decision (overdue)" in later.decode()


def test_coordinator_and_out_file(db, tmp_path):
    out = tmp_path / "jo.ics"
    result = Cli()(["--db", db, "calendar", "--as-of", AS_OF, "--coordinator", "Jo Lee", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    summaries = [str(e["SUMMARY"]).split()[0] for e in events(out.read_bytes())]
    # Jo Lee holds C03, I09, L12, P15: I09 refused, P15 excepted
    assert set(summaries) == {"C03", "L12"}
    # the file is not replaced without --force
    again = Cli()(["--db", db, "calendar", "--as-of", AS_OF, "--coordinator", "Jo Lee", "--out", str(out)])
    assert again.exit_code == 1 and "already exists" in again.stderr
    ok = Cli()(["--db", db, "calendar", "--as-of", AS_OF, "--out", str(out), "--force"])
    assert ok.exit_code == 0, ok.output
    assert b"N14" in out.read_bytes()


def test_the_database_is_never_the_destination(db):
    result = Cli()(["--db", db, "calendar", "--as-of", AS_OF, "--out", db, "--force"])
    assert result.exit_code == 1
    assert "is the database sendtrack has open" in result.stderr
