"""Statutory exceptions (regs 5(4), 8(2), 10(4), 13(3); spec 3, 8.4, 8.5): what a recorded exception
covers, that dates never move, and which exceptions `refusal` turns away."""

from __future__ import annotations

from datetime import date

import pytest

from sendtrack.domain import Event, Status
from sendtrack.rules.engine import compute, refusal, timeline

MET, LATE, OPEN, OVERDUE = Status.MET, Status.LATE, Status.OPEN, Status.OVERDUE
EXCEPTED, NA = Status.EXCEPTED, Status.NOT_APPLICABLE
ASSESS = {"outcome": "assess"}

# golden G05's request: received Mon 3 Feb 2025
#   assessment-decision  3 Feb + 42  = Mon 17 Mar 2025
#   issue-decision       3 Feb + 112 = Mon 26 May 2025 (25 days to 28 Feb, 31, 30, 26)
#   final-plan           3 Feb + 140 = Mon 23 Jun 2025
RECEIVED = date(2025, 2, 3)
LA_RULES = ("assessment-decision", "issue-decision", "final-plan")


def exc(start: date, limb: str = "c", **more):
    return ("exception", start, {"limb": limb, **more})


@pytest.mark.parametrize(
    ("events", "as_of", "expected"),
    [
        # golden G05: limb d Tue 1 Apr - Thu 15 May 2025 after a decision in time
        pytest.param([("decision", date(2025, 3, 10), ASSESS), exc(date(2025, 4, 1), "d", end=date(2025, 5, 15))],
                     date(2025, 7, 1), (MET, EXCEPTED, EXCEPTED), id="golden-g05-open-deadlines-covered"),
        # from Mon 10 Feb, before anything was done: all three open then; decision late on Mon 24 Mar
        pytest.param([exc(date(2025, 2, 10)), ("decision", date(2025, 3, 24), ASSESS)],
                     date(2025, 7, 1), (EXCEPTED, EXCEPTED, EXCEPTED), id="start-before-decision"),
        # a deadline completed on time stays met: decided Fri 14 Mar, draft Tue 20 May, final Fri 20 Jun
        pytest.param([exc(date(2025, 2, 10)), ("decision", date(2025, 3, 14), ASSESS),
                      ("draft", date(2025, 5, 20)), ("final", date(2025, 6, 20))],
                     date(2025, 7, 1), (MET, MET, MET), id="completed-on-time-stays-met"),
        # decided late on Mon 24 Mar, exception from Tue 1 Apr: the decision was no longer open -> late
        pytest.param([("decision", date(2025, 3, 24), ASSESS), exc(date(2025, 4, 1))],
                     date(2025, 7, 1), (LATE, EXCEPTED, EXCEPTED), id="completed-before-start-not-covered"),
        # starting Mon 2 Jun 2025, after the 26 May issue-decision due date: only the final plan
        pytest.param([("decision", date(2025, 3, 10), ASSESS), exc(date(2025, 6, 2))],
                     date(2025, 7, 1), (MET, OVERDUE, EXCEPTED), id="start-after-16-weeks"),
        # starting on the due date itself (Mon 26 May) still covers it: start <= due
        pytest.param([("decision", date(2025, 3, 10), ASSESS), exc(date(2025, 5, 26))],
                     date(2025, 7, 1), (MET, EXCEPTED, EXCEPTED), id="start-on-due-date"),
        # starting Tue 24 Jun, the day after the final-plan due date: covers nothing
        pytest.param([("decision", date(2025, 3, 10), ASSESS), exc(date(2025, 6, 24))],
                     date(2025, 7, 1), (MET, OVERDUE, OVERDUE), id="start-after-every-due-date"),
        # --rule final-plan: only that deadline
        pytest.param([("decision", date(2025, 3, 10), ASSESS), exc(date(2025, 4, 1), rule="final-plan")],
                     date(2025, 7, 1), (MET, OVERDUE, EXCEPTED), id="rule-names-one-deadline"),
        # limb d ended Tue 29 Apr, weeks before the 23 Jun due date: the end changes nothing (spec 8.5)
        pytest.param([("decision", date(2025, 3, 10), ASSESS), exc(date(2025, 4, 1), "d", end=date(2025, 4, 29))],
                     date(2025, 7, 1), (MET, EXCEPTED, EXCEPTED), id="end-date-changes-nothing"),
        # an exception on record does not make an open deadline anything but open
        pytest.param([("decision", date(2025, 3, 10), ASSESS), exc(date(2025, 4, 1))],
                     date(2025, 5, 1), (MET, OPEN, OPEN), id="open-before-due"),
        # on Thu 20 Mar the 17 Mar decision is outstanding under an exception of Mon 10 Feb: excepted
        pytest.param([exc(date(2025, 2, 10)), ("decision", date(2025, 3, 24), ASSESS)],
                     date(2025, 3, 20), (EXCEPTED, OPEN, OPEN), id="excepted-outstanding"),
        # on Sun 1 Jun the exception of Mon 2 Jun is not known yet (spec 8.2): overdue, not excepted
        pytest.param([("decision", date(2025, 3, 10), ASSESS), exc(date(2025, 6, 2))],
                     date(2025, 6, 1), (MET, OVERDUE, OPEN), id="as-of-before-start"),
        # a withdrawal ends the path: not-applicable beats excepted (spec 8.6)
        pytest.param([("decision", date(2025, 3, 10), ASSESS), exc(date(2025, 4, 1)),
                      ("withdrawn", date(2025, 6, 30))],
                     date(2025, 7, 1), (MET, NA, NA), id="withdrawn-after-exception"),
        # limb a (school closed 4+ weeks) and b (early years) cover the same way
        pytest.param([("decision", date(2025, 3, 10), ASSESS), exc(date(2025, 7, 17), "a")],
                     date(2025, 8, 1), (MET, OVERDUE, OVERDUE), id="limb-a-after-every-due-date"),
        pytest.param([("decision", date(2025, 3, 10), ASSESS), exc(date(2025, 5, 1), "b")],
                     date(2025, 7, 1), (MET, EXCEPTED, EXCEPTED), id="limb-b"),
    ],
)
def test_default_cover(make_case, cal, settings, events, as_of, expected):
    deadlines = timeline(make_case(RECEIVED, events), as_of, cal, settings).deadlines
    got = tuple(next(j.status for j in deadlines if j.deadline.rule == rule) for rule in LA_RULES)
    assert got == expected


def test_exception_never_moves_a_date(make_case, cal, settings):
    plain = make_case(RECEIVED, [("decision", date(2025, 3, 10), ASSESS)])
    excepted = make_case(RECEIVED, [("decision", date(2025, 3, 10), ASSESS),
                                    exc(date(2025, 4, 1), "d", end=date(2025, 5, 15))])
    dates = [[(d.rule, d.subject, d.trigger, d.due, d.act_by) for d in compute(case, cal, settings)]
             for case in (plain, excepted)]
    assert dates[0] == dates[1]
    final = next(d for d in compute(excepted, cal, settings) if d.rule == "final-plan")
    # G05: due stays Mon 23 Jun 2025; disapplied from the exception's start, limb recorded
    assert (final.due, final.excepted_from, final.exception_limb) == (date(2025, 6, 23), date(2025, 4, 1), "d")


def test_exception_does_not_touch_partner_or_review_deadlines_by_default(make_case, cal, settings):
    # advice asked Thu 20 Feb 2025, due Thu 3 Apr; a limb c exception without --rule covers LA deadlines only
    case = make_case(RECEIVED, [("decision", date(2025, 2, 14), ASSESS),
                                ("advice-requested", date(2025, 2, 20), {"from": "psychology"}),
                                exc(date(2025, 3, 1))])
    advice = [j for j in timeline(case, date(2025, 4, 10), cal, settings).deadlines if j.deadline.rule == "advice"]
    assert [j.status for j in advice] == [OVERDUE]


# --- refusal(): exceptions the law does not allow (spec 8.4, 8.5) -----------------------------------

def base_case(make_case, extra=()):
    # decided Mon 10 Mar 2025
    return make_case(RECEIVED, [("decision", date(2025, 3, 10), ASSESS), *extra])


def planned_case(make_case):
    # draft Mon 19 May, final Mon 16 Jun 2025: a plan exists, so review rules could be named
    return base_case(make_case, [("draft", date(2025, 5, 19)), ("final", date(2025, 6, 16))])


def refuse(cal, settings, case, start, today=date(2026, 1, 1), **details):
    event = Event.make(99, "exception", start, **details)
    return refusal(case, event, today=today, calendar=cal, settings=settings)


@pytest.mark.parametrize(
    ("planned", "start", "details", "refused"),
    [
        # limb d needs 4 weeks and its end is the last day away (spec 8.5): Tue 1 Apr to Sun 27 Apr is
        # 27 days counting both, too short; to Mon 28 Apr is 28 days, exactly 4 weeks, accepted
        pytest.param(False, date(2025, 4, 1), {"limb": "d", "end": date(2025, 4, 27)}, True,
                     id="limb-d-27-days"),
        pytest.param(False, date(2025, 4, 1), {"limb": "d", "end": date(2025, 4, 28)}, False,
                     id="limb-d-28-days"),
        # the spec's own example: Sat 1 to Fri 28 Mar 2025 = 28 days (issue-decision 26 May open)
        pytest.param(False, date(2025, 3, 1), {"limb": "d", "end": date(2025, 3, 28)}, False,
                     id="limb-d-1-to-28-march"),
        pytest.param(False, date(2025, 3, 1), {"limb": "d", "end": date(2025, 3, 27)}, True,
                     id="limb-d-1-to-27-march"),
        # begun before the request of Mon 3 Feb 2025 (spec 8.4): covers that request's deadlines
        pytest.param(False, date(2025, 1, 20), {"limb": "c"}, False, id="starts-before-request"),
        pytest.param(False, date(2024, 6, 1), {"limb": "d", "end": date(2025, 3, 31)}, False,
                     id="absence-before-request"),
        pytest.param(False, date(2025, 4, 1), {"limb": "d"}, False, id="limb-d-no-end-yet"),
        pytest.param(False, date(2025, 4, 1), {"limb": "c", "end": date(2025, 3, 31)}, True,
                     id="end-before-start"),
        pytest.param(False, date(2025, 4, 1), {"limb": "c", "end": date(2025, 4, 1)}, False,
                     id="end-on-start"),
        pytest.param(False, date(2025, 4, 1), {"limb": "e"}, True, id="unknown-limb"),
        pytest.param(False, date(2025, 4, 1), {"limb": "c"}, False, id="limb-c-open-deadlines"),
        # regs 18-22 have no exceptions
        pytest.param(True, date(2025, 7, 1), {"limb": "c", "rule": "annual-review"}, True,
                     id="rule-annual-review"),
        pytest.param(True, date(2025, 7, 1), {"limb": "d", "rule": "review-decision"}, True,
                     id="rule-review-decision"),
        pytest.param(True, date(2025, 7, 1), {"limb": "c", "rule": "review-notice"}, True,
                     id="rule-review-notice"),
        pytest.param(True, date(2025, 7, 1), {"limb": "c", "rule": "amended-plan"}, True,
                     id="rule-amended-plan"),
        pytest.param(True, date(2025, 7, 1), {"limb": "c", "rule": "phase-transfer"}, True,
                     id="rule-phase-transfer"),
        pytest.param(False, date(2025, 4, 1), {"limb": "c", "rule": "no-such-rule"}, True,
                     id="rule-unknown"),
        # a missed appointment excuses only advice (reg 8(2)): not the LA's limits
        pytest.param(False, date(2025, 4, 1), {"limb": "missed-appointment"}, True,
                     id="missed-appointment-without-rule"),
        pytest.param(False, date(2025, 4, 1), {"limb": "missed-appointment", "rule": "final-plan"}, True,
                     id="missed-appointment-on-final-plan"),
        # limb a is not one of reg 8(2)'s
        pytest.param(False, date(2025, 4, 1), {"limb": "a", "rule": "advice"}, True,
                     id="limb-a-on-advice"),
        # starting Tue 24 Jun 2025, after every LA due date (latest Mon 23 Jun): nothing to cover
        pytest.param(False, date(2025, 6, 24), {"limb": "c"}, True, id="nothing-open-to-cover"),
        # in the future
        pytest.param(False, date(2026, 1, 2), {"limb": "c"}, True, id="future-start"),
    ],
)
def test_refusals(make_case, cal, settings, planned, start, details, refused):
    case = planned_case(make_case) if planned else base_case(make_case)
    reason = refuse(cal, settings, case, start, **details)
    assert (reason is not None) == refused, reason


@pytest.mark.parametrize(
    ("requests", "details", "refused"),
    [
        # a missed appointment on Mon 17 Mar 2025
        pytest.param([{"from": "psychology"}], {"limb": "missed-appointment", "rule": "advice"}, False,
                     id="one-advice-open"),
        pytest.param([{"from": "psychology"}, {"from": "health"}],
                     {"limb": "missed-appointment", "rule": "advice"}, True, id="several-open-no-subject"),
        pytest.param([{"from": "psychology"}, {"from": "health"}],
                     {"limb": "missed-appointment", "rule": "advice", "subject": "psychology"}, False,
                     id="several-open-with-subject"),
        pytest.param([{"from": "psychology"}],
                     {"limb": "missed-appointment", "rule": "advice", "subject": "health"}, True,
                     id="subject-not-asked"),
    ],
)
def test_advice_exception_refusals(make_case, cal, settings, requests, details, refused):
    # requested Tue 11 Mar 2025 (+42 = Tue 22 Apr): open on Mon 17 Mar
    case = base_case(make_case, [("advice-requested", date(2025, 3, 11), r) for r in requests])
    reason = refuse(cal, settings, case, date(2025, 3, 17), **details)
    assert (reason is not None) == refused, reason


@pytest.mark.parametrize(
    ("start", "decided", "as_of", "expected"),
    [
        # golden G14: request Mon 2 Jun 2025, limb c from Tue 20 May: assessment-decision 2 Jun + 42 =
        # Mon 14 Jul, decided Mon 21 Jul: late, but excepted; 16 weeks = Mon 22 Sep, 20 weeks = Mon 20 Oct
        pytest.param(date(2025, 5, 20), date(2025, 7, 21), date(2025, 8, 1),
                     {"assessment-decision": EXCEPTED, "issue-decision": OPEN, "final-plan": OPEN},
                     id="golden-G14"),
        # the same circumstance, decision on time (Mon 14 Jul, the due day): met whatever was recorded
        pytest.param(date(2025, 5, 20), date(2025, 7, 14), date(2025, 8, 1),
                     {"assessment-decision": MET, "issue-decision": OPEN, "final-plan": OPEN},
                     id="before-request-met-in-time"),
        # no decision by Mon 1 Dec 2025: every limit passed, all three excepted, none overdue
        pytest.param(date(2025, 5, 20), None, date(2025, 12, 1),
                     {"assessment-decision": EXCEPTED, "issue-decision": EXCEPTED, "final-plan": EXCEPTED},
                     id="before-request-all-excepted"),
    ],
)
def test_exception_before_the_request(make_case, cal, settings, start, decided, as_of, expected):
    received = date(2025, 6, 2)
    events = [exc(start)] + ([("decision", decided, ASSESS)] if decided else [])
    case = make_case(received, events)
    assert refuse(cal, settings, make_case(received, []), start, limb="c") is None
    found = {j.deadline.rule: j.status for j in timeline(case, as_of, cal, settings).deadlines
             if j.deadline.rule in LA_RULES}
    assert found == expected
    excepted = [j.deadline for j in timeline(case, as_of, cal, settings).deadlines if j.deadline.rule in LA_RULES]
    # the disapplication is dated from the circumstance's own start, and no date moved
    assert {d.excepted_from for d in excepted} == {start}
    assert sorted(d.due for d in excepted) == [date(2025, 7, 14), date(2025, 9, 22), date(2025, 10, 20)]


def test_refusal_leaves_the_case_alone(make_case, cal, settings):
    case = base_case(make_case)
    before = compute(case, cal, settings)
    refuse(cal, settings, case, date(2025, 4, 1), limb="c")
    assert compute(case, cal, settings) == before
