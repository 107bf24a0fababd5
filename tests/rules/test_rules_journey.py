"""The rest of the statutory journey (spec "4.3 in detail"), checked by hand against the law.

Calendar facts used below (England): Christmas 2025 is Thu 25 and Fri 26 Dec, New Year Thu 1 Jan 2026;
Easter 2026 is Good Friday 3 Apr and Easter Monday 6 Apr.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sendtrack.domain import Event, Status
from sendtrack.rules.engine import compute, refusal, timeline

MET, LATE, OPEN, OVERDUE = Status.MET, Status.LATE, Status.OPEN, Status.OVERDUE
EXCEPTED, NA = Status.EXCEPTED, Status.NOT_APPLICABLE
ASSESS = {"outcome": "assess"}


def plan_case(make_case, final: date, events=(), dob: date = date(2012, 6, 1)):
    """A case whose plan was first issued on `final`, with the assessment path before it."""
    received = final - timedelta(weeks=19)
    path = [("decision", received + timedelta(weeks=5), ASSESS), ("draft", final - timedelta(weeks=4)),
            ("final", final)]
    return make_case(received, [*path, *events], dob=dob)


def found(case, as_of, rule, cal, settings, subject=None):
    return [(j.deadline.due, j.deadline.act_by, j.status, j.completed_on)
            for j in timeline(case, as_of, cal, settings).deadlines
            if j.deadline.rule == rule and (subject is None or j.deadline.subject == subject)]


PLAN = date(2025, 6, 2)  # Mon 2 Jun 2025: annual review due Mon 1 Jun 2026 (C3)


# --- reassessment-decision: request + 15 days (reg 25(1)) -----------------------------------------------

@pytest.mark.parametrize(
    ("requested", "events", "as_of", "due", "act_by", "status"),
    [
        # the spec's example: Wed 1 Oct 2025 + 15 = Thu 16 Oct 2025
        pytest.param(date(2025, 10, 1), [("reassessment-decision", date(2025, 10, 16), ASSESS)],
                     date(2025, 10, 20), date(2025, 10, 16), date(2025, 10, 16), MET, id="met-on-due-date"),
        pytest.param(date(2025, 10, 1), [("reassessment-decision", date(2025, 10, 17), ASSESS)],
                     date(2025, 10, 20), date(2025, 10, 16), date(2025, 10, 16), LATE, id="late"),
        pytest.param(date(2025, 10, 1), [], date(2025, 10, 16), date(2025, 10, 16), date(2025, 10, 16), OPEN,
                     id="open-on-due-date"),
        pytest.param(date(2025, 10, 1), [], date(2025, 10, 17), date(2025, 10, 16), date(2025, 10, 16),
                     OVERDUE, id="overdue"),
        # Wed 10 Dec 2025 + 15 = Thu 25 Dec (Christmas) -> act-by Wed 24 Dec
        pytest.param(date(2025, 12, 10), [], date(2025, 12, 11), date(2025, 12, 25), date(2025, 12, 24), OPEN,
                     id="christmas"),
        # Thu 19 Mar 2026 + 15 = Fri 3 Apr 2026 (Good Friday) -> act-by Thu 2 Apr
        pytest.param(date(2026, 3, 19), [], date(2026, 3, 20), date(2026, 4, 3), date(2026, 4, 2), OPEN,
                     id="good-friday"),
        # the plan sent to a new LA on Fri 10 Oct 2025 (aware Mon 6 Oct): not applicable from then
        pytest.param(date(2025, 10, 1), [("move-out", date(2025, 10, 6), {"on": date(2025, 10, 20),
                                                                          "to_la": "919"}),
                                         ("transferred-out", date(2025, 10, 10))],
                     date(2025, 10, 20), date(2025, 10, 16), date(2025, 10, 16), NA, id="transferred-out"),
    ],
)
def test_reassessment_decision(make_case, cal, settings, requested, events, as_of, due, act_by, status):
    case = plan_case(make_case, PLAN, [("reassessment-request", requested), *events])
    assert [f[:3] for f in found(case, as_of, "reassessment-decision", cal, settings)] == [(due, act_by, status)]


# --- reassessment-final: decision to re-assess + 14 weeks (reg 27(2)-(3)) -------------------------------

@pytest.mark.parametrize(
    ("decided", "events", "as_of", "due", "act_by", "status"),
    [
        # Mon 3 Nov 2025 + 98 days = Mon 9 Feb 2026
        pytest.param(date(2025, 11, 3), [("amended-plan", date(2026, 2, 9))], date(2026, 3, 1),
                     date(2026, 2, 9), date(2026, 2, 9), MET, id="amended-on-due-date"),
        pytest.param(date(2025, 11, 3), [("amended-plan", date(2026, 2, 10))], date(2026, 3, 1),
                     date(2026, 2, 9), date(2026, 2, 9), LATE, id="amended-late"),
        pytest.param(date(2025, 11, 3), [], date(2026, 2, 9), date(2026, 2, 9), date(2026, 2, 9), OPEN,
                     id="open"),
        pytest.param(date(2025, 11, 3), [], date(2026, 2, 10), date(2026, 2, 9), date(2026, 2, 9), OVERDUE,
                     id="overdue"),
        # Thu 18 Sep 2025 + 98 = Thu 25 Dec 2025 (12 days to 30 Sep, 31, 30, 25) -> act-by Wed 24 Dec
        pytest.param(date(2025, 9, 18), [], date(2025, 10, 1), date(2025, 12, 25), date(2025, 12, 24), OPEN,
                     id="christmas"),
        # limb c from Mon 1 Dec 2025 without --rule covers the open reassessment-final (spec 4.3)
        pytest.param(date(2025, 11, 3), [("exception", date(2025, 12, 1), {"limb": "c", "reason": "x"})],
                     date(2026, 3, 1), date(2026, 2, 9), date(2026, 2, 9), EXCEPTED, id="excepted"),
    ],
)
def test_reassessment_final(make_case, cal, settings, decided, events, as_of, due, act_by, status):
    case = plan_case(make_case, PLAN, [("reassessment-request", decided - timedelta(days=10)),
                                       ("reassessment-decision", decided, ASSESS), *events])
    assert [f[:3] for f in found(case, as_of, "reassessment-final", cal, settings)] == [(due, act_by, status)]


def test_refused_reassessment_has_no_final_but_an_appeal_window(make_case, cal, settings):
    # refused Mon 3 Nov 2025: no reassessment-final; the family may appeal until 3 Nov + 2 months = Sat
    # 3 Jan 2026 (act-by Fri 2 Jan)
    case = plan_case(make_case, PLAN, [("reassessment-request", date(2025, 10, 27)),
                                       ("reassessment-decision", date(2025, 11, 3), {"outcome": "refuse"})])
    assert found(case, date(2025, 12, 1), "reassessment-final", cal, settings) == []
    assert found(case, date(2025, 12, 1), "appeal-deadline", cal, settings, "refuse-reassess") == [
        (date(2026, 1, 3), date(2026, 1, 2), OPEN, None)]


# --- transfer-out: the move, or the 15th working day beginning with awareness (reg 15(2), C5) -----------

@pytest.mark.parametrize(
    ("aware", "moving", "events", "as_of", "due", "status"),
    [
        # aware Mon 15 Dec 2025: the 15th working day is Wed 7 Jan 2026 (spec C5 example), before a move
        # on Mon 2 Mar 2026: the plan goes by the move itself
        pytest.param(date(2025, 12, 15), date(2026, 3, 2), [], date(2026, 1, 5), date(2026, 3, 2), OPEN,
                     id="known-in-time-move-date"),
        # the same awareness, a move on Fri 2 Jan 2026: 7 Jan is not before it, so 7 Jan applies
        pytest.param(date(2025, 12, 15), date(2026, 1, 2), [], date(2026, 1, 5), date(2026, 1, 7), OPEN,
                     id="known-late-15th-working-day"),
        # aware Mon 23 Mar 2026: 23-27 Mar (5), 30 Mar-2 Apr (9), Good Friday and Easter Monday skipped,
        # 7-10 Apr (13), 13 Apr (14), Tue 14 Apr (15); move Fri 10 Apr -> due Tue 14 Apr
        pytest.param(date(2026, 3, 23), date(2026, 4, 10), [], date(2026, 4, 1), date(2026, 4, 14), OPEN,
                     id="easter"),
        pytest.param(date(2025, 12, 15), date(2026, 1, 2), [("transferred-out", date(2026, 1, 7))],
                     date(2026, 2, 1), date(2026, 1, 7), MET, id="sent-on-due-date"),
        pytest.param(date(2025, 12, 15), date(2026, 1, 2), [("transferred-out", date(2026, 1, 8))],
                     date(2026, 2, 1), date(2026, 1, 7), LATE, id="sent-late"),
        pytest.param(date(2025, 12, 15), date(2026, 1, 2), [], date(2026, 1, 8), date(2026, 1, 7), OVERDUE,
                     id="overdue"),
    ],
)
def test_transfer_out(make_case, cal, settings, aware, moving, events, as_of, due, status):
    case = plan_case(make_case, PLAN, [("move-out", aware, {"on": moving, "to_la": "919"}), *events])
    assert [(f[0], f[2]) for f in found(case, as_of, "transfer-out", cal, settings)] == [(due, status)]


def test_transferred_out_closes_every_other_deadline_but_the_familys(make_case, cal, settings):
    # plan Mon 2 Jun 2025 (review due 1 Jun 2026); amendment notice Mon 1 Jun 2026 opens the family's 15
    # days to Mon 15 Jun; the plan sent away Wed 3 Jun 2026: the review is not applicable from then, the
    # family's window runs its course and the appeal window of the plan stays as it was
    case = plan_case(make_case, PLAN, [("amendment-notice", date(2026, 6, 1)),
                                       ("move-out", date(2026, 5, 20), {"on": date(2026, 6, 3), "to_la": "919"}),
                                       ("transferred-out", date(2026, 6, 3))])
    on = date(2026, 6, 20)
    assert [f[2] for f in found(case, on, "annual-review", cal, settings)] == [NA]
    assert [f[2] for f in found(case, on, "amended-plan", cal, settings)] == [NA]
    assert [f[2] for f in found(case, on, "amendment-representations", cal, settings)] == [MET]


# --- transfer-in-notice (reg 15(4)) and transfer-in-review (reg 15(5)) ----------------------------------

@pytest.mark.parametrize(
    ("moved", "events", "as_of", "due", "act_by", "status"),
    [
        # Thu 13 Nov 2025 + 42 = Thu 25 Dec 2025 -> act-by Wed 24 Dec
        pytest.param(date(2025, 11, 13), [], date(2025, 12, 1), date(2025, 12, 25), date(2025, 12, 24), OPEN,
                     id="christmas"),
        pytest.param(date(2025, 11, 13), [("transfer-in-notice", date(2025, 12, 24))], date(2026, 1, 5),
                     date(2025, 12, 25), date(2025, 12, 24), MET, id="met"),
        pytest.param(date(2025, 11, 13), [("transfer-in-notice", date(2025, 12, 29))], date(2026, 1, 5),
                     date(2025, 12, 25), date(2025, 12, 24), LATE, id="late"),
        pytest.param(date(2025, 11, 13), [], date(2025, 12, 26), date(2025, 12, 25), date(2025, 12, 24),
                     OVERDUE, id="overdue"),
    ],
)
def test_transfer_in_notice(make_case, cal, settings, moved, events, as_of, due, act_by, status):
    case = plan_case(make_case, PLAN, [("transfer-in", moved, {"from_la": "919"}), *events])
    assert [f[:3] for f in found(case, as_of, "transfer-in-notice", cal, settings)] == [(due, act_by, status)]


@pytest.mark.parametrize(
    ("final", "moved", "events", "as_of", "due", "status"),
    [
        # plan Mon 2 Jun 2025 -> review carried over due Mon 1 Jun 2026; moved in Thu 30 Apr 2026: the 3
        # months starting with it end Wed 29 Jul 2026, later: due 29 Jul
        pytest.param(PLAN, date(2026, 4, 30), [], date(2026, 6, 2), date(2026, 7, 29), OPEN,
                     id="three-months-later"),
        # moved in Mon 15 Sep 2025: 3 months end Sun 14 Dec 2025; the carried-over 1 Jun 2026 is later
        pytest.param(PLAN, date(2025, 9, 15), [], date(2025, 12, 15), date(2026, 6, 1), OPEN,
                     id="carried-over-later"),
        # the spec's example: moved in Thu 30 Nov 2023: no 30 Feb, so the 3 months end Thu 29 Feb 2024;
        # plan Thu 1 Dec 2022 -> carried over due Thu 30 Nov 2023, earlier
        pytest.param(date(2022, 12, 1), date(2023, 11, 30), [], date(2024, 3, 1), date(2024, 2, 29), OVERDUE,
                     id="clipped-to-29-february"),
        pytest.param(PLAN, date(2026, 4, 30), [("review-meeting", date(2026, 7, 29))], date(2026, 8, 1),
                     date(2026, 7, 29), MET, id="met"),
        pytest.param(PLAN, date(2026, 4, 30), [("review-meeting", date(2026, 7, 30))], date(2026, 8, 1),
                     date(2026, 7, 29), LATE, id="late"),
    ],
)
def test_transfer_in_review(make_case, cal, settings, final, moved, events, as_of, due, status):
    case = plan_case(make_case, final, [("transfer-in", moved, {"from_la": "919"}), *events])
    assert [(f[0], f[2]) for f in found(case, as_of, "transfer-in-review", cal, settings)] == [(due, status)]
    # it takes the place of the annual review of the cycle running on the transfer date
    annual = [f for f in found(case, as_of, "annual-review", cal, settings)]
    assert annual[0][2] == NA


def test_review_decision_after_a_transfer_in_is_bounded_by_its_review(make_case, cal, settings):
    # moved in Thu 30 Apr 2026 (review due Wed 29 Jul 2026); meeting Mon 20 Jul 2026 + 28 = Mon 17 Aug,
    # later than 29 Jul: the decision is due 29 Jul (spec 4.3: bounded by transfer-in-review)
    case = plan_case(make_case, PLAN, [("transfer-in", date(2026, 4, 30), {"from_la": "919"}),
                                       ("review-meeting", date(2026, 7, 20))])
    assert [f[0] for f in found(case, date(2026, 7, 21), "review-decision", cal, settings)] == [date(2026, 7, 29)]


# --- appeal-deadline: the family's window (Tribunal rules r.20(1)(c); reg 33) ---------------------------

@pytest.mark.parametrize(
    ("events", "as_of", "subject", "due", "status"),
    [
        # final Mon 2 Jun 2025 + 2 months = Sat 2 Aug 2025: open on the day, met after, never overdue
        pytest.param([], date(2025, 8, 2), "plan-contents", date(2025, 8, 2), OPEN, id="open-last-day"),
        pytest.param([], date(2025, 8, 3), "plan-contents", date(2025, 8, 2), MET, id="met-after"),
        # certificate Thu 24 Jul 2025 + 1 month = Sun 24 Aug, later than 2 Aug: the window runs to 24 Aug
        pytest.param([("mediation-contact", date(2025, 7, 21), {"wants": "no"}),
                      ("mediation-certificate", date(2025, 7, 24))],
                     date(2025, 8, 10), "plan-contents", date(2025, 8, 24), OPEN, id="certificate-later"),
        # certificate Mon 9 Jun 2025 + 1 month = Wed 9 Jul, earlier than 2 Aug: 2 Aug stands
        pytest.param([("mediation-contact", date(2025, 6, 5), {"wants": "no"}),
                      ("mediation-certificate", date(2025, 6, 9))],
                     date(2025, 8, 10), "plan-contents", date(2025, 8, 2), MET, id="certificate-earlier"),
        # no-amendment Sun 31 Aug 2025 + 2 months = Fri 31 Oct 2025 (October has a 31st: no clip)
        pytest.param([("no-amendment", date(2025, 8, 31))], date(2025, 9, 1), "no-amend",
                     date(2025, 10, 31), OPEN, id="no-amendment"),
        # cease Wed 31 Dec 2025 + 2 months: no 31 Feb, clipped to Sat 28 Feb 2026 (C4)
        pytest.param([("cease", date(2025, 12, 31))], date(2026, 1, 5), "cease", date(2026, 2, 28), OPEN,
                     id="month-end-clip"),
    ],
)
def test_appeal_deadline(make_case, cal, settings, events, as_of, subject, due, status):
    case = plan_case(make_case, PLAN, events)
    assert [(f[0], f[2]) for f in found(case, as_of, "appeal-deadline", cal, settings, subject)] == [(due, status)]


def test_refusal_to_assess_opens_an_appeal_window(make_case, cal, settings):
    # refused Mon 3 Mar 2025 -> Sat 3 May 2025 (act-by Fri 2 May)
    case = make_case(date(2025, 1, 20), [("decision", date(2025, 3, 3), {"outcome": "refuse"})])
    assert found(case, date(2025, 4, 1), "appeal-deadline", cal, settings) == [
        (date(2025, 5, 3), date(2025, 5, 2), OPEN, None)]


def test_certificate_extends_from_the_day_it_is_recorded(make_case, cal, settings):
    # before the certificate of Thu 24 Jul 2025 the window ends 2 Aug; from that day it ends 24 Aug
    case = plan_case(make_case, PLAN, [("mediation-contact", date(2025, 7, 21), {"wants": "no"}),
                                       ("mediation-certificate", date(2025, 7, 24))])
    stored = [(d.due, d.known_from, d.known_until) for d in compute(case, cal, settings)
              if d.rule == "appeal-deadline"]
    assert stored == [(date(2025, 8, 2), date(2025, 6, 2), date(2025, 7, 24)),
                      (date(2025, 8, 24), date(2025, 7, 24), None)]


# --- mediation-held (+30 days) and mediation-certificate (3 working days from the day after) ------------

@pytest.mark.parametrize(
    ("events", "as_of", "due", "act_by", "status"),
    [
        # Tue 25 Nov 2025 + 30 = Thu 25 Dec 2025 -> act-by Wed 24 Dec
        pytest.param([], date(2025, 12, 1), date(2025, 12, 25), date(2025, 12, 24), OPEN, id="christmas"),
        pytest.param([("mediation-held", date(2025, 12, 23))], date(2026, 1, 5), date(2025, 12, 25),
                     date(2025, 12, 24), MET, id="held"),
        pytest.param([("mediation-certificate", date(2025, 12, 22), {"not_arranged": True})],
                     date(2026, 1, 5), date(2025, 12, 25), date(2025, 12, 24), MET, id="could-not-be-arranged"),
        pytest.param([("mediation-held", date(2025, 12, 29))], date(2026, 1, 5), date(2025, 12, 25),
                     date(2025, 12, 24), LATE, id="late"),
        pytest.param([], date(2025, 12, 26), date(2025, 12, 25), date(2025, 12, 24), OVERDUE, id="overdue"),
    ],
)
def test_mediation_held(make_case, cal, settings, events, as_of, due, act_by, status):
    case = plan_case(make_case, PLAN, [("mediation-contact", date(2025, 11, 25), {"wants": "yes"}), *events])
    assert [f[:3] for f in found(case, as_of, "mediation-held", cal, settings)] == [(due, act_by, status)]


@pytest.mark.parametrize(
    ("events", "as_of", "due", "status"),
    [
        # no mediation wanted, Tue 23 Dec 2025: from Wed 24 Dec, working days 24 Dec (1), 29 Dec (2),
        # 30 Dec (3) -> Tue 30 Dec 2025
        pytest.param([("mediation-contact", date(2025, 12, 23), {"wants": "no"})], date(2025, 12, 24),
                     date(2025, 12, 30), OPEN, id="christmas"),
        pytest.param([("mediation-contact", date(2025, 12, 23), {"wants": "no"}),
                      ("mediation-certificate", date(2025, 12, 30))], date(2026, 1, 5), date(2025, 12, 30), MET,
                     id="met"),
        pytest.param([("mediation-contact", date(2025, 12, 23), {"wants": "no"})], date(2025, 12, 31),
                     date(2025, 12, 30), OVERDUE, id="overdue"),
        # mediation held Thu 2 Apr 2026: from Fri 3 Apr (Good Friday), Easter Monday skipped, Tue 7 (1),
        # Wed 8 (2), Thu 9 Apr (3)
        pytest.param([("mediation-contact", date(2026, 3, 20), {"wants": "yes"}),
                      ("mediation-held", date(2026, 4, 2))], date(2026, 4, 3), date(2026, 4, 9), OPEN,
                     id="easter"),
        pytest.param([("mediation-contact", date(2026, 3, 20), {"wants": "yes"}),
                      ("mediation-held", date(2026, 4, 2)), ("mediation-certificate", date(2026, 4, 10))],
                     date(2026, 4, 20), date(2026, 4, 9), LATE, id="late"),
    ],
)
def test_mediation_certificate(make_case, cal, settings, events, as_of, due, status):
    case = plan_case(make_case, PLAN, events)
    assert [(f[0], f[2]) for f in found(case, as_of, "mediation-certificate", cal, settings)] == [(due, status)]


# --- Tribunal orders (reg 44(2); reg 45 unopposed) ------------------------------------------------------

def order(on: date, what: str, **more):
    return ("tribunal-order", on, {"order": what, **more})


def step(on: date, what: str):
    return ("order-complied", on, {"step": what})


@pytest.mark.parametrize(
    ("events", "as_of", "expected"),
    [
        # order to assess Mon 5 Jan 2026: notify + 2 weeks = Mon 19 Jan; no-plan + 10 = Mon 16 Mar;
        # final + 14 = Mon 13 Apr 2026
        pytest.param([order(date(2026, 1, 5), "assess")], date(2026, 1, 6),
                     {"order-notify": (date(2026, 1, 19), OPEN), "order-no-plan": (date(2026, 3, 16), OPEN),
                      "order-final": (date(2026, 4, 13), OPEN)}, id="assess-open"),
        # a no-plan notice on Tue 10 Mar completes both no-plan and final (spec 4.3); notify never sent
        pytest.param([order(date(2026, 1, 5), "assess"), step(date(2026, 3, 10), "no-plan")], date(2026, 4, 20),
                     {"order-notify": (date(2026, 1, 19), OVERDUE), "order-no-plan": (date(2026, 3, 16), MET),
                      "order-final": (date(2026, 4, 13), MET)}, id="assess-no-plan-completes-both"),
        # the LA did not oppose (reg 45) on Mon 5 Jan 2026: the same periods from that day
        pytest.param([order(date(2026, 1, 5), "reassess", unopposed=True), step(date(2026, 1, 20), "notify")],
                     date(2026, 1, 21),
                     {"order-notify": (date(2026, 1, 19), LATE), "order-no-plan": (date(2026, 3, 16), OPEN),
                      "order-final": (date(2026, 4, 13), OPEN)}, id="unopposed-reassess"),
        # order to make a plan Thu 19 Mar 2026: draft + 5 weeks = Thu 23 Apr; final + 11 = Thu 4 Jun
        pytest.param([order(date(2026, 3, 19), "make-plan"), step(date(2026, 4, 23), "draft")], date(2026, 6, 5),
                     {"order-draft": (date(2026, 4, 23), MET), "order-final": (date(2026, 6, 4), OVERDUE)},
                     id="make-plan"),
        # order to amend Fri 27 Feb 2026 + 5 weeks = Fri 3 Apr (Good Friday; act-by Thu 2 Apr)
        pytest.param([order(date(2026, 2, 27), "amend"), step(date(2026, 4, 7), "amended")], date(2026, 4, 8),
                     {"order-amended": (date(2026, 4, 3), LATE)}, id="amend-easter"),
        # order on the school only Thu 11 Dec 2025 + 2 weeks = Thu 25 Dec (act-by Wed 24 Dec)
        pytest.param([order(date(2025, 12, 11), "school-only")], date(2025, 12, 26),
                     {"order-school": (date(2025, 12, 25), OVERDUE)}, id="school-only-christmas"),
        # orders to continue or cease start no order deadline
        pytest.param([order(date(2026, 1, 5), "continue")], date(2026, 1, 6), {}, id="continue"),
    ],
)
def test_tribunal_orders(make_case, cal, settings, events, as_of, expected):
    case = plan_case(make_case, PLAN, events)
    got = {j.deadline.rule: (j.deadline.due, j.status) for j in timeline(case, as_of, cal, settings).deadlines
           if j.deadline.rule.startswith("order-")}
    assert got == expected


def test_order_act_by_over_easter(make_case, cal, settings):
    case = plan_case(make_case, PLAN, [order(date(2026, 2, 27), "amend")])
    assert [f[1] for f in found(case, date(2026, 3, 1), "order-amended", cal, settings)] == [date(2026, 4, 2)]


@pytest.mark.parametrize(
    ("details", "refused"),
    [
        # reg 44(3): limb d2, an absence of 2 weeks, named with --rule: Mon 12 to Sun 25 Jan = 14 days
        pytest.param({"limb": "d2", "rule": "order-final", "end": date(2026, 1, 25)}, False, id="d2-14-days"),
        pytest.param({"limb": "d2", "rule": "order-final", "end": date(2026, 1, 24)}, True, id="d2-13-days"),
        pytest.param({"limb": "c", "rule": "order-no-plan"}, False, id="c-with-rule"),
        # without --rule no exception covers an order-* rule (and nothing else is open: refused)
        pytest.param({"limb": "c"}, True, id="c-without-rule"),
        pytest.param({"limb": "d2"}, True, id="d2-without-rule"),
        # limb d (4 weeks) is not one of reg 44(3)'s
        pytest.param({"limb": "d", "rule": "order-final"}, True, id="d-on-order"),
        # d2 is refused for any other rule
        pytest.param({"limb": "d2", "rule": "final-plan"}, True, id="d2-on-final-plan"),
    ],
)
def test_order_exceptions(make_case, cal, settings, details, refused):
    case = plan_case(make_case, PLAN, [order(date(2026, 1, 5), "assess")])
    event = Event.make(99, "exception", date(2026, 1, 12), reason="x", **details)
    problem = refusal(case, event, today=date(2026, 6, 1), calendar=cal, settings=settings)
    assert (problem is not None) == refused, problem


def test_order_exception_marks_only_the_named_rule(make_case, cal, settings):
    # limb c on order-final from Mon 12 Jan 2026; nothing done by Mon 20 Apr: order-final excepted, the
    # others overdue
    case = plan_case(make_case, PLAN, [order(date(2026, 1, 5), "assess"),
                                       ("exception", date(2026, 1, 12), {"limb": "c", "reason": "x",
                                                                         "rule": "order-final"})])
    got = {j.deadline.rule: j.status for j in timeline(case, date(2026, 4, 20), cal, settings).deadlines
           if j.deadline.rule.startswith("order-")}
    assert got == {"order-notify": OVERDUE, "order-no-plan": OVERDUE, "order-final": EXCEPTED}


# --- cease-effective (CFA s.45; reg 31) and the plan maintained until then -------------------------------

CEASE = date(2025, 12, 31)  # Wed 31 Dec 2025 + 2 months: no 31 Feb, clipped to Sat 28 Feb 2026 (C4)


@pytest.mark.parametrize(
    ("events", "as_of", "due", "status"),
    [
        pytest.param([], date(2026, 2, 28), date(2026, 2, 28), OPEN, id="open-last-day"),
        pytest.param([], date(2026, 3, 1), date(2026, 2, 28), MET, id="met-after"),
        # certificate Tue 24 Feb 2026 + 1 month = Tue 24 Mar 2026, later: the plan runs to then
        pytest.param([("mediation-contact", date(2026, 2, 20), {"wants": "no"}),
                      ("mediation-certificate", date(2026, 2, 24))], date(2026, 3, 1), date(2026, 3, 24), OPEN,
                     id="extended-by-certificate"),
        # appealed Mon 12 Jan 2026: no date until the Tribunal decides (null, open)
        pytest.param([("appeal", date(2026, 1, 12), {"against": "cease"})], date(2026, 5, 1), None, OPEN,
                     id="appealed-pending"),
        # appeal dismissed (order cease) Mon 1 Jun 2026: due that day, met after
        pytest.param([("appeal", date(2026, 1, 12), {"against": "cease"}), order(date(2026, 6, 1), "cease")],
                     date(2026, 6, 2), date(2026, 6, 1), MET, id="dismissed"),
        # the Tribunal orders the plan to continue, Mon 1 Jun 2026: not applicable
        pytest.param([("appeal", date(2026, 1, 12), {"against": "cease"}), order(date(2026, 6, 1), "continue")],
                     date(2026, 6, 2), None, NA, id="continued"),
    ],
)
def test_cease_effective(make_case, cal, settings, events, as_of, due, status):
    case = plan_case(make_case, PLAN, [("cease", CEASE, {"reason": "needs met"}), *events])
    got = [(j.deadline.due, j.status) for j in timeline(case, as_of, cal, settings).deadlines
           if j.deadline.rule == "cease-effective"]
    assert len(got) == 1
    shown_due = None if got[0][0].year == 9999 else got[0][0]
    assert (shown_due, got[0][1]) == (due, status)


def test_plan_maintained_with_its_reviews_until_cease_effective(make_case, cal, settings):
    # plan Mon 2 Jun 2025, review due Mon 1 Jun 2026; cease Wed 1 Apr 2026 -> effective Mon 1 Jun 2026
    # (1 Apr + 2 months): the review is still due and open on 1 Jun, not applicable from Tue 2 Jun
    case = plan_case(make_case, PLAN, [("cease", date(2026, 4, 1), {"reason": "needs met"})])
    assert [f[2] for f in found(case, date(2026, 6, 1), "annual-review", cal, settings)] == [OPEN]
    assert [f[2] for f in found(case, date(2026, 6, 2), "annual-review", cal, settings)] == [NA]
    # and a review meeting may still be recorded in between
    meeting = Event.make(99, "review-meeting", date(2026, 5, 20))
    assert refusal(case, meeting, today=date(2026, 6, 10), calendar=cal, settings=settings) is None
    late = Event.make(99, "review-meeting", date(2026, 6, 2))
    assert refusal(case, late, today=date(2026, 6, 10), calendar=cal, settings=settings) is not None


# --- a plan issued under a Tribunal order is an EHC plan like any other (reg 44(2); spec 4.3) -----------
# README "Where we read the spec": an order to assess stands where the decision to assess would have
# been, an order to make a plan where the decision to issue one would have been; the plan then issued is
# recorded as `final` and completes the order's final step.

REFUSE = {"outcome": "refuse"}


def ordered_to_assess(make_case, events=()):
    """Request Mon 5 Jan 2026, refused Mon 9 Feb, appealed Mon 2 Mar, order to assess Mon 1 Jun 2026.
    Born 2 Mar 2016: Reception Sept 2020, Year 6 to 7 in Sept 2027 (phase transfer due 14 Feb 2027)."""
    return make_case(date(2026, 1, 5), [
        ("decision", date(2026, 2, 9), REFUSE), ("appeal", date(2026, 3, 2), {"against": "refuse-assess"}),
        order(date(2026, 6, 1), "assess"), *events], dob=date(2016, 3, 2))


def test_order_to_assess_lets_the_plan_be_made(make_case, cal, settings):
    case = ordered_to_assess(make_case)
    today = date(2026, 12, 1)
    for kind in ("draft", "final", "no-plan", "consultation-sent"):
        details = {"institution": "Oak"} if kind == "consultation-sent" else {}
        event = Event.make(99, kind, date(2026, 8, 3), **details)
        assert refusal(case, event, today=today, calendar=cal, settings=settings) is None, kind
    # before the order, the refusal stands: still refused (message unchanged up to the date)
    early = Event.make(99, "final", date(2026, 5, 29))
    assert refusal(case, early, today=today, calendar=cal, settings=settings).startswith(
        "no decision to assess on or before 2026-05-29")
    # and a refused request with no order is refused as before
    plain = make_case(date(2026, 1, 5), [("decision", date(2026, 2, 9), REFUSE)])
    assert refusal(plain, Event.make(99, "final", date(2026, 8, 3)), today=today, calendar=cal,
                   settings=settings) is not None


def test_plan_under_an_order_to_assess(make_case, cal, settings):
    # notify + 2 weeks: Mon 15 Jun; no-plan + 10 weeks (70 days): Mon 10 Aug; final + 14 weeks (98 days:
    # 29 to 30 Jun, 31 Jul = 60, 31 Aug = 91, + 7) Mon 7 Sep 2026. Advice asked Mon 15 Jun + 42 days = Mon 27
    # Jul, received Mon 20 Jul: met. Draft Mon 3 Aug: the family's 15 days end Mon 17 Aug (C2). Final Tue 1
    # Sep 2026: order-final met; annual review: 1 Sep 2027 - 1 day = Tue 31 Aug 2027 (C3); phase transfer
    # before 15 Feb 2027 = Sun 14 Feb 2027 (C6), act-by Fri 12 Feb; appeal on contents: 1 Sep + 2 months =
    # Sun 1 Nov 2026 (C4). The request's own 16 and 20 weeks (5 Jan + 112 = 27 Apr; + 140 = Mon 25 May
    # 2026) stay not-applicable: the refusal ended that path; reg 44's periods replaced them.
    case = ordered_to_assess(make_case, [
        step(date(2026, 6, 10), "notify"),
        ("advice-requested", date(2026, 6, 15), {"from": "psychology"}),
        ("advice-received", date(2026, 7, 20), {"from": "psychology"}),
        ("draft", date(2026, 8, 3)), ("final", date(2026, 9, 1))])
    as_of = date(2026, 9, 2)
    got = {(j.deadline.rule, j.deadline.subject): (j.deadline.due, j.status, j.completed_on)
           for j in timeline(case, as_of, cal, settings).deadlines}
    assert got[("order-notify", "assess")] == (date(2026, 6, 15), MET, date(2026, 6, 10))
    assert got[("order-final", "assess")] == (date(2026, 9, 7), MET, date(2026, 9, 1))
    # spec 4.3: the final completes order-no-plan too (reg 44(2)(b)(i)/(ii) are alternatives: see the
    # README on this reading); after its 10 weeks that is `late`
    assert got[("order-no-plan", "assess")] == (date(2026, 8, 10), LATE, date(2026, 9, 1))
    assert got[("advice", "psychology")] == (date(2026, 7, 27), MET, date(2026, 7, 20))
    assert got[("draft-representations", None)][:2] == (date(2026, 8, 17), MET)
    assert got[("annual-review", None)] == (date(2027, 8, 31), OPEN, None)
    assert got[("appeal-deadline", "plan-contents")][:2] == (date(2026, 11, 1), OPEN)
    assert got[("issue-decision", None)][:2] == (date(2026, 4, 27), NA)
    assert got[("final-plan", None)][:2] == (date(2026, 5, 25), NA)
    transfer = [j for j in timeline(case, as_of, cal, settings).deadlines if j.deadline.rule == "phase-transfer"]
    assert [(j.deadline.due, j.deadline.act_by, j.status) for j in transfer] == [
        (date(2027, 2, 14), date(2027, 2, 12), OPEN)]
    # the review is overdue the day after its due date, like any plan's
    assert [f[2] for f in found(case, date(2027, 9, 1), "annual-review", cal, settings)] == [OVERDUE]


def test_order_to_make_a_plan_after_a_no_plan_notice(make_case, cal, settings):
    # request Mon 6 Jan 2025, assessed, no-plan Mon 28 Apr 2025 (6 Jan + 112 days: issue-decision met on
    # its due date), appeal Mon 2 Jun, order to make a plan Mon 6 Oct 2025: draft + 5 weeks = Mon 10 Nov,
    # final + 11 weeks (77 days: 25 to 31 Oct, 30 Nov = 55, + 22) = Mon 22 Dec 2025. Draft Mon 10 Nov
    # (met on the day), final Mon 15 Dec (met); annual review 15 Dec 2026 - 1 day = Mon 14 Dec 2026 (C3).
    events = [("decision", date(2025, 2, 10), ASSESS), ("no-plan", date(2025, 4, 28)),
              ("appeal", date(2025, 6, 2), {"against": "no-plan"}), order(date(2025, 10, 6), "make-plan")]
    before = make_case(date(2025, 1, 6), events)
    final = Event.make(99, "final", date(2025, 12, 15))
    assert refusal(before, final, today=date(2026, 1, 5), calendar=cal, settings=settings) is None
    without = make_case(date(2025, 1, 6), events[:3])
    assert "no plan will be issued" in refusal(without, final, today=date(2026, 1, 5), calendar=cal,
                                               settings=settings)
    case = make_case(date(2025, 1, 6), [*events, ("draft", date(2025, 11, 10)), ("final", date(2025, 12, 15))])
    got = {j.deadline.rule: (j.deadline.due, j.status) for j in timeline(case, date(2025, 12, 16), cal, settings)
           .deadlines if j.deadline.rule in {"order-draft", "order-final", "annual-review", "issue-decision",
                                             "final-plan"}}
    assert got == {"order-draft": (date(2025, 11, 10), MET), "order-final": (date(2025, 12, 22), MET),
                   "annual-review": (date(2026, 12, 14), OPEN), "issue-decision": (date(2025, 4, 28), MET),
                   "final-plan": (date(2025, 5, 26), NA)}


def test_an_order_reopens_the_case_until_a_new_notice_closes_it(make_case):
    from sendtrack.rules.paths import closure, is_open

    refused = make_case(date(2026, 1, 5), [("decision", date(2026, 2, 9), REFUSE)])
    assert not is_open(refused) and closure(refused) == ("refused", date(2026, 2, 9))
    reopened = ordered_to_assess(make_case)
    assert is_open(reopened) and closure(reopened) is None
    # a notice of no plan after the assessment the order required (Mon 3 Aug 2026) closes it again,
    # and completes both order-no-plan and order-final in time (10 Aug, 7 Sep)
    closed = ordered_to_assess(make_case, [("no-plan", date(2026, 8, 3))])
    assert not is_open(closed) and closure(closed) == ("no-plan", date(2026, 8, 3))


def test_advice_asked_before_the_refusal_is_not_revived_by_the_order(make_case, cal, settings):
    # asked Mon 12 Jan 2026, unanswered; the refusal of Mon 9 Feb ended it: still not-applicable after
    # the order of 1 Jun
    case = ordered_to_assess(make_case, [("advice-requested", date(2026, 1, 12), {"from": "health"})])
    assert [f[2] for f in found(case, date(2026, 6, 2), "advice", cal, settings)] == [NA]


def test_order_final_step_without_a_plan_is_a_check(make_case, cal, settings):
    case = ordered_to_assess(make_case, [step(date(2026, 9, 1), "final")])
    codes = [c.code for c in timeline(case, date(2026, 9, 2), cal, settings).checks]
    assert codes == ["order-final-without-plan"]
    # no plan recorded: no annual review (the check says how to record it)
    assert found(case, date(2026, 9, 2), "annual-review", cal, settings) == []
    done = ordered_to_assess(make_case, [("draft", date(2026, 8, 3)), step(date(2026, 9, 1), "final"),
                                         ("final", date(2026, 9, 1))])
    assert [c.code for c in timeline(done, date(2026, 9, 2), cal, settings).checks] == []


# --- deadlines missed before a cease takes effect (spec 8.6 and 4.3 in detail) -----------------------------
# Spec 8.6: when a plan ends ("for a cease, once cease-effective has passed") every deadline of the plan
# not yet completed becomes not-applicable, "whether or not its due date had passed"; until then the plan
# is maintained and its deadlines stay live: a missed one is overdue from its due date to the last day of
# the plan, and one completed late before the plan ends is `late` for good. Timeliness figures come from
# completion events (README "Where we read the spec").

def ceased_case(make_case, events=()):
    """Plan Mon 2 Jun 2025 (annual review due Mon 1 Jun 2026, C3); born 10 Oct 2014: Year 6 to 7 in Sept
    2026, phase transfer before 15 Feb 2026 = Sat 14 Feb 2026 (C6), never amended --for-transfer. Cease
    Wed 1 Jul 2026: + 2 months = Tue 1 Sep 2026 (C4), the last day of the appeal window: the plan is
    maintained to then and ends from Wed 2 Sep 2026."""
    return plan_case(make_case, PLAN, [("cease", date(2026, 7, 1), {"reason": "needs met"}), *events],
                     dob=date(2014, 10, 10))


@pytest.mark.parametrize(
    ("as_of", "transfer", "review", "post16"),
    [
        pytest.param(date(2026, 6, 30), OVERDUE, OVERDUE, OPEN, id="before-the-cease"),
        pytest.param(date(2026, 7, 1), OVERDUE, OVERDUE, OPEN, id="cease-day-still-overdue"),
        pytest.param(date(2026, 9, 1), OVERDUE, OVERDUE, OPEN, id="last-day-of-the-plan"),
        pytest.param(date(2026, 9, 2), NA, NA, NA, id="plan-ended"),
    ],
)
def test_missed_deadlines_stay_overdue_until_the_cease_takes_effect(make_case, cal, settings, as_of, transfer,
                                                                    review, post16):
    # post-16 transfer: Year 11 to 12 in Sept 2031, before 31 Mar 2031 = 30 Mar 2031: due after the plan
    # ended, open until then
    case = ceased_case(make_case)
    assert [(f[0], f[2]) for f in found(case, as_of, "phase-transfer", cal, settings)] == [
        (date(2026, 2, 14), transfer)]
    assert [(f[0], f[2]) for f in found(case, as_of, "annual-review", cal, settings)] == [
        (date(2026, 6, 1), review)]
    assert [(f[0], f[2]) for f in found(case, as_of, "post16-transfer", cal, settings)] == [
        (date(2031, 3, 30), post16)]


def test_a_late_review_before_the_cease_takes_effect_stays_late(make_case, cal, settings):
    # meeting Mon 13 Jul 2026, after the review's due date of 1 Jun and after the cease, but while the plan
    # is maintained: `late`, and still `late` once the plan has ended. Its decision is due at the earlier
    # of 13 Jul + 28 days = Mon 10 Aug and the 12 months' end, 1 Jun 2026 (CoP 9.169): never made, it is
    # overdue to the plan's last day (1 Sep) and not-applicable from 2 Sep.
    case = ceased_case(make_case, [("review-meeting", date(2026, 7, 13))])
    for as_of in (date(2026, 9, 1), date(2026, 9, 2), date(2027, 1, 1)):
        assert [(f[0], f[2], f[3]) for f in found(case, as_of, "annual-review", cal, settings)][0] == (
            date(2026, 6, 1), LATE, date(2026, 7, 13))
    assert [(f[0], f[2]) for f in found(case, date(2026, 9, 1), "review-decision", cal, settings)] == [
        (date(2026, 6, 1), OVERDUE)]
    assert [(f[0], f[2]) for f in found(case, date(2026, 9, 2), "review-decision", cal, settings)] == [
        (date(2026, 6, 1), NA)]


def test_an_appealed_cease_keeps_missed_deadlines_overdue(make_case, cal, settings):
    # the family appeals the cease on Mon 3 Aug 2026: the plan is maintained until the Tribunal decides,
    # so the transfer missed on 14 Feb 2026 is still overdue a year on
    case = ceased_case(make_case, [("appeal", date(2026, 8, 3), {"against": "cease"})])
    assert [f[2] for f in found(case, date(2027, 7, 1), "phase-transfer", cal, settings)] == [OVERDUE]
