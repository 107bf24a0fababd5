"""Erasing a case that was edited (issue 9 meets issue 10): `edit` events hold the old and the new name
and date of birth in their details, so `erase` rewrites those values to the tombstone too (the one
sanctioned rewrite of events), and commits the audit chain to every identity-bearing event's digest
as the rewrite leaves it. Afterwards `check` passes, no trace of either name or date of birth is left
in the database's bytes or in what sendtrack prints, and a raw edit is still caught.

Names and dates of birth here are synthetic."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.test_audit import copy_without_triggers

OLD_NAME, OLD_DOB = "Hanaquill Firstborne", "2014-10-03"
NEW_NAME, NEW_DOB = "Hannaquill Secondborne", "2014-11-04"
#: every form a trace could take: whole names, their parts, ISO and UK dates
TRACES = [OLD_NAME, NEW_NAME, "Hanaquill", "Hannaquill", "Firstborne", "Secondborne",
          OLD_DOB, NEW_DOB, "03/10/2014", "04/11/2014"]


@pytest.fixture
def edited(backend_cli):
    cli = backend_cli
    cli.ok(["add-request", "--ref", "E1", "--name", OLD_NAME, "--dob", OLD_DOB, "--received", "2025-01-06"])
    # other children's rows around E1's, so its old values are not simply overwritten in place (with
    # SQLite's secure_delete off, this test finds the edited row's old bytes in the file)
    for n in range(1, 4):
        cli.ok(["add-request", "--ref", f"O{n}", "--name", f"Other Child{n}", "--dob", f"2013-10-0{n}",
                "--received", "2025-01-06"])
    cli.ok(["edit", "E1", "--name", NEW_NAME, "--reason", "typo at intake"])
    cli.ok(["edit", "E1", "--dob", NEW_DOB, "--setting", "Oak School", "--reason", "birth certificate seen"])
    # refused on 2025-02-03: within the 6 weeks (due 2025-02-17 = 2025-01-06 + 42 days); closed
    cli.ok("record decision E1 --date 2025-02-03 --outcome refuse")
    return cli


#: the past year's KPI, by hand: one request decided (2025-02-03) before its due 2025-02-17: 1 of 1
KPI_2025 = {"within": 1, "total": 1, "percent": 100.0}


def erase(cli) -> None:
    kpi = cli.json("kpi --year 2025 --format json --as-of 2026-06-30")
    assert kpi["assessment_decision_6_weeks"] == KPI_2025
    cli.ok("erase E1 --reason 'retention period over'")
    assert cli.json("kpi --year 2025 --format json --as-of 2026-06-30") == kpi


def no_trace(text: str, where: str) -> None:
    found = [t for t in TRACES if t in text]
    assert not found, f"{where} still holds {found}"


def test_an_edited_case_erased_checks_clean_and_keeps_no_name_or_date_of_birth(edited, backend, tmp_path):
    erase(edited)
    result = edited("check")
    assert result.exit_code == 0 and "no problems" in result.stdout, result.stdout + result.stderr
    history = edited.json("history E1 --format json --names")
    edits = [e for e in history if e["kind"] == "edit"]
    # born 2014-10-03 and 2014-11-04: both in the school year that began 1 September 2014
    assert [e["details"]["changes"] for e in edits] == [
        {"name": ["(erased)", "(erased)"]},
        {"dob": ["2014-09-01", "2014-09-01"], "setting": [None, "Oak School"]}]
    assert [e["details"]["reason"] for e in edits] == ["typo at intake", "birth certificate seen"]
    erased = history[-1]
    assert erased["kind"] == "erase"
    assert sorted(erased["details"]["edits"]) == sorted(str(e["id"]) for e in edits)
    for text, where in [(json.dumps(history), "history json"),
                        (edited.ok("history E1 --format table --names"), "history table"),
                        (edited.ok("timeline E1 --format json --names"), "timeline json"),
                        (edited.ok("cases --names --format csv"), "cases")]:
        no_trace(text, where)
    exported = tmp_path / "all.json"
    edited.ok(["export", "--format", "json", "--out", str(exported)])
    no_trace(exported.read_text(), "export")
    # the export imports into a fresh database and verifies there
    copy = tmp_path / "copy.db"
    edited.ok(["--db", str(copy), "init"])
    edited.ok(["--db", str(copy), "import", str(exported)])
    assert "no problems" in edited.ok(["--db", str(copy), "check"])
    if backend.is_sqlite:
        path = backend.location.path
        for suffix in ("", "-wal", "-journal"):
            file = path.parent / (path.name + suffix)
            if file.exists():
                raw = file.read_bytes()
                no_trace(raw.decode("latin-1"), file.name)
                assert b"(erased)" in raw or suffix, file.name
    else:
        dump = backend.snapshot()
        no_trace(dump, "PostgreSQL tables")


def test_after_the_erase_a_raw_update_of_the_case_is_caught(edited, backend):
    erase(edited)
    backend.execute("UPDATE cases SET name = ? WHERE ref = 'E1'", (OLD_NAME,))
    result = edited("check")
    assert result.exit_code == 1
    lines = [line for line in (result.stdout + result.stderr).splitlines() if "audit-chain" in line]
    # the last edit covers the values right after it: the name it covers is no longer the row's
    assert len(lines) == 1 and lines[0].startswith("E1: audit-chain: event "), lines


@pytest.mark.parametrize("field,value", [("name", OLD_NAME), ("dob", OLD_DOB)])
def test_after_the_erase_an_edit_altered_behind_dropped_triggers_is_caught(edited, backend, private_db, tmp_path,
                                                                           field, value):
    erase(edited)
    edit_id = next(e["id"] for e in edited.json("history E1 --format json")
                   if e["kind"] == "edit" and field in e["details"]["changes"])
    tomb = "(erased)" if field == "name" else "2014-09-01"
    db = backend.open()
    try:
        before = db.one("SELECT details FROM events WHERE id = ?", (edit_id,))[0]
    finally:
        db.close()
    # the old value put back as the edit's old value: the stored hash no longer covers the details
    after = before.replace(json.dumps([tomb, tomb]), json.dumps([value, tomb]))
    if backend.is_sqlite:
        copy = copy_without_triggers(private_db, tmp_path)
        with sqlite3.connect(copy) as conn:
            conn.execute("UPDATE events SET details = ? WHERE id = ?", (after, edit_id))
        result = edited(["--db", str(copy), "check"])
    else:
        backend.execute("DROP TRIGGER events_no_update ON events")
        backend.execute("UPDATE events SET details = ? WHERE id = ?", (after, edit_id))
        result = edited("check")
    assert value in after and before != after, (before, after)
    assert result.exit_code == 1
    lines = [line for line in (result.stdout + result.stderr).splitlines() if "audit-chain" in line]
    assert len(lines) == 1 and lines[0].startswith("E1: audit-chain: event "), lines


def test_the_update_trigger_is_back_as_migration_0003_made_it(edited, backend):
    from sendtrack.storage import audit

    erase(edited)
    db = backend.open()
    try:
        if backend.is_sqlite:
            found = dict(db.all("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
            assert found == audit.TRIGGER_SQL["sqlite"]
        assert audit.missing_triggers(db) == []
    finally:
        db.close()
    # and it refuses again: the lift lasted the erase's one transaction
    with pytest.raises(Exception, match=audit.MESSAGE):
        backend.execute("UPDATE events SET recorded_by = 'x' WHERE kind = 'edit'")


@pytest.mark.parametrize("reason,words", [
    ("Hanaquill asked", "name"), ("was Firstborne", "name"), ("now Secondborne", "name"),
    ("born 2014-10-03", "date of birth"), ("born 04/11/2014", "date of birth"),
])
def test_an_edit_reason_holding_the_old_or_new_name_or_date_of_birth_is_refused(backend_cli, backend, reason,
                                                                                words):
    backend_cli.ok(["add-request", "--ref", "E1", "--name", OLD_NAME, "--dob", OLD_DOB, "--received",
                    "2025-01-06"])
    before = backend.snapshot()
    result = backend_cli.fails(["edit", "E1", "--name", NEW_NAME, "--dob", NEW_DOB, "--reason", reason])
    assert f"the reason holds the child's {words}" in result.stderr, result.stderr
    no_trace(result.stdout + result.stderr, "the refusal")
    assert backend.snapshot() == before


def test_an_erased_case_takes_no_edit_of_any_value(edited, backend):
    """An erased case is closed for good: no new name or date of birth, and no other value either (a
    setting, a UPN, a sex), each refused in one line with nothing written."""
    erase(edited)
    before = backend.snapshot()
    for option in (["--name", NEW_NAME], ["--dob", NEW_DOB], ["--setting", "Elm School"],
                   ["--upn", "B801200005001"], ["--sex", "F"], ["--not-looked-after"]):
        result = edited.fails(["edit", "E1", *option, "--reason", "found the records"])
        assert result.stderr == "sendtrack: E1 was erased: its values are not corrected or recorded again\n"
    assert backend.snapshot() == before
    assert "no problems" in edited.ok("check")


def test_an_import_cannot_mark_erased_a_case_whose_edits_hold_names(edited, tmp_path):
    erase(edited)
    exported = tmp_path / "all.json"
    edited.ok(["export", "--format", "json", "--out", str(exported)])
    data = json.loads(exported.read_text())
    case = next(c for c in data["cases"] if c["ref"] == "E1")
    edit = next(e for e in case["events"] if e["kind"] == "edit")
    edit["details"]["changes"]["name"] = [OLD_NAME, NEW_NAME]
    exported.write_text(json.dumps(data))
    copy = tmp_path / "copy.db"
    edited.ok(["--db", str(copy), "init"])
    result = edited.fails(["--db", str(copy), "import", str(exported)])
    assert ("E1: an erase row needs every edit row's names, dates of birth, upn, uln and postcodes erased "
            "too") in result.stderr
    no_trace(result.stderr, "the refusal")
