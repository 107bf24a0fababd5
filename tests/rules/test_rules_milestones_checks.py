"""Local milestones (spec 5: at-risk signals, never breaches) and the checks of spec 4.1/4.2."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sendtrack.domain import Closure, Settings, Status
from sendtrack.rules.engine import timeline

MET, LATE, OPEN, OVERDUE = Status.MET, Status.LATE, Status.OPEN, Status.OVERDUE
NA = Status.NOT_APPLICABLE
ASSESS = {"outcome": "assess"}
PSYCH = {"from": "psychology"}


def plan_case(make_case, final: date, events=(), dob: date = date(2014, 10, 10)):
    received = final - timedelta(weeks=19)
    path = [("decision", received + timedelta(weeks=5), ASSESS),
            ("draft", final - timedelta(weeks=4)), ("final", final)]
    return make_case(received, [*path, *events], dob=dob)


# --- draft-by-week-14: request + 14 weeks -----------------------------------------------------------

@pytest.mark.parametrize(
    ("received", "events", "as_of", "settings_", "due", "act_by", "status"),
    [
        # Mon 6 Jan 2025 + 98 = Mon 14 Apr 2025
        pytest.param(date(2025, 1, 6), [("decision", date(2025, 2, 10), ASSESS), ("draft", date(2025, 4, 14))],
                     date(2025, 4, 20), None, date(2025, 4, 14), date(2025, 4, 14), MET, id="draft-at-week-14"),
        pytest.param(date(2025, 1, 6), [("decision", date(2025, 2, 10), ASSESS)],
                     date(2025, 4, 14), None, date(2025, 4, 14), date(2025, 4, 14), OPEN, id="open-on-due-date"),
        pytest.param(date(2025, 1, 6), [("decision", date(2025, 2, 10), ASSESS)],
                     date(2025, 4, 15), None, date(2025, 4, 14), date(2025, 4, 14), OVERDUE, id="no-draft-at-week-14"),
        pytest.param(date(2025, 1, 6), [("decision", date(2025, 2, 10), ASSESS), ("no-plan", date(2025, 4, 1))],
                     date(2025, 4, 20), None, date(2025, 4, 14), date(2025, 4, 14), MET, id="no-plan-notice"),
        pytest.param(date(2025, 1, 6), [("decision", date(2025, 2, 10), {"outcome": "refuse"})],
                     date(2025, 4, 20), None, date(2025, 4, 14), date(2025, 4, 14), NA, id="refused"),
        # Fri 10 Jan 2025 + 98 = Fri 18 Apr 2025 Good Friday -> act-by Thu 17 Apr
        pytest.param(date(2025, 1, 10), [], date(2025, 1, 10), None,
                     date(2025, 4, 18), date(2025, 4, 17), OPEN, id="lands-on-good-friday"),
        # draft_by_weeks=12: Mon 6 Jan 2025 + 84 = Mon 31 Mar 2025
        pytest.param(date(2025, 1, 6), [], date(2025, 1, 6), Settings(draft_by_weeks=12),
                     date(2025, 3, 31), date(2025, 3, 31), OPEN, id="configured-12-weeks"),
    ],
)
def test_draft_by_week_14(make_case, one, received, events, as_of, settings_, due, act_by, status):
    found = one(make_case(received, events), as_of, "draft-by-week-14", settings_=settings_)
    assert (found.deadline.due, found.deadline.act_by, found.status) == (due, act_by, status)
    assert found.deadline.kind == "local"


# --- advice-chase: advice requested + 5 weeks -------------------------------------------------------

ASKED = [("decision", date(2025, 2, 10), ASSESS), ("advice-requested", date(2025, 2, 20), PSYCH)]


@pytest.mark.parametrize(
    ("events", "as_of", "settings_", "due", "status"),
    [
        # Thu 20 Feb 2025 + 35 = Thu 27 Mar 2025
        pytest.param([*ASKED, ("advice-received", date(2025, 3, 27), PSYCH)], date(2025, 4, 1), None,
                     date(2025, 3, 27), MET, id="answered-by-week-5"),
        pytest.param(ASKED, date(2025, 3, 27), None, date(2025, 3, 27), OPEN, id="open-on-due-date"),
        pytest.param(ASKED, date(2025, 3, 28), None, date(2025, 3, 27), OVERDUE, id="chase"),
        pytest.param([*ASKED, ("draft", date(2025, 4, 14)), ("final", date(2025, 5, 20))], date(2025, 6, 1), None,
                     date(2025, 3, 27), NA, id="na-once-final-issued"),
        # advice_chase_weeks=4: Thu 20 Feb + 28 = Thu 20 Mar 2025
        pytest.param(ASKED, date(2025, 3, 1), Settings(advice_chase_weeks=4), date(2025, 3, 20), OPEN,
                     id="configured-4-weeks"),
    ],
)
def test_advice_chase(make_case, one, events, as_of, settings_, due, status):
    found = one(make_case(date(2025, 1, 6), events), as_of, "advice-chase", "psychology", settings_=settings_)
    assert (found.deadline.due, found.status) == (due, status)
    assert found.deadline.kind == "local"


# --- review-scheduled: annual-review due - 8 weeks ---------------------------------------------------

@pytest.mark.parametrize(
    ("final", "events", "as_of", "due", "act_by", "status"),
    [
        # plan Tue 20 May 2025 -> annual due Tue 19 May 2026 - 56 = Tue 24 Mar 2026
        pytest.param(date(2025, 5, 20), [("review-scheduled", date(2026, 3, 2), {"meeting": date(2026, 5, 5)})],
                     date(2026, 4, 1), date(2026, 3, 24), date(2026, 3, 24), MET, id="scheduled-in-time"),
        pytest.param(date(2025, 5, 20), [("review-scheduled", date(2026, 3, 25), {"meeting": date(2026, 5, 5)})],
                     date(2026, 4, 1), date(2026, 3, 24), date(2026, 3, 24), LATE, id="scheduled-late"),
        pytest.param(date(2025, 5, 20), [], date(2026, 3, 25), date(2026, 3, 24), date(2026, 3, 24), OVERDUE,
                     id="nothing-scheduled"),
        # a meeting held without a recorded scheduling also answers it
        pytest.param(date(2025, 5, 20), [("review-meeting", date(2026, 3, 20))], date(2026, 4, 1),
                     date(2026, 3, 24), date(2026, 3, 24), MET, id="meeting-held"),
        # plan Mon 2 Jun 2025 -> due Mon 1 Jun 2026 - 56 = Mon 6 Apr 2026 Easter Monday -> Thu 2 Apr
        pytest.param(date(2025, 6, 2), [], date(2026, 3, 1), date(2026, 4, 6), date(2026, 4, 2), OPEN,
                     id="lands-on-easter-monday"),
    ],
)
def test_review_scheduled(make_case, judged, final, events, as_of, due, act_by, status):
    found = [j for j in judged(plan_case(make_case, final, events), as_of, "review-scheduled")
             if j.deadline.trigger == final]
    assert len(found) == 1
    assert (found[0].deadline.due, found[0].deadline.act_by, found[0].status) == (due, act_by, status)


# --- phase-transfer-meeting: transfer deadline - 12 weeks, no review in the transfer year -----------

@pytest.mark.parametrize(
    ("events", "as_of", "status"),
    [
        # G08: Year 7 due Sat 14 Feb 2026 - 84 = Sat 22 Nov 2025 (act-by Fri 21 Nov); transfer year
        # from Mon 1 Sep 2025
        pytest.param([("review-meeting", date(2025, 10, 15))], date(2025, 12, 1), MET, id="review-in-transfer-year"),
        pytest.param([("review-meeting", date(2025, 8, 29))], date(2025, 11, 23), OVERDUE,
                     id="review-before-transfer-year"),
        pytest.param([("review-meeting", date(2025, 11, 24))], date(2025, 12, 1), LATE, id="review-after-signal"),
        pytest.param([], date(2025, 11, 22), OPEN, id="open-on-signal-day"),
    ],
)
def test_phase_transfer_meeting(make_case, judged, events, as_of, status):
    found = [j for j in judged(plan_case(make_case, date(2023, 5, 22), events), as_of, "phase-transfer-meeting")
             if j.deadline.due == date(2025, 11, 22)]
    assert len(found) == 1
    assert (found[0].deadline.act_by, found[0].status) == (date(2025, 11, 21), status)


# --- contact: every 6 weeks while the assessment is open ---------------------------------------------

@pytest.mark.parametrize(
    ("events", "as_of", "expected"),
    [
        # Mon 6 Jan 2025 + 42 = Mon 17 Feb 2025
        pytest.param([], date(2025, 2, 18), [(date(2025, 1, 6), date(2025, 2, 17), OVERDUE)], id="no-contact"),
        # contact on the request day itself does not count (it is the request)
        pytest.param([("contact", date(2025, 1, 6))], date(2025, 2, 18),
                     [(date(2025, 1, 6), date(2025, 2, 17), OVERDUE)], id="contact-on-request-day"),
        # contact Mon 10 Feb -> next due Mon 24 Mar 2025
        pytest.param([("contact", date(2025, 2, 10))], date(2025, 3, 1),
                     [(date(2025, 1, 6), date(2025, 2, 17), MET), (date(2025, 2, 10), date(2025, 3, 24), OPEN)],
                     id="chain-from-contact"),
        # contact Thu 20 Feb (late) -> next due Thu 3 Apr 2025
        pytest.param([("contact", date(2025, 2, 20))], date(2025, 3, 1),
                     [(date(2025, 1, 6), date(2025, 2, 17), LATE), (date(2025, 2, 20), date(2025, 4, 3), OPEN)],
                     id="late-contact"),
        # contacts 10 Feb and Mon 24 Mar -> Mon 5 May 2025 (early May bank holiday); overdue on 6 May ...
        pytest.param([("decision", date(2025, 2, 10), ASSESS), ("contact", date(2025, 2, 10)),
                      ("contact", date(2025, 3, 24)), ("draft", date(2025, 4, 14)), ("final", date(2025, 5, 20))],
                     date(2025, 5, 6),
                     [(date(2025, 1, 6), date(2025, 2, 17), MET), (date(2025, 2, 10), date(2025, 3, 24), MET),
                      (date(2025, 3, 24), date(2025, 5, 5), OVERDUE)], id="overdue-before-final"),
        # ... and not applicable once the final plan closes the assessment on Tue 20 May
        pytest.param([("decision", date(2025, 2, 10), ASSESS), ("contact", date(2025, 2, 10)),
                      ("contact", date(2025, 3, 24)), ("draft", date(2025, 4, 14)), ("final", date(2025, 5, 20))],
                     date(2025, 6, 1),
                     [(date(2025, 1, 6), date(2025, 2, 17), MET), (date(2025, 2, 10), date(2025, 3, 24), MET),
                      (date(2025, 3, 24), date(2025, 5, 5), NA)], id="na-after-final"),
    ],
)
def test_contact(make_case, judged, events, as_of, expected):
    got = sorted((j.deadline.trigger, j.deadline.due, j.status)
                 for j in judged(make_case(date(2025, 1, 6), events), as_of, "contact"))
    assert got == expected


def test_contact_act_by_on_early_may_bank_holiday(make_case, judged):
    # contact Mon 24 Mar 2025 + 42 = Mon 5 May 2025 -> act-by Fri 2 May
    case = make_case(date(2025, 1, 6), [("contact", date(2025, 3, 24))])
    last = [j for j in judged(case, date(2025, 4, 1), "contact") if j.deadline.trigger == date(2025, 3, 24)]
    assert [j.deadline.act_by for j in last] == [date(2025, 5, 2)]


# --- checks ------------------------------------------------------------------------------------------

def codes(cal, case, as_of, settings):
    return sorted(c.code for c in timeline(case, as_of, cal, settings).checks)


DRAFT = [("decision", date(2025, 7, 1), ASSESS), ("draft", date(2025, 9, 1))]


@pytest.mark.parametrize(
    ("events", "flagged"),
    [
        # draft Mon 1 Sep 2025: the family's window runs to Mon 15 Sep (C2)
        pytest.param([*DRAFT, ("final", date(2025, 9, 15))], True, id="final-on-last-day-of-window"),
        pytest.param([*DRAFT, ("final", date(2025, 9, 16))], False, id="final-after-window"),
        pytest.param([*DRAFT, ("final", date(2025, 9, 5))], True, id="final-inside-window"),
        pytest.param([*DRAFT, ("representations", date(2025, 9, 5)), ("final", date(2025, 9, 10))], False,
                     id="representations-recorded"),
    ],
)
def test_final_before_draft_window(make_case, cal, settings, events, flagged):
    case = make_case(date(2025, 6, 2), events)
    assert ("final-before-draft-window" in codes(cal, case, date(2025, 10, 1), settings)) == flagged


@pytest.mark.parametrize(
    ("events", "flagged"),
    [
        # golden G07: plan Fri 27 Sep 2024, meeting Mon 4 Aug 2025: decision due min(1 Sep, 26 Sep) = Mon 1 Sep
        pytest.param([("review-decision", date(2025, 8, 28), {"outcome": "amend"}),
                      ("amendment-notice", date(2025, 8, 28))], False, id="golden-g07-notice-with-decision"),
        pytest.param([("review-decision", date(2025, 8, 28), {"outcome": "amend"})], True, id="no-notice"),
        pytest.param([("review-decision", date(2025, 8, 28), {"outcome": "amend"}),
                      ("amendment-notice", date(2025, 9, 1))], False, id="notice-on-decision-due-date"),
        pytest.param([("review-decision", date(2025, 8, 28), {"outcome": "amend"}),
                      ("amendment-notice", date(2025, 9, 2))], True, id="notice-day-after-due"),
        pytest.param([("amendment-notice", date(2025, 8, 20)),
                      ("review-decision", date(2025, 8, 28), {"outcome": "amend"})], False,
                     id="notice-before-decision"),
        pytest.param([("review-decision", date(2025, 8, 28), {"outcome": "maintain"})], False, id="maintain"),
    ],
)
def test_amend_without_proposals(make_case, cal, settings, events, flagged):
    case = plan_case(make_case, date(2024, 9, 27), [("review-meeting", date(2025, 8, 4)), *events])
    assert ("amend-without-proposals" in codes(cal, case, date(2025, 10, 1), settings)) == flagged


EDUCATION = {"from": "education", "institution": "Oak Primary"}


@pytest.mark.parametrize(
    ("received", "events", "flagged"),
    [
        # 2025 closure Thu 24 Jul -> re-opens Mon 1 Sep (39 days): window Thu 17 Jul .. Mon 25 Aug 2025
        pytest.param(date(2025, 6, 2), [("advice-requested", date(2025, 7, 16), EDUCATION)], False,
                     id="wed-16-jul-2025-before-window"),
        pytest.param(date(2025, 6, 2), [("advice-requested", date(2025, 7, 17), EDUCATION)], True,
                     id="thu-17-jul-2025-first-day"),
        pytest.param(date(2025, 6, 2), [("advice-requested", date(2025, 8, 1), EDUCATION)], True,
                     id="during-closure"),
        pytest.param(date(2025, 6, 2), [("advice-requested", date(2025, 8, 25), EDUCATION)], True,
                     id="mon-25-aug-2025-last-day"),
        pytest.param(date(2025, 6, 2), [("advice-requested", date(2025, 8, 26), EDUCATION)], False,
                     id="tue-26-aug-2025-after-window"),
        # only advice asked of a school
        pytest.param(date(2025, 6, 2), [("advice-requested", date(2025, 8, 1), PSYCH)], False,
                     id="not-a-school"),
        # already recorded as limb a: nothing more to say
        pytest.param(date(2025, 6, 2), [("advice-requested", date(2025, 8, 1), EDUCATION),
                                        ("exception", date(2025, 8, 1), {"limb": "a"})], False,
                     id="limb-a-already-recorded"),
        # 2024 closure Wed 24 Jul -> Wed 4 Sep: window Wed 17 Jul .. Wed 28 Aug 2024
        pytest.param(date(2024, 6, 3), [("advice-requested", date(2024, 8, 28), EDUCATION)], True,
                     id="wed-28-aug-2024-last-day"),
        pytest.param(date(2024, 6, 3), [("advice-requested", date(2024, 8, 29), EDUCATION)], False,
                     id="thu-29-aug-2024-after-window"),
    ],
)
def test_exception_a_may_apply(make_case, cal, closure_settings, received, events, flagged):
    case = make_case(received, [("decision", received + timedelta(weeks=4), ASSESS), *events])
    got = codes(cal, case, date(received.year, 12, 31), closure_settings)
    assert ("exception-a-may-apply" in got) == flagged


@pytest.mark.parametrize(
    ("closure", "asked", "flagged"),
    [
        # an academy with its own dates: closed Mon 14 Jul, re-opens Tue 26 Aug 2025 (43 days):
        # window Mon 7 Jul .. Tue 19 Aug; its own calendar replaces the default one
        pytest.param(Closure("Oak Primary", date(2025, 7, 14), date(2025, 8, 26)), date(2025, 7, 7), True,
                     id="own-calendar-first-day"),
        pytest.param(Closure("Oak Primary", date(2025, 7, 14), date(2025, 8, 26)), date(2025, 8, 20), False,
                     id="own-calendar-replaces-default"),
        # closed Tue 1 Jul, re-opens Mon 28 Jul 2025: 27 days, not a 4-week closure
        pytest.param(Closure("Oak Primary", date(2025, 7, 1), date(2025, 7, 28)), date(2025, 7, 1), False,
                     id="closure-27-days"),
        # re-opens Tue 29 Jul: 28 days
        pytest.param(Closure("Oak Primary", date(2025, 7, 1), date(2025, 7, 29)), date(2025, 7, 1), True,
                     id="closure-28-days"),
    ],
)
def test_exception_a_uses_the_institutions_own_calendar(make_case, cal, closure_settings, closure, asked,
                                                        flagged):
    settings = Settings(closures=(*closure_settings.closures, closure))
    case = make_case(date(2025, 5, 6), [("decision", date(2025, 6, 2), ASSESS),
                                        ("advice-requested", asked, EDUCATION)])
    assert ("exception-a-may-apply" in codes(cal, case, date(2025, 12, 31), settings)) == flagged


@pytest.mark.parametrize(
    ("received", "asked", "expected"),
    [
        # the shipped calendar's last closure is the estimated summer 2027 (Thu 22 Jul -> Thu 2 Sep 2027):
        # its window runs to 2 Sep - 7 = Thu 26 Aug 2027; advice asked Wed 25 Aug 2027 is in it
        pytest.param(date(2027, 7, 5), date(2027, 8, 25), ["exception-a-may-apply"], id="inside-last-window"),
        # asked Fri 27 Aug 2027, after the window and after the calendar's reach: said so, not silent
        pytest.param(date(2027, 7, 5), date(2027, 8, 27), ["closure-calendar-ends"], id="after-the-calendar"),
        # asked Mon 4 Oct 2027 while the limits run (received Mon 6 Sep 2027): no data for summer 2028
        pytest.param(date(2027, 9, 6), date(2027, 10, 4), ["closure-calendar-ends"], id="next-year-missing"),
        # asked Mon 6 Oct 2025 (summer 2026 and 2027 known, no window): nothing to say
        pytest.param(date(2025, 9, 1), date(2025, 10, 6), [], id="covered"),
    ],
)
def test_closure_calendar_reach(make_case, cal, closure_settings, received, asked, expected):
    case = make_case(received, [("decision", received + timedelta(days=14), ASSESS),
                                ("advice-requested", asked, EDUCATION)])
    got = codes(cal, case, asked, closure_settings)
    assert [c for c in got if c.startswith(("exception-a", "closure-"))] == expected


def test_closure_calendar_ships_summer_2027_as_an_estimate(closure_settings):
    last = max(closure_settings.closures, key=lambda c: c.reopens)
    assert (last.closed_from, last.reopens, last.estimated) == (date(2027, 7, 22), date(2027, 9, 2), True)


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        pytest.param([("decision", date(2025, 2, 10), ASSESS), ("final", date(2025, 5, 20))],
                     ["final-before-draft"], id="final-without-draft"),
        pytest.param([("final", date(2025, 5, 20))], ["final-before-draft", "final-without-decision"],
                     id="final-without-decision"),
        pytest.param([("contact", date(2025, 1, 2))], ["event-before-request"], id="event-before-request"),
        pytest.param([("decision", date(2025, 2, 10), ASSESS), ("draft", date(2025, 4, 14)),
                      ("final", date(2025, 5, 20))], [], id="clean"),
    ],
)
def test_out_of_order(make_case, cal, settings, events, expected):
    case = make_case(date(2025, 1, 6), events)
    assert codes(cal, case, date(2025, 6, 1), settings) == expected


def test_review_scheduled_at_the_previous_meeting(make_case, judged):
    # plan Fri 27 Sep 2024; meeting Mon 4 Aug 2025 -> annual due Mon 3 Aug 2026 - 56 = Mon 8 Jun 2026;
    # the next meeting (Mon 20 Jul 2026) was scheduled on 4 Aug 2025 -> met on Wed 10 Jun 2026
    case = plan_case(make_case, date(2024, 9, 27), [
        ("review-meeting", date(2025, 8, 4)), ("review-scheduled", date(2025, 8, 4), {"meeting": date(2026, 7, 20)}),
    ])
    found = [j for j in judged(case, date(2026, 6, 10), "review-scheduled") if j.deadline.trigger == date(2025, 8, 4)]
    assert [(j.deadline.due, j.status) for j in found] == [(date(2026, 6, 8), MET)]


def test_phase_transfer_meeting_stops_once_the_plan_is_amended(make_case, judged):
    # born Fri 10 Oct 2014: Year 7 from Tue 1 Sep 2026, deadline Sat 14 Feb 2026 (C6);
    # signal 12 weeks before: 14 Feb 2026 - 84 = Sat 22 Nov 2025. Plan amended for the transfer Mon 3 Nov
    # 2025 (after 1 Sep 2025) with no review meeting in the year: the signal no longer applies from 3 Nov.
    case = plan_case(make_case, date(2023, 5, 22), [("amended-plan", date(2025, 11, 3),
                                                     {"for_transfer": True})])
    found = [j for j in judged(case, date(2025, 12, 1), "phase-transfer-meeting")
             if "Year 6 to 7" in (j.deadline.subject or "")]
    assert [(j.deadline.due, j.status) for j in found] == [(date(2025, 11, 22), Status.NOT_APPLICABLE)]


def test_final_without_draft_completes_issue_decision_late(make_case, judged):
    # received Mon 6 Jan 2025: 16 weeks = Mon 28 Apr 2025; no draft, final Tue 20 May 2025 -> late, not
    # overdue for ever; the missing draft is the final-before-draft check
    case = make_case(date(2025, 1, 6), [("decision", date(2025, 2, 10), {"outcome": "assess"}),
                                        ("final", date(2025, 5, 20))])
    [found] = judged(case, date(2026, 1, 1), "issue-decision")
    assert (found.deadline.due, found.status, found.completed_on) == (date(2025, 4, 28), Status.LATE,
                                                                       date(2025, 5, 20))
