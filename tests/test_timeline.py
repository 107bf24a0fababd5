"""The case timeline through the CLI: the contract's JSON shape, voids, --as-of, checks and the table."""

from __future__ import annotations

import pytest


@pytest.fixture
def amelia(cli):
    cli.ok("add-request --ref HCC-0001 --name 'Amelia Test' --dob 2015-03-15 --received 2025-01-06 "
           "--coordinator 'Sam Patel'")
    cli.ok("record decision HCC-0001 --date 2025-02-10 --outcome assess")
    return cli


def test_json_has_the_contract_shape(amelia):
    view = amelia.json("timeline HCC-0001 --as-of 2025-03-01 --format json")
    assert {"ref", "as_of", "team", "coordinator", "deadlines", "events", "checks"} <= set(view)
    assert (view["ref"], view["as_of"], view["team"], view["coordinator"]) == (
        "HCC-0001", "2025-03-01", "front-door", "Sam Patel")
    first = view["deadlines"][0]
    assert {"rule", "owner", "kind", "subject", "due", "act_by", "status", "completed_on", "source"} <= set(first)
    # Mon 6 Jan 2025 + 6 weeks = Mon 17 Feb 2025; decided 10 Feb: met (reg 5(1))
    assert first == {**first, "rule": "assessment-decision", "owner": "la", "kind": "statutory",
                     "subject": None, "due": "2025-02-17", "act_by": "2025-02-17", "status": "met",
                     "completed_on": "2025-02-10", "source": "reg 5(1); CFA s.36"}
    assert [(e["id"], e["kind"], e["date"], e["recorded_by"]) for e in view["events"]] == [
        (1, "request", "2025-01-06", "test-user"), (2, "decision", "2025-02-10", "test-user")]
    assert view["checks"] == []
    assert "name" not in view and view["initials"] == "A.T."


def test_names_only_when_asked(amelia):
    assert "Amelia Test" not in amelia.ok("timeline HCC-0001 --format json")
    assert amelia.json("timeline HCC-0001 --format json --names")["name"] == "Amelia Test"
    assert "Amelia Test" not in amelia.ok("cases --format csv")
    assert "Amelia Test" in amelia.ok("cases --format csv --names")


def test_as_of_ignores_later_events(amelia):
    # as of 9 Feb the decision of 10 Feb had not happened: open until Mon 17 Feb, overdue after
    view = amelia.json("timeline HCC-0001 --as-of 2025-02-09 --format json")
    decision = next(d for d in view["deadlines"] if d["rule"] == "assessment-decision")
    assert (decision["status"], decision["completed_on"]) == ("open", None)
    assert [e["kind"] for e in view["events"]] == ["request"]


def test_void_keeps_the_event_visible_and_reopens_the_deadline(amelia):
    out = amelia.ok("record void HCC-0001 2 --reason 'entered on the wrong case'")
    assert "assessment-decision" in out and "met -> overdue" in out
    view = amelia.json("timeline HCC-0001 --as-of 2025-03-01 --format json")
    decision_event = next(e for e in view["events"] if e["id"] == 2)
    assert decision_event["voided"] is True and decision_event["voided_by"] == 3
    deadline = next(d for d in view["deadlines"] if d["rule"] == "assessment-decision")
    assert (deadline["status"], deadline["completed_on"]) == ("overdue", None)
    # the corrected decision can now be recorded
    amelia.ok("record decision HCC-0001 --date 2025-02-12 --outcome assess")


def test_void_refusals(amelia):
    amelia.ok("record void HCC-0001 2 --reason mistake")
    assert "already voided" in amelia.fails("record void HCC-0001 2 --reason again").stderr
    # a void cannot be voided; the request can (issue 10: the case then counts nowhere, test_edit.py)
    assert "cannot be voided" in amelia.fails("record void HCC-0001 3 --reason void").stderr


def test_record_prints_what_changed(amelia):
    out = amelia.ok("record draft HCC-0001 --date 2025-04-14")
    # Mon 6 Jan + 16 weeks = Mon 28 Apr; draft on 14 Apr: issue-decision met; window 14-28 Apr (C2)
    assert "issue-decision: due 2025-04-28" in out and "-> met, completed 2025-04-14" in out
    assert "+ draft-representations: due 2025-04-28" in out


def test_closure_window_shows_exception_a_may_apply(cli):
    # received Mon 2 Jun 2025: final plan due Mon 20 Oct 2025 (+20 weeks), still open in July
    cli.ok("add-request --ref S1 --name 'Summer Test' --dob 2015-03-15 --received 2025-06-02")
    cli.ok("record decision S1 --date 2025-07-01 --outcome assess")
    # Hertfordshire closure Thu 24 Jul 2025 - Mon 1 Sep 2025 (39 days): window Thu 17 Jul - Mon 25 Aug
    cli.ok("record advice-requested S1 --date 2025-07-16 --from education --institution 'Oak Primary'")
    assert cli.json("timeline S1 --format json")["checks"] == []  # 16 Jul: the day before the window
    cli.ok("record advice-requested S1 --date 2025-07-17 --from education --institution 'Elm School'")
    checks = cli.json("timeline S1 --format json")["checks"]
    assert [c["code"] for c in checks] == ["exception-a-may-apply"]
    assert "Elm School" in checks[0]["message"] and "--limb a" in checks[0]["message"]
    # never applied by itself: the deadlines are untouched until the coordinator records it
    final = next(d for d in cli.json("timeline S1 --format json --as-of 2025-11-01")["deadlines"]
                 if d["rule"] == "final-plan")
    assert final["status"] == "overdue"
    cli.ok("record exception S1 --limb a --start 2025-07-17 --reason 'summer closure'")
    assert cli.json("timeline S1 --format json")["checks"] == []
    final = next(d for d in cli.json("timeline S1 --format json --as-of 2025-11-01")["deadlines"]
                 if d["rule"] == "final-plan")
    assert (final["status"], final["due"]) == ("excepted", "2025-10-20")


def test_exception_marks_deadlines_without_moving_dates(amelia):
    before = amelia.json("timeline HCC-0001 --as-of 2025-07-01 --format json")["deadlines"]
    amelia.ok("record exception HCC-0001 --limb c --start 2025-03-01 --reason 'family bereavement'")
    after = amelia.json("timeline HCC-0001 --as-of 2025-07-01 --format json")["deadlines"]
    assert [(d["rule"], d["due"], d["act_by"]) for d in before] == [(d["rule"], d["due"], d["act_by"]) for d in after]
    changed = {d["rule"]: d["status"] for d in after if d["status"] == "excepted"}
    # open on 1 Mar: issue-decision (due 28 Apr) and final-plan (due 26 May), both past due by 1 Jul
    assert changed == {"issue-decision": "excepted", "final-plan": "excepted"}


TABLE = """\
HCC-0001  A.T.  team front-door, coordinator Sam Patel  (as of 2025-03-01)
looked after: no, alternative provision: no, setting: -
Events
#  Date        Event     Details         By
-  ----------  --------  --------------  ---------
1  2025-01-06  request   source=parent   test-user
2  2025-02-10  decision  outcome=assess  test-user

Deadlines
Deadline             Kind       Due         Act by      Status   Done        Source
-------------------  ---------  ----------  ----------  -------  ----------  ----------------------------------------
assessment-decision  statutory  2025-02-17  2025-02-17  met      2025-02-10  reg 5(1); CFA s.36
contact              local      2025-02-17  2025-02-17  at risk              local milestone (communication standard)
draft-by-week-14     local      2025-04-14  2025-04-14  open                 local milestone
issue-decision       statutory  2025-04-28  2025-04-28  open                 reg 10(1)
final-plan           statutory  2025-05-26  2025-05-23  open                 reg 13(2)

Why these dates:
  assessment-decision: request received 6 Jan 2025 + 6 weeks = 17 Feb 2025 (reg 5(1))
  contact: request received 6 Jan 2025 + 6 weeks = 17 Feb 2025 (local milestone)
  draft-by-week-14: request received 6 Jan 2025 + 14 weeks = 14 Apr 2025 (local milestone: the 15-day window and consultation still fit in 20 weeks)
  issue-decision: request received 6 Jan 2025 + 16 weeks = 28 Apr 2025 (reg 10(1))
  final-plan: request received 6 Jan 2025 + 20 weeks = 26 May 2025 (reg 13(2))

Checks: none
"""


def test_table_golden_text(amelia):
    # hand-checked: request Mon 6 Jan 2025; +6w Mon 17 Feb (decided 10 Feb: met); +14w Mon 14 Apr;
    # +16w Mon 28 Apr; +20w Mon 26 May (Spring bank holiday: act by Fri 23 May); no contact in 6 weeks.
    # The basis lines repeat that arithmetic in words (spec 8.11).
    out = amelia.ok("timeline HCC-0001 --as-of 2025-03-01 --format table")
    assert "\n".join(line.rstrip() for line in out.splitlines()) + "\n" == TABLE


TABLE_80 = """\
HCC-0001  A.T.  team front-door, coordinator Sam Patel  (as of 2025-03-01)
looked after: no, alternative provision: no, setting: -
Events
#  Date        Event     Details         By
-  ----------  --------  --------------  ---------
1  2025-01-06  request   source=parent   test-user
2  2025-02-10  decision  outcome=assess  test-user

Deadlines
Deadline             Kind       Due         Act by      Status   Done
-------------------  ---------  ----------  ----------  -------  ----------
assessment-decision  statutory  2025-02-17  2025-02-17  met      2025-02-10
contact              local      2025-02-17  2025-02-17  at risk
draft-by-week-14     local      2025-04-14  2025-04-14  open
issue-decision       statutory  2025-04-28  2025-04-28  open
final-plan           statutory  2025-05-26  2025-05-23  open
left out to fit 80 columns: Source (all in --format json)

Why these dates:
  assessment-decision: request received 6 Jan 2025 + 6 weeks = 17 Feb 2025
    (reg 5(1))
  contact: request received 6 Jan 2025 + 6 weeks = 17 Feb 2025 (local
    milestone)
  draft-by-week-14: request received 6 Jan 2025 + 14 weeks = 14 Apr 2025
    (local milestone: the 15-day window and consultation still fit in 20 weeks)
  issue-decision: request received 6 Jan 2025 + 16 weeks = 28 Apr 2025 (reg
    10(1))
  final-plan: request received 6 Jan 2025 + 20 weeks = 26 May 2025 (reg 13(2))

Checks: none
"""


def test_table_golden_text_at_80_columns(amelia, monkeypatch):
    """The same table in a standard terminal: the least important column, Source, is left out and
    named; no date is split."""
    monkeypatch.setenv("COLUMNS", "80")
    out = amelia.ok("timeline HCC-0001 --as-of 2025-03-01 --format table")
    assert out == TABLE_80


def test_as_of_before_a_request_lists_and_shows_nothing_of_it(amelia):
    amelia.ok("add-request --ref LATER --name 'Later Test' --dob 2016-01-01 --received 2025-04-14")
    refs = [row.split(",")[0] for row in amelia.ok("cases --as-of 2025-03-01 --format csv").splitlines()[1:]]
    assert refs == ["HCC-0001"]
    assert "received on 2025-04-14, after 2025-03-01" in amelia.fails("timeline LATER --as-of 2025-03-01").stderr


def test_basis_in_json_and_record_prints_it_for_changed_deadlines(amelia):
    # request Mon 6 Jan 2025 + 6 weeks = Mon 17 Feb 2025 (reg 5(1)), as the JSON says in words
    view = amelia.json("timeline HCC-0001 --as-of 2025-03-01 --format json")
    found = {d["rule"]: d["basis"] for d in view["deadlines"]}
    assert found["assessment-decision"] == "request received 6 Jan 2025 + 6 weeks = 17 Feb 2025 (reg 5(1))"
    # the draft (Mon 14 Apr 2025) completes issue-decision and starts the family's 15 days: 14 Apr + 14 =
    # Mon 28 Apr 2025 (C2); record says why each changed deadline is due when it is
    out = amelia.ok("record draft HCC-0001 --date 2025-04-14")
    assert "+ draft-representations: due 2025-04-28 (met)" in out  # judged today, long after
    assert "    because draft served 14 Apr 2025: the family's 15 days beginning with it end 28 Apr 2025 " \
           "(C2; reg 13(1))" in out
    # unchanged deadlines (final-plan) carry no basis line
    assert "final-plan" not in out
