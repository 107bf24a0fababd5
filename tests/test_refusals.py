"""Every refusal of the core: one clear stderr line, the right exit code, and nothing written."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sendtrack.errors import RefusedError, UsageError
from tests.conftest import dump

TOMORROW = (date.today() + timedelta(days=1)).isoformat()


@pytest.fixture
def case(cli):
    cli.ok("add-request --ref R1 --name 'Test Child' --dob 2015-03-15 --received 2025-01-06")
    cli.ok("record decision R1 --date 2025-02-10 --outcome assess")
    return cli


REFUSED = {
    "unknown-reference": "record decision NOPE --date 2025-02-10 --outcome assess",
    "duplicate-reference": "add-request --ref R1 --name 'Other Child' --dob 2016-01-01 --received 2025-01-06",
    "unreal-date-add-request": "add-request --name 'A B' --dob 2015-03-15 --received 2025-02-30",
    "unreal-date-record": "record draft R1 --date 2025-02-30",
    "badly-formatted-date": "record draft R1 --date 6/1/2025",
    "event-before-request": "record draft R1 --date 2025-01-05",
    "event-before-birth": "record contact R1 --date 2015-03-14",
    "request-before-birth": "add-request --name 'A B' --dob 2015-03-15 --received 2015-03-14",
    "event-in-the-future": f"record draft R1 --date {TOMORROW}",
    "request-in-the-future": f"add-request --name 'A B' --dob 2015-03-15 --received {TOMORROW}",
    "second-decision": "record decision R1 --date 2025-02-11 --outcome refuse",
    "exception-end-before-start": "record exception R1 --limb c --start 2025-03-01 --end 2025-02-01 "
                                  "--reason 'family illness'",
    "limb-d-under-four-weeks": "record exception R1 --limb d --start 2025-03-01 --end 2025-03-20 "
                               "--reason away",
    "exception-on-a-review-rule": "record exception R1 --limb c --start 2025-03-01 --rule annual-review "
                                  "--reason illness",
    "unknown-rule-id": "record exception R1 --limb c --start 2025-03-01 --rule no-such-rule --reason x",
    "missed-appointment-without-rule": "record exception R1 --limb missed-appointment --start 2025-03-01 "
                                       "--reason 'did not attend'",
    "unknown-team-add-request": "add-request --name 'A B' --dob 2015-03-15 --received 2025-01-06 "
                                "--team no-such-team",
    "unknown-team-assign": "assign R1 --team no-such-team",
    "review-before-any-plan": "record review-meeting R1 --date 2025-03-01",
    "advice-never-requested": "record advice-received R1 --date 2025-03-01 --from psychology",
    "void-unknown-event": "record void R1 999 --reason mistake",
    # the later stages (spec 4.3): each kind's own guard, and the plan phase
    "transferred-out-without-move-out": "record transferred-out R1 --date 2025-03-01",
    "reassessment-before-any-plan": "record reassessment-request R1 --date 2025-03-01",
    "transfer-in-notice-without-transfer-in": "record transfer-in-notice R1 --date 2025-03-01",
    "mediation-held-without-contact": "record mediation-held R1 --date 2025-03-01",
    "certificate-without-contact": "record mediation-certificate R1 --date 2025-03-01",
    "order-complied-without-order": "record order-complied R1 --date 2025-03-01 --step notify",
    "limb-d2-without-rule": "record exception R1 --limb d2 --start 2025-03-01 --reason away",
    "limb-d2-on-final-plan": "record exception R1 --limb d2 --start 2025-03-01 --rule final-plan --reason away",
    "name-with-control-character": ["add-request", "--name", "Bad\x07Name", "--dob", "2015-03-15",
                                    "--received", "2025-01-06"],
    "empty-name": ["add-request", "--name", "  ", "--dob", "2015-03-15", "--received", "2025-01-06"],
}


@pytest.mark.parametrize("line", REFUSED.values(), ids=REFUSED.keys())
def test_refused_with_one_line_and_nothing_written(case, private_db, line):
    before = dump(private_db)
    result = case.fails(line, code=RefusedError.exit_code)
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("sendtrack: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
    assert dump(private_db) == before


@pytest.mark.parametrize("line", [
    "record decision R1 --date 2025-02-10 --outcome maybe",
    "record draft R1",
    "record no-such-kind R1 --date 2025-02-10",
    "add-request --name 'A B' --dob 2015-03-15 --received 2025-01-06 --source aliens",
], ids=["bad-choice", "missing-option", "unknown-kind", "bad-source"])
def test_usage_errors_exit_2_and_write_nothing(case, private_db, line):
    before = dump(private_db)
    case.fails(line, code=UsageError.exit_code)
    assert dump(private_db) == before


def test_final_plan_before_any_decision_to_assess_is_refused(cli, private_db):
    cli.ok("add-request --ref R2 --name 'Test Child' --dob 2015-03-15 --received 2025-01-06")
    before = dump(private_db)
    result = cli.fails("record final R2 --date 2025-05-01")
    assert "no decision to assess" in result.stderr
    cli.ok("record decision R2 --date 2025-02-10 --outcome refuse")
    before = dump(private_db)
    cli.fails("record final R2 --date 2025-05-01")
    assert dump(private_db) == before


def test_second_final_plan_is_refused(case, private_db):
    case.ok("record draft R1 --date 2025-04-01")
    case.ok("record final R1 --date 2025-05-01")
    before = dump(private_db)
    result = case.fails("record final R1 --date 2025-05-02")
    assert "already issued on 2025-05-01" in result.stderr
    assert dump(private_db) == before


def test_review_meeting_date_may_be_in_the_future(case):
    case.ok("record draft R1 --date 2025-04-01")
    case.ok("record final R1 --date 2025-05-01")
    case.ok(f"record review-scheduled R1 --date 2025-06-01 --meeting {TOMORROW}")


def test_missing_database_exits_3(private_db, tmp_path):
    from tests.conftest import Cli

    result = Cli().fails(f"--db {tmp_path / 'nothing.db'} cases", code=3)
    assert "sendtrack init" in result.stderr
    assert not (tmp_path / "nothing.db").exists()


def test_back_dated_events_are_judged_by_their_own_date(case):
    # late data entry: a report dated before the plan ceased is still accepted after the cease is recorded
    case.ok("record draft R1 --date 2025-04-01")
    case.ok("record final R1 --date 2025-05-01")
    case.ok("record review-meeting R1 --date 2026-04-20")
    case.ok("record cease R1 --date 2026-08-31 --reason moved-out-of-area")
    case.ok("record review-report R1 --date 2026-04-30")
    # the plan is maintained until the cease's appeal window passes: 31 Aug + 2 months = Sat 31 Oct 2026
    # (spec 4.3), so a report of 1 Sep is accepted and one of Sun 1 Nov, the day the plan ended, is not
    case.ok("record review-report R1 --date 2026-09-01")
    # said as cease-effective says it: its due date, the plan's last day (not the day after)
    assert "maintained until 2026-10-31 (cease-effective)" in \
        case.fails("record review-report R1 --date 2026-11-01").stderr
    assert "already made on 2026-08-31" in case.fails("record cease R1 --date 2026-09-02 --reason again").stderr


def test_decision_dated_before_a_recorded_withdrawal_is_accepted(cli):
    cli.ok("add-request --ref W1 --name 'Test Child' --dob 2015-03-15 --received 2026-01-05")
    cli.ok("record withdrawn W1 --date 2026-03-02")
    cli.ok("record decision W1 --date 2026-02-10 --outcome assess")
    assert "withdrawn on 2026-03-02" in cli.fails("record draft W1 --date 2026-03-03").stderr
    assert "withdrawn on 2026-03-02" in cli.fails("record withdrawn W1 --date 2026-03-04").stderr
    assert "already withdrawn on 2026-03-02" in cli.fails("record withdrawn W1 --date 2026-02-20").stderr


def test_unknown_case_suggests_the_reference_in_other_letters(case):
    assert "did you mean R1?" in case.fails("record draft r1 --date 2025-04-01").stderr
