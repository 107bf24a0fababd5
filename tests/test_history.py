"""`sendtrack history`: the audit trail, every event with who and when, voids marked with who, when, why."""

from __future__ import annotations

import csv
import io

import pytest


@pytest.fixture
def audited(backend_cli, monkeypatch):
    cli = backend_cli
    cli.ok("add-request --ref H1 --name 'Amelia Jones' --dob 2015-03-15 --received 2025-01-06 --by sam")
    cli.ok("record decision H1 --date 2025-02-10 --outcome assess --by sam")
    cli.ok("record contact H1 --date 2025-02-11 --with parent --note 'phoned mum' --by sam")
    monkeypatch.setenv("SENDTRACK_USER", "alex")
    cli.ok("record void H1 3 --reason 'was another family'")
    cli.ok("assign H1 --team front-door --coordinator 'Sam Patel' --by priya")
    return cli


def test_history_json_lists_every_event_with_who_and_when(audited):
    rows = audited.json("history H1 --format json")
    assert [(r["id"], r["kind"], r["recorded_by"]) for r in rows] == [
        (1, "request", "sam"), (2, "decision", "sam"), (3, "contact", "sam"), (4, "void", "alex"),
        (5, "assign", "priya")]
    assert all(len(r["recorded_at"]) == 19 for r in rows)
    contact, void = rows[2], rows[3]
    assert contact["details"] == {"note": "phoned mum", "with": "parent"}
    assert contact["voided"] is True and contact["voided_by"] == "alex"
    assert contact["void_reason"] == "was another family" and contact["void_event"] == 4
    assert contact["voided_at"] == void["recorded_at"]
    assert void["voids"] == 3 and void["details"] == {"reason": "was another family"}
    assert [r["voided"] for r in rows] == [False, False, True, False, False]
    assert set(rows[0]) == {"id", "date", "kind", "details", "recorded_by", "recorded_at", "imported_by",
                            "imported_at", "voids", "voided",
                            "voided_by", "voided_at", "void_reason", "void_event"}


def test_history_csv_has_the_same_rows(audited):
    rows = list(csv.DictReader(io.StringIO(audited.ok("history H1 --format csv"))))
    assert [r["kind"] for r in rows] == ["request", "decision", "contact", "void", "assign"]
    assert rows[2]["voided"] == "true" and rows[2]["voided_by"] == "alex"
    assert rows[2]["details"] == "note=phoned mum, with=parent"


def test_history_table_marks_the_voided_event(audited):
    out = audited.ok("history H1 --format table")
    line = next(line for line in out.splitlines() if "contact" in line)
    assert "VOIDED by alex" in line and "was another family" in line
    assert "Amelia" not in out


def test_history_keeps_voided_events_nothing_deleted(audited):
    """The voided event still counts in the log; the timeline marks it too."""
    view = audited.json("timeline H1 --as-of 2025-03-01 --format json")
    assert [e["id"] for e in view["events"] if e["voided"]] == [3]


def test_history_of_an_unknown_case_is_refused(audited):
    result = audited.fails("history NOPE --format json")
    assert result.stderr == "sendtrack: unknown case 'NOPE'\n" and result.stdout == ""


def test_history_table_marks_only_the_voided_event(audited):
    out = audited.ok("history H1 --format table")
    voided_lines = [line for line in out.splitlines() if "VOIDED" in line]
    assert len(voided_lines) == 1 and "contact" in voided_lines[0] and "was another family" in voided_lines[0]
    assert "None" not in out


def test_an_erase_shows_its_commitments_short_in_text_and_whole_in_json(cli):
    # a trial user found history after an erase printing whole SHA-256 hashes in the table
    cli.ok("add-request --ref H9 --name 'Testchild Hash' --dob 2012-02-03 --received 2024-01-08")
    cli.ok("edit H9 --name 'Testchild Hashed' --reason spelling")
    cli.ok("record decision H9 --date 2024-02-10 --outcome refuse")
    cli.ok("erase H9 --reason 'family request'")
    text = cli.ok("history H9 --format csv")
    erase_line = next(line for line in text.splitlines() if ",erase," in line)
    assert "…" in erase_line and not any(len(word) >= 64 for word in erase_line.replace("'", " ").split())
    rows = cli.json("history H9 --format json")
    erase = next(r for r in rows if r["kind"] == "erase")
    assert len(erase["details"]["request"]) == 64 and all(len(v) == 64 for v in erase["details"]["edits"].values())
