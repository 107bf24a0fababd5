"""Invariant sweeps: every request date of 2025-2026, and the materialised-table equivalence
(`timeline` on day T == deadlines computed once from every event, judged on T) over ~400 days."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest

from sendtrack.domain import Settings
from sendtrack.rules.engine import compute, timeline

ASSESS = {"outcome": "assess"}

#: Rules whose due date may precede their trigger by design: a review decision is also due by the
#: annual-review date (a meeting held late is already late), and review invitations are due 14 days
#: before a meeting that may have been scheduled less than 14 days ahead.
DUE_MAY_PRECEDE_TRIGGER = {"review-decision", "review-notice"}


def days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def c3(start: date) -> date:
    """C3 written out separately: the same day next year, less one day; 29 Feb has no corresponding
    day next year, so its period ends on 28 Feb itself (spec C3 revised 2026-12-01)."""
    if (start.month, start.day) == (2, 29):
        return date(start.year + 1, 2, 28)
    return start.replace(year=start.year + 1) - timedelta(days=1)


def full_history(make_case, received: date, index: int):
    """A case with every kind of event, dated relative to the request; date of birth varies."""
    r = received
    final = r + timedelta(days=135)
    meeting = final + timedelta(days=340)
    dob = r - timedelta(days=2900 + (index * 37) % 1600)  # aged about 8 to 12
    return make_case(r, [
        ("contact", r + timedelta(days=20)),
        ("decision", r + timedelta(days=35), ASSESS),
        ("advice-requested", r + timedelta(days=40), {"from": "psychology"}),
        ("advice-requested", r + timedelta(days=40), {"from": "education", "institution": "Oak Primary"}),
        ("advice-received", r + timedelta(days=80), {"from": "psychology"}),
        ("draft", r + timedelta(days=100)),
        ("consultation-sent", r + timedelta(days=100), {"institution": "Oak Primary"}),
        ("consultation-reply", r + timedelta(days=110), {"institution": "Oak Primary"}),
        ("final", final),
        ("review-scheduled", final + timedelta(days=290), {"meeting": meeting - timedelta(days=7)}),
        ("review-scheduled", final + timedelta(days=300), {"meeting": meeting}),
        ("invitations-sent", final + timedelta(days=320)),
        ("review-meeting", meeting),
        ("review-report", meeting + timedelta(days=10)),
        ("review-decision", meeting + timedelta(days=20), {"outcome": "amend"}),
        ("amendment-notice", meeting + timedelta(days=20)),
        ("amended-plan", meeting + timedelta(days=60)),
    ], dob=dob)


@pytest.mark.parametrize("year", [2025, 2026])
def test_request_date_sweep(make_case, cal, settings, year):
    """For every request date of the year: act-by is a working day <= due; due >= trigger; C1/C3 hold."""
    problems = []
    for index, received in enumerate(days(date(year, 1, 1), date(year, 12, 31))):
        bare = compute(make_case(received), cal, settings)
        full = compute(full_history(make_case, received, index), cal, settings)
        for d in bare + full:
            if not cal.is_working_day(d.act_by) or d.act_by > d.due or (d.due - d.act_by).days > 4:
                problems.append(("act-by", received, d.rule, d.due, d.act_by))
            if d.rule not in DUE_MAY_PRECEDE_TRIGGER and d.due < d.trigger:
                problems.append(("due-before-trigger", received, d.rule, d.trigger, d.due))
        for items in (bare, full):
            weeks = {d.rule: (d.due - received).days for d in items
                     if d.rule in {"assessment-decision", "issue-decision", "final-plan"}}
            if weeks != {"assessment-decision": 42, "issue-decision": 112, "final-plan": 140}:
                problems.append(("C1", received, weeks))
        for d in full:
            if d.rule == "annual-review" and d.due != c3(d.trigger):
                problems.append(("C3", received, d.trigger, d.due))
            if d.rule == "draft-representations" and (d.due - d.trigger).days != 14:
                problems.append(("C2", received, d.trigger, d.due))
        rules = Counter(d.rule for d in full)
        # the history completes a whole cycle: two annual reviews, one of each review-stage rule
        if (rules["annual-review"], rules["review-decision"], rules["amended-plan"], rules["advice"]) != (2, 1, 1, 2):
            problems.append(("shape", received, dict(rules)))
    assert problems == []


def fingerprint(deadline, status, completed):
    d = deadline
    return (d.rule, d.subject, d.trigger, d.due, d.act_by, str(status), completed)


def assert_equivalent(case, cal, settings, first: date, last: date):
    stored = compute(case, cal, settings)
    mismatches = []
    for when in days(first, last):
        live = Counter(fingerprint(j.deadline, j.status, j.completed_on)
                       for j in timeline(case, when, cal, settings).deadlines)
        table = Counter(fingerprint(d, d.status_on(when), d.completed_on_as_of(when))
                        for d in stored if d.visible_on(when))
        if live != table:
            mismatches.append((when, sorted(live - table), sorted(table - live)))
    assert mismatches == [], mismatches[:3]


def assessment_history(make_case):
    # request Mon 6 Jan 2025; limb c Tue 1 Apr; psychology advice late, health never (n/a at final);
    # a contact chain; final in week 21 (late, excepted); first review scheduled, then rescheduled
    return make_case(date(2025, 1, 6), [
        ("contact", date(2025, 1, 27)),
        ("decision", date(2025, 2, 10), ASSESS),
        ("advice-requested", date(2025, 2, 20), {"from": "psychology"}),
        ("advice-requested", date(2025, 2, 20), {"from": "health"}),
        ("contact", date(2025, 3, 14)),
        ("exception", date(2025, 4, 1), {"limb": "c"}),
        ("advice-received", date(2025, 4, 10), {"from": "psychology"}),
        ("draft", date(2025, 5, 6)),
        ("consultation-sent", date(2025, 5, 7), {"institution": "Oak Primary"}),
        ("consultation-sent", date(2025, 5, 7), {"institution": "Elm Academy"}),
        ("consultation-reply", date(2025, 5, 20), {"institution": "Oak Primary"}),
        ("final", date(2025, 6, 2)),
        ("review-scheduled", date(2026, 1, 12), {"meeting": date(2026, 3, 5)}),
        ("review-scheduled", date(2026, 2, 10), {"meeting": date(2026, 3, 26)}),
    ], dob=date(2019, 11, 30))


def review_history(make_case):
    # plan Fri 27 Sep 2024; review Mon 4 Aug 2025 with amendments; a second review; plan ceased
    return make_case(date(2024, 5, 13), [
        ("decision", date(2024, 6, 17), ASSESS),
        ("draft", date(2024, 9, 2)),
        ("final", date(2024, 9, 27)),
        ("review-scheduled", date(2025, 6, 2), {"meeting": date(2025, 7, 21)}),
        ("review-scheduled", date(2025, 7, 14), {"meeting": date(2025, 8, 4)}),
        ("invitations-sent", date(2025, 7, 18)),
        ("review-meeting", date(2025, 8, 4)),
        ("review-report", date(2025, 8, 20)),
        ("review-decision", date(2025, 8, 28), {"outcome": "amend"}),
        ("amendment-notice", date(2025, 8, 28)),
        ("amended-plan", date(2025, 10, 20)),
        ("review-scheduled", date(2026, 5, 1), {"meeting": date(2026, 6, 1)}),
        ("review-meeting", date(2026, 6, 1)),
        ("review-decision", date(2026, 6, 20), {"outcome": "cease"}),
        ("cease", date(2026, 7, 31)),
    ], dob=date(2011, 4, 12))


@pytest.mark.parametrize(
    ("history", "first", "last", "settings_"),
    [
        pytest.param(assessment_history, date(2025, 1, 1), date(2026, 2, 10), None, id="assessment-and-first-review"),
        pytest.param(review_history, date(2025, 5, 1), date(2026, 6, 5), None, id="reviews-amendments-cease"),
        pytest.param(review_history, date(2025, 5, 1), date(2026, 6, 5), Settings(annual_review_from="decision"),
                     id="annual-review-from-decision"),
    ],
)
def test_materialised_table_equivalence(make_case, cal, settings, history, first, last, settings_):
    assert (last - first).days >= 400
    assert_equivalent(history(make_case), cal, settings_ or settings, first, last)


def test_materialised_table_equivalence_with_recorded_transfer(make_case, cal, settings):
    # born 3 Nov 2008: Year 12 in Sept 2025 (default post16-transfer due Sun 30 Mar 2025); on Wed 1 Oct
    # 2025 a move between post-16 institutions on Tue 1 Sep 2026 is recorded (due Wed 1 Apr 2026)
    case = make_case(date(2023, 1, 9), [
        ("decision", date(2023, 2, 13), ASSESS), ("draft", date(2023, 4, 24)), ("final", date(2023, 5, 22)),
        ("transfer", date(2025, 10, 1), {"transfer": "post16-move", "on": date(2026, 9, 1)}),
    ], dob=date(2008, 11, 3))
    assert_equivalent(case, cal, settings, date(2024, 12, 1), date(2026, 1, 10))


def journey_history(make_case, start: date):
    """Every event of "4.3 in detail" dated relative to a plan issued on `start`."""
    s = start
    return make_case(s - timedelta(weeks=19), [
        ("decision", s - timedelta(weeks=14), ASSESS), ("draft", s - timedelta(weeks=4)), ("final", s),
        ("reassessment-request", s + timedelta(days=40)),
        ("reassessment-decision", s + timedelta(days=52), ASSESS),
        ("amended-plan", s + timedelta(days=140)),
        ("mediation-contact", s + timedelta(days=150), {"wants": "yes"}),
        ("mediation-held", s + timedelta(days=175)),
        ("mediation-certificate", s + timedelta(days=178)),
        ("appeal", s + timedelta(days=185), {"against": "plan-contents"}),
        ("tribunal-order", s + timedelta(days=260), {"order": "amend"}),
        ("order-complied", s + timedelta(days=290), {"step": "amended"}),
        ("transfer-in", s + timedelta(days=300), {"from_la": "919"}),
        ("transfer-in-notice", s + timedelta(days=330)),
        ("review-meeting", s + timedelta(days=380)),
        ("cease", s + timedelta(days=400), {"reason": "needs met"}),
        ("mediation-contact", s + timedelta(days=410), {"wants": "no"}),
        ("mediation-certificate", s + timedelta(days=414)),
        ("appeal", s + timedelta(days=430), {"against": "cease"}),
        ("tribunal-order", s + timedelta(days=520), {"order": "cease"}),
    ], dob=date(2012, 6, 1))


JOURNEY_RULES = {"reassessment-decision", "reassessment-final", "transfer-in-notice", "transfer-in-review",
                 "appeal-deadline", "mediation-held", "mediation-certificate", "order-amended", "cease-effective"}


@pytest.mark.parametrize("year", [2025, 2026])
def test_journey_sweep(make_case, cal, settings, year):
    """For every plan date of the year: every later-stage rule appears, act-by is a working day <= due
    (a pending cease-effective has neither), due >= trigger, and the working-day rules land on working
    days."""
    problems = []
    for start in days(date(year, 1, 1), date(year, 12, 31)):
        items = compute(journey_history(make_case, start), cal, settings)
        if not {d.rule for d in items} >= JOURNEY_RULES:
            problems.append(("missing", start, JOURNEY_RULES - {d.rule for d in items}))
        for d in items:
            if d.due.year == 9999:
                continue
            if not cal.is_working_day(d.act_by) or d.act_by > d.due or (d.due - d.act_by).days > 4:
                problems.append(("act-by", start, d.rule, d.due, d.act_by))
            if d.rule not in DUE_MAY_PRECEDE_TRIGGER and d.due < d.trigger:
                problems.append(("due-before-trigger", start, d.rule, d.trigger, d.due))
            if d.rule == "mediation-certificate" and not cal.is_working_day(d.due):
                problems.append(("C5", start, d.rule, d.due))
            if d.rule == "reassessment-decision" and (d.due - d.trigger).days != 15:
                problems.append(("reg 25", start, d.trigger, d.due))
    assert problems == []


@pytest.mark.parametrize("start", [date(2024, 2, 29), date(2025, 1, 31), date(2025, 8, 29)])
def test_materialised_table_equivalence_over_the_journey(make_case, cal, settings, start):
    assert_equivalent(journey_history(make_case, start), cal, settings, start - timedelta(days=10),
                      start + timedelta(days=560))
