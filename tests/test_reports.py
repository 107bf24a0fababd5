"""The team reports on a fixed caseload (tests/caseload.py), compared with figures worked out by hand.

Day counts in the comments are calendar days between the dates; 20 weeks = 140 days (C1).
"""

from __future__ import annotations

import json

import pytest

from tests.caseload import AS_OF, built
from tests.conftest import Cli

A, R = "reg 13(2)", "reg 18(1)(b); CoP 9.179"
Y6_TO_7 = "primary to secondary (Year 6 to 7) on 2025-09-01"


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    return built(tmp_path_factory, "reports")


@pytest.fixture
def run(db):
    """`run.json("overdue")`: a report on the fixed caseload as of Tue 27 May 2025 unless told."""

    class Run(Cli):
        def __call__(self, line):
            args = line.split() if isinstance(line, str) else line
            if "--as-of" not in args and args[0] in REPORTS:
                args = [*args, "--as-of", AS_OF]
            return super().__call__(["--db", db, *args])

    return Run()


REPORTS = {"overdue", "at-risk", "caseload", "allocate", "kpi", "digest"}


def item(ref, initials, team, coordinator, rule, due, act_by, days, source, *, subject=None,
         owner="la", kind="statutory", status="overdue", limb=None):
    return {"ref": ref, "initials": initials, "team": team, "coordinator": coordinator, "rule": rule,
            "subject": subject, "owner": owner, "kind": kind, "status": status, "due": due,
            "act_by": act_by, "days_overdue": days, "exception_limb": limb, "source": source}


# Overdue on Tue 27 May 2025, most overdue first:
N14_REPORT = item("N14", "N.B.", "young-people", "Pat Owen", "review-report", "2025-01-29", "2025-01-29",
                  118, "reg 20(7), 21(7)")  # meeting 15 Jan + 14 = 29 Jan; 2+28+31+30+27 = 118
R17_TRANSFER = item("R17", "R.L.", "school-age", "Ann Brown", "phase-transfer", "2025-02-14",
                    "2025-02-14", 102, R, subject=Y6_TO_7)  # before 15 Feb 2025; 14+31+30+27 = 102
K11_DECISION = item("K11", "K.P.", "front-door", "Sam Patel", "assessment-decision", "2025-05-19",
                    "2025-05-19", 8, "reg 5(1); CFA s.36")  # 7 Apr + 42 = 19 May
A01_FINAL = item("A01", "A.J.", "front-door", "Sam Patel", "final-plan", "2025-05-26", "2025-05-23", 1,
                 A)  # 6 Jan + 140 = Mon 26 May, a bank holiday: act by Fri 23 May
# Excepted, outstanding (P15, exception (c) from 3 Feb 2025): 9 Dec 2024 + 112 / + 140 days.
P15_ISSUE = item("P15", "P.D.", "front-door", "Jo Lee", "issue-decision", "2025-03-31", "2025-03-31", 57,
                 "reg 10(1)", status="excepted", limb="c")  # 31 Mar -> 27 May: 30 + 27
P15_FINAL = item("P15", "P.D.", "front-door", "Jo Lee", "final-plan", "2025-04-28", "2025-04-28", 29, A,
                 status="excepted", limb="c")  # 28 Apr -> 27 May: 2 + 27


def test_overdue_json(run):
    assert run.json("overdue --format json") == [N14_REPORT, R17_TRANSFER, K11_DECISION, A01_FINAL]


def test_overdue_filters(run):
    assert run.json("overdue --format json --team front-door") == [K11_DECISION, A01_FINAL]
    assert run.json(["overdue", "--format", "json", "--coordinator", "Ann Brown"]) == [R17_TRANSFER]
    assert run.json("overdue --format json --rule final-plan") == [A01_FINAL]
    assert run.json("overdue --format json --owner family") == []
    run.fails("overdue --rule no-such-rule", 1)
    run.fails("overdue --team no-such-team", 1)
    # psychology advice asked 12 Feb 2025: due 12 Feb + 42 = 26 Mar; 5 + 30 + 27 = 62 days
    assert run.json("overdue --format json --owner partner") == [
        item("A01", "A.J.", "front-door", "Sam Patel", "advice", "2025-03-26", "2025-03-26", 62, "reg 8(1)",
             subject="psychology", owner="partner")]


def test_overdue_excepted_listed_separately_never_as_overdue(run):
    assert run.json("overdue --format json --include-excepted") == [
        N14_REPORT, R17_TRANSFER, K11_DECISION, A01_FINAL, P15_ISSUE, P15_FINAL]
    table = run.ok("overdue --include-excepted --format table")
    assert table.index("Overdue on 2025-05-27") < table.index("A01") < table.index("Excepted, outstanding")
    assert table.index("Excepted, outstanding") < table.index("P15")


def test_overdue_as_of_an_earlier_day(run):
    # Fri 23 May 2025: A01's final plan (due 26 May) is not overdue yet; the others are 4 days fewer
    rows = run.json("overdue --format json --as-of 2025-05-23")
    assert [(r["ref"], r["days_overdue"]) for r in rows] == [("N14", 114), ("R17", 98), ("K11", 4)]


def test_overdue_empty_outputs(run):
    assert run.json("overdue --format json --team virtual-school") == []
    assert run.ok("overdue --format csv --team virtual-school") == (
        "ref,initials,team,coordinator,rule,subject,owner,kind,status,due,act_by,days_overdue,"
        "exception_limb,source\n")
    assert run.ok("overdue --format table --team virtual-school").strip() == "nothing overdue"


def test_overdue_fail_on_overdue_exits_4_after_printing(run):
    from sendtrack.errors import OverdueFound

    result = run("overdue --format json --fail-on-overdue")
    assert result.exit_code == OverdueFound.exit_code, result.output
    assert len(__import__("json").loads(result.stdout)) == 4
    assert result.stderr == "sendtrack: 4 overdue deadlines\n"
    run.ok("overdue --format json --fail-on-overdue --team virtual-school")


def risk(ref, initials, team, coordinator, rule, due, act_by, days_left, reason, source, *, subject=None,
         kind="local", owner="la"):
    return {"ref": ref, "initials": initials, "team": team, "coordinator": coordinator, "rule": rule,
            "subject": subject, "owner": owner, "kind": kind, "due": due, "act_by": act_by,
            "days_left": days_left, "reason": reason, "source": source}


LOCAL = "local milestone"
AT_RISK_LOCAL = [
    # R17: transfer deadline 14 Feb 2025 - 12 weeks = Fri 22 Nov 2024; no review since 1 Sep 2024.
    # 22 Nov 2024 -> 27 May 2025: 8 + 31 + 31 + 28 + 31 + 30 + 27 = 186 days ago.
    risk("R17", "R.L.", "school-age", "Ann Brown", "phase-transfer-meeting", "2024-11-22", "2024-11-22",
         -186, f"transfer ({Y6_TO_7}): deadline within 12 weeks and no review meeting held in the "
               "transfer year", LOCAL, subject=Y6_TO_7),
    # P15: 9 Dec 2024 + 14 weeks = 17 Mar 2025; 169 days since the request = 24 whole weeks, past the
    # 20 weeks (9 Dec + 140 days = 28 Apr 2025): the reason says so instead of "week 24" of a week-14 signal
    risk("P15", "P.D.", "front-door", "Jo Lee", "draft-by-week-14", "2025-03-17", "2025-03-17", -71,
         "no draft plan 24 weeks after the request (milestone: week 14); the final plan was due 2025-04-28",
         LOCAL),
    # A01: advice asked 12 Feb + 5 weeks = 19 Mar; 104 days since = 14 whole weeks.
    risk("A01", "A.J.", "front-door", "Sam Patel", "advice-chase", "2025-03-19", "2025-03-19", -69,
         "advice from psychology still unanswered 14 weeks after it was requested", LOCAL,
         subject="psychology"),
    # K11: request 7 Apr + 6 weeks = 19 May, no contact since: 23 + 27 = 50 days.
    risk("K11", "K.P.", "front-door", "Sam Patel", "contact", "2025-05-19", "2025-05-19", -8,
         "no contact with the family recorded for 50 days (since 2025-04-07) while the assessment is open",
         "local milestone (communication standard)"),
    # R17: plan 15 Jul 2024, review due 14 Jul 2025; 8 weeks before = 19 May; nothing scheduled.
    risk("R17", "R.L.", "school-age", "Ann Brown", "review-scheduled", "2025-05-19", "2025-05-19", -8,
         "annual review due 2025-07-14 and no review meeting scheduled", LOCAL),
]
H08_REPORT = risk("H08", "H.F.", "school-age", "Ann Brown", "review-report", "2025-06-03", "2025-06-03", 7,
                  "due in 7 days (act by 2025-06-03): review report within 2 weeks of the meeting",
                  "reg 20(7), 21(7)", kind="statutory")  # meeting 20 May + 14
L12_DECISION = risk("L12", "L.S.", "front-door", "Jo Lee", "assessment-decision", "2025-06-03", "2025-06-03",
                    7, "due in 7 days (act by 2025-06-03): decide whether to assess within 6 weeks of the "
                       "request", "reg 5(1); CFA s.36", kind="statutory")  # 22 Apr + 42
# meeting 20 May + 28 = 17 Jun, but the annual review was due 9 Jun (plan 10 Jun 2024): the earlier
H08_DECISION = risk("H08", "H.F.", "school-age", "Ann Brown", "review-decision", "2025-06-09", "2025-06-09",
                    13, "due in 13 days (act by 2025-06-09): decision within 4 weeks of the meeting and "
                        "inside the 12 months", "reg 20(10); CoP 9.176, 9.169; Devon", kind="statutory")


def test_at_risk_json(run):
    # default windows: 14 days; nothing else due by 10 Jun, no annual review due by 24 Jun (28 days)
    assert run.json("at-risk --format json") == [*AT_RISK_LOCAL, H08_REPORT, L12_DECISION, H08_DECISION]


def test_at_risk_window(run):
    assert run.json("at-risk --format json --within 7") == [*AT_RISK_LOCAL, H08_REPORT, L12_DECISION]
    assert run.json("at-risk --format json --within 0") == AT_RISK_LOCAL
    # 48 days to R17's annual review (14 Jul): inside a 60-day window
    rows = run.json("at-risk --format json --within 60 --team school-age")
    assert [(r["ref"], r["rule"], r["days_left"]) for r in rows if r["kind"] != "local"] == [
        ("H08", "review-report", 7), ("H08", "review-decision", 13), ("R17", "annual-review", 48)]


def test_local_milestones_are_never_overdue(run):
    rows = run.json("overdue --format json --owner all --include-excepted")
    assert {r["kind"] for r in rows} == {"statutory"}


def team_row(team, cases, assessing, plans, reviews, overdue, coordinators, per, low, high, above=False):
    return {"level": "team", "team": team, "coordinator": None, "cases": cases,
            "open_assessments": assessing, "plans": plans, "reviews_due_8_weeks": reviews,
            "overdue": overdue, "coordinators": coordinators, "cases_per_coordinator": per,
            "ambition_low": low, "ambition_high": high, "above_ambition": above}


def person_row(team, coordinator, cases, assessing, plans, reviews, overdue, low, high, above=False):
    return {"level": "coordinator", "team": team, "coordinator": coordinator, "cases": cases,
            "open_assessments": assessing, "plans": plans, "reviews_due_8_weeks": reviews,
            "overdue": overdue, "coordinators": None, "cases_per_coordinator": None,
            "ambition_low": low, "ambition_high": high, "above_ambition": above}


def test_caseload_json(run):
    # Held: open assessments and live plans. I09 (refused) and J10 (withdrawn) are closed.
    assert run.json("caseload --format json") == [
        # A01, K11 assessing + E05 plan (Sam); L12, P15 assessing + C03 plan (Jo); overdue K11, A01
        team_row("front-door", 6, 4, 2, 0, 2, 2, 3.0, 30, 40),
        person_row("front-door", "Jo Lee", 3, 2, 1, 0, 0, 30, 40),
        person_row("front-door", "Sam Patel", 3, 2, 1, 0, 2, 30, 40),
        team_row("early-years", 1, 0, 1, 0, 0, 1, 1.0, 50, 60),  # Q16: review due 1 Sep, > 8 weeks
        person_row("early-years", "Kit Cole", 1, 0, 1, 0, 0, 50, 60),
        # B02 F06 H08 M13 R17; R17's review (14 Jul) is within 8 weeks (22 Jul); R17's transfer overdue
        team_row("school-age", 5, 0, 5, 1, 1, 1, 5.0, 170, 200),
        person_row("school-age", "Ann Brown", 5, 0, 5, 1, 1, 170, 200),
        team_row("young-people", 2, 0, 2, 0, 1, 1, 2.0, 250, 250),  # G07, N14 (report overdue)
        person_row("young-people", "Pat Owen", 2, 0, 2, 0, 1, 250, 250),
        team_row("virtual-school", 0, 0, 0, 0, 0, 0, None, 50, 60),
        team_row("access-inclusion", 0, 0, 0, 0, 0, 0, None, 50, 60),
    ]


def test_caseload_flags_coordinators_above_the_ambition(run, tmp_path):
    config = tmp_path / "small.toml"
    config.write_text('[[teams]]\nid = "front-door"\nambition = [2, 3]\n\n'
                      '[[teams]]\nid = "school-age"\nambition = [3, 4]\n')
    rows = run.json(["--config", str(config), "caseload", "--format", "json"])
    flags = {(r["team"], r["coordinator"]): r["above_ambition"] for r in rows}
    # 3 cases against a top of 3 is not above it; 5 against 4 is; teams not configured still listed
    assert flags == {("front-door", None): False, ("front-door", "Jo Lee"): False,
                     ("front-door", "Sam Patel"): False, ("school-age", None): True,
                     ("school-age", "Ann Brown"): True, ("early-years", None): False,
                     ("early-years", "Kit Cole"): False, ("young-people", None): False,
                     ("young-people", "Pat Owen"): False}
    assert "ABOVE AMBITION" in run.ok(["--config", str(config), "caseload", "--format", "table"])


def test_allocate_lists_cases_held_by_another_team(run):
    assert run.json("allocate --format json") == [
        {"ref": "C03", "initials": "C.E.", "team": "front-door", "coordinator": "Jo Lee", "stage": "plan",
         "rule_team": "school-age", "reason": "school age (Year 8)"},  # born Mar 2012: Reception 2016
        {"ref": "E05", "initials": "E.H.", "team": "front-door", "coordinator": "Sam Patel", "stage": "plan",
         "rule_team": "early-years", "reason": "under 5"},  # 4 until 1 Feb 2026
        {"ref": "Q16", "initials": "Q.A.", "team": "early-years", "coordinator": "Kit Cole", "stage": "plan",
         "rule_team": "school-age", "reason": "school age (Reception)"},  # 5 on 20 Sep 2024
        {"ref": "R17", "initials": "R.L.", "team": "school-age", "coordinator": "Ann Brown", "stage": "plan",
         "rule_team": "virtual-school", "reason": "looked after by the authority"},
    ]


def test_allocate_apply_moves_and_records_who(cli):
    cli.ok("add-request --ref V1 --name 'Vera Looked' --dob 2014-01-10 --received 2024-03-04 "
           "--team school-age --coordinator 'Ann Brown' --looked-after")
    cli.ok("record decision V1 --date 2024-04-08 --outcome assess")
    cli.ok("record draft V1 --date 2024-06-17")
    cli.ok("record final V1 --date 2024-07-15")
    cli.fails("allocate --apply --as-of 2025-05-27", 1)
    result = cli("allocate --apply --by 'Team Manager' --format json")
    assert result.exit_code == 0, result.stderr
    moved = json.loads(result.stdout)
    assert [(m["ref"], m["team"], m["rule_team"]) for m in moved] == [("V1", "school-age", "virtual-school")]
    assert result.stderr == "moved 1 case, each keeping its coordinator\n"
    assert cli.json("allocate --format json") == []
    view = cli.json("timeline V1 --format json")
    # issue 10: the move keeps the coordinator unless --clear-coordinator says otherwise
    assert view["team"] == "virtual-school" and view["coordinator"] == "Ann Brown"
    assign = [e for e in view["events"] if e["kind"] == "assign"]
    assert len(assign) == 1 and assign[0]["recorded_by"] == "Team Manager"
    assert assign[0]["details"]["from_team"] == "school-age"


def test_allocate_apply_table_says_what_it_moved_and_can_clear_the_coordinator(cli):
    cli.ok("add-request --ref V1 --name 'Vera Looked' --dob 2014-01-10 --received 2024-03-04 "
           "--team school-age --coordinator 'Ann Brown' --looked-after")
    assert "--clear-coordinator goes with --apply" in cli.fails("allocate --clear-coordinator").stderr
    out = cli.ok("allocate --apply --clear-coordinator --format table")
    assert out.splitlines()[-1] == "moved 1 case, coordinators cleared"
    assert cli.json("timeline V1 --format json")["coordinator"] is None
    assert cli.ok("allocate --apply --format table").splitlines()[-1] == "moved 0 cases"


def measure(within, total, percent):
    return {"within": within, "total": total, "percent": percent}


def test_kpi_2025(run):
    data = run.json("kpi --year 2025 --format json")
    assert data == {
        "year": 2025, "from": "2025-01-01", "to": "2025-12-31", "as_of": AS_OF, "team": None,
        "coordinator": None,
        # Plans issued 2025: B02 13 Jan (late, due 18 Nov 2024), C03 24 Feb (late, excepted),
        # F06 14 Apr (on time, exception recorded), G07 17 Mar (on time), E05 19 May (on time).
        # Including: 3 of 5 = 60.0%. Excluding C03 and F06: E05, G07 of B02, E05, G07 = 2 of 3 = 66.7%.
        "final_plan_20_weeks": {"including_exceptions": measure(3, 5, 60.0),
                                "excluding_exceptions": measure(2, 3, 66.7)},
        # Decisions made in 2025: F06 6 Jan (due 13 Jan), P15 13 Jan (due 20 Jan), A01 10 Feb (due
        # 17 Feb), E05 17 Feb (due 24 Feb) in time; I09 24 Mar (due 17 Mar) late: 4 of 5 = 80.0%.
        "assessment_decision_6_weeks": measure(4, 5, 80.0),
        # N14: meeting 15 Jan + 28 = 12 Feb, decided 20 Feb: no. M13: meeting 17 Feb + 28 = 17 Mar,
        # decided 10 Mar: yes (although after its deadline, 25 Feb). H08 not decided: 1 of 2 = 50.0%.
        "review_decision_4_weeks": measure(1, 2, 50.0),
        # no Tribunal order, appeal or mediation in the fixed caseload (see test_kpi_tribunal_orders)
        "tribunal_orders_in_time": measure(0, 0, None),
        "counts": {"requests": 6,  # A01 E05 I09 J10 K11 L12 received 1 Jan..27 May 2025
                   "assessment_decisions": 5, "assessments_agreed": 4, "assessments_refused": 1,
                   "plans_issued": 5, "plans_issued_with_exception": 2, "review_decisions": 2,
                   "reviews_held": 3,  # N14 15 Jan, M13 17 Feb, H08 20 May
                   "appeals": 0, "mediations_held": 0},
        # days to the final plan: B02 196, C03 175, E05 126, F06 133, G07 133 = 763 / 5 / 7 = 21.8
        "average_weeks_to_final_plan": 21.8,
    }


def test_kpi_2024_counts_plans_in_the_year_they_were_issued(run):
    data = run.json("kpi --year 2024 --format json")
    # H08 10 Jun (due 27 May 2024: late), M13 26 Feb (due 4 Mar), N14 22 Jan (due 22 Jan: on the day
    # is in time), R17 15 Jul (due 22 Jul). B02, received 2024 and late by year end, counts in 2025.
    assert data["final_plan_20_weeks"] == {"including_exceptions": measure(3, 4, 75.0),
                                           "excluding_exceptions": measure(3, 4, 75.0)}
    # H08 12 Feb, R17 8 Apr, B02 5 Aug, C03 7 Oct, G07 9 Dec: all within 6 weeks
    assert data["assessment_decision_6_weeks"] == measure(5, 5, 100.0)
    # Q16: meeting 2 Sep 2024, decided 20 Sep (within 28 days; its deadline, 10 Sep, was missed)
    assert data["review_decision_4_weeks"] == measure(1, 1, 100.0)
    assert data["counts"]["requests"] == 7  # H08 R17 B02 C03 G07 F06 P15
    assert data["counts"]["reviews_held"] == 1
    assert data["average_weeks_to_final_plan"] == 20.0  # (154 + 133 + 140 + 133) / 4 / 7


def test_kpi_team_period_and_as_of(run):
    # school-age holds B02 (late) and F06 (on time, exception): 1 of 2 including; 0 of 1 excluding
    data = run.json("kpi --year 2025 --team school-age --format json")
    assert data["final_plan_20_weeks"] == {"including_exceptions": measure(1, 2, 50.0),
                                           "excluding_exceptions": measure(0, 1, 0.0)}
    # first quarter: B02 13 Jan, C03 24 Feb, G07 17 Mar; excluding C03: 1 of 2
    data = run.json("kpi --from 2025-01-01 --to 2025-03-31 --format json")
    assert data["year"] is None
    assert data["final_plan_20_weeks"] == {"including_exceptions": measure(1, 3, 33.3),
                                           "excluding_exceptions": measure(1, 2, 50.0)}
    # as it stood on 28 Feb 2025: B02 and C03 only; decisions F06 P15 A01 E05; N14 decided late
    data = run.json("kpi --year 2025 --as-of 2025-02-28 --format json")
    assert data["final_plan_20_weeks"] == {"including_exceptions": measure(0, 2, 0.0),
                                           "excluding_exceptions": measure(0, 1, 0.0)}
    assert data["assessment_decision_6_weeks"] == measure(4, 4, 100.0)
    assert data["review_decision_4_weeks"] == measure(0, 1, 0.0)
    assert data["counts"]["requests"] == 3 and data["counts"]["reviews_held"] == 2
    # a year with nothing: percent is null, not 0
    assert run.json("kpi --year 2022 --format json")["final_plan_20_weeks"]["including_exceptions"] == (
        measure(0, 0, None))


def test_kpi_refuses_mixed_periods(run):
    run.fails("kpi --year 2025 --from 2025-01-01 --to 2025-02-01", 2)
    run.fails("kpi --from 2025-01-01", 2)
    run.fails("kpi --from 2025-03-01 --to 2025-02-01", 1)


def test_kpi_csv(run):
    lines = run.ok("kpi --year 2025 --format csv").splitlines()
    assert lines[0] == "measure,within,total,percent"
    assert lines[1] == "final_plan_20_weeks.including_exceptions,3,5,60.0"
    assert lines[2] == "final_plan_20_weeks.excluding_exceptions,2,3,66.7"
    assert "average_weeks_to_final_plan,,21.8," in lines


def soon(ref, initials, team, coordinator, rule, due, days_left, source):
    return {"ref": ref, "initials": initials, "team": team, "coordinator": coordinator, "rule": rule,
            "subject": None, "owner": "la", "kind": "statutory", "status": "open", "due": due,
            "act_by": due, "days_left": days_left, "source": source}


def test_digest_json(run):
    data = run.json("digest --format json")
    # Tue 27 May 2025: the previous working day is Fri 23 May (Mon 26 May is a bank holiday); the
    # next 5 working days are 28, 29, 30 May, 2 and 3 June.
    assert (data["as_of"], data["previous_working_day"], data["due_soon_until"]) == (
        AS_OF, "2025-05-23", "2025-06-03")
    assert data["overdue_count"] == 4
    assert data["final_plan_20_weeks"] == {"including_exceptions": measure(3, 5, 60.0),
                                           "excluding_exceptions": measure(2, 3, 66.7)}
    teams = {t["team"]: t for t in data["teams"]}
    assert list(teams) == ["front-door", "early-years", "school-age", "young-people", "virtual-school",
                           "access-inclusion"]
    front = teams["front-door"]
    assert front["overdue"] == [K11_DECISION, A01_FINAL]
    assert front["newly_overdue"] == [A01_FINAL]  # due 26 May: between Fri 23 May and yesterday
    assert front["due_soon"] == [soon("L12", "L.S.", "front-door", "Jo Lee", "assessment-decision",
                                      "2025-06-03", 7, "reg 5(1); CFA s.36")]
    assert front["at_risk"] == AT_RISK_LOCAL[1:4]
    # C03 (late, excepted) and E05 (on time): 1 of 2 including; 1 of 1 excluding
    assert front["final_plan_20_weeks"] == {"including_exceptions": measure(1, 2, 50.0),
                                            "excluding_exceptions": measure(1, 1, 100.0)}
    school = teams["school-age"]
    assert school["overdue"] == [R17_TRANSFER] and school["newly_overdue"] == []
    assert school["due_soon"] == [soon("H08", "H.F.", "school-age", "Ann Brown", "review-report",
                                       "2025-06-03", 7, "reg 20(7), 21(7)")]
    # act by 9 Jun is after the 5 working days: at risk, not due soon
    assert school["at_risk"] == [AT_RISK_LOCAL[0], AT_RISK_LOCAL[4], H08_DECISION]
    assert school["final_plan_20_weeks"]["excluding_exceptions"] == measure(0, 1, 0.0)
    assert teams["young-people"]["overdue"] == [N14_REPORT]
    assert teams["young-people"]["final_plan_20_weeks"]["including_exceptions"] == measure(1, 1, 100.0)
    for quiet in ("early-years", "virtual-school", "access-inclusion"):
        t = teams[quiet]
        assert t["overdue"] == t["due_soon"] == t["at_risk"] == []
        assert t["final_plan_20_weeks"]["including_exceptions"] == measure(0, 0, None)


def test_digest_newly_overdue_on_a_monday(run):
    # Mon 2 Jun 2025: previous working day Fri 30 May; nothing fell due 30 May - 1 Jun
    data = run.json("digest --format json --as-of 2025-06-02 --team front-door")
    assert data["previous_working_day"] == "2025-05-30" and data["due_soon_until"] == "2025-06-09"
    assert data["teams"][0]["newly_overdue"] == []
    # Wed 4 Jun: L12's decision (due Tue 3 Jun) became overdue since Tue 3 Jun
    data = run.json("digest --format json --as-of 2025-06-04 --team front-door")
    assert [(r["ref"], r["rule"]) for r in data["teams"][0]["newly_overdue"]] == [
        ("L12", "assessment-decision")]


def test_digest_fail_on_overdue(run):
    from sendtrack.errors import OverdueFound

    result = run("digest --fail-on-overdue")
    assert result.exit_code == OverdueFound.exit_code
    assert "SEND deadlines digest for Tue 2025-05-27" in result.stdout
    run.ok("digest --fail-on-overdue --team virtual-school")


def test_digest_html_is_one_escaped_self_contained_page(run, tmp_path):
    page = run.ok("digest --format html")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<link" not in page and "<script" not in page and "src=" not in page
    assert "front-door: SEND Front Door / Statutory Assessment" in page
    assert "Access, Inclusion and Alternative Provision" in page
    # a name with markup in it is escaped
    config = tmp_path / "odd.toml"
    config.write_text('[[teams]]\nid = "front-door"\nname = "<b>Front & Door</b>"\nambition = [30, 40]\n')
    page = run.ok(["--config", str(config), "digest", "--format", "html"])
    assert "&lt;b&gt;Front &amp; Door&lt;/b&gt;" in page and "<b>Front" not in page
    markdown = run.ok(["--config", str(config), "digest", "--format", "markdown"])
    assert "\\<b\\>Front & Door\\</b\\>" in markdown


def test_a_coordinator_who_holds_no_case_is_refused(cli):
    cli.ok("add-request --ref C1 --name 'Test Child' --dob 2015-03-15 --received 2025-01-06 "
           "--coordinator 'Sam Patel'")
    for line in ("overdue --coordinator 'Sam Patl'", "digest --coordinator 'Sam Patl' --fail-on-overdue"):
        assert "no case is held by coordinator 'Sam Patl'" in cli.fails(line, code=1).stderr
    # matched ignoring case (issue 10): the name as typed finds the stored spelling
    assert cli.ok("overdue --coordinator 'sam patel' --format csv --as-of 2025-02-01").startswith("ref,")
    assert cli.ok("overdue --coordinator 'Sam Patel' --format csv --as-of 2025-02-01").startswith("ref,")


def test_draft_by_week_14_reason_before_week_20(cli):
    # request Mon 6 Jan 2025; at-risk on Mon 21 Apr 2025 = 105 days = 15 weeks, no draft: the milestone
    # (6 Jan + 14 weeks = Mon 14 Apr) is passed and the final plan is due 6 Jan + 140 days = Mon 26 May
    cli.ok("add-request --ref W14 --name 'Test Child' --dob 2015-03-15 --received 2025-01-06")
    cli.ok("record decision W14 --date 2025-02-10 --outcome assess")
    rows = [r for r in cli.json("at-risk --as-of 2025-04-21 --format json") if r["rule"] == "draft-by-week-14"]
    assert [r["reason"] for r in rows] == [
        "no draft plan 15 weeks after the request (milestone: week 14): the 15-day window no longer fits "
        "before the final plan is due 2025-05-26"]


def test_kpi_tribunal_orders_appeals_and_mediations(cli):
    # plan Mon 2 Jun 2025 (request Mon 13 Jan); mediation wanted Mon 7 Jul, held Mon 21 Jul; appeal Mon 4
    # Aug 2025; order to amend Mon 1 Dec 2025 (+ 5 weeks = Mon 5 Jan 2026), amended Fri 2 Jan 2026: in
    # time. A second order, school only, Mon 2 Mar 2026 (+ 2 weeks = Mon 16 Mar), complied Wed 18 Mar:
    # late. 2025: 1 appeal, 1 mediation, no step completed; 2026: 2 steps, 1 in time = 50.0%.
    cli.ok("add-request --ref T1 --name 'Test Child' --dob 2012-03-15 --received 2025-01-13")
    for line in ["decision T1 --date 2025-02-17 --outcome assess", "draft T1 --date 2025-05-05",
                 "final T1 --date 2025-06-02", "mediation-contact T1 --date 2025-07-07 --wants yes",
                 "mediation-held T1 --date 2025-07-21", "mediation-certificate T1 --date 2025-07-22",
                 "appeal T1 --date 2025-08-04 --against plan-contents",
                 "tribunal-order T1 --date 2025-12-01 --order amend",
                 "order-complied T1 --date 2026-01-02 --step amended",
                 "tribunal-order T1 --date 2026-03-02 --order school-only",
                 "order-complied T1 --date 2026-03-18 --step amended"]:
        cli.ok("record " + line)
    year = cli.json("kpi --year 2025 --as-of 2026-06-01 --format json")
    assert (year["tribunal_orders_in_time"], year["counts"]["appeals"], year["counts"]["mediations_held"]) == (
        measure(0, 0, None), 1, 1)
    year = cli.json("kpi --year 2026 --as-of 2026-06-01 --format json")
    assert (year["tribunal_orders_in_time"], year["counts"]["appeals"], year["counts"]["mediations_held"]) == (
        measure(1, 2, 50.0), 0, 0)


def test_plan_made_under_a_tribunal_order_through_the_cli(backend_cli):
    cli = backend_cli
    # request Mon 5 Jan 2026 refused Mon 9 Feb; appeal Mon 2 Mar; order to assess Mon 1 Jun 2026 (notify +
    # 14 days = Mon 15 Jun, no-plan + 70 = Mon 10 Aug, final + 98 = Mon 7 Sep). Notified Wed 10 Jun, draft
    # Mon 3 Aug, final Tue 1 Sep 2026: the plan's annual review is due 31 Aug 2027 (C3), its Year 6 to 7
    # transfer (born 2 Mar 2016: Year 7 in Sept 2027) before 15 Feb 2027 = 14 Feb 2027 (C6), its next
    # deadline; the case is a plan (not closed by the refusal), so a second request for the child is
    # refused.
    cli.ok("add-request --ref O1 --name 'Test Child' --dob 2016-03-02 --received 2026-01-05")
    cli.ok("record decision O1 --date 2026-02-09 --outcome refuse")
    assert "no decision to assess" in cli.fails("record final O1 --date 2026-05-29").stderr
    for line in ["appeal O1 --date 2026-03-02 --against refuse-assess",
                 "tribunal-order O1 --date 2026-06-01 --order assess",
                 "order-complied O1 --date 2026-06-10 --step notify", "draft O1 --date 2026-08-03",
                 "final O1 --date 2026-09-01"]:
        cli.ok("record " + line)
    rows = cli.json("cases --as-of 2026-09-02 --format json")
    assert [(r["ref"], r["stage"], r["next_due"], r["overdue"]) for r in rows] == [("O1", "plan", "2027-02-14", 0)]
    cli.fails("add-request --ref O2 --name 'Test Child' --dob 2016-03-02 --received 2026-09-01")
    # kpi 2026: three order steps done (notify 10 Jun, in time; the final 1 Sep completing order-final in
    # time and order-no-plan after its 10 Aug: spec 4.3's "either completes both") = 2 of 3; the plan is
    # not in the 20-week figure (its final-plan deadline ended with the refusal) and the decision of 9 Feb
    # counts as a refusal
    year = cli.json("kpi --year 2026 --as-of 2026-12-01 --format json")
    assert year["tribunal_orders_in_time"] == measure(2, 3, 66.7)
    assert (year["counts"]["plans_issued"], year["counts"]["assessments_refused"]) == (0, 1)
    assert "check: no problems found" in cli.ok("check")


def test_missed_deadlines_count_until_a_cease_takes_effect(backend_cli):
    cli = backend_cli
    # spec 8.6: plan Mon 2 Jun 2025 (born 10 Oct 2014: Year 6 to 7 in Sept 2026, transfer due Sat 14 Feb
    # 2026; review due Mon 1 Jun 2026); cease Wed 1 Jul 2026, effective to Tue 1 Sep 2026 (+ 2 months, C4).
    # Review meeting Mon 13 Jul 2026, late (due 1 Jun). On Mon 31 Aug 2026 the transfer is 198 days
    # overdue (14 Feb to 31 Aug: 14 + 31 + 30 + 31 + 30 + 31 + 31) and the review decision (due 1 Jun, the
    # 12 months' end, CoP 9.169) 91 days (29 + 31 + 31), the review report (13 Jul + 14 = Mon 27 Jul, reg
    # 20(7)) 35 days (4 + 31); on Wed 2 Sep the plan has ended: none is listed.
    # The late meeting counts in kpi 2026 as a review held, before and after the plan ended.
    cli.ok("add-request --ref C1 --name 'Test Child' --dob 2014-10-10 --received 2025-01-13")
    for line in ["decision C1 --date 2025-02-17 --outcome assess", "draft C1 --date 2025-05-05",
                 "final C1 --date 2025-06-02", "cease C1 --date 2026-07-01 --reason needs-met",
                 "review-meeting C1 --date 2026-07-13"]:
        cli.ok("record " + line)
    overdue = cli.json("overdue --as-of 2026-08-31 --format json")
    assert [(r["rule"], r["due"], r["days_overdue"]) for r in overdue] == [
        ("phase-transfer", "2026-02-14", 198), ("review-decision", "2026-06-01", 91),
        ("review-report", "2026-07-27", 35)]
    assert cli.json("overdue --as-of 2026-09-02 --format json") == []
    for day in ("2026-08-31", "2026-09-02"):
        year = cli.json(f"kpi --year 2026 --as-of {day} --format json")
        assert (year["counts"]["reviews_held"], year["counts"]["review_decisions"]) == (1, 0)


def test_overdue_and_at_risk_include_the_later_stages_never_the_familys_windows(cli):
    # plan Mon 2 Jun 2025; transferred in Mon 1 Sep 2025: notice due + 42 = Mon 13 Oct 2025, none given;
    # an order to amend Mon 6 Oct 2025 (+ 35 = Mon 10 Nov); the plan's appeal window (2 Jun + 2 months =
    # Sat 2 Aug 2025) is the family's and never listed. On Mon 3 Nov 2025: transfer-in-notice is 21
    # days overdue and order-amended is due in 7 days.
    cli.ok("add-request --ref J1 --name 'Test Child' --dob 2012-03-15 --received 2025-01-13")
    for line in ["decision J1 --date 2025-02-17 --outcome assess", "draft J1 --date 2025-05-05",
                 "final J1 --date 2025-06-02", "transfer-in J1 --date 2025-09-01 --from-la 919",
                 "tribunal-order J1 --date 2025-10-06 --order amend"]:
        cli.ok("record " + line)
    overdue = cli.json("overdue --as-of 2025-11-03 --format json")
    assert [(r["rule"], r["due"], r["days_overdue"]) for r in overdue] == [("transfer-in-notice", "2025-10-13", 21)]
    risk = cli.json("at-risk --as-of 2025-11-03 --format json")
    assert ("order-amended", "2025-11-10", 7) in [(r["rule"], r["due"], r["days_left"]) for r in risk]
    assert not [r for r in overdue + risk if r["rule"] == "appeal-deadline"]


def test_date_today_is_accepted_wherever_a_date_is(cli):
    from datetime import date

    today = date.today().isoformat()
    cli.ok("add-request --ref D1 --name 'Testchild Today' --dob 2015-03-15 --received today")
    cli.ok("record contact D1 --date TODAY --with carer")
    view = cli.json("timeline D1 --as-of today --format json")
    assert view["as_of"] == today
    assert [(e["kind"], e["date"]) for e in view["events"]] == [("request", today), ("contact", today)]
    assert view["events"][1]["details"] == {"with": "carer"}
    for who in ("social-worker", "other"):
        cli.ok(f"record contact D1 --date today --with {who}")
    assert "--date 'tomorrow' is not a real date" in cli.fails("record draft D1 --date tomorrow").stderr


def test_digest_for_one_coordinator_lists_only_their_teams(cli):
    cli.ok("add-request --ref G1 --name 'Testchild Gee' --dob 2015-03-15 --received 2025-01-06 "
           "--coordinator 'Sam Patel'")
    cli.ok("add-request --ref G2 --name 'Testchild Aitch' --dob 2015-03-15 --received 2025-01-06 "
           "--team school-age --coordinator 'Kit Cole'")
    everyone = cli.json("digest --as-of 2025-03-03 --format json")
    assert len(everyone["teams"]) == 6  # Hertfordshire's six teams, empty ones too
    mine = cli.json("digest --coordinator 'sam patel' --as-of 2025-03-03 --format json")
    assert [t["team"] for t in mine["teams"]] == ["front-door"]
    refs = {i["ref"] for t in mine["teams"] for section in ("overdue", "due_soon", "at_risk") for i in t[section]}
    assert refs == {"G1"}
    text = cli.ok("digest --coordinator 'Sam Patel' --as-of 2025-03-03")
    assert "G1" in text and "G2" not in text
