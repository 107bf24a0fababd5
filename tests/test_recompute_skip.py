"""`recompute` skips the cases unchanged since the last recompute (issue 14 item 6): every kind of change
still gets its case recomputed, checked against a fresh computation (`check` compares every stored
deadline with one worked out afresh), on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest

from sendtrack.app import batch
from sendtrack.config import DEFAULT_CONFIG

AS_OF = "2025-06-30"


def recomputed(out: str) -> tuple[int, int]:
    """(cases recomputed, cases skipped) from recompute's first line."""
    found = re.match(r"recomputed (\d+) cases(?: \((\d+) unchanged since the last recompute, skipped\))?, ",
                     out)
    assert found, out
    return int(found[1]), int(found[2] or 0)


@pytest.fixture
def sampled(backend_cli):
    backend_cli.ok(["sample", "--cases", "60", "--seed", "3", "--as-of", AS_OF])
    return backend_cli


def test_a_second_recompute_skips_every_unchanged_case(sampled):
    assert recomputed(sampled.ok("recompute")) == (60, 0)  # the first: nothing to go by
    assert recomputed(sampled.ok("recompute")) == (0, 60)
    assert recomputed(sampled.ok("recompute --full")) == (60, 0)
    assert "no problems" in sampled.ok("check")


def test_each_kind_of_change_gets_its_case_recomputed(sampled, tmp_path):
    sampled.ok("recompute")
    # an event added, a void, a new case, an assignment (an `assign` event too)
    sampled.ok("record contact SMP-0000001 --date 2025-06-01 --note 'rang'")
    out = sampled.ok("record contact SMP-0000002 --date 2025-06-02")
    event = out.split("recorded event ")[1].split()[0]
    sampled.ok(f"record void SMP-0000002 {event} --reason 'wrong case'")
    sampled.ok("add-request --ref NEW-1 --name 'Amelia Jones' --dob 2015-03-15 --received 2025-01-06")
    sampled.ok("assign SMP-0000003 --team front-door")
    # and an import of two cases
    incoming = tmp_path / "two.csv"
    incoming.write_text("ref,name,dob,kind,date\n"
                        "IMP-1,Ben Smith,2016-05-04,request,2025-02-03\n"
                        "IMP-2,Cara Smith,2017-05-04,request,2025-02-04\n")
    sampled.ok(["import", str(incoming)])
    # SMP-1, SMP-2, SMP-3, NEW-1, IMP-1, IMP-2; the other 57 of the 60 sampled are skipped
    assert recomputed(sampled.ok("recompute")) == (6, 57)
    assert "no problems" in sampled.ok("check")
    assert recomputed(sampled.ok("recompute")) == (0, 63)


def test_another_configuration_or_code_recomputes_everything(sampled, tmp_path, monkeypatch):
    sampled.ok("recompute")
    other = tmp_path / "config.toml"
    other.write_text(DEFAULT_CONFIG.read_text().replace("contact_weeks = 6", "contact_weeks = 4"))
    assert recomputed(sampled.ok(["--config", str(other), "recompute"])) == (60, 0)
    assert "no problems" in sampled.ok(["--config", str(other), "check"])
    assert recomputed(sampled.ok(["--config", str(other), "recompute"])) == (0, 60)
    assert recomputed(sampled.ok("recompute")) == (60, 0)  # and back
    # a new version of sendtrack (its files' fingerprint differs): everything again
    monkeypatch.setattr(batch, "code_fingerprint", lambda: "another-version")
    assert recomputed(sampled.ok("recompute")) == (60, 0)
    assert recomputed(sampled.ok("recompute")) == (0, 60)
    assert "no problems" in sampled.ok("check")


def test_deadlines_changed_by_hand_are_skipped_and_full_repairs_them(sampled, backend):
    """The skip goes by a case's inputs, not its stored rows: rows edited outside sendtrack are for
    `check` to find and `recompute --full` to rebuild (README: Data at council and England scale)."""
    sampled.ok("recompute")
    db = backend.open()
    try:
        with db.write():
            db.execute("DELETE FROM deadlines WHERE case_id = (SELECT id FROM cases WHERE ref = 'SMP-0000004')")
    finally:
        db.close()
    assert recomputed(sampled.ok("recompute")) == (0, 60)
    assert "SMP-0000004: deadlines:" in sampled.fails("check").stdout
    out = sampled.ok("recompute --full")
    assert recomputed(out) == (60, 0) and "deadlines changed in 1 cases" in out
    assert "no problems" in sampled.ok("check")
