"""Needs assessment and new plans (spec 4.1): the 6-, 16- and 20-week limits, advice, the draft window
and school consultation, each with a hand-checked table."""

from __future__ import annotations

from datetime import date

import pytest

from sendtrack.domain import Status
from sendtrack.rules.engine import timeline

MET, LATE, OPEN, OVERDUE = Status.MET, Status.LATE, Status.OPEN, Status.OVERDUE
EXCEPTED, NA = Status.EXCEPTED, Status.NOT_APPLICABLE

ASSESS = {"outcome": "assess"}
REFUSE = {"outcome": "refuse"}


# --- assessment-decision: request + 6 weeks (reg 5(1)) ----------------------------------------------

@pytest.mark.parametrize(
    ("received", "events", "as_of", "due", "act_by", "status"),
    [
        # Mon 6 Jan 2025 + 42 = Mon 17 Feb 2025; decided on the due date: in time (C1)
        pytest.param(date(2025, 1, 6), [("decision", date(2025, 2, 17), ASSESS)], date(2025, 3, 1),
                     date(2025, 2, 17), date(2025, 2, 17), MET, id="decided-on-due-date"),
        pytest.param(date(2025, 1, 6), [("decision", date(2025, 2, 18), ASSESS)], date(2025, 3, 1),
                     date(2025, 2, 17), date(2025, 2, 17), LATE, id="decided-day-after-due"),
        pytest.param(date(2025, 1, 6), [], date(2025, 2, 17),
                     date(2025, 2, 17), date(2025, 2, 17), OPEN, id="open-on-due-date"),
        pytest.param(date(2025, 1, 6), [], date(2025, 2, 18),
                     date(2025, 2, 17), date(2025, 2, 17), OVERDUE, id="overdue-day-after"),
        # a decision not to assess completes it: Mon 13 Jan 2025 + 42 = Mon 24 Feb; refused Thu 20 Feb
        pytest.param(date(2025, 1, 13), [("decision", date(2025, 2, 20), REFUSE)], date(2025, 7, 1),
                     date(2025, 2, 24), date(2025, 2, 24), MET, id="refusal-completes"),
        # Sun 2 Mar 2025 + 42 = Sun 13 Apr 2025 -> act-by Fri 11 Apr (spec 8.1)
        pytest.param(date(2025, 3, 2), [], date(2025, 3, 10),
                     date(2025, 4, 13), date(2025, 4, 11), OPEN, id="trigger-on-sunday"),
        # Fri 7 Mar 2025 + 42 = Fri 18 Apr 2025 Good Friday -> act-by Thu 17 Apr
        pytest.param(date(2025, 3, 7), [], date(2025, 3, 10),
                     date(2025, 4, 18), date(2025, 4, 17), OPEN, id="lands-on-good-friday"),
        # Mon 10 Mar 2025 + 42 = Mon 21 Apr 2025 Easter Monday -> Thu 17 Apr (Good Friday skipped too)
        pytest.param(date(2025, 3, 10), [], date(2025, 3, 10),
                     date(2025, 4, 21), date(2025, 4, 17), OPEN, id="lands-on-easter-monday"),
        # Thu 13 Nov 2025 + 42 = Thu 25 Dec 2025 -> act-by Wed 24 Dec
        pytest.param(date(2025, 11, 13), [], date(2025, 12, 1),
                     date(2025, 12, 25), date(2025, 12, 24), OPEN, id="christmas"),
        # Fri 14 Nov 2025 + 42 = Fri 26 Dec 2025 -> Thu 25 is Christmas -> act-by Wed 24 Dec
        pytest.param(date(2025, 11, 14), [], date(2025, 12, 1),
                     date(2025, 12, 26), date(2025, 12, 24), OPEN, id="boxing-day"),
        # Mon 16 Nov 2026 + 42 = Mon 28 Dec 2026 (substitute) -> Sun, Sat, Fri 25 -> Thu 24 Dec
        pytest.param(date(2026, 11, 16), [], date(2026, 12, 1),
                     date(2026, 12, 28), date(2026, 12, 24), OPEN, id="substitute-boxing-day-2026"),
        # Thu 20 Nov 2025 + 42 = Thu 1 Jan 2026 -> act-by Wed 31 Dec 2025
        pytest.param(date(2025, 11, 20), [], date(2025, 12, 1),
                     date(2026, 1, 1), date(2025, 12, 31), OPEN, id="new-year"),
        # Sat 25 Jan 2025 + 42 = Sat 8 Mar 2025 -> act-by Fri 7 Mar
        pytest.param(date(2025, 1, 25), [], date(2025, 2, 1),
                     date(2025, 3, 8), date(2025, 3, 7), OPEN, id="trigger-on-saturday"),
        # Thu 25 Jan 2024 + 42 = Thu 7 Mar 2024 (29 Feb 2024 counted)
        pytest.param(date(2024, 1, 25), [], date(2024, 2, 1),
                     date(2024, 3, 7), date(2024, 3, 7), OPEN, id="across-leap-day"),
        # withdrawn Mon 20 Jan 2025 before any decision: not-applicable (spec 8.6)
        pytest.param(date(2025, 1, 6), [("withdrawn", date(2025, 1, 20))], date(2025, 6, 1),
                     date(2025, 2, 17), date(2025, 2, 17), NA, id="withdrawn"),
        # withdrawn Mon 3 Mar 2025, after the 17 Feb due date passed undecided: still not-applicable
        pytest.param(date(2025, 1, 6), [("withdrawn", date(2025, 3, 3))], date(2025, 6, 1),
                     date(2025, 2, 17), date(2025, 2, 17), NA, id="withdrawn-after-due-date"),
        # ... but overdue on the days before the withdrawal was recorded
        pytest.param(date(2025, 1, 6), [("withdrawn", date(2025, 3, 3))], date(2025, 3, 2),
                     date(2025, 2, 17), date(2025, 2, 17), OVERDUE, id="overdue-until-withdrawn"),
        # as of Wed 5 Feb the decision of Mon 10 Feb is not yet known (spec 8.2)
        pytest.param(date(2025, 1, 6), [("decision", date(2025, 2, 10), ASSESS)], date(2025, 2, 5),
                     date(2025, 2, 17), date(2025, 2, 17), OPEN, id="as-of-before-decision"),
        # limb c recorded Mon 10 Feb while open; decided late on Mon 24 Feb -> excepted (reg 5(4))
        pytest.param(date(2025, 1, 6), [("exception", date(2025, 2, 10), {"limb": "c"}),
                                        ("decision", date(2025, 2, 24), ASSESS)], date(2025, 3, 1),
                     date(2025, 2, 17), date(2025, 2, 17), EXCEPTED, id="excepted-late-decision"),
    ],
)
def test_assessment_decision(make_case, one, received, events, as_of, due, act_by, status):
    found = one(make_case(received, events), as_of, "assessment-decision")
    assert (found.deadline.due, found.deadline.act_by, found.status) == (due, act_by, status)
    assert found.deadline.trigger == received


# --- issue-decision: request + 16 weeks (reg 10(1)) -------------------------------------------------

@pytest.mark.parametrize(
    ("received", "events", "as_of", "due", "act_by", "status"),
    [
        # Mon 6 Jan 2025 + 112 = Mon 28 Apr 2025; draft on the due date
        pytest.param(date(2025, 1, 6), [("decision", date(2025, 2, 10), ASSESS),
                                        ("draft", date(2025, 4, 28))], date(2025, 5, 1),
                     date(2025, 4, 28), date(2025, 4, 28), MET, id="draft-on-due-date"),
        pytest.param(date(2025, 1, 6), [("decision", date(2025, 2, 10), ASSESS),
                                        ("draft", date(2025, 4, 29))], date(2025, 5, 1),
                     date(2025, 4, 28), date(2025, 4, 28), LATE, id="draft-day-late"),
        # a no-plan notice in time completes it
        pytest.param(date(2025, 1, 6), [("decision", date(2025, 2, 10), ASSESS),
                                        ("no-plan", date(2025, 4, 14))], date(2025, 6, 1),
                     date(2025, 4, 28), date(2025, 4, 28), MET, id="no-plan-notice-in-time"),
        # golden G12: no-plan Thu 1 May 2025 after week 16 is a breach
        pytest.param(date(2025, 1, 6), [("decision", date(2025, 2, 14), ASSESS),
                                        ("no-plan", date(2025, 5, 1))], date(2025, 6, 1),
                     date(2025, 4, 28), date(2025, 4, 28), LATE, id="no-plan-after-week-16"),
        # Mon 13 Jan 2025 + 112 = Mon 5 May 2025 (early May bank holiday) -> Fri 2 May; refused
        pytest.param(date(2025, 1, 13), [("decision", date(2025, 2, 20), REFUSE)], date(2025, 7, 1),
                     date(2025, 5, 5), date(2025, 5, 2), NA, id="refused-lands-on-early-may"),
        pytest.param(date(2025, 1, 6), [("withdrawn", date(2025, 3, 3))], date(2025, 6, 1),
                     date(2025, 4, 28), date(2025, 4, 28), NA, id="withdrawn"),
        pytest.param(date(2025, 1, 6), [("decision", date(2025, 2, 10), ASSESS)], date(2025, 4, 28),
                     date(2025, 4, 28), date(2025, 4, 28), OPEN, id="open-on-due-date"),
        pytest.param(date(2025, 1, 6), [("decision", date(2025, 2, 10), ASSESS)], date(2025, 4, 29),
                     date(2025, 4, 28), date(2025, 4, 28), OVERDUE, id="overdue-day-after"),
        # Mon 5 May 2025 + 112 = Mon 25 Aug 2025 (summer bank holiday) -> act-by Fri 22 Aug
        pytest.param(date(2025, 5, 5), [], date(2025, 5, 5),
                     date(2025, 8, 25), date(2025, 8, 22), OPEN, id="lands-on-august-bank-holiday"),
        # Mon 2 Feb 2026 + 112 = Mon 25 May 2026 (spring bank holiday) -> act-by Fri 22 May
        pytest.param(date(2026, 2, 2), [], date(2026, 2, 2),
                     date(2026, 5, 25), date(2026, 5, 22), OPEN, id="lands-on-spring-bank-holiday-2026"),
        # Thu 4 Sep 2025 + 112 = Thu 25 Dec 2025 -> act-by Wed 24 Dec
        pytest.param(date(2025, 9, 4), [], date(2025, 9, 4),
                     date(2025, 12, 25), date(2025, 12, 24), OPEN, id="christmas"),
        # limb c from Tue 1 Apr 2025 while open; no draft by 28 Apr -> excepted, not overdue (reg 10(4))
        pytest.param(date(2025, 1, 6), [("decision", date(2025, 2, 10), ASSESS),
                                        ("exception", date(2025, 4, 1), {"limb": "c"})],
                     date(2025, 5, 1), date(2025, 4, 28), date(2025, 4, 28), EXCEPTED,
                     id="excepted-outstanding"),
    ],
)
def test_issue_decision(make_case, one, received, events, as_of, due, act_by, status):
    found = one(make_case(received, events), as_of, "issue-decision")
    assert (found.deadline.due, found.deadline.act_by, found.status) == (due, act_by, status)


# --- final-plan: request + 20 weeks (reg 13(2)) -----------------------------------------------------

ON_TIME = [("decision", date(2025, 2, 10), ASSESS), ("draft", date(2025, 4, 14))]


@pytest.mark.parametrize(
    ("received", "events", "as_of", "due", "act_by", "status"),
    [
        # Mon 6 Jan 2025 + 140 = Mon 26 May 2025 (spring bank holiday) -> act-by Fri 23 May; final 20 May
        pytest.param(date(2025, 1, 6), [*ON_TIME, ("final", date(2025, 5, 20))], date(2025, 6, 1),
                     date(2025, 5, 26), date(2025, 5, 23), MET, id="lands-on-bank-holiday-met"),
        # issued on the statutory date itself (a bank holiday) is still in time: C1
        pytest.param(date(2025, 1, 6), [*ON_TIME, ("final", date(2025, 5, 26))], date(2025, 6, 1),
                     date(2025, 5, 26), date(2025, 5, 23), MET, id="issued-on-due-date"),
        # issued in week 23 (Mon 16 Jun 2025): late, forever
        pytest.param(date(2025, 1, 6), [*ON_TIME, ("final", date(2025, 6, 16))], date(2026, 1, 1),
                     date(2025, 5, 26), date(2025, 5, 23), LATE, id="week-23-late"),
        pytest.param(date(2025, 1, 6), ON_TIME, date(2025, 5, 26),
                     date(2025, 5, 26), date(2025, 5, 23), OPEN, id="open-on-due-date"),
        pytest.param(date(2025, 1, 6), ON_TIME, date(2025, 5, 27),
                     date(2025, 5, 26), date(2025, 5, 23), OVERDUE, id="overdue-day-after"),
        # golden G10: Mon 10 Aug 2026 + 140 = Mon 28 Dec 2026 (substitute) -> act-by Thu 24 Dec 2026
        pytest.param(date(2026, 8, 10), [], date(2026, 9, 1),
                     date(2026, 12, 28), date(2026, 12, 24), OPEN, id="substitute-boxing-day-2026"),
        # Thu 7 Aug 2025 + 140 = Thu 25 Dec 2025 -> act-by Wed 24 Dec
        pytest.param(date(2025, 8, 7), [], date(2025, 9, 1),
                     date(2025, 12, 25), date(2025, 12, 24), OPEN, id="christmas"),
        # Fri 14 Aug 2026 + 140 = Fri 1 Jan 2027 -> act-by Thu 31 Dec 2026
        pytest.param(date(2026, 8, 14), [], date(2026, 9, 1),
                     date(2027, 1, 1), date(2026, 12, 31), OPEN, id="new-year-2027"),
        # Thu 29 Feb 2024 + 140 = Thu 18 Jul 2024 (31+30+31+30+18)
        pytest.param(date(2024, 2, 29), [], date(2024, 3, 1),
                     date(2024, 7, 18), date(2024, 7, 18), OPEN, id="request-on-leap-day"),
        # Sun 2 Mar 2025 + 140 = Sun 20 Jul 2025 -> act-by Fri 18 Jul
        pytest.param(date(2025, 3, 2), [], date(2025, 3, 3),
                     date(2025, 7, 20), date(2025, 7, 18), OPEN, id="trigger-on-sunday"),
        # golden G04: Mon 13 Jan 2025 + 140 = Mon 2 Jun 2025; refused -> not applicable
        pytest.param(date(2025, 1, 13), [("decision", date(2025, 2, 20), REFUSE)], date(2025, 7, 1),
                     date(2025, 6, 2), date(2025, 6, 2), NA, id="refused"),
        pytest.param(date(2025, 1, 6), [("withdrawn", date(2025, 1, 20))], date(2025, 6, 1),
                     date(2025, 5, 26), date(2025, 5, 23), NA, id="withdrawn"),
        # golden G12: a no-plan notice ends the path
        pytest.param(date(2025, 1, 6), [("decision", date(2025, 2, 14), ASSESS),
                                        ("no-plan", date(2025, 5, 1))], date(2025, 6, 1),
                     date(2025, 5, 26), date(2025, 5, 23), NA, id="no-plan-notice"),
        # overdue from 27 May, withdrawn Mon 2 Jun 2025: not-applicable whether or not due had passed
        pytest.param(date(2025, 1, 6), [*ON_TIME, ("withdrawn", date(2025, 6, 2))], date(2025, 6, 10),
                     date(2025, 5, 26), date(2025, 5, 23), NA, id="withdrawn-after-due-date"),
        # golden G05: Mon 3 Feb 2025 + 140 = Mon 23 Jun 2025; limb d 1 Apr-15 May; not issued by 1 Jul
        pytest.param(date(2025, 2, 3), [("decision", date(2025, 3, 10), ASSESS),
                                        ("exception", date(2025, 4, 1),
                                         {"limb": "d", "end": date(2025, 5, 15)})],
                     date(2025, 7, 1), date(2025, 6, 23), date(2025, 6, 23), EXCEPTED,
                     id="excepted-outstanding"),
        # same, final issued late on Mon 7 Jul 2025: excepted, not late
        pytest.param(date(2025, 2, 3), [("decision", date(2025, 3, 10), ASSESS),
                                        ("exception", date(2025, 4, 1),
                                         {"limb": "d", "end": date(2025, 5, 15)}),
                                        ("draft", date(2025, 6, 2)), ("final", date(2025, 7, 7))],
                     date(2025, 8, 1), date(2025, 6, 23), date(2025, 6, 23), EXCEPTED,
                     id="excepted-completed-late"),
        # same, final on time on Fri 20 Jun 2025: met whatever exceptions were recorded
        pytest.param(date(2025, 2, 3), [("decision", date(2025, 3, 10), ASSESS),
                                        ("exception", date(2025, 4, 1),
                                         {"limb": "d", "end": date(2025, 5, 15)}),
                                        ("draft", date(2025, 5, 20)), ("final", date(2025, 6, 20))],
                     date(2025, 8, 1), date(2025, 6, 23), date(2025, 6, 23), MET,
                     id="excepted-but-on-time-is-met"),
        # before the due date an excepted deadline is still simply open
        pytest.param(date(2025, 2, 3), [("decision", date(2025, 3, 10), ASSESS),
                                        ("exception", date(2025, 4, 1), {"limb": "c"})],
                     date(2025, 6, 23), date(2025, 6, 23), date(2025, 6, 23), OPEN,
                     id="excepted-still-open-before-due"),
        # a circumstance beginning Mon 2 Jun 2025, after the 26 May due date, does not cover it
        pytest.param(date(2025, 1, 6), [*ON_TIME, ("exception", date(2025, 6, 2), {"limb": "c"})],
                     date(2025, 6, 10), date(2025, 5, 26), date(2025, 5, 23), OVERDUE,
                     id="exception-after-due-not-covered"),
    ],
)
def test_final_plan(make_case, one, received, events, as_of, due, act_by, status):
    found = one(make_case(received, events), as_of, "final-plan")
    assert (found.deadline.due, found.deadline.act_by, found.status) == (due, act_by, status)


# --- advice: body's receipt of the request + 6 weeks (reg 8(1)) -------------------------------------

G09 = [("decision", date(2025, 2, 10), ASSESS)]
PSYCH = {"from": "psychology"}
HEALTH = {"from": "health"}


@pytest.mark.parametrize(
    ("events", "as_of", "subject", "due", "act_by", "status"),
    [
        # golden G09: asked Thu 20 Feb 2025 + 42 = Thu 3 Apr 2025; psychology replies Thu 10 Apr
        pytest.param([*G09, ("advice-requested", date(2025, 2, 20), PSYCH),
                      ("advice-received", date(2025, 4, 10), PSYCH)], date(2025, 4, 15),
                     "psychology", date(2025, 4, 3), date(2025, 4, 3), LATE, id="late"),
        pytest.param([*G09, ("advice-requested", date(2025, 2, 20), HEALTH),
                      ("advice-received", date(2025, 3, 27), HEALTH)], date(2025, 4, 15),
                     "health", date(2025, 4, 3), date(2025, 4, 3), MET, id="met"),
        pytest.param([*G09, ("advice-requested", date(2025, 2, 20), PSYCH),
                      ("advice-received", date(2025, 4, 3), PSYCH)], date(2025, 4, 15),
                     "psychology", date(2025, 4, 3), date(2025, 4, 3), MET, id="received-on-due-date"),
        pytest.param([*G09, ("advice-requested", date(2025, 2, 20), PSYCH)], date(2025, 4, 3),
                     "psychology", date(2025, 4, 3), date(2025, 4, 3), OPEN, id="open-on-due-date"),
        pytest.param([*G09, ("advice-requested", date(2025, 2, 20), PSYCH)], date(2025, 4, 4),
                     "psychology", date(2025, 4, 3), date(2025, 4, 3), OVERDUE, id="overdue"),
        # a reply from another body does not answer it
        pytest.param([*G09, ("advice-requested", date(2025, 2, 20), PSYCH),
                      ("advice-received", date(2025, 3, 1), HEALTH)], date(2025, 4, 4),
                     "psychology", date(2025, 4, 3), date(2025, 4, 3), OVERDUE, id="other-body-reply"),
        # the body received it Mon 24 Feb 2025: 24 Feb + 42 = Mon 7 Apr 2025 (reg 8(1) "receipt")
        pytest.param([*G09, ("advice-requested", date(2025, 2, 20),
                             {"from": "psychology", "received": date(2025, 2, 24)})], date(2025, 3, 1),
                     "psychology", date(2025, 4, 7), date(2025, 4, 7), OPEN, id="counted-from-receipt"),
        # asked Fri 7 Mar 2025 + 42 = Fri 18 Apr 2025 Good Friday -> act-by Thu 17 Apr
        pytest.param([*G09, ("advice-requested", date(2025, 3, 7), PSYCH)], date(2025, 3, 7),
                     "psychology", date(2025, 4, 18), date(2025, 4, 17), OPEN, id="lands-on-good-friday"),
        # asked of a named school: the subject is the institution
        pytest.param([*G09, ("advice-requested", date(2025, 2, 20),
                             {"from": "education", "institution": "Oak Primary"})], date(2025, 3, 1),
                     "Oak Primary", date(2025, 4, 3), date(2025, 4, 3), OPEN, id="subject-is-institution"),
        # overdue advice becomes not-applicable once the final plan is issued (spec 8.6)
        pytest.param([*G09, ("advice-requested", date(2025, 2, 20), PSYCH), ("draft", date(2025, 4, 14)),
                      ("final", date(2025, 5, 20))], date(2025, 6, 1),
                     "psychology", date(2025, 4, 3), date(2025, 4, 3), NA, id="na-once-final-issued"),
        pytest.param([*G09, ("advice-requested", date(2025, 2, 20), PSYCH), ("draft", date(2025, 4, 14)),
                      ("final", date(2025, 5, 20))], date(2025, 5, 19),
                     "psychology", date(2025, 4, 3), date(2025, 4, 3), OVERDUE, id="overdue-until-final"),
        # advice arriving after the final plan does not complete it
        pytest.param([*G09, ("advice-requested", date(2025, 2, 20), PSYCH), ("draft", date(2025, 4, 14)),
                      ("final", date(2025, 5, 20)), ("advice-received", date(2025, 5, 22), PSYCH)],
                     date(2025, 6, 1), "psychology", date(2025, 4, 3), date(2025, 4, 3), NA,
                     id="reply-after-final"),
        # the assessment stopped with a no-plan notice on Tue 1 Apr 2025
        pytest.param([*G09, ("advice-requested", date(2025, 2, 20), PSYCH), ("no-plan", date(2025, 4, 1))],
                     date(2025, 5, 1), "psychology", date(2025, 4, 3), date(2025, 4, 3), NA,
                     id="na-after-no-plan"),
        # limb c for psychology from Mon 31 Mar 2025 (reg 8(2)); no advice by 3 Apr -> excepted
        pytest.param([*G09, ("advice-requested", date(2025, 2, 20), PSYCH),
                      ("exception", date(2025, 3, 31),
                       {"limb": "c", "rule": "advice", "subject": "psychology"})],
                     date(2025, 4, 10), "psychology", date(2025, 4, 3), date(2025, 4, 3), EXCEPTED,
                     id="excepted-limb-c"),
        # the child missed the appointment (reg 8(2)(c)): excepted
        pytest.param([*G09, ("advice-requested", date(2025, 2, 20), PSYCH),
                      ("exception", date(2025, 3, 10),
                       {"limb": "missed-appointment", "rule": "advice", "subject": "psychology"})],
                     date(2025, 4, 10), "psychology", date(2025, 4, 3), date(2025, 4, 3), EXCEPTED,
                     id="excepted-missed-appointment"),
    ],
)
def test_advice(make_case, one, events, as_of, subject, due, act_by, status):
    found = one(make_case(date(2025, 1, 6), events), as_of, "advice", subject)
    assert (found.deadline.due, found.deadline.act_by, found.status) == (due, act_by, status)


def test_advice_one_deadline_per_request(make_case, judged):
    # golden G09: two requests on Thu 20 Feb 2025, each due Thu 3 Apr, judged on their own replies
    case = make_case(date(2025, 1, 6), [
        *G09,
        ("advice-requested", date(2025, 2, 20), PSYCH), ("advice-received", date(2025, 4, 10), PSYCH),
        ("advice-requested", date(2025, 2, 20), HEALTH), ("advice-received", date(2025, 3, 27), HEALTH),
    ])
    got = {(j.deadline.subject, j.deadline.due, j.status) for j in judged(case, date(2025, 4, 15), "advice")}
    assert got == {("psychology", date(2025, 4, 3), LATE), ("health", date(2025, 4, 3), MET)}


def test_advice_reply_without_institution(make_case, one):
    # asked Thu 20 Feb 2025 (due Thu 3 Apr); reply recorded Thu 20 Mar with --from education only
    case = make_case(date(2025, 1, 6), [
        *G09, ("advice-requested", date(2025, 2, 20), {"from": "education", "institution": "Oak Primary"}),
        ("advice-received", date(2025, 3, 20), {"from": "education"}),
    ])
    found = one(case, date(2025, 4, 10), "advice", "Oak Primary")
    assert (found.deadline.due, found.status) == (date(2025, 4, 3), MET)


def test_missed_appointment_does_not_excuse_the_la(make_case, one):
    """A missed appointment is not an exception to the LA's 20-week limit (spec 3)."""
    case = make_case(date(2025, 1, 6), [
        *G09, ("advice-requested", date(2025, 2, 20), PSYCH),
        ("exception", date(2025, 3, 10), {"limb": "missed-appointment", "rule": "advice",
                                          "subject": "psychology"}),
    ])
    # final plan Mon 26 May 2025 (6 Jan + 140), never issued: overdue on Mon 2 Jun
    assert one(case, date(2025, 6, 2), "final-plan").status == OVERDUE


# --- draft-representations: 15 days beginning with service (reg 13(1), C2; spec 8.3) ---------------

ASSESSED = [("decision", date(2025, 7, 1), ASSESS)]


@pytest.mark.parametrize(
    ("events", "as_of", "due", "status"),
    [
        # Mon 1 Sep 2025 + 15 - 1 = Mon 15 Sep 2025: open on its first and last day, met after
        pytest.param([*ASSESSED, ("draft", date(2025, 9, 1))], date(2025, 9, 1), date(2025, 9, 15), OPEN,
                     id="open-first-day"),
        pytest.param([*ASSESSED, ("draft", date(2025, 9, 1))], date(2025, 9, 15), date(2025, 9, 15), OPEN,
                     id="open-last-day"),
        pytest.param([*ASSESSED, ("draft", date(2025, 9, 1))], date(2025, 9, 16), date(2025, 9, 15), MET,
                     id="met-after-window"),
        # finalising inside the window is a check, not a status: still open on Wed 10 Sep
        pytest.param([*ASSESSED, ("draft", date(2025, 9, 1)), ("final", date(2025, 9, 10))],
                     date(2025, 9, 10), date(2025, 9, 15), OPEN, id="final-inside-window-still-open"),
        # Fri 19 Dec 2025 + 14 = Fri 2 Jan 2026
        pytest.param([*ASSESSED, ("draft", date(2025, 12, 19))], date(2025, 12, 24), date(2026, 1, 2), OPEN,
                     id="crosses-year-end"),
        # withdrawn Fri 5 Sep 2025 inside the window: not applicable
        pytest.param([*ASSESSED, ("draft", date(2025, 9, 1)), ("withdrawn", date(2025, 9, 5))],
                     date(2025, 9, 10), date(2025, 9, 15), NA, id="withdrawn-inside-window"),
        # withdrawn Fri 19 Sep 2025 after the window ran out: the family had its 15 days -> met
        pytest.param([*ASSESSED, ("draft", date(2025, 9, 1)), ("withdrawn", date(2025, 9, 19))],
                     date(2025, 9, 20), date(2025, 9, 15), MET, id="withdrawn-after-window"),
        # a no-plan notice ends the path (spec 8.6): the window is not-applicable
        pytest.param([*ASSESSED, ("draft", date(2025, 9, 1)), ("no-plan", date(2025, 9, 5))],
                     date(2025, 9, 10), date(2025, 9, 15), NA, id="no-plan-inside-window"),
    ],
)
def test_draft_representations(make_case, one, events, as_of, due, status):
    found = one(make_case(date(2025, 6, 2), events), as_of, "draft-representations")
    assert (found.deadline.due, found.status) == (due, status)
    assert found.deadline.owner == "family"


def test_draft_window_in_a_leap_february(make_case, one):
    # draft Thu 15 Feb 2024 + 14 = Thu 29 Feb 2024
    case = make_case(date(2023, 11, 6), [("decision", date(2023, 12, 11), ASSESS), ("draft", date(2024, 2, 15))])
    found = one(case, date(2024, 2, 20), "draft-representations")
    assert (found.deadline.due, found.status) == (date(2024, 2, 29), OPEN)


# --- school-consultation: sent + 15 calendar days (CFA s.39-40, CoP 9.80-9.83) ----------------------

OAK = {"institution": "Oak Primary"}
ELM = {"institution": "Elm Academy"}
DRAFTED = [("decision", date(2025, 7, 1), ASSESS), ("draft", date(2025, 8, 1))]


@pytest.mark.parametrize(
    ("events", "as_of", "subject", "due", "act_by", "status"),
    [
        # sent Mon 1 Sep 2025 + 15 = Tue 16 Sep 2025; reply on the due date
        pytest.param([*DRAFTED, ("consultation-sent", date(2025, 9, 1), OAK),
                      ("consultation-reply", date(2025, 9, 16), OAK)], date(2025, 9, 20),
                     "Oak Primary", date(2025, 9, 16), date(2025, 9, 16), MET, id="reply-on-due-date"),
        pytest.param([*DRAFTED, ("consultation-sent", date(2025, 9, 1), OAK),
                      ("consultation-reply", date(2025, 9, 17), OAK)], date(2025, 9, 20),
                     "Oak Primary", date(2025, 9, 16), date(2025, 9, 16), LATE, id="reply-day-late"),
        pytest.param([*DRAFTED, ("consultation-sent", date(2025, 9, 1), OAK)], date(2025, 9, 16),
                     "Oak Primary", date(2025, 9, 16), date(2025, 9, 16), OPEN, id="open-on-due-date"),
        pytest.param([*DRAFTED, ("consultation-sent", date(2025, 9, 1), OAK)], date(2025, 9, 17),
                     "Oak Primary", date(2025, 9, 16), date(2025, 9, 16), OVERDUE, id="overdue"),
        # a reply from another institution does not answer it
        pytest.param([*DRAFTED, ("consultation-sent", date(2025, 9, 1), OAK),
                      ("consultation-reply", date(2025, 9, 5), ELM)], date(2025, 9, 17),
                     "Oak Primary", date(2025, 9, 16), date(2025, 9, 16), OVERDUE, id="other-institution-reply"),
        # sent Wed 10 Dec 2025 + 15 = Thu 25 Dec 2025 -> act-by Wed 24 Dec
        pytest.param([*DRAFTED, ("consultation-sent", date(2025, 12, 10), OAK)], date(2025, 12, 10),
                     "Oak Primary", date(2025, 12, 25), date(2025, 12, 24), OPEN, id="christmas"),
        # sent Sat 30 Aug 2025 + 15 = Sun 14 Sep 2025 -> act-by Fri 12 Sep
        pytest.param([*DRAFTED, ("consultation-sent", date(2025, 8, 30), OAK)], date(2025, 8, 30),
                     "Oak Primary", date(2025, 9, 14), date(2025, 9, 12), OPEN, id="lands-on-sunday"),
        # no reply, final plan issued Mon 22 Sep 2025: not applicable (spec 8.6)
        pytest.param([*DRAFTED, ("consultation-sent", date(2025, 9, 1), OAK), ("final", date(2025, 9, 22))],
                     date(2025, 10, 1), "Oak Primary", date(2025, 9, 16), date(2025, 9, 16), NA,
                     id="na-once-final-issued"),
    ],
)
def test_school_consultation(make_case, one, events, as_of, subject, due, act_by, status):
    found = one(make_case(date(2025, 6, 2), events), as_of, "school-consultation", subject)
    assert (found.deadline.due, found.deadline.act_by, found.status) == (due, act_by, status)


def test_school_consultation_one_per_institution(make_case, judged):
    # Oak sent Mon 1 Sep (due Tue 16 Sep), Elm sent Wed 3 Sep (due Thu 18 Sep); Elm replies Wed 17 Sep
    case = make_case(date(2025, 6, 2), [
        *DRAFTED, ("consultation-sent", date(2025, 9, 1), OAK), ("consultation-sent", date(2025, 9, 3), ELM),
        ("consultation-reply", date(2025, 9, 17), ELM),
    ])
    got = {(j.deadline.subject, j.deadline.due, j.status)
           for j in judged(case, date(2025, 9, 20), "school-consultation")}
    assert got == {("Oak Primary", date(2025, 9, 16), OVERDUE), ("Elm Academy", date(2025, 9, 18), MET)}


# --- path endings: refusal, withdrawal and no-plan notices on the whole assessment ------------------

@pytest.mark.parametrize(
    ("events", "as_of", "expected"),
    [
        # golden G04: refused Thu 20 Feb 2025 on a Mon 13 Jan request
        pytest.param([("decision", date(2025, 2, 20), REFUSE)], date(2025, 7, 1),
                     {"assessment-decision": MET, "issue-decision": NA, "final-plan": NA,
                      "draft-by-week-14": NA, "contact": NA},
                     id="refused"),
        # golden G11 shape: withdrawn Mon 27 Jan 2025, two weeks in
        pytest.param([("withdrawn", date(2025, 1, 27))], date(2025, 7, 1),
                     {"assessment-decision": NA, "issue-decision": NA, "final-plan": NA,
                      "draft-by-week-14": NA, "contact": NA},
                     id="withdrawn"),
        # G03 shape: decided in time, nothing since; on Fri 1 Aug 2025 the 16/20-week limits
        # (Mon 5 May, Mon 2 Jun) and week 14 (Mon 21 Apr) have passed; contact due Mon 24 Feb
        pytest.param([("decision", date(2025, 2, 10), ASSESS)], date(2025, 8, 1),
                     {"assessment-decision": MET, "issue-decision": OVERDUE, "final-plan": OVERDUE,
                      "draft-by-week-14": OVERDUE, "contact": OVERDUE},
                     id="gone-overdue"),
    ],
)
def test_path_endings(make_case, cal, settings, events, as_of, expected):
    case = make_case(date(2025, 1, 13), events)
    got = {j.deadline.rule: j.status for j in timeline(case, as_of, cal, settings).deadlines}
    assert {rule: got.get(rule) for rule in expected} == expected
