"""`sendtrack check`: clean databases pass; each kind of damage, made with raw SQL, is found and named."""

from __future__ import annotations

import pytest

from tests.conftest import supported_golden_cases
from tests.test_audit import tamper
from tests.test_golden import record_line


def load_golden(cli) -> None:
    """Every worked case the engine handles (conftest.NOT_YET_SUPPORTED lists any it does not yet)."""
    for case in supported_golden_cases():
        request = case["request"]
        cli.ok(["add-request", "--ref", request["ref"], "--name", request["name"], "--dob", request["dob"],
                "--received", request["received"]])
        for event in case["events"]:
            cli.ok(record_line(request["ref"], event))


@pytest.fixture
def planned(backend_cli):
    """A case with a decision, a draft and a final plan, plus a second case."""
    cli = backend_cli
    cli.ok("add-request --ref P1 --name 'Amelia Jones' --dob 2015-03-15 --received 2025-01-06")
    cli.ok("record decision P1 --date 2025-02-10 --outcome assess")
    cli.ok("record draft P1 --date 2025-04-01")
    cli.ok("record final P1 --date 2025-05-01")
    cli.ok("add-request --ref P2 --name 'Noah Smith' --dob 2016-01-01 --received 2025-01-06")
    return cli


def problems(cli) -> list[str]:
    result = cli.fails("check", code=1)
    assert result.stderr.count("\n") == 1 and "check found" in result.stderr, result.stderr
    return result.stdout.splitlines()


def test_clean_database_passes(planned):
    assert planned.ok("check").strip() == "check: no problems found"


def test_empty_database_passes(backend_cli):
    assert "no problems" in backend_cli.ok("check")


def test_every_golden_case_passes_check(backend_cli):
    load_golden(backend_cli)
    assert "no problems" in backend_cli.ok("check")


def test_voids_and_reassignments_pass_check(planned):
    out = planned.ok("record contact P2 --date 2025-01-10 --note 'phoned'")
    event = out.split("recorded event ")[1].split()[0]
    planned.ok(f"record void P2 {event} --reason 'wrong case'")
    planned.ok("assign P2 --team front-door --coordinator 'Sam Patel'")
    assert "no problems" in planned.ok("check")


def test_corrupted_deadline_row_is_found(planned, backend):
    backend.execute("UPDATE deadlines SET due = '2025-05-27' WHERE rule = 'final-plan' AND case_id = "
                    "(SELECT id FROM cases WHERE ref = 'P1')")
    found = problems(planned)
    assert len(found) == 1, found
    assert found[0].startswith("P1: deadlines: stored deadlines differ from the rules")
    assert "final-plan: due 2025-05-27 (rules say 2025-05-26)" in found[0]


def test_missing_and_extra_deadline_rows_are_found(planned, backend):
    backend.execute("DELETE FROM deadlines WHERE rule = 'assessment-decision' AND case_id = "
                    "(SELECT id FROM cases WHERE ref = 'P2')")
    backend.execute("INSERT INTO deadlines (case_id, rule, owner, kind, source, trigger, due, act_by, "
                    "known_from) SELECT id, 'final-plan', 'la', 'statutory', 'reg 13(2)', '2025-01-06', "
                    "'2025-05-26', '2025-05-23', '2025-01-06' FROM cases WHERE ref = 'P1'")
    found = problems(planned)
    assert [line.split(":")[0:2] for line in found] == [["P1", " deadlines"], ["P2", " deadlines"]]
    assert "missing assessment-decision" in found[1]


def test_out_of_order_event_is_found(planned, backend):
    """A final plan dated before the decision to assess, slipped in with raw SQL."""
    backend.execute("INSERT INTO events (case_id, kind, date, details, recorded_by, recorded_at) "
                    "SELECT id, 'final', '2025-01-20', '{}', 'raw', '2025-01-20 00:00:00' FROM cases "
                    "WHERE ref = 'P2'")
    found = [line for line in problems(planned) if ": event-order:" in line]
    assert len(found) == 1, found
    assert found[0].startswith("P2: event-order: event ")
    assert "final on 2025-01-20" in found[0] and "no decision to assess" in found[0]


def test_decision_dated_before_the_request_is_found(planned, backend):
    tamper(backend, "UPDATE events SET date = '2024-12-01' WHERE kind = 'decision'")  # triggers refuse it
    found = "\n".join(problems(planned))
    assert "P1: event-order:" in found and "before the request was received" in found


def test_void_that_makes_the_sequence_impossible_is_found(planned):
    """Voiding the decision leaves a final plan without one: every write was judged, the result is not."""
    planned.ok("record void P1 2 --reason 'recorded on the wrong case'")
    found = problems(planned)
    assert any(line.startswith("P1: event-order:") and "final" in line for line in found), found


def test_case_without_a_request_is_found(planned, backend):
    tamper(backend, "DELETE FROM events WHERE kind = 'request' AND case_id = "
                    "(SELECT id FROM cases WHERE ref = 'P2')")
    assert "P2: no-request: the case has no request event" in problems(planned)


def test_duplicate_reference_is_found(planned, backend):
    backend.execute("DROP INDEX ix_cases_ref")
    backend.execute("INSERT INTO cases (ref, name, dob, received, source, team, looked_after, "
                    "alternative_provision, created_at) VALUES ('P2', 'Other Child', '2016-02-02', "
                    "'2025-01-06', 'parent', 'front-door', FALSE, FALSE, '2025-01-06 00:00:00')")
    found = problems(planned)
    assert "P2: duplicate-reference: 2 cases share this reference" in found


def test_second_open_request_for_the_same_child_is_found_by_reference_only(planned, tmp_path):
    # a second case for P1's child that came in without the user's say-so (an import in sendtrack's
    # layout, which does not ask): found, by reference only
    path = tmp_path / "dup.csv"
    path.write_text("ref,name,dob,kind,date\nP3, amelia  JONES ,2015-03-15,request,2025-02-01\n",
                    encoding="utf-8")
    planned.ok(["import", str(path)])
    found = problems(planned)
    assert found == ["P3: second-open-request: the same child (name and date of birth) has an open case P1"]
    assert "melia" not in "\n".join(found).lower()


def test_a_case_added_with_allow_duplicate_is_left_alone(planned):
    # the user said it is another child (twins of one name and birthday are rare, not impossible): the
    # request keeps that (duplicate_allowed), so the daily check does not fail for good on the pair
    planned.ok("add-request --ref P3 --name ' amelia  JONES ' --dob 2015-03-15 --received 2025-02-01 "
               "--allow-duplicate")
    assert "no problems found" in planned.ok("check")
    history = planned.ok("history P3 --format csv")
    assert "duplicate_allowed=True" in history


def test_a_closed_request_does_not_count_as_open(backend_cli):
    cli = backend_cli
    cli.ok("add-request --ref W1 --name 'Amelia Jones' --dob 2015-03-15 --received 2024-01-08")
    cli.ok("record withdrawn W1 --date 2024-02-01")
    cli.ok("add-request --ref W2 --name 'Amelia Jones' --dob 2015-03-15 --received 2025-01-06")
    assert "no problems" in cli.ok("check")


def test_void_of_another_cases_event_is_found(planned, backend):
    """Event 1 is P1's request: a void on P2 pointing at it points at nothing of P2's."""
    backend.execute("INSERT INTO events (case_id, kind, date, details, voids, recorded_by, recorded_at) "
                    "SELECT id, 'void', '2025-03-01', '{}', 1, 'raw', '2025-03-01 00:00:00' FROM cases "
                    "WHERE ref = 'P2'")
    found = problems(planned)
    assert found == ["P2: audit-chain: event 6 (void, 2025-03-01): no hash — the event was written outside "
                     "sendtrack", "P2: void-target: void event 6 points at no event of this case"]


def test_sqlite_integrity_check_failure_is_reported(cli, private_db):
    """A damaged page: check reports SQLite's integrity_check and exits 1 rather than crashing."""
    import sqlite3

    cli.ok("add-request --ref D1 --name 'Test Child' --dob 2015-03-15 --received 2025-01-06")
    with sqlite3.connect(private_db) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA writable_schema = ON")
        # point the deadlines index at the wrong root page: integrity_check notices, reads still work
        root = "SELECT rootpage FROM sqlite_master WHERE name = ?"
        page = conn.execute(root, ("ix_deadlines_due",)).fetchone()[0]
        other = conn.execute(root, ("ix_cases_team",)).fetchone()[0]
        conn.execute("UPDATE sqlite_master SET rootpage = ? WHERE name = 'ix_deadlines_due'", (other,))
        conn.execute("UPDATE sqlite_master SET rootpage = ? WHERE name = 'ix_cases_team'", (page,))
    result = cli("check")
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "-: integrity:" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_a_damaged_file_is_a_finding_not_a_crash(cli, private_db):
    cli.ok("add-request --ref D1 --name 'Test Child' --dob 2015-03-15 --received 2025-01-06")
    cli.ok("record decision D1 --date 2025-02-10 --outcome assess")
    import sqlite3

    with sqlite3.connect(private_db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'cases'").fetchone()[0]
        page = conn.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(private_db.read_bytes())
    data[(root - 1) * page:(root - 1) * page + 100] = b"\xff" * 100  # the cases table's root page
    private_db.write_bytes(bytes(data))
    result = cli.fails("check", code=1)
    assert "integrity" in result.stdout + result.stderr
    assert "unexpected error" not in result.stderr and "Traceback" not in result.stdout + result.stderr


def test_notes_are_printed_and_do_not_fail_the_check(planned):
    # plan Thu 1 May 2025; re-assessment asked Mon 1 Sep 2025, within 6 months of the plan (1 May + 6
    # months = Sat 1 Nov 2025): reg 24(2)(a) lets the LA refuse it, a note
    planned.ok("record reassessment-request P1 --date 2025-09-01")
    out = planned.ok("check")
    assert "P1: note: reassessment-within-6-months: re-assessment requested on 2025-09-01, within 6 months " \
           "of the last assessment (2025-05-01)" in out
    assert out.rstrip().endswith("check: no problems found")


def test_case_still_open_after_transferred_out_is_noted(planned):
    # aware Mon 1 Sep 2025 of a move on Mon 15 Sep; the plan sent Fri 12 Sep; a Tribunal order to amend on
    # Mon 8 Sep is still outstanding for this LA (order-amended due 8 Sep + 35 = Mon 13 Oct 2025)
    planned.ok("record move-out P1 --date 2025-09-01 --on 2025-09-15 --to-la 919")
    planned.ok("record tribunal-order P1 --date 2025-09-08 --order amend")
    planned.ok("record transferred-out P1 --date 2025-09-12")
    out = planned.ok("check")
    assert "P1: note: open-after-transfer: the plan was sent to another LA on 2025-09-12 but the case still " \
           "has outstanding deadlines: order-amended" in out
    # plan events after the transfer out are refused
    assert "sent to another LA on 2025-09-12" in planned.fails("record review-meeting P1 --date 2025-09-20").stderr


def test_advice_after_the_closure_calendar_is_noted(cli, tmp_path):
    # an authority's own calendar that ends with summer 2024 (closed Wed 24 Jul, re-opens Wed 4 Sep 2024:
    # window to Wed 28 Aug 2024); education advice asked Mon 3 Mar 2025 cannot be judged for limb a
    from tests.test_config import variant

    (tmp_path / "closures.csv").write_text("institution,closed_from,reopens,estimated,note\n"
                                           "*,2024-07-24,2024-09-04,no,summer 2024\n", encoding="utf-8")
    config = variant(tmp_path, "calendar.toml", replace=('school_calendar = ""',
                                                         'school_calendar = "closures.csv"'))
    run = ["--config", config]
    cli.ok([*run, "add-request", "--ref", "C1", "--name", "Test Child", "--dob", "2015-03-15",
            "--received", "2025-02-03"])
    cli.ok([*run, "record", "decision", "C1", "--date", "2025-02-24", "--outcome", "assess"])
    cli.ok([*run, "record", "advice-requested", "C1", "--date", "2025-03-03", "--from", "education",
            "--institution", "Oak Primary"])
    out = cli.ok([*run, "check"])
    assert "-: note: closure-calendar: 1 advice request to schools falls after the school closure calendar, " \
           "which ends with the closure re-opening 2024-09-04: add the summer 2025 closure" in out
    assert out.rstrip().endswith("check: no problems found")
    view = cli.json([*run, "timeline", "C1", "--as-of", "2025-03-10", "--format", "json"])
    assert [c["code"] for c in view["checks"]] == ["closure-calendar-ends"]
