"""Reviews and amendments of a plan (spec 4.2, 8.8-8.10), each rule with a hand-checked table."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sendtrack.domain import Settings, Status
from sendtrack.rules.engine import compute

MET, LATE, OPEN, OVERDUE = Status.MET, Status.LATE, Status.OPEN, Status.OVERDUE
NA = Status.NOT_APPLICABLE


def plan_case(make_case, final: date, events=(), dob: date = date(2012, 6, 1)):
    """A case whose plan was first issued on `final`, with the assessment path before it."""
    received = final - timedelta(weeks=19)
    path = [("decision", received + timedelta(weeks=5), {"outcome": "assess"}),
            ("draft", final - timedelta(weeks=4)), ("final", final)]
    return make_case(received, [*path, *events], dob=dob)


# --- annual-review: 12 months starting with the plan, then with each meeting (CFA s.44(1), C3) ------

@pytest.mark.parametrize(
    ("final", "events", "as_of", "trigger", "due", "act_by", "status"),
    [
        # golden G01: Tue 20 May 2025 + 12 months - 1 = Tue 19 May 2026
        pytest.param(date(2025, 5, 20), [], date(2025, 6, 1),
                     date(2025, 5, 20), date(2026, 5, 19), date(2026, 5, 19), OPEN, id="first-from-plan"),
        # Thu 29 Feb 2024 + 12 months: no 29 Feb 2025, clipped to Fri 28 Feb 2025, which is the last
        # day itself (spec C3 revised: a clipped date is not pulled back a day)
        pytest.param(date(2024, 2, 29), [], date(2024, 3, 1),
                     date(2024, 2, 29), date(2025, 2, 28), date(2025, 2, 28), OPEN, id="leap-day-anniversary"),
        # Wed 1 Mar 2023 + 12 months - 1 = Thu 29 Feb 2024
        pytest.param(date(2023, 3, 1), [], date(2023, 3, 2),
                     date(2023, 3, 1), date(2024, 2, 29), date(2024, 2, 29), OPEN, id="ends-on-leap-day"),
        # Fri 31 Jan 2025 + 12 months - 1 = Fri 30 Jan 2026
        pytest.param(date(2025, 1, 31), [], date(2025, 2, 1),
                     date(2025, 1, 31), date(2026, 1, 30), date(2026, 1, 30), OPEN, id="month-end-31-jan"),
        # Mon 29 Dec 2025 + 12 months - 1 = Mon 28 Dec 2026 (substitute) -> act-by Thu 24 Dec 2026
        pytest.param(date(2025, 12, 29), [], date(2026, 1, 5),
                     date(2025, 12, 29), date(2026, 12, 28), date(2026, 12, 24), OPEN,
                     id="substitute-boxing-day-2026"),
        # golden G06: Fri 15 Mar 2024 -> due Fri 14 Mar 2025; meeting Thu 20 Feb 2025 -> met
        pytest.param(date(2024, 3, 15), [("review-meeting", date(2025, 2, 20))], date(2025, 4, 1),
                     date(2024, 3, 15), date(2025, 3, 14), date(2025, 3, 14), MET, id="met"),
        pytest.param(date(2024, 3, 15), [("review-meeting", date(2025, 3, 14))], date(2025, 4, 1),
                     date(2024, 3, 15), date(2025, 3, 14), date(2025, 3, 14), MET, id="meeting-on-due-date"),
        pytest.param(date(2024, 3, 15), [("review-meeting", date(2025, 3, 17))], date(2025, 4, 1),
                     date(2024, 3, 15), date(2025, 3, 14), date(2025, 3, 14), LATE, id="meeting-late"),
        pytest.param(date(2024, 3, 15), [], date(2025, 3, 14),
                     date(2024, 3, 15), date(2025, 3, 14), date(2025, 3, 14), OPEN, id="open-on-due-date"),
        pytest.param(date(2024, 3, 15), [], date(2025, 3, 15),
                     date(2024, 3, 15), date(2025, 3, 14), date(2025, 3, 14), OVERDUE, id="overdue"),
        # cease decided Sat 1 Feb 2025: the plan is maintained until the family's appeal window ends,
        # 1 Feb + 2 months = Tue 1 Apr 2025 (cease-effective), so the review due 14 Mar is overdue on
        # 1 Apr and not applicable from Wed 2 Apr, the first day the plan has ended (spec 4.3, 8.6)
        pytest.param(date(2024, 3, 15), [("cease", date(2025, 2, 1))], date(2025, 4, 1),
                     date(2024, 3, 15), date(2025, 3, 14), date(2025, 3, 14), OVERDUE, id="ceased-still-maintained"),
        pytest.param(date(2024, 3, 15), [("cease", date(2025, 2, 1))], date(2025, 4, 2),
                     date(2024, 3, 15), date(2025, 3, 14), date(2025, 3, 14), NA, id="ceased"),
    ],
)
def test_annual_review_first_cycle(make_case, judged, final, events, as_of, trigger, due, act_by, status):
    found = [j for j in judged(plan_case(make_case, final, events), as_of, "annual-review")
             if j.deadline.trigger == trigger]
    assert len(found) == 1
    assert (found[0].deadline.due, found[0].deadline.act_by, found[0].status) == (due, act_by, status)


@pytest.mark.parametrize(
    ("final", "meetings", "as_of", "chain"),
    [
        # golden G06: plan Fri 15 Mar 2024 -> Fri 14 Mar 2025; meeting Thu 20 Feb 2025 -> Thu 19 Feb 2026
        pytest.param(date(2024, 3, 15), [date(2025, 2, 20)], date(2025, 4, 1),
                     [(date(2025, 3, 14), MET), (date(2026, 2, 19), OPEN)], id="chain-from-meeting"),
        # a late meeting Tue 1 Apr 2025 restarts the cycle from itself: Tue 31 Mar 2026
        pytest.param(date(2024, 3, 15), [date(2025, 4, 1)], date(2025, 4, 2),
                     [(date(2025, 3, 14), LATE), (date(2026, 3, 31), OPEN)], id="chain-from-late-meeting"),
        # meetings Mon 1 Sep 2025 -> Mon 31 Aug 2026 (summer bank holiday) -> act-by Fri 28 Aug 2026;
        # then Thu 27 Aug 2026 -> Thu 26 Aug 2027
        pytest.param(date(2024, 10, 1), [date(2025, 9, 1), date(2026, 8, 27)], date(2026, 9, 1),
                     [(date(2025, 9, 30), MET), (date(2026, 8, 31), MET), (date(2027, 8, 26), OPEN)],
                     id="three-cycles"),
        # a meeting on Thu 29 Feb 2024 -> clipped to Fri 28 Feb 2025, the last day (C3 revised)
        pytest.param(date(2023, 4, 3), [date(2024, 2, 29)], date(2024, 3, 1),
                     [(date(2024, 4, 2), MET), (date(2025, 2, 28), OPEN)], id="leap-day-meeting"),
    ],
)
def test_annual_review_chain(make_case, judged, final, meetings, as_of, chain):
    case = plan_case(make_case, final, [("review-meeting", m) for m in meetings])
    got = sorted((j.deadline.due, j.status) for j in judged(case, as_of, "annual-review"))
    assert got == chain


def test_annual_review_chain_act_by_on_august_bank_holiday(make_case, cal, settings):
    # meeting Mon 1 Sep 2025 + 12 months - 1 = Mon 31 Aug 2026, summer bank holiday -> Fri 28 Aug 2026
    case = plan_case(make_case, date(2024, 10, 1), [("review-meeting", date(2025, 9, 1))])
    second = [d for d in compute(case, cal, settings) if d.rule == "annual-review"][1]
    assert (second.trigger, second.due, second.act_by) == (date(2025, 9, 1), date(2026, 8, 31),
                                                             date(2026, 8, 28))


def test_annual_review_from_decision_date(make_case, judged):
    # setting annual_review_from=decision: decision Tue 18 Mar 2025 -> Tue 17 Mar 2026
    case = plan_case(make_case, date(2024, 3, 15), [
        ("review-meeting", date(2025, 2, 20)), ("review-decision", date(2025, 3, 18), {"outcome": "maintain"}),
    ])
    got = sorted(j.deadline.due for j in judged(case, date(2025, 4, 1), "annual-review",
                                                settings_=Settings(annual_review_from="decision")))
    assert got == [date(2025, 3, 14), date(2026, 3, 17)]


# --- review-decision: min(meeting + 4 weeks, annual-review due) (reg 20(10), CoP 9.169, Devon) ------

MAINTAIN = {"outcome": "maintain"}


@pytest.mark.parametrize(
    ("final", "events", "as_of", "due", "act_by", "status"),
    [
        # golden G06: meeting Thu 20 Feb 2025 + 28 = Thu 20 Mar; annual due Fri 14 Mar 2025 -> 14 Mar;
        # decided Tue 18 Mar -> late
        pytest.param(date(2024, 3, 15), [("review-meeting", date(2025, 2, 20)),
                                         ("review-decision", date(2025, 3, 18), MAINTAIN)],
                     date(2025, 4, 1), date(2025, 3, 14), date(2025, 3, 14), LATE,
                     id="decision-inside-the-12-months"),
        # golden G07: meeting Mon 4 Aug 2025 + 28 = Mon 1 Sep; annual due (27 Sep 2024) Fri 26 Sep 2025
        # -> Mon 1 Sep; decided Thu 28 Aug -> met
        pytest.param(date(2024, 9, 27), [("review-meeting", date(2025, 8, 4)),
                                         ("review-decision", date(2025, 8, 28), {"outcome": "amend"}),
                                         ("amendment-notice", date(2025, 8, 28))],
                     date(2025, 9, 5), date(2025, 9, 1), date(2025, 9, 1), MET, id="four-weeks-binds"),
        # meeting Fri 14 Feb 2025 + 28 = Fri 14 Mar 2025 = annual due: both limits agree
        pytest.param(date(2024, 3, 15), [("review-meeting", date(2025, 2, 14)),
                                         ("review-decision", date(2025, 3, 14), MAINTAIN)],
                     date(2025, 4, 1), date(2025, 3, 14), date(2025, 3, 14), MET, id="limits-coincide"),
        # meeting Mon 28 Apr 2025 + 28 = Mon 26 May 2025 (spring bank holiday) -> act-by Fri 23 May;
        # annual due (plan Sun 1 Sep 2024) Sun 31 Aug 2025 is later
        pytest.param(date(2024, 9, 1), [("review-meeting", date(2025, 4, 28))], date(2025, 5, 1),
                     date(2025, 5, 26), date(2025, 5, 23), OPEN, id="lands-on-bank-holiday"),
        pytest.param(date(2024, 9, 1), [("review-meeting", date(2025, 4, 28))], date(2025, 5, 27),
                     date(2025, 5, 26), date(2025, 5, 23), OVERDUE, id="overdue"),
        # meeting held late, Tue 1 Apr 2025, after the 14 Mar annual due: min(29 Apr, 14 Mar) = 14 Mar,
        # already passed when the meeting is held
        pytest.param(date(2024, 3, 15), [("review-meeting", date(2025, 4, 1))], date(2025, 4, 2),
                     date(2025, 3, 14), date(2025, 3, 14), OVERDUE, id="meeting-after-annual-due"),
        # cease decided Mon 10 Mar 2025: maintained until 10 Mar + 2 months = Sat 10 May 2025, so the
        # decision due 14 Mar is overdue on 1 Apr and not applicable from Sun 11 May
        pytest.param(date(2024, 3, 15), [("review-meeting", date(2025, 2, 20)), ("cease", date(2025, 3, 10))],
                     date(2025, 4, 1), date(2025, 3, 14), date(2025, 3, 14), OVERDUE, id="ceased-still-maintained"),
        pytest.param(date(2024, 3, 15), [("review-meeting", date(2025, 2, 20)), ("cease", date(2025, 3, 10))],
                     date(2025, 5, 11), date(2025, 3, 14), date(2025, 3, 14), NA, id="ceased"),
    ],
)
def test_review_decision(make_case, one, final, events, as_of, due, act_by, status):
    found = one(plan_case(make_case, final, events), as_of, "review-decision")
    assert (found.deadline.due, found.deadline.act_by, found.status) == (due, act_by, status)


# --- review-report: meeting + 2 weeks (reg 20(7), 21(7)) --------------------------------------------

@pytest.mark.parametrize(
    ("final", "events", "as_of", "due", "act_by", "status"),
    [
        # meeting Thu 20 Feb 2025 + 14 = Thu 6 Mar 2025
        pytest.param(date(2024, 3, 15), [("review-meeting", date(2025, 2, 20)),
                                         ("review-report", date(2025, 3, 6))],
                     date(2025, 4, 1), date(2025, 3, 6), date(2025, 3, 6), MET, id="report-on-due-date"),
        pytest.param(date(2024, 3, 15), [("review-meeting", date(2025, 2, 20)),
                                         ("review-report", date(2025, 3, 7))],
                     date(2025, 4, 1), date(2025, 3, 6), date(2025, 3, 6), LATE, id="report-day-late"),
        pytest.param(date(2024, 3, 15), [("review-meeting", date(2025, 2, 20))],
                     date(2025, 3, 6), date(2025, 3, 6), date(2025, 3, 6), OPEN, id="open-on-due-date"),
        pytest.param(date(2024, 3, 15), [("review-meeting", date(2025, 2, 20))],
                     date(2025, 3, 7), date(2025, 3, 6), date(2025, 3, 6), OVERDUE, id="overdue"),
        # meeting Thu 11 Dec 2025 + 14 = Thu 25 Dec 2025 -> act-by Wed 24 Dec
        pytest.param(date(2025, 1, 20), [("review-meeting", date(2025, 12, 11))],
                     date(2025, 12, 12), date(2025, 12, 25), date(2025, 12, 24), OPEN, id="christmas"),
        # meeting Mon 23 Mar 2026 + 14 = Mon 6 Apr 2026 Easter Monday -> Good Friday 3 Apr -> Thu 2 Apr
        pytest.param(date(2025, 4, 22), [("review-meeting", date(2026, 3, 23))],
                     date(2026, 3, 24), date(2026, 4, 6), date(2026, 4, 2), OPEN, id="easter-monday-2026"),
    ],
)
def test_review_report(make_case, one, final, events, as_of, due, act_by, status):
    found = one(plan_case(make_case, final, events), as_of, "review-report")
    assert (found.deadline.due, found.deadline.act_by, found.status) == (due, act_by, status)


# --- review-notice: scheduled meeting M - 14 days (reg 20(3)-(4), 21(3)-(4), spec 8.8) --------------

def scheduled(on: date, meeting: date):
    return ("review-scheduled", on, {"meeting": meeting})


@pytest.mark.parametrize(
    ("events", "as_of", "due", "act_by", "status"),
    [
        # scheduled Mon 2 Feb 2026 for Thu 5 Mar 2026: 5 Mar - 14 = Thu 19 Feb 2026
        pytest.param([scheduled(date(2026, 2, 2), date(2026, 3, 5)), ("invitations-sent", date(2026, 2, 19))],
                     date(2026, 3, 1), date(2026, 2, 19), date(2026, 2, 19), MET, id="invited-on-due-date"),
        pytest.param([scheduled(date(2026, 2, 2), date(2026, 3, 5)), ("invitations-sent", date(2026, 2, 20))],
                     date(2026, 3, 1), date(2026, 2, 19), date(2026, 2, 19), LATE, id="invited-day-late"),
        pytest.param([scheduled(date(2026, 2, 2), date(2026, 3, 5))],
                     date(2026, 2, 19), date(2026, 2, 19), date(2026, 2, 19), OPEN, id="open-on-due-date"),
        pytest.param([scheduled(date(2026, 2, 2), date(2026, 3, 5))],
                     date(2026, 2, 20), date(2026, 2, 19), date(2026, 2, 19), OVERDUE, id="overdue"),
        # meeting Mon 8 Jun 2026 - 14 = Mon 25 May 2026 (spring bank holiday) -> act-by Fri 22 May
        pytest.param([scheduled(date(2026, 4, 20), date(2026, 6, 8))],
                     date(2026, 4, 20), date(2026, 5, 25), date(2026, 5, 22), OPEN, id="lands-on-bank-holiday"),
        # meeting Fri 8 Jan 2027 - 14 = Fri 25 Dec 2026 -> act-by Thu 24 Dec 2026
        pytest.param([scheduled(date(2026, 11, 2), date(2027, 1, 8))],
                     date(2026, 11, 2), date(2026, 12, 25), date(2026, 12, 24), OPEN, id="christmas"),
        # meeting Sun 15 Mar 2026 - 14 = Sun 1 Mar 2026 -> act-by Fri 27 Feb 2026
        pytest.param([scheduled(date(2026, 2, 2), date(2026, 3, 15))],
                     date(2026, 2, 2), date(2026, 3, 1), date(2026, 2, 27), OPEN, id="across-february"),
        # re-scheduled on Tue 10 Feb 2026 for Thu 26 Mar: 26 Mar - 14 = Thu 12 Mar replaces 19 Feb
        pytest.param([scheduled(date(2026, 2, 2), date(2026, 3, 5)), scheduled(date(2026, 2, 10), date(2026, 3, 26))],
                     date(2026, 2, 20), date(2026, 3, 12), date(2026, 3, 12), OPEN, id="rescheduled-later"),
        # two schedulings recorded the same day: the later one counts (26 Mar -> 12 Mar)
        pytest.param([scheduled(date(2026, 2, 2), date(2026, 3, 5)), scheduled(date(2026, 2, 2), date(2026, 3, 26))],
                     date(2026, 2, 20), date(2026, 3, 12), date(2026, 3, 12), OPEN, id="rescheduled-same-day"),
        # cease decided Mon 9 Feb 2026 before invitations: maintained until 9 Feb + 2 months = Thu 9 Apr
        # 2026, so overdue on 1 Mar, not applicable from Fri 10 Apr
        pytest.param([scheduled(date(2026, 2, 2), date(2026, 3, 5)), ("cease", date(2026, 2, 9))],
                     date(2026, 3, 1), date(2026, 2, 19), date(2026, 2, 19), OVERDUE, id="ceased-still-maintained"),
        pytest.param([scheduled(date(2026, 2, 2), date(2026, 3, 5)), ("cease", date(2026, 2, 9))],
                     date(2026, 4, 10), date(2026, 2, 19), date(2026, 2, 19), NA, id="ceased"),
    ],
)
def test_review_notice(make_case, one, events, as_of, due, act_by, status):
    found = one(plan_case(make_case, date(2025, 4, 22), events), as_of, "review-notice")
    assert (found.deadline.due, found.deadline.act_by, found.status) == (due, act_by, status)


def test_review_notice_needs_a_scheduled_meeting(make_case, judged):
    case = plan_case(make_case, date(2025, 4, 22), [("review-meeting", date(2026, 3, 5))])
    assert judged(case, date(2026, 3, 10), "review-notice") == []


@pytest.mark.parametrize(
    ("as_of", "due"),
    [
        # first scheduling (Mon 2 Feb, meeting Thu 5 Mar -> due Thu 19 Feb) holds until the second is recorded
        pytest.param(date(2026, 2, 2), date(2026, 2, 19), id="day-first-recorded"),
        pytest.param(date(2026, 2, 9), date(2026, 2, 19), id="day-before-rescheduling"),
        # from Tue 10 Feb the meeting is Thu 26 Mar -> due Thu 12 Mar
        pytest.param(date(2026, 2, 10), date(2026, 3, 12), id="day-of-rescheduling"),
        pytest.param(date(2026, 3, 13), date(2026, 3, 12), id="after-the-new-due-date"),
    ],
)
def test_review_notice_rescheduling_replaces_from_the_day_recorded(make_case, cal, settings, judged,
                                                                   as_of, due):
    case = plan_case(make_case, date(2025, 4, 22), [
        scheduled(date(2026, 2, 2), date(2026, 3, 5)), scheduled(date(2026, 2, 10), date(2026, 3, 26)),
    ])
    assert [j.deadline.due for j in judged(case, as_of, "review-notice")] == [due]
    # the deadlines computed once from every event say the same for that day
    stored = [d.due for d in compute(case, cal, settings) if d.rule == "review-notice" and d.visible_on(as_of)]
    assert stored == [due]


def test_met_review_notice_stays_met_when_the_meeting_is_rescheduled(make_case, cal, settings, judged):
    # Regression (issue 13, found by the property test): final Mon 7 Jan 2019, invitations Tue 8 Jan,
    # scheduled on Tue 22 Jan for Tue 22 Jan (due 22 - 14 = Tue 8 Jan: met that day), re-scheduled on
    # Wed 23 Jan for Thu 24 Jan. The invitations had gone out: the notice stays met, the same row.
    received = date(2019, 1, 7) - timedelta(weeks=19)
    case = make_case(received, [("decision", received + timedelta(weeks=5), {"outcome": "assess"}),
                                ("draft", date(2018, 12, 10)), ("final", date(2019, 1, 7)),
                                ("invitations-sent", date(2019, 1, 8)),
                                scheduled(date(2019, 1, 22), date(2019, 1, 22)),
                                scheduled(date(2019, 1, 23), date(2019, 1, 24))], dob=date(2012, 6, 1))
    seen = {day: [(j.deadline.trigger, j.deadline.due, j.status, j.completed_on)
                  for j in judged(case, day, "review-notice")]
            for day in (date(2019, 1, 22), date(2019, 1, 23), date(2019, 2, 1))}
    row = [(date(2019, 1, 22), date(2019, 1, 8), MET, date(2019, 1, 8))]
    assert seen == {date(2019, 1, 22): row, date(2019, 1, 23): row, date(2019, 2, 1): row}
    assert [d.known_until for d in compute(case, cal, settings) if d.rule == "review-notice"] == [None]


def test_rescheduling_before_invitations_still_replaces(make_case, judged):
    # scheduled Mon 2 Feb 2026 for Thu 5 Mar, re-scheduled Tue 10 Feb for Thu 26 Mar, invitations Wed 11
    # Feb (after the re-scheduling): the row of 26 Mar - 14 = Thu 12 Mar is the one met
    case = plan_case(make_case, date(2025, 4, 22), [
        scheduled(date(2026, 2, 2), date(2026, 3, 5)), scheduled(date(2026, 2, 10), date(2026, 3, 26)),
        ("invitations-sent", date(2026, 2, 11))])
    assert [(j.deadline.due, j.status) for j in judged(case, date(2026, 3, 1), "review-notice")] == [
        (date(2026, 3, 12), MET)]


# --- amended-plan: min(notice + 8 weeks, meeting + 12 weeks) (reg 22(3)-(4), Devon, spec 8.9) --------

AMEND = {"outcome": "amend"}


@pytest.mark.parametrize(
    ("events", "as_of", "due", "act_by", "status"),
    [
        # golden G07: notice Thu 28 Aug 2025 + 56 = Thu 23 Oct; meeting Mon 4 Aug + 84 = Mon 27 Oct -> 23 Oct
        pytest.param([("review-meeting", date(2025, 8, 4)), ("review-decision", date(2025, 8, 28), AMEND),
                      ("amendment-notice", date(2025, 8, 28)), ("amended-plan", date(2025, 10, 20))],
                     date(2025, 11, 1), date(2025, 10, 23), date(2025, 10, 23), MET, id="notice-plus-8-binds"),
        # notice Mon 15 Sep 2025 + 56 = Mon 10 Nov; meeting 4 Aug + 84 = Mon 27 Oct -> 27 Oct
        pytest.param([("review-meeting", date(2025, 8, 4)), ("amendment-notice", date(2025, 9, 15))],
                     date(2025, 9, 16), date(2025, 10, 27), date(2025, 10, 27), OPEN, id="meeting-plus-12-binds"),
        # notice Mon 1 Sep 2025 + 56 = Mon 27 Oct = meeting 4 Aug + 84
        pytest.param([("review-meeting", date(2025, 8, 4)), ("amendment-notice", date(2025, 9, 1))],
                     date(2025, 9, 2), date(2025, 10, 27), date(2025, 10, 27), OPEN, id="limits-coincide"),
        # an amendment outside a review: notice Thu 28 Aug 2025 + 56 = Thu 23 Oct
        pytest.param([("amendment-notice", date(2025, 8, 28))],
                     date(2025, 8, 29), date(2025, 10, 23), date(2025, 10, 23), OPEN, id="no-review-meeting"),
        # notice Thu 30 Oct 2025 + 56 = Thu 25 Dec 2025 -> act-by Wed 24 Dec
        pytest.param([("amendment-notice", date(2025, 10, 30))],
                     date(2025, 10, 30), date(2025, 12, 25), date(2025, 12, 24), OPEN, id="christmas"),
        # a notice that the plan will not be amended after all completes it (reg 22(4))
        pytest.param([("amendment-notice", date(2025, 8, 28)), ("no-amendment", date(2025, 10, 1))],
                     date(2025, 11, 1), date(2025, 10, 23), date(2025, 10, 23), MET, id="no-amendment-notice"),
        pytest.param([("amendment-notice", date(2025, 8, 28)), ("amended-plan", date(2025, 10, 24))],
                     date(2025, 11, 1), date(2025, 10, 23), date(2025, 10, 23), LATE, id="amended-day-late"),
        pytest.param([("amendment-notice", date(2025, 8, 28))],
                     date(2025, 10, 24), date(2025, 10, 23), date(2025, 10, 23), OVERDUE, id="overdue"),
        # the latest meeting on or before the notice counts: Mon 4 Aug 2025, not Tue 1 Oct 2024
        # (plan Fri 27 Sep 2024): min(28 Aug + 56 = 23 Oct, 4 Aug + 84 = 27 Oct) = Thu 23 Oct
        pytest.param([("review-meeting", date(2024, 10, 1)), ("review-meeting", date(2025, 8, 4)),
                      ("amendment-notice", date(2025, 8, 28))],
                     date(2025, 8, 29), date(2025, 10, 23), date(2025, 10, 23), OPEN, id="latest-meeting-counts"),
        # a meeting after the notice is not its meeting: Thu 28 Aug + 56 = Thu 23 Oct
        pytest.param([("amendment-notice", date(2025, 8, 28)), ("review-meeting", date(2025, 9, 1))],
                     date(2025, 9, 2), date(2025, 10, 23), date(2025, 10, 23), OPEN, id="later-meeting-ignored"),
        # cease decided Wed 1 Oct 2025: maintained until 1 Oct + 2 months = Mon 1 Dec 2025, so the amended
        # plan due 23 Oct is overdue on 1 Dec and not applicable from Tue 2 Dec
        pytest.param([("amendment-notice", date(2025, 8, 28)), ("cease", date(2025, 10, 1))],
                     date(2025, 12, 1), date(2025, 10, 23), date(2025, 10, 23), OVERDUE, id="ceased-still-maintained"),
        pytest.param([("amendment-notice", date(2025, 8, 28)), ("cease", date(2025, 10, 1))],
                     date(2025, 12, 2), date(2025, 10, 23), date(2025, 10, 23), NA, id="ceased"),
    ],
)
def test_amended_plan(make_case, one, events, as_of, due, act_by, status):
    found = one(plan_case(make_case, date(2024, 9, 27), events), as_of, "amended-plan")
    assert (found.deadline.due, found.deadline.act_by, found.status) == (due, act_by, status)


# --- amendment-representations: 15 days beginning with the notice (reg 22(2)(c), C2; spec 8.3) ------

@pytest.mark.parametrize(
    ("notice", "extra", "as_of", "due", "status"),
    [
        # Thu 28 Aug 2025 + 14 = Thu 11 Sep 2025: open to its last day, met after
        pytest.param(date(2025, 8, 28), [], date(2025, 8, 28), date(2025, 9, 11), OPEN, id="open-first-day"),
        pytest.param(date(2025, 8, 28), [], date(2025, 9, 11), date(2025, 9, 11), OPEN, id="open-last-day"),
        pytest.param(date(2025, 8, 28), [], date(2025, 9, 12), date(2025, 9, 11), MET, id="met-after"),
        # Mon 22 Dec 2025 + 14 = 36 Dec = Mon 5 Jan 2026
        pytest.param(date(2025, 12, 22), [], date(2025, 12, 29), date(2026, 1, 5), OPEN, id="crosses-year-end"),
        # Thu 15 Feb 2024 + 14 = Thu 29 Feb 2024
        pytest.param(date(2024, 2, 15), [], date(2024, 2, 20), date(2024, 2, 29), OPEN, id="ends-on-leap-day"),
        # cease decided Mon 1 Sep 2025 inside the window: the plan is maintained until 1 Sep + 2 months =
        # Sat 1 Nov 2025, so the window (to Thu 11 Sep) runs its course and has passed on 12 Sep
        pytest.param(date(2025, 8, 28), [("cease", date(2025, 9, 1))], date(2025, 9, 12),
                     date(2025, 9, 11), MET, id="cease-decided-inside-window"),
    ],
)
def test_amendment_representations(make_case, one, notice, extra, as_of, due, status):
    case = plan_case(make_case, date(2023, 9, 27), [("amendment-notice", notice), *extra])
    found = one(case, as_of, "amendment-representations")
    assert (found.deadline.due, found.status) == (due, status)
    assert found.deadline.owner == "family"


# --- under5-review: plan or last review + 6 months (C4) while under 5 (CoP 9.178, spec 8.10) --------

@pytest.mark.parametrize(
    ("dob", "final", "meetings", "as_of", "expected"),
    [
        # born Tue 1 Jun 2021 (5 on Mon 1 Jun 2026); plan Wed 15 Jan 2025 + 6 months = Tue 15 Jul 2025;
        # meeting Thu 10 Jul 2025 -> Sat 10 Jan 2026; meeting Mon 5 Jan 2026 -> Sun 5 Jul 2026, when
        # the child is already 5: no third review
        pytest.param(date(2021, 6, 1), date(2025, 1, 15), [date(2025, 7, 10), date(2026, 1, 5)],
                     date(2026, 1, 6), [(date(2025, 7, 15), MET), (date(2026, 1, 10), MET)], id="chain-until-five"),
        pytest.param(date(2021, 6, 1), date(2025, 1, 15), [], date(2025, 7, 16),
                     [(date(2025, 7, 15), OVERDUE)], id="overdue"),
        # plan Sat 31 Aug 2024 + 6 months = 31 Feb -> Fri 28 Feb 2025 (C4 clip)
        pytest.param(date(2021, 6, 1), date(2024, 8, 31), [], date(2024, 9, 1),
                     [(date(2025, 2, 28), OPEN)], id="month-end-clip-31-aug"),
        # plan Thu 31 Aug 2023 + 6 months -> Thu 29 Feb 2024
        pytest.param(date(2021, 6, 1), date(2023, 8, 31), [], date(2023, 9, 1),
                     [(date(2024, 2, 29), OPEN)], id="month-end-clip-leap-year"),
        # born Wed 15 Jul 2020: plan Wed 15 Jan 2025 + 6 months = Tue 15 Jul 2025 = 5th birthday: not under 5
        pytest.param(date(2020, 7, 15), date(2025, 1, 15), [], date(2025, 2, 1), [], id="due-on-fifth-birthday"),
        # born Thu 16 Jul 2020: due Tue 15 Jul 2025 is the day before the 5th birthday: still under 5
        pytest.param(date(2020, 7, 16), date(2025, 1, 15), [], date(2025, 2, 1),
                     [(date(2025, 7, 15), OPEN)], id="due-day-before-fifth-birthday"),
        # school-age child: none
        pytest.param(date(2016, 5, 4), date(2025, 1, 15), [], date(2025, 2, 1), [], id="school-age"),
    ],
)
def test_under5_review(make_case, judged, dob, final, meetings, as_of, expected):
    case = plan_case(make_case, final, [("review-meeting", m) for m in meetings], dob=dob)
    got = sorted((j.deadline.due, j.status) for j in judged(case, as_of, "under5-review"))
    assert got == expected


def test_under5_review_every_3_months(make_case, judged):
    # setting under5_review_months=3: plan Wed 15 Jan 2025 + 3 months = Tue 15 Apr 2025
    case = plan_case(make_case, date(2025, 1, 15), dob=date(2021, 6, 1))
    got = [j.deadline.due for j in judged(case, date(2025, 2, 1), "under5-review",
                                          settings_=Settings(under5_review_months=3))]
    assert got == [date(2025, 4, 15)]


def test_review_notice_for_next_meeting_scheduled_at_the_meeting(make_case, judged):
    # plan Fri 27 Sep 2024; meeting Mon 4 Aug 2025, at which the next is fixed for Mon 20 Jul 2026:
    # 20 Jul 2026 - 14 = Mon 6 Jul 2026; no invitations since -> overdue on Fri 10 Jul 2026
    case = plan_case(make_case, date(2024, 9, 27), [
        scheduled(date(2025, 6, 2), date(2025, 8, 4)), ("invitations-sent", date(2025, 7, 18)),
        ("review-meeting", date(2025, 8, 4)), scheduled(date(2025, 8, 4), date(2026, 7, 20)),
    ])
    found = [(j.deadline.due, j.status, j.completed_on) for j in judged(case, date(2026, 7, 10), "review-notice")
             if j.deadline.due > date(2025, 8, 4)]
    assert found == [(date(2026, 7, 6), OVERDUE, None)]


def test_review_notice_for_next_meeting_scheduled_the_day_after(make_case, judged):
    # the same, recorded Tue 5 Aug 2025: due Mon 6 Jul 2026, overdue on Fri 10 Jul 2026
    case = plan_case(make_case, date(2024, 9, 27), [
        scheduled(date(2025, 6, 2), date(2025, 8, 4)), ("invitations-sent", date(2025, 7, 18)),
        ("review-meeting", date(2025, 8, 4)), scheduled(date(2025, 8, 5), date(2026, 7, 20)),
    ])
    found = [(j.deadline.due, j.status, j.completed_on) for j in judged(case, date(2026, 7, 10), "review-notice")
             if j.deadline.due > date(2025, 8, 4)]
    assert found == [(date(2026, 7, 6), OVERDUE, None)]


@pytest.mark.parametrize(
    ("events", "as_of", "due"),
    [
        # meeting Mon 4 Aug 2025 + 12 weeks = Mon 27 Oct 2025; notice Sun 1 Mar 2026 is after that, so it is
        # a mid-year amendment: notice + 8 weeks = Sun 26 Apr 2026 (not 27 Oct 2025, before the notice)
        pytest.param([("review-meeting", date(2025, 8, 4)), ("amendment-notice", date(2026, 3, 1))],
                     date(2026, 3, 2), date(2026, 4, 26), id="mid-year-amendment"),
        # notice Mon 27 Oct 2025 = meeting + 12 weeks exactly: still from that review -> min(22 Dec, 27 Oct)
        pytest.param([("review-meeting", date(2025, 8, 4)), ("amendment-notice", date(2025, 10, 27))],
                     date(2025, 10, 28), date(2025, 10, 27), id="notice-on-the-twelfth-week"),
    ],
)
def test_amended_plan_mid_year(make_case, judged, events, as_of, due):
    case = plan_case(make_case, date(2024, 9, 27), events)
    assert [j.deadline.due for j in judged(case, as_of, "amended-plan")] == [due]
