"""The tamper-evident audit trail: the database refuses UPDATE and DELETE on events, every way in
chains each event's hash to its case's previous one, `check` finds an edited or removed row and names
the case and event, and `recompute` refuses rather than hide a removed event."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

import pytest

from sendtrack.storage import audit, migrate
from sendtrack.storage.db import Location
from tests.conftest import Backend, dump

AS_OF = "2025-06-30"


def tamper(backend: Backend, sql: str, params=()) -> None:
    """Raw SQL on the events table as someone holding the database would run it: the append-only
    triggers out of the way (dropped, on PostgreSQL disabled), foreign keys off, then put back."""
    db = backend.open(check_schema=False)
    try:
        if backend.is_sqlite:
            db.raw.execute("PRAGMA foreign_keys = OFF")
            with db.write():
                triggers = db.all("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
                for name, _ in triggers:
                    db.execute(f'DROP TRIGGER "{name}"')
                db.execute(sql, params)
                for _, create in triggers:
                    db.execute(create)
        else:
            with db.write():
                db.execute("ALTER TABLE events DISABLE TRIGGER USER")
                db.execute(sql, params)
                db.execute("ALTER TABLE events ENABLE TRIGGER USER")
    finally:
        db.close()


def breaks(backend: Backend) -> list[audit.Break]:
    db = backend.open()
    try:
        with db.read():
            return audit.find_breaks(db)
    finally:
        db.close()


def check_lines(cli, *args: str) -> list[str]:
    result = cli.fails([*args, "check"], code=1)
    return result.stdout.splitlines()


@pytest.fixture
def audited(backend_cli):
    """P1: request 1, decision 2, draft 3, final 4; P2: request 5."""
    cli = backend_cli
    cli.ok("add-request --ref P1 --name 'Amelia Jones' --dob 2015-03-15 --received 2025-01-06")
    cli.ok("record decision P1 --date 2025-02-10 --outcome assess --by alex")
    cli.ok("record draft P1 --date 2025-04-01")
    cli.ok("record final P1 --date 2025-05-01")
    cli.ok("add-request --ref P2 --name 'Noah Smith' --dob 2016-01-01 --received 2025-01-06")
    return cli


# --- the database refuses -------------------------------------------------------------------------

@pytest.mark.parametrize("sql", [
    "UPDATE events SET recorded_by = 'someone else' WHERE id = 2",
    "UPDATE events SET details = '{\"outcome\": \"refuse\"}' WHERE id = 2",
    "DELETE FROM events WHERE id = 4",
    "DELETE FROM events",
], ids=["update-recorded-by", "update-details", "delete-one", "delete-all"])
def test_raw_update_and_delete_on_events_fail_with_the_trigger_message(audited, backend, sql):
    before = backend.snapshot()
    with pytest.raises(Exception, match=audit.MESSAGE):
        backend.execute(sql)
    assert backend.snapshot() == before


def test_raw_truncate_fails_on_postgresql(audited, backend):
    if backend.is_sqlite:
        pytest.skip("SQLite has no TRUNCATE (DELETE without WHERE is refused above)")
    with pytest.raises(Exception, match=audit.MESSAGE):
        backend.execute("TRUNCATE events CASCADE")


def test_the_sqlite3_shell_is_refused_too(audited, backend):
    """Not sendtrack's connection: any client opening the file meets the triggers."""
    if not backend.is_sqlite:
        pytest.skip("the SQLite file itself")
    with sqlite3.connect(backend.location.path) as conn, pytest.raises(sqlite3.IntegrityError,
                                                                        match=audit.MESSAGE):
        conn.execute("UPDATE events SET date = '2025-02-11' WHERE id = 2")


# --- check finds an edited row, naming the case and the event ------------------------------------

def copy_without_triggers(path, tmp_path):
    """A copy of the SQLite file with the triggers dropped: what someone with the file could make."""
    copy = tmp_path / "copy.db"
    with sqlite3.connect(path) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    with sqlite3.connect(copy) as conn:
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            conn.execute(f'DROP TRIGGER "{name}"')
    return copy


ALTERED = "hash does not match — the event was altered, or an event before it was removed"
REQUEST_ALTERED = ("hash does not match — the event, or the case's reference, name, date of birth or "
                   "other request values, was altered")
MISSING_TRIGGERS = ("-: audit-triggers: the events table's append-only triggers are missing or disabled "
                    "(events_no_delete, events_no_update): the database was changed outside sendtrack")


@pytest.mark.parametrize("sql,line", [
    ("UPDATE events SET recorded_by = 'someone else' WHERE id = 2",
     f"P1: audit-chain: event 2 (decision, 2025-02-10): {ALTERED}"),
    ("UPDATE events SET details = '{\"outcome\": \"assess\", \"note\": \"x\"}' WHERE id = 2",
     f"P1: audit-chain: event 2 (decision, 2025-02-10): {ALTERED}"),
    ("UPDATE events SET recorded_at = '2025-04-02 09:00:00' WHERE id = 3",
     f"P1: audit-chain: event 3 (draft, 2025-04-01): {ALTERED}"),
    ("UPDATE cases SET name = 'Someone Else' WHERE ref = 'P2'",
     f"P2: audit-chain: event 5 (request, 2025-01-06): {REQUEST_ALTERED}"),
    ("UPDATE cases SET dob = '2015-03-16' WHERE ref = 'P1'",
     f"P1: audit-chain: event 1 (request, 2025-01-06): {REQUEST_ALTERED}"),
], ids=["recorded-by", "details", "recorded-at", "name", "date-of-birth"])
def test_an_edited_row_in_a_copy_of_the_file_makes_check_fail_naming_the_case_and_event(
        audited, backend, private_db, tmp_path, sql, line):
    if not backend.is_sqlite:
        pytest.skip("a copy of the SQLite file (test_an_edit_with_the_triggers_disabled_... for PostgreSQL)")
    copy = copy_without_triggers(private_db, tmp_path)
    with sqlite3.connect(copy) as conn:
        conn.execute(sql)
    found = check_lines(audited, "--db", str(copy))
    assert line in found, found
    assert MISSING_TRIGGERS in found
    assert [f for f in found if "audit-chain" in f] == [line]  # the first break of one case only
    assert "no problems" in audited.ok("check")  # the original is untouched


def test_an_edit_with_the_triggers_disabled_is_found_on_every_backend(audited, backend):
    tamper(backend, "UPDATE events SET recorded_by = 'someone else' WHERE id = 3")
    assert check_lines(audited) == [f"P1: audit-chain: event 3 (draft, 2025-04-01): {ALTERED}"]


def test_a_name_edited_on_every_backend_is_found(audited, backend):
    backend.execute("UPDATE cases SET name = 'Someone Else' WHERE ref = 'P2'")  # no trigger on cases
    assert check_lines(audited) == [f"P2: audit-chain: event 5 (request, 2025-01-06): {REQUEST_ALTERED}"]


def test_an_event_inserted_by_hand_is_found(audited, backend):
    backend.execute("INSERT INTO events (case_id, kind, date, details, recorded_by, recorded_at) "
                    "SELECT id, 'contact', '2025-01-20', '{}', 'raw', '2025-01-20 00:00:00' FROM cases "
                    "WHERE ref = 'P2'")
    found = [line for line in check_lines(audited) if ": audit-" in line]
    assert found == ["P2: audit-chain: event 6 (contact, 2025-01-20): no hash — the event was written "
                     "outside sendtrack"], found
    assert "recompute refused: P2: audit-chain: event 6" in audited.fails("recompute").stderr


def test_dropped_triggers_alone_are_found(audited, backend):
    if backend.is_sqlite:
        backend.execute("DROP TRIGGER events_no_update")
        expected = "(events_no_update)"
    else:
        backend.execute("ALTER TABLE events DISABLE TRIGGER events_no_delete")
        expected = "(events_no_delete)"
    found = check_lines(audited)
    assert len(found) == 1 and found[0].startswith("-: audit-triggers:") and expected in found[0], found


# --- a removed event: check reports it, recompute refuses ------------------------------------------

@pytest.mark.parametrize("event,line", [
    (3, f"P1: audit-chain: event 4 (final, 2025-05-01): {ALTERED}"),
    (4, "P1: audit-chain: the case's last event 4 is missing (what is left ends at event 3): it was removed"),
    (5, "P2: audit-chain: every event is missing: the chain ends at event 5, which was removed"),
], ids=["middle", "last", "only"])
def test_a_deleted_event_is_reported_by_check_and_recompute_refuses(audited, backend, event, line):
    tamper(backend, "DELETE FROM events WHERE id = ?", (event,))
    found = check_lines(audited)
    assert line in found
    # the stale deadlines are reported too, with the backup as the fix: recompute would hide the loss
    stale = [f for f in found if ": deadlines:" in f]
    assert all(f.endswith("(audit-chain): restore the last backup") for f in stale), found
    assert bool(stale) == (event != 5), found  # the draft and the final plan completed deadlines
    before = backend.snapshot()
    result = audited.fails("recompute", code=1)
    assert result.stderr.startswith(f"sendtrack: recompute refused: {line}; "), result.stderr
    assert "restore the last backup" in result.stderr and "sendtrack check" in result.stderr
    assert "nothing was written" in result.stderr
    assert backend.snapshot() == before  # the stale deadlines stay: the evidence is kept
    assert line in check_lines(audited)


def test_recompute_refuses_in_worker_processes_too(audited, backend, monkeypatch):
    if not backend.is_sqlite:
        pytest.skip("workers read the SQLite file themselves; PostgreSQL recomputes in process")
    monkeypatch.setenv("SENDTRACK_WORKERS", "2")
    tamper(backend, "DELETE FROM events WHERE id = 3")
    result = audited.fails("recompute", code=1)
    assert "P1: audit-chain: event 4 (final, 2025-05-01)" in result.stderr


def test_writing_after_a_removed_last_event_does_not_heal_the_chain(audited, backend):
    """A write on a case whose chain is broken is refused (app.record.refuse_broken_chain), so the
    removal stays visible and nothing vouches for it; the other cases take writes as before."""
    tamper(backend, "DELETE FROM events WHERE id = 4")
    found = check_lines(audited)
    before = backend.snapshot()
    for line in ("record contact P1 --date 2025-05-02 --note 'rang'", "edit P1 --setting 'Oak' --reason x",
                 "assign P1 --team school-age", "record void P1 1 --reason mistake"):
        result = audited.fails(line)
        assert result.stderr.startswith("sendtrack: P1: the case's audit chain is broken ("), result.stderr
        assert "nothing is written to it; restore the last backup" in result.stderr
        assert len(result.stderr.splitlines()) == 1
    assert backend.snapshot() == before
    assert check_lines(audited) == found
    audited.ok("record contact P2 --date 2025-05-02 --note 'rang'")


# --- every way in keeps the chain ------------------------------------------------------------------

def assert_verifies(backend: Backend) -> None:
    db = backend.open()
    try:
        with db.read():
            assert audit.find_breaks(db) == []
            assert audit.missing_triggers(db) == []
            unhashed = db.one("SELECT COUNT(*) FROM events WHERE hash IS NULL")
            heads = db.one("SELECT COUNT(*) FROM audit_heads")
            with_events = db.one("SELECT COUNT(DISTINCT case_id) FROM events")
    finally:
        db.close()
    assert unhashed == (0,)
    assert heads == with_events and heads[0] > 0


def test_record_void_and_assign_keep_the_chain(audited, backend):
    out = audited.ok("record contact P2 --date 2025-01-10 --note 'phoned'")
    event = out.split("recorded event ")[1].split()[0]
    audited.ok(f"record void P2 {event} --reason 'wrong case'")
    audited.ok("assign P2 --team front-door --coordinator 'Sam Patel'")
    audited.ok("assign P1 --team front-door")
    assert_verifies(backend)
    assert "no problems" in audited.ok("check")
    assert "recomputed 2 cases" in audited.ok("recompute")


def test_every_event_hash_is_chained_to_the_one_before(audited, backend):
    """The hashes themselves, recomputed here from the canonical form: the chain is what it says."""
    db = backend.open()
    try:
        rows = db.all("SELECT id, case_id, kind, date, details, voids, recorded_by, recorded_at, hash "
                      "FROM events WHERE case_id = (SELECT id FROM cases WHERE ref = 'P1') ORDER BY id")
        case = db.one(f"SELECT {', '.join(audit.IDENTITY)} FROM cases WHERE ref = 'P1'")
        head = db.one("SELECT event_id, hash FROM audit_heads WHERE case_id = ?", (rows[0][1],))
    finally:
        db.close()
    previous = audit.GENESIS
    for event_id, case_id, kind, when, details, voids, by, at, stored in rows:
        who = audit.identity(*case) if kind == "request" else ""
        assert stored == audit.event_hash(previous, case_id, event_id, kind, when, details, voids, by, at, who)
        previous = stored
    assert head == (rows[-1][0], previous)
    assert len({r[-1] for r in rows}) == len(rows)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_export_imported_again_verifies_and_carries_no_hashes(audited, tmp_path, fmt):
    audited.ok(["sample", "--cases", "40", "--seed", "5", "--as-of", AS_OF])
    exported = tmp_path / f"all.{fmt}"
    audited.ok(["export", "--format", fmt, "--out", str(exported)])
    assert "hash" not in exported.read_text()
    # into an empty database (the file's ids kept) and into one that holds a case (every case and
    # event renumbered): the hashes are computed afresh either way
    for name, held in [("empty.db", False), ("held.db", True)]:
        copy = tmp_path / name
        audited.ok(["--db", str(copy), "init"])
        if held:
            audited.ok(["--db", str(copy), "add-request", "--ref", "Z1", "--name", "Test Child", "--dob",
                        "2015-03-15", "--received", "2025-01-06"])
        assert audited.ok(["--db", str(copy), "import", str(exported)]).startswith("imported 42 cases")
        assert_verifies(Backend("sqlite", Location(path=copy)))
        assert "no problems" in audited.ok(["--db", str(copy), "check"])


def test_sample_keeps_the_chain(backend_cli, backend):
    backend_cli.ok(["sample", "--cases", "60", "--seed", "7", "--as-of", AS_OF])
    assert_verifies(backend)


def test_a_broken_link_in_a_sample_is_found(backend_cli, backend):
    """A sampled case's void event, its details edited: check names that case and event."""
    backend_cli.ok(["sample", "--cases", "60", "--seed", "7", "--as-of", AS_OF])
    db = backend.open()
    try:
        event_id, ref, kind, when = db.one(
            "SELECT e.id, c.ref, e.kind, e.date FROM events e JOIN cases c ON c.id = e.case_id "
            "WHERE e.kind = 'void' ORDER BY e.id LIMIT 1")
    finally:
        db.close()
    tamper(backend, "UPDATE events SET details = '{}' WHERE id = ?", (event_id,))
    found = [line for line in check_lines(backend_cli) if "audit-chain" in line]
    assert found == [f"{ref}: audit-chain: event {event_id} ({kind}, {audit.day(when)}): {ALTERED}"]


# --- an upgraded database verifies ----------------------------------------------------------------

def test_a_database_upgraded_from_0002_with_rows_verifies_with_the_same_hashes(audited, backend):
    audited.ok("record contact P2 --date 2025-01-10 --note 'phoned'")
    audited.ok("record void P2 6 --reason 'wrong case'")
    audited.ok("assign P2 --team front-door --coordinator 'Sam Patel'")
    db = backend.open()
    try:
        written = db.all("SELECT id, hash FROM events ORDER BY id")
        heads = db.all("SELECT case_id, event_id, hash FROM audit_heads ORDER BY case_id")
    finally:
        db.close()
    migrate.downgrade(backend.location, "0002")
    db = backend.open(check_schema=False)
    try:
        assert db.schema_version() == "0002"
        assert not db.table_exists("audit_heads")
    finally:
        db.close()
    assert "upgraded from schema 0002" in audited.ok("init")
    assert_verifies(backend)
    db = backend.open()
    try:
        assert db.all("SELECT id, hash FROM events ORDER BY id") == written
        assert db.all("SELECT case_id, event_id, hash FROM audit_heads ORDER BY case_id") == heads
    finally:
        db.close()
    with pytest.raises(Exception, match=audit.MESSAGE):
        backend.execute("DELETE FROM events WHERE id = 1")
    assert "no problems" in audited.ok("check")


def test_downgrade_to_0002_removes_the_triggers(audited, backend):
    migrate.downgrade(backend.location, "0002")
    backend.execute("UPDATE events SET recorded_by = 'x' WHERE id = 2")  # no longer refused
    if backend.is_sqlite:
        assert "TRIGGER" not in dump(backend.location.path)


# --- the canonical form ----------------------------------------------------------------------------

@pytest.mark.parametrize("stored", ["2025-01-06 09:30:00", "2025-01-06T09:30:00", "2025-01-06 09:30:00.000000",
                                    "2025-01-06T09:30", datetime(2025, 1, 6, 9, 30),
                                    "2025-01-06 09:30:00+01:00"])
def test_recorded_at_reads_back_to_one_form_however_it_was_stored(stored):
    """SQLite keeps the text given; PostgreSQL a timestamp (it drops an offset it is given)."""
    assert audit.stamp(stored) == "2025-01-06 09:30:00"


def test_every_field_changes_the_hash():
    base = ("0" * 64, 1, 2, "decision", "2025-02-10", '{"outcome": "assess"}', None, "alex",
            "2025-02-10 09:00:00", "")
    digest = audit.event_hash(*base)
    changed = ["1" * 64, 9, 3, "draft", "2025-02-11", '{"outcome": "refuse"}', 1, "sam", "2025-02-10 09:00:01",
               audit.identity("P1", "A", "2015-03-15", "2025-01-06", "parent", False, False, None)]
    for index, value in enumerate(changed):
        other = list(base)
        other[index] = value
        assert audit.event_hash(*other) != digest, index
    # the fields cannot run into each other: moving text from one field to the next changes the hash
    assert (audit.event_hash("0" * 64, 1, 2, "a", "d", "{}", None, "bc", "t")
            != audit.event_hash("0" * 64, 1, 2, "a", "d", "{}", None, "b", "ct"))
    assert (audit.identity("P1", "Ann", "2015-03-15", "2025-01-06", "parent", True, False, None)
            != audit.identity("P1", "Ann", "2015-03-15", "2025-01-06", "parent", True, False, ""))


def test_details_are_hashed_as_stored_text():
    a = audit.event_hash("0" * 64, 1, 2, "decision", "2025-02-10", '{"outcome": "assess"}', None, "x", "t")
    b = audit.event_hash("0" * 64, 1, 2, "decision", "2025-02-10", '{"outcome":"assess"}', None, "x", "t")
    assert a != b
    assert json.loads('{"outcome": "assess"}') == json.loads('{"outcome":"assess"}')


# --- imported events record who imported them and when ---------------------------------------------

#: A legacy tracker's rows: who recorded them there and when, kept as history.
LEGACY = ('ref,name,dob,kind,date,details,recorded_by,recorded_at\n'
          'I1,Test Imported,2015-03-15,request,2025-01-06,,legacy-system,2025-01-06 10:00:00\n'
          'I1,,,decision,2025-02-10,"{""outcome"": ""assess""}",alex,2025-02-10 11:00:00\n'
          'I1,,,draft,2025-04-01,,,\n')


@pytest.fixture
def imported(backend_cli, tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_text(LEGACY)
    assert backend_cli.ok(["import", str(path), "--by", "importer"]).startswith("imported 1 cases, 3 events")
    return backend_cli


def test_an_imported_event_keeps_its_recorder_as_history_and_records_its_importer(imported, backend):
    rows = imported.json("history I1 --format json")
    assert [(r["recorded_by"], r["recorded_at"]) for r in rows[:2]] == [
        ("legacy-system", "2025-01-06 10:00:00"), ("alex", "2025-02-10 11:00:00")]
    # a row that named no recorder: the importer and the import's time, as before
    assert rows[2]["recorded_by"] == "importer" and rows[2]["recorded_at"] == rows[2]["imported_at"]
    assert {r["imported_by"] for r in rows} == {"importer"}
    assert len({r["imported_at"] for r in rows}) == 1 and len(rows[0]["imported_at"]) == 19
    table = imported.ok("history I1 --format table")
    assert f"by importer at {rows[0]['imported_at']}" in " ".join(table.split())
    # the same event written by a command has none
    imported.ok("record contact I1 --date 2025-04-02 --note 'rang'")
    last = imported.json("history I1 --format json")[-1]
    assert (last["recorded_by"], last["imported_by"], last["imported_at"]) == ("test-user", None, None)
    assert_verifies(backend)
    assert "no problems" in imported.ok("check")


def test_the_importer_defaults_to_sendtrack_user_and_a_bad_by_is_refused(backend_cli, backend, tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_text(LEGACY)
    before = backend.snapshot()
    result = backend_cli.fails(["import", str(path), "--by", "bad\x1bname"])
    assert result.stderr == "sendtrack: recorded by contains a control character\n", result.stderr
    assert backend.snapshot() == before
    backend_cli.ok(["import", str(path)])
    assert {r["imported_by"] for r in backend_cli.json("history I1 --format json")} == {"test-user"}


@pytest.mark.parametrize("sql", [
    "UPDATE events SET imported_by = 'someone else' WHERE id = 2",
    "UPDATE events SET imported_at = '2099-01-01 00:00:00' WHERE id = 2",
    "UPDATE events SET imported_by = NULL, imported_at = NULL",
], ids=["imported-by", "imported-at", "hide-the-import"])
def test_a_raw_update_of_who_imported_a_row_fails(imported, backend, sql):
    before = backend.snapshot()
    with pytest.raises(Exception, match=audit.MESSAGE):
        backend.execute(sql)
    assert backend.snapshot() == before


@pytest.mark.parametrize("sql,line", [
    ("UPDATE events SET imported_by = 'someone else' WHERE id = 2",
     f"I1: audit-chain: event 2 (decision, 2025-02-10): {ALTERED}"),
    ("UPDATE events SET imported_at = '2099-01-01 00:00:00' WHERE id = 3",
     f"I1: audit-chain: event 3 (draft, 2025-04-01): {ALTERED}"),
    # passing an imported row off as one recorded by a command
    ("UPDATE events SET imported_by = NULL, imported_at = NULL WHERE id = 2",
     f"I1: audit-chain: event 2 (decision, 2025-02-10): {ALTERED}"),
    ("UPDATE events SET imported_by = 'someone else' WHERE id = 1",
     f"I1: audit-chain: event 1 (request, 2025-01-06): {REQUEST_ALTERED}"),
], ids=["imported-by", "imported-at", "hidden", "request"])
def test_who_imported_a_row_edited_in_a_copy_makes_check_fail(imported, backend, private_db, tmp_path, sql,
                                                               line):
    if not backend.is_sqlite:
        pytest.skip("a copy of the SQLite file (the next test edits on every backend)")
    copy = copy_without_triggers(private_db, tmp_path)
    with sqlite3.connect(copy) as conn:
        conn.execute(sql)
    found = check_lines(imported, "--db", str(copy))
    assert [f for f in found if "audit-chain" in f] == [line], found
    assert "no problems" in imported.ok("check")


def test_who_imported_a_row_edited_with_the_triggers_disabled_is_found_on_every_backend(imported, backend):
    tamper(backend, "UPDATE events SET imported_by = 'someone else' WHERE id = 3")
    assert check_lines(imported) == [f"I1: audit-chain: event 3 (draft, 2025-04-01): {ALTERED}"]


def test_the_import_columns_change_the_hash_and_their_absence_hashes_as_before():
    base = ("0" * 64, 1, 2, "decision", "2025-02-10", "{}", None, "alex", "2025-02-10 11:00:00", "")
    plain = audit.event_hash(*base)
    assert plain == audit.event_hash(*base, None, None)  # no import: the form of migration 0003
    imported = audit.event_hash(*base, "importer", "2025-06-01 09:00:00")
    assert len({plain, imported, audit.event_hash(*base, "importer2", "2025-06-01 09:00:00"),
                audit.event_hash(*base, "importer", "2025-06-01 09:00:01"),
                audit.event_hash(*base, "importer", None), audit.event_hash(*base, None, "2025-06-01 09:00:00")}) == 6
    # the time reads to one form however the backend returns it
    assert imported == audit.event_hash(*base, "importer", datetime(2025, 6, 1, 9))


def test_a_database_at_0003_upgrades_to_0004_with_the_same_hashes_and_triggers(imported, backend):
    """Migration 0004 adds the import columns without copying the table: the triggers stay at every
    step, and an upgraded database verifies with the hashes it had (imported ones lose their
    importer on the way down, so they are left out of the comparison)."""
    imported.ok("add-request --ref P1 --name 'Amelia Jones' --dob 2015-03-15 --received 2025-01-06")
    imported.ok("record decision P1 --date 2025-02-10 --outcome assess --by alex")
    db = backend.open()
    try:
        written = db.all("SELECT id, hash FROM events WHERE imported_by IS NULL ORDER BY id")
    finally:
        db.close()
    migrate.downgrade(backend.location, "0003")
    with pytest.raises(Exception, match=audit.MESSAGE):
        backend.execute("UPDATE events SET recorded_by = 'x' WHERE id = 1")
    assert "upgraded from schema 0003" in imported.ok("init")
    db = backend.open()
    try:
        assert db.all("SELECT id, hash FROM events WHERE id IN (SELECT id FROM events WHERE case_id = "
                      "(SELECT id FROM cases WHERE ref = 'P1')) ORDER BY id") == written
        assert audit.missing_triggers(db) == []
    finally:
        db.close()
    with pytest.raises(Exception, match=audit.MESSAGE):
        backend.execute("UPDATE events SET imported_by = 'x' WHERE id = 1")
