"""Every deadline's `basis` (spec 8.11): the arithmetic in words, naming the limit that applied.
Each expected sentence is worked by hand from the law (the dates are in the comments)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sendtrack.rules.engine import compute

ASSESS = {"outcome": "assess"}


def plan_case(make_case, final: date, events=(), dob: date = date(2012, 6, 1)):
    received = final - timedelta(weeks=19)
    path = [("decision", received + timedelta(weeks=5), ASSESS), ("draft", final - timedelta(weeks=4)),
            ("final", final)]
    return make_case(received, [*path, *events], dob=dob)


def bases(case, cal, settings, rule):
    return [d.basis for d in compute(case, cal, settings) if d.rule == rule]


def test_every_deadline_has_a_basis(make_case, cal, settings):
    case = plan_case(make_case, date(2025, 9, 15), [
        ("review-scheduled", date(2026, 7, 1), {"meeting": date(2026, 9, 10)}),
        ("review-meeting", date(2026, 9, 10)), ("amendment-notice", date(2026, 9, 20)),
        ("advice-requested", date(2025, 6, 1), {"from": "health"})])
    assert all(d.basis for d in compute(case, cal, settings))


@pytest.mark.parametrize(
    ("final", "meeting", "expected"),
    [
        # the spec's example: plan Mon 15 Sep 2025 -> 12 months end Mon 14 Sep 2026; meeting Thu 10 Sep
        # 2026 + 28 days = Thu 8 Oct 2026, later than 14 Sep: the 12 months applied
        pytest.param(date(2025, 9, 15), date(2026, 9, 10),
                     "meeting 10 Sep 2026 + 4 weeks = 8 Oct 2026, but the 12 months end 14 Sep 2026 "
                     "(CoP 9.169)", id="twelve-months-first"),
        # meeting Mon 1 Jun 2026 + 28 = Mon 29 Jun 2026, before 14 Sep: the 4 weeks applied
        pytest.param(date(2025, 9, 15), date(2026, 6, 1),
                     "meeting 1 Jun 2026 + 4 weeks = 29 Jun 2026 (reg 20(10)), inside the 12 months "
                     "ending 14 Sep 2026", id="four-weeks-first"),
    ],
)
def test_review_decision_names_the_limit(make_case, cal, settings, final, meeting, expected):
    case = plan_case(make_case, final, [("review-meeting", meeting)])
    assert bases(case, cal, settings, "review-decision") == [expected]


def test_annual_review_says_when_the_anniversary_does_not_exist(make_case, cal, settings):
    # plan Thu 29 Feb 2024: no 29 Feb 2025, so the 12 months end Fri 28 Feb 2025 (C3)
    case = plan_case(make_case, date(2024, 2, 29))
    assert bases(case, cal, settings, "annual-review") == [
        "plan issued 29 Feb 2024: the 12 months starting with it end 28 Feb 2025 (there is no 29 Feb "
        "2025: the period ends on the month's last day, C3); CFA s.44(1)"]


@pytest.mark.parametrize(
    ("meeting", "notice", "expected"),
    [
        # meeting Mon 1 Jun 2026 + 84 = Mon 24 Aug 2026; notice Mon 20 Jul + 56 = Mon 14 Sep: Devon first
        pytest.param(date(2026, 6, 1), date(2026, 7, 20),
                     "amendment notice 20 Jul 2026 + 8 weeks = 14 Sep 2026, but meeting 1 Jun 2026 + 12 "
                     "weeks = 24 Aug 2026 comes first (Devon)", id="meeting-12-weeks-first"),
        # notice Mon 8 Jun 2026 + 56 = Mon 3 Aug, before 24 Aug: the 8 weeks applied
        pytest.param(date(2026, 6, 1), date(2026, 6, 8),
                     "amendment notice 8 Jun 2026 + 8 weeks = 3 Aug 2026 (reg 22(3)), inside meeting 1 Jun "
                     "2026 + 12 weeks = 24 Aug 2026", id="notice-8-weeks-first"),
    ],
)
def test_amended_plan_names_the_limit(make_case, cal, settings, meeting, notice, expected):
    case = plan_case(make_case, date(2025, 9, 15), [("review-meeting", meeting), ("amendment-notice", notice)])
    assert bases(case, cal, settings, "amended-plan") == [expected]


def test_assessment_bases(make_case, cal, settings):
    # request Mon 6 Jan 2025: + 42 = Mon 17 Feb, + 112 = Mon 28 Apr, + 140 = Mon 26 May 2025
    case = make_case(date(2025, 1, 6), [])
    found = {d.rule: d.basis for d in compute(case, cal, settings)}
    assert found["assessment-decision"] == "request received 6 Jan 2025 + 6 weeks = 17 Feb 2025 (reg 5(1))"
    assert found["issue-decision"] == "request received 6 Jan 2025 + 16 weeks = 28 Apr 2025 (reg 10(1))"
    assert found["final-plan"] == "request received 6 Jan 2025 + 20 weeks = 26 May 2025 (reg 13(2))"


def test_transfer_basis(make_case, cal, settings):
    # born Fri 10 Oct 2014: Year 7 from Tue 1 Sep 2026, before 15 Feb 2026 = Sat 14 Feb 2026 (C6)
    case = plan_case(make_case, date(2023, 5, 22), dob=date(2014, 10, 10))
    year7 = [d.basis for d in compute(case, cal, settings)
             if d.rule == "phase-transfer" and d.due == date(2026, 2, 14)]
    assert year7 == ["transfer on 1 Sep 2026: before 15 February 2026 = 14 Feb 2026 (C6; reg 18(1)(b)); "
                     "completed by a plan recorded --for-transfer from 1 Sep 2025"]
