"""`check` skips the rules checks of cases unchanged since a check found them clean (issue 14 item 5),
without weakening what it checks: after every kind of change the changed case is looked at again and
the check reports exactly what a `--full` check reports, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sendtrack.app import batch
from sendtrack.app import check as integrity
from sendtrack.app.context import Context
from sendtrack.calendar import england
from sendtrack.config import DEFAULT_CONFIG, load
from sendtrack.rules.engine import refusal
from sendtrack.storage import cases as store
from tests.test_audit import tamper

AS_OF = "2025-06-30"
TODAY = date(2025, 7, 1)  # a day after the sample's as-of: every sampled event is on or before it
CASES = 40


def context(config=None) -> Context:
    return Context.of(load(config), england())


def run(backend, *, today: date = TODAY, full: bool = False, config=None, read_only: bool = False):
    if read_only and backend.is_sqlite:
        from sendtrack.storage.db import Database, connect_sqlite

        db = Database(backend.location, connect_sqlite(backend.location.path, read_only=True), "sqlite",
                      read_only=True)
    else:
        db = backend.open()
    try:
        return integrity.run(db, context=context(config), today=today, full=full)
    finally:
        db.close()


def lines(outcome) -> list[str]:
    return [p.line() for p in outcome.problems]


def same_as_full(backend, **kwargs):
    """The incremental check, then a full one: the same problems, in the same order."""
    quick = run(backend, **kwargs)
    full = run(backend, full=True, **kwargs)
    assert lines(quick) == lines(full)
    assert full.skipped == 0 and full.cases == quick.cases
    return quick


def case_id(backend, ref: str) -> int:
    db = backend.open()
    try:
        return db.one("SELECT id FROM cases WHERE ref = ?", (ref,))[0]
    finally:
        db.close()


def snapshot(backend) -> integrity.Snapshot:
    """What check reads, without fingerprints (nothing skipped)."""
    db = backend.open()
    try:
        return integrity.read(db)
    finally:
        db.close()


@pytest.fixture
def sampled(backend_cli):
    backend_cli.ok(["sample", "--cases", str(CASES), "--seed", "5", "--as-of", AS_OF])
    return backend_cli


def test_a_second_check_skips_every_clean_case_and_full_skips_none(sampled, backend):
    first = run(backend)
    assert (first.cases, first.skipped, first.recorded) == (CASES, 0, CASES) and first.problems == []
    second = run(backend)
    assert (second.skipped, second.recorded) == (CASES, 0) and second.problems == []
    full = run(backend, full=True)
    assert (full.skipped, full.recorded) == (0, CASES)  # --full records every clean case again
    assert sampled.ok("check").strip() == "check: no problems found"
    assert sampled.ok("check --full").strip() == "check: no problems found"


def test_an_edited_deadline_row_is_checked_again(sampled, backend):
    run(backend)
    backend.execute("UPDATE deadlines SET due = '2031-01-01' WHERE id = (SELECT MIN(d.id) FROM deadlines d "
                    "JOIN cases c ON c.id = d.case_id WHERE c.ref = 'SMP-0000004')")
    quick = same_as_full(backend)
    assert quick.skipped == CASES - 1
    assert [p.ref for p in quick.problems] == ["SMP-0000004"] and "due 2031-01-01" in lines(quick)[0]
    # a deadline row removed, and one added to another case
    backend.execute("DELETE FROM deadlines WHERE id = (SELECT MAX(d.id) FROM deadlines d "
                    "JOIN cases c ON c.id = d.case_id WHERE c.ref = 'SMP-0000007')")
    backend.execute("INSERT INTO deadlines (case_id, rule, owner, kind, source, trigger, due, act_by, "
                    "known_from) SELECT id, 'final-plan', 'la', 'statutory', 'reg 13(2)', '2025-01-06', "
                    "'2025-05-26', '2025-05-23', '2025-01-06' FROM cases WHERE ref = 'SMP-0000009'")
    quick = same_as_full(backend)
    assert [p.ref for p in quick.problems] == ["SMP-0000004", "SMP-0000007", "SMP-0000009"]


def test_an_event_changed_outside_sendtrack_is_checked_again(sampled, backend):
    run(backend)
    ref = "SMP-0000003"
    tamper(backend, "UPDATE events SET date = '2025-01-02' WHERE id = (SELECT MAX(e.id) FROM events e "
                    "JOIN cases c ON c.id = e.case_id WHERE c.ref = ? AND e.kind != 'request')", (ref,))
    quick = same_as_full(backend)
    assert quick.skipped == CASES - 1
    assert {p.ref for p in quick.problems} == {ref} and "audit-chain" in {p.code for p in quick.problems}


def test_events_recorded_and_case_values_changed_are_checked_again(sampled, backend):
    run(backend)
    sampled.ok("record contact SMP-0000001 --date 2025-06-01 --note 'rang'")
    sampled.ok("add-request --ref NEW-1 --name 'Amelia Jones' --dob 2015-03-15 --received 2025-01-06")
    quick = same_as_full(backend)
    assert (quick.cases, quick.skipped, quick.problems) == (CASES + 1, CASES - 1, [])
    # a case's own value changed by hand (not in any event's hash: only the fingerprint sees it)
    backend.execute("UPDATE cases SET looked_after = NOT looked_after WHERE ref = 'SMP-0000002'")
    assert same_as_full(backend).skipped == CASES  # every other case, NEW-1 included, recorded clean above


def test_another_configuration_or_code_checks_everything(sampled, backend, tmp_path, monkeypatch):
    run(backend)
    other = tmp_path / "config.toml"
    other.write_text(DEFAULT_CONFIG.read_text().replace("contact_weeks = 6", "contact_weeks = 4"))
    quick = same_as_full(backend, config=other)
    assert quick.skipped == 0 and quick.problems  # the stored deadlines follow the other configuration
    differing = {p.ref for p in quick.problems if p.ref != "-"}
    assert differing
    # the cases found clean under the other configuration were recorded under it; the others not
    assert same_as_full(backend, config=other).skipped == CASES - len(differing)
    assert run(backend).skipped == CASES  # and back: the fingerprints of the default still hold
    monkeypatch.setattr(batch, "code_fingerprint", lambda: "another-version")
    assert same_as_full(backend).skipped == 0
    assert run(backend).skipped == CASES


def test_an_earlier_today_checks_the_cases_with_later_events(sampled, backend):
    """Recorded clean on one day, checked with a clock set back: a case with an event after that day
    is looked at again (its event is then in the future) and reported as a full check does."""
    run(backend)
    db = backend.open()
    try:
        latest = db.one("SELECT MAX(date) FROM events")[0]
    finally:
        db.close()
    earlier = date.fromisoformat(str(latest)[:10]) - timedelta(days=1)
    quick = same_as_full(backend, today=earlier)
    assert quick.skipped < CASES and any("is in the future" in line for line in lines(quick))


def test_a_tampered_record_does_not_skip_a_changed_case(sampled, backend):
    """The recorded closed/allowed are bound into the fingerprint: set by hand, they match nothing."""
    sampled.ok("add-request --ref D2 --name 'Isla Brown' --dob 2014-02-02 --received 2025-03-03")
    sampled.ok("add-request --ref D1 --name 'Isla Brown' --dob 2014-02-02 --received 2025-03-04 "
               "--allow-duplicate")
    first = run(backend)
    assert lines(first) == ["D2: second-open-request: the same child (name and date of birth) has an open "
                            "case D1"]
    assert first.recorded == CASES + 2  # D2's own rules checks are clean
    assert lines(same_as_full(backend)) == lines(first)
    d2 = case_id(backend, "D2")
    backend.execute("UPDATE checked SET closed = ? WHERE case_id = ?", (True, d2))
    quick = same_as_full(backend)
    assert quick.skipped == CASES + 1 and lines(quick) == lines(first)
    backend.execute("UPDATE checked SET fingerprint = 'x', closed = ? WHERE case_id = ?", (False, d2))
    assert same_as_full(backend).skipped == CASES + 1


def test_broken_database_checks_everything(sampled, backend):
    run(backend)
    if backend.is_sqlite:
        backend.execute("DROP TRIGGER events_no_update")
    else:
        backend.execute("ALTER TABLE events DISABLE TRIGGER events_no_update")
    quick = same_as_full(backend)
    assert quick.skipped == 0 and quick.recorded == 0
    assert [p.code for p in quick.problems] == ["audit-triggers"]


def test_a_read_only_database_is_checked_and_nothing_recorded(sampled, backend):
    if not backend.is_sqlite:
        pytest.skip("a read-only SQLite connection; PostgreSQL's read-only role is not set up here")
    quick = run(backend, read_only=True)
    assert (quick.skipped, quick.recorded, quick.problems) == (0, 0, [])
    run(backend)
    assert run(backend, read_only=True).skipped == CASES


def test_a_database_not_yet_upgraded_is_checked_in_full(sampled, backend):
    backend.execute("DROP TABLE checked")
    assert (run(backend).skipped, run(backend).recorded) == (0, 0)
    assert "no problems" in sampled.ok("check")


def test_the_rules_read_today_only_to_refuse_a_future_event(sampled, backend):
    """What `_Sorter` relies on: replaying a case's events, the refusals are the same on every day
    from its last event on (here: that day, a year later, twenty years later)."""
    snap, rules = snapshot(backend), context()
    judged = 0
    for row in snap.cases:
        case = snap.case_of(row)
        if not case.events:
            continue
        last = max(e.date for e in case.events)
        so_far = store.to_case(row, [])
        for event in case.events:
            if event.kind != "request":
                found = {refusal(so_far, event, today=day, calendar=rules.calendar, settings=rules.settings)
                         for day in (last, last + timedelta(days=366), last + timedelta(days=7305))}
                assert len(found) == 1, (row.ref, event, found)
                judged += 1
            so_far = so_far.then(event)
    assert judged > CASES  # the sample has events to judge


def test_a_separator_inside_a_stored_value_cannot_make_two_fingerprints_equal():
    """The deadline keys are hashed joined with separators; a value holding one is hashed another way,
    so moving text across a field boundary still changes the fingerprint."""
    row = store.StoredCase(1, "R1", "A B", date(2015, 1, 1), date(2025, 1, 6), "parent", "t", None, False,
                           False, None)
    width = len(integrity.KEY_FIELDS)
    plain = ("a", "b\x1fc", *[""] * (width - 2))
    moved = ("a\x1fb", "c", *[""] * (width - 2))
    split = ("a", "b", *[""] * (width - 2))
    prints = {integrity.fingerprint(row, [], keys, "inputs")
              for keys in ([plain], [moved], [split], [split, split], [], [split[:-1] + ("\x1e",)])}
    assert len(prints) == 6


def test_cases_built_from_event_rows_are_those_storage_builds(sampled, backend):
    """check builds each case from its event rows (`_case`), not from StoredEvent values: the same
    Case, voids, voided events and every kind of details included."""
    sampled.ok("record contact SMP-0000002 --date 2025-06-02 --note 'rang, 3 times'")
    out = sampled.ok("record contact SMP-0000002 --date 2025-06-03")
    sampled.ok(f"record void SMP-0000002 {out.split('recorded event ')[1].split()[0]} --reason 'wrong case'")
    db = backend.open()
    try:
        snap = integrity.read(db)
    finally:
        db.close()
    for row in snap.cases:
        assert snap.case_of(row) == store.to_case(row, snap.events(row.id)), row.ref
    assert any(e[2] == "void" for rows in snap.rows.values() for e in rows)


def test_the_spelt_out_deadline_key_is_the_generic_one(sampled, backend):
    from sendtrack.rules.engine import compute

    snap, rules = snapshot(backend), context()
    seen = 0
    for row in snap.cases:
        for item in compute(snap.case_of(row), rules.calendar, rules.settings):
            assert integrity._key(item) == integrity._key_of_any(item)
            seen += 1
    assert seen > CASES


# --- what a breaker found: the record is a cache, and never holds the check back ---------------------------

def test_an_unreadable_record_is_a_full_check_not_a_damaged_database(sampled, backend):
    """A value in `checked` that cannot be read, or the table replaced by another of the same name:
    the check is a full one (same lines as --full), not "the database cannot be read"."""
    if not backend.is_sqlite:
        pytest.skip("an undecodable text value is SQLite's (PostgreSQL refuses it on the way in)")
    run(backend)
    backend.execute("UPDATE checked SET fingerprint = CAST(x'ff61' AS TEXT) WHERE case_id = 5")
    quick = same_as_full(backend)
    assert quick.problems == [] and quick.skipped == 0
    backend.execute("DROP TABLE checked")
    backend.execute("CREATE TABLE checked (x)")
    quick = same_as_full(backend)
    assert (quick.problems, quick.skipped, quick.recorded) == ([], 0, 0)


def test_a_record_that_cannot_be_written_leaves_the_report_whole(sampled, backend):
    """A trigger refusing writes to `checked` (an IntegrityError when recorded): the check still
    reports what it found, and records nothing."""
    if not backend.is_sqlite:
        pytest.skip("SQLite's RAISE(ABORT) trigger")
    run(backend)
    backend.execute("CREATE TRIGGER no_record BEFORE UPDATE ON checked BEGIN SELECT RAISE(ABORT, 'no'); END")
    full = run(backend, full=True)
    assert (full.problems, full.recorded) == ([], 0)
    assert "no problems" in sampled.ok("check --full")


def test_the_lock_held_elsewhere_records_nothing_and_does_not_wait(sampled, backend):
    """Another process holding the write lock: the check reports at once and leaves the record for
    the next check (before, it waited for the 30 s busy timeout before printing anything)."""
    if not backend.is_sqlite:
        pytest.skip("SQLite's write lock")
    import sqlite3

    holder = sqlite3.connect(backend.location.path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        quick = run(backend)
        assert (quick.problems, quick.skipped, quick.recorded) == ([], 0, 0)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert run(backend).recorded == CASES


def test_a_backup_made_read_only_is_left_unchanged_even_by_root(sampled, backend, tmp_path):
    """README "Backup and restore": a copy made read-only (0400) is checked without a byte changed,
    whoever runs the check (root may write any file, so the file's mode is what is asked)."""
    if not backend.is_sqlite:
        pytest.skip("a SQLite backup file")
    copy = tmp_path / "copy.db"
    sampled.ok(["backup", str(copy)])
    copy.chmod(0o400)
    before = copy.read_bytes()
    assert "no problems" in sampled.ok(["--db", str(copy), "check"])
    assert copy.read_bytes() == before


def test_an_undecodable_value_is_not_quoted_in_the_finding(sampled, backend):
    """SQLite's own message quotes the text it could not decode (here a name): the finding names
    the error only."""
    if not backend.is_sqlite:
        pytest.skip("an undecodable text value is SQLite's")
    backend.execute("UPDATE cases SET name = CAST(x'4a616e652044756d6d79ff' AS TEXT) WHERE id = 5")
    text = " ".join(lines(run(backend, full=True)))
    assert "cannot be read" in text and "Jane" not in text and "Dummy" not in text


def test_erase_drops_the_cases_record(sampled, backend):
    """No fingerprint made from an erased child's name and date of birth is kept: erase drops the
    case's record (a later check that finds the erased case clean records it anew)."""
    sampled.ok("add-request --ref NEW-1 --name 'Amelia Jones' --dob 2015-03-15 --received 2025-01-06")
    sampled.ok(["record", "withdrawn", "NEW-1", "--date", "2025-01-20"])
    run(backend)
    target = case_id(backend, "NEW-1")
    sampled.ok(["erase", "NEW-1", "--reason", "retention period over"])
    db = backend.open()
    try:
        kept = db.one("SELECT fingerprint FROM checked WHERE case_id = ?", (target,))
        others = db.one("SELECT count(*) FROM checked")[0]
    finally:
        db.close()
    assert kept is None and others == CASES  # the sampled cases' records stay


def test_under_another_configuration_each_case_gives_the_one_fix(sampled, backend, tmp_path):
    """Checked under a configuration other than the deadlines were computed under, every case's
    deadline line gives the fix the 'configuration' line gives (`recompute`), not `recompute --full`
    (a new user was told both)."""
    other = tmp_path / "config.toml"
    other.write_text(DEFAULT_CONFIG.read_text().replace("contact_weeks = 6", "contact_weeks = 4"))
    found = run(backend, config=other, full=True).problems
    per_case = [p.message for p in found if p.code == "deadlines"]
    assert [p.code for p in found if p.ref == "-"] == ["configuration"] and per_case
    assert all(m.endswith("another configuration: `sendtrack recompute` rebuilds them") for m in per_case)
    assert all("recompute --full" not in p.message for p in found)


def test_a_row_sendtrack_never_writes_is_a_finding_not_a_crash(sampled, backend):
    """An event whose details are not a JSON object or whose date is not a date, and a case row whose
    date of birth is not a date (raw SQL, triggers out of the way), are each reported by reference and
    event id, without quoting the value, and the rest of the database is still checked; before this
    check stopped with "unexpected error"."""
    run(backend)  # every case recorded clean: a damaged case must still be looked at
    tamper(backend, "UPDATE events SET details = '{Jane Dummy' WHERE id = (SELECT MAX(e.id) FROM events e "
                    "JOIN cases c ON c.id = e.case_id WHERE c.ref = 'SMP-0000003')")
    tamper(backend, "UPDATE events SET details = '[\"Jane\"]' WHERE id = (SELECT MAX(e.id) FROM events e "
                    "JOIN cases c ON c.id = e.case_id WHERE c.ref = 'SMP-0000008')")
    tamper(backend, "UPDATE events SET kind = 'Jane' WHERE id = (SELECT MAX(e.id) FROM events e "
                    "JOIN cases c ON c.id = e.case_id WHERE c.ref = 'SMP-0000009')")
    damaged = ["SMP-0000003", "SMP-0000008", "SMP-0000009"]
    if backend.is_sqlite:  # PostgreSQL's date columns cannot hold anything else
        tamper(backend, "UPDATE events SET date = 'Jane Dummy' WHERE id = (SELECT MAX(e.id) FROM events e "
                        "JOIN cases c ON c.id = e.case_id WHERE c.ref = 'SMP-0000005' AND e.kind != 'request')")
        backend.execute("UPDATE cases SET dob = '2015-02-30' WHERE ref = 'SMP-0000006'")
        # a name stored as a BLOB (x'4a616e65' is "Jane"): kinds.fold raised TypeError
        backend.execute("UPDATE cases SET name = x'4a616e652044756d6d79' WHERE ref = 'SMP-0000010'")
        # forms Python's fromisoformat reads as a date but sendtrack never writes (a breaker's finding)
        tamper(backend, "UPDATE events SET date = 20230802 WHERE id = (SELECT MAX(e.id) FROM events e "
                        "JOIN cases c ON c.id = e.case_id WHERE c.ref = 'SMP-0000011' AND e.kind != 'request')")
        tamper(backend, "UPDATE events SET date = '2023-W31-3' WHERE id = (SELECT MAX(e.id) FROM events e "
                        "JOIN cases c ON c.id = e.case_id WHERE c.ref = 'SMP-0000012' AND e.kind != 'request')")
        backend.execute("UPDATE cases SET dob = '2015-02-01T10:00' WHERE ref = 'SMP-0000013'")
        damaged += ["SMP-0000005", "SMP-0000006", "SMP-0000010", "SMP-0000011", "SMP-0000012", "SMP-0000013"]
    quick = same_as_full(backend)
    found = {p.ref for p in quick.problems if p.code == "unreadable"}
    assert found == set(damaged)
    # nothing but these cases (and the triggers' restoration is complete: no database-wide finding)
    assert {p.ref for p in quick.problems} == set(damaged)
    text = "\n".join(lines(quick))
    assert "Jane" not in text and "Dummy" not in text and "2015-02-30" not in text
    result = sampled.fails("check")
    out = result.stdout + result.stderr
    assert "unexpected error" not in out and "Jane" not in out
    assert out.count(": unreadable: ") == len(damaged)
    # a damaged case is never recorded clean, so the next check looks at it again
    assert {p.ref for p in run(backend).problems if p.code == "unreadable"} == set(damaged)


@pytest.mark.parametrize("value", ["{not json", "[1, 2]", '{"file": "x.csv"}', "5"])
def test_an_import_marker_written_by_hand_is_a_finding_not_a_crash(sampled, backend, value):
    """meta 'import_batch' that is not the marker import writes (not JSON, a list, keys missing)
    stopped check with JSONDecodeError, TypeError or KeyError (a breaker's finding)."""
    backend.execute("INSERT INTO meta (name, value) VALUES ('import_batch', ?)", (value,))
    found = [p.line() for p in run(backend, full=True).problems]
    assert found == ["-: unfinished-import: the import marker (meta 'import_batch') cannot be read: it was "
                     "changed outside sendtrack; restore the last backup (README: Backup and restore)"]
